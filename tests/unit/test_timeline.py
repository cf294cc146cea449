"""A youth's timeline: events sorted by occurred_on, pairs alternating within a day."""

from __future__ import annotations

from datetime import date
from itertools import permutations
from typing import Any

import pytest

from pathways.domain.events import (
    ContactMade,
    Incarcerated,
    ProgrammeEntered,
    ProgrammeExited,
    Released,
    RightObtained,
    SupportClosed,
    SupportStarted,
    YouthEvent,
)
from pathways.domain.timeline import Entry, pair_of, periods, sort_entries

Y = "Y-2026-0042"

FIELDS: dict[type[YouthEvent], dict[str, Any]] = {
    Incarcerated: {"facility": "cp-rennes-vezin", "status": "remand"},
    Released: {"kind": "end-of-sentence", "destination": "rennes"},
    ContactMade: {"channel": "phone"},
    RightObtained: {"right": "css"},
    SupportStarted: {"organisation": "we-ker", "counsellor": "c-1"},
    SupportClosed: {"reason": "moved"},
    ProgrammeEntered: {"programme": "cej"},
    ProgrammeExited: {"programme": "cej"},
}


Step = tuple[type[YouthEvent], str] | tuple[type[YouthEvent], str, dict[str, Any]]


def entries(*steps: Step) -> list[Entry]:
    """Entries in recording order (seq 1, 2, ...) from (type, day[, fields]) steps."""
    made = []
    for seq, step in enumerate(steps, start=1):
        cls, day = step[0], step[1]
        extra = step[2] if len(step) > 2 else {}  # type: ignore[misc]
        event = cls(youth=Y, occurred_on=date.fromisoformat(day), **{**FIELDS[cls], **extra})
        made.append(Entry(event, seq, f"line {seq}"))
    return made


def kinds(timeline: list[Entry]) -> list[str]:
    return [f"{e.event.type_name()}@{e.event.occurred_on.isoformat()}" for e in timeline]


def test_entries_are_sorted_by_occurred_on_not_by_recording() -> None:
    timeline = sort_entries(
        entries(
            (ContactMade, "2026-03-01"),
            (ContactMade, "2026-01-01"),
            (RightObtained, "2026-02-01"),
        )
    )
    assert kinds(timeline) == [
        "ContactMade@2026-01-01",
        "RightObtained@2026-02-01",
        "ContactMade@2026-03-01",
    ]


def test_ties_keep_the_recording_order() -> None:
    recorded = entries(
        (RightObtained, "2026-02-01"),
        (ContactMade, "2026-02-01"),
        (RightObtained, "2026-02-01", {"right": "housing"}),
    )
    assert [e.seq for e in sort_entries(reversed(recorded))] == [1, 2, 3]


def test_a_release_and_a_new_custody_on_one_day_give_the_release_first() -> None:
    custody, new_custody, release = entries(
        (Incarcerated, "2026-01-05"),
        (Incarcerated, "2026-03-10"),  # recorded before the release of the same day
        (Released, "2026-03-10"),
    )
    timeline = sort_entries([custody, new_custody, release])
    assert [e.seq for e in timeline] == [1, 3, 2]


def test_in_and_out_on_the_same_day_gives_the_custody_first() -> None:
    release, custody = entries((Released, "2026-03-10"), (Incarcerated, "2026-03-10"))
    assert [e.seq for e in sort_entries([release, custody])] == [2, 1]


@pytest.mark.parametrize("order", list(permutations(range(3))))
def test_alternation_within_a_day_follows_the_state_of_the_day_before(
    order: tuple[int, ...],
) -> None:
    # In custody since January; on 10 March: out, in again, out again.
    before = entries((Incarcerated, "2026-01-05"))
    day = entries((Released, "2026-03-10"), (Incarcerated, "2026-03-10"), (Released, "2026-03-10"))
    recorded = [Entry(day[i].event, 10 + n) for n, i in enumerate(order)]
    timeline = sort_entries([*before, *recorded])
    assert kinds(timeline)[1:] == [
        "Released@2026-03-10",
        "Incarcerated@2026-03-10",
        "Released@2026-03-10",
    ]


def test_paired_events_keep_the_slots_of_their_family() -> None:
    inc, contact, rel = entries(
        (Incarcerated, "2026-03-10"), (ContactMade, "2026-03-10"), (Released, "2026-03-10")
    )
    first_custody = entries((Incarcerated, "2026-01-05"))[0]
    first_custody = Entry(first_custody.event, 0)
    timeline = sort_entries([first_custody, inc, contact, rel])
    # The other event stays where it was recorded; the pair swaps around it.
    assert kinds(timeline)[1:] == [
        "Released@2026-03-10",
        "ContactMade@2026-03-10",
        "Incarcerated@2026-03-10",
    ]


def test_families_alternate_independently() -> None:
    steps = entries(
        (SupportStarted, "2026-01-01"),
        (ProgrammeEntered, "2026-06-01"),  # cej opens
        (SupportStarted, "2026-06-01"),  # support: recorded before its closure
        (SupportClosed, "2026-06-01"),
        (ProgrammeExited, "2026-06-01"),  # cej: closes after it opened that day
    )
    assert [e.seq for e in sort_entries(steps)] == [1, 2, 4, 3, 5]


def test_programmes_are_separate_families() -> None:
    assert pair_of(entries((ProgrammeEntered, "2026-01-01"))[0].event) != pair_of(
        entries((ProgrammeEntered, "2026-01-01", {"programme": "pacea"}))[0].event
    )


def test_events_without_a_pair_have_no_family() -> None:
    assert pair_of(entries((ContactMade, "2026-01-01"))[0].event) is None


def test_sorting_is_stable_under_any_recording_order_of_a_day() -> None:
    a, b, c = entries(
        (Incarcerated, "2026-01-05"), (Released, "2026-03-10"), (Incarcerated, "2026-03-10")
    )
    first = sort_entries([a, b, c])
    again = sort_entries([c, a, b])
    assert [e.seq for e in first] == [e.seq for e in again] == [1, 2, 3]


def test_custody_periods_run_from_custody_to_release() -> None:
    timeline = sort_entries(
        entries(
            (Incarcerated, "2026-01-05"),
            (Released, "2026-03-10"),
            (Incarcerated, "2026-03-10"),
        )
    )
    first, second = periods(timeline, "custody")
    assert (first.starts_on, first.ends_on) == (date(2026, 1, 5), date(2026, 3, 10))
    assert (second.starts_on, second.ends_on) == (date(2026, 3, 10), None)
    assert first.covers(date(2026, 1, 5))
    assert first.covers(date(2026, 3, 10))
    assert not first.covers(date(2026, 3, 11))
    assert not first.covers(date(2026, 1, 4))
    assert second.covers(date(2030, 1, 1))
