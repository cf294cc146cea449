"""Where a store is: only `pathways init` creates one, and a path is a path.

A mistyped `--db` must never look like an empty store (issue 9, points 3, 12, 13).
"""

from __future__ import annotations

import json
import sqlite3
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pathways.cli import cli
from pathways.crypto import new_master_key
from pathways.store import NoStore, open_store

REGISTER = [
    "record", "youth-registered", "Y-2026-0001", "--on", "2026-01-12",
    "--birth-date", "2005-02-10", "--residence", "saint-malo",
]  # fmt: skip


def run(*args: str, key: str | None = None, key_file: Path | None = None) -> Result:
    env = {"PATHWAYS_MASTER_KEY": key or "", "PATHWAYS_DB": ""}
    if key_file is not None:
        env["PATHWAYS_KEY_FILE"] = str(key_file)
    return CliRunner().invoke(cli, list(args), env=env)


@pytest.fixture
def key() -> str:
    return new_master_key()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_read_on_a_mistyped_path_is_refused_and_creates_nothing(tmp_path: Path, key: str) -> None:
    missing = tmp_path / "pathway.sqlite3"
    result = run("--db", str(missing), "alerts", key=key)
    assert result.exit_code == 1
    assert f"no store at {missing}" in result.output
    assert f"pathways --db {missing} init" in result.output
    assert "(nothing)" not in result.output
    assert not missing.exists()
    # the command it gives works as written (`init --db` was refused: --db goes first)
    hint = result.output.split("`")[1].split()
    assert run(*hint[1:], key=key).exit_code == 0
    assert missing.exists()


def test_a_write_into_a_missing_folder_creates_no_folder(tmp_path: Path, key: str) -> None:
    target = tmp_path / "no" / "such" / "dir" / "x.sqlite3"
    result = run("--db", str(target), *REGISTER, key=key)
    assert result.exit_code == 1
    assert "no store at" in result.output
    assert not (tmp_path / "no").exists()


def test_init_creates_a_store_readable_by_its_owner_only(tmp_path: Path, key: str) -> None:
    db = tmp_path / "new" / "s.sqlite3"
    result = run("--db", str(db), "init", key=key)
    assert result.exit_code == 0, result.output
    assert f"store created at {db}" in result.output
    assert mode(db) == 0o600
    assert run("--db", str(db), *REGISTER, key=key).exit_code == 0
    # the write-ahead log and its index get the database file's mode
    for suffix in ("-wal", "-shm"):
        sibling = db.with_name(db.name + suffix)
        if sibling.exists():
            assert mode(sibling) == 0o600, suffix


def test_init_twice_changes_nothing(tmp_path: Path, key: str) -> None:
    db = tmp_path / "s.sqlite3"
    run("--db", str(db), "init", key=key)
    assert run("--db", str(db), *REGISTER, key=key).exit_code == 0
    again = run("--db", str(db), "init", key=key)
    assert again.exit_code == 0
    assert "already exists" in again.output
    info = json.loads(run("--db", str(db), "info", "--json", key=key).output)
    assert info["events"] == 2  # (the first admin, then the youth)


def test_init_refuses_a_file_that_is_not_a_store(tmp_path: Path, key: str) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database\n" * 50)
    result = run("--db", str(notes), "init", key=key)
    assert result.exit_code == 1
    assert notes.read_text() == "not a database\n" * 50
    result = run("--db", str(notes), "alerts", key=key)
    assert result.exit_code == 1
    assert "(nothing)" not in result.output


def test_a_sqlite_file_without_an_event_log_is_not_a_store(tmp_path: Path, key: str) -> None:
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    result = run("--db", str(other), "alerts", key=key)
    assert result.exit_code == 1
    assert "is not a pathways store" in result.output


def test_init_makes_the_master_key_when_there_is_none(tmp_path: Path) -> None:
    key_file = tmp_path / "keys" / "master.key"
    db = tmp_path / "s.sqlite3"
    result = run("--db", str(db), "init", key_file=key_file)
    assert result.exit_code == 0, result.output
    assert f"master key written to {key_file}" in result.output
    assert mode(key_file) == 0o600
    assert run("--db", str(db), *REGISTER, key_file=key_file).exit_code == 0


def test_info_needs_no_master_key(tmp_path: Path, key: str) -> None:
    db = tmp_path / "s.sqlite3"
    run("--db", str(db), "init", key=key)
    run("--db", str(db), *REGISTER, key=key)
    result = run("--db", str(db), "info", "--json", key_file=tmp_path / "absent.key")
    assert result.exit_code == 0, result.output
    row = json.loads(result.output)
    assert isinstance(row, dict)
    assert (row["store"], row["backend"], row["events"], row["youths"]) == (str(db), "sqlite", 2, 1)
    assert "no master key" in row["master_key"]
    table = run("--db", str(db), "info", key_file=tmp_path / "absent.key")
    assert table.exit_code == 0
    assert "master_key" in table.output


@pytest.mark.parametrize(
    ("first", "second"),
    [("store%41.sqlite3", "storeA.sqlite3"), ("d?1.sqlite3", "d?2.sqlite3"), ("a#b.sqlite3", "a")],
)
def test_a_store_path_is_a_path_whatever_its_characters(
    tmp_path: Path, key: str, first: str, second: str
) -> None:
    one, two = tmp_path / first, tmp_path / second
    for db in (one, two):
        assert run("--db", str(db), "init", key=key).exit_code == 0
    assert run("--db", str(one), *REGISTER, key=key).exit_code == 0
    seen = json.loads(run("--db", str(one), "caseload", "--json", key=key).output)
    assert [row["youth"] for row in seen] == ["Y-2026-0001"]
    assert json.loads(run("--db", str(two), "caseload", "--json", key=key).output) == []
    # the read models live in the very file that holds the events
    names = sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(("-wal", "-shm")))
    assert names == sorted({first, second})
    connection = sqlite3.connect(str(one))
    try:
        tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
        (facts,) = connection.execute("SELECT facts FROM pw1_youth").fetchone()
    finally:
        connection.close()
    assert {"stored_events", "pw1_youth", "pw_tracking"} <= tables
    assert len(json.loads(facts)) == 1


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_a_mistyped_postgres_schema_is_refused_and_not_created(
    db_url: str, master_key: str
) -> None:
    import psycopg

    with pytest.raises(NoStore) as caught:
        open_store(db_url)
    # the command to make it, with the URL given (its password left out)
    assert '`pathways --db "postgresql://' in str(caught.value)
    assert f'schema={db_url.rsplit("schema=", 1)[1]}" init`' in str(caught.value)
    schema = db_url.rsplit("schema=", 1)[1]
    base = db_url.split("?", 1)[0]
    with psycopg.connect(base) as conn:
        found = conn.execute(
            "SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", (schema,)
        ).fetchone()
    assert found is None
    store = open_store(db_url, create=True)
    store.close()
    open_store(db_url).close()


def test_init_on_an_existing_store_with_a_mistyped_key_writes_no_key(
    tmp_path: Path, key: str
) -> None:
    db = tmp_path / "s.sqlite3"
    run("--db", str(db), "init", key=key)
    typo = tmp_path / "typo.key"
    result = run("--db", str(db), "init", key_file=typo)
    assert result.exit_code == 1
    assert "no master key" in result.output
    assert not typo.exists()


def test_info_with_the_wrong_key_says_so_and_shows_the_rest(tmp_path: Path, key: str) -> None:
    db = tmp_path / "s.sqlite3"
    run("--db", str(db), "init", key=key)
    run("--db", str(db), *REGISTER, key=key)
    result = run("--db", str(db), "info", "--json", key=new_master_key())
    assert result.exit_code == 0, result.output
    row = json.loads(result.output)
    assert "does not open the store" in row["master_key"]
    assert row["events"] == 2  # (the first admin, then the youth)


def test_a_missing_store_is_said_before_a_missing_key(tmp_path: Path) -> None:
    result = run("--db", str(tmp_path / "s.sqlite3"), "alerts", key_file=tmp_path / "k.key")
    assert result.exit_code == 1
    assert "no store at" in result.output
    assert " init`" in result.output


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_a_server_that_does_not_answer_or_holds_no_store_is_said_before_a_missing_key(
    db_url: str, tmp_path: Path
) -> None:
    """A deployer whose key path and URL were both wrong chased the key first."""
    missing_key = tmp_path / "k.key"
    closed = db_url.replace(":5432/", ":1/") if ":5432/" in db_url else None
    if closed is not None:
        result = run("--db", closed, "alerts", key_file=missing_key)
        assert result.exit_code == 1
        assert "cannot connect to PostgreSQL" in result.output, result.output
    result = run("--db", db_url, "alerts", key_file=missing_key)  # (no store made there)
    assert result.exit_code == 1
    assert "no store at" in result.output, result.output
    assert "no master key" not in result.output


def test_a_text_file_is_not_a_store(tmp_path: Path, key: str) -> None:
    text = tmp_path / "t.txt"
    text.write_text("hello\n" * 200)
    result = run("--db", str(text), "alerts", key=key)
    assert result.exit_code == 1
    assert "is not a pathways store (it is not a SQLite database)" in result.output


def test_init_says_when_it_creates_a_folder(tmp_path: Path, key: str) -> None:
    target = tmp_path / "typo" / "s.sqlite3"
    result = run("--db", str(target), "init", key=key)
    assert result.exit_code == 0
    assert f"created the folder {target.parent}" in result.output
    again = run("--db", str(tmp_path / "s2.sqlite3"), "init", key=key)
    assert "created the folder" not in again.output


def test_db_after_the_command_says_where_it_goes(tmp_path: Path, key: str) -> None:
    result = run("alerts", "--db", str(tmp_path / "s.sqlite3"), key=key)
    assert result.exit_code == 2
    assert "--db goes before the command: pathways --db VALUE alerts" in result.output


def test_a_day_that_is_not_in_the_calendar_says_so(tmp_path: Path, key: str) -> None:
    db = tmp_path / "s.sqlite3"
    run("--db", str(db), "init", key=key)
    result = run("--db", str(db), "alerts", "--as-of", "2026-02-30", key=key)
    assert result.exit_code == 2
    assert "'2026-02-30' is not a day of the calendar" in result.output


def test_a_name_in_capitals_is_not_a_reference(tmp_path: Path, key: str) -> None:
    db = tmp_path / "s.sqlite3"
    run("--db", str(db), "init", key=key)
    args = ["record", "youth-registered", "JEAN-DUPONT", "--on", "2026-01-12",
            "--birth-date", "2005-02-10", "--residence", "rennes"]  # fmt: skip
    result = run("--db", str(db), *args, key=key)
    assert result.exit_code == 2
    assert "with at least one digit" in result.output
    info = json.loads(run("--db", str(db), "info", "--json", key=key).output)
    assert info["events"] == 1  # (only the first admin)


def test_a_known_at_outside_the_log_says_so(tmp_path: Path, key: str) -> None:
    db = tmp_path / "s.sqlite3"
    run("--db", str(db), "init", key=key)
    run("--db", str(db), *REGISTER, key=key)
    past = run("--db", str(db), "alerts", "--known-at", "@99", key=key)
    assert past.exit_code == 0
    assert "--known-at @99 is past the head of the log: read at @2" in past.output
    before = run("--db", str(db), "alerts", "--known-at", "2020-01-01", key=key)
    assert "--known-at 2020-01-01 is before the first recorded event" in before.output
    inside = run("--db", str(db), "alerts", "--known-at", "@1", key=key)
    assert "head of the log" not in inside.output
    assert "first recorded event" not in inside.output
