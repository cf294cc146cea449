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
from itertools import groupby

from pathways.domain.events import (
    CommunitySupervisionEnded,
    CommunitySupervisionStarted,
    Incarcerated,
    ProgrammeEntered,
    ProgrammeExited,
    Released,
    SituationEnded,
    SituationStarted,
    SupportClosed,
    SupportStarted,
    YouthEvent,
)


@dataclass(frozen=True)
class Entry:
    """An event with its place in the recording order.

    `seq` orders recording (the log position for stored events; after the head
    for a batch being checked); `where` names it in messages ("line 18").
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


_FIXED_PAIRS: dict[type[YouthEvent], Pair] = {
    Incarcerated: Pair("custody", True, "custody"),
    Released: Pair("custody", False, "custody"),
    SupportStarted: Pair("support", True, "support"),
    SupportClosed: Pair("support", False, "support"),
    CommunitySupervisionStarted: Pair("supervision", True, "community supervision"),
    CommunitySupervisionEnded: Pair("supervision", False, "community supervision"),
}
_KEYED_PAIRS: dict[type[YouthEvent], tuple[str, str, bool]] = {
    ProgrammeEntered: ("programme", "programme", True),
    ProgrammeExited: ("programme", "programme", False),
    SituationStarted: ("situation", "situation", True),
    SituationEnded: ("situation", "situation", False),
}
_pair_cache: dict[tuple[type[YouthEvent], str], Pair] = {}


def pair_of(event: YouthEvent) -> Pair | None:
    """The pair family of an event (custody, support, ... programme per programme)."""
    cls = type(event)
    fixed = _FIXED_PAIRS.get(cls)
    if fixed is not None:
        return fixed
    keyed = _KEYED_PAIRS.get(cls)
    if keyed is None:
        return None
    family, attribute, opens = keyed
    value = getattr(event, attribute)
    pair = _pair_cache.get((cls, value))
    if pair is None:
        pair = _pair_cache[(cls, value)] = Pair(f"{family}:{value}", opens, f"{family} {value}")
    return pair


def sort_entries(entries: Iterable[Entry]) -> list[Entry]:
    """Sort by `occurred_on`, recording order within a day, then alternate the pairs."""
    ordered = sorted(entries, key=lambda e: (e.event.occurred_on, e.seq))
    open_families: set[str] = set()
    result: list[Entry] = []
    for _day, group in groupby(ordered, key=lambda e: e.event.occurred_on):
        day = list(group)
        _alternate_within_day(day, open_families)
        for entry in day:
            pair = pair_of(entry.event)
            if pair is not None:
                if pair.opens:
                    open_families.add(pair.family)
                else:
                    open_families.discard(pair.family)
        result.extend(day)
    return result


def _alternate_within_day(day: list[Entry], open_families: set[str]) -> None:
    """Reorder, in place, each family's events of one day into the slots they hold."""
    slots: dict[str, list[int]] = {}
    for index, entry in enumerate(day):
        pair = pair_of(entry.event)
        if pair is not None:
            slots.setdefault(pair.family, []).append(index)
    for family, indices in slots.items():
        if len(indices) < 2:
            continue
        openers = [day[i] for i in indices if _opens(day[i])]
        closers = [day[i] for i in indices if not _opens(day[i])]
        arranged: list[Entry] = []
        want_opener = family not in open_families
        while openers or closers:
            source = openers if (want_opener and openers) or not closers else closers
            arranged.append(source.pop(0))
            want_opener = not _opens(arranged[-1])
        for index, entry in zip(indices, arranged, strict=True):
            day[index] = entry


def _opens(entry: Entry) -> bool:
    pair = pair_of(entry.event)
    return pair is not None and pair.opens


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
