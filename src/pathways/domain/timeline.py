"""A young person's timeline: their events in the order of their lives.

Events are sorted by `occurred_on`; ties keep the recording order, except for
the paired events (custody, support, programme, situation, community
supervision), which are ordered within a day so that they alternate from the
state of the day before: a release and a new custody on the same day give the
release first, whatever order they were recorded in (DOMAIN.md rule 4).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import NamedTuple

from pathways.domain.events import (
    YouthEvent,
)
from pathways.domain.ordering import LABELS, PAIRS, order_by_life


class Entry(NamedTuple):
    """An event with its place in the recording order.

    `seq` orders recording (the log position for stored events; after the head
    for a batch being checked); `where` names it in messages ("line 18").
    (A named tuple: a whole import file makes one per line.)
    """

    event: YouthEvent
    seq: int
    where: str = ""


@dataclass(frozen=True)
class Pair:
    """A family of paired events, and whether this one opens it."""

    family: str
    opens: bool
    label: str  # what the family is called in messages


_UNKEYED: dict[type[YouthEvent], Pair | None] = {}


def pair_of(event: YouthEvent) -> Pair | None:
    """The pair family of an event (custody, support, ... programme per programme)."""
    cls = type(event)
    if cls in _UNKEYED:  # called for every event of every check: keep it a lookup
        return _UNKEYED[cls]
    base = PAIRS.get(cls.__name__)
    if base is None or not base[0].endswith(":"):
        found = None if base is None else _pair(cls.__name__, base[0], base[1], "")
        _UNKEYED[cls] = found
        return found
    family, opens = base
    return _pair(cls.__name__, family, opens, str(getattr(event, family[:-1])))


@cache
def _pair(kind: str, family: str, opens: bool, value: str) -> Pair:
    if value:
        return Pair(family + value, opens, f"{family[:-1]} {value}")
    return Pair(family, opens, LABELS[family])


def sort_entries(entries: Iterable[Entry]) -> list[Entry]:
    """Sort by `occurred_on`, recording order within a day, then alternate the pairs.

    Most timelines never have two events of one pair family on the same day; for
    those, sorting by (day, recording order) is the whole answer."""
    ordered = sorted(entries, key=_day_seq)
    day: date | None = None
    families: set[str] = set()
    for entry in ordered:
        pair = pair_of(entry.event)
        if pair is None:
            continue
        if entry.event.occurred_on != day:
            day = entry.event.occurred_on
            families.clear()
        if pair.family in families:
            return order_by_life(ordered, _day, _seq, _family)
        families.add(pair.family)
    return ordered


def _day_seq(entry: Entry) -> tuple[date, int]:
    return entry.event.occurred_on, entry.seq


def _day(entry: Entry) -> date:
    return entry.event.occurred_on


def _seq(entry: Entry) -> int:
    return entry.seq


def _family(entry: Entry) -> tuple[str, bool] | None:
    pair = pair_of(entry.event)
    return None if pair is None else (pair.family, pair.opens)


@dataclass(frozen=True)
class Period:
    """A custody, a support or a supervision: from its opener to its closer (or open)."""

    start: Entry
    end: Entry | None

    @property
    def starts_on(self) -> date:
        return self.start.event.occurred_on

    @property
    def ends_on(self) -> date | None:
        return None if self.end is None else self.end.event.occurred_on

    def covers(self, day: date) -> bool:
        """Whether the day falls within the period, both ends included."""
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


def periods(timeline: Sequence[Entry], family: str) -> list[Period]:
    """The periods of one family, from a sorted timeline (lenient: skips broken pairs)."""
    result: list[Period] = []
    current: Entry | None = None
    for entry in timeline:
        pair = pair_of(entry.event)
        if pair is None or pair.family != family:
            continue
        if pair.opens and current is None:
            current = entry
        elif not pair.opens and current is not None:
            result.append(Period(current, entry))
            current = None
    if current is not None:
        result.append(Period(current, None))
    return result
