"""What a read of the read models stands on: where it stands (`Point`), what it needs of
the application (`Host`), a youth's row and record, and the reads of one youth or of
the statistics (`Reads`), in plain SQL over a read session of the store.

The caseload and alerts queries build on these (`projections.caseload`); catching up
and resolving `--as-of` / `--known-at` are `projections.views`'.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from pathways.domain.events import FACT_TYPES, CommunitySupervisionStarted, Released
from pathways.domain.reference import ReferenceData
from pathways.domain.time import KnownAt
from pathways.perf import without_gc
from pathways.progress import Progress
from pathways.projections import packing
from pathways.projections.apply import table_names
from pathways.store import Store

if TYPE_CHECKING:
    from pathways.access import Access
    from pathways.domain.events import Fact
    from pathways.domain.outcomes import Case

#: Every kind of fact (what one youth's card looks at).
ALL_KINDS = frozenset(FACT_TYPES)


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


class Reads:
    """The reads of one youth (`record`, `personal`) and of the statistics (`youths`,
    `cases`), with the plain-SQL helpers every view query uses (`Session.tuples`): a
    read command does not import SQLAlchemy (~0.2 s of its start-up)."""

    app: Host

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

    def reference(self, point: Point) -> ReferenceData:
        return self.app.reference(KnownAt(position=point.position))

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

    def personal(self, row: YouthRow) -> dict[str, Any] | None:
        """A youth's personal fields (birth date, name), decrypted with their key; None
        once the key is destroyed."""
        if row.sealed is None:
            return None
        return self.app.store.unseal(row.youth, row.event_id, row.sealed)

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
