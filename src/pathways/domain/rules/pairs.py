"""The rules on a timeline (4 and 5): pairs open and close in turn, what depends on a
custody happens within one, a handover is acknowledged once."""

from __future__ import annotations

from collections.abc import Sequence

from pathways.domain.errors import Violation
from pathways.domain.events import (
    CustodyStatusChanged,
    ExpectedReleaseChanged,
    HandedOver,
    HandoverAcknowledged,
)
from pathways.domain.rules.common import MAX_CUSTODY_YEARS, describe, years_after
from pathways.domain.timeline import Entry, pair_of, periods


def check_timeline(timeline: Sequence[Entry]) -> list[Violation]:
    """Rules 4 and 5 on a sorted timeline of effective (non-retracted) events."""
    violations: list[Violation] = []
    open_since: dict[str, Entry] = {}
    for entry in timeline:
        pair = pair_of(entry.event)
        if pair is None:
            continue
        event = entry.event
        if pair.opens and pair.family in open_since:
            since = open_since[pair.family].event.occurred_on
            violations.append(
                Violation(
                    event.id,
                    f"{describe(event)}, but a {pair.label} is already open since {since}"
                    f" (record its end first)",
                )
            )
        elif not pair.opens and pair.family not in open_since:
            violations.append(
                Violation(
                    event.id,
                    f"{describe(event)}, but {event.youth} has no {pair.label} open on that date",
                )
            )
        if pair.opens:
            open_since[pair.family] = entry
        else:
            open_since.pop(pair.family, None)

    custodies = periods(timeline, "custody")
    for entry in timeline:
        event = entry.event
        if isinstance(event, ExpectedReleaseChanged | CustodyStatusChanged):
            custody = next((c for c in custodies if c.covers(event.occurred_on)), None)
            if custody is None:
                violations.append(
                    Violation(
                        event.id,
                        f"{describe(event)}, but {event.youth} is not in custody on that date",
                    )
                )
            elif (
                isinstance(event, ExpectedReleaseChanged)
                and event.expected_release_on < custody.starts_on
            ):
                violations.append(
                    Violation(
                        event.id,
                        f"{describe(event)}: the expected release {event.expected_release_on} is "
                        f"before the custody began ({custody.starts_on})",
                    )
                )
            elif isinstance(event, ExpectedReleaseChanged) and (
                event.expected_release_on > years_after(custody.starts_on, MAX_CUSTODY_YEARS)
            ):
                violations.append(
                    Violation(
                        event.id,
                        f"{describe(event)}: the expected release {event.expected_release_on} is "
                        f"more than {MAX_CUSTODY_YEARS} years after the custody began"
                        f" ({custody.starts_on})",
                    )
                )
    violations.extend(_check_handovers(timeline))
    return violations


def _check_handovers(timeline: Sequence[Entry]) -> list[Violation]:
    """An acknowledgement follows a handover to that organisation not yet acknowledged."""
    steps = [e for e in timeline if isinstance(e.event, HandedOver | HandoverAcknowledged)]
    # A handover and its acknowledgement on the same day: the handover first.
    steps.sort(
        key=lambda e: (e.event.occurred_on, isinstance(e.event, HandoverAcknowledged), e.seq)
    )
    pending: set[str] = set()
    violations: list[Violation] = []
    for entry in steps:
        event = entry.event
        if isinstance(event, HandedOver):
            pending.add(event.to_organisation)
        elif isinstance(event, HandoverAcknowledged):
            if event.organisation in pending:
                pending.discard(event.organisation)
            else:
                violations.append(
                    Violation(
                        event.id,
                        f"{describe(event)}, but no handover to {event.organisation} "
                        f"is waiting for acknowledgement on that date",
                    )
                )
    return violations
