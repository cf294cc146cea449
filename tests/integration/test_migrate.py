"""`pathways migrate --to postgresql://…`: an office's SQLite store copied into PostgreSQL,
exactly, verified on each side; run twice it copies nothing; interrupted (a part copied,
or the process killed with SIGKILL mid-chunk) it resumes to an exact copy; a foreign
target and a bad URL are refused with nothing written (issue 11, item 3). Real
PostgreSQL, never a mock."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner, Result

import pathways.crypto
from conftest import FIXTURES, POSTGRES_URL
from pathways import migrate as migration
from pathways.cli import cli
from pathways.store import open_store

pytestmark = pytest.mark.postgres
PG = [pytest.param("postgres", marks=pytest.mark.postgres)]
END = "2026-11-30"
ERASED = "Y-2025-0001"
MAIN = [sys.executable, "-c", "from pathways.cli import main; main()"]


class Office:
    """A SQLite store written by `pathways demo`, one youth erased, and the commands a
    user types on it (or on another store, with --db)."""

    def __init__(self, folder: Path) -> None:
        self.db = str(folder / "office.sqlite3")
        self.key = pathways.crypto.new_master_key()
        self.env: dict[str, str | None] = {
            "PATHWAYS_DB": self.db,
            "PATHWAYS_MASTER_KEY": self.key,
            "PATHWAYS_KEY_FILE": None,
        }
        self.ok("init")
        self.ok("demo", "--youth", "25", "--years", "1", "--end", END)
        self.ok("erase", ERASED, "--reason", "request", "--yes")

    def __call__(self, *args: str, db: str | None = None) -> Result:
        found = ["--db", db, *args] if db else list(args)
        return CliRunner().invoke(cli, found, env=self.env)

    def ok(self, *args: str, db: str | None = None) -> str:
        result = self(*args, db=db)
        assert result.exit_code == 0, result.output
        return result.output

    def fails(self, *args: str, db: str | None = None) -> str:
        result = self(*args, db=db)
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output
        return result.output


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Office:
    return Office(tmp_path_factory.mktemp("office"))


@pytest.fixture(autouse=True)
def _office_key(office: Office, monkeypatch: pytest.MonkeyPatch) -> None:
    """The stores opened in this process (not by a command) take the office's key."""
    monkeypatch.setenv("PATHWAYS_MASTER_KEY", office.key)
    monkeypatch.delenv("PATHWAYS_KEY_FILE", raising=False)


def _head(db: str) -> int:
    store = open_store(db, check_schema=False)
    try:
        return store.head()
    finally:
        store.close()


def _views(office: Office, db: str) -> list[str]:
    """What the users read: caseload, alerts, the erased youth's history and another's."""
    return [
        office.ok(*command, "--json", db=db)
        for command in (
            ["caseload", "--as-of", END],
            ["alerts", "--as-of", END],
            ["history", ERASED],
            ["history", "Y-2026-0004"],
            ["settings"],
        )
    ]


@pytest.mark.parametrize("db_url", PG, indirect=True)
def test_a_demo_store_with_an_erased_youth_is_copied_exactly_and_once(
    office: Office, db_url: str
) -> None:
    head = _head(office.db)
    out = office.ok("migrate", "--to", db_url)
    assert f"copied: {head:,} new events at positions 1-{head:,} (0 were already there)" in out
    copied = next(x for x in out.splitlines() if x.startswith("tables copied: "))
    assert set(copied.removeprefix("tables copied: ").split(", ")) == {
        "stored_events",
        "pathways_event_ids",
        "pathways_keys",
        "pathways_meta",
        "pathways_chain",
    }
    assert f"read models rebuilt: {head:,} events" in out
    sums = [line.split()[-1] for line in out.splitlines() if "log SHA-256" in line]
    assert len(sums) == 2
    assert sums[0] == sums[1]
    assert len(sums[0]) == 64
    assert "is exact" in out
    # What a user reads is the same on both sides: positions, recording times, actors,
    # the erased youth's personal fields gone (its key was not copied), the settings.
    assert _views(office, db_url) == _views(office, office.db)
    history = json.loads(office.ok("history", ERASED, "--json", db=db_url))
    assert any(e.get("erased") for e in history)
    assert not any("birth_date" in e for e in history)
    assert "Y-2026-0004" in office.ok("history", "Y-2026-0004", db=db_url)
    again = office.ok("migrate", "--to", db_url)
    assert f"already copied: 0 new events ({head:,} in the target)" in again
    french = office.ok("--lang", "fr", "migrate", "--to", db_url)
    assert "déjà copié : 0 nouvel événement (" in french
    assert "vérifié : la copie dans " in french
    assert [line for line in again.splitlines() if "SHA-256" in line] == [
        line for line in out.splitlines() if "SHA-256" in line
    ]
    assert _head(db_url) == head
    # Each copy is in the audit of both stores: who copied every youth, and where to.
    source_rows = [r for r in json.loads(office.ok("audit", "--json")) if r["command"] == "migrate"]
    target_rows = [
        r for r in json.loads(office.ok("audit", "--json", db=db_url)) if r["command"] == "migrate"
    ]
    assert len(source_rows) == len(target_rows) == 3  # (the first copy, then two runs again)
    for row in source_rows + target_rows:
        assert (row["outcome"], row["youths"]) == ("copied", ["*"])
    assert {r["options"]["upto"] for r in source_rows + target_rows} == {head}
    assert "to" in source_rows[0]["options"]
    assert target_rows[0]["options"]["from"] == office.db
    # The copy is a store like any other: a new event goes after the copied ones.
    office.ok("record", "contact-made", "Y-2026-0004", "--on", END, "--channel", "phone", db=db_url)
    assert _head(db_url) == head + 1


@pytest.mark.parametrize("db_url", PG, indirect=True)
def test_a_copy_interrupted_after_a_part_resumes_to_an_exact_copy(
    office: Office, db_url: str
) -> None:
    head = _head(office.db)
    source, target = open_store(office.db), open_store(db_url, create=True)
    try:
        part = migration.migrate(source, target, chunk=100, upto=head // 2)
        assert (part.copied, part.last) == (head // 2, head // 2)
        assert target.head() == head // 2
        assert part.rebuilt == 0
        rest = migration.migrate(source, target, chunk=100)
        assert rest.before == head // 2
        assert rest.copied == head - head // 2
        assert rest.first == head // 2 + 1
        assert rest.last == head
        assert rest.check.exact, rest.check.differences
        assert rest.check.counts["stored_events"] == (head, head)
    finally:
        source.close()
        target.close()
    assert _views(office, db_url) == _views(office, office.db)


def _backend_waiting(application: str) -> bool:
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        found = conn.execute(
            "SELECT 1 FROM pg_stat_activity WHERE application_name = %s "
            "AND wait_event_type = 'Lock'",
            (application,),
        ).fetchone()
    return found is not None


def _backend_gone(application: str) -> bool:
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        found = conn.execute(
            "SELECT 1 FROM pg_stat_activity WHERE application_name = %s", (application,)
        ).fetchone()
    return found is None


@pytest.mark.parametrize("db_url", PG, indirect=True)
def test_a_copy_killed_with_sigkill_mid_chunk_resumes_to_an_exact_copy(
    office: Office, db_url: str
) -> None:
    """Deterministic: a part is copied; then, the target's event-id index locked by the
    test, a `pathways migrate` process writes the events of its next chunk and waits for
    that table; it is killed there (SIGKILL), its chunk uncommitted."""
    head = _head(office.db)
    source, target = open_store(office.db), open_store(db_url, create=True)
    try:
        migration.migrate(source, target, chunk=100, upto=200)
    finally:
        source.close()
        target.close()
    application = f"pathways-test-migrate-{os.getpid()}"
    url = f"{db_url}&application_name={application}"
    schema = db_url.rsplit("schema=", 1)[1]
    env = {**os.environ, "PATHWAYS_DB": office.db, "PYTHONPATH": os.pathsep.join(sys.path)}
    with psycopg.connect(POSTGRES_URL) as lock:
        lock.execute(f'LOCK TABLE "{schema}".pathways_event_ids IN SHARE MODE')
        child = subprocess.Popen(
            [*MAIN, "migrate", "--to", url, "--chunk", "100"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while not _backend_waiting(application):
            assert child.poll() is None, "the copy ended before it reached the lock"
            assert time.monotonic() < deadline, "the copy never waited for the lock"
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        child.wait(30)
        lock.rollback()  # the lock released: the orphaned chunk finds its client gone
    deadline = time.monotonic() + 60
    while not _backend_gone(application):
        assert time.monotonic() < deadline, "the killed copy's session never ended"
        time.sleep(0.05)
    assert _head(db_url) == 200  # the killed chunk left nothing
    out = office.ok("migrate", "--to", db_url)
    assert f"copied: {head - 200:,} new events at positions 201-{head:,}" in out
    assert "is exact" in out
    assert _views(office, db_url) == _views(office, office.db)


@pytest.mark.parametrize("db_url", PG, indirect=True)
def test_a_target_holding_another_stores_events_is_refused(office: Office, db_url: str) -> None:
    office.ok("init", db=db_url)  # the same key, but its own events
    office.ok("settings", "set", "no-first-contact.days", "21", db=db_url)
    out = office.fails("migrate", "--to", db_url)
    assert "holds other events than this store's" in out
    assert "was made by `pathways init`" in out  # (the likeliest reason, said)
    assert _head(db_url) == 2  # its first admin and its setting
    assert _keys(db_url) == 0  # nothing of the source written


@pytest.mark.parametrize("db_url", PG, indirect=True)
def test_a_target_made_with_another_master_key_is_refused(office: Office, db_url: str) -> None:
    other = {"PATHWAYS_MASTER_KEY": pathways.crypto.new_master_key(), "PATHWAYS_KEY_FILE": None}
    made = CliRunner().invoke(cli, ["--db", db_url, "init"], env=other)
    assert made.exit_code == 0, made.output
    out = office.fails("migrate", "--to", db_url)
    assert "the master key does not open the store" in out


def _keys(db: str) -> int:
    store = open_store(db, need_key=False)
    try:
        return store.count_youths()
    finally:
        store.close()


@pytest.mark.parametrize("db_url", PG, indirect=True)
def test_a_copy_that_differs_is_caught_by_the_verification(office: Office, db_url: str) -> None:
    office.ok("migrate", "--to", db_url)
    assert "is exact" in office.ok("migrate", "--to", db_url, "--verify-only")
    schema = db_url.rsplit("schema=", 1)[1]
    with psycopg.connect(POSTGRES_URL) as conn:
        conn.execute(
            f"UPDATE \"{schema}\".stored_events SET state = state || '\\x20'::bytea "
            "WHERE notification_id = 7"
        )
    out = office.fails("migrate", "--to", db_url, "--verify-only")
    assert "the stores differ: the log: its checksums differ" in out
    sums = [line.split()[-1] for line in out.splitlines() if "log SHA-256" in line]
    assert len(sums) == 2
    assert sums[0] != sums[1]
    # in French: the counts, the checksums and the verdict
    out = office.fails("--lang", "fr", "migrate", "--to", db_url, "--verify-only")
    assert "les deux bases diffèrent : le journal : ses sommes de contrôle diffèrent" in out
    assert f"SHA-256 du journal, source  {sums[0]}" in out
    assert "lignes dans la source" in out


@pytest.mark.parametrize(
    ("url", "said"),
    [
        (f"{POSTGRES_URL}?schema=", "--to: schema= is empty"),
        (f"{POSTGRES_URL}?schema=pg_catalog", "--to: schema 'pg_catalog' is one of PostgreSQL's"),
        (f"{POSTGRES_URL}?sslmod=require", "--to: unknown parameter(s) 'sslmod'"),
        ("office-copy.sqlite3", "--to: 'office-copy.sqlite3' is not a PostgreSQL URL"),
        (
            "postgresql://postgres@127.0.0.1:1/test?schema=x&connect_timeout=2",
            "cannot connect to PostgreSQL at postgresql://127.0.0.1:1/test",
        ),
    ],
)
def test_a_bad_url_is_a_clear_message(office: Office, url: str, said: str) -> None:
    out = office.fails("migrate", "--to", url)
    assert said in out, out


@pytest.mark.parametrize("db_url", PG, indirect=True)
def test_verify_only_on_no_store_and_an_old_target_say_what_to_do(
    office: Office, db_url: str
) -> None:
    out = office.fails("migrate", "--to", db_url, "--verify-only")
    assert "--to: no store at" in out
    assert "do not `pathways init` it first" in out
    assert "--db" not in out
    office.ok("init", db=db_url)
    schema = db_url.rsplit("schema=", 1)[1]
    with psycopg.connect(POSTGRES_URL) as conn:  # a store of an older version
        conn.execute(f'DROP TABLE "{schema}".pathways_schema')
    out = office.fails("migrate", "--to", db_url)
    assert "has schema version 1" in out
    assert "`pathways --db URL db upgrade` (URL: the --to one)" in out


@pytest.mark.parametrize("db_url", PG, indirect=True)
def test_a_source_of_an_older_version_is_refused_with_what_to_do(
    db_url: str, tmp_path: Path
) -> None:
    old = tmp_path / "old.sqlite3"
    shutil.copyfile(FIXTURES / "store-v1" / "store.sqlite3", old)
    key = tmp_path / "master.key"
    shutil.copyfile(FIXTURES / "store-v1" / "master.key", key)
    key.chmod(0o600)
    env = {"PATHWAYS_DB": str(old), "PATHWAYS_KEY_FILE": str(key), "PATHWAYS_MASTER_KEY": None}
    result = CliRunner().invoke(cli, ["migrate", "--to", db_url], env=env)
    assert result.exit_code == 1, result.output
    assert "has schema version 1" in result.output
    assert "pathways db upgrade" in result.output
    assert _no_store(db_url)


#: A table a later schema version might add to the source.
LATER_TABLE = "CREATE TABLE pathways_later (position BIGINT PRIMARY KEY, hash BLOB)"


def _changed_copy(office: Office, db: Path, statement: str) -> None:
    """A copy of the office's store at `db`, changed by one SQL statement."""
    shutil.copyfile(office.db, db)
    with sqlite3.connect(db) as conn:
        conn.execute(statement)


def _no_store(db: str) -> bool:
    """Nothing was made where the URL points."""
    schema = db.rsplit("schema=", 1)[1]
    with psycopg.connect(POSTGRES_URL) as conn:
        found = conn.execute(
            "SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", (schema,)
        ).fetchone()
    return found is None


@pytest.mark.parametrize("db_url", PG, indirect=True)
def test_a_table_a_later_schema_adds_is_copied_too(
    office: Office, db_url: str, tmp_path: Path
) -> None:
    """Tables of the store's own are copied generically: one with a `position` column
    with the events of each chunk (e.g. a hash chain of the log), any other whole."""
    db = tmp_path / "office.sqlite3"
    _changed_copy(office, db, LATER_TABLE)
    head = _head(str(db))
    with sqlite3.connect(db) as conn:
        conn.executemany(
            "INSERT INTO pathways_later VALUES (?, ?)",
            [(p, hashlib.sha256(str(p).encode()).digest()) for p in range(1, head + 1)],
        )
        conn.execute("CREATE TABLE pathways_notes (name TEXT PRIMARY KEY, note TEXT)")
        conn.execute("INSERT INTO pathways_notes VALUES ('office', 'ml-redon')")
    source, target = open_store(str(db)), open_store(db_url, create=True)
    schema = db_url.rsplit("schema=", 1)[1]
    with psycopg.connect(POSTGRES_URL) as conn:
        conn.execute(
            f'CREATE TABLE "{schema}".pathways_later (position BIGINT PRIMARY KEY, hash BYTEA)'
        )
        conn.execute(f'CREATE TABLE "{schema}".pathways_notes (name TEXT PRIMARY KEY, note TEXT)')
    try:
        part = migration.migrate(source, target, chunk=100, upto=250)
        with psycopg.connect(POSTGRES_URL) as conn:
            found = conn.execute(f'SELECT MAX(position) FROM "{schema}".pathways_later').fetchone()
        assert found == (250,)  # the chain's rows went with their events
        assert part.last == 250
        done = migration.migrate(source, target, chunk=100)
    finally:
        source.close()
        target.close()
    assert "pathways_later" in done.tables
    assert "pathways_notes" in done.tables
    assert done.check.exact, done.check.differences
    assert done.check.counts["pathways_later"] == (head, head)
    assert done.check.counts["pathways_notes"] == (1, 1)


@pytest.mark.parametrize("db_url", PG, indirect=True)
def test_a_target_without_a_table_of_the_source_is_refused(
    office: Office, db_url: str, tmp_path: Path
) -> None:
    db = tmp_path / "office.sqlite3"
    _changed_copy(office, db, LATER_TABLE)
    source, target = open_store(str(db)), open_store(db_url, create=True)
    try:
        with pytest.raises(
            migration.MigrationError, match="the target has no table pathways_later"
        ):
            migration.migrate(source, target)
        assert target.head() == 0
    finally:
        source.close()
        target.close()


@pytest.mark.parametrize("db_url", PG, indirect=True)
def test_a_source_that_is_not_a_sqlite_file_is_refused_before_the_target_is_made(
    office: Office, db_url: str
) -> None:
    office.ok("init", db=db_url)
    elsewhere = db_url.replace("schema=", "schema=x")
    out = office.fails("migrate", "--to", elsewhere, db=db_url)
    assert "the store to copy must be a SQLite file (--db PATH)" in out
    assert _no_store(elsewhere)


@pytest.mark.parametrize("db_url", PG, indirect=True)
def test_a_copy_is_for_an_admin_of_the_office(office: Office, db_url: str) -> None:
    office.ok("users", "add", "c-mig-1", "--role", "counsellor", "--organisation", "ml-redon")
    out = office.fails("migrate", "--to", db_url, "--actor", "c-mig-1")
    assert "`pathways migrate` is for users with the role admin" in out
    assert _no_store(db_url)  # refused before the target is made
    refused = [r for r in json.loads(office.ok("audit", "--json")) if r["actor"] == "c-mig-1"]
    assert [r["outcome"] for r in refused] == ["refused"]
    # --verify-only too: it reads the whole store
    out = office.fails("migrate", "--to", db_url, "--verify-only", "--actor", "c-mig-1")
    assert "`pathways migrate` is for users with the role admin" in out


@pytest.mark.parametrize("db_url", PG, indirect=True)
def test_a_copy_whose_audit_cannot_be_written_makes_nothing(
    office: Office, db_url: str, tmp_path: Path
) -> None:
    copy = tmp_path / "office.sqlite3"
    _changed_copy(office, copy, "DROP TABLE pathways_audit")  # an audit that takes no row
    result = office("migrate", "--to", db_url, db=str(copy))
    assert result.exit_code == 1, result.output
    assert "no such table: pathways_audit" in result.output
    assert "unexpected" not in result.output
    assert _no_store(db_url)  # the target was not even made
