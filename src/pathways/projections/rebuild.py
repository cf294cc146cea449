"""Rebuilding the read models without stopping the service.

A rebuild fills the *next generation* of the tables (`pw{g+1}_...`) from the log,
page after page, each page in a short transaction of its own: readers keep
reading the current generation, which writes (inline) and catch-ups keep level
meanwhile, and writers wait at most for one page. When the new generation is
within a page of the head, one last transaction, holding the append lock so that
no event comes in between, applies the rest and points the tracking row at it. The
previous generation is kept until the next rebuild (a reader that began on it
finishes on it); the one before is dropped.

A `rebuild` row of the tracking table says that a rebuild is under way, by whom
and how far (`pathways projections status` shows it); it is refreshed at every
page. A second rebuild while one runs is refused; one whose owner has not been
seen for `STALE` seconds (killed) is taken over: its tables are dropped and it
starts again. A rebuild interrupted (Ctrl-C, SIGTERM) drops what it built.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from pathways import row_security
from pathways.domain.errors import PathwaysError
from pathways.i18n import _
from pathways.perf import paused_gc
from pathways.projections.apply import Projector
from pathways.projections.ddl import create_generation, drop_generation
from pathways.projections.layout import LAYOUT

if TYPE_CHECKING:
    from pathways.backends.session import Session
    from pathways.projections.timelines import TimelinesProjection

#: Events per page of a rebuild (one short transaction each).
PAGE = 20_000
#: The youths' rows are written once they carry this many events (a youth touched by
#: several pages is walked once per flush, not once per page).
FLUSH = 250_000
#: Seconds between two flushes at least (the `rebuild` row says it is alive).
BEAT = 5.0


def owner() -> str:
    """Who works on the read models: this process (host:pid)."""
    return f"{socket.gethostname()}:{os.getpid()}"


class RebuildRunning(PathwaysError):
    """A rebuild is already under way."""


def rebuild(projection: TimelinesProjection, progress: Callable[[int], None] | None) -> int:
    """Fill the next generation from the log, then switch to it (see the module)."""
    from pathways.projections.timelines import REBUILD

    store = projection.store
    generation = _begin(projection)
    projector = Projector(store.unseal, store.backend.prefix, generation)
    position = applied = 0
    seen = time.monotonic()
    try:
        with paused_gc():
            while True:
                # Read and apply outside any write transaction: writers are held only
                # while a flush writes, never while the log is read and walked.
                with store.session(write=False) as session:
                    page = store.read_raw(position, PAGE)
                    if len(page) < PAGE:
                        break  # the rest, with the switch, under the append lock
                    projector.apply_raw(session, page)
                position = page[-1][0]
                if projector.facts >= FLUSH or time.monotonic() - seen > BEAT:
                    with store.session(write=True, append=False) as session:
                        projector.flush(session)
                        _seen(session, position)
                    seen = time.monotonic()
                applied += len(page)
                if progress is not None:
                    progress(len(page))
            with store.session(write=True, append=True) as session:
                rest = store.read_raw(position, 10**9)
                projector.apply_raw(session, rest)
                projector.flush(session)
                head = rest[-1][0] if rest else position
                current = projection.tracking(session, lock=True)
                projection._set(session, head, generation)
                row_security.point_views(session, generation)
                session.execute("DELETE FROM {p}pw_tracking WHERE name = ?", (REBUILD,))
                # The generation before the previous one: a reader that began on the
                # previous one keeps it until the next rebuild.
                with session.savepoint("drop_old"):
                    drop_generation(session, current.generation - 1)
            applied += len(rest)
            if progress is not None and rest:
                progress(len(rest))
    except BaseException:
        _abandon(projection, generation)
        raise
    return applied


def _begin(projection: TimelinesProjection) -> int:
    """Create the next generation's tables and say that a rebuild is under way; its
    generation. A rebuild seen lately is not disturbed."""
    from pathways.projections.timelines import REBUILD

    with projection.store.session(write=True, append=False) as session:
        current = projection.tracking(session, lock=True)
        running = projection.presence(session, REBUILD)
        if running is not None and running.alive():
            msg = _(
                "a rebuild is already under way ({owner}, at @{position}); "
                "`pathways projections status` shows how far"
            ).format(owner=running.owner, position=running.position)
            raise RebuildRunning(msg)
        generation = current.generation + 1
        if running is not None:  # a rebuild that died: its tables go
            drop_generation(session, running.generation)
            session.execute("DELETE FROM {p}pw_tracking WHERE name = ?", (REBUILD,))
        create_generation(session, generation)
        session.execute(
            "INSERT INTO {p}pw_tracking (name, position, generation, layout, owner, seen_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (REBUILD, 0, generation, LAYOUT, owner(), time.time()),
        )
    return generation


def _seen(session: Session, position: int) -> None:
    from pathways.projections.timelines import REBUILD

    session.execute(
        "UPDATE {p}pw_tracking SET position = ?, seen_at = ? WHERE name = ?",
        (position, time.time(), REBUILD),
    )


def _abandon(projection: TimelinesProjection, generation: int) -> None:
    """Drop what an interrupted rebuild built (unless it had switched to it)."""
    from pathways.projections.timelines import REBUILD

    try:
        with projection.store.session(write=True, append=False) as session:
            if projection.tracking(session).generation == generation:
                return
            drop_generation(session, generation)
            session.execute("DELETE FROM {p}pw_tracking WHERE name = ?", (REBUILD,))
    except Exception:
        return
