"""Applying events to the `timelines` read model, in a session of the store.

`Projector.apply(session, page)` takes a page of the log, (position, topic,
state) in log order, and updates the tables of one generation (see
`projections.schema`): the recording times, each youth touched (its row read
once, its facts appended or retracted, its situation walked again once), the
followers. It writes plain SQL through the session's cursor, so that the same code
serves a catch-up, a rebuild and the inline projection of a write, in the write's
own transaction; it imports no SQLAlchemy (a `record` stays quick to start).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pathways import codec
from pathways.backends.base import CHUNK
from pathways.backends.session import Session
from pathways.codec import Stored
from pathways.domain import alerts
from pathways.domain.ages import exact_age_band
from pathways.domain.events import (
    FACT_TYPES,
    CounsellorAssigned,
    EventRetracted,
    HandedOver,
    HandoverAcknowledged,
    SupportStarted,
    YouthErased,
    YouthRegistered,
)
from pathways.domain.facts import layout
from pathways.projections import packing

RETRACTED, ERASED = EventRetracted.type_name(), YouthErased.type_name()
REGISTERED = YouthRegistered.type_name()
#: What a situation is walked from (the alerts' kinds; contacts: the latest one).
SITUATION_KINDS = frozenset(cls.event_type for cls in alerts.READS)


class _Banded(dict[str, str | None]):
    """The column that keeps the exact age band on the date of a kind of fact
    (`age_band`; None for a kind without it), found when first asked: the layout of
    every kind at import would cost each `pathways record`, which writes one."""

    def __missing__(self, kind: str) -> str | None:
        found = self[kind] = layout(kind).column_of("age_band")
        return found


BANDED = _Banded()
#: Where a support step names an organisation (o) or a counsellor (c): DOMAIN.md
#: section 6; a youth followed by X on a date has such a fact naming X.
FOLLOWERS: dict[str, tuple[tuple[str, str], ...]] = {}
for _cls, _kind, _name in (
    (SupportStarted, "o", "organisation"),
    (SupportStarted, "c", "counsellor"),
    (CounsellorAssigned, "o", "organisation"),
    (CounsellorAssigned, "c", "counsellor"),
    (HandoverAcknowledged, "o", "organisation"),
    (HandedOver, "c", "to_counsellor"),
):
    _column = layout(_cls.type_name()).column_of(_name)
    assert _column is not None, (_cls, _name)
    FOLLOWERS.setdefault(_cls.type_name(), ())
    FOLLOWERS[_cls.type_name()] += ((_kind, _column),)

YOUTH_COLUMNS = (
    "youth",
    "registered_on",
    "registered_pos",
    "birth_year",
    "residence",
    "sex",
    "event_id",
    "sealed",
    "erased_pos",
    "last_pos",
    "last_day",
    "situation",
    "organisation",
    "justice",
    "facts",
)


def table_names(prefix: str, generation: int) -> dict[str, str]:
    g = f"{prefix}pw{generation}_"
    return {"youth": f"{g}youth", "follower": f"{g}follower", "log": f"{g}log"}


@dataclass
class YouthRow:
    """A row of `pw{g}_youth` being updated."""

    youth: str
    registered_on: int | None = None
    registered_pos: int | None = None
    birth_year: int | None = None
    residence: str | None = None
    sex: str | None = None
    event_id: str | None = None
    sealed: str | None = None
    erased_pos: int | None = None
    last_pos: int = 0
    facts: list[packing.Packed] = field(default_factory=list)

    def values(self) -> tuple[Any, ...]:
        """The row's columns, its last day and situation walked again."""
        live = [
            item for item in self.facts if len(item) <= packing.RET or item[packing.RET] is None
        ]
        last_day = max((item[1] for item in live), default=None)
        facts = packing.effective(live, SITUATION_KINDS, latest_contact=True)
        walked = alerts.situation(facts)
        situation = json.dumps(walked.dump(), separators=(",", ":"))
        justice = walked.custody_since is not None or walked.supervision_since is not None
        return (
            self.youth,
            self.registered_on,
            self.registered_pos,
            self.birth_year,
            self.residence,
            self.sex,
            self.event_id,
            self.sealed,
            self.erased_pos,
            self.last_pos,
            last_day,
            situation,
            walked.organisation,
            justice,
            packing.dumps(self.facts),
        )


class Projector:
    """Applies pages of the log to one generation of the read model (see the module)."""

    def __init__(self, unseal: Any, prefix: str, generation: int) -> None:
        """`unseal(youth, event_id, sealed)` opens a registration's personal fields (for
        the age bands of events stored before the store wrote them), or gives None."""
        self.unseal = unseal
        self.names = table_names(prefix, generation)
        names = self.names
        columns = ", ".join(YOUTH_COLUMNS)
        marks = ", ".join("?" * len(YOUTH_COLUMNS))
        updates = ", ".join(f"{c} = excluded.{c}" for c in YOUTH_COLUMNS[1:])
        self.upsert = (
            f"INSERT INTO {names['youth']} ({columns}) VALUES ({marks}) "
            f"ON CONFLICT (youth) DO UPDATE SET {updates}"
        )
        self.select = f"SELECT {columns} FROM {names['youth']} WHERE youth IN ({{marks}})"
        #: what was applied and not yet written: the youths' rows, the followers, the runs
        #: of recording times, and how many events they took
        self.pending: dict[str, YouthRow] = {}
        self.followers: set[tuple[str, str, str]] = set()
        self.runs: list[tuple[int, float]] = []
        self.facts = 0

    def apply_raw(self, session: Session, page: Sequence[tuple[int, str, bytes]]) -> None:
        """Apply a page of the log as stored rows (position, topic, state)."""
        self.apply(session, [codec.read(position, topic, blob) for position, topic, blob in page])

    def apply(self, session: Session, decoded: Sequence[Stored]) -> None:
        """Apply events (in log order): the session is only read (the youths' rows, the
        retractions' targets); what they change is written by `flush` (a rebuild applies
        many pages, outside any write transaction, before it writes each youth once)."""
        if not decoded:
            return
        self._runs(decoded)
        youths = self._load(session, {s.youth for s in decoded if s.youth is not None})
        self.facts += len(decoded)
        targets = self._targets(session, decoded)
        followers = self.followers
        for stored in decoded:
            youth = stored.youth
            if youth is None:
                continue  # a pilot measure or a setting: read from the registry stream
            row = youths[youth]
            row.last_pos = max(row.last_pos, stored.position)
            if stored.kind == RETRACTED:
                target = targets.get(str(stored.clear["event_id"]))
                if target is not None:
                    packing.retract(row.facts, target, stored.position)
                continue
            if stored.kind == ERASED:
                row.erased_pos, row.sealed = stored.position, None
                continue
            if stored.kind not in FACT_TYPES:
                continue  # no fact: a break-the-glass grant (read from the stream)
            if stored.kind == REGISTERED:
                _register(row, stored)
            columns = stored.fact_columns()
            band = BANDED[stored.kind]
            if band is not None and columns.get(band) is None:
                columns[band] = self._legacy_band(row, stored)
            for kind, column in FOLLOWERS.get(stored.kind, ()):
                if columns.get(column):
                    followers.add((kind, columns[column], youth))
            on = stored.occurred_on.toordinal()
            row.facts.append(packing.pack(stored.kind, on, stored.position, columns))

    def flush(self, session: Session) -> None:
        """Write what was applied since the last flush: the youths' rows (each one's
        situation walked again once), the followers, the recording times."""
        session.executemany(self.upsert, [row.values() for row in self.pending.values()])
        session.executemany(
            f"INSERT INTO {self.names['follower']} VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            sorted(self.followers),
        )
        self._write_runs(session)
        self.pending.clear()
        self.followers.clear()
        self.facts = 0

    def _runs(self, decoded: Sequence[Stored]) -> None:
        """The recording time of the last position of each run of one moment (an append
        is one moment)."""
        runs = self.runs
        for stored in decoded:
            stamp = stored.recorded_at.timestamp()
            if runs and runs[-1][1] == stamp:
                runs[-1] = (stored.position, stamp)
            else:
                runs.append((stored.position, stamp))

    def _write_runs(self, session: Session) -> None:
        """The runs, a run that a page or a flush cut being joined again to the table's
        last one: the table is the same however the log was paged."""
        runs, table = self.runs, self.names["log"]
        if not runs:
            return
        last = session.rows(
            f"SELECT position, recorded_at FROM {table} ORDER BY position DESC LIMIT 1"
        )
        if last and float(last[0]["recorded_at"]) == runs[0][1]:
            session.execute(
                f"UPDATE {table} SET position = ? WHERE position = ?",
                (runs[0][0], last[0]["position"]),
            )
            runs = runs[1:]
        session.executemany(f"INSERT INTO {table} VALUES (?, ?)", runs)
        self.runs = []

    def _load(self, session: Session, youths: set[str]) -> dict[str, YouthRow]:
        """The rows of these youths: pending, else read from the table, else new."""
        wanted = sorted(youths - self.pending.keys())
        found = self.pending
        found.update((youth, YouthRow(youth)) for youth in wanted)
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            sql = self.select.format(marks=", ".join("?" * len(chunk)))
            for r in session.rows(sql, chunk):
                row = found[r["youth"]]
                row.registered_on, row.registered_pos = r["registered_on"], r["registered_pos"]
                row.birth_year, row.residence, row.sex = r["birth_year"], r["residence"], r["sex"]
                row.event_id, row.sealed, row.erased_pos = (
                    r["event_id"],
                    r["sealed"],
                    r["erased_pos"],
                )
                row.last_pos, row.facts = int(r["last_pos"]), packing.loads(r["facts"])
        return found

    @staticmethod
    def _targets(session: Session, decoded: Sequence[Stored]) -> dict[str, int]:
        """The log position of each event that the page's retractions name."""
        ids = [str(s.clear["event_id"]) for s in decoded if s.kind == RETRACTED]
        if not ids:
            return {}
        places = session.backend.event_places(ids)
        return {str(event_id): position for event_id, (_, position) in places.items()}

    def _legacy_band(self, row: YouthRow, stored: Stored) -> str | None:
        """The exact age band of a release or a start of community supervision stored
        before the store wrote it with them: from the birth date, unsealed from the
        registration while the youth's key exists. Once erased, the band stays empty
        and the indicators fall back to the birth year (approximate)."""
        if row.sealed is None or row.event_id is None:
            return None
        personal = self.unseal(row.youth, row.event_id, row.sealed)
        found = (personal or {}).get("birth_date")
        if not found:
            return None
        return exact_age_band(date.fromisoformat(found), stored.occurred_on)


def _register(row: YouthRow, stored: Stored) -> None:
    row.registered_on = stored.occurred_on.toordinal()
    row.registered_pos = stored.position
    row.birth_year = stored.derived.get("birth_year")
    row.residence = stored.clear.get("residence")
    row.sex = stored.clear.get("sex")
    row.event_id = stored.id
    row.sealed = stored.sealed if row.erased_pos is None else None
