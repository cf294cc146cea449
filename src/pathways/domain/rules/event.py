"""The rules on one event alone: the codes it names are known, its dates and texts are
plausible, its dates fit the young person and the measures."""

from __future__ import annotations

from datetime import date

from pathways.domain.events import (
    CommunitySupervisionStarted,
    ContactMade,
    CounsellorAssigned,
    EnrolledInMeasure,
    Event,
    HandedOver,
    HandoverAcknowledged,
    Incarcerated,
    Released,
    SupportStarted,
    YouthEvent,
    YouthRegistered,
    unsafe_character,
)
from pathways.domain.reference import ReferenceData
from pathways.domain.rules.common import (
    MAX_AGE,
    MAX_CUSTODY_YEARS,
    MIN_AGE,
    age_on,
    one_of,
    years_after,
)


def check_codes(event: YouthEvent, ref: ReferenceData) -> list[str]:
    """Codes named by the event must be known to the reference data."""
    problems: list[str] = []
    territories = sorted(ref.territories)

    def territory(field: str, value: str) -> None:
        if value not in ref.territories:
            problems.append(f"{field}: {one_of(value, territories)}")

    def mission_locale(field: str, value: str) -> None:
        if value not in ref.missions_locales:
            if value in ref.organisations:
                problems.append(
                    f"{field}: '{value}' is not a Mission Locale and cannot give the support"
                    f" (valid: {', '.join(ref.missions_locales)})"
                )
            else:
                problems.append(f"{field}: {one_of(value, ref.missions_locales)}")

    match event:
        case YouthRegistered(residence=r):
            territory("residence", r)
        case Released(destination=d):
            territory("destination", d)
        case Incarcerated(facility=f) if f not in ref.facilities:
            problems.append(f"facility: {one_of(f, ref.facilities)}")
        case SupportStarted(organisation=o) | CounsellorAssigned(organisation=o):
            mission_locale("organisation", o)
        case HandoverAcknowledged(organisation=o):
            mission_locale("organisation", o)
        case HandedOver(to_organisation=o):
            mission_locale("to_organisation", o)
        case ContactMade(organisation=o) if o is not None and o not in ref.organisations:
            problems.append(f"organisation: {one_of(o, ref.organisations)}")
        case EnrolledInMeasure(measure=m) if m not in ref.measures:
            valid = sorted(ref.measures) or ["(no measure launched yet)"]
            problems.append(f"measure: {one_of(m, valid)}")
    return problems


def check_plausible(event: Event, ref: ReferenceData) -> list[str]:
    """Input that is valid but cannot be true: a date before the store's floor, a text
    with a control or bidirectional character (named by its code, never echoed)."""
    problems: list[str] = []
    floor = ref.date_floor
    for name in type(event).date_fields():
        # A birth date is bounded by the age rule and the floor of the registration.
        value = getattr(event, name)
        if name != "birth_date" and value is not None and value < floor:
            problems.append(
                f"{name} {value} is before {floor}, the earliest date this store accepts"
                " (setting dates.floor)"
            )
    for name in type(event).text_fields():
        value = getattr(event, name)
        found = None if value is None else unsafe_character(value)
        if found is not None:
            problems.append(
                f"{name} holds the character {found}, which no text of an event may hold"
                " (retype it without)"
            )
    return problems


def check_dates(
    event: YouthEvent, today: date, birth: date | None, ref: ReferenceData
) -> list[str]:
    problems: list[str] = []
    if event.occurred_on > today:
        problems.append(f"occurred_on {event.occurred_on} is in the future (today is {today})")
    if birth is not None and event.occurred_on < birth:
        problems.append(f"occurred_on is before {event.youth}'s birth date")
    match event:
        case YouthRegistered(birth_date=b, occurred_on=d):
            age = age_on(b, d)
            if not MIN_AGE <= age <= MAX_AGE:
                problems.append(
                    f"the young person is {age} on the day of registration; "
                    f"the action is for ages {MIN_AGE} to {MAX_AGE}"
                )
        case Incarcerated(expected_release_on=e, occurred_on=d) if e is not None and e < d:
            problems.append(f"expected_release_on {e} is before the custody begins ({d})")
        case Incarcerated(expected_release_on=e, occurred_on=d) if (
            e is not None and e > years_after(d, MAX_CUSTODY_YEARS)
        ):
            problems.append(
                f"expected_release_on {e} is more than {MAX_CUSTODY_YEARS} years after the"
                f" custody begins ({d})"
            )
        case CommunitySupervisionStarted(ends_on=e, occurred_on=d) if e is not None and e < d:
            problems.append(f"ends_on {e} is before the supervision starts ({d})")
        case EnrolledInMeasure(measure=m, occurred_on=d) if m in ref.measures:
            measure = ref.measures[m]
            if not measure.open_on(d):
                end = f" and ended on {measure.ended_on}" if measure.ended_on else ""
                problems.append(
                    f"measure '{m}' was launched on {measure.launched_on}{end}: no enrolment on {d}"
                )
    return problems
