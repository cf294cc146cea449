"""Regressions found by review: erasure, ordering of retractions, plain errors, permissions."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from conftest import ADMIN, add_admin
from pathways.application import Item, Pathways
from pathways.cli import cli
from pathways.crypto import new_master_key
from pathways.domain.alerts import assess
from pathways.domain.events import ContactLost
from pathways.domain.facts import fact_from_state, in_life_order
from pathways.domain.reference import ReferenceData
from pathways.domain.time import parse_known_at
from pathways.interchange import from_dict
from pathways.projections import attach
from pathways.store import open_store

TODAY = date(2026, 11, 27)
REGISTER = {
    "type": "YouthRegistered",
    "youth": "Y-8",
    "occurred_on": "2026-01-01",
    "birth_date": "2001-02-01",
    "residence": "rennes",
    "name": "Jean Exemple",
}


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch) -> str:
    value = new_master_key()
    monkeypatch.setenv("PATHWAYS_MASTER_KEY", value)
    return value


def app_on(db: Path | str) -> Pathways:
    return Pathways(open_store(str(db), create=True), today=lambda: TODAY)


@pytest.fixture
def apps_on(key: str, db_url: str) -> Iterator[Callable[[], Pathways]]:
    """Apps on the test's store (every backend, through `db_url`), closed after the test."""
    opened: list[Pathways] = []

    def make() -> Pathways:
        opened.append(app_on(db_url))
        return opened[-1]

    yield make
    for app in opened:
        app.store.close()


def commit(app: Pathways, *lines: dict[str, object]) -> None:
    app.commit([Item(from_dict(line), f"line {n}", n) for n, line in enumerate(lines, 1)], "t")


def test_an_erasure_leaves_no_key_bytes_in_the_database_or_its_log(
    key: str, tmp_path: Path
) -> None:
    """SQLite only: it reads the bytes of the database file and of its write-ahead log
    (the memory backend has no file; PostgreSQL's pages are the server's)."""
    path = tmp_path / "s.sqlite3"
    app = app_on(path)
    commit(app, REGISTER)
    with sqlite3.connect(path) as conn:
        wrapped = bytes(conn.execute("SELECT wrapped FROM pathways_keys").fetchone()[0])
    commit(
        app,
        {"type": "YouthErased", "youth": "Y-8", "occurred_on": "2026-02-01", "reason": "request"},
    )
    raw = b"".join(
        Path(f"{path}{suffix}").read_bytes()
        for suffix in ("", "-wal")
        if Path(f"{path}{suffix}").exists()
    )
    assert wrapped not in raw
    assert b"Jean Exemple" not in raw
    registration = app.history("Y-8")[0]
    assert registration.recorded.erased


def test_a_key_opened_before_an_erasure_elsewhere_is_forgotten(
    apps_on: Callable[[], Pathways],
) -> None:
    reader, writer = apps_on(), apps_on()
    commit(writer, REGISTER)
    assert reader.history("Y-8")[0].recorded.event.name == "Jean Exemple"  # type: ignore[attr-defined]
    commit(
        writer,
        {"type": "YouthErased", "youth": "Y-8", "occurred_on": "2026-02-01", "reason": "request"},
    )
    registration = next(
        line
        for line in reader.history("Y-8")
        if line.recorded.event.type_name() == "YouthRegistered"
    )
    assert registration.recorded.erased
    assert registration.recorded.event.name is None  # type: ignore[attr-defined]


def test_a_retraction_listed_before_its_target_is_stored_after_it(
    apps_on: Callable[[], Pathways],
) -> None:
    app = apps_on()
    views = attach(app)
    custody = {
        "type": "Incarcerated",
        "youth": "Y-8",
        "occurred_on": "2026-01-05",
        "id": "00000000-0000-4000-8000-000000000001",
        "facility": "ma-saint-malo",
        "status": "remand",
    }
    retraction = {
        "type": "EventRetracted",
        "youth": "Y-8",
        "occurred_on": "2026-01-20",
        "event_id": custody["id"],
        "reason": "wrong youth",
    }
    commit(app, REGISTER, retraction, custody)
    positions = {
        line.recorded.event.type_name(): line.recorded.position for line in app.history("Y-8")
    }
    assert positions["EventRetracted"] > positions["Incarcerated"]
    (line,) = views.lines(views.point(date(2026, 3, 1)))
    assert line.custody == "none"
    views.projection.close()


def test_a_count_too_large_for_a_read_model_is_refused() -> None:
    with pytest.raises(ValidationError):
        ContactLost(youth="Y-8", occurred_on=date(2026, 1, 1), attempts=3_000_000_000)


def test_a_same_day_acknowledgement_recorded_first_still_names_the_counsellor() -> None:
    states = [
        ("YouthRegistered", {"residence": "saint-malo", "birth_year": 2004}),
        ("SupportStarted", {"organisation": "ml-saint-malo", "counsellor": "c-sm-1"}),
        ("HandoverAcknowledged", {"organisation": "we-ker"}),
        ("HandedOver", {"to_organisation": "we-ker", "to_counsellor": "c-wk-3"}),
    ]
    facts = [
        fact_from_state(kind, {"occurred_on": "2026-02-01", **state}, position)
        for position, (kind, state) in enumerate(states, 1)
    ]
    line = assess("Y-8", in_life_order(facts), date(2026, 2, 2), ReferenceData())
    assert line is not None
    assert (line.organisation, line.counsellor) == ("we-ker", "c-wk-3")


def test_a_compact_date_known_at_means_the_end_of_that_day() -> None:
    assert parse_known_at("20261127").moment == parse_known_at("2026-11-27").moment


class TestPlainErrors:
    @pytest.fixture
    def env(self, tmp_path: Path) -> dict[str, str]:
        env = {"PATHWAYS_DB": str(tmp_path / "s.sqlite3"), "PATHWAYS_MASTER_KEY": new_master_key(),
               "PATHWAYS_ACTOR": ADMIN}  # fmt: skip
        assert CliRunner().invoke(cli, ["init", "--admin", ADMIN], env=env).exit_code == 0
        return env

    def run(self, env: dict[str, str], *args: str) -> tuple[int, str]:
        result = CliRunner().invoke(cli, list(args), env=env)
        return result.exit_code, result.output

    def test_an_empty_retraction_reason(self, env: dict[str, str], tmp_path: Path) -> None:
        lines = tmp_path / "a.jsonl"
        contact = {"type": "ContactMade", "youth": "Y-8", "occurred_on": "2026-02-01"}
        contact["channel"] = "phone"
        lines.write_text(json.dumps(REGISTER) + "\n" + json.dumps(contact) + "\n")
        assert self.run(env, "import", str(lines))[0] == 0
        _, out = self.run(env, "history", "Y-8", "--json")
        target = json.loads(out)[-1]["id"]
        code, out = self.run(env, "retract", target, "--reason", "")
        assert code == 1
        assert "Traceback" not in out
        assert "Nothing was written" in out

    def test_a_binary_file(self, env: dict[str, str], tmp_path: Path) -> None:
        binary = tmp_path / "b.jsonl"
        binary.write_bytes(bytes(range(256)) * 4)
        code, out = self.run(env, "import", str(binary))
        assert code == 1
        assert "not UTF-8 text" in out

    def test_a_report_into_a_missing_folder(self, env: dict[str, str]) -> None:
        code, out = self.run(
            env,
            "report",
            "--from",
            "2025-01-01",
            "--to",
            "2025-12-31",
            "--out",
            "/nonexistent/r.html",
        )
        assert code == 1
        assert "No such file or directory" in out

    def test_a_store_that_is_not_a_database(self, env: dict[str, str], tmp_path: Path) -> None:
        text = tmp_path / "notes.txt"
        text.write_text("hello\n" * 100)
        code, out = self.run({**env, "PATHWAYS_DB": str(text)}, "info")
        assert code == 1
        assert "Traceback" not in out

    def test_an_actor_with_a_space(self, env: dict[str, str]) -> None:
        code, out = self.run(
            env, "record", "measure-launched", "--on", "2026-01-01", "--code", "m",
            "--name", "M", "--territory", "rennes", "--actor", "Jean Dupont",
        )  # fmt: skip
        assert code == 2
        assert "is not a user name" in out


def test_an_export_with_personal_data_is_readable_by_its_owner_only(
    key: str, tmp_path: Path
) -> None:
    path = tmp_path / "s.sqlite3"
    app = app_on(path)
    add_admin(app)
    commit(app, REGISTER)
    env = {"PATHWAYS_DB": str(path), "PATHWAYS_MASTER_KEY": os.environ["PATHWAYS_MASTER_KEY"],
           "PATHWAYS_ACTOR": ADMIN}  # fmt: skip
    out = tmp_path / "personal.jsonl"
    result = CliRunner().invoke(
        cli, ["export", "events", "--with-personal", "--output", str(out)], env=env
    )
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "2001-02-01" in out.read_text()
