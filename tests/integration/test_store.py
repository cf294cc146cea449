"""The store and the write side on real databases (a SQLite file, a PostgreSQL schema).

Most tests run three times through the `db_url` fixture of conftest.py: in memory,
on SQLite and on PostgreSQL (marked `postgres`): the contract of every backend.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pathways.crypto
from pathways.application import Pathways
from pathways.application import imports as imports_module
from pathways.domain.errors import MasterKeyError, PathwaysError, RulesBroken
from pathways.domain.events import (
    EVENT_TYPES,
    AccessGranted,
    AccessRevoked,
    AlertAcknowledged,
    AppointmentMissed,
    CareReferralMade,
    CommunitySupervisionEnded,
    CommunitySupervisionStarted,
    ContactLost,
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
    ProgrammeEntered,
    ProgrammeExited,
    ProjectDrafted,
    ReferralReceived,
    Released,
    ReleasePlanValidated,
    RightObtained,
    SettingChanged,
    SituationEnded,
    SituationStarted,
    SupportClosed,
    SupportStarted,
    UserAdded,
    UserDisabled,
    UserEnabled,
    YouthErased,
    YouthEvent,
    YouthRegistered,
)
from pathways.domain.reference import ReferenceData
from pathways.domain.rules import check_youth
from pathways.domain.time import KnownAt
from pathways.domain.timeline import Entry
from pathways.interchange import to_dict
from pathways.store import Write, open_store

ACTOR = "c-sm-1"
Y = "Y-2026-0042"
BIRTH = date(2004, 7, 19)
NAME = "Camille Le Goff-Abalain"
RETRACTION_REASON = "Rendez-vous saisi pour un homonyme"
NOTE = "Plan de sortie en cours avec la CPIP de Saint-Malo"


def d(text: str) -> date:
    return date.fromisoformat(text)


def full_pathway(youth: str = Y) -> list[Event]:
    """A valid pathway holding one event of every type of the catalogue."""

    def y(cls: type[YouthEvent], on: str, **fields: Any) -> YouthEvent:
        return cls(youth=youth, occurred_on=d(on), **fields)

    missed = y(AppointmentMissed, "2026-04-02")
    grant = y(
        AccessGranted, "2026-03-12", user="c-wk-1", until=datetime(2026, 3, 13, tzinfo=UTC),
        reason="on call",
    )  # fmt: skip
    return [
        MeasureLaunched(
            occurred_on=d("2025-09-01"), code="mentorat-sm", name="Mentorat", territory="saint-malo"
        ),
        MeasureLaunched(
            occurred_on=d("2025-06-01"), code="atelier-cv", name="Atelier CV", territory="rennes"
        ),
        MeasureEnded(occurred_on=d("2026-06-30"), code="atelier-cv"),
        SettingChanged(occurred_on=d("2025-01-06"), name="contact-lost.days", value="45"),
        UserAdded(
            occurred_on=d("2025-01-06"), user="c-wk-1", organisation="we-ker", role="counsellor"
        ),
        UserDisabled(occurred_on=d("2025-02-01"), user="c-wk-1"),
        UserEnabled(occurred_on=d("2025-03-01"), user="c-wk-1"),
        y(
            Incarcerated,
            "2026-01-05",
            facility="ma-saint-malo",
            status="remand",
            expected_release_on=d("2026-03-20"),
        ),
        y(
            YouthRegistered,
            "2026-01-12",
            birth_date=BIRTH,
            residence="saint-malo",
            sex="female",
            name=NAME,
        ),
        y(ReferralReceived, "2026-01-12", source="spip", custody="closed"),
        y(SupportStarted, "2026-01-14", organisation="ml-saint-malo", counsellor="c-sm-1"),
        y(ContactMade, "2026-01-15", channel="in-prison", organisation="ml-saint-malo"),
        y(EnrolledInMeasure, "2026-01-20", measure="mentorat-sm"),
        y(CustodyStatusChanged, "2026-02-01", status="sentenced", sentence_band="under-6-months"),
        y(ExpectedReleaseChanged, "2026-02-25", expected_release_on=d("2026-03-10")),
        y(ProjectDrafted, "2026-02-26", target="training"),
        y(RightObtained, "2026-02-27", right="id-document"),
        y(CareReferralMade, "2026-02-28", service="csapa"),
        y(
            ReleasePlanValidated,
            "2026-03-01",
            housing=True,
            income=False,
            id_document=True,
            health_cover=True,
            first_appointment_on=d("2026-03-12"),
        ),
        y(AlertAcknowledged, "2026-03-02", alert="contact-lost", note=NOTE),
        y(Released, "2026-03-10", kind="conditional-release", destination="rennes"),
        y(CommunitySupervisionStarted, "2026-03-10", measure="probation", ends_on=d("2027-03-10")),
        y(HandedOver, "2026-03-11", to_organisation="we-ker", to_counsellor="c-rn-2"),
        y(HandoverAcknowledged, "2026-03-13", organisation="we-ker"),
        grant,
        y(AccessRevoked, "2026-03-12", grant=grant.id),
        y(CounsellorAssigned, "2026-03-20", organisation="we-ker", counsellor="c-rn-3"),
        missed,
        y(ContactMade, "2026-04-09", channel="office"),
        y(ProgrammeEntered, "2026-04-15", programme="cej"),
        y(SituationStarted, "2026-05-04", situation="training"),
        y(SituationEnded, "2026-07-31", situation="training"),
        y(ProgrammeExited, "2026-08-15", programme="cej", reason="completed"),
        y(ContactLost, "2026-09-01", attempts=3),
        y(CommunitySupervisionEnded, "2026-09-10", reason="completed"),
        y(SupportClosed, "2026-10-01", reason="lost-contact"),
        y(EventRetracted, "2026-10-02", event_id=missed.id, reason=RETRACTION_REASON),
        y(YouthErased, "2026-11-20", reason="request"),
    ]


def lines_of(events: Sequence[Event]) -> list[str]:
    return [json.dumps(to_dict(e)) for e in events]


def y_line(cls: type[YouthEvent], on: str, youth: str = Y, **fields: Any) -> str:
    return json.dumps(to_dict(cls(youth=youth, occurred_on=d(on), **fields)))


def registration(youth: str = Y, **fields: Any) -> YouthRegistered:
    data = {"birth_date": BIRTH, "residence": "saint-malo", **fields}
    return YouthRegistered(youth=youth, occurred_on=d("2026-01-12"), **data)


def custody(on: str = "2026-01-05", **fields: Any) -> Incarcerated:
    data = {"facility": "ma-saint-malo", "status": "remand", **fields}
    return Incarcerated(youth=Y, occurred_on=d(on), **data)


def release(on: str = "2026-03-10", **fields: Any) -> Released:
    data = {"kind": "end-of-sentence", "destination": "rennes", **fields}
    return Released(youth=Y, occurred_on=d(on), **data)


def contact(on: str = "2026-02-01", youth: str = Y) -> ContactMade:
    return ContactMade(youth=youth, occurred_on=d(on), channel="office")


def all_stored(app: Pathways) -> dict[uuid.UUID, Event]:
    return {r.event.id: r.event for r in app.store.iter_log()}


def timeline_violations(app: Pathways, youth: str = Y) -> list[str]:
    stored = [
        Entry(r.event, r.position)
        for r in app.store.load(app.store.stream_id(youth))
        if isinstance(r.event, YouthEvent)
    ]
    check = check_youth(youth, stored, [], app.reference(), app.today())
    return [v.message for v in check.violations]


# --- round-trips ----------------------------------------------------------------------


def test_every_event_type_round_trips_through_the_store(
    store_app: Pathways, count_events: Callable[[Pathways], int]
) -> None:
    events = full_pathway()
    assert {e.type_name() for e in events} == set(EVENT_TYPES)
    receipt = store_app.import_lines(lines_of(events), ACTOR)
    assert receipt.stored == len(events) == count_events(store_app)
    stored = all_stored(store_app)
    # The pathway ends with an erasure: its personal fields are gone (crypto-shredding),
    # everything else comes back unchanged.
    for event in events:
        erased = dict.fromkeys(type(event).personal_fields())
        assert stored[event.id] == event.model_copy(update=erased), event.type_name()
    before_erasure = full_pathway(youth="Y-2026-0099")[:-1]
    store_app.import_lines(lines_of(before_erasure[7:]), ACTOR)
    stored = all_stored(store_app)
    for event in before_erasure[7:]:
        assert stored[event.id] == event, event.type_name()
    registered = next(e for e in before_erasure if isinstance(e, YouthRegistered))
    registered = stored[registered.id]
    assert isinstance(registered, YouthRegistered)
    assert (registered.birth_date, registered.name) == (BIRTH, NAME)


def test_the_log_keeps_the_order_of_the_file(store_app: Pathways) -> None:
    events = full_pathway()
    receipt = store_app.import_lines(lines_of(events), ACTOR)
    logged = list(store_app.store.iter_log())
    assert [r.event.id for r in logged] == [e.id for e in events]
    assert [r.position for r in logged] == receipt.positions == sorted(receipt.positions)


def test_the_recorder_and_the_acting_user_are_both_kept(store_app: Pathways) -> None:
    event = registration(recorded_by="spip-agent-7")
    store_app.record(event, "importer")
    (recorded,) = store_app.store.load(store_app.store.stream_id(Y))
    assert recorded.event.recorded_by == "spip-agent-7"
    assert recorded.actor == "importer"
    assert recorded.recorded_at.tzinfo is not None


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_event_round_trips_through_the_store_unchanged(
    data: st.DataObject,
    store_app: Pathways,
    event_strategies: Callable[[type[Event]], st.SearchStrategy[Event]],
) -> None:
    """Hypothesis (a): the stored form loses nothing, personal fields included.

    (An erasure destroys the key: it has its own round-trip test above.)"""
    kept = (c for c in EVENT_TYPES.values() if c is not YouthErased)
    cls = data.draw(st.sampled_from(sorted(kept, key=lambda c: c.__name__)))
    event = data.draw(event_strategies(cls)).model_copy(update={"id": uuid.uuid4()})
    store = store_app.store
    youth = event.youth if isinstance(event, YouthEvent) else None
    stream = store.stream_id(youth)
    version = len(store.load(stream))
    first = data.draw(event_strategies(YouthRegistered)).model_copy(
        update={"id": uuid.uuid4(), "youth": youth or "Y-1"}
    )
    writes = []
    if youth is not None and version == 0:  # a youth's data key comes with the registration
        version += 1
        writes.append(Write(stream, version, first))
    writes.append(Write(stream, version + 1, event))
    store.append(writes, ACTOR)
    loaded = {r.event.id: r.event for r in store.load(stream)}
    assert loaded[event.id] == event
    assert all(loaded[w.event.id] == w.event for w in writes)


# --- personal data at rest -------------------------------------------------------------

PERSONAL_VALUES = [BIRTH.isoformat(), NAME, RETRACTION_REASON, NOTE]


def test_personal_fields_are_not_in_clear_in_the_sqlite_file(app: Pathways, tmp_path: Path) -> None:
    app.import_lines(lines_of(full_pathway()), ACTOR)

    def raw_files() -> bytes:  # the database and its write-ahead log
        return b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("s."))

    raw = raw_files()
    app.store.close()  # checkpoints the log into the database file
    raw += raw_files()
    assert b"ma-saint-malo" in raw  # non-personal facts are in clear
    assert str(BIRTH.year).encode() in raw  # the birth year stays in clear
    for value in PERSONAL_VALUES:
        assert value.encode() not in raw, value
        assert json.dumps(value).encode() not in raw, value


def test_personal_fields_are_not_in_clear_in_the_stored_rows(store_app: Pathways) -> None:
    store_app.import_lines(lines_of(full_pathway()), ACTOR)
    store = store_app.store
    rows = store.backend.rows(f"SELECT state FROM {store.backend.events_table}")
    blobs = b"\n".join(bytes(row["state"]) for row in rows)
    assert b"conditional-release" in blobs
    for value in PERSONAL_VALUES:
        assert value.encode() not in blobs, value
    registered = next(
        json.loads(bytes(row["state"])) for row in rows if b'"birth_year"' in bytes(row["state"])
    )
    assert registered["birth_year"] == BIRTH.year
    assert "birth_date" not in registered
    assert "name" not in registered


def test_a_wrong_master_key_is_refused_and_nothing_is_written(
    db_url: str, master_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(db_url, create=True)
    Pathways(store, today=lambda: date(2026, 11, 27)).record(registration(name=NAME), ACTOR)
    before = store.count_events()
    store.close()

    monkeypatch.setenv("PATHWAYS_MASTER_KEY", pathways.crypto.new_master_key())
    with pytest.raises(MasterKeyError) as caught:
        open_store(db_url)
    assert "the master key does not open the store" in str(caught.value)
    assert "created with another key" in str(caught.value)

    monkeypatch.setenv("PATHWAYS_MASTER_KEY", master_key)
    store = open_store(db_url)
    try:
        assert store.count_events() == before
        (recorded,) = store.load(store.stream_id(Y))
        assert isinstance(recorded.event, YouthRegistered)
        assert recorded.event.name == NAME
    finally:
        store.close()


# --- bad input: a clear error, nothing written -------------------------------------------

GOOD_FIRST_LINE = y_line(ContactMade, "2026-02-01", channel="phone")


def _stored_custody(app: Pathways) -> Incarcerated:
    recorded = [
        r.event for r in app.store.load(app.store.stream_id(Y)) if isinstance(r.event, Incarcerated)
    ]
    event = recorded[0]
    assert isinstance(event, Incarcerated)
    return event


BAD_LINES: dict[str, tuple[Callable[[Pathways], str], str]] = {
    "malformed-json": (lambda _: '{"type": "ContactMade", "youth": ', "line 2: not valid JSON"),
    "unknown-type": (
        lambda _: json.dumps({"type": "Escaped", "youth": Y, "occurred_on": "2026-02-02"}),
        "line 2: unknown event type 'Escaped' (valid: AccessGranted, AccessRevoked,",
    ),
    "unknown-field": (
        lambda _: y_line(ContactMade, "2026-02-02", channel="phone")[:-1] + ', "offence": "theft"}',
        "line 2: ContactMade: unknown field 'offence' (fields: ",
    ),
    "wrong-choice": (
        lambda _: y_line(ContactMade, "2026-02-02", channel="phone").replace("phone", "pigeon"),
        "line 2: ContactMade: field 'channel': 'pigeon' is not one of",
    ),
    "future-date": (
        lambda _: y_line(ContactMade, "2026-12-01", channel="phone"),
        f"line 2: ContactMade on 2026-12-01 for {Y}: occurred_on 2026-12-01 is in the future",
    ),
    "unknown-youth": (
        lambda _: y_line(ContactMade, "2026-02-02", youth="Y-2026-9999", channel="phone"),
        "line 2: ContactMade on 2026-02-02 for Y-2026-9999, but Y-2026-9999 is not registered",
    ),
    "second-registration": (
        lambda _: json.dumps(to_dict(registration())),
        f"line 2: YouthRegistered on 2026-01-12 for {Y}, but {Y} is already registered",
    ),
    "id-reused-with-other-content": (
        lambda app: json.dumps({**to_dict(_stored_custody(app)), "facility": "cp-rennes-vezin"}),
        "line 2: id {id} is already stored with other content (Incarcerated on 2026-01-05",
    ),
    "release-without-custody": (
        lambda _: json.dumps(to_dict(release("2025-12-01"))),
        f"line 2: Released on 2025-12-01 for {Y}, but {Y} has no custody open on that date",
    ),
}


@pytest.fixture
def registered_app(store_app: Pathways) -> Pathways:
    store_app.import_lines(lines_of([registration(), custody()]), ACTOR)
    return store_app


@pytest.mark.parametrize("case", sorted(BAD_LINES))
def test_a_bad_line_writes_nothing_of_its_file(
    registered_app: Pathways, count_events: Callable[[Pathways], int], case: str
) -> None:
    make_line, expected = BAD_LINES[case]
    bad_line = make_line(registered_app)
    if "{id}" in expected:
        expected = expected.format(id=_stored_custody(registered_app).id)
    before = count_events(registered_app)
    with pytest.raises(PathwaysError) as caught:
        registered_app.import_lines([GOOD_FIRST_LINE, bad_line], ACTOR)
    assert expected in str(caught.value)
    assert count_events(registered_app) == before


def test_a_file_whose_last_line_is_bad_writes_nothing(
    registered_app: Pathways, count_events: Callable[[Pathways], int]
) -> None:
    events = full_pathway("Y-2026-0043")
    good = lines_of(events[:-1])
    bad = y_line(ContactMade, "2027-01-01", youth="Y-2026-0043", channel="phone")
    before = count_events(registered_app)
    with pytest.raises(RulesBroken) as caught:
        registered_app.import_lines([*good, bad], ACTOR)
    assert caught.value.problems == [
        f"line {len(good) + 1}: ContactMade on 2027-01-01 for Y-2026-0043: "
        f"occurred_on 2027-01-01 is in the future (today is 2026-11-27)"
    ]
    assert str(caught.value).endswith("Nothing was written.")
    assert count_events(registered_app) == before
    assert registered_app.reference().measures == {}


def test_every_bad_line_of_a_file_is_named(registered_app: Pathways) -> None:
    lines = [
        GOOD_FIRST_LINE,
        "not json",
        y_line(ContactMade, "2026-02-02", channel="phone"),
        json.dumps({"type": "Nope"}),
    ]
    with pytest.raises(RulesBroken) as caught:
        registered_app.import_lines(lines, ACTOR)
    assert [p.split(":")[0] for p in caught.value.problems] == ["line 2", "line 4"]


def test_a_refused_record_writes_nothing(
    registered_app: Pathways, count_events: Callable[[Pathways], int]
) -> None:
    before = count_events(registered_app)
    with pytest.raises(RulesBroken, match="a custody is already open since 2026-01-05"):
        registered_app.record(custody("2026-02-01"), ACTOR)
    assert count_events(registered_app) == before


# --- idempotency (rule 8) ---------------------------------------------------------------------


def test_importing_a_file_twice_stores_nothing_the_second_time(
    store_app: Pathways, count_events: Callable[[Pathways], int]
) -> None:
    lines = lines_of(full_pathway())
    first = store_app.import_lines(lines, ACTOR)
    after_first = count_events(store_app)
    second = store_app.import_lines(lines, ACTOR)
    assert (first.stored, first.skipped) == (len(lines), 0)
    assert (second.stored, second.skipped) == (0, len(lines))
    assert second.positions == []
    assert count_events(store_app) == after_first


def test_a_file_overlapping_a_previous_import_adds_only_the_new_lines(store_app: Pathways) -> None:
    lines = lines_of([registration(), custody(), release()])
    store_app.import_lines(lines[:2], ACTOR)
    receipt = store_app.import_lines(lines, ACTOR)
    assert (receipt.stored, receipt.skipped) == (1, 2)
    assert receipt.by_type == {"Released": 1}


def test_a_long_file_into_a_small_store_still_finds_its_stored_lines(store_app: Pathways) -> None:
    """A file of far more lines than the store holds events (a first import) has the
    store's ids read whole and matched, rather than its own asked for: a stored line is
    still found, refused when it changed, skipped when it is the same."""
    stored = registration()
    store_app.import_lines(lines_of([stored]), ACTOR)
    others = lines_of(full_pathway("Y-2026-0099"))
    assert store_app.store.backend.head() * 4 < len(others) + 1  # the case
    changed = json.dumps({**to_dict(stored), "residence": "rennes"})
    with pytest.raises(RulesBroken, match="already stored with other content"):
        store_app.import_lines([changed, *others], ACTOR)
    receipt = store_app.import_lines([*lines_of([stored]), *others], ACTOR)
    assert (receipt.stored, receipt.skipped) == (len(others), 1)


def test_the_same_line_twice_in_a_file_is_stored_once(store_app: Pathways) -> None:
    line = json.dumps(to_dict(registration()))
    receipt = store_app.import_lines([line, line], ACTOR)
    assert (receipt.stored, receipt.skipped) == (1, 1)


def test_a_replay_differing_only_by_export_keys_is_skipped(store_app: Pathways) -> None:
    event = registration()
    store_app.record(event, ACTOR)
    exported = {
        **to_dict(event),
        "recorded_at": "2026-01-12T10:00:00+00:00",
        "position": 1,
        "retracted": False,
        "actor": ACTOR,
    }
    receipt = store_app.import_lines([json.dumps(exported)], ACTOR)
    assert (receipt.stored, receipt.skipped) == (0, 1)


def test_the_same_id_with_other_content_is_an_error_naming_both(
    store_app: Pathways, count_events: Callable[[Pathways], int]
) -> None:
    original = custody()
    store_app.import_lines(lines_of([registration(), original]), ACTOR)
    position = store_app.find(original.id).position
    changed = original.model_copy(update={"facility": "cp-rennes-vezin"})
    before = count_events(store_app)
    with pytest.raises(RulesBroken) as caught:
        store_app.import_lines([GOOD_FIRST_LINE, json.dumps(to_dict(changed))], ACTOR)
    (problem,) = caught.value.problems
    assert problem == (
        f"line 2: id {original.id} is already stored with other content "
        f"(Incarcerated on 2026-01-05 for {Y}, position {position})"
    )
    assert count_events(store_app) == before


def test_the_same_id_twice_in_one_file_with_other_content_names_both_lines(
    store_app: Pathways,
) -> None:
    first = registration()
    other = first.model_copy(update={"residence": "rennes"})
    with pytest.raises(RulesBroken) as caught:
        store_app.import_lines(lines_of([first, other]), ACTOR)
    assert caught.value.problems == [f"line 2: id {first.id} is also on line 1, with other content"]


# --- corrections -------------------------------------------------------------------------------


def test_amend_retracts_and_records_the_corrected_event(store_app: Pathways) -> None:
    wrong = contact("2026-02-01")
    store_app.import_lines(lines_of([registration(), custody(), wrong]), ACTOR)
    receipt = store_app.amend(
        wrong.id, {"occurred_on": d("2026-02-03")}, "wrong day", ACTOR, on=d("2026-02-04")
    )
    assert receipt.stored == 2
    assert receipt.by_type == {"EventRetracted": 1, "ContactMade": 1}

    history = store_app.history(Y)
    shown = {line.recorded.event.id: line for line in history}
    assert shown[wrong.id].retracted
    corrected = [
        line.recorded.event
        for line in history
        if isinstance(line.recorded.event, ContactMade) and line.recorded.event.id != wrong.id
    ]
    assert [(c.occurred_on, c.channel, line_retracted(shown, c.id)) for c in corrected] == [
        (d("2026-02-03"), "office", False)
    ]
    retraction = next(
        line.recorded.event for line in history if isinstance(line.recorded.event, EventRetracted)
    )
    assert isinstance(retraction, EventRetracted)
    assert (retraction.event_id, retraction.reason) == (wrong.id, "wrong day")
    as_of = [line.recorded.event.id for line in store_app.history(Y, as_of=d("2026-11-27"))]
    assert wrong.id not in as_of
    assert corrected[0].id in as_of


def line_retracted(shown: dict[uuid.UUID, Any], event_id: uuid.UUID) -> bool:
    return bool(shown[event_id].retracted)


def test_amend_that_would_break_a_rule_writes_nothing(
    store_app: Pathways, count_events: Callable[[Pathways], int]
) -> None:
    out = release()
    store_app.import_lines(lines_of([registration(), custody(), out]), ACTOR)
    before = count_events(store_app)
    with pytest.raises(RulesBroken, match="has no custody open on that date"):
        store_app.amend(out.id, {"occurred_on": d("2026-01-01")}, "wrong day", ACTOR)
    assert count_events(store_app) == before
    assert not any(line.retracted for line in store_app.history(Y))


def test_amend_without_a_change_is_refused(store_app: Pathways) -> None:
    event = contact()
    store_app.import_lines(lines_of([registration(), event]), ACTOR)
    with pytest.raises(PathwaysError, match="nothing to amend"):
        store_app.amend(event.id, {}, "no reason", ACTOR)


def test_the_registration_cannot_be_retracted(store_app: Pathways) -> None:
    event = registration()
    store_app.record(event, ACTOR)
    with pytest.raises(PathwaysError, match="is a YouthRegistered, which cannot be retracted"):
        store_app.retract(event.id, "mistake", ACTOR)


def test_a_retracted_event_is_left_out_as_of_any_date_but_shown_known_at_before(
    store_app: Pathways,
) -> None:
    mistake = contact("2026-02-01")
    store_app.import_lines(lines_of([registration(), mistake]), ACTOR)
    before_retraction = store_app.store.head()
    store_app.retract(mistake.id, "another youth", ACTOR, on=d("2026-06-01"))

    for as_of in (d("2026-02-01"), d("2026-05-31"), d("2026-11-27")):
        assert mistake.id not in [
            line.recorded.event.id for line in store_app.history(Y, as_of=as_of)
        ]
    full = {line.recorded.event.id: line.retracted for line in store_app.history(Y)}
    assert full[mistake.id] is True

    known = store_app.history(Y, known_at=KnownAt(position=before_retraction))
    assert {line.recorded.event.id: line.retracted for line in known} == {
        **{line.recorded.event.id: False for line in known},
        mistake.id: False,
    }
    replay = store_app.history(
        Y, as_of=d("2026-03-01"), known_at=KnownAt(position=before_retraction)
    )
    assert mistake.id in [line.recorded.event.id for line in replay]


# --- concurrent writers ---------------------------------------------------------------------


class _Meanwhile:
    """Another writer, started in a thread while `app` appends (its session holding the
    append lock): it must wait for that lock, then go on against what `app` stored."""

    def __init__(self, app: Pathways, other_write: Callable[[], Any], monkeypatch: Any) -> None:
        self.other_write = other_write
        self.done = threading.Event()
        self.waited: bool | None = None
        self.result: Any = None
        self.error: BaseException | None = None
        self.thread: threading.Thread | None = None
        real_append = app.store.append

        def append(writes: Sequence[Write], actor: str) -> list[int]:
            if self.thread is None:
                self.thread = threading.Thread(target=self._run)
                self.thread.start()
                self.waited = not self.done.wait(0.5)  # still waiting for the lock
            return real_append(writes, actor)

        monkeypatch.setattr(app.store, "append", append)

    def _run(self) -> None:
        try:
            self.result = self.other_write()
        except BaseException as error:
            self.error = error
        finally:
            self.done.set()

    def join(self) -> Any:
        """The other writer's receipt, once `app` has committed (its error raised here)."""
        assert self.thread is not None, "the other writer never started"
        self.thread.join(60)
        assert self.waited, "the other writer did not wait for the append lock"
        if self.error is not None:
            raise self.error
        return self.result


def test_a_concurrent_writer_waits_for_the_lock_and_nothing_is_lost(
    make_app: Callable[..., Pathways], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = make_app(), make_app()
    first.import_lines(lines_of([registration(), custody()]), ACTOR)
    meanwhile = contact("2026-02-01")
    other = _Meanwhile(first, lambda: second.record(meanwhile, "other-user"), monkeypatch)

    out = release("2026-03-10")
    receipt = first.record(out, ACTOR)

    assert other.join().stored == 1  # it waited, then went through
    assert receipt.stored == 1
    for app in (first, second):
        ids = [line.recorded.event.id for line in app.history(Y)]
        assert meanwhile.id in ids
        assert out.id in ids
        assert len(ids) == 4
    assert timeline_violations(first) == []


def test_a_write_that_waited_is_checked_against_what_was_stored_meanwhile(
    make_app: Callable[..., Pathways],
    monkeypatch: pytest.MonkeyPatch,
    count_events: Callable[[Pathways], int],
) -> None:
    first, second = make_app(), make_app()
    first.import_lines(lines_of([registration()]), ACTOR)
    other = _Meanwhile(first, lambda: second.record(custody("2026-06-01"), "other"), monkeypatch)
    first.record(custody("2026-05-01"), ACTOR)
    with pytest.raises(RulesBroken, match="a custody is already open since 2026-05-01"):
        other.join()
    assert count_events(first) == 2
    assert timeline_violations(first) == []


def test_a_registration_that_loses_a_race_to_another_registration_is_refused(
    make_app: Callable[..., Pathways], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = make_app(), make_app()
    other = _Meanwhile(first, lambda: second.record(registration(), ACTOR), monkeypatch)
    first.record(registration(name=NAME), "other-user")
    with pytest.raises(RulesBroken, match=f"{Y} is already registered"):
        other.join()
    (line,) = second.history(Y)
    assert line.recorded.event.name == NAME  # type: ignore[attr-defined]


def test_a_registration_that_loses_a_race_to_its_own_replay_is_skipped(
    make_app: Callable[..., Pathways], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = make_app(), make_app()
    event = registration(name=NAME)
    other = _Meanwhile(first, lambda: second.record(event, ACTOR), monkeypatch)
    first.record(event, "other-user")
    receipt = other.join()
    assert (receipt.stored, receipt.skipped) == (0, 1)
    (line,) = second.history(Y)
    assert not line.recorded.erased
    assert line.recorded.event == event


def test_two_youths_written_concurrently_are_both_stored(
    make_app: Callable[..., Pathways], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = make_app(), make_app()
    other = _Meanwhile(
        first, lambda: second.record(registration("Y-2026-0043"), "other-user"), monkeypatch
    )
    first.record(registration(), ACTOR)
    assert other.join().stored == 1
    assert first.store.count_youths() == 2


# --- a long file, written in parts in one transaction ---------------------------------------


def _many(count: int) -> list[Event]:
    """`count` youths' full pathways (registry events once, erasures left out)."""
    events: list[Event] = []
    for number in range(count):
        pathway = full_pathway(f"Y-2026-{number:04d}")
        registry = [e for e in pathway if not isinstance(e, YouthEvent)]
        youth = [e for e in pathway if isinstance(e, YouthEvent) and not isinstance(e, YouthErased)]
        events.extend((registry if number == 0 else []) + youth)
    return events


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parts of ~60 events, and the lines after the 50th kept as text (see imports)."""
    monkeypatch.setattr(imports_module, "PART", 60)
    monkeypatch.setattr(imports_module, "KEEP", 50)


@pytest.mark.usefixtures("small_parts")
def test_a_file_written_in_parts_stores_what_one_batch_stores(
    make_app: Callable[..., Pathways], count_events: Callable[[Pathways], int]
) -> None:
    events = _many(5)
    lines = lines_of(list(reversed(events)))  # each youth's lines anywhere in the file
    parts = make_app()
    receipt = parts.import_lines(lines, ACTOR)
    assert receipt.stored == len(events) == count_events(parts)
    assert len(receipt.positions) == len(events)
    with pytest.MonkeyPatch.context() as one_part:
        one_part.setattr(imports_module, "PART", 10**6)
        one_part.setattr(imports_module, "KEEP", 10**6)
        assert parts.import_lines(lines, ACTOR).skipped == len(events)  # nothing new
    for number in range(5):
        youth = f"Y-2026-{number:04d}"
        assert timeline_violations(parts, youth) == []
        stored = [line.recorded.event for line in parts.history(youth)]
        assert {e.id for e in stored} == {e.id for e in events if getattr(e, "youth", "") == youth}


@pytest.mark.usefixtures("small_parts")
def test_a_file_whose_last_part_breaks_a_rule_stores_nothing(
    make_app: Callable[..., Pathways], count_events: Callable[[Pathways], int]
) -> None:
    app = make_app()
    events = _many(5)
    out = {"kind": "end-of-sentence", "destination": "rennes"}
    early = Released(youth="Y-2026-0000", occurred_on=d("2025-01-01"), **out)  # no custody
    late = Released(youth="Y-2026-0004", occurred_on=d("2026-12-01"), **out)  # in the future
    lines = lines_of([early, *events, late])
    with pytest.raises(RulesBroken) as broken:
        app.import_lines(lines, ACTOR)
    problems = broken.value.problems
    # a rule broken in the first part and one in the last: both named, by their lines
    assert problems[0].startswith("line 1: ")
    assert problems[-1].startswith(f"line {len(lines)}: ")
    assert count_events(app) == 0


# --- reading -------------------------------------------------------------------------------


def test_history_shows_a_same_day_release_before_the_new_custody(store_app: Pathways) -> None:
    again, out = custody("2026-03-10"), release("2026-03-10")
    store_app.import_lines(lines_of([registration(), custody(), again, out]), ACTOR)
    ids = [line.recorded.event.id for line in store_app.history(Y)]
    assert ids.index(out.id) < ids.index(again.id)


def test_history_of_an_unknown_youth_is_an_error(store_app: Pathways) -> None:
    with pytest.raises(PathwaysError, match="Y-2026-9999 is not registered in this store"):
        store_app.history("Y-2026-9999")


def test_measures_come_from_the_registry_stream(store_app: Pathways) -> None:
    store_app.import_lines(lines_of(full_pathway()), ACTOR)
    ref: ReferenceData = store_app.reference()
    assert sorted(ref.measures) == ["atelier-cv", "mentorat-sm"]
    assert ref.measures["atelier-cv"].ended_on == d("2026-06-30")
    first_only = store_app.reference(known_at=KnownAt(position=1))
    assert sorted(first_only.measures) == ["mentorat-sm"]


def test_a_youth_registered_by_another_writer_is_readable(
    make_app: Callable[..., Pathways],
) -> None:
    first, second = make_app(), make_app()
    with pytest.raises(RulesBroken, match="is not registered"):
        first.record(contact(), ACTOR)  # first looks at Y's (empty) stream
    second.record(registration(name=NAME), "other-user")
    first.record(contact("2026-02-02"), ACTOR)
    lines = first.history(Y)
    assert not any(line.recorded.erased for line in lines)
    assert lines[0].recorded.event.name == NAME  # type: ignore[attr-defined]


# --- more of rules 7 and 8 through the application ----------------------------------------


def test_errors_are_listed_up_to_a_limit(store_app: Pathways) -> None:
    lines = [y_line(ContactMade, "2026-02-01", youth=f"Y-{n}", channel="phone") for n in range(60)]
    with pytest.raises(RulesBroken) as caught:
        store_app.import_lines(lines, ACTOR)
    assert len(caught.value.problems) == 50
    assert caught.value.total == 60
    assert "... and 10 more problem(s)" in str(caught.value)
    assert caught.value.problems[0].startswith("line 1: ContactMade on 2026-02-01 for Y-0")


def test_a_checked_only_file_writes_nothing(
    store_app: Pathways, count_events: Callable[[Pathways], int]
) -> None:
    receipt = store_app.import_lines(lines_of(full_pathway()), ACTOR, check_only=True)
    assert receipt.checked_only
    assert receipt.stored == len(full_pathway())
    assert count_events(store_app) == 0


def test_an_enrolment_may_come_before_the_launch_of_its_measure_in_a_file(
    store_app: Pathways,
) -> None:
    launch = MeasureLaunched(
        occurred_on=d("2025-09-01"), code="mentorat-sm", name="Mentorat", territory="saint-malo"
    )
    enrolment = EnrolledInMeasure(youth=Y, occurred_on=d("2026-01-20"), measure="mentorat-sm")
    receipt = store_app.import_lines(lines_of([enrolment, registration(), launch]), ACTOR)
    assert receipt.stored == 3


def test_a_retraction_that_breaks_a_stored_event_says_which(store_app: Pathways) -> None:
    start, out = custody(), release()
    store_app.import_lines(lines_of([registration(), start, out]), ACTOR)
    with pytest.raises(RulesBroken) as caught:
        store_app.retract(start.id, "wrong youth", ACTOR)
    (problem,) = caught.value.problems
    assert problem.startswith(f"Released on 2026-03-10 for {Y}, but {Y} has no custody open")
    assert "a stored event" in problem


def test_reimporting_a_retracted_event_does_not_bring_it_back(store_app: Pathways) -> None:
    mistake = contact()
    lines = lines_of([registration(), mistake])
    store_app.import_lines(lines, ACTOR)
    store_app.retract(mistake.id, "wrong youth", ACTOR)
    receipt = store_app.import_lines(lines, ACTOR)
    assert (receipt.stored, receipt.skipped) == (0, 2)
    assert {line.recorded.event.id: line.retracted for line in store_app.history(Y)}[mistake.id]


def test_nothing_is_recorded_after_an_erasure(
    store_app: Pathways, count_events: Callable[[Pathways], int]
) -> None:
    erasure = YouthErased(youth=Y, occurred_on=d("2026-06-01"), reason="request")
    store_app.import_lines(lines_of([registration(), erasure]), ACTOR)
    with pytest.raises(RulesBroken, match=f"{Y} has been erased"):
        store_app.record(contact(), ACTOR)
    assert count_events(store_app) == 2


def test_a_measure_may_end_above_its_launch_in_a_file(store_app: Pathways) -> None:
    launch = MeasureLaunched(
        occurred_on=d("2025-09-01"), code="mentorat-sm", name="Mentorat", territory="saint-malo"
    )
    end = MeasureEnded(occurred_on=d("2026-06-30"), code="mentorat-sm")
    assert store_app.import_lines(lines_of([end, launch]), ACTOR).stored == 2


def test_a_measure_cannot_end_before_a_recorded_enrolment(
    store_app: Pathways, count_events: Callable[[Pathways], int]
) -> None:
    launch = MeasureLaunched(
        occurred_on=d("2025-09-01"), code="mentorat-sm", name="Mentorat", territory="saint-malo"
    )
    enrolment = EnrolledInMeasure(youth=Y, occurred_on=d("2026-05-01"), measure="mentorat-sm")
    store_app.import_lines(lines_of([launch, registration(), enrolment]), ACTOR)
    before = count_events(store_app)
    with pytest.raises(RulesBroken, match="is enrolled in it on 2026-05-01"):
        store_app.record(MeasureEnded(occurred_on=d("2026-03-01"), code="mentorat-sm"), ACTOR)
    assert count_events(store_app) == before


# --- the backends ----------------------------------------------------------------------------


def test_every_backend_module_is_found_and_names_its_locations() -> None:
    from pathways.backends import backends, locate

    assert set(backends()) == {"memory", "sqlite", "postgresql"}
    assert locate("memory:").display == "memory://default"
    assert locate("memory://t-1").backend == "memory"
    assert locate("postgresql://u:secret@h/db?schema=x").display == "postgresql://h/db?schema=x"
    assert locate("./s.sqlite3").backend == "sqlite"
    with pytest.raises(PathwaysError, match="neither a file path nor a URL of a known kind"):
        locate("mysql://h/db")


def test_a_memory_store_exists_only_once_created_in_this_process(master_key: str) -> None:
    from pathways.backends import memory
    from pathways.store import NoStore

    with pytest.raises(NoStore, match="a memory store lives only in the process that created"):
        open_store("memory://never-made")
    store = open_store("memory://t-made", create=True)
    try:
        Pathways(store, today=lambda: date(2026, 11, 27)).record(registration(), ACTOR)
        again = open_store("memory://t-made")  # another store on the same database
        assert again.count_events() == 1
        again.close()
        assert "nothing is written to disk" in store.backend.description
    finally:
        store.close()
        memory.drop("t-made")
    with pytest.raises(NoStore):
        open_store("memory://t-made")


def test_the_cli_runs_on_a_memory_store_within_one_process(master_key: str) -> None:
    from click.testing import CliRunner

    from pathways.backends import memory
    from pathways.cli import cli

    db = ["--db", "memory://t-cli"]
    try:
        created = CliRunner().invoke(cli, [*db, "init", "--admin", "tester"])
        assert created.exit_code == 0, created.output
        assert "store created at memory://t-cli (in memory" in created.output
        CliRunner().invoke(
            cli, [*db, "users", "add", ACTOR, "--organisation", "we-ker", "--role", "counsellor"]
        )
        record = CliRunner().invoke(
            cli,
            [*db, "record", "youth-registered", Y, "--on", "2026-01-12", "--birth-date",
             "2004-07-19", "--residence", "saint-malo", "--actor", ACTOR],
        )  # fmt: skip
        assert record.exit_code == 0, record.output
        info = CliRunner().invoke(cli, [*db, "info", "--json"])
        assert json.loads(info.output)["events"] == 3  # the admin, the counsellor, the youth
        assert json.loads(info.output)["backend"] == "memory"
    finally:
        memory.drop("t-cli")


def test_a_known_at_moment_is_resolved_once_to_a_position(store_app: Pathways) -> None:
    from pathways.domain.time import parse_known_at
    from pathways.projections import attach

    for event in full_pathway()[:3]:
        store_app.record(event, ACTOR)
    views = attach(store_app)
    try:
        head = store_app.store.head()
        resolved = views.known_at("2999-01-01")
        assert resolved is not None
        assert resolved.position == head
        assert resolved.text == "2999-01-01"
        assert views.known_at("2000-01-01") == KnownAt(position=0, text="2000-01-01")
        with pytest.raises(PathwaysError, match="resolve it to a log position"):
            store_app.reference(known_at=parse_known_at("2999-01-01"))
    finally:
        views.projection.close()


def test_an_import_line_cannot_acknowledge_an_alert_that_is_not_open(store_app: Pathways) -> None:
    rows = [
        {"type": "YouthRegistered", "youth": Y, "occurred_on": "2026-01-12",
         "birth_date": "2005-02-10", "residence": "saint-malo"},
        {"type": "SupportStarted", "youth": Y, "occurred_on": "2026-01-14",
         "organisation": "ml-saint-malo", "counsellor": "c-sm-1"},
        {"type": "AlertAcknowledged", "youth": Y, "occurred_on": "2026-04-02",
         "alert": "dry-release"},
    ]  # fmt: skip
    lines = [json.dumps(row) for row in rows]
    with pytest.raises(RulesBroken) as refused:
        store_app.import_lines(lines, ACTOR)
    assert refused.value.problems == [
        f"line 3: {Y} has no open 'dry-release' alert on 2026-04-02 (open: contact-lost)"
    ]
    assert store_app.store.head() == 0
    lines[2] = lines[2].replace("dry-release", "contact-lost")
    assert store_app.import_lines(lines, ACTOR).stored == 3


def test_the_services_of_the_commands(store_app: Pathways) -> None:
    from pathways.domain.errors import UnknownSetting

    with pytest.raises(RulesBroken, match=f"{Y} is not registered in this store"):
        store_app.acknowledge(Y, "contact-lost", ACTOR, d("2026-04-02"))
    for event in full_pathway()[:3]:
        store_app.record(event, ACTOR)
    receipt = store_app.change_setting("contact-lost.days", "30", ACTOR, d("2026-01-02"))
    assert receipt.by_type == {"SettingChanged": 1}
    assert store_app.reference().thresholds["contact-lost.days"] == 30
    with pytest.raises(UnknownSetting, match="'no such' is not a setting name"):
        store_app.change_setting("no such", "30", ACTOR)
    with pytest.raises(RulesBroken, match=r"unknown setting 'contact-lots\.days'"):
        store_app.change_setting("contact-lots.days", "30", ACTOR)
    registration = next(e for e in full_pathway() if isinstance(e, YouthRegistered))
    store_app.record(registration, ACTOR)
    with pytest.raises(RulesBroken, match=f"{Y} has no open 'contact-lost' alert on 2026-04-02"):
        store_app.acknowledge(Y, "contact-lost", ACTOR, d("2026-04-02"))
    receipt = store_app.erase(registration.youth, "request", ACTOR, d("2026-11-01"))
    assert receipt.by_type == {"YouthErased": 1}
