"""The events of one young person that a batch adds, checked against the stored ones as
a whole: registration, erasure, each event, retractions, the timeline, acknowledgements."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from pathways.domain.errors import Violation
from pathways.domain.events import UNRETRACTABLE, EventRetracted, YouthErased, YouthRegistered
from pathways.domain.reference import ReferenceData
from pathways.domain.rules.acknowledgements import check_acknowledgements
from pathways.domain.rules.common import describe
from pathways.domain.rules.event import check_codes, check_dates, check_plausible
from pathways.domain.rules.pairs import check_timeline
from pathways.domain.timeline import Entry, sort_entries
from pathways.i18n import _


@dataclass(frozen=True)
class YouthCheck:
    """What a batch does to one youth: the violations, and the effective timeline."""

    violations: list[Violation]
    timeline: list[Entry]


def check_youth(
    youth: str,
    stored: Sequence[Entry],
    new: Sequence[Entry],
    ref: ReferenceData,
    today: date,
) -> YouthCheck:
    """Check the new events of one youth against the stored ones, as a whole."""
    violations: list[Violation] = []
    everything = [*stored, *new]

    registrations = [e for e in everything if isinstance(e.event, YouthRegistered)]
    erased = next((e for e in stored if isinstance(e.event, YouthErased)), None)
    for extra in registrations[1:]:
        violations.append(
            Violation(
                extra.event.id,
                _("{event}, but {youth} is already registered").format(
                    event=describe(extra.event), youth=youth
                ),
            )
        )
    if erased is not None:
        for entry in new:
            violations.append(
                Violation(
                    entry.event.id,
                    _("{event}, but {youth} has been erased").format(
                        event=describe(entry.event), youth=youth
                    ),
                )
            )
        return YouthCheck(violations, [])
    if not registrations:
        for entry in new:
            violations.append(
                Violation(
                    entry.event.id,
                    _(
                        "{event}, but {youth} is not registered (record YouthRegistered first)"
                    ).format(event=describe(entry.event), youth=youth),
                )
            )
        return YouthCheck(violations, [])
    erasure_seq = next((e.seq for e in new if isinstance(e.event, YouthErased)), None)
    if erasure_seq is not None:
        for entry in new:
            if entry.seq > erasure_seq:
                violations.append(
                    Violation(
                        entry.event.id,
                        _("{event}, but it comes after the erasure").format(
                            event=describe(entry.event)
                        ),
                    )
                )

    registration = registrations[0].event
    assert isinstance(registration, YouthRegistered)
    birth = registration.birth_date
    for entry in new:
        for problem in [
            *check_codes(entry.event, ref),
            *check_plausible(entry.event, ref),
            *check_dates(entry.event, today, birth, ref),
        ]:
            said = _("{event}: {problem}").format(event=describe(entry.event), problem=problem)
            violations.append(Violation(entry.event.id, said))

    retracted = _retracted_ids(stored)
    by_id: dict[uuid.UUID, Entry] | None = None  # (made once, if the batch retracts)
    for entry in new:
        event = entry.event
        if not isinstance(event, EventRetracted):
            continue
        if by_id is None:
            by_id = {e.event.id: e for e in everything}
        target = by_id.get(event.event_id)
        if target is None:
            violations.append(
                Violation(
                    event.id,
                    _("{event}: no event {id} of {youth}").format(
                        event=describe(event), id=event.event_id, youth=youth
                    ),
                )
            )
        elif target.event.type_name() in UNRETRACTABLE:
            violations.append(
                Violation(
                    event.id,
                    _("{event}: {type} events cannot be retracted").format(
                        event=describe(event), type=target.event.type_name()
                    ),
                )
            )
        elif event.event_id in retracted:
            violations.append(
                Violation(
                    event.id,
                    _("{event}: event {id} is already retracted").format(
                        event=describe(event), id=event.event_id
                    ),
                )
            )
        else:
            retracted.add(event.event_id)

    effective = [
        e
        for e in everything
        if not isinstance(e.event, EventRetracted | YouthErased)
        and (not retracted or e.event.id not in retracted)
    ]
    timeline = sort_entries(effective)
    violations.extend(check_timeline(timeline))
    violations.extend(check_acknowledgements(youth, timeline, new, ref))
    return YouthCheck(violations, timeline)


def _retracted_ids(entries: Sequence[Entry]) -> set[uuid.UUID]:
    return {e.event.event_id for e in entries if isinstance(e.event, EventRetracted)}
