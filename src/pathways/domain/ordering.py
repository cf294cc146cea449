"""The order of a life: by date, recording order within a day, pairs alternating.

Shared by the write rules (events) and the read models (facts), so that both
see the same timeline whatever order its events were recorded in.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from itertools import groupby
from typing import TypeVar

T = TypeVar("T")

#: The paired events (DOMAIN.md rule 4): event type -> (family, whether it opens it).
#: A family ending in ":" is one per value of the field it names (one per programme,
#: one per situation).
PAIRS: dict[str, tuple[str, bool]] = {
    "Incarcerated": ("custody", True),
    "Released": ("custody", False),
    "SupportStarted": ("support", True),
    "SupportClosed": ("support", False),
    "CommunitySupervisionStarted": ("supervision", True),
    "CommunitySupervisionEnded": ("supervision", False),
    "ProgrammeEntered": ("programme:", True),
    "ProgrammeExited": ("programme:", False),
    "SituationStarted": ("situation:", True),
    "SituationEnded": ("situation:", False),
}
#: What each family is called in messages.
LABELS = {"custody": "custody", "support": "support", "supervision": "community supervision"}


def pair_family(kind: str, value: str | None) -> tuple[str, bool] | None:
    """(family, opens) of an event type; `value` is the field a keyed family names."""
    found = PAIRS.get(kind)
    if found is None:
        return None
    family, opens = found
    return (family + (value or "") if family.endswith(":") else family), opens


#: For an item: (its pair family, whether it opens it), or None.
PairOf = Callable[[T], tuple[Hashable, bool] | None]


def order_by_life(
    items: Iterable[T],
    day: Callable[[T], object],
    seq: Callable[[T], int],
    pair: PairOf[T],
) -> list[T]:
    """Sort by day, then recording order; within a day, each pair family's events are
    rearranged in the places they hold so that they alternate from the state of the
    day before (a release and a new custody on one day: the release first)."""
    ordered = sorted(items, key=lambda item: (day(item), seq(item)))
    open_families: set[Hashable] = set()
    result: list[T] = []
    for _day, group in groupby(ordered, key=day):
        today = list(group)
        pairs = [pair(item) for item in today]
        slots: dict[Hashable, list[int]] = {}
        for index, found in enumerate(pairs):
            if found is not None:
                slots.setdefault(found[0], []).append(index)
        for family, indices in slots.items():
            if len(indices) > 1:
                _alternate(today, pairs, indices, family in open_families)
        for found in (pair(item) for item in today):
            if found is not None:
                if found[1]:
                    open_families.add(found[0])
                else:
                    open_families.discard(found[0])
        result.extend(today)
    return result


def _alternate(
    today: list[T],
    pairs: list[tuple[Hashable, bool] | None],
    indices: list[int],
    is_open: bool,
) -> None:
    openers = [today[i] for i in indices if pairs[i] and pairs[i][1]]  # type: ignore[index]
    closers = [today[i] for i in indices if not (pairs[i] and pairs[i][1])]  # type: ignore[index]
    arranged: list[T] = []
    want_opener = not is_open
    while openers or closers:
        take_opener = (want_opener and bool(openers)) or not closers
        arranged.append((openers if take_opener else closers).pop(0))
        want_opener = not take_opener
    for index, item in zip(indices, arranged, strict=True):
        today[index] = item
