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
from typing import NamedTuple

from pathways.domain.events import YouthEvent
from pathways.domain.ordering import Pair, life_order

__all__ = ["Entry", "Pair", "Period", "pair_of", "periods", "sort_entries"]


class Entry(NamedTuple):
    """An event with its place in the recording order.

    `seq` orders recording (the log position for stored events; after the head
    for a batch being checked); `where` names it in messages ("line 18").
    (A named tuple: a whole import file makes one per line.)
    """

    event: YouthEvent
    seq: int
    where: str = ""


def pair_of(event: YouthEvent) -> Pair | None:
    """The pair family of an event (custody, support, ... programme per programme)."""
    pairing = event.pairing
    if pairing is None:
        return None
    key = pairing.family.key
    return pairing.of(None if key is None else str(getattr(event, key)))


def sort_entries(entries: Iterable[Entry]) -> list[Entry]:
    """Entries in the order of the life (`ordering.life_order`)."""
    return life_order(entries, _when, _pair)


def _when(entry: Entry) -> tuple[date, int]:
    return entry.event.occurred_on, entry.seq


def _pair(entry: Entry) -> Pair | None:
    return pair_of(entry.event)


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
