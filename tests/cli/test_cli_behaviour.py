"""How the command line behaves as a program: interruptions, progress bars, read
filters, exit codes and option names (issue 9)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import click
import pytest

from pathways.cli import cli
from shell import Shell

REGISTER = [
    "record", "youth-registered", "Y-8", "--on", "2026-01-12",
    "--birth-date", "2005-02-10", "--residence", "saint-malo",
]  # fmt: skip
MAIN = "from pathways.cli import main; main()"


@pytest.fixture
def sh(tmp_path: Path) -> Shell:
    return Shell(tmp_path)


def cohort(sh: Shell, tmp_path: Path, youth: int = 40) -> Path:
    """A demo cohort as a JSON Lines file (not in the store)."""
    path = tmp_path / "cohort.jsonl"
    sh.ok("demo", "--youth", str(youth), "--jsonl", str(path))
    return path


def interrupt_at(monkeypatch: pytest.MonkeyPatch, target: Any, name: str, signum: int) -> None:
    """Make `target.name` deliver a real signal to this process when it is called."""
    original = getattr(target, name)

    def signalled(*args: Any, **kwargs: Any) -> Any:
        os.kill(os.getpid(), signum)
        time.sleep(0.5)  # the handler runs here, at the latest
        return original(*args, **kwargs)

    monkeypatch.setattr(target, name, signalled)


def stored_in(db: str) -> int:
    with sqlite3.connect(db) as conn:
        found = conn.execute("select count(*) from stored_events").fetchone()
    return int(found[0])


# 4. Interruptions are honest --------------------------------------------------------


def test_ctrl_c_during_the_catch_up_says_the_file_was_stored(
    sh: Shell, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pathways.projections.timelines import TimelinesProjection

    path = cohort(sh, tmp_path)
    lines = len(path.read_text().splitlines())
    # The import projects its own events when the read models were level before it; when
    # they were not (here: as if they were behind), it catches them up at its end.
    monkeypatch.setattr(TimelinesProjection, "inline", lambda *_: None)
    interrupt_at(monkeypatch, TimelinesProjection, "catch_up", signal.SIGINT)
    result = sh("import", str(path))
    assert result.exit_code == 130, result.output
    assert "Aborted!" not in result.output
    assert (
        f"interrupted: the whole file was stored ({lines:,} events at positions 2-{lines + 1}); "
        "the read models will catch up on the next command"
    ) in result.stderr
    monkeypatch.undo()
    # The next read catches up, and says so when it is far behind.
    assert sh.events() == lines
    status = json.loads(sh.ok("projections", "status", "--json"))
    assert status[0]["lag"] == lines


def test_sigterm_during_the_append_stores_nothing(
    sh: Shell, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pathways.store import Store

    path = cohort(sh, tmp_path)
    sh.ok(*REGISTER)
    interrupt_at(monkeypatch, Store, "append", signal.SIGTERM)
    result = sh("import", str(path))
    assert result.exit_code == 143, result.output
    assert "interrupted: nothing was stored" in result.stderr
    assert "Aborted!" not in result.output
    monkeypatch.undo()
    assert sh.events() == 1
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # the handler is put back


def test_a_read_far_behind_says_it_is_catching_up(
    sh: Shell, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pathways.projections import views
    from pathways.projections.timelines import TimelinesProjection

    path = cohort(sh, tmp_path)
    monkeypatch.setattr(TimelinesProjection, "inline", lambda *_: None)  # as if behind
    interrupt_at(monkeypatch, TimelinesProjection, "catch_up", signal.SIGINT)
    assert sh("import", str(path)).exit_code == 130
    monkeypatch.undo()
    monkeypatch.setattr(views, "NOTICE_LAG", 100)
    result = sh("alerts", "--as-of", "2026-01-01")
    assert result.exit_code == 0, result.output
    lines = len(path.read_text().splitlines())
    assert f"catching up the read models: {lines:,} events behind…" in result.stderr
    assert "catching up" not in sh("alerts", "--as-of", "2026-01-01").stderr


def test_an_interrupted_rebuild_leaves_the_read_models(
    sh: Shell, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pathways.projections.apply import Projector

    sh.ok("import", str(cohort(sh, tmp_path)))
    before = sh.ok("alerts", "--as-of", "2026-01-01", "--json")
    original = Projector.apply

    def apply_then_interrupt(self: Any, session: Any, page: Any) -> None:
        original(self, session, page)
        raise KeyboardInterrupt

    monkeypatch.setattr(Projector, "apply", apply_then_interrupt)
    result = sh("projections", "rebuild")
    assert result.exit_code == 130
    assert (
        "interrupted: the rebuild was cancelled; the previous read models are unchanged"
        in result.stderr
    )
    monkeypatch.undo()
    assert sh.ok("alerts", "--as-of", "2026-01-01", "--json") == before


def test_an_interrupted_demo_says_how_many_batches_were_stored(
    sh: Shell, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pathways.application import Pathways

    original = Pathways.commit
    calls = []

    def third_is_interrupted(self: Pathways, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        receipt = original(self, *args, **kwargs)
        if len(calls) == 3:
            raise KeyboardInterrupt  # stored, then interrupted (as in its catch-up)
        return receipt

    monkeypatch.setattr(Pathways, "commit", third_is_interrupted)
    result = sh("demo", "--youth", "20")
    assert result.exit_code == 130, result.output
    monkeypatch.undo()
    stored = sh.events()
    assert stored > 0
    assert "interrupted: 3 of " in result.stderr
    assert f"weekly batches were stored ({stored:,} events at positions 2-{stored + 1})" in (
        result.stderr
    )


def test_an_interrupted_report_writes_no_file(
    sh: Shell, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pathways import report

    sh.ok("import", str(cohort(sh, tmp_path)))

    def interrupted(*args: Any, **kwargs: Any) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(report, "render", interrupted)
    out = tmp_path / "r.html"
    result = sh("report", "--from", "2025-01-01", "--to", "2025-12-31", "-o", str(out))
    assert result.exit_code == 130
    assert "interrupted: no report was written" in result.stderr
    assert not out.exists()
    assert list(tmp_path.glob("*.tmp")) == []


def _has_open(pid: int, path: str) -> bool:
    """Whether a process has a file open (Linux's /proc)."""
    try:
        return any(os.readlink(fd) == path for fd in Path(f"/proc/{pid}/fd").iterdir())
    except OSError:  # the process is gone, or a descriptor closed meanwhile
        return False


def test_ctrl_c_to_a_real_import_tells_the_truth(sh: Shell, tmp_path: Path) -> None:
    """A real process and a real signal, while a large file is being imported."""
    path = cohort(sh, tmp_path, youth=400)
    lines = len(path.read_text().splitlines())
    env = {**os.environ, **sh.env, "PYTHONPATH": os.pathsep.join(sys.path)}
    process = subprocess.Popen(
        [sys.executable, "-c", MAIN, "import", str(path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Once the child has opened the store (its start-up done, however loaded the
    # machine), reading and checking 16,000 lines takes longer than 0.3 s.
    deadline = time.monotonic() + 60
    while not _has_open(process.pid, sh.db) and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, (out, err)
    assert "Traceback" not in err
    assert "Aborted!" not in err
    if "nothing was stored" in err:
        assert stored_in(sh.db) == sh.baseline  # (the store's users)
    else:
        assert f"interrupted: the whole file was stored ({lines:,} events" in err
        assert stored_in(sh.db) == sh.baseline + lines


# 5. Progress on long work -------------------------------------------------------------


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Standard error is a terminal (the bars are drawn), whatever the test runner says."""
    from pathways.cli import progressbar

    monkeypatch.setattr(progressbar, "interactive", lambda: True)
    monkeypatch.setattr(progressbar.Bar, "DELAY", 0.0)  # these small tests' work is quick


def test_quick_work_on_a_terminal_draws_no_bar(sh: Shell, monkeypatch: pytest.MonkeyPatch) -> None:
    from pathways.cli import progressbar

    monkeypatch.setattr(progressbar, "interactive", lambda: True)
    result = sh("record", "youth-registered", "Y-1", "--on", "2026-01-12",
                "--birth-date", "2005-02-10", "--residence", "rennes")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert result.stdout.startswith("stored: 1 event(s)")


def phases_of(stderr: str) -> list[str]:
    """The phases drawn, in order, from the last state of each bar line."""
    names = ("read", "check", "write", "catch up", "rebuild", "compute", "render", "load")
    found = []
    for chunk in stderr.replace("\n", "\r").split("\r"):
        name = chunk[:9].strip()
        if name in names and chunk.startswith(f"{name:<9}  ") and name not in found:
            found.append(name)
    return found


def test_import_on_a_terminal_shows_every_phase(sh: Shell, tmp_path: Path, terminal: None) -> None:
    path = cohort(sh, tmp_path)
    lines = len(path.read_text().splitlines())
    result = sh("import", str(path))
    assert result.exit_code == 0, result.output
    # (no catch-up: the import projected its own events, the read models being level)
    assert phases_of(result.stderr) == ["read", "check", "write"]
    assert f"{lines:,}/{lines:,} lines" in result.stderr
    assert "40/40 youths" in result.stderr
    assert "/s" in result.stderr  # the rate
    assert result.stdout.startswith("stored:")


def test_no_bar_when_standard_error_is_not_a_terminal(sh: Shell, tmp_path: Path) -> None:
    result = sh("import", str(cohort(sh, tmp_path)))
    assert result.exit_code == 0
    assert result.stderr == ""
    assert sh("projections", "rebuild").stderr == ""


def test_the_other_long_commands_show_their_phases(
    sh: Shell, tmp_path: Path, terminal: None
) -> None:
    demo = sh("demo", "--youth", "10")
    assert demo.exit_code == 0, demo.output
    assert phases_of(demo.stderr) == ["write", "catch up"]  # the read models once, at the end
    assert phases_of(sh("projections", "rebuild").stderr) == ["rebuild"]
    report = sh("report", "--from", "2025-01-01", "--to", "2025-12-31", "-o", str(tmp_path / "r"))
    assert phases_of(report.stderr) == ["compute", "render"]
    export = sh("export", "events", "-o", str(tmp_path / "e.jsonl"))
    assert phases_of(export.stderr) == ["write"]
    assert phases_of(sh("export", "ocel", "-o", str(tmp_path / "o")).stderr) == ["load", "write"]


# 7. Read filters are checked like writes ------------------------------------------------

FOLLOWED = [
    {"type": "YouthRegistered", "youth": "Y-2", "occurred_on": "2026-02-01",
     "birth_date": "2004-09-09", "residence": "rennes"},
    {"type": "SupportStarted", "youth": "Y-2", "occurred_on": "2026-02-02",
     "organisation": "we-ker", "counsellor": "c-wk-1"},
]  # fmt: skip


@pytest.fixture
def followed(sh: Shell) -> Shell:
    sh.ok("import", "-", stdin="".join(json.dumps(line) + "\n" for line in FOLLOWED))
    return sh


@pytest.mark.parametrize("command", ["alerts", "caseload"])
def test_an_unknown_organisation_is_a_usage_error_naming_the_valid_codes(
    followed: Shell, command: str
) -> None:
    result = followed(command, "--organisation", "weker")
    assert result.exit_code == 2, result.output
    assert "'weker' is not a known organisation (valid: " in result.stderr
    assert "we-ker" in result.stderr
    assert "spip-35" in result.stderr
    assert followed(command, "--organisation", "we-ker").exit_code == 0


@pytest.mark.parametrize("command", ["alerts", "caseload"])
def test_an_unknown_counsellor_is_a_warning(followed: Shell, command: str) -> None:
    result = followed(command, "--counsellor", "c-xx-99", "--as-of", "2026-03-01")
    assert result.exit_code == 0
    assert "no young person has counsellor c-xx-99 on that date" in result.stderr
    known = followed(command, "--counsellor", "c-wk-1", "--as-of", "2026-03-01")
    assert "no young person" not in known.stderr


@pytest.mark.parametrize("command", ["alerts", "caseload"])
def test_mine_needs_an_explicit_actor(followed: Shell, command: str) -> None:
    result = followed(command, "--mine", env={"PATHWAYS_ACTOR": ""})  # (the OS user)
    assert result.exit_code == 2
    assert "--mine needs to know who you are: give --actor or set PATHWAYS_ACTOR" in result.stderr
    followed.add_user("c-wk-1", "we-ker")
    by_env = followed(command, "--mine", "--as-of", "2026-03-01", "--json",
                      env={"PATHWAYS_ACTOR": "c-wk-1"})  # fmt: skip
    assert by_env.exit_code == 0, by_env.output
    by_option = followed(command, "--mine", "--as-of", "2026-03-01", "--json",
                         "--actor", "c-wk-1")  # fmt: skip
    assert by_env.stdout == by_option.stdout
    if command == "caseload":
        assert [row["youth"] for row in json.loads(by_env.stdout)] == ["Y-2"]


def test_pathways_actor_sets_the_acting_user_of_a_write(sh: Shell) -> None:
    sh.add_user("c-sm-1", "ml-saint-malo")
    result = sh(*REGISTER, env={"PATHWAYS_ACTOR": "c-sm-1"})
    assert result.exit_code == 0, result.output
    rows = json.loads(sh.ok("history", "Y-8", "--json"))
    assert rows[0]["actor"] == "c-sm-1"


def test_the_actor_of_a_read_is_the_acting_user() -> None:
    for name in ("alerts", "caseload"):
        command = cli.get_command(click.Context(cli), name)
        assert command is not None
        actor = next(p for p in command.params if p.name == "actor")
        assert isinstance(actor, click.Option)
        assert actor.help is not None
        assert "acting user" in actor.help
        assert "recording" not in actor.help


# 8. Exit codes and options as click users expect ---------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["alerts", "--known-at", "yesterday"],
        ["history", "Y-8", "--known-at", "@x"],
        ["export", "events", "--known-at", "2026-13-01"],
        ["alerts", "--json", "--csv"],
        ["caseload", "--nl", "--json"],
        ["outcomes", "--from", "2026-02-01", "--to", "2026-01-01"],
    ],
)
def test_every_usage_error_is_exit_2(sh: Shell, args: list[str]) -> None:
    result = sh(*args)
    assert result.exit_code == 2, result.output
    assert "Usage:" in result.stderr


def test_two_output_formats_are_refused_by_name(sh: Shell) -> None:
    result = sh("alerts", "--json", "--csv")
    assert "--json and --csv cannot be used together" in result.stderr


def test_known_at_accepts_an_offset_or_z() -> None:
    from datetime import UTC, datetime

    from pathways.domain.time import parse_known_at

    assert parse_known_at("2026-03-01T09:30Z").moment == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    at = parse_known_at("2026-03-01T12:30+02:00").moment
    assert at == datetime(2026, 3, 1, 10, 30, tzinfo=UTC)
    # Without an offset: Paris time (UTC+1 in March before the change of hour).
    assert parse_known_at("2026-03-01T10:30").moment == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def test_known_at_with_z_on_the_command_line(sh: Shell) -> None:
    sh.ok(*REGISTER)
    result = sh("history", "Y-8", "--known-at", "2000-01-01T00:00Z", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == []


@pytest.mark.parametrize(
    ("args", "header"),
    [
        (["alerts"], "youth,alert,since,organisation,counsellor,reason"),
        (["caseload"], "youth,organisation,counsellor,support,custody,last_contact_on,alerts"),
        (["history", "Y-8", "--known-at", "@0"], "type,youth,occurred_on,id,recorded_at"),
    ],
)
def test_an_empty_csv_still_has_its_header(sh: Shell, args: list[str], header: str) -> None:
    sh.ok(*REGISTER)
    result = (
        sh(*args, "--as-of", "2000-01-01", "--csv") if args[0] != "history" else sh(*args, "--csv")
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(header)


def test_an_export_into_a_closed_pipe_ends_quietly(sh: Shell, tmp_path: Path) -> None:
    sh.ok("import", str(cohort(sh, tmp_path, youth=60)))
    env = {**os.environ, **sh.env, "PYTHONPATH": os.pathsep.join(sys.path)}
    process = subprocess.Popen(
        [sys.executable, "-c", MAIN, "export", "events"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    assert process.stdout.readline().startswith(b"{")
    process.stdout.close()  # as `| head -1` does
    _, err = process.communicate(timeout=60)
    assert err.decode() == ""
    assert process.returncode == 1


def test_report_writes_to_output_and_still_takes_out(sh: Shell, tmp_path: Path) -> None:
    sh.ok(*REGISTER)
    period = ["report", "--from", "2025-01-01", "--to", "2025-12-31"]
    sh.ok(*period, "-o", str(tmp_path / "a.html"))
    sh.ok(*period, "--output", str(tmp_path / "b.html"))
    sh.ok(*period, "--out", str(tmp_path / "c.html"))
    assert all((tmp_path / name).exists() for name in ("a.html", "b.html", "c.html"))
    help_text = sh.ok("report", "--help")
    assert "-o, --output" in help_text
    assert "--out " not in help_text


def test_help_examples_are_not_rewrapped() -> None:
    """Every example line stays whole at the width of docs/cli.md (100) and on an 80-column
    terminal: it starts a command, or continues one that ended with a backslash.

    (The examples of `record`'s subcommands are generated from the schemas in record.py,
    each in a `\\b` block.)"""
    from pathways.docs import _walk

    bad = []
    for path, command in _walk(cli, ["pathways"]):
        if path[:2] == ["pathways", "record"] and len(path) > 2:
            continue
        for width in (100, 80):
            ctx = click.Context(
                command, info_name=" ".join(path), terminal_width=width, max_content_width=width
            )
            lines = command.get_help(ctx).splitlines()
            start = next(i for i, line in enumerate(lines) if line.strip() == "Example:")
            previous = ""
            for line in lines[start + 1 :]:
                if not line.strip():
                    break
                text = line.strip()
                if len(line) > 100 or not (
                    text.startswith(("pathways ", "export ")) or previous.endswith("\\")
                ):
                    bad.append(f"{' '.join(path)} ({width}): {line}")
                previous = text
    assert bad == []


def test_corrections_take_reason() -> None:
    for name in ("retract", "erase"):
        command = cli.get_command(click.Context(cli), name)
        assert command is not None
        assert any("--reason" in p.opts for p in command.params if isinstance(p, click.Option))


def test_every_command_that_writes_a_file_calls_it_output_o() -> None:
    from pathways.docs import _walk

    writers = []
    for path, command in _walk(cli, ["pathways"]):
        for param in command.params:
            if getattr(param, "hidden", False):  # an old name kept as an alias
                continue
            names = set(getattr(param, "opts", ())) | set(getattr(param, "secondary_opts", ()))
            if names & {"--output", "--out", "--jsonl", "-o"}:
                writers.append(" ".join(path))
                assert {"--output", "-o"} <= names, (path, names)
    assert {"pathways keygen", "pathways demo", "pathways report"} <= set(writers)


def test_keygen_writes_where_the_global_key_file_option_says(tmp_path: Path) -> None:
    from click.testing import CliRunner

    target = tmp_path / "k" / "master.key"
    result = CliRunner().invoke(cli, ["--key-file", str(target), "keygen"], env={})
    assert result.exit_code == 0, result.output
    assert target.exists()
    assert str(target) in result.output
