"""The projection worker: `pathways projections run [--follow]`.

One long-running process keeps the read models level with the log, so that
writes need not project their own events and reads need not catch up:

- it catches up, a page per transaction (a crash loses at most the page under way:
  it starts again from the tracking position, exactly where it stopped);
- with `--follow`, it then waits for new events: on PostgreSQL it LISTENs to the
  channel that every append NOTIFYs, and polls anyway every `interval` seconds, so
  that a lost notification never stalls it; on SQLite it polls;
- it says it is there: a `worker` row of the tracking table, with its owner and the
  time it was last seen, refreshed at every page and every wait. While a worker is
  seen, writes leave the read models to it (`TimelinesProjection.inline`) and reads
  wait for it to reach the head instead of catching up themselves (`Views.catch_up`);
  a worker not seen for `STALE` seconds (killed) is taken for gone, and they go back
  to doing it themselves;
- SIGTERM or SIGINT stop it cleanly: the page under way is finished, the `worker` row
  removed, and it exits 0;
- a lost database (a server restarted, a connection cut) is waited out: it reopens
  the store with a growing delay (up to `MAX_DELAY`), says so when it is back, and
  carries on from the tracking position (the page under way when it was lost was
  rolled back with its tracking position: it is applied again, once).
"""

from __future__ import annotations

import contextlib
import signal
import time
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

from pathways.backends.session import Session, driver_reason
from pathways.domain.errors import PathwaysError, Unreachable
from pathways.i18n import _
from pathways.projections.layout import LAYOUT
from pathways.projections.rebuild import owner
from pathways.projections.timelines import STALE, WORKER, TimelinesProjection
from pathways.store import Store

#: Seconds between two polls when nothing is notified (and between two heartbeats).
INTERVAL = 2.0
#: The longest wait before trying a lost database again.
MAX_DELAY = 30.0


class WorkerRunning(PathwaysError):
    """Another worker keeps these read models level already."""


class Worker:
    """Keeps one store's read models level (see the module)."""

    def __init__(
        self,
        opener: Callable[[], Store],
        *,
        follow: bool,
        interval: float = INTERVAL,
        say: Callable[[str], None] = print,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        """`opener()` opens the store (again, after the database was lost)."""
        self.opener = opener
        self.follow = follow
        self.interval = min(interval, STALE / 3)
        self.say = say
        self.progress = progress
        self.stopping = False
        self.me = owner()
        self.applied = 0
        self.store: Store | None = None
        self.listener: Any = None
        #: when the database was lost (time.monotonic()), until it is back
        self.lost_at: float | None = None

    # the loop ---------------------------------------------------------------------
    def run(self) -> int:
        """Catch up (and with `follow`, keep at it until stopped); the events applied."""
        with self._signals():
            delay = 1.0
            try:
                while not self.stopping:
                    try:
                        self._round()
                        delay = 1.0
                    except _LOST as error:
                        self._close()
                        if self.lost_at is None:
                            self.lost_at = time.monotonic()
                        reason = error if isinstance(error, Unreachable) else driver_reason(error)
                        said = _("lost the store ({reason}): trying again in {delay:.0f} s")
                        self.say(said.format(reason=reason, delay=delay))
                        self._sleep(delay)
                        delay = min(delay * 2, MAX_DELAY)
                        continue
                    if not self.follow:
                        break
            finally:
                self._leave()
        return self.applied

    def _round(self) -> None:
        store = self._open()
        projection = TimelinesProjection(store)
        projection.catch_up(self._applied, on_page=self._heartbeat, stop=lambda: self.stopping)
        if self.follow and not self.stopping:
            self._wait(store)

    def _applied(self, events: int) -> None:
        """A page committed (counted as it commits: a round cut short by a lost database
        keeps the pages it committed)."""
        self.applied += events
        if self.progress is not None:
            self.progress(events)

    def _open(self) -> Store:
        if self.store is None:
            self.store = self.opener()
            position = self._enter(self.store)
            if self.lost_at is not None:
                said = _("the store is back after {seconds:.0f} s: carrying on from @{position}")
                self.say(said.format(seconds=time.monotonic() - self.lost_at, position=position))
                self.lost_at = None
        return self.store

    def _enter(self, store: Store) -> int:
        """Say that this worker is there (refused if another one is seen); the read
        models' position."""
        projection = TimelinesProjection(store)
        with store.session(write=True, append=False) as session:
            found = projection.presence(session, WORKER)
            if found is not None and found.alive() and found.owner != self.me:
                msg = _(
                    "a worker already keeps these read models level ({owner}, "
                    "seen {value:.0f} s ago)"
                ).format(owner=found.owner, value=time.time() - found.seen_at)
                raise WorkerRunning(msg)
            session.execute("DELETE FROM {p}pw_tracking WHERE name = ?", (WORKER,))
            session.execute(
                "INSERT INTO {p}pw_tracking (name, position, generation, layout, owner, seen_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (WORKER, 0, 0, LAYOUT, self.me, time.time()),
            )
            return projection.tracking(session).position

    def _heartbeat(self, session: Session, position: int) -> None:
        session.execute(
            "UPDATE {p}pw_tracking SET position = ?, seen_at = ? WHERE name = ? AND owner = ?",
            (position, time.time(), WORKER, self.me),
        )

    def _beat(self, store: Store) -> None:
        with store.session(write=True, append=False) as session:
            self._heartbeat(session, TimelinesProjection(store).tracking(session).position)

    def _wait(self, store: Store) -> None:
        """Until an event is notified (PostgreSQL) or `interval` has passed."""
        self._beat(store)
        if store.location.backend != "postgresql":
            self._sleep(self.interval)
            return
        if self.listener is None:
            self.listener = _listen(store)
        for _notice in self.listener.notifies(timeout=self.interval, stop_after=1):
            break

    def _sleep(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < end:
            time.sleep(min(0.1, end - time.monotonic()))

    # leaving ----------------------------------------------------------------------
    def _leave(self) -> None:
        """Remove this worker's row (writes and reads then do it themselves again)."""
        if self.store is not None:
            with (
                contextlib.suppress(Exception),
                self.store.session(write=True, append=False) as session,
            ):
                session.execute(
                    "DELETE FROM {p}pw_tracking WHERE name = ? AND owner = ?", (WORKER, self.me)
                )
        self._close()

    def _close(self) -> None:
        if self.listener is not None:
            with contextlib.suppress(Exception):
                self.listener.close()
            self.listener = None
        if self.store is not None:
            with contextlib.suppress(Exception):
                self.store.close()
            self.store = None

    @contextlib.contextmanager
    def _signals(self) -> Iterator[None]:
        """SIGTERM and SIGINT ask it to stop after the page under way."""

        def stop(signum: int, frame: FrameType | None) -> None:
            if not self.stopping:
                self.say(_("stopping after the page under way…"))
            self.stopping = True

        previous = {}
        try:
            for signum in (signal.SIGTERM, signal.SIGINT):
                previous[signum] = signal.signal(signum, stop)
        except ValueError:  # not the main thread (a test's worker): no signals
            pass
        try:
            yield
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)


def _lost_errors() -> tuple[type[BaseException], ...]:
    """What a lost database raises: the drivers' and eventsourcing's operational errors,
    and a store that cannot be reached while the server is down (`Unreachable`)."""
    import sqlite3

    from eventsourcing.persistence import InterfaceError, OperationalError

    found: list[type[BaseException]] = [
        OperationalError,
        InterfaceError,
        sqlite3.OperationalError,
        Unreachable,
    ]
    with contextlib.suppress(ImportError):
        import psycopg

        found += [psycopg.OperationalError, psycopg.InterfaceError]
    return tuple(found)


_LOST = _lost_errors()


def _listen(store: Store) -> Any:
    """A connection of its own that LISTENs to the channel every append NOTIFYs."""
    import psycopg

    params = store.backend.target.params  # type: ignore[attr-defined]
    connection = psycopg.connect(**params, autocommit=True)
    connection.execute("LISTEN stored_events")
    return connection
