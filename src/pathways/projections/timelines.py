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

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pathways.backends.session import Session
from pathways.codec import Stored
from pathways.domain.errors import StoreError
from pathways.i18n import N_, _
from pathways.perf import without_gc
from pathways.projections.apply import Projector, table_names
from pathways.projections.layout import LAYOUT
from pathways.store import Store

#: Events per catch-up transaction.
PAGE = 20_000
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


#: The rows of the tracking table of who works on the read models.
WORKER, REBUILD = "worker", "rebuild"
#: A worker or a rebuild not seen for this long (seconds) is taken for gone.
STALE = 15.0


@dataclass(frozen=True)
class Presence:
    """A worker or a rebuild at work on the read models (a row of the tracking table)."""

    name: str
    owner: str  # host:pid
    seen_at: float  # POSIX seconds
    position: int
    generation: int

    def alive(self, now: float | None = None) -> bool:
        """Seen lately, and (when it runs on this machine) its process still there: one
        killed here is gone at once, not STALE seconds later."""
        if (now if now is not None else time.time()) - self.seen_at >= STALE:
            return False
        import socket  # (here: ~2 ms to import, that a write which meets no worker saves)

        host, _sep, pid = self.owner.rpartition(":")
        if host == socket.gethostname() and pid.isdigit():
            try:
                os.kill(int(pid), 0)
            except ProcessLookupError:
                return False
            except PermissionError:  # another user's process: it is there
                return True
        return True


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
            msg = _("the store {where} has no read models: {UPGRADE}").format(
                where=self.backend.location.display, UPGRADE=_(UPGRADE)
            )
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
        if self.worker(session) is not None:
            return  # a worker keeps the read models level: the write leaves it to it
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
    def catch_up(
        self,
        progress: Callable[[int], None] | None = None,
        *,
        on_page: Callable[[Session, int], None] | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> int:
        """Apply every event after the tracking position, a page per transaction.

        `on_page(session, position)` runs in each page's transaction (a worker's
        heartbeat); `stop()`, asked between pages, ends it early."""
        applied = 0
        while stop is None or not stop():
            with self.store.session(write=True, append=False) as session:
                found = self.tracking(session, lock=True)
                check_layout(found, self.backend.location.display)
                page = self.store.read_raw(found.position, PAGE)
                if page:
                    projector = self.projector(found.generation)
                    projector.apply_raw(session, page)
                    projector.flush(session)
                    self._set(session, page[-1][0])
                if on_page is not None:
                    on_page(session, page[-1][0] if page else found.position)
            if not page:
                return applied
            applied += len(page)
            if progress is not None:
                progress(len(page))
        return applied

    def rebuild(self, progress: Callable[[int], None] | None = None) -> int:
        """Replay the whole log into a new generation of the tables, then switch to it
        (`projections.rebuild`): readers keep the current one meanwhile, and writers are
        not held."""
        from pathways.projections.rebuild import rebuild

        applied = rebuild(self, progress)
        self._projectors.clear()
        return applied

    # who works on it ------------------------------------------------------------------
    def presence(self, session: Session, name: str) -> Presence | None:
        """The `worker` or `rebuild` row of the tracking table, if any."""
        found = session.rows(
            "SELECT position, generation, owner, seen_at FROM {p}pw_tracking WHERE name = ?",
            (name,),
        )
        if not found:
            return None
        row = found[0]
        return Presence(
            name, row["owner"] or "", float(row["seen_at"] or 0), int(row["position"]),
            int(row["generation"]),
        )  # fmt: skip

    def worker(self, session: Session | None = None) -> Presence | None:
        """The worker that keeps the read models level, if one was seen lately."""
        if session is None:
            with self.store.session(write=False) as fresh:
                return self.worker(fresh)
        found = self.presence(session, WORKER)
        return found if found is not None and found.alive() else None


UPGRADE = N_("run `pathways db upgrade` (after a backup) to make them for this version")


def check_layout(found: Tracking, where: str) -> None:
    if found.layout != LAYOUT:
        msg = _(
            "the read models of {where} have layout {layout}, this program needs "
            "{LAYOUT}: {UPGRADE}"
        ).format(where=where, layout=found.layout, LAYOUT=LAYOUT, UPGRADE=_(UPGRADE))
        raise OutOfDate(msg)


def attach_inline(store: Store) -> TimelinesProjection:
    """Let the store's writes project their own events (see `TimelinesProjection.inline`)."""
    projection = TimelinesProjection(store)
    store.projectors.append(projection.inline)
    return projection
