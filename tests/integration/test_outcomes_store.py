"""Indicators on real stores: the read model's cases equal a recomputation from the events,
and a table as known at a log position stays the same whatever is recorded later.

- `Views.cases` on a demo cohort (SQLite; once on PostgreSQL) equals `outcomes.cases`
  run on facts built straight from the log (retracted events dropped), as of several
  dates and as known at several positions, for both cohorts;
- a hypothesis property: `outcomes` as known at `@N` (the point, then `tabulate` and
  `compare`) gives the same rows before and after later events are recorded (new
  releases, back-dated contacts, a retraction of an event known at N).
"""

from __future__ import annotations

import os
import secrets
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

import pathways.application.checks
import pathways.crypto
from pathways import demo, exports, mining
from pathways.application import Item, Pathways
from pathways.domain import outcomes
from pathways.domain.events import EventRetracted, YouthEvent, YouthRegistered
from pathways.domain.facts import NOT_FACTS, Fact, fact_from_state, in_life_order
from pathways.domain.outcomes import COMMUNITY_INDICATORS, RELEASE_INDICATORS, Case
from pathways.domain.reference import ReferenceData
from pathways.exports import Privacy
from pathways.interchange import from_dict, to_dict
from pathways.projections import Views, attach
from pathways.store import Recorded, open_store

TODAY = date(2026, 11, 27)
ACTOR = "evaluator-test"
YOUTHS = 120
POSTGRES = os.environ.get("PATHWAYS_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
PERIODS = [
    (date(2025, 1, 1), TODAY),
    (date(2025, 7, 1), date(2025, 12, 31)),
    (date(2026, 1, 1), date(2026, 3, 31)),
]


# --- stores ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def key() -> Iterator[str]:
    """One master key for the module (the demo store is built once, then copied)."""
    with pytest.MonkeyPatch.context() as patch:
        found = pathways.crypto.new_master_key()
        patch.setenv("PATHWAYS_MASTER_KEY", found)
        patch.delenv("PATHWAYS_KEY_FILE", raising=False)
        yield found


@pytest.fixture(autouse=True)
def _same_key(key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATHWAYS_MASTER_KEY", key)


class Opened:
    """Stores and views opened by a test, closed after it."""

    def __init__(self) -> None:
        self.closers: list[Any] = []

    def views(self, url: str) -> Views:
        store = open_store(url, create=True)
        app = Pathways(store, today=lambda: TODAY)
        views = attach(app)
        self.closers += [views.projection.close, store.close]
        return views

    def close(self) -> None:
        for close in self.closers:
            close()


@pytest.fixture
def opened() -> Iterator[Opened]:
    found = Opened()
    yield found
    found.close()


@pytest.fixture(scope="module")
def demo_file(key: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo cohort written once (batch by batch, at simulated recording times)."""
    path = tmp_path_factory.mktemp("outcomes") / "demo.sqlite3"
    store = open_store(str(path), create=True)
    app = Pathways(store, today=lambda: TODAY)
    views = attach(app)
    summary = demo.write_demo(app, YOUTHS, 35, TODAY)
    assert summary.releases > 40
    assert summary.retractions > 0
    views.projection.catch_up()
    views.projection.close()
    store.close()
    return path


@pytest.fixture
def demo_copy(demo_file: Path, tmp_path: Path) -> str:
    """A copy of the demo store that a test may write to."""
    target = tmp_path / "copy.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        source = Path(str(demo_file) + suffix)
        if source.exists():
            shutil.copy(source, str(target) + suffix)
    return str(target)


# --- a recomputation straight from the log ---------------------------------------------------


class FromLog:
    """The cases computed straight from the events recorded up to a position (no read
    model involved): retracted events dropped, facts built from each event's
    interchange form (with the birth year of the registration, and the age band on the
    date of a release or a start of supervision, from the birth date)."""

    def __init__(self, records: list[Recorded], upto: int | None = None) -> None:
        records = [r for r in records if upto is None or r.position <= upto]
        self.ref = ReferenceData.replay(
            r.event for r in records if not isinstance(r.event, YouthEvent)
        )
        retracted = {r.event.event_id for r in records if isinstance(r.event, EventRetracted)}
        births = {
            r.event.youth: r.event.birth_date
            for r in records
            if isinstance(r.event, YouthRegistered) and r.event.birth_date is not None
        }
        facts: dict[str, list[Fact]] = {}
        self.registered: dict[str, dict[str, Any]] = {}
        for recorded in records:
            event = recorded.event
            if not isinstance(event, YouthEvent) or event.type_name() in NOT_FACTS:
                continue
            if event.id in retracted:
                continue
            state = to_dict(event)
            if isinstance(event, YouthRegistered):
                state["birth_year"] = event.birth_date.year
                self.registered[event.youth] = state
            elif event.type_name() in BANDED and event.youth in births:
                state["age_band"] = band_on(births[event.youth], event.occurred_on)
            facts.setdefault(event.youth, []).append(
                fact_from_state(event.type_name(), state, recorded.position)
            )
        self.facts = {youth: in_life_order(found) for youth, found in facts.items()}

    def cases(self, first: date, last: date, as_of: date, cohort: str) -> list[Case]:
        found: list[Case] = []
        for youth, youth_facts in self.facts.items():
            registration = self.registered.get(youth)
            if registration is None:
                # @N inside a batch whose registration line comes later: not known yet.
                continue
            found.extend(
                outcomes.cases(
                    youth,
                    youth_facts,
                    as_of,
                    first,
                    last,
                    self.ref,
                    sex=registration.get("sex"),
                    birth_year=registration["birth_year"],
                    residence=registration["residence"],
                    cohort=cohort,
                )
            )
        return ordered(found)


#: The facts that keep the age band on their date.
BANDED = ("Released", "CommunitySupervisionStarted")


def band_on(birth: date, day: date) -> str:
    """The band of the exact age on a day, recomputed here from the birthday."""
    age = day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
    return "16-17" if age < 18 else "18-20" if age <= 20 else "21-25" if age <= 25 else "26+"


def ordered(found: list[Case]) -> list[Case]:
    return sorted(found, key=lambda c: (c.youth, c.day))


def check_equal_to_the_log(views: Views) -> int:
    """Views.cases == the recomputation, for several periods, dates and positions."""
    store = views.app.store
    head = store.head()
    records = list(store.iter_log())
    compared = 0
    for upto in (None, head // 2, head // 5):
        known_at = None if upto is None else f"@{upto}"
        log = FromLog(records, upto)
        for as_of in (TODAY, date(2026, 4, 15), date(2025, 10, 1)):
            point = views.point(as_of, known_at)
            assert point.position == (head if upto is None else upto)
            for cohort in ("releases", "community"):
                for first, last in PERIODS:
                    found = ordered(views.cases(point, first, last, cohort))
                    expected = log.cases(first, last, as_of, cohort)
                    assert found == expected, (known_at, as_of, cohort, first, last)
                    compared += len(found)
    return compared


def test_the_cases_of_the_read_model_equal_a_recomputation_from_the_events(
    demo_file: Path, opened: Opened
) -> None:
    views = opened.views(str(demo_file))
    assert check_equal_to_the_log(views) > 500
    # Sanity: the demo cohort exercises what the indicators look at.
    point = views.point(TODAY)
    found = views.cases(point, date(2025, 1, 1), TODAY)
    assert {c.groups["measure"] for c in found} > {"none"}
    assert any(c.outcomes["handover-within-30d"] is not None for c in found)
    assert any(c.outcomes["adjusted-release"] is None for c in found)
    assert any(c.outcomes["reincarcerated-within-365d"] for c in found)
    assert views.cases(point, date(2025, 1, 1), TODAY, "community")


@pytest.mark.postgres
def test_the_cases_equal_a_recomputation_on_postgresql(opened: Opened) -> None:
    import psycopg

    base = POSTGRES.split("?", 1)[0]
    try:
        psycopg.connect(base, connect_timeout=3).close()
    except psycopg.OperationalError as error:  # pragma: no cover - no server here
        if os.environ.get("PATHWAYS_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL not reachable at {POSTGRES}: {error}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES}: {error}")
    schema = f"t_{secrets.token_hex(6)}"
    separator = "&" if "?" in POSTGRES else "?"
    try:
        views = opened.views(f"{POSTGRES}{separator}schema={schema}")
        demo.write_demo(views.app, 60, 36, TODAY)
        assert check_equal_to_the_log(views) > 100
    finally:
        opened.close()
        opened.closers.clear()
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_a_retraction_leaves_the_cases_of_every_later_read(demo_copy: str, opened: Opened) -> None:
    """A retracted release is gone as of every date; known at a position before the
    retraction, it is back."""
    views = opened.views(demo_copy)
    app = views.app
    before = views.point(TODAY)
    found = views.cases(before, date(2025, 1, 1), TODAY)
    retracted = _retracted(app)
    release = next(
        r
        for r in app.store.iter_log()
        if r.event.type_name() == "Released"
        and date(2025, 1, 1) <= r.event.occurred_on
        and r.event.id not in retracted
        and _last_custody_event(app, r.event.youth) == r.event.id
    )
    app.retract(release.event.id, "recorded for the wrong youth", ACTOR)
    after = views.cases(views.point(TODAY), date(2025, 1, 1), TODAY)
    gone = (release.event.youth, release.event.occurred_on.toordinal())
    assert gone in {(c.youth, c.day) for c in found}
    assert gone not in {(c.youth, c.day) for c in after}
    assert len(after) == len(found) - 1
    replay = views.cases(views.point(TODAY, f"@{before.position}"), date(2025, 1, 1), TODAY)
    assert ordered(replay) == ordered(found)
    assert check_equal_to_the_log(views) > 0


def _retracted(app: Pathways) -> set[uuid.UUID]:
    return {r.event.event_id for r in app.store.iter_log() if isinstance(r.event, EventRetracted)}


def _last_custody_event(app: Pathways, youth: str) -> uuid.UUID | None:
    """The id of the latest Incarcerated / Released of a youth (retracting it is valid)."""
    lines = [
        line
        for line in app.history(youth, TODAY)
        if line.recorded.event.type_name() in ("Incarcerated", "Released")
    ]
    return lines[-1].recorded.event.id if lines else None


# --- known at @N: later events change nothing --------------------------------------------


@dataclass(frozen=True)
class Later:
    """What gets recorded after the position N of a read."""

    youths: int
    contacts: int
    retract: bool
    seed: int


def later_events(views: Views, later: Later, tag: str) -> list[dict[str, Any]]:
    """New youths released in the periods looked at, back-dated contacts for known ones."""
    rng = _Random(later.seed)
    lines: list[dict[str, Any]] = []
    for i in range(later.youths):
        youth = f"LATE-{tag}-{i}"
        s = date(2025, 1, 1) + timedelta(days=rng.below(500))
        r = s + timedelta(days=10 + rng.below(150))
        registered = s + timedelta(days=rng.below(8))
        territory = rng.pick(["rennes", "saint-malo", "vitre", "outside-35"])
        common = {"youth": youth}
        lines += [
            {
                **common,
                "type": "YouthRegistered",
                "occurred_on": registered.isoformat(),
                "birth_date": date(registered.year - 19, 5, 4).isoformat(),
                "residence": territory,
                "sex": rng.pick(["female", "male"]),
            },
            {
                **common,
                "type": "Incarcerated",
                "occurred_on": s.isoformat(),
                "facility": "cp-rennes-vezin",
                "status": "sentenced",
                "sentence_band": "under-6-months",
            },
            {
                **common,
                "type": "SupportStarted",
                "occurred_on": registered.isoformat(),
                "organisation": "we-ker",
                "counsellor": "c-wk-01",
            },
            {
                **common,
                "type": "ContactMade",
                "occurred_on": (s + timedelta(days=rng.below(10))).isoformat(),
                "channel": "in-prison",
            },
            {
                **common,
                "type": "Released",
                "occurred_on": r.isoformat(),
                "kind": rng.pick(["end-of-sentence", "conditional-release", "remand-ended"]),
                "destination": territory,
            },
            {
                **common,
                "type": "ProgrammeEntered",
                "occurred_on": min(TODAY, r + timedelta(days=rng.below(200))).isoformat(),
                "programme": "cej",
            },
        ]
    known = sorted(views.youths(views.point(TODAY)))
    for _ in range(later.contacts):
        youth = known[rng.below(len(known))]
        registered_on = next(
            line.recorded.event.occurred_on
            for line in views.app.history(youth)
            if line.recorded.event.type_name() == "YouthRegistered"
        )
        span = (TODAY - registered_on).days
        lines.append(
            {
                "type": "ContactMade",
                "youth": youth,
                "occurred_on": (registered_on + timedelta(days=rng.below(span + 1))).isoformat(),
                "channel": "office",
            }
        )
    return lines


class _Random:
    def __init__(self, seed: int) -> None:
        import random

        self.rng = random.Random(seed)

    def below(self, n: int) -> int:
        return self.rng.randrange(n)

    def pick(self, items: list[str]) -> str:
        return self.rng.choice(items)


def table(views: Views, as_of: date | None, known_at: str, by: tuple[str, ...]) -> Any:
    point = views.point(as_of, known_at)
    found = views.cases(point, date(2025, 1, 1), date(2026, 6, 30))
    community = views.cases(point, date(2025, 1, 1), date(2026, 6, 30), "community")
    ref = views.reference(point)
    territories = {code: m.territory for code, m in ref.measures.items()}
    return (
        point.meta(),
        outcomes.tabulate(found, by, RELEASE_INDICATORS, 5),
        outcomes.tabulate(community, by, COMMUNITY_INDICATORS, 5),
        outcomes.compare(found, "measure", RELEASE_INDICATORS, 5, None, territories),
        outcomes.compare(found, "territory", RELEASE_INDICATORS, 5, None, territories),
    )


RETRACTABLE = ("ContactMade", "ReleasePlanValidated", "RightObtained", "EnrolledInMeasure")


@pytest.fixture(scope="module")
def growing(key: str, demo_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Views]:
    """A copy of the demo store that the examples of the property keep writing to."""
    target = tmp_path_factory.mktemp("growing") / "s.sqlite3"
    shutil.copy(demo_file, target)
    store = open_store(str(target), create=True)
    views = attach(Pathways(store, today=lambda: TODAY))
    yield views
    views.projection.close()
    store.close()


@settings(
    max_examples=int(os.environ.get("PATHWAYS_OUTCOMES_EXAMPLES", "20")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    fraction=st.floats(0.2, 1.0),
    as_of=st.sampled_from([None, TODAY, date(2026, 3, 31), date(2025, 12, 31)]),
    by=st.sampled_from([(), ("territory",), ("measure", "quarter"), ("age-band",)]),
    later=st.builds(
        Later,
        youths=st.integers(0, 6),
        contacts=st.integers(0, 12),
        retract=st.booleans(),
        seed=st.integers(0, 2**32),
    ),
)
def test_outcomes_known_at_a_position_do_not_change_with_later_events(
    growing: Views,
    fraction: float,
    as_of: date | None,
    by: tuple[str, ...],
    later: Later,
) -> None:
    views = growing
    app = views.app
    head = app.store.head()
    position = max(1, int(head * fraction))
    known_at = f"@{position}"
    before = table(views, as_of, known_at, by)

    tag = secrets.token_hex(3).upper()
    lines = later_events(views, later, tag)
    wrote = False
    if lines:
        items = [Item(from_dict(line), f"line {n}", n) for n, line in enumerate(lines, 1)]
        # (lines without id get ids from their content: one that repeats a stored step is
        # skipped, so what was written is what the receipt says)
        wrote = app.commit(items, ACTOR).stored > 0
    if later.retract:
        # Retract a step that the read at @N did see.
        retracted = _retracted(app)
        candidates = [
            r
            for r in app.store.iter_log(upto=position)
            if r.event.type_name() in RETRACTABLE and r.event.id not in retracted
        ]
        if candidates:
            target = candidates[later.seed % len(candidates)]
            app.retract(target.event.id, "a mistake", ACTOR)
            wrote = True
    assert app.store.head() > head or not wrote

    assert table(views, as_of, known_at, by) == before
    # The same read at the head does see the releases that were added.
    if later.youths:
        now = views.cases(views.point(TODAY), date(2025, 1, 1), TODAY)
        assert sum(c.youth.startswith(f"LATE-{tag}-") for c in now) == later.youths


# --- exact age bands: kept with the events, through erasure and rebuilds ------------------

#: youth -> (birth date, day of the release or start of supervision, exact band that day)
BANDED_YOUTHS = {
    "AGE-1": (date(2000, 6, 15), date(2026, 6, 14), "21-25"),  # 25: the year alone says 26
    "AGE-2": (date(2000, 6, 15), date(2026, 6, 15), "26+"),
    "AGE-3": (date(2008, 3, 1), date(2026, 2, 28), "16-17"),
    "AGE-4": (date(2008, 3, 1), date(2026, 3, 1), "18-20"),
    "AGE-5": (date(2005, 3, 1), date(2026, 2, 28), "18-20"),
    "AGE-6": (date(2005, 3, 1), date(2026, 3, 1), "21-25"),
}
REGISTERED = date(2026, 1, 10)  # AGE-3 and AGE-4 are 17 that day (the year alone: 18)
BANDS_FROM, BANDS_TO = date(2026, 1, 1), date(2026, 6, 30)


def banded_lines(cohort: str = "releases") -> list[dict[str, Any]]:
    """The youths of BANDED_YOUTHS, released on their day (or supervised from it)."""
    lines: list[dict[str, Any]] = []
    for youth, (birth, day, _band) in BANDED_YOUTHS.items():
        lines.append(
            {
                "type": "YouthRegistered",
                "youth": youth,
                "occurred_on": REGISTERED.isoformat(),
                "birth_date": birth.isoformat(),
                "residence": "rennes",
            }
        )
        if cohort == "community":
            lines.append(
                {
                    "type": "CommunitySupervisionStarted",
                    "youth": youth,
                    "occurred_on": day.isoformat(),
                    "measure": "probation",
                }
            )
            continue
        lines += [
            {
                "type": "Incarcerated",
                "youth": youth,
                "occurred_on": (day - timedelta(days=60)).isoformat(),
                "facility": "cp-rennes-vezin",
                "status": "sentenced",
            },
            {
                "type": "Released",
                "youth": youth,
                "occurred_on": day.isoformat(),
                "kind": "end-of-sentence",
                "destination": "rennes",
            },
        ]
    return lines


def write_banded(views: Views, cohort: str = "releases") -> None:
    items = [Item(from_dict(line), f"line {n}", n) for n, line in enumerate(banded_lines(cohort))]
    views.app.commit(items, ACTOR)


def bands(views: Views, cohort: str = "releases") -> dict[str, str]:
    found = views.cases(views.point(TODAY), BANDS_FROM, BANDS_TO, cohort)
    return {case.youth: case.groups["age-band"] for case in found}


def erase(views: Views, *youths: str) -> None:
    erasures = [
        Item(from_dict({"type": "YouthErased", "youth": y, "occurred_on": TODAY.isoformat(),
                        "reason": "request"}), "", n)
        for n, y in enumerate(youths)
    ]  # fmt: skip
    views.app.commit(erasures, ACTOR)


EXPECTED_BANDS = {youth: band for youth, (_birth, _day, band) in BANDED_YOUTHS.items()}


def test_the_age_band_at_release_is_that_of_the_exact_age_on_the_release_day(
    tmp_path: Path, opened: Opened
) -> None:
    views = opened.views(str(tmp_path / "s.sqlite3"))
    write_banded(views)
    assert bands(views) == EXPECTED_BANDS
    # Kept in clear beside the fields of the stored release, which still decodes.
    store = views.app.store
    (state,) = [
        s for s in store.clear_states(["Released"]) if s["youth"] == "AGE-1"
    ]  # fmt: skip
    assert state["age_band"] == "21-25"
    assert "birth_date" not in state
    assert {line.recorded.event.type_name() for line in views.app.history("AGE-1")} == {
        "YouthRegistered",
        "Incarcerated",
        "Released",
    }


def test_the_age_band_survives_erasure_and_a_rebuild_after_it(
    tmp_path: Path, opened: Opened
) -> None:
    views = opened.views(str(tmp_path / "s.sqlite3"))
    write_banded(views)
    erase(views, "AGE-1", "AGE-3", "AGE-5")
    assert bands(views) == EXPECTED_BANDS
    views.projection.rebuild()
    assert bands(views) == EXPECTED_BANDS
    # Nothing of the birth date is left to compute it from.
    y = views.tables(views.projection.current().generation).youth
    with views.reading() as conn:
        sealed = dict(conn.execute(select(y.c.youth, y.c.sealed)).all())
    assert sealed["AGE-1"] is None
    (registration,) = [
        line.recorded
        for line in views.app.history("AGE-1")
        if isinstance(line.recorded.event, YouthRegistered)
    ]
    assert registration.erased


def test_the_community_cohort_band_is_that_of_the_start_of_supervision(
    tmp_path: Path, opened: Opened
) -> None:
    views = opened.views(str(tmp_path / "s.sqlite3"))
    write_banded(views, "community")
    assert bands(views, "community") == EXPECTED_BANDS
    erase(views, "AGE-1", "AGE-4")
    views.projection.rebuild()
    assert bands(views, "community") == EXPECTED_BANDS


def test_an_amended_release_date_gets_the_band_of_its_new_date(
    tmp_path: Path, opened: Opened
) -> None:
    views = opened.views(str(tmp_path / "s.sqlite3"))
    write_banded(views)
    release = next(
        line.recorded.event
        for line in views.app.history("AGE-2")
        if line.recorded.event.type_name() == "Released"
    )
    assert bands(views)["AGE-2"] == "26+"  # released on the 26th birthday
    views.app.amend(release.id, {"occurred_on": date(2026, 6, 14)}, "wrong date", ACTOR)
    assert bands(views)["AGE-2"] == "21-25"  # the day before
    erase(views, "AGE-2")
    views.projection.rebuild()
    assert bands(views)["AGE-2"] == "21-25"


def test_a_release_stored_without_its_band_gets_it_from_the_birth_date_until_erased(
    tmp_path: Path, opened: Opened, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Events stored before the store kept the band: the read model computes it from the
    birth date while the key exists, and keeps it; a rebuild after the erasure can only
    use the birth year (the age reached in the year: up to a year too old)."""
    views = opened.views(str(tmp_path / "s.sqlite3"))
    with monkeypatch.context() as patch:
        patch.setattr(pathways.application.checks, "_derived", lambda *_: None)
        write_banded(views)
    (state,) = [s for s in views.app.store.clear_states(["Released"]) if s["youth"] == "AGE-1"]
    assert "age_band" not in state  # as an event stored before this version
    assert bands(views) == EXPECTED_BANDS
    views.projection.rebuild()
    assert bands(views) == EXPECTED_BANDS
    erase(views, "AGE-1", "AGE-3")
    assert bands(views) == EXPECTED_BANDS
    views.projection.rebuild()
    assert bands(views) == {**EXPECTED_BANDS, "AGE-1": "26+", "AGE-3": "18-20"}


def test_exports_leave_out_the_kept_band_and_mining_uses_the_exact_one(
    tmp_path: Path, opened: Opened
) -> None:
    views = opened.views(str(tmp_path / "s.sqlite3"))
    write_banded(views)
    store = views.app.store
    privacy = Privacy(personal=True, references=True)
    rows = list(exports.iter_log(store, privacy))
    assert all("age_band" not in row and "birth_year" not in row for row in rows)
    assert [from_dict(row).type_name() for row in rows[:3]] == [  # re-imports as is
        "YouthRegistered",
        "Incarcerated",
        "Released",
    ]
    found, _measures = mining.pathways(store, privacy)
    by_youth = {p.case: p for p in found}
    # The age band on the registration day, exact: AGE-3 is 17 on 2026-01-10.
    assert {case: p.attributes["age_band"] for case, p in by_youth.items()} == {
        "AGE-1": "21-25",
        "AGE-2": "21-25",
        "AGE-3": "16-17",
        "AGE-4": "16-17",
        "AGE-5": "18-20",
        "AGE-6": "18-20",
    }
    log = mining.ocel(found, {})
    assert all(a["name"] != "age_band" for e in log["events"] for a in e["attributes"])
