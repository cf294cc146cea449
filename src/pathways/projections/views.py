"""Caseloads and alerts as of a date, as known at a time: a query plus a small
computation per youth, never a replay of the log.

`Views.point(as_of, known_at)` fixes where a read stands (the as-of date D and
the log position P); `Views.lines(point)` selects the facts recorded up to P,
dated up to D and not retracted by P, and hands each followed youth's facts to
the pure `domain.alerts.assess`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Protocol

from sqlalchemy import and_, func, or_, select

from pathways.domain import alerts, outcomes
from pathways.domain.alerts import CaseloadLine, assess
from pathways.domain.events import (
    CommunitySupervisionStarted,
    ContactMade,
    CounsellorAssigned,
    Event,
    Fact,
    HandedOver,
    HandoverAcknowledged,
    Released,
    SupportStarted,
)
from pathways.domain.facts import in_life_order, kinds, layout
from pathways.domain.outcomes import Case, cases
from pathways.domain.reference import ReferenceData
from pathways.domain.time import PARIS, KnownAt, parse_known_at
from pathways.perf import without_gc
from pathways.progress import Progress
from pathways.projections.timelines import TimelinesProjection
from pathways.store import Store

#: The kinds of facts that the alerts and the caseload look at (contacts come
#: aggregated: only the latest one matters to them).
ALERT_KINDS = kinds(alerts.READS)
OUTCOME_KINDS = kinds(outcomes.READS)


#: Where a support names its organisation, and its counsellor (DOMAIN.md section 6):
#: a youth followed by X on a date has one of these facts naming X.
SUPPORT_ORGANISATION: tuple[tuple[type[Event], str], ...] = (
    (SupportStarted, "organisation"),
    (CounsellorAssigned, "organisation"),
    (HandoverAcknowledged, "organisation"),
)
SUPPORT_COUNSELLOR: tuple[tuple[type[Event], str], ...] = (
    (SupportStarted, "counsellor"),
    (CounsellorAssigned, "counsellor"),
    (HandedOver, "to_counsellor"),
)

#: A read that finds the read models this far behind the log says that it is catching up.
NOTICE_LAG = 5000


@dataclass(frozen=True)
class Point:
    """Where a read stands: the as-of date, and the log position it was computed at."""

    as_of: date
    position: int
    known_at: str | None = None

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


class Host(Protocol):
    """What the views need of the application (`Pathways`): its store, clock, progress
    and reference data as known at a position. The read side does not import the write
    side."""

    store: Store
    progress: Progress

    def today(self) -> date: ...

    def reference(self, known_at: KnownAt | None = None) -> ReferenceData: ...


class Views:
    def __init__(self, app: Host, projection: TimelinesProjection) -> None:
        self.app = app
        self.projection = projection

    def catch_up(self, *, notice: bool = True) -> int:
        """Bring the read models level with the log, telling the app's progress how far.

        Before a read, a large lag (left by an interrupted catch-up) is noted, since
        the read waits for it; a write's own catch-up is not."""
        progress = self.app.progress
        status = self.projection.status()
        if notice and status.lag > NOTICE_LAG:
            progress.note(f"catching up the read models: {status.lag:,} events behind…")
        if status.lag <= 0:
            return 0
        progress.phase("catch up", status.lag)
        return self.projection.catch_up(progress.advance)

    def point(self, as_of: date | None = None, known_at: str | None = None) -> Point:
        """Resolve `--as-of` / `--known-at` after bringing the view up to date."""
        self.catch_up()
        head = self.projection.position()
        if known_at is None:
            return Point(as_of or self.app.today(), head)
        at = parse_known_at(known_at)
        if at.position is not None:
            position = min(at.position, head)
            if at.position > head:
                self.app.progress.note(
                    f"--known-at {at.text} is past the head of the log: read at @{head}"
                )
            day = as_of or self._day_of(position)
        else:
            assert at.moment is not None
            assert at.day is not None
            position = self.projection.position_at(at.moment)
            day = as_of or at.day
        if position == 0 and head > 0:
            self.app.progress.note(
                f"--known-at {at.text} is before the first recorded event: nothing was known then"
            )
        return Point(day, position, at.text)

    def known_at(self, text: str | None) -> KnownAt | None:
        """`--known-at T` as a log position: the last event recorded at or before T."""
        if text is None:
            return None
        at = parse_known_at(text)
        if at.moment is None:
            return at
        self.catch_up()
        return KnownAt(position=self.projection.position_at(at.moment), text=at.text)

    def _day_of(self, position: int) -> date:
        """The Paris date on which a log position was recorded (today if none yet)."""
        log = self.projection.tables.log
        with self.projection.reading() as conn:
            stamp = conn.execute(
                select(log.c.recorded_at).where(log.c.position == position)
            ).scalar()
        if stamp is None:
            return self.app.today()
        return datetime.fromtimestamp(stamp, UTC).astimezone(PARIS).date()

    def reference(self, point: Point) -> ReferenceData:
        return self.app.reference(KnownAt(position=point.position))

    # the core query ---------------------------------------------------------------
    def youths(
        self, point: Point, *, for_statistics: bool = False, among: Any | None = None
    ) -> dict[str, YouthRow]:
        """Youths registered by the as-of date, as known at the position, not erased.

        For anonymous statistics, every youth known at the position counts,
        erased or not, whatever the date of the registration."""
        y = self.projection.tables.youth
        query = select(
            y.c.youth, y.c.birth_year, y.c.residence, y.c.sex, y.c.event_id, y.c.sealed
        ).where(y.c.registered_pos <= point.position)
        if not for_statistics:
            query = query.where(
                y.c.registered_on <= point.as_of.toordinal(),
                or_(y.c.erased_pos.is_(None), y.c.erased_pos > point.position),
            )
        if among is not None:
            query = query.where(y.c.youth.in_(among))
        with self.projection.reading() as conn:
            return {row[0]: YouthRow(*row) for row in conn.execute(query)}

    def _effective(self, point: Point, table: Any) -> Any:
        """Facts recorded by the position, dated by the as-of date, not retracted by then."""
        return and_(
            table.c.position <= point.position,
            table.c.on_day <= point.as_of.toordinal(),
            or_(table.c.retracted_pos.is_(None), table.c.retracted_pos > point.position),
        )

    def facts(
        self,
        point: Point,
        kinds: Sequence[str],
        youths: Iterable[str] | None = None,
        *,
        having: tuple[str, date, date] | None = None,
        among: Any | None = None,
    ) -> dict[str, list[Fact]]:
        """Each youth's effective facts up to the as-of date, as known at the position.

        `having=(kind, first, last)` keeps only the youths with such a fact dated in
        [first, last] (the cohort of a period), so that SQL does the sifting."""
        f = self.projection.tables.fact
        query = select(
            f.c.youth, f.c.kind, f.c.on_day, f.c.position, f.c.a, f.c.b, f.c.c, f.c.d, f.c.n
        ).where(self._effective(point, f), f.c.kind.in_(kinds))
        if having is not None:
            kind, first, last = having
            other = f.alias("cohort")
            query = query.where(
                f.c.youth.in_(
                    select(other.c.youth).where(
                        self._effective(point, other),
                        other.c.kind == kind,
                        other.c.on_day.between(first.toordinal(), last.toordinal()),
                    )
                )
            )
        if among is not None:
            query = query.where(f.c.youth.in_(among))
        wanted = None if youths is None else set(youths)
        if wanted is not None and len(wanted) <= 500:
            query = query.where(f.c.youth.in_(wanted))
        found: dict[str, list[Fact]] = {}
        makers = {kind: layout(kind).make for kind in kinds}
        with self.projection.reading() as conn:
            for youth, kind, *rest in conn.execute(query):
                if wanted is None or youth in wanted:
                    found.setdefault(youth, []).append(makers[kind](*rest))
        return found

    def latest_contacts(
        self, point: Point, youths: Iterable[str] | None = None, among: Any | None = None
    ) -> dict[str, ContactMade.Fact]:
        """Each youth's latest contact (all that the alerts need of contacts, which are
        most of the log): aggregated in SQL rather than sent row by row."""
        f = self.projection.tables.fact
        query = (
            select(f.c.youth, func.max(f.c.on_day), func.max(f.c.position))
            .where(self._effective(point, f), f.c.kind == alerts.CONTACT.event_type)
            .group_by(f.c.youth)
        )
        if among is not None:
            query = query.where(f.c.youth.in_(among))
        wanted = None if youths is None else list(youths)
        if wanted is not None and len(wanted) <= 500:
            query = query.where(f.c.youth.in_(wanted))
        with self.projection.reading() as conn:
            return {
                youth: alerts.CONTACT(day, position, organisation=None, channel=None)
                for youth, day, position in conn.execute(query)
            }

    def birth_dates(self, rows: Iterable[YouthRow], point: Point, window: int) -> dict[str, date]:
        """Decrypt birth dates only for those who may turn 26 within the window."""
        horizon = point.as_of.year + 1 + window // 365
        needed = [r for r in rows if r.sealed and r.birth_year and r.birth_year + 26 <= horizon]
        self.app.store.preload_keys(r.youth for r in needed)
        found: dict[str, date] = {}
        for row in needed:
            assert row.sealed is not None
            personal = self.app.store.unseal(row.youth, row.event_id, row.sealed)
            if personal is not None and "birth_date" in personal:
                found[row.youth] = date.fromisoformat(personal["birth_date"])
        return found

    @without_gc
    def candidates(
        self, point: Point, organisation: str | None = None, counsellor: str | None = None
    ) -> Any | None:
        """The youths who may be followed by an organisation (or a counsellor) on the
        date, as a SQL subquery: those with such a support step, effective and dated by
        then. A superset (the support may have moved on since; a closed support's line,
        `no-support`, names no organisation), so that SQL reads and the computation runs
        for them only, not for the whole département; None when there is no filter."""
        if organisation is None and counsellor is None:
            return None
        f = self.projection.tables.fact
        query = select(f.c.youth).distinct().where(self._effective(point, f))
        if organisation is not None:
            query = query.where(self._holding(f, SUPPORT_ORGANISATION, organisation))
        if counsellor is not None:
            other = f.alias("counsellor")
            query = query.where(
                f.c.youth.in_(
                    select(other.c.youth).where(
                        self._effective(point, other),
                        self._holding(other, SUPPORT_COUNSELLOR, counsellor),
                    )
                )
            )
        return query

    @staticmethod
    def _holding(table: Any, fields: Sequence[tuple[type[Event], str]], value: str) -> Any:
        """Facts of these kinds whose field holds the value (in its read-model column)."""
        tests = []
        for cls, name in fields:
            column = layout(cls.type_name()).column_of(name)
            assert column is not None, (cls, name)
            tests.append(and_(table.c.kind == cls.type_name(), table.c[column] == value))
        return or_(*tests)

    def lines(
        self, point: Point, youths: Iterable[str] | None = None, *, among: Any | None = None
    ) -> list[CaseloadLine]:
        """The caseload line (with its open alerts) of every youth followed on the date,
        and of those whose support is closed who have `no-support` (of the given youths;
        of those of the `among` subquery, see `candidates`)."""
        ref = self.reference(point)
        rows = self.youths(point, among=among)
        if youths is not None:
            keep = set(youths)
            rows = {k: v for k, v in rows.items() if k in keep}
        subset = rows if youths is not None else None
        facts = self.facts(point, ALERT_KINDS, subset, among=among)
        for youth, contact in self.latest_contacts(point, subset, among).items():
            facts.setdefault(youth, []).append(contact)
        births = self.birth_dates(rows.values(), point, ref.thresholds["ageing-out.days"])
        lines = []
        for youth in sorted(rows):
            line = assess(
                youth,
                in_life_order(facts.get(youth, ())),
                point.as_of,
                ref,
                births.get(youth),
                ordered=True,
            )
            if line is not None:
                lines.append(line)
        return lines

    @without_gc
    def cases(self, point: Point, first: date, last: date, cohort: str = "releases") -> list[Case]:
        """The releases (or community supervisions) dated in [first, last], with outcomes."""
        ref = self.reference(point)
        rows = self.youths(point, for_statistics=True)
        start = (Released if cohort == "releases" else CommunitySupervisionStarted).type_name()
        facts = self.facts(point, OUTCOME_KINDS, having=(start, first, last))
        found: list[Case] = []
        for youth, youth_facts in facts.items():
            row = rows.get(youth)
            if row is None:
                continue
            found.extend(
                cases(
                    youth,
                    in_life_order(youth_facts),
                    point.as_of,
                    first,
                    last,
                    ref,
                    sex=row.sex,
                    birth_year=row.birth_year,
                    residence=row.residence,
                    cohort=cohort,
                )
            )
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
