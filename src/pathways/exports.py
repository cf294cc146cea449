"""Exports for analysts' own tools: the event log, a process-mining log, OCEL 2.0,
and a survival table.

Privacy first: personal fields are left out unless asked for, and youth
references are replaced by a keyed pseudonym (an HMAC under a key derived from
the master key: stable within one store, not reversible without the key)
unless asked for. The event log in JSON Lines is the import format: with both
flags, an export imported into a new store gives the same histories. The users and
the break-the-glass grants are left out: they belong to the store.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import islice
from types import UnionType
from typing import IO, Annotated, Any, Union, get_args, get_origin

from pathways import codec
from pathways.domain.events import (
    EVENT_TYPES,
    AccessGranted,
    AccessRevoked,
    EventRetracted,
    UserAdded,
    UserDisabled,
    UserEnabled,
)
from pathways.domain.time import KnownAt
from pathways.i18n import _
from pathways.perf import without_gc
from pathways.store import Store

LOG_COLUMNS = ("type", "youth", "occurred_on", "id")
META_COLUMNS = ("recorded_at", "recorded_by", "actor", "position", "retracted")


@dataclass(frozen=True)
class Privacy:
    """What an export may show."""

    personal: bool = False
    references: bool = False


class Pseudonyms:
    """Keyed pseudonyms of references: `P-` and 16 base32 characters."""

    def __init__(self, store: Store, privacy: Privacy) -> None:
        self.keep = privacy.references
        self._key = store.keys.derived(b"pathways: export pseudonyms")
        self._cache: dict[str, str] = {}

    def __call__(self, reference: str) -> str:
        if self.keep:
            return reference
        found = self._cache.get(reference)
        if found is None:
            digest = hmac.new(self._key, reference.encode(), hashlib.sha256).digest()
            found = "P-" + base64.b32encode(digest[:10]).decode()
            self._cache[reference] = found
        return found


def _personal(stored: codec.Stored, store: Store, privacy: Privacy) -> dict[str, Any]:
    if not privacy.personal or stored.sealed is None or stored.youth is None:
        return {}
    return store.unseal(stored.youth, stored.id, stored.sealed) or {}


def iter_log(
    store: Store,
    privacy: Privacy,
    known_at: KnownAt | None = None,
    as_of: date | None = None,
) -> Iterator[dict[str, Any]]:
    """The event log in the interchange format, plus what the store knows of each event.

    `known_at` (resolved to a log position, by `Views.known_at`): only what was
    recorded by then (retractions included). `as_of`: only steps dated by then,
    retracted ones and retractions left out.
    """
    upto = None if known_at is None else known_at.upto
    retracted = codec.retracted_ids(store.clear_states, upto)
    pseudonym = Pseudonyms(store, privacy)
    for position, topic, blob in store.iter_raw(upto):
        stored = codec.read(position, topic, blob)
        kind = stored.kind
        if kind in ACCESS_TYPES:
            continue  # who may read (users, grants) belongs to the store, not the pathways
        is_retracted = stored.id in retracted
        if as_of is not None and (stored.occurred_on > as_of or is_retracted or kind == RETRACTION):
            continue
        row: dict[str, Any] = {"type": kind}
        if stored.youth is not None:
            row["youth"] = pseudonym(stored.youth)
        row["occurred_on"] = stored.occurred_on.isoformat()
        row["id"] = stored.id
        # the derived keys are not fields: a re-import would refuse them
        fields = {**stored.clear, **_personal(stored, store, privacy)}
        row.update((k, v) for k, v in fields.items() if v is not None)
        row["recorded_at"] = stored.recorded_at.isoformat()
        row["recorded_by"] = stored.recorded_by or stored.actor
        row["actor"] = stored.actor
        row["position"] = position
        row["retracted"] = is_retracted
        yield row


RETRACTION = EventRetracted.type_name()
#: The events of who may read: left out of the event log (a re-import into another
#: store, which has its own users, would clash with them).
ACCESS_TYPES = frozenset(
    cls.type_name() for cls in (UserAdded, UserDisabled, UserEnabled, AccessGranted, AccessRevoked)
)


# --- writers ----------------------------------------------------------------------------


def field_names() -> list[str]:
    """Every field of the catalogue, in a stable order (the columns of a wide table)."""
    names: dict[str, None] = {}
    for cls in EVENT_TYPES.values():
        names.update(dict.fromkeys(cls.domain_fields()))
    return list(names)


@without_gc
def write_jsonl(rows: Iterator[dict[str, Any]], out: IO[str]) -> int:
    count = 0
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count


@without_gc
def write_csv(rows: Iterator[dict[str, Any]], out: IO[str], columns: list[str]) -> int:
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    count = 0
    for row in rows:
        # true/false, as the read commands' --csv and JSON write booleans
        writer.writerow({k: (str(v).lower() if isinstance(v, bool) else v) for k, v in row.items()})
        count += 1
    return count


def log_columns(privacy: Privacy) -> list[str]:
    """The columns of the wide table: without personal fields, a name that is personal
    in one type only (`reason`, `name`) stays for the types where it is not."""
    clear = {
        n
        for cls in EVENT_TYPES.values()
        for n in cls.domain_fields()
        if n not in cls.personal_fields()
    }
    fields = [f for f in field_names() if privacy.personal or f in clear]
    return [*LOG_COLUMNS, *fields, *META_COLUMNS]


def _kind_of(annotation: Any) -> str:
    """`date`, `bool`, `int` or `string`: the Parquet type of a field's annotation."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _kind_of(get_args(annotation)[0])
    if origin in (Union, UnionType):
        kinds = {_kind_of(a) for a in get_args(annotation) if a is not type(None)}
        return kinds.pop() if len(kinds) == 1 else "string"
    if annotation is date:
        return "date"
    if annotation is bool:
        return "bool"
    if annotation is int:
        return "int"
    return "string"


def column_kinds() -> dict[str, str]:
    """Each column's type, from the catalogue (the same whatever the store holds): a
    field typed differently in two types of event would be a string."""
    kinds: dict[str, str] = {"position": "int", "retracted": "bool", "recorded_at": "timestamp"}
    for cls in EVENT_TYPES.values():
        for name, info in cls.model_fields.items():
            kind = _kind_of(info.annotation)
            if kinds.setdefault(name, kind) != kind:
                kinds[name] = "string"
    return kinds


@without_gc
def write_parquet(
    rows: Iterator[dict[str, Any]], path: str, columns: list[str], batch_size: int = 50_000
) -> int:
    """A typed wide table: dates as dates, the recording time as a UTC timestamp.

    The types come from the catalogue, not from the rows: a column that no event
    fills has its type all the same, so that exports of two stores concatenate.
    Written in row groups, so that a large log is never held whole in memory.
    """
    pa, pq = _pyarrow()
    kinds = column_kinds()
    arrow = {
        "date": pa.date32(),
        "bool": pa.bool_(),
        "int": pa.int64(),
        "string": pa.string(),
        "timestamp": pa.timestamp("us", tz="UTC"),
    }
    types = {c: kinds.get(c, "string") for c in columns}
    schema = pa.schema([(c, arrow[types[c]]) for c in columns])
    dates = [c for c in columns if types[c] == "date"]
    count = 0
    with pq.ParquetWriter(path, schema) as writer:
        while True:
            batch = list(islice(rows, batch_size))
            if batch or not count:  # an empty log still gives a file with its schema
                arrays = []
                for column in columns:
                    values = [row.get(column) for row in batch]
                    if column in dates:
                        values = [None if v is None else date.fromisoformat(v) for v in values]
                    elif column == "recorded_at":
                        values = [
                            None if v is None else datetime.fromisoformat(v).astimezone(UTC)
                            for v in values
                        ]
                    elif types[column] == "string":
                        values = [None if v is None else str(v) for v in values]
                    arrays.append(pa.array(values, type=schema.field(column).type))
                writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
            count += len(batch)
            if len(batch) < batch_size:
                return count


def _pyarrow() -> tuple[Any, Any]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        from pathways.domain.errors import PathwaysError

        msg = _("Parquet needs pyarrow: pip install 'pathways[analysis]'")
        raise PathwaysError(msg) from None
    return pa, pq
