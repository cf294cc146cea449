"""Schema versions of a store, and the migrations between them (`pathways db ...`).

A store records its version in `pathways_schema` (one row per migration applied,
with its time); a store made before that table existed is version 1. Opening a
store of another version than the program's is refused with a message saying
what to do: `pathways db upgrade` for an older one, a newer `pathways` for a newer
one. Only `pathways init` and `pathways db upgrade` run DDL, so that concurrent
commands never race on the schema.

Why a small numbered runner rather than Alembic: half of a store's schema is
eventsourcing's (its recorder creates the events table, differently on SQLite and
PostgreSQL), and most changes to the rest are to the read models, which are
*derived*: they are not altered but rebuilt, by our own projection, into a new
generation of tables. A migration here is therefore a Python function run in a
session of the store (the same code on every backend), plus a flag that says
the read models must be rebuilt; Alembic's script directory and environment
would wrap that without doing any of it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pathways import audit
from pathways.domain.errors import StoreError
from pathways.i18n import _
from pathways.projections.layout import LAYOUT

if TYPE_CHECKING:
    from pathways.backends.base import Backend
    from pathways.backends.session import Session
    from pathways.store import Store

TABLE = "pathways_schema"


class SchemaError(StoreError):
    """A store whose schema is not this program's version."""


@dataclass(frozen=True)
class Migration:
    version: int  # the version it brings the store to
    description: str
    apply: Callable[[Session, Store], None]
    rebuild: bool = False  # the read models are rebuilt after it
    chain: bool = False  # it needs the chain key (`pathways.chain`)


def version(backend: Backend) -> int:
    """The schema version of an opened store (1: made before versions were recorded).
    An events table without any of pathways' own tables is another program's (eventsourcing
    names its table `stored_events` too): not a store of version 1 to upgrade."""
    if not backend.has_table(TABLE):
        if not backend.has_table("pathways_meta"):
            msg = _(
                "{where} is not a pathways store: it holds a table stored_events but none "
                "of pathways' own (pathways_meta): another program's? Nothing was changed; "
                "use another schema (or file)"
            ).format(where=backend.location.display)
            raise StoreError(msg)
        return 1
    found = backend.rows(f"SELECT MAX(version) AS v FROM {{p}}{TABLE}")
    return int(found[0]["v"] or 1)


def check(store: Store) -> None:
    """Refuse a store of another schema version than this program's."""
    found = version(store.backend)
    where = store.location.display
    if found < CURRENT:
        msg = _(
            "the store {where} has schema version {found}, this program uses "
            "{CURRENT}: back it up, then run `pathways db upgrade`"
        ).format(where=where, found=found, CURRENT=CURRENT)
        raise SchemaError(msg)
    if found > CURRENT:
        msg = _(
            "the store {where} has schema version {found}, newer than this "
            "program's ({CURRENT}): it was upgraded by a newer pathways; use "
            "that version"
        ).format(where=where, found=found, CURRENT=CURRENT)
        raise SchemaError(msg)


def _table(session: Session) -> None:
    session.execute(
        f"CREATE TABLE IF NOT EXISTS {{p}}{TABLE} ("
        " version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL, description TEXT NOT NULL)"
    )


def _mark(session: Session, version: int, description: str) -> None:
    now = datetime.now(UTC).isoformat(timespec="seconds")
    session.execute(f"INSERT INTO {{p}}{TABLE} VALUES (?, ?, ?)", (version, now, description))


def create(store: Store) -> None:
    """A new store's schema (`pathways init`, `pathways migrate`'s target), in one
    transaction: the events table and ours, the version table and the read models,
    level with the empty log."""
    from pathways.projections.ddl import create_read_models

    if store.backend.has_table(TABLE):
        return
    with store.session(write=True, append=False) as session:
        store.backend.create_tables(session)
        _table(session)
        create_read_models(session)
        audit.create_table(session)
        _mark(session, CURRENT, "created")


def history(backend: Backend) -> list[tuple[int, str, str]]:
    """(version, applied at, description) of the migrations recorded in a store."""
    if not backend.has_table(TABLE):
        return []
    rows = backend.rows(f"SELECT version, applied_at, description FROM {{p}}{TABLE} ORDER BY 1")
    return [(int(r["version"]), r["applied_at"], r["description"]) for r in rows]


def pending(store: Store) -> list[Migration]:
    found = version(store.backend)
    return [m for m in MIGRATIONS if m.version > found]


def upgrade(store: Store, progress: Callable[[int], None] | None = None) -> list[Migration]:
    """Apply the pending migrations, each in its own transaction, then bring the read
    models level (rebuilt when their layout is not this program's: they are derived,
    so a change of their shape is a rebuild, not a migration). Run again, it does
    nothing; interrupted, it resumes at the first migration not recorded."""
    from pathways.projections.timelines import TimelinesProjection

    found = version(store.backend)
    if found > CURRENT:
        check(store)
    if any(m.chain for m in pending(store)):
        store.chain  # noqa: B018 - no chain key: refused before anything is changed
    applied = []
    for migration in pending(store):
        with store.session(write=True, append=True) as session:
            _table(session)
            migration.apply(session, store)
            _mark(session, migration.version, migration.description)
        applied.append(migration)
    projection = TimelinesProjection(store)
    if projection.current().layout != LAYOUT:
        projection.rebuild(progress)
        applied.append(READ_MODELS)
    else:
        projection.catch_up(progress)
    return applied


# --- the migrations ----------------------------------------------------------------------


def _to_2(session: Session, store: Store) -> None:
    """The event-id index keeps each event's log position (a retraction's target is found
    at once); the read models become generations of per-youth timelines."""
    from pathways.projections.ddl import create_read_models

    backend = session.backend
    if backend.name == "postgresql":
        session.execute(
            "ALTER TABLE {p}pathways_event_ids ADD COLUMN IF NOT EXISTS position BIGINT"
        )
    else:
        session.execute("ALTER TABLE {p}pathways_event_ids ADD COLUMN position BIGINT")
    after = 0
    while page := backend.read_raw(after, 10_000, None):
        session.executemany(
            "UPDATE {p}pathways_event_ids SET position = ? WHERE event_id = ?",
            [(position, json.loads(state)["id"]) for position, _, state in page],
        )
        after = page[-1][0]
    for old in ("pw_fact", "pw_youth", "pw_log", "pw_tracking"):
        session.execute(f"DROP TABLE IF EXISTS {{p}}{old}")
    create_read_models(session)


def _to_3(session: Session, store: Store) -> None:
    """The chain of tamper evidence (`pathways.chain`): a table, and a row for every event
    already stored, under the chain key, whose check value the store keeps."""
    from pathways.backends.base import CHAIN_TABLE
    from pathways.chain import CHECK_NAME, START, TABLE, TYPES, Link

    backend = session.backend
    chain = store.chain
    session.execute("DROP TABLE IF EXISTS {p}pathways_chain")
    for statement in CHAIN_TABLE:
        session.execute(statement.format(p="{p}", blob=backend.blob_type))
    session.execute("DELETE FROM {p}pathways_meta WHERE name = ?", (CHECK_NAME,))
    session.execute("INSERT INTO {p}pathways_meta VALUES (?, ?)", (CHECK_NAME, chain.check_value()))
    last_global = START
    last_youth: dict[uuid.UUID, bytes] = {}
    column = backend.position_column
    after = 0
    while page := session.rows(
        f"SELECT {column} AS position, originator_id AS stream, originator_version AS version,"
        f" topic, state FROM {backend.events_table} WHERE {column} > ? ORDER BY {column} LIMIT ?",
        (after, 10_000),
    ):
        links = [
            Link(
                int(r["position"]),
                uuid.UUID(json.loads(bytes(r["state"]))["id"]),
                backend.stream_value(r["stream"]),
                int(r["version"]),
                r["topic"],
                bytes(r["state"]),
            )
            for r in page
        ]
        rows = list(chain.entries(links, last_global, last_youth))
        session.insert_rows(TABLE, TYPES, rows)
        last_global = rows[-1][4]
        after = links[-1].position


def _audit(session: Session, store: Store) -> None:
    """The append-only audit log of reads (`pathways_audit`, issue 12)."""
    audit.create_table(session)


def _row_security(session: Session, store: Store) -> None:
    """The organisations' database roles (PostgreSQL; `pathways.row_security`): their
    mapping; the read models, rebuilt in the layout that holds each youth's boundary,
    get row-level security."""
    from pathways import row_security

    row_security.create_table(session)


def _nothing(session: Session, store: Store) -> None:
    return


#: The audit log's migration. Numbered 4: version 3 (the chained hashes of issue 12) is
#: made on another branch; a renumbering is this constant alone.
AUDIT_VERSION = 4

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        2, "event positions in the id index; read models by youth, in generations", _to_2, True
    ),
    Migration(3, "the chain of tamper evidence over every event", _to_3, chain=True),
    Migration(AUDIT_VERSION, "the audit log of reads (pathways_audit, append-only)", _audit),
    Migration(
        5,
        "the organisations' database roles; row-level security on the read models",
        _row_security,
        True,
    ),
)

#: The version of the schema this program reads and writes: its last migration's.
CURRENT = MIGRATIONS[-1].version

#: What `upgrade` reports when it rebuilt read models of another layout.
READ_MODELS = Migration(CURRENT, "read models rebuilt in this program's layout", _nothing)
