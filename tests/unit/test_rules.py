"""The write rules of DOMAIN.md section 5, through the pure `check_youth` (no database)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

import pytest

from pathways.domain.events import (
    AlertAcknowledged,
    CommunitySupervisionEnded,
    CommunitySupervisionStarted,
    ContactMade,
    CounsellorAssigned,
    CustodyStatusChanged,
    EnrolledInMeasure,
    EventRetracted,
    ExpectedReleaseChanged,
    HandedOver,
    HandoverAcknowledged,
    Incarcerated,
    MeasureEnded,
    MeasureLaunched,
    ProgrammeEntered,
    ProgrammeExited,
    Released,
    ReleasePlanValidated,
    SettingChanged,
    SituationEnded,
    SituationStarted,
    SupportClosed,
    SupportStarted,
    YouthErased,
    YouthEvent,
    YouthRegistered,
)
from pathways.domain.reference import ReferenceData
from pathways.domain.rules import (
    YouthCheck,
    age_on,
    check_registry_event,
    check_youth,
    years_after,
)
from pathways.domain.timeline import Entry

Y = "Y-2026-0042"
TODAY = date(2026, 11, 27)
BIRTH = date(2005, 2, 10)

DEFAULTS: dict[type[YouthEvent], dict[str, Any]] = {
    YouthRegistered: {"birth_date": BIRTH, "residence": "saint-malo"},
    Incarcerated: {"facility": "ma-saint-malo", "status": "remand"},
    Released: {"kind": "end-of-sentence", "destination": "rennes"},
    CustodyStatusChanged: {"status": "sentenced"},
    ExpectedReleaseChanged: {"expected_release_on": date(2026, 3, 10)},
    SupportStarted: {"organisation": "ml-saint-malo", "counsellor": "c-sm-1"},
    SupportClosed: {"reason": "autonomy"},
    CounsellorAssigned: {"organisation": "ml-saint-malo", "counsellor": "c-sm-2"},
    HandedOver: {"to_organisation": "we-ker"},
    HandoverAcknowledged: {"organisation": "we-ker"},
    EnrolledInMeasure: {"measure": "mentorat"},
    CommunitySupervisionStarted: {"measure": "probation"},
    CommunitySupervisionEnded: {},
    ContactMade: {"channel": "office"},
    ProgrammeEntered: {"programme": "cej"},
    ProgrammeExited: {"programme": "cej"},
    SituationStarted: {"situation": "training"},
    SituationEnded: {"situation": "training"},
    YouthErased: {"reason": "request"},
    AlertAcknowledged: {"alert": "dry-release"},
}


def ev(cls: type[YouthEvent], on: str, **fields: Any) -> YouthEvent:
    """An event of Y on a day, with sensible defaults for its other fields."""
    data = {**DEFAULTS.get(cls, {}), **fields}
    return cls(youth=Y, occurred_on=date.fromisoformat(on), **data)


def registered(on: str = "2026-01-12", **fields: Any) -> YouthEvent:
    return ev(YouthRegistered, on, **fields)


def retraction(on: str, target: YouthEvent) -> YouthEvent:
    return ev(EventRetracted, on, event_id=target.id, reason="recorded by mistake")


def with_measure(launched: str = "2026-01-01", ended: str | None = None) -> ReferenceData:
    ref = ReferenceData()
    ref.apply(
        MeasureLaunched(
            occurred_on=date.fromisoformat(launched),
            code="mentorat",
            name="Mentorat",
            territory="saint-malo",
        )
    )
    if ended is not None:
        ref.apply(MeasureEnded(occurred_on=date.fromisoformat(ended), code="mentorat"))
    return ref


def check(
    new: Sequence[YouthEvent],
    stored: Sequence[YouthEvent] = (),
    ref: ReferenceData | None = None,
    today: date = TODAY,
) -> YouthCheck:
    stored_entries = [Entry(e, i + 1, f"stored {i + 1}") for i, e in enumerate(stored)]
    new_entries = [Entry(e, 1000 + i, f"line {i + 1}") for i, e in enumerate(new)]
    return check_youth(Y, stored_entries, new_entries, ref or ReferenceData(), today)


def accepted(
    new: Sequence[YouthEvent],
    stored: Sequence[YouthEvent] = (),
    ref: ReferenceData | None = None,
    today: date = TODAY,
) -> YouthCheck:
    result = check(new, stored, ref, today)
    assert [v.message for v in result.violations] == []
    return result


def refused(
    new: Sequence[YouthEvent],
    stored: Sequence[YouthEvent] = (),
    ref: ReferenceData | None = None,
    today: date = TODAY,
) -> str:
    """The messages of a refused batch, one per line."""
    result = check(new, stored, ref, today)
    assert result.violations, "expected the batch to be refused"
    return "\n".join(v.message for v in result.violations)


def refused_ids(new: Sequence[YouthEvent], stored: Sequence[YouthEvent] = ()) -> set[uuid.UUID]:
    return {v.event_id for v in check(new, stored).violations if v.event_id is not None}


# --- rule 1: registration first, nothing after an erasure ------------------------


def test_event_of_an_unknown_youth_is_refused() -> None:
    message = refused([ev(ContactMade, "2026-02-01")])
    assert f"{Y} is not registered" in message
    assert "record YouthRegistered first" in message


def test_every_event_of_an_unknown_youth_is_named() -> None:
    contact, custody = ev(ContactMade, "2026-02-01"), ev(Incarcerated, "2026-01-05")
    assert refused_ids([contact, custody]) == {contact.id, custody.id}


@pytest.mark.parametrize("position", [0, 1, 2])
def test_registration_may_stand_on_any_line_of_a_batch(position: int) -> None:
    others: list[YouthEvent] = [ev(Incarcerated, "2026-01-05"), ev(ContactMade, "2026-01-20")]
    others.insert(position, registered())
    accepted(others)


def test_second_registration_is_refused() -> None:
    message = refused([registered("2026-03-01")], stored=[registered()])
    assert f"{Y} is already registered" in message


def test_two_registrations_in_one_batch_are_refused() -> None:
    first, second = registered(), registered("2026-02-01")
    assert refused_ids([first, second]) == {second.id}


def test_nothing_is_recorded_after_an_erasure() -> None:
    stored = [registered(), ev(YouthErased, "2026-05-01")]
    message = refused([ev(ContactMade, "2026-02-01")], stored=stored)
    assert f"{Y} has been erased" in message


def test_events_after_an_erasure_in_the_same_batch_are_refused() -> None:
    before, erasure, after = (
        ev(ContactMade, "2026-02-01"),
        ev(YouthErased, "2026-05-01"),
        ev(ContactMade, "2026-02-02"),
    )
    assert refused_ids([registered(), before, erasure, after]) == {after.id}
    assert "comes after the erasure" in refused([registered(), before, erasure, after])


def test_events_may_be_dated_before_the_registration() -> None:
    accepted([ev(Incarcerated, "2025-12-01")], stored=[registered("2026-01-12")])


# --- rule 2: 16 to 25 on the day of registration ---------------------------------


@pytest.mark.parametrize(
    ("birth", "on"),
    [
        ("2010-01-12", "2026-01-12"),  # 16th birthday
        ("2000-01-13", "2026-01-12"),  # the last day aged 25
        ("2008-02-29", "2024-02-29"),  # born 29 February: 16 on 29 February
        ("2000-02-29", "2026-02-28"),  # born 29 February: still 25 on 28 February
    ],
)
def test_registration_at_the_edges_of_the_age_range_is_accepted(birth: str, on: str) -> None:
    accepted([registered(on, birth_date=date.fromisoformat(birth))])


@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        ("2010-01-13", "2026-01-12", 15),  # the day before the 16th birthday
        ("2000-01-12", "2026-01-12", 26),  # the 26th birthday
        ("2008-02-29", "2024-02-28", 15),
        ("2000-02-29", "2026-03-01", 26),  # born 29 February: 26 on 1 March
    ],
)
def test_registration_outside_the_age_range_is_refused(birth: str, on: str, age: int) -> None:
    message = refused([registered(on, birth_date=date.fromisoformat(birth))])
    assert f"the young person is {age} on the day of registration" in message
    assert "ages 16 to 25" in message


@pytest.mark.parametrize(
    ("birth", "day", "age"),
    [
        ("2000-02-29", "2016-02-28", 15),
        ("2000-02-29", "2016-02-29", 16),
        ("2000-02-29", "2026-02-28", 25),
        ("2000-02-29", "2026-03-01", 26),
        ("2005-02-10", "2026-02-09", 20),
        ("2005-02-10", "2026-02-10", 21),
    ],
)
def test_age_counts_full_years(birth: str, day: str, age: int) -> None:
    assert age_on(date.fromisoformat(birth), date.fromisoformat(day)) == age


# --- rule 3: no date in the future, none before the birth date --------------------


def test_event_dated_in_the_future_is_refused() -> None:
    message = refused([ev(ContactMade, "2026-11-28")], stored=[registered()])
    assert "is in the future (today is 2026-11-27)" in message


def test_event_dated_today_is_accepted() -> None:
    accepted([ev(ContactMade, "2026-11-27")], stored=[registered()])


def test_registration_dated_in_the_future_is_refused() -> None:
    assert "is in the future" in refused([registered("2026-12-01")])


def test_event_dated_before_the_birth_date_is_refused() -> None:
    message = refused([ev(ContactMade, "2005-02-09")], stored=[registered()])
    assert f"before {Y}'s birth date" in message


def test_birth_date_of_a_registration_in_the_same_batch_counts() -> None:
    message = refused([ev(ContactMade, "2005-02-09"), registered()])
    assert "birth date" in message


# --- rule 4: paired events alternate ------------------------------------------------


def test_release_without_custody_is_refused() -> None:
    message = refused([ev(Released, "2026-03-10")], stored=[registered()])
    assert "Released on 2026-03-10" in message
    assert f"{Y} has no custody open on that date" in message


def test_second_custody_while_in_custody_is_refused() -> None:
    stored = [registered(), ev(Incarcerated, "2026-01-05")]
    message = refused([ev(Incarcerated, "2026-02-01")], stored=stored)
    assert "a custody is already open since 2026-01-05" in message


def test_custody_release_custody_release_is_accepted() -> None:
    accepted(
        [
            ev(Incarcerated, "2025-06-01"),
            ev(Released, "2025-09-01"),
            ev(Incarcerated, "2026-01-05"),
            ev(Released, "2026-03-10"),
        ],
        stored=[registered()],
    )


def test_release_dated_before_its_custody_is_refused() -> None:
    stored = [registered(), ev(Incarcerated, "2026-01-05")]
    assert "no custody open" in refused([ev(Released, "2026-01-04")], stored=stored)


@pytest.mark.parametrize("release_first", [True, False])
def test_same_day_release_and_new_custody_in_either_recording_order(release_first: bool) -> None:
    release, custody = ev(Released, "2026-03-10"), ev(Incarcerated, "2026-03-10")
    batch = [release, custody] if release_first else [custody, release]
    result = accepted(batch, stored=[registered(), ev(Incarcerated, "2026-01-05")])
    ids = [e.event.id for e in result.timeline]
    assert ids.index(release.id) < ids.index(custody.id)


def test_same_day_new_custody_recorded_after_the_release() -> None:
    stored = [registered(), ev(Incarcerated, "2026-01-05"), ev(Released, "2026-03-10")]
    accepted([ev(Incarcerated, "2026-03-10")], stored=stored)


def test_forgotten_custody_ending_the_day_a_stored_one_begins_is_accepted() -> None:
    stored = [registered(), ev(Incarcerated, "2026-03-10"), ev(Released, "2026-06-01")]
    accepted([ev(Released, "2026-03-10"), ev(Incarcerated, "2026-01-05")], stored=stored)


def test_release_recorded_before_its_custody_is_accepted_in_one_batch() -> None:
    accepted([ev(Released, "2026-03-10"), ev(Incarcerated, "2026-01-05"), registered()])


def test_support_alternates() -> None:
    stored = [registered(), ev(SupportStarted, "2026-01-14")]
    message = refused([ev(SupportStarted, "2026-02-01")], stored=stored)
    assert "a support is already open since 2026-01-14" in message
    assert "no support open" in refused([ev(SupportClosed, "2026-02-01")], stored=[registered()])
    accepted([ev(SupportClosed, "2026-05-01"), ev(SupportStarted, "2026-07-01")], stored=stored)


def test_programmes_alternate_per_programme() -> None:
    stored = [registered(), ev(ProgrammeEntered, "2026-04-01", programme="cej")]
    accepted([ev(ProgrammeEntered, "2026-04-15", programme="pacea")], stored=stored)
    message = refused([ev(ProgrammeEntered, "2026-04-15", programme="cej")], stored=stored)
    assert "a programme cej is already open since 2026-04-01" in message
    message = refused([ev(ProgrammeExited, "2026-05-01", programme="pacea")], stored=stored)
    assert "has no programme pacea open" in message
    accepted([ev(ProgrammeExited, "2026-05-01", programme="cej")], stored=stored)


def test_situations_alternate_per_situation() -> None:
    stored = [registered(), ev(SituationStarted, "2026-04-01", situation="training")]
    accepted([ev(SituationStarted, "2026-04-15", situation="employment")], stored=stored)
    message = refused([ev(SituationStarted, "2026-04-15", situation="training")], stored=stored)
    assert "a situation training is already open since 2026-04-01" in message
    message = refused([ev(SituationEnded, "2026-05-01", situation="school")], stored=stored)
    assert "has no situation school open" in message


def test_community_supervision_alternates() -> None:
    stored = [registered(), ev(CommunitySupervisionStarted, "2026-04-01")]
    message = refused([ev(CommunitySupervisionStarted, "2026-05-01")], stored=stored)
    assert "a community supervision is already open since 2026-04-01" in message
    message = refused([ev(CommunitySupervisionEnded, "2026-05-01")], stored=[registered()])
    assert "has no community supervision open" in message
    accepted([ev(CommunitySupervisionEnded, "2026-05-01")], stored=stored)


def test_different_families_do_not_interfere() -> None:
    accepted(
        [
            registered(),
            ev(Incarcerated, "2026-01-05"),
            ev(SupportStarted, "2026-01-14"),
            ev(CommunitySupervisionStarted, "2026-03-10"),
            ev(Released, "2026-03-10"),
            ev(ProgrammeEntered, "2026-03-10"),
            ev(SituationStarted, "2026-03-10"),
        ]
    )


def test_supervision_end_before_its_start_is_refused() -> None:
    message = refused(
        [ev(CommunitySupervisionStarted, "2026-04-01", ends_on=date(2026, 3, 1))],
        stored=[registered()],
    )
    assert "ends_on 2026-03-01 is before the supervision starts (2026-04-01)" in message


def test_expected_release_before_the_custody_begins_is_refused() -> None:
    message = refused(
        [ev(Incarcerated, "2026-01-05", expected_release_on=date(2026, 1, 1))],
        stored=[registered()],
    )
    assert "expected_release_on 2026-01-01 is before the custody begins" in message


# --- rule 5: steps that depend on others --------------------------------------------


@pytest.mark.parametrize("cls", [ExpectedReleaseChanged, CustodyStatusChanged])
def test_custody_change_outside_a_custody_is_refused(cls: type[YouthEvent]) -> None:
    message = refused([ev(cls, "2026-02-01")], stored=[registered()])
    assert f"{Y} is not in custody on that date" in message


@pytest.mark.parametrize("cls", [ExpectedReleaseChanged, CustodyStatusChanged])
def test_custody_change_after_the_release_is_refused(cls: type[YouthEvent]) -> None:
    stored = [registered(), ev(Incarcerated, "2026-01-05"), ev(Released, "2026-03-10")]
    assert "is not in custody on that date" in refused([ev(cls, "2026-03-11")], stored=stored)
    assert "is not in custody" in refused([ev(cls, "2026-01-04")], stored=stored)


@pytest.mark.parametrize("cls", [ExpectedReleaseChanged, CustodyStatusChanged])
def test_custody_change_within_a_custody_is_accepted(cls: type[YouthEvent]) -> None:
    stored = [registered(), ev(Incarcerated, "2026-01-05")]
    accepted([ev(cls, "2026-02-25")], stored=stored)
    accepted([ev(cls, "2026-01-05")], stored=stored)


def test_custody_change_recorded_before_its_custody_in_a_batch_is_accepted() -> None:
    accepted(
        [ev(ExpectedReleaseChanged, "2026-02-25"), ev(Incarcerated, "2026-01-05")],
        stored=[registered()],
    )


def test_new_expected_release_before_the_custody_began_is_refused() -> None:
    stored = [registered(), ev(Incarcerated, "2026-01-05")]
    message = refused(
        [ev(ExpectedReleaseChanged, "2026-02-25", expected_release_on=date(2026, 1, 1))],
        stored=stored,
    )
    assert "the expected release 2026-01-01 is before the custody began (2026-01-05)" in message


def test_enrolment_in_a_launched_measure_is_accepted_from_its_launch_day() -> None:
    ref = with_measure("2026-01-01", "2026-06-30")
    accepted([ev(EnrolledInMeasure, "2026-01-01")], stored=[registered()], ref=ref)
    accepted([ev(EnrolledInMeasure, "2026-06-29")], stored=[registered()], ref=ref)


def test_enrolment_before_the_launch_is_refused() -> None:
    message = refused(
        [ev(EnrolledInMeasure, "2025-12-31")], stored=[registered()], ref=with_measure()
    )
    assert "measure 'mentorat' was launched on 2026-01-01: no enrolment on 2025-12-31" in message


def test_enrolment_on_the_end_date_is_refused() -> None:
    message = refused(
        [ev(EnrolledInMeasure, "2026-06-30")],
        stored=[registered()],
        ref=with_measure("2026-01-01", "2026-06-30"),
    )
    assert "launched on 2026-01-01 and ended on 2026-06-30: no enrolment on 2026-06-30" in message


def test_enrolment_in_an_unknown_measure_lists_the_launched_ones() -> None:
    message = refused(
        [ev(EnrolledInMeasure, "2026-02-01", measure="tutorat")],
        stored=[registered()],
        ref=with_measure(),
    )
    assert "measure: 'tutorat' is not a known code (valid: mentorat)" in message


def test_enrolment_when_no_measure_is_launched_says_so() -> None:
    message = refused([ev(EnrolledInMeasure, "2026-02-01")], stored=[registered()])
    assert "(no measure launched yet)" in message


def test_acknowledgement_without_a_handover_is_refused() -> None:
    message = refused([ev(HandoverAcknowledged, "2026-03-13")], stored=[registered()])
    assert "no handover to we-ker is waiting for acknowledgement on that date" in message


def test_acknowledgement_by_another_organisation_is_refused() -> None:
    stored = [registered(), ev(HandedOver, "2026-03-11", to_organisation="we-ker")]
    message = refused(
        [ev(HandoverAcknowledged, "2026-03-13", organisation="ml-fougeres")], stored=stored
    )
    assert "no handover to ml-fougeres is waiting" in message


def test_acknowledgement_before_the_handover_is_refused() -> None:
    stored = [registered(), ev(HandedOver, "2026-03-11")]
    assert "no handover to we-ker" in refused([ev(HandoverAcknowledged, "2026-03-10")], stored)


def test_a_handover_is_acknowledged_once() -> None:
    stored = [registered(), ev(HandedOver, "2026-03-11"), ev(HandoverAcknowledged, "2026-03-13")]
    assert "no handover to we-ker" in refused([ev(HandoverAcknowledged, "2026-03-14")], stored)
    accepted([ev(HandedOver, "2026-05-01"), ev(HandoverAcknowledged, "2026-05-02")], stored)


@pytest.mark.parametrize("handover_first", [True, False])
def test_same_day_handover_and_acknowledgement_in_either_order(handover_first: bool) -> None:
    handover, ack = ev(HandedOver, "2026-03-11"), ev(HandoverAcknowledged, "2026-03-11")
    accepted([handover, ack] if handover_first else [ack, handover], stored=[registered()])


def test_acknowledgement_recorded_after_a_same_day_handover_is_accepted() -> None:
    accepted(
        [ev(HandoverAcknowledged, "2026-03-11")],
        stored=[registered(), ev(HandedOver, "2026-03-11")],
    )


@pytest.mark.parametrize(
    ("cls", "field"),
    [
        (SupportStarted, "organisation"),
        (CounsellorAssigned, "organisation"),
        (HandoverAcknowledged, "organisation"),
        (HandedOver, "to_organisation"),
    ],
)
def test_the_probation_service_cannot_give_the_support(cls: type[YouthEvent], field: str) -> None:
    message = refused([ev(cls, "2026-02-01", **{field: "spip-35"})], stored=[registered()])
    assert f"{field}: 'spip-35' is not a Mission Locale and cannot give the support" in message
    assert "valid: ml-broceliande, ml-fougeres" in message
    assert "we-ker" in message


def test_the_probation_service_may_meet_the_youth() -> None:
    accepted([ev(ContactMade, "2026-02-01", organisation="spip-35")], stored=[registered()])


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (
            ev(Released, "2026-03-10", destination="paris"),
            "destination: 'paris' is not a known code (valid: broceliande, fougeres,",
        ),
        (
            ev(Incarcerated, "2026-01-05", facility="fleury"),
            "facility: 'fleury' is not a known code "
            "(valid: cp-rennes-vezin, cp-femmes-rennes, ma-saint-malo, other)",
        ),
        (
            ev(SupportStarted, "2026-01-14", organisation="ml-paris"),
            "organisation: 'ml-paris' is not a known code (valid: ml-broceliande,",
        ),
        (
            ev(ContactMade, "2026-01-14", organisation="ml-paris"),
            "organisation: 'ml-paris' is not a known code (valid: ml-broceliande,",
        ),
    ],
    ids=["destination", "facility", "support-organisation", "contact-organisation"],
)
def test_unknown_codes_list_the_valid_ones(event: YouthEvent, expected: str) -> None:
    custody = [ev(Incarcerated, "2026-01-05")] if isinstance(event, Released) else []
    assert expected in refused([event], stored=[registered(), *custody])


def test_unknown_residence_lists_the_territories() -> None:
    message = refused([registered(residence="paris")])
    assert "residence: 'paris' is not a known code" in message
    assert "outside-35" in message
    assert "vallons-de-vilaine" in message


# --- rule 6: retractions -------------------------------------------------------------


def test_retracting_the_registration_is_refused() -> None:
    registration = registered()
    message = refused([retraction("2026-02-01", registration)], stored=[registration])
    assert "YouthRegistered events cannot be retracted" in message


def test_retracting_a_retraction_is_refused() -> None:
    contact = ev(ContactMade, "2026-02-01")
    first = retraction("2026-02-02", contact)
    message = refused([retraction("2026-02-03", first)], stored=[registered(), contact, first])
    assert "EventRetracted events cannot be retracted" in message


def test_retracting_an_already_retracted_event_is_refused() -> None:
    contact = ev(ContactMade, "2026-02-01")
    stored = [registered(), contact, retraction("2026-02-02", contact)]
    message = refused([retraction("2026-02-03", contact)], stored=stored)
    assert f"event {contact.id} is already retracted" in message


def test_retracting_one_event_twice_in_a_batch_is_refused() -> None:
    contact = ev(ContactMade, "2026-02-01")
    message = refused(
        [retraction("2026-02-02", contact), retraction("2026-02-03", contact)],
        stored=[registered(), contact],
    )
    assert "is already retracted" in message


def test_retracting_an_unknown_event_is_refused() -> None:
    ghost = ev(ContactMade, "2026-02-01")
    message = refused([retraction("2026-02-02", ghost)], stored=[registered()])
    assert f"no event {ghost.id} of {Y}" in message


def test_retraction_that_would_leave_a_release_orphan_is_refused() -> None:
    custody, release = ev(Incarcerated, "2026-01-05"), ev(Released, "2026-03-10")
    result = check([retraction("2026-04-01", custody)], stored=[registered(), custody, release])
    messages = {v.event_id: v.message for v in result.violations}
    assert release.id in messages
    assert "Released on 2026-03-10" in messages[release.id]
    assert "has no custody open on that date" in messages[release.id]


def test_retraction_that_would_leave_a_custody_change_outside_custody_is_refused() -> None:
    custody, change = ev(Incarcerated, "2026-01-05"), ev(ExpectedReleaseChanged, "2026-02-25")
    result = check([retraction("2026-04-01", custody)], stored=[registered(), custody, change])
    messages = {v.event_id: v.message for v in result.violations}
    assert "is not in custody on that date" in messages[change.id]


def test_retraction_that_would_leave_an_acknowledgement_orphan_is_refused() -> None:
    handover, ack = ev(HandedOver, "2026-03-11"), ev(HandoverAcknowledged, "2026-03-13")
    result = check([retraction("2026-04-01", handover)], stored=[registered(), handover, ack])
    messages = {v.event_id: v.message for v in result.violations}
    assert "no handover to we-ker is waiting" in messages[ack.id]


def test_retracting_a_release_reopens_the_custody() -> None:
    custody, release = ev(Incarcerated, "2026-01-05"), ev(Released, "2026-03-10")
    result = accepted([retraction("2026-04-01", release)], stored=[registered(), custody, release])
    assert release.id not in {e.event.id for e in result.timeline}


def test_retraction_and_corrected_event_in_one_step_is_accepted() -> None:
    custody, release = ev(Incarcerated, "2026-01-05"), ev(Released, "2026-03-10")
    corrected = ev(Released, "2026-03-12")
    result = accepted(
        [retraction("2026-04-01", release), corrected], stored=[registered(), custody, release]
    )
    ids = [e.event.id for e in result.timeline]
    assert corrected.id in ids
    assert release.id not in ids


def test_retracted_events_no_longer_count_for_the_pairs() -> None:
    custody = ev(Incarcerated, "2026-01-05")
    stored = [registered(), custody, retraction("2026-01-06", custody)]
    accepted([ev(Incarcerated, "2026-02-01")], stored=stored)


def test_retractions_and_erasures_are_left_out_of_the_timeline() -> None:
    contact = ev(ContactMade, "2026-02-01")
    result = accepted([registered(), contact, retraction("2026-02-02", contact)])
    assert [type(e.event) for e in result.timeline] == [YouthRegistered]


# --- pilot measures ---------------------------------------------------------------


def launched(on: str = "2026-01-01", code: str = "mentorat", territory: str = "saint-malo") -> Any:
    return MeasureLaunched(
        occurred_on=date.fromisoformat(on), code=code, name="Mentorat", territory=territory
    )


def test_launching_a_measure_is_accepted() -> None:
    assert check_registry_event(launched(), ReferenceData(), TODAY) == []


def test_launching_a_measure_twice_is_refused() -> None:
    problems = check_registry_event(launched("2026-02-01"), with_measure(), TODAY)
    assert problems == ["MeasureLaunched on 2026-02-01: measure 'mentorat' is already launched"]


def test_measure_on_an_unknown_territory_is_refused() -> None:
    (problem,) = check_registry_event(launched(territory="paris"), ReferenceData(), TODAY)
    assert "territory 'paris' is not a known code (valid: broceliande," in problem


def test_measure_launched_in_the_future_is_refused() -> None:
    (problem,) = check_registry_event(launched("2026-12-01"), ReferenceData(), TODAY)
    assert "occurred_on is in the future (today is 2026-11-27)" in problem


def test_ending_an_unknown_measure_is_refused() -> None:
    end = MeasureEnded(occurred_on=date(2026, 6, 30), code="tutorat")
    (problem,) = check_registry_event(end, with_measure(), TODAY)
    assert "measure 'tutorat' is not a known code (valid: mentorat)" in problem
    (problem,) = check_registry_event(end, ReferenceData(), TODAY)
    assert "(no measure launched yet)" in problem


def test_ending_a_measure_twice_is_refused() -> None:
    end = MeasureEnded(occurred_on=date(2026, 7, 30), code="mentorat")
    (problem,) = check_registry_event(end, with_measure("2026-01-01", "2026-06-30"), TODAY)
    assert "measure 'mentorat' already ended on 2026-06-30" in problem


def test_ending_a_measure_before_its_launch_is_refused() -> None:
    end = MeasureEnded(occurred_on=date(2025, 12, 1), code="mentorat")
    (problem,) = check_registry_event(end, with_measure("2026-01-01"), TODAY)
    assert "was launched on 2026-01-01, after that date" in problem


def test_ending_a_measure_is_accepted() -> None:
    end = MeasureEnded(occurred_on=date(2026, 6, 30), code="mentorat")
    assert check_registry_event(end, with_measure(), TODAY) == []


# --- settings (kept in the registry, so that replays use the settings of their time) ---------


def setting(name: str, value: str) -> Any:
    return SettingChanged(occurred_on=date(2026, 1, 1), name=name, value=value)


def test_changing_a_threshold_is_accepted() -> None:
    assert check_registry_event(setting("contact-lost.days", "45"), ReferenceData(), TODAY) == []


def test_an_unknown_setting_lists_the_valid_ones() -> None:
    (problem,) = check_registry_event(setting("contact.days", "45"), ReferenceData(), TODAY)
    assert "unknown setting 'contact.days'" in problem
    assert "contact-lost.days" in problem


def test_a_threshold_is_a_whole_number_of_days() -> None:
    (problem,) = check_registry_event(setting("contact-lost.days", "soon"), ReferenceData(), TODAY)
    assert "expected a whole number of days" in problem


@pytest.mark.parametrize("value", ["0", "3651", "999999999", "²", "1e3"])
def test_a_threshold_stays_within_ten_years(value: str) -> None:
    (problem,) = check_registry_event(setting("ageing-out.days", value), ReferenceData(), TODAY)
    assert "from 1 to 3650" in problem


def test_small_counts_stay_suppressed() -> None:
    (problem,) = check_registry_event(setting("suppression.min-n", "3"), ReferenceData(), TODAY)
    assert "suppressed below 5" in problem


# --- implausible input: dates before the floor, far expected releases, unsafe text ----------


def floored(floor: str) -> ReferenceData:
    ref = ReferenceData()
    ref.apply(setting("dates.floor", floor))
    return ref


def test_an_event_dated_before_the_floor_is_refused_naming_the_setting() -> None:
    message = refused([registered("0001-01-12", birth_date=date(1, 1, 1))])
    assert (
        f"YouthRegistered on 0001-01-12 for {Y}: occurred_on 0001-01-12 is before 2000-01-01,"
        " the earliest date this store accepts (setting dates.floor)"
    ) in message


@pytest.mark.parametrize(
    ("cls", "field", "fields"),
    [
        (Incarcerated, "expected_release_on", {}),
        (ExpectedReleaseChanged, "expected_release_on", {}),
        (CommunitySupervisionStarted, "ends_on", {}),
        (
            ReleasePlanValidated,
            "first_appointment_on",
            {"housing": True, "income": True, "id_document": True, "health_cover": True},
        ),
    ],
)
def test_every_date_field_has_the_floor(
    cls: type[YouthEvent], field: str, fields: dict[str, Any]
) -> None:
    event = ev(cls, "2026-02-01", **{field: date(1999, 12, 31)}, **fields)
    message = refused([registered(), event])
    assert f"{field} 1999-12-31 is before 2000-01-01" in message


def test_a_birth_date_before_the_floor_is_accepted() -> None:
    """A 25-year-old registered in 2020 was born before 2000: the age rule bounds it."""
    accepted([registered("2020-01-12", birth_date=date(1995, 6, 1))])


def test_the_floor_is_a_store_setting() -> None:
    event = registered("1998-01-12", birth_date=date(1980, 6, 1))
    assert "is before 2000-01-01" in refused([event])
    message = refused([event], ref=floored("1999-01-01"))
    assert "occurred_on 1998-01-12 is before 1999-01-01" in message
    accepted([event], ref=floored("1990-01-01"))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2001-01-01", None),
        ("1900-01-01", None),
        ("1899-12-31", "must be on or after 1900-01-01"),
        ("2026-11-28", "must not be after today (2026-11-27)"),
        ("01/01/2000", "expected a date (YYYY-MM-DD)"),
        ("2000-02-30", "expected a date (YYYY-MM-DD)"),
    ],
)
def test_the_floor_setting_is_a_date(value: str, expected: str | None) -> None:
    problems = check_registry_event(setting("dates.floor", value), ReferenceData(), TODAY)
    if expected is None:
        assert problems == []
    else:
        (problem,) = problems
        assert f"dates.floor = {value}: {expected}" in problem


def test_an_unknown_setting_lists_the_date_settings_too() -> None:
    (problem,) = check_registry_event(setting("dates.flor", "2001-01-01"), ReferenceData(), TODAY)
    assert "dates.floor" in problem


def test_a_registry_event_before_the_floor_is_refused() -> None:
    (problem,) = check_registry_event(launched("1999-06-01"), ReferenceData(), TODAY)
    assert problem == (
        "MeasureLaunched on 1999-06-01: occurred_on 1999-06-01 is before 2000-01-01,"
        " the earliest date this store accepts (setting dates.floor)"
    )


def test_an_expected_release_more_than_30_years_after_the_custody_is_refused() -> None:
    far = ev(Incarcerated, "2026-01-05", expected_release_on=date(9999, 1, 1))
    assert (
        "expected_release_on 9999-01-01 is more than 30 years after the custody begins (2026-01-05)"
    ) in refused([registered(), far])
    accepted([registered(), ev(Incarcerated, "2026-01-05", expected_release_on=date(2056, 1, 5))])


def test_a_new_expected_release_more_than_30_years_after_the_custody_is_refused() -> None:
    start = ev(Incarcerated, "2026-01-05")
    change = ev(ExpectedReleaseChanged, "2026-02-01", expected_release_on=date(2056, 1, 6))
    assert (
        "the expected release 2056-01-06 is more than 30 years after the custody began (2026-01-05)"
    ) in refused([registered(), start, change])


def test_years_after_a_29_february() -> None:
    assert years_after(date(2024, 2, 29), 30) == date(2054, 2, 28)
    assert years_after(date(9990, 1, 1), 30) == date.max


@pytest.mark.parametrize(
    ("char", "code"),
    [
        ("\u202e", "U+202E (RIGHT-TO-LEFT OVERRIDE)"),
        ("\u2066", "U+2066 (LEFT-TO-RIGHT ISOLATE)"),
        ("\u200f", "U+200F (RIGHT-TO-LEFT MARK)"),
        ("\u061c", "U+061C (ARABIC LETTER MARK)"),
        ("\n", "U+000A (LINE FEED, a new line)"),
        ("\x07", "U+0007 (a control character)"),
        ("\x85", "U+0085 (a control character)"),
    ],
)
def test_a_name_with_a_control_or_bidirectional_character_is_refused(char: str, code: str) -> None:
    message = refused([registered(name=f"Camille{char}Martin")])
    assert f"name holds the character {code}, which no text of an event may hold" in message
    assert "Camille" not in message


@pytest.mark.parametrize(
    "event",
    [
        ev(AlertAcknowledged, "2026-02-01", note="vu \u202eSPIP"),
        ev(EventRetracted, "2026-02-01", event_id=uuid.uuid4(), reason="erreur\u202e"),
    ],
    ids=["note", "reason"],
)
def test_every_text_field_refuses_unsafe_characters(event: YouthEvent) -> None:
    field = "note" if isinstance(event, AlertAcknowledged) else "reason"
    message = refused([registered(), event])
    assert f"{field} holds the character U+202E (RIGHT-TO-LEFT OVERRIDE)" in message


def test_a_measure_name_with_an_unsafe_character_is_refused() -> None:
    measure = MeasureLaunched(
        occurred_on=date(2026, 1, 1), code="mentorat", name="Ment\u202eorat", territory="rennes"
    )
    (problem,) = check_registry_event(measure, ReferenceData(), TODAY)
    assert "name holds the character U+202E (RIGHT-TO-LEFT OVERRIDE)" in problem


def test_accented_and_other_scripts_are_accepted() -> None:
    accepted([registered(name="Anaïs Nguyễn-Łukasz محمد")])


# --- acknowledgements: the alert must be open on that date (every channel) ---------------


def supported() -> list[YouthEvent]:
    return [
        registered(),
        ev(SupportStarted, "2026-01-14", organisation="ml-saint-malo", counsellor="c-sm-1"),
    ]


def test_an_open_alert_can_be_acknowledged() -> None:
    from pathways.domain.rules import open_alerts

    life = supported()
    timeline = [Entry(e, i + 1) for i, e in enumerate(life)]
    assert "contact-lost" in open_alerts(Y, timeline, date(2026, 4, 2), ReferenceData(), BIRTH)
    accepted([ev(AlertAcknowledged, "2026-04-02", alert="contact-lost")], life)


def test_an_alert_that_is_not_open_cannot_be_acknowledged() -> None:
    life = supported()
    message = refused([ev(AlertAcknowledged, "2026-04-02", alert="dry-release")], life)
    assert message == f"{Y} has no open 'dry-release' alert on 2026-04-02 (open: contact-lost)"
    early = refused([ev(AlertAcknowledged, "2026-01-20", alert="contact-lost")], life)
    assert early == f"{Y} has no open 'contact-lost' alert on 2026-01-20 (open: none)"


def test_an_acknowledged_alert_cannot_be_acknowledged_again() -> None:
    first = ev(AlertAcknowledged, "2026-04-02", alert="contact-lost")
    again = ev(AlertAcknowledged, "2026-04-03", alert="contact-lost")
    assert "no open 'contact-lost' alert on 2026-04-03" in refused([again], [*supported(), first])
    # in one batch, the first is checked without the second, the second after the first
    assert "2026-04-03" in refused([first, again], supported())
    assert "2026-04-02" not in refused([first, again], supported())


def test_a_measure_ends_after_its_standing_enrolments_only() -> None:
    from pathways.domain.rules import Enrolment, check_measure_ends

    one, two = uuid.uuid4(), uuid.uuid4()
    enrolments = [
        Enrolment(one, "mentorat", date(2026, 7, 1), "Y-1"),
        Enrolment(two, "mentorat", date(2026, 8, 1), "Y-2"),
        Enrolment(uuid.uuid4(), "tutorat", date(2026, 9, 1), "Y-3"),
    ]
    end = MeasureEnded(occurred_on=date(2026, 7, 1), code="mentorat")
    (found,) = check_measure_ends(enrolments, set(), [end])
    assert found.event_id == end.id
    assert found.message == (
        "MeasureEnded on 2026-07-01 for 'mentorat', but Y-1 is enrolled in it on 2026-07-01"
        " (2 enrolment(s) on or after that date)"
    )
    assert check_measure_ends(enrolments, {one, two}, [end]) == []
    later = MeasureEnded(occurred_on=date(2026, 8, 2), code="mentorat")
    assert check_measure_ends(enrolments, set(), [later]) == []
