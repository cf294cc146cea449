"""What the command line says to a counsellor: plain, complete, pointing at the cause."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest

from conftest import FIXTURES
from pathways.cli import cli
from shell import Shell

WORKED = FIXTURES / "worked-example.jsonl"


@pytest.fixture
def sh(tmp_path: Path) -> Shell:
    return Shell(tmp_path)


def history(sh: Shell, youth: str = "EX-1") -> list[dict[str, object]]:
    rows: list[dict[str, object]] = json.loads(sh.ok("history", youth, "--json"))
    return rows


def new_id(output: str) -> str:
    return next(line for line in output.splitlines() if line.startswith("new id:")).split()[-1]


# --- amend -----------------------------------------------------------------------


def test_amend_prints_the_id_of_the_corrected_event_so_it_can_be_amended_again(
    sh: Shell,
) -> None:
    sh.ok("import", str(WORKED))
    released = next(r for r in history(sh) if r["type"] == "Released")
    first = new_id(sh.ok("amend", str(released["id"]), "--on", "2026-03-09", "--reason", "typo"))
    shown = {str(r["id"]): r for r in history(sh)}
    assert shown[first]["type"] == "Released"
    assert shown[first]["occurred_on"] == "2026-03-09"
    second = new_id(sh.ok("amend", first, "--destination", "saint-malo", "--reason", "moved"))
    rows = [r for r in history(sh) if r["type"] == "Released"]
    effective = [r for r in rows if not r["retracted"]]
    assert [(r["id"], r["occurred_on"], r["destination"]) for r in effective] == [
        (second, "2026-03-09", "saint-malo")
    ]


def test_amend_still_accepts_the_old_why_option(sh: Shell) -> None:
    sh.ok("import", str(WORKED))
    released = next(r for r in history(sh) if r["type"] == "Released")
    result = sh("amend", str(released["id"]), "--on", "2026-03-09", "--why", "typo")
    assert result.exit_code == 0, result.output
    assert "--why is deprecated: use --reason" in result.output


def test_amend_help_names_reason_not_why(sh: Shell) -> None:
    out = sh.ok("amend", "--help")
    assert "--reason" in out
    assert "--why" not in out


def test_amend_reason_is_why_and_new_reason_changes_the_field(sh: Shell) -> None:
    sh.ok("import", str(WORKED))
    sh.ok("record", "support-closed", "EX-1", "--on", "2026-03-20", "--reason", "moved")
    closed = next(r for r in history(sh) if r["type"] == "SupportClosed")
    out = sh.ok("amend", str(closed["id"]), "--new-reason", "autonomy", "--reason", "typo")
    rows = {str(r["id"]): r for r in history(sh)}
    assert rows[new_id(out)]["reason"] == "autonomy"
    retraction = next(r for r in rows.values() if r["type"] == "EventRetracted")
    assert retraction["reason"] == "typo"


# --- a rule broken by a stored event ------------------------------------------------


def test_a_retraction_that_breaks_a_stored_event_names_it_and_the_command(sh: Shell) -> None:
    sh.ok("import", str(WORKED))
    rows = history(sh)
    custody = next(r for r in rows if r["type"] == "Incarcerated")
    released = next(r for r in rows if r["type"] == "Released")
    result = sh("retract", str(custody["id"]), "--reason", "wrong person")
    assert result.exit_code == 1
    assert (
        "Released on 2026-03-10 for EX-1, but EX-1 has no custody open on that date (this is a"
        f" stored event, the Released of 2026-03-10 with id {released['id']}: it breaks the rule"
        " after this command)"
    ) in result.output
    assert "after )" not in result.output
    assert sh.events() == 6


def test_a_retraction_line_that_breaks_a_stored_event_names_its_line(
    sh: Shell, tmp_path: Path
) -> None:
    sh.ok("import", str(WORKED))
    custody = next(r for r in history(sh) if r["type"] == "Incarcerated")
    retraction = {
        "type": "EventRetracted",
        "youth": "EX-1",
        "occurred_on": "2026-03-20",
        "event_id": custody["id"],
        "reason": "wrong person",
    }
    path = tmp_path / "retract.jsonl"
    path.write_text(json.dumps(retraction) + "\n")
    result = sh("import", str(path))
    assert result.exit_code == 1
    assert "a stored event, the Released of 2026-03-10 with id " in result.output
    assert "breaks the rule after line 1)" in result.output


# --- lines without ids --------------------------------------------------------------


def test_importing_a_file_without_ids_twice_stores_nothing_the_second_time(sh: Shell) -> None:
    assert all('"id"' not in line for line in WORKED.read_text().splitlines())
    assert "stored: 6 event(s)" in sh.ok("import", str(WORKED))
    out = sh.ok("import", str(WORKED))
    assert "stored: 0 event(s)" in out
    assert "skipped as already stored: 6" in out
    assert sh.events() == 6


def test_two_identical_lines_without_id_are_one_event(sh: Shell, tmp_path: Path) -> None:
    contact = json.dumps(
        {"type": "ContactMade", "youth": "EX-1", "occurred_on": "2026-02-01", "channel": "phone"}
    )
    path = tmp_path / "twice.jsonl"
    path.write_text(WORKED.read_text() + contact + "\n" + contact + "\n")
    out = sh.ok("import", str(path))
    assert "stored: 7 event(s)" in out
    assert "skipped as already stored: 1" in out


def test_lines_without_id_differing_only_in_personal_fields_are_told_apart(
    sh: Shell, tmp_path: Path
) -> None:
    sh.ok("import", str(WORKED))
    first = json.loads(WORKED.read_text().splitlines()[0])
    path = tmp_path / "birth.jsonl"
    path.write_text(json.dumps({**first, "birth_date": "2005-02-11"}) + "\n")
    result = sh("import", str(path))
    assert result.exit_code == 1
    assert "line 1: this line has no id and is the same step as one already stored" in (
        result.output
    )
    assert "2005-02-1" not in result.output


def test_record_without_id_makes_a_new_event_each_time(sh: Shell) -> None:
    sh.ok("import", str(WORKED))
    contact = ["record", "contact-made", "EX-1", "--on", "2026-02-01", "--channel", "phone"]
    sh.ok(*contact)
    sh.ok(*contact)
    assert sh.events() == 8


# --- files of another format --------------------------------------------------------


def _events() -> list[dict[str, object]]:
    return [json.loads(line) for line in WORKED.read_text().splitlines()]


def _csv() -> str:
    keys = ["type", "youth", "occurred_on", "residence", "birth_date"]
    rows = [",".join(keys)]
    rows += [",".join(str(e.get(k, "")) for k in keys) for e in _events()]
    return "\n".join(rows) + "\n"


@pytest.mark.parametrize(
    ("text", "looks_like"),
    [
        (json.dumps(_events()), "a JSON array"),
        (json.dumps(_events(), indent=2), "a JSON array"),
        ("[\n" + ",\n".join(json.dumps(e) for e in _events()) + "\n]\n", "a JSON array"),
        ("\n".join(json.dumps(e, indent=2) for e in _events()), "JSON spread over several lines"),
        (_csv(), "a CSV or spreadsheet file"),
    ],
    ids=["array", "pretty-array", "array-of-lines", "pretty-objects", "csv"],
)
def test_a_file_of_another_format_is_told_once_that_import_reads_json_lines(
    sh: Shell, tmp_path: Path, text: str, looks_like: str
) -> None:
    path = tmp_path / "steps.json"
    path.write_text(text)
    result = sh("import", str(path))
    assert result.exit_code == 1
    assert f"this file is not JSON Lines: it looks like {looks_like}" in result.output
    assert "reads JSON Lines: UTF-8 text, one JSON object per line" in result.output
    assert "not valid JSON" not in result.output
    assert result.output.count("Nothing was written.") == 1
    assert sh.events() == 0


def test_one_bad_line_in_a_json_lines_file_is_still_named(sh: Shell, tmp_path: Path) -> None:
    lines = WORKED.read_text().splitlines()
    lines.insert(2, "{not json")
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n")
    result = sh("import", str(path))
    assert "line 3: not valid JSON" in result.output
    assert "not JSON Lines" not in result.output


@pytest.mark.parametrize("on_a_terminal", [False, True])
def test_a_binary_import_file_says_import_reads_json_lines(
    sh: Shell, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, on_a_terminal: bool
) -> None:
    from pathways.cli import progressbar

    monkeypatch.setattr(progressbar, "interactive", lambda: on_a_terminal)
    path = tmp_path / "steps.xlsx"
    path.write_bytes(b"PK\x03\x04\xff\xfe\x00\x81" * 100)
    result = sh("import", str(path))
    assert result.exit_code == 1
    assert "not UTF-8 text" in result.output
    assert "JSON Lines" in result.output
    assert "Traceback" not in result.output


# --- the master key file ------------------------------------------------------------


def test_a_binary_key_file_is_not_called_a_json_lines_file(sh: Shell, tmp_path: Path) -> None:
    key = tmp_path / "master.key"
    key.write_bytes(bytes(range(128, 256)))
    env = {"PATHWAYS_MASTER_KEY": "", "PATHWAYS_KEY_FILE": str(key)}
    result = sh("caseload", env=env)
    assert result.exit_code == 1
    assert f"the master key file {key} is not a pathways key" in result.output
    assert "JSON Lines" not in result.output
    info = sh("info", env=env)  # info needs no key, and says what is wrong with it
    assert info.exit_code == 0
    assert f"the master key file {key} is not a pathways key" in info.output


def test_a_file_that_is_not_utf8_outside_import_is_not_called_a_json_lines_file() -> None:
    from pathways.cli.errors import expected_failure

    error = UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")
    with click.Context(cli, info_name="pathways") as ctx:
        ctx.invoked_subcommand = "report"
        assert "JSON Lines" not in expected_failure(error)


# --- record: option names in the words of the command line, values as typed ----------


def test_record_echoes_a_refused_value_as_typed(sh: Shell) -> None:
    result = sh(
        "record", "youth-registered", "Y-2026-0001", "--on", "2026-01-12",
        "--birth-date", "2005-02-10", "--residence", "saint_malo",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "option --residence: 'saint_malo' is not a code" in result.output


def test_record_names_the_options_and_the_youth_argument(sh: Shell) -> None:
    result = sh("record", "released", "Y_1", "--on", "2026-03-01", "--kind", "end-of-sentence")
    assert result.exit_code == 2
    assert "YOUTH: 'Y_1' is not a pseudonymous reference" in result.output
    assert "missing option --destination" in result.output


def test_click_suggests_the_closest_record_subcommand_and_option(sh: Shell) -> None:
    result = sh("record", "release", "Y-1", "--on", "2026-03-01")
    assert result.exit_code == 2
    assert "Did you mean 'released'?" in result.output
    result = sh("record", "released", "Y-1", "--on", "2026-03-01", "--destinaton", "rennes")
    assert "Did you mean '--destination'?" in result.output


def test_amend_names_the_option_of_a_refused_value(sh: Shell) -> None:
    sh.ok("import", str(WORKED))
    released = next(r for r in history(sh) if r["type"] == "Released")
    result = sh("amend", str(released["id"]), "--destination", "saint_malo")
    assert result.exit_code == 1
    assert "option --destination: 'saint_malo' is not a code" in result.output
    # a field whose amend option is renamed (--reason is the why of the amendment)
    sh.ok("record", "support-closed", "EX-1", "--on", "2026-03-20", "--reason", "moved")
    closed = next(r for r in history(sh) if r["type"] == "SupportClosed")
    result = sh("amend", str(closed["id"]), "--new-reason", "Moved Away", "--reason", "typo")
    assert result.exit_code == 1
    assert "option --new-reason: 'Moved Away' is not one of 'autonomy'" in result.output


# --- implausible input --------------------------------------------------------------


def _shifted_to_year_1() -> str:
    lines = []
    for event in _events():
        event["occurred_on"] = "0001" + str(event["occurred_on"])[4:]
        if "birth_date" in event:
            event["birth_date"] = "0001-02-10"
        lines.append(json.dumps(event))
    return "\n".join(lines) + "\n"


def test_a_pathway_shifted_to_the_year_1_is_refused(sh: Shell, tmp_path: Path) -> None:
    path = tmp_path / "shifted.jsonl"
    path.write_text(_shifted_to_year_1())
    result = sh("import", str(path))
    assert result.exit_code == 1
    assert (
        "line 1: YouthRegistered on 0001-01-12 for EX-1: occurred_on 0001-01-12 is before"
        " 2000-01-01, the earliest date this store accepts (setting dates.floor)"
    ) in result.output
    assert sh.events() == 0


def test_the_date_floor_is_a_setting_listed_and_changed_like_the_others(
    sh: Shell, tmp_path: Path
) -> None:
    rows = json.loads(sh.ok("settings", "--json"))
    assert {"kind": "setting", "code": "dates.floor", "detail": "2000-01-01"} in rows
    lines = [json.loads(line) for line in WORKED.read_text().splitlines()]
    for line in lines:
        line["occurred_on"] = "1999" + str(line["occurred_on"])[4:]
    lines[0]["birth_date"] = "1980-02-10"
    path = tmp_path / "old.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    assert sh("import", str(path)).exit_code == 1
    sh.ok("settings", "set", "dates.floor", "1995-01-01")
    rows = json.loads(sh.ok("settings", "--json"))
    assert {"kind": "setting", "code": "dates.floor", "detail": "1995-01-01"} in rows
    assert "stored: 6 event(s)" in sh.ok("import", str(path))
    result = sh("settings", "set", "dates.floor", "soon")
    assert result.exit_code == 1
    assert "dates.floor = soon: expected a date (YYYY-MM-DD)" in result.output


def test_an_expected_release_in_9999_is_refused(sh: Shell, tmp_path: Path) -> None:
    lines = WORKED.read_text().splitlines()
    custody = json.loads(lines[1])
    lines[1] = json.dumps({**custody, "expected_release_on": "9999-01-01"})
    path = tmp_path / "far.jsonl"
    path.write_text("\n".join(lines) + "\n")
    result = sh("import", str(path))
    assert result.exit_code == 1
    assert (
        "line 2: Incarcerated on 2026-01-05 for EX-1: expected_release_on 9999-01-01 is more"
        " than 30 years after the custody begins (2026-01-05)"
    ) in result.output


def test_a_name_with_a_right_to_left_override_is_refused_without_echo(
    sh: Shell, tmp_path: Path
) -> None:
    lines = WORKED.read_text().splitlines()
    registration = json.loads(lines[0])
    lines[0] = json.dumps({**registration, "name": "Camille \u202enitraM"})
    path = tmp_path / "bidi.jsonl"
    path.write_text("\n".join(lines) + "\n")
    result = sh("import", str(path))
    assert result.exit_code == 1
    assert (
        "line 1: YouthRegistered on 2026-01-12 for EX-1: name holds the character U+202E"
        " (RIGHT-TO-LEFT OVERRIDE)"
    ) in result.output
    assert "Camille" not in result.output
    assert sh.events() == 0
