"""The views over the read models: where a read stands, once they are level with
the log.

`Views.point(as_of, known_at)` fixes where a read stands (the as-of date D and
the log position P), after bringing the read models level with the log
(`catch_up`); the queries are `projections.caseload`'s (`lines`, `candidates`) and
`projections.reads`' (`record`, `cases`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from pathways.domain.time import PARIS, KnownAt, parse_known_at
from pathways.i18n import _
from pathways.projections.caseload import Caseloads
from pathways.projections.reads import Host, Point
from pathways.projections.timelines import TimelinesProjection, check_layout

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from pathways.projections.schema import Tables

#: A read that finds the read models this far behind the log says that it is catching up.
NOTICE_LAG = 5000
#: Seconds a read waits for the worker to reach the head before it catches up itself.
WAIT = 10.0


class Views(Caseloads):
    """The reads of the read models: where a read stands (`point`), once they are level
    with the log (`catch_up`), and the queries of `Caseloads` and `Reads`. `tables` and
    `reading` give SQLAlchemy's, for the rare reads written with it (`retention`)."""

    def __init__(self, app: Host, projection: TimelinesProjection) -> None:
        self.app = app
        self.projection = projection
        self._tables: dict[int, Tables] = {}
        self._reader: Engine | None = None
        #: the log position a read waits for (`--wait-for @N`); None: the head
        self.wait_for: int | None = None

    def close(self) -> None:
        if self._reader is not None:
            self._reader.dispose()

    @property
    def reader(self) -> Engine:
        """A SQLAlchemy engine on the store's database (made on first use)."""
        if self._reader is None:
            self._reader = self.app.store.backend.engine()
        return self._reader

    def tables(self, generation: int) -> Tables:
        from pathways.projections.schema import make_tables

        found = self._tables.get(generation)
        if found is None:
            found = self._tables[generation] = make_tables(
                self.app.store.backend.schema, generation
            )
        return found

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        with self.reader.connect() as conn, conn.begin():
            yield conn

    def catch_up(self, *, notice: bool = True) -> int:
        """Bring the read models level with the log (or with `wait_for`), telling the
        app's progress how far.

        When a worker keeps them level, the read waits for it to get there (up to
        `WAIT` seconds, then catches up itself, saying so). Before a read, a large lag
        (left by an interrupted catch-up) is noted, since the read waits for it; a
        write's own catch-up is not."""
        progress = self.app.progress
        status = self.projection.status()
        target = status.head if self.wait_for is None else min(self.wait_for, status.head)
        if status.position >= target:
            return 0
        worker = self.projection.worker()
        if worker is not None:
            if self._wait(target):
                return 0
            progress.note(
                f"the worker ({worker.owner}) has not reached @{target} within {WAIT:.0f} s: "
                "catching up here"
            )
            status = self.projection.status()
        if notice and status.lag > NOTICE_LAG:
            progress.note(f"catching up the read models: {status.lag:,} events behind…")
        if status.lag <= 0:
            return 0
        progress.phase("catch up", status.lag)
        return self.projection.catch_up(progress.advance)

    def _wait(self, target: int) -> bool:
        """Whether the read models reach a position within `WAIT` seconds."""
        end = time.monotonic() + WAIT
        delay = 0.02
        while time.monotonic() < end:
            if self.projection.position() >= target:
                return True
            time.sleep(delay)
            delay = min(delay * 2, 0.25)
        return self.projection.position() >= target

    def point(self, as_of: date | None = None, known_at: str | None = None) -> Point:
        """Resolve `--as-of` / `--known-at` after bringing the view up to date."""
        self.catch_up()
        found = self.projection.current()
        check_layout(found, self.app.store.location.display)
        head, generation = found.position, found.generation
        if known_at is None:
            return Point(as_of or self.app.today(), head, generation=generation)
        at = parse_known_at(known_at)
        if at.position is not None:
            position = min(at.position, head)
            if at.position > head:
                self.app.progress.note(
                    _("--known-at {at} is past the head of the log: read at @{head}").format(
                        at=at.text, head=head
                    )
                )
            day = as_of or self._day_of(position, generation)
        else:
            assert at.moment is not None
            assert at.day is not None
            position = self.position_at(at.moment, generation)
            day = as_of or at.day
        if position == 0 and head > 0:
            self.app.progress.note(
                _(
                    "--known-at {at} is before the first recorded event: nothing was known then"
                ).format(at=at.text)
            )
        return Point(day, position, at.text, generation)

    def known_at(self, text: str | None) -> KnownAt | None:
        """`--known-at T` as a log position: the last event recorded at or before T."""
        if text is None:
            return None
        at = parse_known_at(text)
        if at.moment is None:
            return at
        self.catch_up()
        found = self.projection.current()
        return KnownAt(position=self.position_at(at.moment, found.generation), text=at.text)

    def position_at(self, moment: datetime, generation: int) -> int:
        """The last log position recorded at or before a moment."""
        log = self._table(generation, "log")
        found = self._first(
            f"SELECT MAX(position) FROM {log} WHERE recorded_at <= ?", (moment.timestamp(),)
        )
        return int(found[0] or 0) if found is not None else 0

    def _day_of(self, position: int, generation: int) -> date:
        """The Paris date on which a log position was recorded (today if none yet): the
        log keeps the last position of each append, with its time."""
        log = self._table(generation, "log")
        found = self._first(
            f"SELECT recorded_at FROM {log} WHERE position >= ? ORDER BY position LIMIT 1",
            (position,),
        )
        stamp = None if found is None else found[0]
        if stamp is None or position == 0:
            return self.app.today()
        return datetime.fromtimestamp(stamp, UTC).astimezone(PARIS).date()
