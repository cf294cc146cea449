"""The order of a life: by date, recording order within a day, pairs alternating.

`life_order` is the one sort of a timeline: the write rules (events), the read
models (facts) and the history all call it, so that they see the same timeline
whatever order its events were recorded in. Which events pair up is declared by
the catalogue (`Family`, on each event class).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Pair:
    """The pair family of one event (custody, support, ... programme per programme),
    and whether the event opens it."""

    family: str
    opens: bool
    label: str  # what the family is called in messages


@dataclass(frozen=True)
class Family:
    """A family of paired events (DOMAIN.md rule 4), e.g. custody: opened by
    `Incarcerated`, closed by `Released`. A keyed family is one per value of a field
    of its events (one per programme, one per situation)."""

    name: str
    label: str = ""  # in messages; the name when empty
    key: str | None = None  # the field naming the member of a keyed family

    @property
    def opener(self) -> Pairing:
        return Pairing(self, True)

    @property
    def closer(self) -> Pairing:
        return Pairing(self, False)


@dataclass(frozen=True)
class Pairing:
    """What an event class declares: its family, and whether it opens it."""

    family: Family
    opens: bool
    _pairs: dict[str, Pair] = field(default_factory=dict, compare=False, repr=False)

    def of(self, value: str | None = None) -> Pair:
        """The pair of an event whose key field (for a keyed family) holds `value`.
        (Called for every event of every check: a lookup once made.)"""
        found = self._pairs.get(value or "")
        if found is None:
            family = self.family
            if family.key is not None:
                found = Pair(f"{family.name}:{value}", self.opens, f"{family.name} {value}")
            else:
                found = Pair(family.name, self.opens, family.label or family.name)
            self._pairs[value or ""] = found
        return found


#: When an item happened: (its day, its recording order).
When = Callable[[T], tuple[Any, int]]
#: The pair of an item, or None.
PairOf = Callable[[T], Pair | None]


def life_order(items: Iterable[T], when: When[T], pair: PairOf[T]) -> list[T]:
    """Sort by day, then recording order; within a day, each pair family's events are
    rearranged in the places they hold so that they alternate from the state of the
    day before (a release and a new custody on one day: the release first).

    Most timelines never have two events of one pair family on the same day; for
    those, sorting by (day, recording order) is the whole answer, and the general
    rearrangement (costlier) is skipped."""
    ordered = sorted(items, key=when)
    day: object = _NO_DAY
    families: set[str] = set()
    for item in ordered:
        found = pair(item)
        if found is None:
            continue
        today = when(item)[0]
        if today != day:
            day = today
            families.clear()
        if found.family in families:
            return _alternated(ordered, when, pair)
        families.add(found.family)
    return ordered


_NO_DAY = object()


def _alternated(ordered: list[T], when: When[T], pair: PairOf[T]) -> list[T]:
    open_families: set[Hashable] = set()
    result: list[T] = []
    for _day, group in groupby(ordered, key=lambda item: when(item)[0]):
        today = list(group)
        pairs = [pair(item) for item in today]
        slots: dict[str, list[int]] = {}
        for index, found in enumerate(pairs):
            if found is not None:
                slots.setdefault(found.family, []).append(index)
        for family, indices in slots.items():
            if len(indices) > 1:
                _alternate(today, pairs, indices, family in open_families)
        for found in (pair(item) for item in today):
            if found is not None:
                if found.opens:
                    open_families.add(found.family)
                else:
                    open_families.discard(found.family)
        result.extend(today)
    return result


def _alternate(today: list[T], pairs: list[Pair | None], indices: list[int], is_open: bool) -> None:
    openers = [today[i] for i in indices if (found := pairs[i]) is not None and found.opens]
    closers = [today[i] for i in indices if (found := pairs[i]) is None or not found.opens]
    arranged: list[T] = []
    want_opener = not is_open
    while openers or closers:
        take_opener = (want_opener and bool(openers)) or not closers
        arranged.append((openers if take_opener else closers).pop(0))
        want_opener = not take_opener
    for index, item in zip(indices, arranged, strict=True):
        today[index] = item
