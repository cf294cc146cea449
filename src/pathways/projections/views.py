"""Caseloads and alerts as of a date, as known at a time: a query plus a small
computation per youth, never a replay of the log.

`Views.point(as_of, known_at)` fixes where a read stands (the as-of date D and
the log position P); `Views.lines(point)` selects the facts recorded up to P,
dated up to D and not retracted by P, and hands each followed youth's facts to
the pure `domain.alerts.assess`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Protocol

from pathways.domain.alerts import CaseloadLine, Situation, judge, situation, supervised
from pathways.domain.events import FACT_TYPES, CommunitySupervisionStarted, Fact, Released
from pathways.domain.reference import ReferenceData
from pathways.domain.time import PARIS, KnownAt, parse_known_at
from pathways.i18n import using
from pathways.perf import without_gc
from pathways.progress import Progress
from pathways.projections import packing
from pathways.projections.apply import SITUATION_KINDS, table_names
from pathways.projections.timelines import TimelinesProjection, check_layout
from pathways.store import Store

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from pathways.access import Access
    from pathways.domain.outcomes import Case
    from pathways.projections.schema import Tables

#: Every kind of fact (what one youth's card looks at).
ALL_KINDS = frozenset(FACT_TYPES)

#: A read that finds the read models this far behind the log says that it is catching up.
NOTICE_LAG = 5000
#: Seconds a read waits for the worker to reach the head before it catches up itself.
WAIT = 10.0


@dataclass(frozen=True)
class Point:
    """Where a read stands: the as-of date, the log position it was computed at, and the
    generation of the read-model tables it reads."""

    as_of: date
    position: int
    known_at: str | None = None
    generation: int = 1

    def meta(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "known_at": self.known_at,
            "position": self.position,
        }


@dataclass(frozen=True)
class YouthRow:
    youth: str
    birth_year: int | None
    residence: str | None
    sex: str | None
    event_id: str
    sealed: str | None


@dataclass(frozen=True)
class YouthRecord:
    """One youth's row of the read model as known at a point, and their facts then."""

    row: YouthRow
    registered_on: date
    erased: bool  # erased by the point
    facts: list[Fact]  # every kind, effective at the point, dated by its as-of date


class Host(Protocol):
    """What the views need of the application (`Pathways`): its store, clock, progress
    and reference data as known at a position. The read side does not import the write
    side."""

    store: Store
    progress: Progress
    access: Access | None  # the acting user (`pathways.access`)

    def today(self) -> date: ...

    def reference(self, known_at: KnownAt | None = None) -> ReferenceData: ...


@dataclass(frozen=True)
class Among:
    """A condition on the rows of `pw{g}_youth` (SQL with `?` and `{p}`, see
    `Session.sql`), with its parameters: the youths a filter may keep (`candidates`)."""

    sql: str
    params: tuple[Any, ...] = ()


class Views:
    """The reads of the read models. Their queries are plain SQL in a read session of
    the store (`Session.tuples`): a read command does not import SQLAlchemy (~0.2 s of
    its start-up). `tables` and `reading` still give SQLAlchemy's, for the rare reads
    written with it (`retention`)."""

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

    @contextmanager
    def _query(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Iterator[Sequence[Any]]]:
        """The rows of a query (`?` placeholders), in one read transaction of the store."""
        with self.app.store.backend.session(write=False) as session:
            yield session.tuples(sql, params)

    def _first(self, sql: str, params: Sequence[Any] = ()) -> Sequence[Any] | None:
        with self._query(sql, params) as rows:
            return next(rows, None)

    @staticmethod
    def _table(generation: int, name: str) -> str:
        """A table of a generation, after the `{p}` of the store's schema."""
        return "{p}" + table_names("", generation)[name]

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
                    f"--known-at {at.text} is past the head of the log: read at @{head}"
                )
            day = as_of or self._day_of(position, generation)
        else:
            assert at.moment is not None
            assert at.day is not None
            position = self.position_at(at.moment, generation)
            day = as_of or at.day
        if position == 0 and head > 0:
            self.app.progress.note(
                f"--known-at {at.text} is before the first recorded event: nothing was known then"
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

    def reference(self, point: Point) -> ReferenceData:
        return self.app.reference(KnownAt(position=point.position))

    # the core queries ----------------------------------------------------------------
    def _known(self, point: Point, *, for_statistics: bool = False) -> tuple[str, list[Any]]:
        """Youths registered by the as-of date, as known at the position, not erased:
        a condition on `pw{g}_youth` and its parameters. For anonymous statistics, every
        youth known at the position counts, erased or not, whatever the date of the
        registration."""
        if for_statistics:
            return "registered_pos <= ?", [point.position]
        return (
            "registered_pos <= ? AND registered_on <= ? AND (erased_pos IS NULL OR erased_pos > ?)",
            [point.position, point.as_of.toordinal(), point.position],
        )

    def youths(self, point: Point, *, for_statistics: bool = False) -> set[str]:
        """The references of the youths known at the point (see `_known`)."""
        where, params = self._known(point, for_statistics=for_statistics)
        y = self._table(point.generation, "youth")
        with self._query(f"SELECT youth FROM {y} WHERE {where}", params) as rows:
            return {row[0] for row in rows}

    def birth_dates(self, rows: Iterable[YouthRow], point: Point, window: int) -> dict[str, date]:
        """Decrypt birth dates only for those who may turn 26 within the window: born
        in `_last_ageing_year` or before (`alerts.judge`'s ageing-out)."""
        latest = _last_ageing_year(point, window)
        return self._births(
            (r.youth, r.event_id, r.sealed)
            for r in rows
            if r.sealed and r.birth_year and r.birth_year <= latest
        )

    def _births(self, sealed: Iterable[tuple[str, str, str]]) -> dict[str, date]:
        """The birth dates of these (youth, event id, sealed personal fields)."""
        found: dict[str, date] = {}
        for youth, personal in self.app.store.unseal_many(sealed).items():
            if personal is not None and "birth_date" in personal:
                found[youth] = date.fromisoformat(personal["birth_date"])
        return found

    def personal(self, row: YouthRow) -> dict[str, Any] | None:
        """A youth's personal fields (birth date, name), decrypted with their key; None
        once the key is destroyed."""
        if row.sealed is None:
            return None
        return self.app.store.unseal(row.youth, row.event_id, row.sealed)

    def candidates(
        self, point: Point, organisation: str | None = None, counsellor: str | None = None
    ) -> Among | None:
        """The youths who may be followed by an organisation (or a counsellor), as a SQL
        condition: those with a support step that ever named it. A superset (the support
        may have moved on, or not begun by the date; a closed support's line,
        `no-support`, names no organisation), so that SQL reads and the computation runs
        for them only, not for the whole département; None when there is no filter.

        Of an organisation's, those whose kept situation is the point's (see `lines`)
        are read only if it names the organisation (the row's `organisation`): their
        line names it or no one."""
        if organisation is None and counsellor is None:
            return None
        f = self._table(point.generation, "follower")
        where: list[str] = []
        params: list[Any] = []
        for kind, code in (("o", organisation), ("c", counsellor)):
            if code is not None:
                where.append(f"youth IN (SELECT youth FROM {f} WHERE kind = ? AND code = ?)")
                params += [kind, code]
        if organisation is not None:
            where.append("(last_day > ? OR last_pos > ? OR organisation = ?)")
            params += [point.as_of.toordinal(), point.position, organisation]
        return Among(" AND ".join(where), tuple(params))

    def record(self, point: Point, youth: str) -> YouthRecord | None:
        """A youth's row and facts as known at the point (None if not registered by
        then), erased or not: the caller says what an erasure means to it."""
        y = self._table(point.generation, "youth")
        found = self._first(
            "SELECT birth_year, residence, sex, event_id, sealed, registered_on, erased_pos,"
            f" facts FROM {y} WHERE youth = ? AND registered_pos <= ?",
            (youth, point.position),
        )
        if found is None:
            return None
        year, residence, sex, event_id, sealed, registered_on, erased_pos, facts = found
        timeline = packing.effective(
            packing.loads(facts), ALL_KINDS, upto=point.position, day=point.as_of.toordinal()
        )
        return YouthRecord(
            YouthRow(youth, year, residence, sex, event_id, sealed),
            date.fromordinal(registered_on),
            erased_pos is not None and erased_pos <= point.position,
            timeline,
        )

    def _lines_query(
        self, point: Point, ref: ReferenceData, among: Among | None, keep: set[str] | None
    ) -> tuple[str, list[Any]]:
        """What `lines` reads of each youth: the reference; the event id and sealed
        personal fields of those who may be ageing out (`birth_dates`); the situation
        the row keeps; and the facts of the youths whose kept situation is not the
        point's (a fact dated after the as-of date, or recorded after the position)."""
        known, params = self._known(point)
        latest = _last_ageing_year(point, ref.thresholds["ageing-out.days"])
        query = (
            "SELECT youth, CASE WHEN birth_year <= ? THEN event_id ELSE NULL END,"
            " CASE WHEN birth_year <= ? THEN sealed ELSE NULL END, situation,"
            " CASE WHEN last_day > ? OR last_pos > ? THEN facts ELSE NULL END"
            f" FROM {self._table(point.generation, 'youth')} WHERE {known}"
        )
        params = [latest, latest, point.as_of.toordinal(), point.position, *params]
        if among is not None:
            query += f" AND {among.sql}"
            params += among.params
        if keep is not None and len(keep) <= 500:
            query += f" AND youth IN ({', '.join('?' * len(keep))})"
            params += sorted(keep)
        return query, params

    @without_gc
    def lines(
        self,
        point: Point,
        youths: Iterable[str] | None = None,
        *,
        among: Among | None = None,
        supervised_only: bool = False,
        alerting: bool = False,
    ) -> list[CaseloadLine]:
        """The caseload line (with its open alerts) of every youth followed on the date,
        and of those whose support is closed who have `no-support` (of the given youths;
        of those of the `among` condition, see `candidates`). With `supervised_only`, the
        line of every youth in custody or under community supervision on the date,
        followed or not, and of no one else (`alerts.supervised`: the SPIP's list).
        With `alerting`, only the lines with an open alert (what an alerts read lists).

        A youth whose whole timeline is dated by then and known at the position is
        judged from the situation its row keeps; the others' facts are walked."""
        rule = supervised if supervised_only else judge
        only = {"alerting": True} if alerting and not supervised_only else {}
        ref = self.reference(point)
        d, p = point.as_of.toordinal(), point.position
        keep = None if youths is None else set(youths)
        query, params = self._lines_query(point, ref, among, keep)
        read: list[str] = []
        ageing: list[tuple[str, str, str]] = []
        situations: dict[str, Situation] = {}
        # JSON texts are decoded many at once, as one array: a decoder call per youth
        # costs more than the decoding itself. The situations kept are small: all of
        # them; the facts walked again (as of a past date), WALKED youths at a time.
        kept_by: list[str] = []
        kept_texts: list[str] = []
        walked_by: list[str] = []
        walked_texts: list[str] = []

        def walk() -> None:
            for youth, facts in zip(walked_by, _decoded(walked_texts), strict=True):
                timeline = packing.effective(
                    facts, SITUATION_KINDS, upto=p, day=d, latest_contact=True
                )
                situations[youth] = situation(timeline)
            walked_by.clear()
            walked_texts.clear()

        with self._query(query, params) as found:
            for youth, event_id, sealed, kept, facts in found:
                if keep is not None and youth not in keep:
                    continue
                read.append(youth)
                if sealed:
                    ageing.append((youth, event_id, sealed))
                if facts is None:
                    kept_by.append(youth)
                    kept_texts.append(kept)
                else:
                    walked_by.append(youth)
                    walked_texts.append(facts)
                    if len(walked_by) == WALKED:
                        walk()
        walk()
        load = Situation.load
        for youth, values in zip(kept_by, _decoded(kept_texts), strict=True):
            situations[youth] = load(values)
        # a birth date is read only where `judge` looks at it: a followed youth's line
        births = self._births(a for a in ageing if _followed(situations[a[0]]))
        lines = []
        with using(None):  # the reasons' language, read once (not once per reason)
            for youth in sorted(read):
                line = rule(youth, situations[youth], point.as_of, ref, births.get(youth), **only)
                if line is not None:
                    lines.append(line)
        return lines

    @without_gc
    def cases(self, point: Point, first: date, last: date, cohort: str = "releases") -> list[Case]:
        """The releases (or community supervisions) dated in [first, last], with outcomes."""
        from pathways.domain.outcomes import READS, cases

        kinds = frozenset(cls.event_type for cls in READS)  # what the indicators look at
        ref = self.reference(point)
        start = (Released if cohort == "releases" else CommunitySupervisionStarted).type_name()
        known, params = self._known(point, for_statistics=True)
        query = (
            "SELECT youth, birth_year, residence, sex, facts"
            f" FROM {self._table(point.generation, 'youth')} WHERE {known} AND facts LIKE ?"
        )
        low, high = first.toordinal(), last.toordinal()
        found: list[Case] = []
        with self._query(query, [*params, f'%"{start}"%']) as rows:
            for youth, year, residence, sex, facts in rows:
                timeline = packing.effective(
                    packing.loads(facts),
                    kinds,
                    upto=point.position,
                    day=point.as_of.toordinal(),
                )
                if not any(f.event_type == start and low <= f.on <= high for f in timeline):
                    continue
                found.extend(
                    cases(
                        youth,
                        timeline,
                        point.as_of,
                        first,
                        last,
                        ref,
                        sex=sex,
                        birth_year=year,
                        residence=residence,
                        cohort=cohort,
                    )
                )
        found.sort(key=lambda c: (c.day, c.youth))  # by date, whatever the backend's order
        return found


def _last_ageing_year(point: Point, window: int) -> int:
    """The last birth year of a youth who may turn 26 within the window of the as-of
    date: whose 26th birthday, on 1 January at the earliest, is on or before the as-of
    date + the window."""
    return date.fromordinal(point.as_of.toordinal() + window).year - 26


def _followed(state: Situation) -> bool:
    """Whether `judge` may raise ageing-out (registered, support not closed)."""
    return state.registered and (state.support_open or state.support_since is None)


#: How many youths' facts `Views.lines` decodes at once (a bounded memory).
WALKED = 1000


def _decoded(texts: list[str]) -> list[Any]:
    """The JSON values of these texts (each a JSON array or object), decoded at once."""
    found: list[Any] = json.loads(f"[{','.join(texts)}]")
    return found


def caseload_rows(lines: Iterable[CaseloadLine]) -> list[Any]:
    """`pathways.queries.caseload_rows` (the typed rows), still found here by the
    benchmarks."""
    from pathways.queries import caseload_rows as rows

    return list(rows(lines))


def alert_rows(lines: Iterable[CaseloadLine], code: str | None = None) -> list[Any]:
    """`pathways.queries.alert_rows` (the typed rows), still found here by the benchmarks."""
    from pathways.queries import alert_rows as rows

    return list(rows(lines, code))
