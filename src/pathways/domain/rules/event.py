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
from pathways.i18n import _, long_date


def check_codes(event: YouthEvent, ref: ReferenceData) -> list[str]:
    """Codes named by the event must be known to the reference data."""
    # (asked for every event of an import: most name no code, or a contact's known one)
    if type(event) is ContactMade:
        organisation = event.organisation
        if organisation is None or ref.is_organisation(organisation):
            return []
    elif not isinstance(event, _CODED):
        return []
    problems: list[str] = []
    match event:
        case YouthRegistered(residence=r):
            _territory(problems, ref, "residence", r)
        case Released(destination=d):
            _territory(problems, ref, "destination", d)
        case Incarcerated(facility=f) if f not in ref.facilities:
            problems.append(_field("facility", one_of(f, ref.facilities)))
        case SupportStarted(organisation=o) | CounsellorAssigned(organisation=o):
            _mission_locale(problems, ref, "organisation", o)
        case HandoverAcknowledged(organisation=o):
            _mission_locale(problems, ref, "organisation", o)
        case HandedOver(to_organisation=o):
            _mission_locale(problems, ref, "to_organisation", o)
        case ContactMade(organisation=o) if o is not None and o not in ref.organisations:
            problems.append(_field("organisation", one_of(o, ref.organisations)))
        case EnrolledInMeasure(measure=m) if m not in ref.measures:
            valid = sorted(ref.measures) or [_("(no measure launched yet)")]
            problems.append(_field("measure", one_of(m, valid)))
    return problems


#: The event types that name codes (`check_codes`).
_CODED = (
    YouthRegistered,
    Released,
    Incarcerated,
    SupportStarted,
    CounsellorAssigned,
    HandoverAcknowledged,
    HandedOver,
    ContactMade,
    EnrolledInMeasure,
)


# (functions of their own rather than closures made again for every event checked)
def _field(field: str, problem: str) -> str:
    """A problem of one field ("destination: ..."; "destination : ..." in French)."""
    return _("{field}: {problem}").format(field=field, problem=problem)


def _territory(problems: list[str], ref: ReferenceData, field: str, value: str) -> None:
    if value not in ref.territories:  # (sorted for the message only: not per event)
        problems.append(_field(field, one_of(value, sorted(ref.territories))))


def _mission_locale(problems: list[str], ref: ReferenceData, field: str, value: str) -> None:
    if value not in ref.missions_locales:
        if value in ref.organisations:
            msg = _(
                "{field}: '{value}' is not a Mission Locale and cannot give the support "
                "(valid: {valid})"
            )
            problems.append(
                msg.format(field=field, value=value, valid=", ".join(ref.missions_locales))
            )
        else:
            problems.append(_field(field, one_of(value, ref.missions_locales)))


#: An event class's date fields and text fields (asked for every event checked).
_FIELDS: dict[type[Event], tuple[tuple[str, ...], tuple[str, ...]]] = {}


def check_plausible(event: Event, ref: ReferenceData) -> list[str]:
    """Input that is valid but cannot be true: a date before the store's floor, a text
    with a control or bidirectional character (named by its code, never echoed)."""
    problems: list[str] = []
    floor = ref.date_floor
    cls = type(event)
    fields = _FIELDS.get(cls)
    if fields is None:
        fields = _FIELDS[cls] = (cls.date_fields(), cls.text_fields())
    values = event.__dict__
    for name in fields[0]:
        # A birth date is bounded by the age rule and the floor of the registration.
        value = values[name]
        if name != "birth_date" and value is not None and value < floor:
            msg = _(
                "{name} {value} is before {floor}, the earliest date this store accepts "
                "(setting dates.floor)"
            )
            problems.append(msg.format(name=name, value=value, floor=floor))
    for name in fields[1]:
        value = values[name]
        found = None if value is None else unsafe_character(value)
        if found is not None:
            msg = _(
                "{name} holds the character {found}, which no text of an event may hold "
                "(retype it without)"
            )
            problems.append(msg.format(name=name, found=found))
    return problems


def check_dates(
    event: YouthEvent, today: date, birth: date | None, ref: ReferenceData
) -> list[str]:
    problems: list[str] = []
    if event.occurred_on > today:
        msg = _("occurred_on {on} is in the future (today is {today})")
        problems.append(msg.format(on=long_date(event.occurred_on), today=long_date(today)))
    if birth is not None and event.occurred_on < birth:
        problems.append(_("occurred_on is before {youth}'s birth date").format(youth=event.youth))
    match event:
        case YouthRegistered(birth_date=b, occurred_on=d):
            age = age_on(b, d)
            if not MIN_AGE <= age <= MAX_AGE:
                msg = _(
                    "the young person is {age} on the day of registration; "
                    "the action is for ages {low} to {high}"
                )
                problems.append(msg.format(age=age, low=MIN_AGE, high=MAX_AGE))
        case Incarcerated(expected_release_on=e, occurred_on=d) if e is not None and e < d:
            msg = _("expected_release_on {on} is before the custody begins ({begins})")
            problems.append(msg.format(on=long_date(e), begins=long_date(d)))
        case Incarcerated(expected_release_on=e, occurred_on=d) if (
            e is not None and e > years_after(d, MAX_CUSTODY_YEARS)
        ):
            msg = _(
                "expected_release_on {on} is more than {years} years after the custody "
                "begins ({begins})"
            )
            problems.append(
                msg.format(on=long_date(e), years=MAX_CUSTODY_YEARS, begins=long_date(d))
            )
        case CommunitySupervisionStarted(ends_on=e, occurred_on=d) if e is not None and e < d:
            msg = _("ends_on {on} is before the supervision starts ({starts})")
            problems.append(msg.format(on=long_date(e), starts=long_date(d)))
        case EnrolledInMeasure(measure=m, occurred_on=d) if m in ref.measures:
            measure = ref.measures[m]
            if not measure.open_on(d):
                msg = (
                    _(
                        "measure '{measure}' was launched on {launched} and ended on {ended}: "
                        "no enrolment on {on}"
                    )
                    if measure.ended_on
                    else _("measure '{measure}' was launched on {launched}: no enrolment on {on}")
                )
                problems.append(
                    msg.format(
                        measure=m,
                        launched=long_date(measure.launched_on),
                        ended=measure.ended_on and long_date(measure.ended_on),
                        on=long_date(d),
                    )
                )
    return problems
