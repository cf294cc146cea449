"""The rules every write obeys (DOMAIN.md section 5), as pure functions.

`check_youth(stored, new, ...)` checks the events of one young person that a
command or a batch would add, against what is stored, as a whole: a single
command and a whole file go through the same code, whatever order the events
were recorded in. It returns the violations; it never raises.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass
from datetime import date

from pathways.domain.errors import Violation
from pathways.domain.events import (
    UNRETRACTABLE,
    AlertAcknowledged,
    CommunitySupervisionStarted,
    ContactMade,
    CounsellorAssigned,
    CustodyStatusChanged,
    EnrolledInMeasure,
    Event,
    EventRetracted,
    ExpectedReleaseChanged,
    HandedOver,
    HandoverAcknowledged,
    Incarcerated,
    MeasureEnded,
    MeasureLaunched,
    RegistryEvent,
    Released,
    SettingChanged,
    SupportStarted,
    YouthErased,
    YouthEvent,
    YouthRegistered,
    unsafe_character,
)
from pathways.domain.reference import ReferenceData
from pathways.domain.timeline import Entry, pair_of, periods, sort_entries

MIN_AGE = 16
MAX_AGE = 25
#: An expected release further than this after the custody began is a typing error.
MAX_CUSTODY_YEARS = 30


def describe(event: YouthEvent) -> str:
    return f"{event.type_name()} on {event.occurred_on.isoformat()} for {event.youth}"


def age_on(birth: date, day: date) -> int:
    """Full years of age on a day (a 29 February birthday counts from 1 March)."""
    years = day.year - birth.year
    if (day.month, day.day) < (birth.month, birth.day):
        years -= 1
    return years


def years_after(day: date, years: int) -> date:
    """The same day so many years later (28 February for a 29 February)."""
    if day.year + years > date.max.year:
        return date.max
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _one_of(value: str, valid: Sequence[str]) -> str:
    return f"'{value}' is not a known code (valid: {', '.join(valid)})"


# --- event-level checks: codes and dates ---------------------------------------


def check_codes(event: YouthEvent, ref: ReferenceData) -> list[str]:
    """Codes named by the event must be known to the reference data."""
    problems: list[str] = []
    territories = sorted(ref.territories)

    def territory(field: str, value: str) -> None:
        if value not in ref.territories:
            problems.append(f"{field}: {_one_of(value, territories)}")

    def mission_locale(field: str, value: str) -> None:
        if value not in ref.missions_locales:
            if value in ref.organisations:
                problems.append(
                    f"{field}: '{value}' is not a Mission Locale and cannot give the support"
                    f" (valid: {', '.join(ref.missions_locales)})"
                )
            else:
                problems.append(f"{field}: {_one_of(value, ref.missions_locales)}")

    match event:
        case YouthRegistered(residence=r):
            territory("residence", r)
        case Released(destination=d):
            territory("destination", d)
        case Incarcerated(facility=f) if f not in ref.facilities:
            problems.append(f"facility: {_one_of(f, ref.facilities)}")
        case SupportStarted(organisation=o) | CounsellorAssigned(organisation=o):
            mission_locale("organisation", o)
        case HandoverAcknowledged(organisation=o):
            mission_locale("organisation", o)
        case HandedOver(to_organisation=o):
            mission_locale("to_organisation", o)
        case ContactMade(organisation=o) if o is not None and o not in ref.organisations:
            problems.append(f"organisation: {_one_of(o, ref.organisations)}")
        case EnrolledInMeasure(measure=m) if m not in ref.measures:
            valid = sorted(ref.measures) or ["(no measure launched yet)"]
            problems.append(f"measure: {_one_of(m, valid)}")
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


# --- timeline checks: pairs and what depends on them ---------------------------


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


# --- one youth, stored events plus a batch -------------------------------------


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
    by_id = {e.event.id: e for e in everything}

    registrations = [e for e in everything if isinstance(e.event, YouthRegistered)]
    erased = next((e for e in stored if isinstance(e.event, YouthErased)), None)
    for extra in registrations[1:]:
        violations.append(
            Violation(extra.event.id, f"{describe(extra.event)}, but {youth} is already registered")
        )
    if erased is not None:
        for entry in new:
            violations.append(
                Violation(entry.event.id, f"{describe(entry.event)}, but {youth} has been erased")
            )
        return YouthCheck(violations, [])
    if not registrations:
        for entry in new:
            violations.append(
                Violation(
                    entry.event.id,
                    f"{describe(entry.event)}, but {youth} is not registered "
                    f"(record YouthRegistered first)",
                )
            )
        return YouthCheck(violations, [])
    erasure_seq = next((e.seq for e in new if isinstance(e.event, YouthErased)), None)
    if erasure_seq is not None:
        for entry in new:
            if entry.seq > erasure_seq:
                violations.append(
                    Violation(
                        entry.event.id, f"{describe(entry.event)}, but it comes after the erasure"
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
            violations.append(Violation(entry.event.id, f"{describe(entry.event)}: {problem}"))

    retracted = _retracted_ids(stored)
    for entry in new:
        event = entry.event
        if not isinstance(event, EventRetracted):
            continue
        target = by_id.get(event.event_id)
        if target is None:
            violations.append(
                Violation(event.id, f"{describe(event)}: no event {event.event_id} of {youth}")
            )
        elif target.event.type_name() in UNRETRACTABLE:
            violations.append(
                Violation(
                    event.id,
                    f"{describe(event)}: {target.event.type_name()} events cannot be retracted",
                )
            )
        elif event.event_id in retracted:
            violations.append(
                Violation(
                    event.id, f"{describe(event)}: event {event.event_id} is already retracted"
                )
            )
        else:
            retracted.add(event.event_id)

    effective = [
        e
        for e in everything
        if e.event.id not in retracted and not isinstance(e.event, EventRetracted | YouthErased)
    ]
    timeline = sort_entries(effective)
    violations.extend(check_timeline(timeline))
    violations.extend(check_acknowledgements(youth, timeline, new, ref))
    return YouthCheck(violations, timeline)


# --- acknowledgements (rule: the alert must be open on that date) --------------------------


def no_open_alert(youth: str, alert: str, day: date, open_codes: Sequence[str]) -> str:
    shown = ", ".join(open_codes) or "none"
    return f"{youth} has no open '{alert}' alert on {day} (open: {shown})"


def open_alerts(
    youth: str, timeline: Sequence[Entry], day: date, ref: ReferenceData, birth: date | None
) -> list[str]:
    """The codes of the alerts open on `day` on a timeline of effective events, as the
    caseload computes them (`alerts.assess` on the events' facts)."""
    from pathways.domain.alerts import assess
    from pathways.domain.facts import fact_of

    facts = [f for f in (fact_of(e.event, e.seq) for e in timeline) if f is not None]
    line = assess(youth, facts, day, ref, birth)
    return [] if line is None else [a.alert for a in line.alerts]


def check_acknowledgements(
    youth: str, timeline: Sequence[Entry], new: Sequence[Entry], ref: ReferenceData
) -> list[Violation]:
    """An alert can be acknowledged only while it is open on the acknowledgement's date,
    whatever channel records it (a command, an import line): each new acknowledgement
    against the timeline without it and the acknowledgements after it."""
    fresh = {e.event.id for e in new if isinstance(e.event, AlertAcknowledged)}
    if not fresh:
        return []
    birth = next(
        (e.event.birth_date for e in timeline if isinstance(e.event, YouthRegistered)), None
    )
    violations = []
    for index, entry in enumerate(timeline):
        ack = entry.event
        if not isinstance(ack, AlertAcknowledged) or ack.id not in fresh:
            continue
        before = [
            e
            for i, e in enumerate(timeline)
            if i < index or (i > index and not isinstance(e.event, AlertAcknowledged))
        ]
        found = open_alerts(youth, before, ack.occurred_on, ref, birth)
        if ack.alert not in found:
            message = no_open_alert(youth, ack.alert, ack.occurred_on, found)
            violations.append(Violation(ack.id, message))
    return violations


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


def _retracted_ids(entries: Sequence[Entry]) -> set[uuid.UUID]:
    return {e.event.event_id for e in entries if isinstance(e.event, EventRetracted)}


# --- pilot measures -------------------------------------------------------------


def check_registry_event(event: RegistryEvent, ref: ReferenceData, today: date) -> list[str]:
    """Rules for MeasureLaunched / MeasureEnded against the measures known so far."""
    what = f"{event.type_name()} on {event.occurred_on}"
    problems: list[str] = [f"{what}: {problem}" for problem in check_plausible(event, ref)]
    if event.occurred_on > today:
        problems.append(f"{what}: occurred_on is in the future (today is {today})")
    if isinstance(event, MeasureLaunched):
        if event.code in ref.measures:
            problems.append(f"{what}: measure '{event.code}' is already launched")
        if event.territory not in ref.territories:
            problems.append(
                f"{what}: territory {_one_of(event.territory, sorted(ref.territories))}"
            )
    elif isinstance(event, SettingChanged):
        problem = ref.check_setting(event.name, event.value, today)
        if problem is not None:
            problems.append(f"{what}: {problem}")
    elif isinstance(event, MeasureEnded):
        measure = ref.measures.get(event.code)
        if measure is None:
            valid = sorted(ref.measures) or ["(no measure launched yet)"]
            problems.append(f"{what}: measure {_one_of(event.code, valid)}")
        elif measure.ended_on is not None:
            problems.append(f"{what}: measure '{event.code}' already ended on {measure.ended_on}")
        elif event.occurred_on < measure.launched_on:
            problems.append(
                f"{what}: measure '{event.code}' was launched on {measure.launched_on}, "
                "after that date"
            )
    return problems
