"""The audit of reads: who saw which young people's pathways or personal data, when,
with which command, and why (issue 12 item 4).

Writes need no audit of their own: every event carries who recorded it and when; a
refused write, and the refusal of an unknown, disabled or forged acting user, append a
`refused` row (`access.audit_refusal`). A read leaves no trace in the log, so each
command (and each call of the Python API) that shows a young person's pathway or
personal data appends **one row** to `pathways_audit`: the acting user, the command
and its options (never a personal value: a note, a name or a reason typed on a write
is never copied), the UTC time, the references of the youths shown (a JSON array;
`["*"]` for a whole export: every youth of the log up to the position in the
options), the break-glass reason if one was given, and the outcome: `shown`,
`refused` (the read failed on a refusal: an unknown youth, a filter that cannot hold,
access refused) or `erased`.

The row is written in a transaction of its own, after the read has computed what it
will show and before anything is shown: a read whose audit cannot be written shows
nothing. A refusal is audited too, then raised again. The table is append-only: the
database itself refuses an UPDATE, a DELETE (and on PostgreSQL a TRUNCATE) of it,
by triggers made with the table (`create_table`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

from pathways.domain.errors import PathwaysError, StoreError

if TYPE_CHECKING:
    from pathways.backends.session import Session
    from pathways.store import Store

TABLE = "pathways_audit"
OUTCOMES = ("shown", "refused", "erased", "copied")
#: The youths of a read that covers every youth of the log (an export).
EVERY_YOUTH = "*"
APPEND_ONLY = "pathways_audit is append-only"


def create_table(session: Session) -> None:
    """The audit table and the triggers that make it append-only (`pathways init`, and
    the migration that adds it to an older store)."""
    backend = session.backend
    if backend.name == "postgresql":
        identity = "id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
    else:
        identity = "id INTEGER PRIMARY KEY AUTOINCREMENT"  # ids never reused
    session.execute(
        f"CREATE TABLE IF NOT EXISTS {{p}}{TABLE} ({identity},"
        " at TEXT NOT NULL, actor TEXT NOT NULL, command TEXT NOT NULL,"
        " options TEXT NOT NULL, youths TEXT NOT NULL, reason TEXT,"
        " outcome TEXT NOT NULL, detail TEXT)"
    )
    if backend.name == "postgresql":
        function = f"{backend.prefix}pathways_audit_refuse"
        session.execute(
            f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$"
        )
        session.execute(
            f"CREATE OR REPLACE TRIGGER pathways_audit_no_change BEFORE UPDATE OR DELETE "
            f"ON {{p}}{TABLE} FOR EACH ROW EXECUTE FUNCTION {function}()"
        )
        session.execute(
            f"CREATE OR REPLACE TRIGGER pathways_audit_no_truncate BEFORE TRUNCATE "
            f"ON {{p}}{TABLE} FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
        )
        return
    for verb in ("UPDATE", "DELETE"):
        session.execute(
            f"CREATE TRIGGER IF NOT EXISTS pathways_audit_no_{verb.lower()} BEFORE {verb} "
            f"ON {TABLE} BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
        )


def record(
    store: Store,
    *,
    actor: str,
    command: str,
    options: Mapping[str, Any],
    youths: Iterable[str],
    reason: str | None,
    outcome: str,
    detail: str | None = None,
) -> None:
    """Append one row to the audit log, in a transaction of its own."""
    if outcome not in OUTCOMES:
        msg = f"audit outcome '{outcome}' is not one of {', '.join(OUTCOMES)}"
        raise ValueError(msg)
    if store.backend.active is not None:  # a bug: the row would share its transaction
        msg = "the audit is written in a transaction of its own, not inside another"
        raise StoreError(msg)
    row = (
        datetime.now(UTC).isoformat(timespec="microseconds"),
        actor,
        command,
        json.dumps({k: _plain(v) for k, v in options.items() if v not in (None, False, ())}),
        json.dumps(sorted(set(youths))),
        reason,
        outcome,
        detail,
    )
    with store.session(write=True, append=False) as session:
        session.execute(
            f"INSERT INTO {{p}}{TABLE} (at, actor, command, options, youths, reason, outcome,"
            " detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            row,
        )


def _plain(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return value


@dataclass
class Trail:
    """What a read under way has shown: the youths it adds (`saw`)."""

    youths: list[str] = field(default_factory=list)

    def saw(self, youths: Iterable[str]) -> None:
        self.youths.extend(youths)


@contextmanager
def reading(
    store: Store,
    *,
    actor: str,
    command: str,
    options: Mapping[str, Any],
    reason: str | None = None,
    youths: Sequence[str] = (),
    refusals: tuple[type[BaseException], ...] = (PathwaysError,),
    outcome: str = "shown",
) -> Iterator[Trail]:
    """Audit the read in the block: on a refusal (`refusals`), a `refused` row (the
    refusal's kind as its detail) and the refusal raised again; when the block ends
    normally, one `outcome` row naming the youths it saw. Show nothing in the block:
    it computes, the caller shows once the row is written."""
    trail = Trail(list(youths))
    try:
        yield trail
    except refusals as error:
        if getattr(error, "audited", False):
            raise  # (a refused write: its row is written, `access.audit_refusal`)
        record(
            store,
            actor=actor,
            command=command,
            options=options,
            youths=trail.youths,
            reason=reason,
            outcome="refused",
            detail=type(error).__name__,
        )
        raise
    record(
        store,
        actor=actor,
        command=command,
        options=options,
        youths=trail.youths,
        reason=reason,
        outcome=outcome,
    )


# --- reading the audit log ---------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    id: int
    at: str
    actor: str
    command: str
    options: dict[str, Any]
    youths: list[str]
    reason: str | None
    outcome: str
    detail: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at,
            "actor": self.actor,
            "command": self.command,
            "options": self.options,
            "youths": self.youths,
            "reason": self.reason,
            "outcome": self.outcome,
            "detail": self.detail,
        }


def since_bound(day: date) -> str:
    """The first moment of a day in Paris, as the log's UTC times are written."""
    from pathways.domain.time import PARIS

    return datetime.combine(day, time(0), PARIS).astimezone(UTC).isoformat(timespec="microseconds")


def entries(
    store: Store,
    *,
    actor: str | None = None,
    youth: str | None = None,
    since: date | None = None,
) -> list[Entry]:
    """The rows of the audit log, oldest first, filtered (a youth's rows include those
    of the reads of every youth: whole exports)."""
    where, params = [], []
    if actor is not None:
        where.append("actor = ?")
        params.append(actor)
    if youth is not None:
        # a reference is capitals, digits and '-': nothing LIKE reads as a wildcard
        where.append("(youths LIKE ? OR youths = ?)")
        params += [f'%"{youth}"%', json.dumps([EVERY_YOUTH])]
    if since is not None:
        where.append("at >= ?")
        params.append(since_bound(since))
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    rows = store.backend.rows(
        "SELECT id, at, actor, command, options, youths, reason, outcome, detail "
        f"FROM {{p}}{TABLE}{clause} ORDER BY id",
        params,
    )
    return [
        Entry(
            int(r["id"]),
            r["at"],
            r["actor"],
            r["command"],
            json.loads(r["options"]),
            json.loads(r["youths"]),
            r["reason"],
            r["outcome"],
            r["detail"],
        )
        for r in rows
    ]
