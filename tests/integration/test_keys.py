"""Keys and erasure (issue 12 item 6 and its defects): `pathways keys rotate` re-wraps
every data key under a new master key, so that a backup taken before an erasure is
useless once the old key is destroyed; an erasure with a reader open stays pending
until no copy of the key remains; files holding keys or personal data are their
owner's alone."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from pathways.backends import sqlite as sqlite_backend
from pathways.cli import cli, write
from pathways.crypto import KeyRing, load_master_key, write_key_file
from pathways.domain.errors import MasterKeyError
from pathways.store import open_store

REGISTER = [
    "record", "youth-registered", "Y-2026-0042", "--on", "2026-01-12",
    "--birth-date", "2005-02-10", "--residence", "saint-malo", "--name", "Camille Exemple",
]  # fmt: skip


class Cli:
    """The command line on one store, its master key in a key file."""

    def __init__(self, db: str, key_file: Path) -> None:
        self.db, self.key_file = db, key_file

    def __call__(self, *args: str, key_file: Path | None = None) -> Result:
        where = ["--db", self.db, "--key-file", str(key_file or self.key_file)]
        return CliRunner().invoke(cli, [*where, *args])

    def ok(self, *args: str) -> str:
        result = self(*args)
        assert result.exit_code == 0, result.output
        return result.output

    def json(self, *args: str) -> Any:
        return json.loads(self.ok(*args))


@pytest.fixture
def no_key_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PATHWAYS_MASTER_KEY", raising=False)
    monkeypatch.delenv("PATHWAYS_KEY_FILE", raising=False)


@pytest.fixture
def sh(db_url: str, no_key_env: None, tmp_path: Path) -> Cli:
    shell = Cli(db_url, tmp_path / "keys" / "master.key")
    shell.ok("init")
    shell.ok(*REGISTER)
    return shell


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def pseudonyms(sh: Cli) -> set[str]:
    result = sh("export", "events")
    assert result.exit_code == 0, result.output
    return {json.loads(line)["youth"] for line in result.stdout.splitlines()}


def test_rotate_rewraps_every_key_and_keeps_ids_and_pseudonyms(sh: Cli) -> None:
    old_text = sh.key_file.read_text()
    before = pseudonyms(sh)
    out = sh.ok("keys", "rotate")
    assert "rotated: 1 data key(s) re-wrapped under a new master key" in out
    old_file = sh.key_file.with_name("master.key.old")
    assert f"old key: {old_file}: destroy it" in out
    assert old_file.read_text() == old_text
    assert sh.key_file.read_text() != old_text
    assert (mode(sh.key_file), mode(old_file)) == (0o600, 0o600)
    # the personal fields open with the new key; nothing else changed
    assert sh.json("history", "Y-2026-0042", "--json")[0]["name"] == "Camille Exemple"
    assert pseudonyms(sh) == before
    sh.ok("record", "contact-made", "Y-2026-0042", "--on", "2026-02-01", "--channel", "phone")
    # the old key is refused, saying why
    refused = sh("history", "Y-2026-0042", key_file=old_file)
    assert refused.exit_code == 1
    assert "its master key was rotated at" in refused.output
    assert "this key is not the new one" in refused.output
    # a second rotation waits for the old key to be destroyed, then works
    again = sh("keys", "rotate")
    assert again.exit_code == 1
    assert "master.key.old is still there" in again.output
    old_file.unlink()
    sh.ok("keys", "rotate")
    sh.ok(*[*REGISTER[:2], "Y-2026-0043", *REGISTER[3:]])
    assert sh.json("history", "Y-2026-0043", "--json")[0]["name"] == "Camille Exemple"
    assert sh.json("history", "Y-2026-0042", "--json")[0]["birth_date"] == "2005-02-10"
    assert pseudonyms(sh) == before | pseudonyms(sh)


def test_a_backup_taken_before_an_erasure_is_useless_once_the_old_key_is_gone(
    no_key_env: None, tmp_path: Path
) -> None:
    db = tmp_path / "s.sqlite3"
    sh = Cli(str(db), tmp_path / "master.key")
    sh.ok("init")
    sh.ok(*REGISTER)
    backup = tmp_path / "backup.sqlite3"
    with sqlite3.connect(db) as source, sqlite3.connect(backup) as target:
        source.backup(target)
    stream = open_store(str(db), sh.key_file).stream_id("Y-2026-0042")
    with sqlite3.connect(backup) as conn:
        wrapped = bytes(conn.execute("SELECT wrapped FROM pathways_keys").fetchone()[0])
    sh.ok("erase", "Y-2026-0042", "--reason", "request", "--yes")
    # before the rotation, the old key still opens the backup: the gap issue 12 names
    KeyRing(load_master_key(sh.key_file)).open_data_key(stream, wrapped)
    sh.ok("keys", "rotate")
    sh.key_file.with_name("master.key.old").unlink()  # the procedure: destroy the old key
    new = KeyRing(load_master_key(sh.key_file))
    assert new.stream_id("Y-2026-0042") == stream
    with pytest.raises(MasterKeyError):
        new.open_data_key(stream, wrapped)
    refused = Cli(str(backup), sh.key_file)("history", "Y-2026-0042")
    assert refused.exit_code == 1
    assert "does not open the store" in refused.output
    assert "Camille" not in refused.output


def test_a_writer_opened_before_a_rotation_cannot_wrap_keys_with_the_old_one(sh: Cli) -> None:
    from pathways.application import Pathways

    writer = Pathways(open_store(sh.db, sh.key_file))
    try:
        sh.ok("keys", "rotate")
        with pytest.raises(MasterKeyError, match="master key was rotated"):
            _register(writer)
    finally:
        writer.store.close()
    assert sh("history", "Y-2026-0050").exit_code == 1  # nothing was written


def _register(app: Any) -> None:
    from pathways.application import Item
    from pathways.interchange import from_dict

    event = from_dict(
        {"type": "YouthRegistered", "youth": "Y-2026-0050", "occurred_on": "2026-01-02",
         "birth_date": "2004-01-01", "residence": "rennes"}
    )  # fmt: skip
    app.commit([Item(event, "line 1", 1)], "c-1")


def test_rotate_needs_a_key_file(sh: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATHWAYS_MASTER_KEY", sh.key_file.read_text().strip())
    result = sh("keys", "rotate")
    assert result.exit_code == 2
    assert "the master key comes from $PATHWAYS_MASTER_KEY" in result.output


# --- erasure with a reader open (SQLite: the write-ahead log) --------------------------------


def test_an_erasure_with_a_reader_open_stays_pending_until_no_copy_remains(
    no_key_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_backend, "ERASURE_WAIT", 0.5)
    monkeypatch.setattr(write, "FINISH_WAIT", 1.0)
    db = tmp_path / "s.sqlite3"
    sh = Cli(str(db), tmp_path / "master.key")
    sh.ok("init")
    sh.ok(*REGISTER)
    with sqlite3.connect(db) as conn:
        wrapped = bytes(conn.execute("SELECT wrapped FROM pathways_keys").fetchone()[0])
    reader = sqlite3.connect(db, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT COUNT(*) FROM stored_events").fetchone()  # holds a snapshot
    try:
        erased = sh("erase", "Y-2026-0042", "--reason", "request", "--yes")
        assert erased.exit_code == 0, erased.output
        assert "warning: an erasure is pending" in erased.output
        assert Path(f"{db}.erasure-pending").exists()
        assert wrapped in files(db)  # what the defect left: the key in the write-ahead log
        finish = sh("erase", "--finish")
        assert finish.exit_code == 1
        assert "still pending" in finish.output
    finally:
        reader.execute("COMMIT")
        reader.close()
    out = sh.ok("info")  # the next command finishes it
    assert "pending" not in out
    assert not Path(f"{db}.erasure-pending").exists()
    assert wrapped not in files(db)
    assert b"Camille" not in files(db)
    assert sh.ok("erase", "--finish") == "no erasure is pending\n"


def files(db: Path) -> bytes:
    """The bytes of a SQLite store's files: the database and its write-ahead log."""
    found = [Path(f"{db}{suffix}") for suffix in ("", "-wal")]
    return b"".join(path.read_bytes() for path in found if path.exists())


# --- files: modes and sizes ---------------------------------------------------------------------


def test_a_key_file_others_may_read_is_used_with_a_warning(
    no_key_env: None, tmp_path: Path
) -> None:
    key = tmp_path / "master.key"
    write_key_file(key)
    key.chmod(0o644)
    env = {**os.environ, "PATHWAYS_KEY_FILE": str(key), "PATHWAYS_DB": str(tmp_path / "s.db")}
    command = [str(Path(sys.executable).with_name("pathways")), "init"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [
        f"warning: the master key file {key} may be read by others (mode 0644): make it yours "
        f"alone with `chmod 600 {key}`"
    ]


def test_a_personal_export_over_a_readable_file_ends_owner_only(sh: Cli, tmp_path: Path) -> None:
    for fmt, name in (("jsonl", "e.jsonl"), ("csv", "e.csv"), ("parquet", "e.parquet")):
        if fmt == "parquet":
            pytest.importorskip("pyarrow")
        out = tmp_path / name
        out.write_text("old\n")
        out.chmod(0o644)
        sh.ok("export", "events", "--format", fmt, "--with-personal", "--output", str(out))
        assert mode(out) == 0o600, fmt
        if fmt != "parquet":
            assert "Camille Exemple" in out.read_text()


def test_the_store_file_is_created_owner_only(no_key_env: None, tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite3"
    Cli(str(db), tmp_path / "master.key").ok("init")
    assert mode(db) == 0o600


def test_a_key_path_at_dev_zero_fails_at_once(no_key_env: None, tmp_path: Path) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero here")
    sh = Cli(str(tmp_path / "s.sqlite3"), tmp_path / "master.key")
    sh.ok("init")
    result = sh("history", "Y-2026-0042", key_file=Path("/dev/zero"))
    assert result.exit_code == 1
    assert "/dev/zero is not a pathways key" in result.output
