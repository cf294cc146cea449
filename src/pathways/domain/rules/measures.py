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
from pathways.i18n import _, long_date

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
                    _(
                        "MeasureEnded on {on} for '{code}', but {youth} is enrolled in it on "
                        "{day} ({n} enrolment(s) on or after that date)"
                    ).format(
                        on=long_date(end.occurred_on),
                        code=end.code,
                        youth=youth,
                        day=long_date(day),
                        n=len(late),
                    ),
                )
            )
    return violations


# --- pilot measures -------------------------------------------------------------


def check_registry_event(event: RegistryEvent, ref: ReferenceData, today: date) -> list[str]:
    """Rules for the registry's events (measures, settings, users) against those known so
    far."""
    said = _("{event} on {on}: {problem}")
    what = {"event": event.type_name(), "on": long_date(event.occurred_on)}
    found: list[str] = [*check_plausible(event, ref), *check_user_event(event, ref)]
    if event.occurred_on > today:
        found.append(_("occurred_on is in the future (today is {today})").format(
            today=long_date(today)
        ))  # fmt: skip
    if isinstance(event, MeasureLaunched):
        if event.code in ref.measures:
            found.append(_("measure '{code}' is already launched").format(code=event.code))
        if event.territory not in ref.territories:
            territory = one_of(event.territory, sorted(ref.territories))
            found.append(_("territory {problem}").format(problem=territory))
    elif isinstance(event, SettingChanged):
        problem = ref.check_setting(event.name, event.value, today)
        if problem is not None:
            found.append(problem)
    elif isinstance(event, MeasureEnded):
        measure = ref.measures.get(event.code)
        if measure is None:
            valid = sorted(ref.measures) or [_("(no measure launched yet)")]
            found.append(_("measure {problem}").format(problem=one_of(event.code, valid)))
        elif measure.ended_on is not None:
            found.append(
                _("measure '{code}' already ended on {on}").format(
                    code=event.code, on=long_date(measure.ended_on)
                )
            )
        elif event.occurred_on < measure.launched_on:
            found.append(
                _("measure '{code}' was launched on {on}, after that date").format(
                    code=event.code, on=long_date(measure.launched_on)
                )
            )
    return [said.format(problem=problem, **what) for problem in found]
