"""An unexpected exception is a bug, and says so (issue 10, point 5).

It is not disguised as "the store failed": its traceback goes to a crash log readable
by its owner only, the message names that file and says what was stored, and
PATHWAYS_DEBUG=1 raises it with its traceback. Expected failures keep their plain
messages and write no log.
"""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import pathways.cli
import pathways.cli.errors
from pathways.cli import cli
from pathways.crypto import new_master_key
from pathways.store import Store

SECRET = "Jean Exemple born 2005-02-10"
REGISTER = [
    "record", "youth-registered", "Y-2026-0001", "--on", "2026-01-12",
    "--birth-date", "2005-02-10", "--residence", "saint-malo",
]  # fmt: skip


@pytest.fixture
def crashes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "logs" / "pathways"
    monkeypatch.setattr(pathways.cli.errors, "crash_dir", lambda: folder)
    return folder


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.delenv("PATHWAYS_DEBUG", raising=False)
    found = {
        "PATHWAYS_DB": str(tmp_path / "s.sqlite3"),
        "PATHWAYS_MASTER_KEY": new_master_key(),
        "PATHWAYS_DEBUG": "",
    }
    assert CliRunner().invoke(cli, ["init"], env=found).exit_code == 0
    return found


def run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


def fail(*_: object, **__: object) -> None:
    raise RuntimeError(SECRET)


def test_an_unexpected_error_is_called_a_bug_and_logged(
    env: dict[str, str], crashes: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Store, "count_events", fail)
    result = run(env, "info")
    assert result.exit_code == 1
    (message,) = result.output.splitlines()
    assert message.startswith("Error: unexpected RuntimeError: this is a bug in pathways")
    assert "the store failed" not in message
    assert SECRET not in message  # the exception's message may hold data
    assert "Nothing was stored." in message
    (log,) = crashes.iterdir()
    assert log.name.startswith("pathways-crash-")
    assert log.suffix == ".log"
    assert str(log) in message
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    text = log.read_text()
    assert "Traceback (most recent call last)" in text
    assert f"RuntimeError: {SECRET}" in text
    assert "command: pathways info" in text


def test_a_bug_after_a_write_says_what_was_stored(
    env: dict[str, str], crashes: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pathways.cli.record  # binds print_receipt at its import: patched where it is used

    monkeypatch.setattr(pathways.cli.record, "print_receipt", fail)
    result = run(env, *REGISTER)
    assert result.exit_code == 1
    assert "this is a bug in pathways" in result.output
    assert "The events were stored (1 events at position 2)" in result.output
    assert "--birth-date" not in next(crashes.iterdir()).read_text()  # no command line
    history = run(env, "history", "Y-2026-0001")
    assert history.exit_code == 0, history.output
    assert "YouthRegistered" in history.output


def test_pathways_debug_raises_the_exception_itself(
    env: dict[str, str], crashes: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Store, "count_events", fail)
    result = run({**env, "PATHWAYS_DEBUG": "1"}, "info")
    assert result.exit_code == 1
    assert isinstance(result.exception, RuntimeError)
    assert str(result.exception) == SECRET
    assert not crashes.exists()


def test_without_a_writable_log_folder_the_traceback_goes_to_stderr(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setattr(pathways.cli.errors, "crash_dir", lambda: blocker / "logs")
    monkeypatch.setattr(Store, "count_events", fail)
    result = run(env, "info")
    assert result.exit_code == 1
    assert "no crash log could be written" in result.output
    assert "Traceback (most recent call last)" in result.output
    assert f"RuntimeError: {SECRET}" in result.output


def test_a_database_that_fails_to_work_is_an_expected_failure(
    env: dict[str, str], crashes: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def locked(*_: object) -> None:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(Store, "count_events", locked)
    result = run(env, "info")
    assert result.exit_code == 1
    assert "the store failed (OperationalError: database is locked)" in result.output
    assert "bug" not in result.output
    assert not crashes.exists()


def test_expected_failures_write_no_crash_log(
    env: dict[str, str], crashes: Path, tmp_path: Path
) -> None:
    binary = tmp_path / "b.jsonl"
    binary.write_bytes(bytes(range(256)) * 4)
    assert "not UTF-8 text" in run(env, "import", str(binary)).output
    assert "No such file" in run(env, "import", str(tmp_path / "missing.jsonl")).output
    assert not crashes.exists()


def test_a_database_failure_names_the_database_and_what_was_stored(
    env: dict[str, str], crashes: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def locked(*_: object) -> None:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(Store, "count_events", locked)
    (message,) = run(env, "info").output.splitlines()
    assert message == (
        "Error: the store failed (OperationalError: database is locked) "
        f"on {env['PATHWAYS_DB']}. Nothing was stored."
    )


def test_a_warning_is_one_plain_line_without_source(capsys: pytest.CaptureFixture[str]) -> None:
    import warnings

    with warnings.catch_warnings():  # (restores Python's own display afterwards)
        warnings.simplefilter("always")
        pathways.cli.plain_warnings()
        warnings.warn(f"the read models could not catch up\n{SECRET}", stacklevel=1)
    assert capsys.readouterr().err == "warning: the read models could not catch up\n"
