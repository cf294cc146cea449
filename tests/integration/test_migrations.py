"""Schema versions: a store of another version is refused with what to do, and
`pathways db upgrade` brings an old one to this program's version, losing nothing.

The version-1 store is a real one, written by the program of that version
(tests/fixtures/store-v1); a store of the current version made older by hand
(its version table dropped, its event-id index without positions, the read
models of version 1) runs the same migration on every backend.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from conftest import FIXTURES
from pathways import migrations
from pathways.cli import cli
from pathways.crypto import new_master_key
from pathways.projections.timelines import TimelinesProjection
from pathways.store import open_store
from pathways.verify import verify

V1 = FIXTURES / "store-v1"
CURRENT = migrations.CURRENT
AUDIT = migrations.AUDIT_VERSION
#: Every migration, in order (the versions a version-1 store goes through).
VERSIONS = [m.version for m in migrations.MIGRATIONS]


class Old:
    """A copy of the version-1 store, and the commands a user types on it."""

    def __init__(self, tmp_path: Path) -> None:
        self.db = tmp_path / "old.sqlite3"
        shutil.copyfile(V1 / "store.sqlite3", self.db)
        key = tmp_path / "master.key"
        shutil.copyfile(V1 / "master.key", key)
        key.chmod(0o600)
        # no chain key yet: `db upgrade` makes one beside the master key (master.chain.key)
        self.env = {
            "PATHWAYS_DB": str(self.db),
            "PATHWAYS_KEY_FILE": str(key),
            "PATHWAYS_CHAIN_KEY": None,
        }
        self.chain_key = tmp_path / "master.chain.key"
        self.runner = CliRunner()

    def __call__(self, *args: str) -> Result:
        return self.runner.invoke(cli, list(args), env=self.env)

    def ok(self, *args: str) -> str:
        result = self(*args)
        assert result.exit_code == 0, result.output
        return result.output


@pytest.fixture
def old(tmp_path: Path) -> Old:
    return Old(tmp_path)


def test_a_store_of_an_older_version_is_refused_with_what_to_do(old: Old) -> None:
    record = ["record", "contact-made", "EX-1", "--on", "2026-03-20", "--channel", "phone"]
    for command in (["alerts"], ["history", "Y-2026-0043"], record):
        result = old(*command)
        assert result.exit_code == 1, result.output
        assert f"has schema version 1, this program uses {CURRENT}" in result.output
        assert "pathways db upgrade" in result.output
    assert f"schema         1 (this program: {CURRENT}" in old.ok("info")


def test_db_status_says_what_is_pending(old: Old) -> None:
    out = old.ok("db", "status")
    assert f"version 1 (this program: {CURRENT})" in out
    assert "pending      2  event positions in the id index" in out
    assert "pending      3  the chain of tamper evidence over every event" in out
    assert f"pending      {AUDIT}  the audit log of reads" in out
    status = json.loads(old.ok("db", "status", "--json"))
    assert (status["version"], status["program"], status["applied"]) == (1, CURRENT, [])
    # a monitoring job asks without the master key (db status reads no personal data)
    old.env.update(PATHWAYS_KEY_FILE=str(old.db.parent / "absent.key"), PATHWAYS_MASTER_KEY=None)
    assert json.loads(old.ok("db", "status", "--json")) == status
    assert old("db", "upgrade").exit_code == 1  # (an upgrade still needs it)


def test_db_upgrade_keeps_every_event_and_gives_the_same_answers(old: Old) -> None:
    assert not old.chain_key.exists()
    out = old.ok("db", "upgrade")
    assert f"chain key written to {old.chain_key} (readable by you only)" in out
    assert "applied 2: event positions in the id index" in out
    assert "applied 3: the chain of tamper evidence over every event" in out
    assert f"applied {AUDIT}: the audit log of reads" in out
    assert f"the store is at schema version {CURRENT}" in out
    assert old.chain_key.stat().st_mode & 0o777 == 0o600
    # every event stored under version 1 is chained: verify finds the log intact
    assert old.ok("verify").endswith(": the log is intact\n")
    expected = json.loads((V1 / "alerts-2026-03-31.json").read_text())
    assert json.loads(old.ok("alerts", "--as-of", "2026-03-31", "--json")) == expected
    history = json.loads((V1 / "history-Y-2026-0043.json").read_text())
    assert json.loads(old.ok("history", "Y-2026-0043", "--json")) == history
    # the contact retracted under version 1 stays retracted; the erased youth, erased
    assert [r["retracted"] for r in history if r["type"] == "ContactMade"] == [True]
    erased = json.loads(old.ok("history", "Y-2026-0044", "--json"))
    assert erased[0]["erased"] is True
    # the id index knows every event's position: retracting by id works at once
    assert "nothing to do" in old.ok("db", "upgrade")
    status = json.loads(old.ok("db", "status", "--json"))
    assert (status["version"], status["pending"]) == (CURRENT, [])
    assert [a["version"] for a in status["applied"]] == VERSIONS
    # up to date, it is said without the master key too (as `db status` says it)
    old.env.update(PATHWAYS_KEY_FILE=str(old.db.parent / "absent.key"), PATHWAYS_MASTER_KEY=None)
    assert old.ok("db", "upgrade") == f"the store is at schema version {CURRENT}: nothing to do\n"
    # but a key given that is not the store's is said, as every command says it
    old.env.update(PATHWAYS_MASTER_KEY=new_master_key())
    wrong = old("db", "upgrade")
    assert wrong.exit_code == 1, wrong.output
    assert "the master key does not open the store" in wrong.output


def test_an_upgraded_store_takes_new_events_and_corrections(old: Old) -> None:
    old.ok("db", "upgrade")
    old.ok("record", "contact-made", "EX-1", "--on", "2026-03-20", "--channel", "phone")
    rows = json.loads(old.ok("history", "EX-1", "--json"))
    released = next(r for r in rows if r["type"] == "Released")
    old.ok("retract", released["id"], "--reason", "recorded twice")
    alerts = json.loads(old.ok("alerts", "--as-of", "2026-03-31", "--json"))
    assert {a["alert"] for a in alerts} >= {"release-overdue"}  # the release is gone
    assert json.loads(old.ok("projections", "status", "--json"))[0]["lag"] == 0
    assert old.ok("verify").endswith(": the log is intact\n")


def test_a_store_newer_than_the_program_is_refused(old: Old) -> None:
    old.ok("db", "upgrade")
    store = open_store(str(old.db), Path(str(old.env["PATHWAYS_KEY_FILE"])))
    with store.session(write=True, append=False) as session:
        session.execute(
            "INSERT INTO pathways_schema VALUES (?, ?, ?)",
            (CURRENT + 1, "2030-01-01", "from the future"),
        )
    store.close()
    result = old("alerts")
    assert result.exit_code == 1
    assert (
        f"has schema version {CURRENT + 1}, newer than this program's ({CURRENT})" in result.output
    )
    assert old("db", "upgrade").exit_code == 1


# --- the same migration on every backend ---------------------------------------------------


def _made_older(store: Any) -> None:
    """A current store turned back into version 1's layout (what the migration finds)."""
    backend = store.backend
    with store.session(write=True, append=True) as session:
        for view in ("pathways_youths", "pathways_followers"):  # PostgreSQL's (row security)
            session.execute(f"DROP VIEW IF EXISTS {{p}}{view}")
        for table in (
            "pathways_schema",
            "pathways_audit",
            "pathways_chain",
            "pw_tracking",
            "pw1_follower",
            "pw1_youth",
            "pw1_log",
        ):
            session.execute(f"DROP TABLE {{p}}{table}")
        session.execute("DROP TABLE IF EXISTS {p}pathways_db_roles")  # its policies are gone
        session.execute("ALTER TABLE {p}pathways_event_ids DROP COLUMN position")
        session.execute(
            "CREATE TABLE {p}pw_tracking (name VARCHAR(40) PRIMARY KEY, position BIGINT)"
        )
        session.execute("CREATE TABLE {p}pw_fact (position BIGINT PRIMARY KEY)")
    assert migrations.version(backend) == 1


@pytest.fixture
def upgraded(make_app: Any) -> Any:
    app = make_app()
    app.import_lines((FIXTURES / "worked-example.jsonl").read_text().splitlines(), "c-sm-1")
    _made_older(app.store)
    return app


def test_the_migration_runs_on_every_backend(upgraded: Any) -> None:
    store = upgraded.store
    with pytest.raises(migrations.SchemaError, match="schema version 1"):
        migrations.check(store)
    applied = migrations.upgrade(store)
    assert [m.version for m in applied] == VERSIONS
    migrations.check(store)
    places = store.backend.event_places([str(r.event.id) for r in store.iter_log()])
    assert sorted(position for _, position in places.values()) == list(range(1, store.head() + 1))
    projection = TimelinesProjection(store)
    assert projection.status().lag == 0
    assert migrations.upgrade(store) == []
    assert verify(store).intact
    assert verify(store).events == store.count_events()


def test_a_creation_interrupted_leaves_no_half_made_store(
    db_url: str, master_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new store's schema is made in one transaction: `init` (or `migrate`'s target)
    interrupted while it makes it leaves no store at all, not tables without a version
    that every later command would take for a store of version 1; `init` then makes it."""
    from pathways.projections import ddl
    from pathways.store import NoStore

    def interrupted(*_args: Any) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(ddl, "create_read_models", interrupted)
        with pytest.raises(KeyboardInterrupt):
            open_store(db_url, create=True)
    with pytest.raises(NoStore):
        open_store(db_url)
    made = CliRunner().invoke(cli, ["--db", db_url, "init"])
    assert made.exit_code == 0, made.output
    store = open_store(db_url)
    try:
        assert migrations.version(store.backend) == migrations.CURRENT
    finally:
        store.close()


def test_another_programs_events_table_is_not_taken_for_an_old_store(
    db_url: str, master_key: str
) -> None:
    """A schema (or file) whose only table is another program's `stored_events`
    (eventsourcing's own name) is not a store of version 1: init, info and db upgrade
    say so, and change nothing."""
    from pathways.backends import backend_for, locate

    backend = backend_for(locate(db_url))
    backend.open(create=True)
    try:
        with backend.session(write=True, append=False) as session:
            session.execute("CREATE TABLE {p}stored_events (x INTEGER)")
    finally:
        backend.close()
    for command in (["init"], ["info"], ["db", "upgrade"]):
        done = CliRunner().invoke(cli, ["--db", db_url, *command])
        assert done.exit_code == 1, (command, done.output)
        assert "is not a pathways store: it holds a table stored_events" in done.output
        assert "bug" not in done.output
    backend = backend_for(locate(db_url))
    backend.open(create=True)
    try:
        assert backend.has_table("stored_events")
        assert not backend.has_table("pathways_meta")
    finally:
        backend.close()
