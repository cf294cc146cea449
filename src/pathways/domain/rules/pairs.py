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
from pathways.i18n import N_, _, long_date


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
                    _(
                        "{event}, but a {what} is already open since {since} (record its end first)"
                    ).format(
                        event=describe(event),
                        what=family_label(pair.label),
                        since=long_date(since),
                    ),
                )
            )
        elif not pair.opens and pair.family not in open_since:
            violations.append(
                Violation(
                    event.id,
                    _("{event}, but {youth} has no {what} open on that date").format(
                        event=describe(event), youth=event.youth, what=family_label(pair.label)
                    ),
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
                        _("{event}, but {youth} is not in custody on that date").format(
                            event=describe(event), youth=event.youth
                        ),
                    )
                )
            elif (
                isinstance(event, ExpectedReleaseChanged)
                and event.expected_release_on < custody.starts_on
            ):
                violations.append(
                    Violation(
                        event.id,
                        _(
                            "{event}: the expected release {on} is before the custody began "
                            "({began})"
                        ).format(
                            event=describe(event),
                            on=long_date(event.expected_release_on),
                            began=long_date(custody.starts_on),
                        ),
                    )
                )
            elif isinstance(event, ExpectedReleaseChanged) and (
                event.expected_release_on > years_after(custody.starts_on, MAX_CUSTODY_YEARS)
            ):
                violations.append(
                    Violation(
                        event.id,
                        _(
                            "{event}: the expected release {on} is more than {years} years "
                            "after the custody began ({began})"
                        ).format(
                            event=describe(event),
                            on=long_date(event.expected_release_on),
                            years=MAX_CUSTODY_YEARS,
                            began=long_date(custody.starts_on),
                        ),
                    )
                )
    violations.extend(_check_handovers(timeline))
    return violations


#: The names of the families of paired events in messages (`Family.label`).
FAMILIES = (
    N_("custody"),
    N_("support"),
    N_("community supervision"),
    N_("programme"),
    N_("situation"),
)


def family_label(label: str) -> str:
    """A family's label in the reader's language ("programme X": the word, then the code)."""
    word, _space, key = label.partition(" ")
    if word in ("programme", "situation") and key:
        return f"{_(word)} {key}"
    return _(label)


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
                        _(
                            "{event}, but no handover to {organisation} is waiting for "
                            "acknowledgement on that date"
                        ).format(event=describe(event), organisation=event.organisation),
                    )
                )
    return violations
