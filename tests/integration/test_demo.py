"""The synthetic cohort: valid batch by batch and as one file, realistic, deterministic, private."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import pathways.crypto
from pathways import demo
from pathways.application import Pathways
from pathways.cli import cli
from pathways.domain.errors import PathwaysError
from pathways.store import open_store

END = date(2025, 12, 31)


@pytest.fixture(autouse=True)
def master_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATHWAYS_MASTER_KEY", pathways.crypto.new_master_key())
    monkeypatch.setenv("PATHWAYS_ACTOR", "tester")  # the first admin of `init --admin tester`


def app_at(path: Path, today: date = END) -> Pathways:
    return Pathways(open_store(str(path), create=True), today=lambda: today)


def lines_of(batches: list[demo.Batch]) -> list[dict[str, Any]]:
    return [line for batch in batches for line in batch.events]


@pytest.fixture(scope="module")
def cohort() -> list[demo.Batch]:
    return demo.generate(400, 35, END)


def test_written_batch_by_batch_at_simulated_times(tmp_path: Path) -> None:
    app = app_at(tmp_path / "demo.sqlite3")
    summary = demo.write_demo(app, 60, 35, END)

    store = app.store
    assert store.count_youths() == summary.youths == 60
    assert store.count_events() == summary.events == summary.head
    log = list(store.iter_log())
    assert log[0].recorded_at < datetime.combine(END - timedelta(days=600), time(), UTC)
    assert log[-1].recorded_at <= datetime.combine(END + timedelta(days=1), time(), UTC)
    assert [r.recorded_at for r in log] == sorted(r.recorded_at for r in log)
    # The clock and "today" are given back after the import.
    assert abs(store.clock() - datetime.now(UTC)) < timedelta(minutes=5)
    assert app.today() == END


def test_a_second_demo_in_the_same_store_writes_nothing(tmp_path: Path) -> None:
    app = app_at(tmp_path / "demo.sqlite3")
    demo.write_demo(app, 20, 1, END)
    head = app.store.head()
    with pytest.raises(PathwaysError, match="already holds"):
        demo.write_demo(app, 20, 1, END)
    assert app.store.head() == head


def test_the_whole_cohort_imports_as_one_batch(tmp_path: Path) -> None:
    batches = demo.generate(80, 4, END)
    path = tmp_path / "cohort.jsonl"
    count = demo.write_jsonl(batches, path)
    assert count == len(lines_of(batches))
    app = app_at(tmp_path / "one.sqlite3")
    with path.open(encoding="utf-8") as handle:
        receipt = app.import_lines(handle, "bench")
    assert receipt.stored == count
    assert app.store.count_youths() == 80


def test_deterministic_for_a_seed() -> None:
    first = demo.generate(50, 12, END)
    again = demo.generate(50, 12, END)
    other = demo.generate(50, 13, END)
    assert first == again
    assert lines_of(first) != lines_of(other)


def test_batches_respect_recording_order(cohort: list[demo.Batch]) -> None:
    end_of_day = datetime.combine(END + timedelta(days=1), time(), demo.PARIS)
    times = [b.recorded_at for b in cohort]
    assert times == sorted(times)
    assert times[-1] < end_of_day
    registered: set[str] = set()
    seen: set[str] = set()
    for batch in cohort:
        registered |= {e["youth"] for e in batch.events if e["type"] == "YouthRegistered"}
        for event in batch.events:
            assert date.fromisoformat(event["occurred_on"]) <= batch.day <= END
            assert "youth" not in event or event["youth"] in registered
            seen.add(event["id"])
        for event in batch.events:
            if event["type"] == "EventRetracted":
                assert event["event_id"] in seen


def test_references_are_pseudonymous(cohort: list[demo.Batch]) -> None:
    references = {e["youth"] for e in lines_of(cohort) if "youth" in e}
    assert len(references) == 400
    assert all(
        r.startswith("Y-20") and r.replace("-", "").isalnum() and r.isupper() for r in references
    )


def test_a_realistic_cohort(cohort: list[demo.Batch]) -> None:
    summary = demo.summarize(cohort)
    kinds = summary.by_type
    for kind in (
        "EventRetracted",
        "HandedOver",
        "HandoverAcknowledged",
        "MeasureLaunched",
        "EnrolledInMeasure",
        "CommunitySupervisionStarted",
        "ExpectedReleaseChanged",
        "CustodyStatusChanged",
        "ProgrammeEntered",
        "SituationStarted",
        "SupportClosed",
        "AppointmentMissed",
        "ContactLost",
    ):
        assert kinds[kind] > 0, kind
    assert kinds["HandoverAcknowledged"] < kinds["HandedOver"]  # some are never acknowledged
    assert 2 <= kinds["MeasureLaunched"] <= 3
    assert 30 <= summary.events / summary.youths <= 50
    assert 0.35 <= summary.prepared / summary.releases <= 0.65
    assert 0.35 <= summary.adjusted / summary.adjustable <= 0.7
    assert summary.reincarcerated_365 > 0.1 * summary.releases

    lines = lines_of(cohort)
    kinds_of = Counter(e["kind"] for e in lines if e["type"] == "Released")
    assert kinds_of["remand-ended"] > 0
    custody = {e["youth"] for e in lines if e["type"] == "Incarcerated"}
    community_only = summary.youths - len(custody)
    assert 0.2 <= community_only / summary.youths <= 0.4
    facilities = Counter(e["facility"] for e in lines if e["type"] == "Incarcerated")
    assert {"cp-rennes-vezin", "cp-femmes-rennes", "ma-saint-malo"} <= set(facilities)
    residences = Counter(e["residence"] for e in lines if e["type"] == "YouthRegistered")
    assert residences.most_common(2)[0][0] == "rennes"
    by_youth = Counter(e["youth"] for e in lines if e["type"] == "Incarcerated")
    assert any(n >= 2 for n in by_youth.values())  # re-incarcerations


def test_enrolments_fall_within_their_measure(cohort: list[demo.Batch]) -> None:
    lines = lines_of(cohort)
    launched = {e["code"]: e["occurred_on"] for e in lines if e["type"] == "MeasureLaunched"}
    ended = {e["code"]: e["occurred_on"] for e in lines if e["type"] == "MeasureEnded"}
    for enrolment in (e for e in lines if e["type"] == "EnrolledInMeasure"):
        assert launched[enrolment["measure"]] <= enrolment["occurred_on"]
        assert enrolment["occurred_on"] < ended.get(enrolment["measure"], "9999")


def test_fast_enough_for_benchmarks() -> None:
    start = datetime.now(UTC)
    batches = demo.generate(2500, 1, END)
    assert datetime.now(UTC) - start < timedelta(seconds=10)
    assert len(lines_of(batches)) > 2500 * 30


# --- the command ---------------------------------------------------------------------


def test_demo_command_keeps_personal_data_out_of_the_file(tmp_path: Path) -> None:
    db = tmp_path / "demo.sqlite3"
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", str(db), "init", "--admin", "tester"]).exit_code == 0
    args = ["--db", str(db), "demo", "--youth", "40", "--seed", "3", "--end", END.isoformat()]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "40 young people" in result.output
    assert "pathways history Y-" in result.output
    assert "prepared" in result.output

    lines = lines_of(demo.generate(40, 3, END))
    registrations = [e for e in lines if e["type"] == "YouthRegistered"]
    names = [e["name"] for e in registrations if "name" in e]
    births = [e["birth_date"] for e in registrations]
    reasons = {e["reason"] for e in lines if e["type"] == "EventRetracted"}
    assert names
    raw = db.read_bytes()
    wal = Path(f"{db}-wal")
    if wal.exists():
        raw += wal.read_bytes()
    assert b"job-dating-vezin" in raw  # the events are there, in clear where not personal
    for secret in [*names, *births, *reasons]:
        assert secret.encode() not in raw, secret

    again = runner.invoke(cli, args)
    assert again.exit_code == 1
    assert "already holds" in again.output


def test_demo_command_writes_a_jsonl_file(tmp_path: Path) -> None:
    path = tmp_path / "cohort.jsonl"
    result = CliRunner().invoke(
        cli, ["demo", "--youth", "10", "--end", END.isoformat(), "--jsonl", str(path)]
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert rows == lines_of(demo.generate(10, 35, END))
    assert f"pathways import {path}" in result.output


def test_demo_command_refuses_a_future_end() -> None:
    future = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    result = CliRunner().invoke(cli, ["demo", "--end", future, "--jsonl", "x.jsonl"])
    assert result.exit_code == 2
    assert "future" in result.output


def test_the_demo_uses_the_reference_territories_and_the_catalogue_families() -> None:
    from pathways.demo.simulation import JUDICIAL, family_of
    from pathways.demo.tables import RESIDENCE_WEIGHTS
    from pathways.domain.reference import DEFAULT_TERRITORIES

    assert list(RESIDENCE_WEIGHTS) == list(DEFAULT_TERRITORIES)
    assert family_of({"type": "ProgrammeExited", "programme": "cej"}) == "programme:cej"
    assert family_of({"type": "Released"}) == "custody"
    assert family_of({"type": "ContactMade"}) is None
    assert {"Incarcerated", "CustodyStatusChanged", "CommunitySupervisionEnded"} <= JUDICIAL
