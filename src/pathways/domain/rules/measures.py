"""The rules on pilot measures and settings: a measure cannot end on or before an
enrolment in it (rule 5), and the registry events against the measures known so far."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass
from datetime import date

from pathways.domain.errors import Violation
from pathways.domain.events import MeasureEnded, MeasureLaunched, RegistryEvent, SettingChanged
from pathways.domain.reference import ReferenceData
from pathways.domain.rules.common import one_of
from pathways.domain.rules.event import check_plausible
from pathways.domain.users import check_user_event

# --- measures (rule 5: a measure cannot end on or before an enrolment in it) ---------------


@dataclass(frozen=True)
class Enrolment:
    """An enrolment in a measure, as the rule on measure ends needs it."""

    event_id: uuid.UUID
    measure: str
    day: date
    youth: str


def check_measure_ends(
    enrolments: Iterable[Enrolment], retracted: Set[uuid.UUID], ends: Sequence[MeasureEnded]
) -> list[Violation]:
    """A measure cannot end on or before an enrolment in it that is not retracted."""
    standing = [e for e in enrolments if e.event_id not in retracted]
    violations = []
    for end in ends:
        late = sorted(
            (e.day, e.youth) for e in standing if e.measure == end.code and e.day >= end.occurred_on
        )
        if late:
            day, youth = late[0]
            violations.append(
                Violation(
                    end.id,
                    f"MeasureEnded on {end.occurred_on} for '{end.code}', but {youth} is enrolled"
                    f" in it on {day} ({len(late)} enrolment(s) on or after that date)",
                )
            )
    return violations


# --- pilot measures -------------------------------------------------------------


def check_registry_event(event: RegistryEvent, ref: ReferenceData, today: date) -> list[str]:
    """Rules for the registry's events (measures, settings, users) against those known so
    far."""
    what = f"{event.type_name()} on {event.occurred_on}"
    problems: list[str] = [f"{what}: {problem}" for problem in check_plausible(event, ref)]
    problems.extend(f"{what}: {problem}" for problem in check_user_event(event, ref))
    if event.occurred_on > today:
        problems.append(f"{what}: occurred_on is in the future (today is {today})")
    if isinstance(event, MeasureLaunched):
        if event.code in ref.measures:
            problems.append(f"{what}: measure '{event.code}' is already launched")
        if event.territory not in ref.territories:
            problems.append(f"{what}: territory {one_of(event.territory, sorted(ref.territories))}")
    elif isinstance(event, SettingChanged):
        problem = ref.check_setting(event.name, event.value, today)
        if problem is not None:
            problems.append(f"{what}: {problem}")
    elif isinstance(event, MeasureEnded):
        measure = ref.measures.get(event.code)
        if measure is None:
            valid = sorted(ref.measures) or ["(no measure launched yet)"]
            problems.append(f"{what}: measure {one_of(event.code, valid)}")
        elif measure.ended_on is not None:
            problems.append(f"{what}: measure '{event.code}' already ended on {measure.ended_on}")
        elif event.occurred_on < measure.launched_on:
            problems.append(
                f"{what}: measure '{event.code}' was launched on {measure.launched_on}, "
                "after that date"
            )
    return problems
