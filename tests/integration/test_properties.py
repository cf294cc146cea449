"""Laws of the write side, checked with hypothesis on realistic valid pathways.

(b) whatever order a valid pathway is recorded in -- one event at a time where
    each step is accepted, or the whole pathway as one batch in any order --
    it ends in the same timeline;
(c) importing a file twice is the same as importing it once;
(d) a history exported in the interchange form and imported into a new store
    gives the same history.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from itertools import groupby
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pathways.application import Item, Pathways
from pathways.crypto import new_master_key
from pathways.domain.errors import RulesBroken
from pathways.domain.events import (
    CommunitySupervisionEnded,
    CommunitySupervisionStarted,
    ContactMade,
    CustodyStatusChanged,
    EventRetracted,
    ExpectedReleaseChanged,
    HandedOver,
    HandoverAcknowledged,
    Incarcerated,
    ProgrammeEntered,
    ProgrammeExited,
    ReferralReceived,
    Released,
    RightObtained,
    SituationEnded,
    SituationStarted,
    SupportClosed,
    SupportStarted,
    YouthEvent,
    YouthRegistered,
)
from pathways.domain.reference import DEFAULT_TERRITORIES, ReferenceData
from pathways.domain.rules import check_youth
from pathways.domain.timeline import Entry, pair_of
from pathways.interchange import to_dict
from pathways.store import Store, locate

TODAY = date(2026, 11, 27)
START = date(2024, 1, 1)
ACTOR = "c-rn-1"
MASTER_KEY = base64.urlsafe_b64decode(new_master_key())
CHAIN_KEY = base64.urlsafe_b64decode(new_master_key())
MISSIONS_LOCALES = sorted({o for o in DEFAULT_TERRITORIES.values() if o is not None})
TERRITORIES = sorted(DEFAULT_TERRITORIES)

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# --- realistic valid pathways ------------------------------------------------------------


def _day(offset: int) -> date:
    return START + timedelta(days=offset)


@st.composite
def intervals(draw: st.DrawFn, most: int) -> list[tuple[date, date | None]]:
    """Consecutive periods of one family: each lasts a day or more, the next may begin the
    day the previous one ends; the last may still be open."""
    found: list[tuple[date, date | None]] = []
    offset = draw(st.integers(0, 150))
    count = draw(st.integers(0, most))
    for index in range(count):
        opened = offset
        offset += draw(st.integers(1, 120))
        still_open = index == count - 1 and draw(st.booleans())
        found.append((_day(opened), None if still_open else _day(offset)))
        offset += draw(st.integers(0, 45))
    return found


def _within(draw: st.DrawFn, start: date, end: date | None) -> date:
    last = end if end is not None else start + timedelta(days=40)
    return start + timedelta(days=draw(st.integers(0, (last - start).days)))


@st.composite
def pathways(draw: st.DrawFn) -> list[YouthEvent]:
    """A valid pathway in chronological order of its steps (each type of pair, same-day
    release and re-incarceration, handovers, custody changes, events before registration)."""
    youth = f"Y-{draw(st.integers(2020, 2026))}-{draw(st.integers(0, 9999)):04d}"
    base = draw(st.integers(0, 2**64))
    counter = iter(range(1000))

    def make(cls: type[YouthEvent], on: date, **fields: Any) -> YouthEvent:
        return cls(
            id=uuid.UUID(int=(base << 32) + next(counter)), youth=youth, occurred_on=on, **fields
        )

    events: list[YouthEvent] = []
    registered_on = _day(draw(st.integers(0, 600)))
    birth = date(2001, 1, 1) + timedelta(days=draw(st.integers(0, 2371)))  # to 2007-06-30
    events.append(
        make(
            YouthRegistered,
            registered_on,
            birth_date=birth,
            residence=draw(st.sampled_from(TERRITORIES)),
            sex=draw(st.sampled_from([None, "female", "male", "other"])),
        )
    )
    if draw(st.booleans()):
        events.append(make(ReferralReceived, registered_on, source="spip", custody="closed"))

    for start, end in draw(intervals(3)):
        expected = start + timedelta(days=draw(st.integers(0, 200)))
        events.append(
            make(
                Incarcerated,
                start,
                facility=draw(
                    st.sampled_from(["cp-rennes-vezin", "cp-femmes-rennes", "ma-saint-malo"])
                ),
                status="remand",
                expected_release_on=draw(st.sampled_from([None, expected])),
            )
        )
        if draw(st.booleans()):
            changed = _within(draw, start, end)
            events.append(
                make(
                    ExpectedReleaseChanged,
                    changed,
                    expected_release_on=changed + timedelta(days=20),
                )
            )
        if draw(st.booleans()):
            events.append(make(CustodyStatusChanged, _within(draw, start, end), status="sentenced"))
        if draw(st.booleans()):
            events.append(make(ContactMade, _within(draw, start, end), channel="in-prison"))
        if end is not None:
            events.append(
                make(
                    Released,
                    end,
                    kind="end-of-sentence",
                    destination=draw(st.sampled_from(TERRITORIES)),
                )
            )

    for start, end in draw(intervals(2)):
        events.append(
            make(
                SupportStarted,
                start,
                organisation=draw(st.sampled_from(MISSIONS_LOCALES)),
                counsellor="c-1",
            )
        )
        if end is not None:
            events.append(make(SupportClosed, end, reason="moved"))
    for start, end in draw(intervals(2)):
        events.append(make(CommunitySupervisionStarted, start, measure="probation"))
        if end is not None:
            events.append(make(CommunitySupervisionEnded, end))
    for programme in ("cej", "pacea"):
        for start, end in draw(intervals(2)):
            events.append(make(ProgrammeEntered, start, programme=programme))
            if end is not None:
                events.append(make(ProgrammeExited, end, programme=programme))
    for start, end in draw(intervals(2)):
        events.append(make(SituationStarted, start, situation="training"))
        if end is not None:
            events.append(make(SituationEnded, end, situation="training"))

    if draw(st.booleans()):
        handed = _day(draw(st.integers(0, 600)))
        organisation = draw(st.sampled_from(MISSIONS_LOCALES))
        events.append(make(HandedOver, handed, to_organisation=organisation))
        if draw(st.booleans()):
            acknowledged = handed + timedelta(days=draw(st.integers(0, 10)))
            events.append(make(HandoverAcknowledged, acknowledged, organisation=organisation))
    for _ in range(draw(st.integers(0, 3))):
        events.append(make(RightObtained, _day(draw(st.integers(0, 700))), right="css"))

    assert max(e.occurred_on for e in events) <= TODAY
    return sorted(events, key=lambda e: e.occurred_on)


@st.composite
def pathway_and_order(draw: st.DrawFn) -> tuple[list[YouthEvent], list[YouthEvent]]:
    pathway = draw(pathways())
    return pathway, draw(st.permutations(pathway))


# --- timelines -----------------------------------------------------------------------------


def _entries(events: Sequence[YouthEvent], first_seq: int = 1) -> list[Entry]:
    return [Entry(e, first_seq + i, f"line {i + 1}") for i, e in enumerate(events)]


def pure_check(
    stored: Sequence[YouthEvent], new: Sequence[YouthEvent]
) -> tuple[list[str], list[Entry]]:
    youth = (stored or new)[0].youth
    result = check_youth(
        youth, _entries(stored), _entries(new, len(stored) + 1), ReferenceData(), TODAY
    )
    return [v.message for v in result.violations], result.timeline


def signature(timeline: Sequence[Entry]) -> list[tuple[Any, ...]]:
    """What every valid recording order must agree on: each day's events, and the order of
    each pair family within the day (unrelated events of one day keep their recording
    order, which may differ)."""
    found = []
    for day, group in groupby(timeline, key=lambda e: e.event.occurred_on):
        events = [e.event for e in group]
        families: dict[str, list[str]] = {}
        for event in events:
            pair = pair_of(event)
            if pair is not None:
                families.setdefault(pair.family, []).append(str(event.id))
        found.append((day, sorted(str(e.id) for e in events), sorted(families.items())))
    return found


def sorted_ids(timeline: Sequence[Entry]) -> list[str]:
    return sorted(str(e.event.id) for e in timeline)


def canonical(pathway: list[YouthEvent]) -> list[tuple[Any, ...]]:
    problems, timeline = pure_check([], pathway)
    assert problems == []
    return signature(timeline)


# --- a fresh store per example ---------------------------------------------------------------


@contextmanager
def fresh_app(factory: pytest.TempPathFactory) -> Iterator[Pathways]:
    path = factory.mktemp("prop") / "s.sqlite3"
    store = Store(locate(str(path)), MASTER_KEY, create=True, chain_key=CHAIN_KEY)
    try:
        yield Pathways(store, today=lambda: TODAY)
    finally:
        store.close()


def stored_timeline(app: Pathways, youth: str) -> list[Entry]:
    stored = [
        Entry(r.event, r.position)
        for r in app.store.load(app.store.stream_id(youth))
        if isinstance(r.event, YouthEvent)
    ]
    result = check_youth(youth, stored, [], app.reference(), TODAY)
    assert [v.message for v in result.violations] == []
    return result.timeline


def lines_of(events: Sequence[YouthEvent]) -> list[str]:
    return [json.dumps(to_dict(e)) for e in events]


def exported(app: Pathways, youth: str) -> list[dict[str, Any]]:
    """The history in the interchange form, as `pathways history --nl` writes it."""
    rows = []
    for line in app.history(youth):
        r = line.recorded
        row = to_dict(r.event)
        row["recorded_at"] = r.recorded_at.isoformat()
        row["recorded_by"] = r.event.recorded_by or r.actor
        row["actor"] = r.actor
        row["position"] = r.position
        row["retracted"] = line.retracted
        rows.append(row)
    return rows


def comparable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {k: v for k, v in row.items() if k not in {"recorded_at", "actor", "position"}}
        for row in rows
    ]


# --- (b) any recording order, the same timeline -------------------------------------------------


def record_one_by_one_pure(order: list[YouthEvent]) -> list[Entry]:
    """Record the first pending event that is accepted, again and again; when none is
    (a forgotten custody needs its two ends at once), the rest goes as one batch."""
    stored: list[YouthEvent] = []
    pending = list(order)
    while pending:
        for index, event in enumerate(pending):
            problems, _ = pure_check(stored, [event])
            if not problems:
                stored.append(pending.pop(index))
                break
        else:
            problems, _ = pure_check(stored, pending)
            assert problems == [], "the rest of a valid pathway must be accepted as one batch"
            stored.extend(pending)
            pending = []
    problems, timeline = pure_check(stored, [])
    assert problems == []
    return timeline


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pathway_and_order())
def test_a_pathway_ends_in_one_timeline_whatever_the_recording_order(
    case: tuple[list[YouthEvent], list[YouthEvent]],
) -> None:
    pathway, order = case
    timeline = record_one_by_one_pure(order)
    assert signature(timeline) == canonical(pathway)
    assert sorted_ids(timeline) == sorted(str(e.id) for e in pathway)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pathway_and_order())
def test_any_permutation_of_a_pathway_is_accepted_as_one_batch(
    case: tuple[list[YouthEvent], list[YouthEvent]],
) -> None:
    pathway, order = case
    problems, timeline = pure_check([], order)
    assert problems == []
    assert signature(timeline) == canonical(pathway)


@SETTINGS
@given(case=pathway_and_order())
def test_recording_one_by_one_in_the_store_ends_in_the_same_timeline(
    case: tuple[list[YouthEvent], list[YouthEvent]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    pathway, order = case
    youth = pathway[0].youth
    with fresh_app(tmp_path_factory) as app:
        pending = list(order)
        while pending:
            stored = [r.event for r in app.store.load(app.store.stream_id(youth))]
            verdicts = [not pure_check(stored, [e])[0] for e in pending]  # type: ignore[arg-type]
            if not verdicts[0]:  # the store refuses what the rules refuse, and writes nothing
                with pytest.raises(RulesBroken):
                    app.record(pending[0], ACTOR)
            if any(verdicts):
                app.record(pending.pop(verdicts.index(True)), ACTOR)
            else:
                items = [Item(e, f"line {n}", n) for n, e in enumerate(pending, start=1)]
                app.commit(items, ACTOR)
                pending = []
        assert app.store.count_events() == len(pathway)
        assert signature(stored_timeline(app, youth)) == canonical(pathway)


@SETTINGS
@given(case=pathway_and_order())
def test_any_permutation_of_a_pathway_imports_as_one_file(
    case: tuple[list[YouthEvent], list[YouthEvent]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    pathway, order = case
    with fresh_app(tmp_path_factory) as app:
        receipt = app.import_lines(lines_of(order), ACTOR)
        assert receipt.stored == len(pathway)
        timeline = stored_timeline(app, pathway[0].youth)
        assert signature(timeline) == canonical(pathway)


# --- (c) importing twice is importing once --------------------------------------------


@SETTINGS
@given(case=pathway_and_order())
def test_importing_a_file_twice_equals_importing_it_once(
    case: tuple[list[YouthEvent], list[YouthEvent]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    pathway, order = case
    lines = lines_of(order)
    youth = pathway[0].youth
    with fresh_app(tmp_path_factory) as once, fresh_app(tmp_path_factory) as twice:
        once.import_lines(lines, ACTOR)
        twice.import_lines(lines, ACTOR)
        again = twice.import_lines(lines, ACTOR)
        assert (again.stored, again.skipped) == (0, len(lines))
        assert twice.store.count_events() == once.store.count_events() == len(lines)
        assert comparable(exported(twice, youth)) == comparable(exported(once, youth))


# --- (d) export and re-import ----------------------------------------------------------


@SETTINGS
@given(case=pathway_and_order(), data=st.data())
def test_an_exported_history_imports_into_a_new_store_unchanged(
    case: tuple[list[YouthEvent], list[YouthEvent]],
    data: st.DataObject,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    pathway, order = case
    youth = pathway[0].youth
    with fresh_app(tmp_path_factory) as source, fresh_app(tmp_path_factory) as target:
        source.import_lines(lines_of(order), "importer")
        # Corrections: a retraction and an amendment of steps that nothing depends on.
        loose = [e for e in pathway if isinstance(e, RightObtained | ContactMade)]
        if loose:
            source.retract(data.draw(st.sampled_from(loose)).id, "wrong youth", ACTOR, on=TODAY)
        gone = retracted(source, youth)
        contacts = [e for e in pathway if isinstance(e, ContactMade) and e.id not in gone]
        if contacts:
            source.amend(
                data.draw(st.sampled_from(contacts)).id,
                {"channel": "video"},
                "it was a video call",
                ACTOR,
                on=TODAY,
            )

        rows = exported(source, youth)
        receipt = target.import_lines([json.dumps(row) for row in rows], "migration")
        assert receipt.stored == len(rows)
        assert comparable(exported(target, youth)) == comparable(rows)
        assert signature(stored_timeline(target, youth)) == signature(
            stored_timeline(source, youth)
        )


def retracted(app: Pathways, youth: str) -> set[uuid.UUID]:
    return {
        r.event.event_id
        for r in app.store.load(app.store.stream_id(youth))
        if isinstance(r.event, EventRetracted)
    }
