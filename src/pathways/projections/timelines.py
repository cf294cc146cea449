"""The `timelines` read model: keeps each youth's timeline up to date with the log.

Three ways bring it level, all through `Projector` (projections.apply), in a
session of the store:

- **inline**: a write projects its own events in its own transaction when the
  read model was level before it (`inline`, registered on the store by
  `attach_inline`): the next read has nothing to catch up;
- **catch-up**: a read finds the model behind (a write that could not project,
  an interrupted command) and applies the log after its tracking position, a page
  per transaction that holds the model's write lock (SQLite's `BEGIN IMMEDIATE`,
  PostgreSQL's `SELECT ... FOR UPDATE` of the tracking row). Two catch-ups racing
  therefore apply each event exactly once, and a process killed in the middle of
  a page leaves nothing of that page behind;
- **rebuild**: the whole log into a new generation of tables, which the tracking
  row then points to, in one transaction: readers keep the previous view until it
  commits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pathways.backends.base import Session
from pathways.codec import Stored
from pathways.domain.errors import StoreError
from pathways.perf import without_gc
from pathways.projections.apply import Projector, table_names
from pathways.projections.layout import LAYOUT
from pathways.store import Store

#: Events per catch-up transaction.
PAGE = 20_000
#: A rebuild writes the youths it holds once they carry this many events.
REBUILD_FLUSH = 250_000
NAME = "timelines"


@dataclass(frozen=True)
class Status:
    name: str
    position: int
    head: int
    generation: int = 1

    @property
    def lag(self) -> int:
        return self.head - self.position


@dataclass(frozen=True)
class Tracking:
    position: int
    generation: int
    layout: int


class OutOfDate(StoreError):
    """The read models of this store were made by another version of the program."""


class TimelinesProjection:
    """Youths' timelines, followers and recording times, kept level with the log."""

    name = NAME

    def __init__(self, store: Store) -> None:
        """The read model of a store. Opening runs no DDL: `pathways init` (`create`)
        and `pathways db upgrade` make the tables."""
        self.store = store
        self.backend = store.backend
        self._projectors: dict[int, Projector] = {}

    def close(self) -> None:
        return

    # tracking -------------------------------------------------------------------
    def tracking(self, session: Session, *, lock: bool = False) -> Tracking:
        """The tracking row; with `lock`, held until the session ends."""
        sql = "SELECT position, generation, layout FROM {p}pw_tracking WHERE name = ?"
        if lock:
            sql += self.backend.lock_tracking_sql()
        found = session.rows(sql, (self.name,))
        if not found:
            msg = f"the store {self.backend.location.display} has no read models: " + UPGRADE
            raise OutOfDate(msg)
        row = found[0]
        return Tracking(int(row["position"]), int(row["generation"]), int(row["layout"]))

    def current(self) -> Tracking:
        with self.store.session(write=False) as session:
            return self.tracking(session)

    def position(self) -> int:
        return self.current().position

    def status(self) -> Status:
        with self.store.session(write=False) as session:
            found = self.tracking(session)
            head = self.store.head()
        return Status(self.name, found.position, head, found.generation)

    def _set(self, session: Session, position: int, generation: int | None = None) -> None:
        if generation is None:
            session.execute(
                "UPDATE {p}pw_tracking SET position = ? WHERE name = ?", (position, self.name)
            )
        else:
            session.execute(
                "UPDATE {p}pw_tracking SET position = ?, generation = ?, layout = ? WHERE name = ?",
                (position, generation, LAYOUT, self.name),
            )

    def projector(self, generation: int) -> Projector:
        found = self._projectors.get(generation)
        if found is None:
            found = Projector(self.store.unseal, self.backend.prefix, generation)
            self._projectors[generation] = found
        return found

    def tables(self, generation: int) -> dict[str, str]:
        return table_names(self.backend.prefix, generation)

    # bringing it level ------------------------------------------------------------
    def inline(self, session: Session, appended: Sequence[Stored]) -> None:
        """Project a write's own events in its transaction, if the model was level
        before them (else a catch-up will, in log order). If the database refuses (the
        model's tables locked past the timeout, or not writable by this user), the
        write goes on without it: the read models are behind, and a read catches up."""
        if not appended:
            return
        with session.savepoint("inline"):
            self._inline(session, appended)

    def _inline(self, session: Session, appended: Sequence[Stored]) -> None:
        found = self.tracking(session, lock=True)
        if found.layout != LAYOUT:
            return
        column, table = self.backend.position_column, self.backend.events_table
        first = appended[0].position
        before = session.rows(
            f"SELECT MAX({column}) AS head FROM {table} WHERE {column} < ?", (first,)
        )[0]["head"]
        if found.position != int(before or 0):
            return
        projector = self.projector(found.generation)
        projector.apply(session, appended)
        projector.flush(session)
        self._set(session, appended[-1].position)

    @without_gc
    def catch_up(self, progress: Callable[[int], None] | None = None) -> int:
        """Apply every event after the tracking position, a page per transaction."""
        applied = 0
        while True:
            with self.store.session(write=True, append=False) as session:
                found = self.tracking(session, lock=True)
                check_layout(found, self.backend.location.display)
                page = self.store.read_raw(found.position, PAGE)
                if not page:
                    return applied
                projector = self.projector(found.generation)
                projector.apply_raw(session, page)
                projector.flush(session)
                self._set(session, page[-1][0])
            applied += len(page)
            if progress is not None:
                progress(len(page))

    @without_gc
    def rebuild(self, progress: Callable[[int], None] | None = None) -> int:
        """Replay the whole log into a new generation of the tables and switch to it, in
        one transaction; the previous generation's tables are dropped with it."""
        applied = 0
        with self.store.session(write=True, append=False) as session:
            found = self.tracking(session, lock=True)
            generation = found.generation + 1
            create_generation(session, generation)
            projector = Projector(self.store.unseal, self.backend.prefix, generation)
            position = 0
            while page := self.store.read_raw(position, PAGE):
                projector.apply_raw(session, page)
                if projector.facts >= REBUILD_FLUSH:
                    projector.flush(session)
                position = page[-1][0]
                applied += len(page)
                if progress is not None:
                    progress(len(page))
            projector.flush(session)
            self._set(session, position, generation)
            # The generation before the previous one: readers that began on the previous
            # one keep it until the next rebuild.
            drop_generation(session, found.generation - 1)
        self._projectors.clear()
        return applied


UPGRADE = "run `pathways db upgrade` (after a backup) to make them for this version"


def check_layout(found: Tracking, where: str) -> None:
    if found.layout != LAYOUT:
        msg = (
            f"the read models of {where} have layout {found.layout}, this program needs "
            f"{LAYOUT}: {UPGRADE}"
        )
        raise OutOfDate(msg)


def _ddl(session: Session, generation: int) -> tuple[Any, Any]:
    from sqlalchemy.schema import CreateIndex, CreateTable

    from pathways.projections.schema import make_tables

    dialect = session.backend.dialect()
    tables = make_tables(session.backend.schema, generation)
    return tables, (dialect, CreateTable, CreateIndex)


def create_generation(session: Session, generation: int) -> None:
    """Create the tables of a generation (dropping any left by an interrupted rebuild:
    a rolled-back transaction leaves none, but a crash of PostgreSQL's DDL may)."""
    drop_generation(session, generation)
    tables, (dialect, create_table, create_index) = _ddl(session, generation)
    for table in tables.metadata.sorted_tables:
        session.cursor.execute(str(create_table(table).compile(dialect=dialect)))
        for index in table.indexes:
            session.cursor.execute(str(create_index(index).compile(dialect=dialect)))


def drop_generation(session: Session, generation: int) -> None:
    for name in table_names(session.backend.prefix, generation).values():
        session.cursor.execute(f"DROP TABLE IF EXISTS {name}")


def create_read_models(session: Session) -> None:
    """The read models of a store (`pathways init`, `pathways db upgrade`): the tracking
    table and the first generation of the tables, at position 0 (a catch-up fills them)."""
    from sqlalchemy import MetaData
    from sqlalchemy.schema import CreateTable

    from pathways.projections.schema import tracking_table

    backend = session.backend
    table = tracking_table(MetaData(schema=backend.schema))
    session.cursor.execute(str(CreateTable(table).compile(dialect=backend.dialect())))
    create_generation(session, 1)
    session.execute(
        "INSERT INTO {p}pw_tracking (name, position, generation, layout) VALUES (?, ?, ?, ?)",
        (NAME, 0, 1, LAYOUT),
    )


def attach_inline(store: Store) -> TimelinesProjection:
    """Let the store's writes project their own events (see `TimelinesProjection.inline`)."""
    projection = TimelinesProjection(store)
    store.projectors.append(projection.inline)
    return projection
