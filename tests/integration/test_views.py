"""The read models and the views over them, on every backend (memory, SQLite file, PostgreSQL).

- the worked example gives the expected alerts as of each of its dates;
- retractions, amendments, late entries and settings changes are honoured, and
  `known_at` replays exactly what was known then;
- the tables caught up event by event equal a rebuild, and the views equal a
  recomputation straight from the log;
- concurrent catch-ups apply each event once; a catch-up killed inside a page
  leaves nothing of that page behind.
"""

from __future__ import annotations

import json
import os
import secrets
import select as fdselect
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pathways.crypto
from conftest import FIXTURES
from pathways.application import Item, Pathways
from pathways.backends import memory
from pathways.domain.alerts import CaseloadLine, assess
from pathways.domain.events import (
    AlertAcknowledged,
    CommunitySupervisionStarted,
    ContactMade,
    EventRetracted,
    Incarcerated,
    Released,
    ReleasePlanValidated,
    SettingChanged,
    SupportClosed,
    YouthErased,
    YouthEvent,
    YouthRegistered,
)
from pathways.domain.facts import NOT_FACTS, fact_from_state
from pathways.domain.reference import ReferenceData
from pathways.interchange import to_dict
from pathways.projections import TimelinesProjection, Views, attach
from pathways.projections import timelines as timelines_module
from pathways.store import Store, open_store

TODAY = date(2026, 11, 27)
ACTOR = "c-sm-1"
EXAMPLES = FIXTURES
WORKED = EXAMPLES / "worked-example.jsonl"
EXPECTED = json.loads((EXAMPLES / "worked-example.alerts.json").read_text())
POSTGRES = os.environ.get("PATHWAYS_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")

HYPOTHESIS = settings(
    max_examples=int(os.environ.get("PATHWAYS_VIEWS_EXAMPLES", "15")),
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


# --- stores -------------------------------------------------------------------------------


def _postgres_base() -> str:
    return POSTGRES.split("?", 1)[0]


class Stores:
    """Fresh stores of one backend for a test; everything is closed (and dropped) after it."""

    def __init__(self, backend: str, tmp_path: Path) -> None:
        self.backend = backend
        self.tmp_path = tmp_path
        self.schemas: list[str] = []
        self.memories: list[str] = []
        self.closers: list[Any] = []

    def new_url(self) -> str:
        if self.backend == "memory":
            name = f"t-{secrets.token_hex(6)}"
            self.memories.append(name)
            return f"memory://{name}"
        if self.backend == "sqlite":
            return str(self.tmp_path / f"s-{secrets.token_hex(4)}.sqlite3")
        schema = f"t_{secrets.token_hex(6)}"
        self.schemas.append(schema)
        separator = "&" if "?" in POSTGRES else "?"
        return f"{POSTGRES}{separator}schema={schema}"

    def store(self, url: str) -> Store:
        store = open_store(url, create=True)
        self.closers.append(store.close)
        return store

    def app(self, url: str | None = None, *, views: bool = True) -> tuple[Pathways, Views | None]:
        """An application (on a new store unless a URL is given), with its views attached."""
        app = Pathways(self.store(url or self.new_url()), today=lambda: TODAY)
        if not views:
            return app, None
        found = attach(app)
        self.closers.append(found.projection.close)
        return app, found

    def views(self, url: str | None = None) -> tuple[Pathways, Views]:
        app, found = self.app(url)
        assert found is not None
        return app, found

    def projection(self, store: Store) -> TimelinesProjection:
        projection = TimelinesProjection(store)
        self.closers.append(projection.close)
        return projection

    @contextmanager
    def example(self) -> Iterator[None]:
        """One hypothesis example: what it opens is closed (and dropped) at its end."""
        try:
            yield
        finally:
            self.close()

    def close(self) -> None:
        for close in reversed(self.closers):
            close()
        self.closers.clear()
        for name in self.memories:
            memory.drop(name)
        self.memories.clear()
        if self.schemas:
            import psycopg

            with psycopg.connect(_postgres_base(), autocommit=True) as conn:
                for schema in self.schemas:
                    conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            self.schemas.clear()


@pytest.fixture
def master_key(monkeypatch: pytest.MonkeyPatch) -> str:
    key = pathways.crypto.new_master_key()
    monkeypatch.setenv("PATHWAYS_MASTER_KEY", key)
    monkeypatch.delenv("PATHWAYS_KEY_FILE", raising=False)
    return key


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def stores(request: pytest.FixtureRequest, tmp_path: Path, master_key: str) -> Iterator[Stores]:
    if request.param == "postgres":
        import psycopg

        try:
            psycopg.connect(_postgres_base(), connect_timeout=3).close()
        except psycopg.OperationalError as error:
            if os.environ.get("PATHWAYS_REQUIRE_POSTGRES"):
                pytest.fail(f"PostgreSQL is required but not reachable at {POSTGRES}: {error}")
            pytest.skip(f"PostgreSQL not reachable at {POSTGRES}: {error}")
    found = Stores(request.param, tmp_path)
    try:
        yield found
    finally:
        found.close()


# --- helpers ------------------------------------------------------------------------------


def import_dicts(app: Pathways, rows: list[dict[str, Any]]) -> None:
    app.import_lines([json.dumps(row, default=str) for row in rows], ACTOR)


def worked_example(stores: Stores) -> tuple[Pathways, Views]:
    app, views = stores.views()
    app.import_lines(WORKED.read_text().splitlines(), ACTOR)
    return app, views


def open_alerts(views: Views, as_of: date, known_at: str | None = None) -> set[tuple[str, str]]:
    """(code, since) of every open alert as of a date, as known at a time."""
    lines = views.lines(views.point(as_of, known_at))
    return {(a.alert, a.since.isoformat()) for line in lines for a in line.alerts}


def table_rows(projection: TimelinesProjection) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the read model's current generation, by role (youth, follower, log),
    and the tracking row's (name, position)."""
    store = projection.store
    found = {}
    with store.session(write=False) as session:
        tracking = projection.tracking(session)
        names = projection.tables(tracking.generation)
        for role, name in names.items():
            rows = session.rows(f"SELECT * FROM {name} ORDER BY 1, 2")
            found[role] = sorted(tuple(r.values() if isinstance(r, dict) else r) for r in rows)
        found["pw_tracking"] = [(projection.name, tracking.position)]
    return found


def packed_facts(rows: dict[str, list[tuple[Any, ...]]]) -> int:
    """How many facts the youths' rows hold."""
    return sum(len(json.loads(row[-1])) for row in rows["youth"])


def fact_events(store: Store) -> int:
    return sum(
        1
        for r in store.iter_log()
        if isinstance(r.event, YouthEvent) and r.event.type_name() not in NOT_FACTS
    )


def recompute(store: Store, day: date, upto: int | None = None) -> list[CaseloadLine]:
    """The caseload lines as of a day, as known at a position (default: the head),
    straight from the events: no read model involved."""
    records = [r for r in store.iter_log() if upto is None or r.position <= upto]
    ref = ReferenceData.replay(r.event for r in records if not isinstance(r.event, YouthEvent))
    retracted = {r.event.event_id for r in records if isinstance(r.event, EventRetracted)}
    erased = {r.event.youth for r in records if isinstance(r.event, YouthErased)}
    facts: dict[str, list[Any]] = {}
    births: dict[str, date] = {}
    for recorded in records:
        event = recorded.event
        if not isinstance(event, YouthEvent) or event.type_name() in NOT_FACTS:
            continue
        if event.id in retracted or event.youth in erased:
            continue  # an erased youth is followed by no view
        if recorded.erased:
            # erased after the position: its non-personal fields are still in clear,
            # its birth date is gone for every view (crypto-shredding)
            state = {k: str(v) if isinstance(v, date) else v for k, v in vars(event).items()}
        else:
            state = to_dict(event)
            if isinstance(event, YouthRegistered):
                births[event.youth] = event.birth_date
        facts.setdefault(event.youth, []).append(
            fact_from_state(event.type_name(), state, recorded.position)
        )
    lines = [
        assess(youth, found, day, ref, births.get(youth)) for youth, found in sorted(facts.items())
    ]
    return [line for line in lines if line is not None]


# --- the worked example -------------------------------------------------------------------


def test_the_worked_example_gives_the_expected_alerts_on_each_date(stores: Stores) -> None:
    _app, views = worked_example(stores)
    for as_of, expected in EXPECTED.items():
        lines = views.lines(views.point(date.fromisoformat(as_of)))
        found = sorted(
            (line.youth, a.alert, a.since.isoformat()) for line in lines for a in line.alerts
        )
        assert found == sorted((e["youth"], e["alert"], e["since"]) for e in expected), as_of


def test_the_point_of_a_read_names_its_date_and_position(stores: Stores) -> None:
    app, views = worked_example(stores)
    point = views.point(date(2026, 3, 31))
    assert point.position == app.store.head() == 6
    assert point.meta() == {"as_of": "2026-03-31", "known_at": None, "position": 6}
    assert views.point().as_of == TODAY
    at = views.point(known_at="@3")
    assert (at.position, at.known_at) == (3, "@3")
    assert views.point(known_at="@999").position == 6


# --- corrections and late entries ---------------------------------------------------------


def record(app: Pathways, event: YouthEvent) -> int:
    return app.record(event, ACTOR).positions[-1]


def test_a_retracted_contact_no_longer_silences_no_first_contact(stores: Stores) -> None:
    app, views = worked_example(stores)
    contact = ContactMade(youth="EX-1", occurred_on=date(2026, 1, 15), channel="in-prison")
    record(app, contact)
    day = date(2026, 1, 25)
    assert open_alerts(views, day) == set()
    before = app.store.head()
    app.retract(contact.id, "recorded for the wrong youth", ACTOR)
    assert open_alerts(views, day) == {("no-first-contact", "2026-01-21")}
    # known at a position before the retraction: the contact is seen again
    assert open_alerts(views, day, f"@{before}") == set()
    # ... and before the contact was recorded, the alert is there
    assert open_alerts(views, day, f"@{before - 1}") == {("no-first-contact", "2026-01-21")}


def test_an_amended_date_moves_what_a_contact_silences(stores: Stores) -> None:
    app, views = worked_example(stores)
    contact = ContactMade(youth="EX-1", occurred_on=date(2026, 1, 15), channel="in-prison")
    record(app, contact)
    before = app.store.head()
    app.amend(contact.id, {"occurred_on": date(2026, 1, 22)}, "wrong date", ACTOR)
    assert open_alerts(views, date(2026, 1, 21)) == {("no-first-contact", "2026-01-21")}
    assert open_alerts(views, date(2026, 1, 25)) == set()
    assert open_alerts(views, date(2026, 1, 21), f"@{before}") == set()


def test_a_late_entry_changes_the_past_as_of_views(stores: Stores) -> None:
    app, views = worked_example(stores)
    before = app.store.head()
    record(app, ContactMade(youth="EX-1", occurred_on=date(2026, 1, 20), channel="in-prison"))
    record(
        app,
        ReleasePlanValidated(
            youth="EX-1",
            occurred_on=date(2026, 2, 15),
            housing=True,
            income=False,
            id_document=True,
            health_cover=True,
        ),
    )
    assert open_alerts(views, date(2026, 1, 25)) == set()
    assert open_alerts(views, date(2026, 2, 20)) == set()
    assert ("dry-release", "2026-03-10") not in open_alerts(views, date(2026, 3, 31))
    # as known before the late entries, the old view comes back
    for as_of, expected in EXPECTED.items():
        found = open_alerts(views, date.fromisoformat(as_of), f"@{before}")
        assert found == {(e["alert"], e["since"]) for e in expected}


def test_an_acknowledgement_silences_an_alert_in_the_view(stores: Stores) -> None:
    app, views = worked_example(stores)
    record(app, AlertAcknowledged(youth="EX-1", occurred_on=date(2026, 3, 31), alert="dry-release"))
    assert ("dry-release", "2026-03-10") not in open_alerts(views, date(2026, 3, 31))
    assert ("dry-release", "2026-03-10") in open_alerts(views, date(2026, 3, 30))


def test_a_settings_change_changes_the_alerts_and_known_at_uses_the_old_one(
    stores: Stores,
) -> None:
    app, views = worked_example(stores)
    before = app.store.head()
    change = SettingChanged(name="no-first-contact.days", value="30", occurred_on=TODAY)
    app.commit([Item(change, "settings set")], ACTOR)
    day = date(2026, 1, 25)
    assert open_alerts(views, day) == set()
    assert open_alerts(views, date(2026, 2, 4)) == set()
    assert open_alerts(views, date(2026, 2, 5)) == {("no-first-contact", "2026-02-05")}
    assert open_alerts(views, day, f"@{before}") == {("no-first-contact", "2026-01-21")}
    assert views.reference(views.point(day)).thresholds["no-first-contact.days"] == 30


def test_a_territory_setting_changes_handover_pending(stores: Stores) -> None:
    app, views = worked_example(stores)
    change = SettingChanged(name="territory.rennes", value="ml-saint-malo", occurred_on=TODAY)
    app.commit([Item(change, "settings set")], ACTOR)
    assert ("handover-pending", "2026-03-26") not in open_alerts(views, date(2026, 3, 31))


def test_an_erased_youth_leaves_the_views_but_not_the_past_known_at(stores: Stores) -> None:
    app, views = worked_example(stores)
    before = app.store.head()
    record(app, YouthErased(youth="EX-1", occurred_on=TODAY, reason="request"))
    assert views.lines(views.point(date(2026, 3, 31))) == []
    assert len(views.lines(views.point(date(2026, 3, 31), f"@{before}"))) == 1


def test_the_views_ask_only_for_the_youths_wanted(stores: Stores) -> None:
    app, views = worked_example(stores)
    import_dicts(app, pathway_rows("Y-2", date(2026, 1, 2)))
    point = views.point(date(2026, 3, 31))
    assert [line.youth for line in views.lines(point)] == ["EX-1", "Y-2"]
    assert [line.youth for line in views.lines(point, youths=["Y-2"])] == ["Y-2"]
    assert views.lines(point, youths=["NOBODY"]) == []


def test_ageing_out_opens_on_the_first_day_of_its_window_whatever_the_year(
    stores: Stores,
) -> None:
    """The views decrypt the birth dates of the followed youths who may turn 26 within
    the window only: a birthday on 1 January is the earliest of its birth year."""
    app, views = stores.views()
    for youth, born in (("Y-1", date(2001, 1, 1)), ("Y-2", date(2000, 12, 31))):
        import_dicts(
            app,
            [
                {
                    "type": "YouthRegistered",
                    "youth": youth,
                    "occurred_on": date(2026, 1, 5),
                    "birth_date": born,
                    "residence": "rennes",
                },
                {
                    "type": "SupportStarted",
                    "youth": youth,
                    "occurred_on": date(2026, 1, 5),
                    "organisation": "we-ker",
                    "counsellor": "c-wk-1",
                },
            ],
        )
    days = views.reference(views.point()).thresholds["ageing-out.days"]

    def ageing(youth: str, birthday: date, offset: int) -> bool:
        lines = views.lines(views.point(birthday - timedelta(days=offset)), alerting=True)
        return any(a.alert == "ageing-out" for x in lines if x.youth == youth for a in x.alerts)

    for youth, birthday in (("Y-1", date(2027, 1, 1)), ("Y-2", date(2026, 12, 31))):
        assert ageing(youth, birthday, days), youth
        assert not ageing(youth, birthday, days + 1), youth


def test_a_known_at_date_resolves_to_the_last_position_recorded_by_then(stores: Stores) -> None:
    _app, views = worked_example(stores)
    point = views.point(known_at="2000-01-01")
    assert (point.position, point.as_of) == (0, date(2000, 1, 1))
    assert views.lines(point) == []
    assert views.point(date(2026, 3, 31), "2999-01-01").position == 6


# --- generated pathways -------------------------------------------------------------------


ORGANISATIONS = ("ml-saint-malo", "we-ker", "ml-fougeres")
TERRITORIES = ("rennes", "saint-malo", "fougeres", "outside-35")
FIRST = date(2025, 1, 1)
RETRACTABLE = ("ContactMade", "ReleasePlanValidated", "AlertAcknowledged", "ExpectedReleaseChanged")
THRESHOLDS = (
    "no-first-contact.days",
    "release-unprepared.days",
    "release-overdue.days",
    "dry-release.days",
    "contact-lost.days",
    "handover-pending.days",
    "ageing-out.days",
    "no-support.days",
)


def pathway_rows(youth: str, registered: date) -> list[dict[str, Any]]:
    """A small fixed pathway: registered, in custody, supported, released to Rennes."""
    s = registered - timedelta(days=3)
    return [
        {
            "type": "YouthRegistered",
            "youth": youth,
            "occurred_on": registered,
            "birth_date": date(2003, 4, 1),
            "residence": "fougeres",
        },
        {
            "type": "Incarcerated",
            "youth": youth,
            "occurred_on": s,
            "facility": "cp-rennes-vezin",
            "status": "remand",
        },
        {
            "type": "SupportStarted",
            "youth": youth,
            "occurred_on": registered,
            "organisation": "ml-fougeres",
            "counsellor": "c-fg-1",
        },
        {
            "type": "Released",
            "youth": youth,
            "occurred_on": s + timedelta(days=40),
            "kind": "remand-ended",
            "destination": "rennes",
        },
    ]


@st.composite
def generated_pathway(draw: st.DrawFn, youth: str) -> list[dict[str, Any]]:
    """A valid pathway (registration, support, custodies, supervision, contacts, plans,
    ...), drawn."""

    def day(low: date, most: int) -> date:
        return low + timedelta(days=draw(st.integers(0, most)))

    def row(name: str, on: date, /, **fields: Any) -> dict[str, Any]:
        return {"type": name, "youth": youth, "occurred_on": on, **fields}

    registered = day(FIRST, 400)
    age = draw(st.integers(17, 25))
    born = registered - timedelta(days=age * 365 + draw(st.integers(0, 300)))
    rows = [
        row(
            "YouthRegistered",
            registered,
            birth_date=born,
            residence=draw(st.sampled_from(TERRITORIES)),
        )
    ]
    organisation = draw(st.sampled_from(ORGANISATIONS))
    support = day(registered, 20)
    rows.append(row("SupportStarted", support, organisation=organisation, counsellor="c-1"))
    if draw(st.booleans()):
        closed = day(support + timedelta(days=1), 300)
        rows.append(row("SupportClosed", closed, reason="moved"))
        if draw(st.booleans()):
            rows.append(
                row("SupportStarted", day(closed, 60), organisation="we-ker", counsellor="c-2")
            )
    cursor = registered - timedelta(days=draw(st.integers(10, 40)))
    for number in range(draw(st.integers(0, 2))):
        s = day(cursor, 60) if number == 0 else day(cursor, 30)  # may start on the release day
        expected = day(s + timedelta(days=10), 150) if draw(st.booleans()) else None
        rows.append(
            row(
                "Incarcerated",
                s,
                facility="cp-rennes-vezin",
                status="sentenced",
                **({"expected_release_on": expected} if expected else {}),
            )
        )
        r = day(s + timedelta(days=5), 200)
        if draw(st.booleans()):
            rows.append(
                row(
                    "ExpectedReleaseChanged",
                    s + timedelta(days=draw(st.integers(0, (r - s).days))),
                    expected_release_on=day(s + timedelta(days=1), 200),
                )
            )
        if draw(st.booleans()):
            rows.append(
                row(
                    "ReleasePlanValidated",
                    s + timedelta(days=draw(st.integers(0, (r - s).days))),
                    housing=draw(st.booleans()),
                    income=True,
                    id_document=True,
                    health_cover=draw(st.booleans()),
                )
            )
        rows.append(
            row(
                "Released",
                r,
                kind="end-of-sentence",
                destination=draw(st.sampled_from(TERRITORIES)),
            )
        )
        cursor = r
    for _ in range(draw(st.integers(0, 3))):
        rows.append(row("ContactMade", day(registered - timedelta(days=30), 500), channel="phone"))
    if draw(st.booleans()):
        rows.append(row("ProgrammeEntered", day(registered, 500), programme="cej"))
    if draw(st.booleans()):
        handed = day(registered, 500)
        rows.append(row("HandedOver", handed, to_organisation="we-ker"))
        rows.append(row("HandoverAcknowledged", day(handed, 30), organisation="we-ker"))
    if draw(st.booleans()):
        v = day(registered - timedelta(days=30), 400)
        rows.append(row("CommunitySupervisionStarted", v, measure="probation"))
        if draw(st.booleans()):
            rows.append(row("CommunitySupervisionEnded", day(v + timedelta(days=1), 300)))
    if draw(st.booleans()):
        codes = ("contact-lost", "dry-release", "no-first-contact", "no-support")
        rows.append(
            row("AlertAcknowledged", day(registered, 500), alert=draw(st.sampled_from(codes)))
        )
    # Nothing in the future: what remains is a prefix of the life, hence still valid.
    return [r for r in rows if r["occurred_on"] <= TODAY]


def acknowledgeable(rows: list[dict[str, Any]], ref: ReferenceData) -> list[dict[str, Any]]:
    """A generated pathway whose acknowledgement is of an alert open on its date (a write
    rule): the drawn alert if it is open, else the first open one, else none."""
    from pathways.domain.rules import open_alerts
    from pathways.domain.timeline import Entry, sort_entries
    from pathways.interchange import from_dict

    kept = []
    for row in rows:
        if row["type"] != "AlertAcknowledged":
            kept.append(row)
            continue
        others = [r for r in rows if r["type"] != "AlertAcknowledged"]
        events = [from_dict(json.loads(json.dumps(r, default=str))) for r in others]
        timeline = sort_entries([Entry(e, n) for n, e in enumerate(events, 1)])  # type: ignore[arg-type]
        birth = next(e.birth_date for e in events if isinstance(e, YouthRegistered))
        found = open_alerts(row["youth"], timeline, row["occurred_on"], ref, birth)
        if found:
            kept.append({**row, "alert": row["alert"] if row["alert"] in found else found[0]})
    return kept


@st.composite
def operations(draw: st.DrawFn) -> list[tuple[str, Any]]:
    """A sequence of writes: pathways, late entries, retractions, settings, erasures."""
    ops: list[tuple[str, Any]] = [("import", draw(generated_pathway("Y-1")))]
    for number in range(2, 2 + draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(("import", "late", "retract", "setting", "erase")))
        if kind == "import":
            ops.append(("import", draw(generated_pathway(f"Y-{number}"))))
        elif kind == "late":
            ops.append(("late", day_after(draw, FIRST, 600)))
        elif kind == "retract":
            ops.append(("retract", draw(st.integers(0, 1000))))
        elif kind == "setting":
            ops.append(("setting", (draw(st.sampled_from(THRESHOLDS)), draw(st.integers(5, 90)))))
        else:
            ops.append(("erase", draw(st.integers(0, 1000))))
    return ops


def day_after(draw: st.DrawFn, low: date, most: int) -> date:
    return low + timedelta(days=draw(st.integers(0, most)))


class Scenario:
    """Plays generated operations on an application, remembering what it may retract."""

    def __init__(self, app: Pathways) -> None:
        self.app = app
        self.youths: list[str] = []
        self.registered: dict[str, date] = {}
        self.retractable: list[uuid.UUID] = []

    def play(self, op: tuple[str, Any]) -> None:
        kind, value = op
        app = self.app
        live = [y for y in self.youths if y in self.registered]
        if kind == "import":
            youth = value[0]["youth"]
            import_dicts(app, acknowledgeable(value, app.reference()))
            self.youths.append(youth)
            self.registered[youth] = value[0]["occurred_on"]
            for recorded in app.store.load(app.store.stream_id(youth)):
                if recorded.event.type_name() in RETRACTABLE:
                    self.retractable.append(recorded.event.id)
        elif kind == "late" and live:
            youth = live[0]
            on = max(value, self.registered[youth])
            event = ContactMade(youth=youth, occurred_on=min(on, TODAY), channel="office")
            app.record(event, ACTOR)
            self.retractable.append(event.id)
        elif kind == "retract" and self.retractable:
            target = self.retractable.pop(value % len(self.retractable))
            app.retract(target, "a mistake", ACTOR)
        elif kind == "setting":
            name, days = value
            change = SettingChanged(name=name, value=str(days), occurred_on=TODAY)
            app.commit([Item(change, "settings set")], ACTOR)
        elif kind == "erase" and live:
            youth = live[value % len(live)]
            app.record(YouthErased(youth=youth, occurred_on=TODAY, reason="request"), ACTOR)
            del self.registered[youth]
            stream = app.store.stream_id(youth)
            gone = {r.event.id for r in app.store.load(stream)}
            self.retractable = [i for i in self.retractable if i not in gone]


def edges_of(store: Store) -> list[date]:
    """Days near the custodies, supervisions and closures of a store, where the custody,
    release and no-support alerts change."""
    days = set()
    for recorded in store.iter_log():
        if isinstance(
            recorded.event, Incarcerated | Released | CommunitySupervisionStarted | SupportClosed
        ):
            for offset in (0, 16, 31, 100):
                days.add(recorded.event.occurred_on + timedelta(days=offset))
    return sorted(days)[:16]


AS_OF_DAYS = [date(2025, 3, 1), date(2025, 9, 15), date(2026, 2, 1), date(2026, 6, 30), TODAY]


@HYPOTHESIS
@given(ops=operations())
def test_incremental_tables_equal_a_rebuild(stores: Stores, ops: list[tuple[str, Any]]) -> None:
    with stores.example():
        app, views = stores.views()
        scenario = Scenario(app)
        for op in ops:
            scenario.play(op)
            views.projection.catch_up()  # as the read after each write does
        incremental = table_rows(views.projection)
        assert incremental["pw_tracking"] == [("timelines", app.store.head())]
        views.projection.rebuild()
        assert table_rows(views.projection) == incremental


@HYPOTHESIS
@given(ops=operations())
def test_the_views_equal_a_recomputation_from_the_events(
    stores: Stores, ops: list[tuple[str, Any]]
) -> None:
    with stores.example():
        app, views = stores.views()
        scenario = Scenario(app)
        for op in ops:
            scenario.play(op)
        head = app.store.head()
        for day in AS_OF_DAYS + edges_of(app.store):
            assert views.lines(views.point(day)) == recompute(app.store, day), day
            for upto in {head // 3, 2 * head // 3}:
                point = views.point(day, f"@{upto}")
                assert views.lines(point) == recompute(app.store, day, upto), (day, upto)


@HYPOTHESIS
@given(first=generated_pathway("Y-1"), later=operations())
def test_a_known_at_view_never_changes_afterwards(
    stores: Stores, first: list[dict[str, Any]], later: list[tuple[str, Any]]
) -> None:
    with stores.example():
        app, views = stores.views()
        scenario = Scenario(app)
        scenario.play(("import", first))
        position = app.store.head()
        known = f"@{position}"

        def snapshot() -> list[Any]:
            points = [views.point(day, known) for day in AS_OF_DAYS]
            points.append(views.point(known_at=known))
            assert all(p.position == position for p in points)
            return [(p, views.lines(p)) for p in points]

        before = snapshot()
        # later[0] would import Y-1 again; an erasure shreds the birth date that a past
        # ageing-out needs, so it is the one write that may change a known-at view
        for op in later[1:]:
            if op[0] != "erase":
                scenario.play(op)
        scenario.play(("late", FIRST))
        scenario.play(("retract", 0))
        scenario.play(("setting", ("contact-lost.days", 7)))
        assert snapshot() == before


# --- exactly once -------------------------------------------------------------------------


def many_youths(app: Pathways, count: int) -> None:
    for number in range(count):
        import_dicts(app, pathway_rows(f"Y-{number}", date(2026, 1, 10) + timedelta(days=number)))


def test_two_concurrent_catch_ups_apply_each_event_once(
    stores: Stores, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(timelines_module, "PAGE", 3)
    url = stores.new_url()
    app, _ = stores.app(url, views=False)
    many_youths(app, 12)
    head = app.store.head()
    one = stores.projection(stores.store(url))
    two = stores.projection(stores.store(url))
    start = threading.Barrier(2)
    applied: list[int] = []
    errors: list[BaseException] = []

    def run(projection: TimelinesProjection) -> None:
        try:
            start.wait()
            applied.append(projection.catch_up())
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(p,)) for p in (one, two)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sum(applied) == head
    rows = table_rows(one)
    assert packed_facts(rows) == fact_events(app.store) == 4 * 12
    assert rows["log"][-1][0] == head  # the recording time of every position is known
    assert rows["pw_tracking"] == [("timelines", head)]
    one.rebuild()
    assert table_rows(two) == rows


def test_read_models_opened_at_once_on_a_fresh_store_all_start(stores: Stores) -> None:
    url = stores.new_url()
    opened = [stores.store(url) for _ in range(4)]
    start = threading.Barrier(len(opened))
    made: list[TimelinesProjection] = []
    errors: list[BaseException] = []

    def run(store: Store) -> None:
        start.wait()
        try:
            made.append(stores.projection(store))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(store,)) for store in opened]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert [p.status().lag for p in made] == [0, 0, 0, 0]


# --- a crash inside a page ----------------------------------------------------------------


CHILD = """
import sys, time
from pathways.projections import timelines
from pathways.projections.timelines import TimelinesProjection
from pathways.store import open_store

timelines.PAGE = 4
from pathways.projections.apply import Projector
original = Projector.apply
calls = []

def slow(self, session, page):
    original(self, session, page)
    calls.append(len(page))
    if len(calls) == 2:
        print("inside the second page", flush=True)
        time.sleep(120)

Projector.apply = slow
TimelinesProjection(open_store(sys.argv[1])).catch_up()
print("finished", flush=True)
"""


def test_a_catch_up_killed_inside_a_page_leaves_nothing_of_it(stores: Stores) -> None:
    if stores.backend == "memory":
        pytest.skip("a memory store lives in one process: a child process cannot open it")
    url = stores.new_url()
    app, _ = stores.app(url, views=False)
    many_youths(app, 4)
    head = app.store.head()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        ready, _, _ = fdselect.select([child.stdout], [], [], 60)
        assert ready, "the child catch-up never reached its second page"
        said = child.stdout.readline()
        assert said == "inside the second page\n", child.stderr.read() if child.stderr else ""
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(30)
    assert child.returncode == -signal.SIGKILL
    projection = stores.projection(stores.store(url))
    assert projection.position() == 4  # the first page was committed, the second was not
    assert table_rows(projection)["log"][-1][0] == 4
    assert projection.catch_up() == head - 4
    caught_up = table_rows(projection)
    assert packed_facts(caught_up) == fact_events(app.store)
    assert caught_up["log"][-1][0] == head
    projection.rebuild()
    assert table_rows(projection) == caught_up


def test_a_rebuild_reports_what_it_replayed(stores: Stores) -> None:
    app, views = worked_example(stores)
    record(
        app,
        Incarcerated(youth="EX-1", occurred_on=date(2026, 5, 1), facility="other", status="remand"),
    )
    seen: list[int] = []
    assert views.projection.rebuild(seen.append) == app.store.head() == 7
    assert sum(seen) == 7
    assert views.projection.status().lag == 0
