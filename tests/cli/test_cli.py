"""The command line end to end, through click's CliRunner, on a SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from conftest import FIXTURES
from pathways.cli import cli
from pathways.crypto import new_master_key
from pathways.docs import _walk, generate
from shell import Shell

WORKED = FIXTURES / "worked-example.jsonl"
REGISTER = [
    "record", "youth-registered", "Y-2026-0001", "--on", "2026-01-12",
    "--birth-date", "2005-02-10", "--residence", "saint-malo",
]  # fmt: skip


@pytest.fixture
def sh(tmp_path: Path) -> Shell:
    return Shell(tmp_path)


def test_every_command_has_help_with_an_example() -> None:
    missing = []
    for path, command in _walk(cli, ["pathways"]):
        ctx = click.Context(command, info_name=" ".join(path))
        text = command.get_help(ctx)
        if "Example:" not in text or not command.help:
            missing.append(" ".join(path))
    assert missing == []


def test_generated_docs_are_up_to_date() -> None:
    root = Path(__file__).resolve().parents[2] / "docs"
    for path, text in generate(root).items():
        assert path.read_text() == text, f"{path.name} is stale: run `make docs`"


def test_record_then_history_shows_the_step_with_its_metadata(sh: Shell) -> None:
    sh.add_user("c-sm-1", "ml-saint-malo")
    sh.ok(*REGISTER, "--actor", "c-sm-1")
    out = sh.ok(
        "record", "incarcerated", "Y-2026-0001", "--on", "2026-01-05",
        "--facility", "ma-saint-malo", "--status", "sentenced", "--actor", "c-sm-1",
    )  # fmt: skip
    assert "stored: 1 event(s)" in out
    rows = json.loads(sh.ok("history", "Y-2026-0001", "--json"))
    assert [r["type"] for r in rows] == ["Incarcerated", "YouthRegistered"]
    assert rows[0]["recorded_by"] == "c-sm-1"
    assert rows[0]["position"] == 4  # (after the admin and c-sm-1)
    assert rows[0]["retracted"] is False
    assert rows[1]["birth_date"] == "2005-02-10"


def test_record_refuses_a_release_without_custody_and_writes_nothing(sh: Shell) -> None:
    sh.ok(*REGISTER)
    before = sh.events()
    result = sh(
        "record", "released", "Y-2026-0001", "--on", "2026-03-01",
        "--kind", "end-of-sentence", "--destination", "rennes",
    )  # fmt: skip
    assert result.exit_code == 1
    assert "Released on 2026-03-01 for Y-2026-0001, but Y-2026-0001 has no custody open" in (
        result.output
    )
    assert "Traceback" not in result.output
    assert sh.events() == before


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--kind", "walked-out", "--destination", "rennes"], "'walked-out' is not one of"),
        (["--kind", "end-of-sentence"], "--destination"),
    ],
)
def test_record_usage_errors_exit_2(sh: Shell, args: list[str], expected: str) -> None:
    sh.ok(*REGISTER)
    result = sh("record", "released", "Y-2026-0001", "--on", "2026-03-01", *args)
    assert result.exit_code == 2
    assert expected in result.output


def test_record_bad_date_is_a_usage_error(sh: Shell) -> None:
    result = sh(*REGISTER[:4], "2026-13-01", *REGISTER[5:])
    assert result.exit_code == 2
    assert "'2026-13-01' is not a date (YYYY-MM-DD)" in result.output


def test_unknown_code_lists_the_valid_ones(sh: Shell) -> None:
    result = sh(*REGISTER[:-1], "paris")
    assert result.exit_code == 1
    assert "residence: 'paris' is not a known code (valid: " in result.output
    assert "saint-malo" in result.output


def test_import_worked_example_is_idempotent_with_ids(sh: Shell, tmp_path: Path) -> None:
    sh.ok("import", str(WORKED))
    exported = sh.ok("history", "EX-1", "--nl")
    again = tmp_path / "again.jsonl"
    again.write_text(exported)
    out = sh.ok("import", str(again))
    assert "stored: 0 event(s)" in out
    assert "skipped as already stored: 6" in out


def test_import_reports_every_bad_line_and_writes_nothing(sh: Shell, tmp_path: Path) -> None:
    lines = WORKED.read_text().splitlines()
    lines.insert(2, "{not json")
    lines.append(json.dumps({"type": "Escaped", "youth": "EX-1", "occurred_on": "2026-03-11"}))
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(lines) + "\n")
    result = sh("import", str(bad))
    assert result.exit_code == 1
    assert "line 3: not valid JSON" in result.output
    assert "line 8: unknown event type 'Escaped'" in result.output
    assert "Nothing was written." in result.output
    assert sh.events() == 0


def test_import_check_validates_without_writing(sh: Shell) -> None:
    out = sh.ok("import", "--check", str(WORKED))
    assert "6 event(s) would be stored" in out
    assert sh.events() == 0


def test_import_from_stdin(sh: Shell) -> None:
    out = sh.ok("import", "-", stdin=WORKED.read_text())
    assert "stored: 6 event(s)" in out


def test_history_round_trips_into_a_new_store(sh: Shell, tmp_path: Path) -> None:
    sh.ok("import", str(WORKED))
    event_id = json.loads(sh.ok("history", "EX-1", "--json"))[-1]["id"]
    sh.ok("amend", event_id, "--destination", "saint-malo")
    exported = sh.ok("history", "EX-1", "--nl")
    other = Shell(tmp_path / "other")
    other.ok("import", "-", stdin=exported)

    def strip(text: str) -> list[dict[str, object]]:
        rows = [json.loads(line) for line in text.splitlines()]
        for row in rows:
            for key in ("recorded_at", "position", "actor"):
                row.pop(key)
        return rows

    assert strip(other.ok("history", "EX-1", "--nl")) == strip(exported)


def test_amend_retracts_and_records_the_corrected_event(sh: Shell) -> None:
    sh.ok("import", str(WORKED))
    rows = json.loads(sh.ok("history", "EX-1", "--json"))
    released = next(r for r in rows if r["type"] == "Released")
    out = sh.ok("amend", released["id"], "--on", "2026-03-09", "--why", "typo")
    assert "new id:" in out
    rows = json.loads(sh.ok("history", "EX-1", "--json"))
    releases = [r for r in rows if r["type"] == "Released"]
    assert [(r["occurred_on"], r["retracted"]) for r in releases] == [
        ("2026-03-09", False),
        ("2026-03-10", True),
    ]
    as_of = json.loads(sh.ok("history", "EX-1", "--json", "--as-of", "2026-03-31"))
    assert [r["occurred_on"] for r in as_of if r["type"] == "Released"] == ["2026-03-09"]


def test_amend_refuses_a_field_of_another_type(sh: Shell) -> None:
    sh.ok("import", str(WORKED))
    rows = json.loads(sh.ok("history", "EX-1", "--json"))
    released = next(r for r in rows if r["type"] == "Released")
    result = sh("amend", released["id"], "--channel", "phone")
    assert result.exit_code == 2
    assert "--channel: not a field of Released" in result.output


def test_retract_then_known_at_before_shows_it_again(sh: Shell) -> None:
    sh.ok("import", str(WORKED))
    rows = json.loads(sh.ok("history", "EX-1", "--json"))
    change = next(r for r in rows if r["type"] == "ExpectedReleaseChanged")
    sh.ok("retract", change["id"], "--reason", "entered twice")
    now = json.loads(sh.ok("history", "EX-1", "--json"))
    assert next(r for r in now if r["id"] == change["id"])["retracted"] is True
    before = json.loads(sh.ok("history", "EX-1", "--json", "--known-at", "@6"))
    assert next(r for r in before if r["id"] == change["id"])["retracted"] is False
    assert all(r["position"] <= 6 for r in before)


def test_retract_unknown_id_is_a_clear_error(sh: Shell) -> None:
    sh.ok("import", str(WORKED))
    result = sh("retract", "00000000-0000-4000-8000-000000000000", "--reason", "x")
    assert result.exit_code == 1
    assert "no stored event has the id" in result.output


def test_wrong_master_key_is_refused_and_nothing_is_written(sh: Shell) -> None:
    sh.ok("import", str(WORKED))
    result = sh("import", str(WORKED), env={"PATHWAYS_MASTER_KEY": new_master_key()})
    assert result.exit_code == 1
    assert "the master key does not open the store" in result.output
    assert sh.events() == 6


def test_missing_master_key_says_how_to_make_one(sh: Shell, tmp_path: Path) -> None:
    result = sh("caseload", env={"PATHWAYS_MASTER_KEY": ""})
    assert result.exit_code == 1
    assert "pathways keygen" in result.output


def test_info_needs_no_master_key_and_says_it_is_missing(sh: Shell) -> None:
    sh.ok("import", str(WORKED))
    result = sh("info", "--json", env={"PATHWAYS_MASTER_KEY": ""})
    assert result.exit_code == 0, result.output
    row = json.loads(result.output)
    assert (row["events"], row["youths"], row["head_position"]) == (7, 1, 7)  # (+ the admin)
    assert "no master key" in row["master_key"]
    assert json.loads(sh.ok("info", "--json"))["master_key"] == "opens this store"


def test_keygen_writes_a_private_key_file_once(tmp_path: Path) -> None:
    runner = CliRunner()
    path = tmp_path / "k" / "master.key"
    result = runner.invoke(cli, ["keygen", "--output", str(path)])
    assert result.exit_code == 0, result.output
    assert path.stat().st_mode & 0o777 == 0o600
    content = path.read_text()
    runner.invoke(cli, ["keygen", "--output", str(path)])
    assert path.read_text() == content


def test_settings_show_defaults_and_launched_measures(sh: Shell) -> None:
    sh.ok(
        "record", "measure-launched", "--on", "2026-01-01", "--code", "job-dating-vezin",
        "--name", "Job dating", "--territory", "rennes",
    )  # fmt: skip
    rows = json.loads(sh.ok("settings", "--json"))
    assert {"kind": "territory", "code": "rennes", "detail": "served by we-ker"} in rows
    assert any(r["kind"] == "measure" and r["code"] == "job-dating-vezin" for r in rows)
    before = json.loads(sh.ok("settings", "--json", "--known-at", "@0"))
    assert not any(r["kind"] == "measure" for r in before)


def test_info_counts_youths_and_events(sh: Shell) -> None:
    sh.ok("import", str(WORKED))
    row = json.loads(sh.ok("info", "--json"))
    assert (row["backend"], row["events"], row["youths"], row["head_position"]) == (
        "sqlite",
        7,
        1,
        7,
    )


def test_csv_output_has_a_header(sh: Shell) -> None:
    sh.ok("import", str(WORKED))
    out = sh.ok("history", "EX-1", "--csv")
    assert out.splitlines()[0].startswith("type,youth,occurred_on,id")
