"""Tamper evidence (issue 12 item 7): `pathways verify` finds every row changed outside
the program, by its event id and log position, on SQLite and on a real PostgreSQL.

The store is written by pathways; each test then changes it as someone with only
database access would (`sqlite3` on the file, SQL on the PostgreSQL schema), never
through pathways, and reads what `pathways verify` says.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import pathways.crypto
from conftest import FIXTURES, add_admin
from pathways import demo
from pathways.application import Pathways
from pathways.chain import chain_key_path
from pathways.cli import cli
from pathways.verify import verify

#: On a SQLite file and on a real PostgreSQL schema (the `db_url` fixture's, not memory:
#: a memory store cannot be reached from outside the process).
on_both = pytest.mark.parametrize(
    "db_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


COHORT = demo.generate(8, 12, date(2026, 3, 31))


class Raw:
    """The store's database reached directly, outside pathways (what an intruder or a
    careless administrator with database access can do)."""

    def __init__(self, db: str) -> None:
        self.db = db
        self.postgres = db.startswith("postgresql")
        self.position = "notification_id" if self.postgres else "rowid"

    def sql(self, statement: str, params: tuple[Any, ...] = ()) -> list[Any]:
        """Run one statement in its own transaction (`{pos}`: the position column, `?`: a
        parameter); its rows."""
        statement = statement.replace("{pos}", self.position)
        if not self.postgres:
            with sqlite3.connect(self.db) as connection:
                return connection.execute(statement, params).fetchall()
        import psycopg

        base, schema = self.db.split("?schema=", 1) if "?schema=" in self.db else (self.db, "")
        with psycopg.connect(base) as connection:
            connection.execute(f'SET search_path TO "{schema}"')
            cursor = connection.execute(statement.replace("?", "%s"), params)
            return cursor.fetchall() if cursor.description else []

    def event(self, position: int) -> tuple[Any, int, str, bytes]:
        """(stream, version, topic, state) of the event at a position."""
        found = self.sql(
            "SELECT originator_id, originator_version, topic, state FROM stored_events "
            "WHERE {pos} = ?",
            (position,),
        )
        stream, version, topic, state = found[0]
        return stream, int(version), topic, bytes(state)

    def positions(self, topic: str) -> list[int]:
        rows = self.sql(
            "SELECT {pos} FROM stored_events WHERE topic = ? ORDER BY {pos}", (f"pathways:{topic}",)
        )
        return [int(r[0]) for r in rows]


class Office:
    """A store written by pathways, and the `pathways verify` of a user."""

    def __init__(self, db: str, app: Pathways) -> None:
        self.db = db
        self.app = app
        self.raw = Raw(db)
        self.runner = CliRunner()

    def verify(self, *args: str, env: dict[str, str | None] | None = None) -> Result:
        return self.runner.invoke(cli, ["--db", self.db, "verify", *args], env=env)

    def problems(self) -> list[tuple[int, str, str]]:
        """(position, event id, problem) of what `verify --json` reports; exit code 1."""
        result = self.verify("--json")
        assert result.exit_code == 1, result.output
        found = json.loads(result.output)
        assert found["intact"] is False
        return [(p["position"], p["event_id"], p["problem"]) for p in found["problems"]]

    def event_id(self, position: int) -> str:
        return str(json.loads(self.raw.event(position)[3])["id"])


@pytest.fixture
def office(make_app: Callable[..., Pathways], db_url: str) -> Office:
    """A synthetic cohort of 8 young people and the worked example (a retraction...),
    imported; verified intact."""
    app = make_app()
    cohort = [json.dumps(line) for batch in COHORT for line in batch.events]
    worked = (FIXTURES / "worked-example.jsonl").read_text().splitlines()
    app.import_lines([*cohort, *worked], "c-sm-1")
    found = Office(db_url, app)
    result = found.verify()
    assert result.exit_code == 0, result.output
    return found


# --- all is well ------------------------------------------------------------------------


@on_both
def test_an_intact_store_is_said_intact_in_one_line(office: Office) -> None:
    store = office.app.store
    events, youths = store.count_events(), store.count_registered()
    result = office.verify()
    assert result.exit_code == 0
    assert youths == 9
    assert result.output == f"verified {events} events of 9 youths: the log is intact\n"
    french = office.verify(env={"PATHWAYS_LANG": "fr"}).output
    assert french == f"{events} événements de 9 jeunes vérifiés : le journal est intact\n"
    found = json.loads(office.verify("--json").output)
    assert (found["events"], found["youths"], found["intact"], found["problems"]) == (
        events,
        youths,
        True,
        [],
    )
    # the head: what a later verify compares, to tell a log cut short
    (last,) = office.raw.sql(
        "SELECT position, global_hash FROM pathways_chain ORDER BY position DESC LIMIT 1"
    )
    assert found["head"] == {"position": store.head(), "global_hash": bytes(last[1]).hex()}
    assert last[0] == store.head()


@on_both
def test_erasure_keeps_the_log_verifiable(office: Office) -> None:
    registered = office.raw.positions("YouthRegistered")
    youths = [json.loads(office.raw.event(p)[3])["youth"] for p in registered[:2]]
    for youth in youths:
        office.app.erase(youth, "request", "admin")
    assert len(office.raw.positions("YouthErased")) == 2
    assert office.raw.sql("SELECT COUNT(*) FROM pathways_keys")[0][0] == len(registered) - 2
    assert office.verify().output.endswith("the log is intact\n")


@on_both
def test_an_import_written_in_parts_is_chained_across_them(
    make_app: Callable[..., Pathways], db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pathways.application.imports

    monkeypatch.setattr(pathways.application.imports, "PART", 200)
    path = tmp_path / "cohort.jsonl"
    count = demo.write_jsonl(demo.generate(40, 7, date(2025, 12, 31)), path)
    app = make_app()
    with path.open(encoding="utf-8") as handle:
        assert app.import_lines(handle, "import").stored == count
    report = verify(app.store)
    assert report.intact
    assert (report.events, report.youths) == (count, 40)


# --- a row changed outside the program -----------------------------------------------------


@on_both
def test_an_event_whose_data_were_changed_is_reported_altered(office: Office) -> None:
    position = office.raw.positions("ContactMade")[0]
    _, _, _, state = office.raw.event(position)
    day = json.loads(state)["occurred_on"].encode()
    other = day[:-1] + str((int(day[-1:]) + 1) % 10).encode()  # another day
    changed = state.replace(b'"occurred_on":"' + day, b'"occurred_on":"' + other, 1)
    assert changed != state
    office.raw.sql("UPDATE stored_events SET state = ? WHERE {pos} = ?", (changed, position))
    event_id = office.event_id(position)
    assert office.problems() == [(position, event_id, "altered")]
    out = office.verify().output
    assert f"position {position}  event {event_id}  altered:" in out
    assert "1 problem in " in out
    assert "the log was changed outside pathways" in out
    # in French (a store of the département's offices): the problem's name and detail,
    # the summary; --json keeps the code
    french = office.verify(env={"PATHWAYS_LANG": "fr"}).output
    assert f"position {position}  événement {event_id}  altéré : sa ligne enregistrée" in french
    assert "1 problème dans " in french
    assert " de 9 jeunes : le journal a été modifié hors de pathways" in french
    assert (
        json.loads(office.verify("--json", env={"PATHWAYS_LANG": "fr"}).output)["problems"][0][
            "problem"
        ]
        == "altered"
    )


TAMPERED = "is not stored as pathways stores it"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # (text in a bytes column)
def test_a_row_changed_by_hand_is_said_by_every_command_that_reads_it(
    office: Office, tmp_path: Path
) -> None:
    """The change of docs/tamper-evidence.md (SQLite's `replace()`, which leaves text in
    the column), then a row that is not JSON and one that breaks its schema: a write,
    a pathway and a rebuild that read them say which position and to run `verify` (they
    failed as on a bug of pathways, with a traceback file); verify lists them."""
    add_admin(office.app)  # the command line's reads and writes act as a user
    position = office.raw.positions("ContactMade")[0]
    _, _, _, state = office.raw.event(position)
    youth = json.loads(state)["youth"]
    day = json.loads(state)["occurred_on"]
    office.raw.sql(
        "UPDATE stored_events SET state = replace(state, ?, '2026-01-27') WHERE {pos} = ?",
        (day, position),
    )
    record = ["record", "contact-made", youth, "--on", "2026-03-30", "--channel", "phone"]
    for command in (record, ["history", youth], ["projections", "rebuild"]):
        result = office.runner.invoke(cli, ["--db", office.db, *command])
        assert result.exit_code == 1, result.output
        assert f"the event at position {position} {TAMPERED} (its data are text" in result.output
        assert "Run `pathways verify`" in result.output
        assert "bug" not in result.output.split("if it finds")[0]
    french = office.runner.invoke(cli, ["--db", office.db, "--lang", "fr", "history", youth])
    assert f"l'événement à la position {position} n'est pas enregistré" in french.output
    for changed, why in (
        (b"\x00\xff", "its data do not read as an event"),
        (state.replace(b'"channel":"', b'"channel":"pigeon-', 1), "does not match its schema"),
    ):
        office.raw.sql("UPDATE stored_events SET state = ? WHERE {pos} = ?", (changed, position))
        result = office.runner.invoke(cli, ["--db", office.db, "history", youth])
        assert result.exit_code == 1, result.output
        assert TAMPERED in result.output
        assert why in result.output
    assert office.problems() == [(position, office.event_id(position), "altered")]
    # a retraction, which an export reads with a scan of its own: its position is said
    target = uuid.UUID(office.event_id(office.raw.positions("ContactMade")[-1]))
    office.app.retract(target, "wrong youth", "tester")
    retraction = office.raw.positions("EventRetracted")[-1]
    kept = office.raw.event(retraction)[3]
    for change in (
        "replace(state, '\"', '\"')",  # (text where bytes belong)
        "X'00FF'",  # (not JSON)
        "CAST(replace(CAST(state AS TEXT), '\"event_id\"', '\"event\"') AS BLOB)",  # (a key)
    ):
        office.raw.sql("UPDATE stored_events SET state = ? WHERE {pos} = ?", (kept, retraction))
        office.raw.sql(
            f"UPDATE stored_events SET state = {change} WHERE {{pos}} = ?", (retraction,)
        )
        out = str(tmp_path / "x.csv")
        result = office.runner.invoke(cli, ["--db", office.db, "export", "events", "-o", out])
        assert result.exit_code == 1, result.output
        assert f"the event at position {retraction} {TAMPERED}" in result.output


@on_both
def test_a_deleted_event_is_reported_removed(office: Office) -> None:
    position = office.raw.positions("ContactMade")[-1]
    event_id = office.event_id(position)
    office.raw.sql("DELETE FROM stored_events WHERE {pos} = ?", (position,))
    assert office.problems() == [(position, event_id, "removed")]


@on_both
def test_an_event_inserted_outside_the_program_is_reported_inserted(office: Office) -> None:
    model = office.raw.positions("ContactMade")[0]
    stream, _, topic, state = office.raw.event(model)
    version = office.raw.sql(
        "SELECT MAX(originator_version) FROM stored_events WHERE originator_id = ?", (stream,)
    )[0][0]
    forged = json.loads(state)
    forged["id"] = str(uuid.uuid4())
    office.raw.sql(
        "INSERT INTO stored_events (originator_id, originator_version, topic, state) "
        "VALUES (?, ?, ?, ?)",
        (stream, version + 1, topic, json.dumps(forged).encode()),
    )
    position = office.raw.sql("SELECT MAX({pos}) FROM stored_events")[0][0]
    assert office.problems() == [(position, forged["id"], "inserted")]


@on_both
def test_two_swapped_rows_are_each_reported_with_both_ids(office: Office) -> None:
    first, second = office.raw.positions("ContactMade")[:2]
    one, two = office.event_id(first), office.event_id(second)
    for old, new in ((first, -1), (second, first), (-1, second)):
        office.raw.sql("UPDATE stored_events SET {pos} = ? WHERE {pos} = ?", (new, old))
    assert office.problems() == [(first, one, "moved"), (second, two, "moved")]
    out = office.verify().output
    assert f"position {first}  event {one}  moved: the event {two} is where" in out
    assert f"position {second}  event {two}  moved: the event {one} is where" in out
    french = office.verify(env={"PATHWAYS_LANG": "fr"}).output
    assert f"déplacé : l'événement {two} est à la place" in french


# --- the chain table changed ----------------------------------------------------------------


@on_both
def test_a_changed_chain_entry_is_reported_at_its_position(office: Office) -> None:
    position = office.raw.positions("ContactMade")[0]
    office.raw.sql(
        "UPDATE pathways_chain SET youth_hash = global_hash WHERE position = ?", (position,)
    )
    assert office.problems() == [(position, office.event_id(position), "broken-chain")]
    # the name docs/tamper-evidence.md gives it, in English; in words in French
    assert f"{office.event_id(position)}  broken-chain: " in office.verify().output
    french = office.verify(env={"PATHWAYS_LANG": "fr"}).output
    assert f"{office.event_id(position)}  chaîne rompue : " in french


@on_both
def test_a_changed_global_hash_is_reported_once(office: Office) -> None:
    position = office.raw.positions("ContactMade")[0]
    office.raw.sql(
        "UPDATE pathways_chain SET global_hash = youth_hash WHERE position = ?", (position,)
    )
    assert office.problems() == [(position, office.event_id(position), "broken-chain")]


@on_both
def test_a_deleted_chain_entry_leaves_its_event_unaccounted_for(office: Office) -> None:
    position = office.raw.positions("ContactMade")[0]
    office.raw.sql("DELETE FROM pathways_chain WHERE position = ?", (position,))
    assert office.problems() == [(position, office.event_id(position), "inserted")]


@on_both
def test_an_event_removed_with_its_chain_entry_breaks_the_chain_after_it(office: Office) -> None:
    """The intruder who deletes both rows cannot make the next one link to the one before."""
    positions = office.raw.positions("ContactMade")
    gone, after = positions[0], positions[0] + 1
    next_id = office.event_id(after)
    office.raw.sql("DELETE FROM pathways_chain WHERE position = ?", (gone,))
    office.raw.sql("DELETE FROM stored_events WHERE {pos} = ?", (gone,))
    assert office.problems() == [(after, next_id, "broken-chain")]


@on_both
def test_a_forged_entry_for_an_inserted_event_is_caught(office: Office) -> None:
    """Without the chain key, a chain entry for an inserted event cannot be made right."""
    model = office.raw.positions("ContactMade")[-1]
    stream, version, topic, state = office.raw.event(model)
    office.raw.sql("DELETE FROM stored_events WHERE {pos} = ?", (model,))
    forged = state.replace(b'"channel":"', b'"channel":"x', 1)
    office.raw.sql(
        "INSERT INTO stored_events ({pos}, originator_id, originator_version, topic, state) "
        "VALUES (?, ?, ?, ?, ?)",
        (model, stream, version, topic, forged),
    )
    office.raw.sql(
        "UPDATE pathways_chain SET youth_hash = ?, global_hash = ? WHERE position = ?",
        (bytes(32), bytes(32), model),
    )
    assert office.problems()[0][:2] == (model, office.event_id(model))


# --- the chain key ----------------------------------------------------------------------------


@on_both
def test_a_wrong_chain_key_is_said_plainly_and_writes_are_refused(office: Office) -> None:
    add_admin(office.app)  # the command line's writes act as a user of the store
    other = {"PATHWAYS_CHAIN_KEY": pathways.crypto.new_master_key()}
    result = office.verify(env=other)
    assert result.exit_code == 1
    assert result.output.startswith(
        f"Error: the chain key does not match the store {office.app.store.location.display}"
    )
    assert "it is not the key its chain was made with" in result.output
    assert "position" not in result.output  # not a list of every event
    info = office.runner.invoke(cli, ["--db", office.db, "info", "--json"], env=other)
    assert json.loads(info.output)["chain_key"].startswith("the chain key does not match")
    info = office.runner.invoke(cli, ["--db", office.db, "info", "--json"])
    assert json.loads(info.output)["chain_key"] == "matches this store's chain"
    head = office.app.store.head()
    record = ["--db", office.db, "record", "contact-made", "EX-1", "--on", "2026-03-20"]
    refused = office.runner.invoke(cli, [*record, "--channel", "phone"], env=other)
    assert refused.exit_code == 1
    assert "the chain key does not match" in refused.output
    assert office.app.store.head() == head


@on_both
def test_without_a_chain_key_verify_says_where_it_looked(office: Office, tmp_path: Path) -> None:
    env: dict[str, str | None] = {
        "PATHWAYS_CHAIN_KEY": None,
        "PATHWAYS_KEY_FILE": str(tmp_path / "office.key"),
    }
    result = office.verify(env=env)
    assert result.exit_code == 1
    expected = tmp_path / "office.chain.key"
    assert f"Error: no chain key: {expected} does not exist" in result.output
    assert "--chain-key-file" in result.output


@on_both
def test_verify_needs_the_chain_key_only(office: Office) -> None:
    """An auditor checks the log without the master key (no personal data readable)."""
    result = office.verify(env={"PATHWAYS_MASTER_KEY": None, "PATHWAYS_KEY_FILE": "/nonexistent"})
    assert result.exit_code == 0, result.output
    assert result.output.endswith("the log is intact\n")


def test_init_writes_a_chain_key_beside_the_master_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PATHWAYS_CHAIN_KEY")
    monkeypatch.delenv("PATHWAYS_MASTER_KEY", raising=False)
    key = tmp_path / "office.key"
    env = {"PATHWAYS_DB": str(tmp_path / "s.sqlite3"), "PATHWAYS_KEY_FILE": str(key)}
    runner = CliRunner()
    result = runner.invoke(cli, ["init"], env=env)
    assert result.exit_code == 0, result.output
    chain = tmp_path / "office.chain.key"
    assert chain_key_path(key_file=key) == chain
    assert f"chain key written to {chain} (readable by you only)" in result.output
    assert chain.stat().st_mode & 0o777 == 0o600
    assert chain.read_text() != key.read_text()
    record = ["record", "youth-registered", "Y-1", "--on", "2026-01-12", "--birth-date"]
    result = runner.invoke(cli, [*record, "2005-02-10", "--residence", "rennes"], env=env)
    assert result.exit_code == 0, result.output
    assert runner.invoke(cli, ["verify"], env=env).output == (
        "verified 2 events of 1 youth: the log is intact\n"  # the first admin, the youth
    )
    # elsewhere, by option or variable
    moved = tmp_path / "vault" / "pathways.chain.key"
    moved.parent.mkdir()
    chain.rename(moved)
    assert runner.invoke(cli, ["verify"], env=env).exit_code == 1
    given = runner.invoke(cli, ["--chain-key-file", str(moved), "verify"], env=env)
    assert given.exit_code == 0, given.output
    env["PATHWAYS_CHAIN_KEY_FILE"] = str(moved)
    assert runner.invoke(cli, ["verify"], env=env).exit_code == 0
    late = runner.invoke(cli, ["verify", "--chain-key-file", str(moved)], env=env)
    assert late.exit_code == 2
    assert "--chain-key-file goes before the command" in late.output


def test_a_write_without_the_chain_key_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, master_key: str
) -> None:
    db = str(tmp_path / "s.sqlite3")
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", db, "init"]).exit_code == 0
    monkeypatch.delenv("PATHWAYS_CHAIN_KEY")
    monkeypatch.setenv("PATHWAYS_CHAIN_KEY_FILE", str(tmp_path / "missing.chain.key"))
    record = ["--db", db, "record", "youth-registered", "Y-1", "--on", "2026-01-12"]
    result = runner.invoke(cli, [*record, "--birth-date", "2005-02-10", "--residence", "rennes"])
    assert result.exit_code == 1
    assert "Error: no chain key:" in result.output
    assert "Y-1" not in result.output
    monkeypatch.setenv("PATHWAYS_CHAIN_KEY", master_key)  # the master key is not a chain key
    result = runner.invoke(cli, [*record, "--birth-date", "2005-02-10", "--residence", "rennes"])
    assert "the chain key is the master key" in result.output
    info = json.loads(runner.invoke(cli, ["--db", db, "info", "--json"]).output)
    assert info["events"] == 1  # the first admin, made by init: nothing of the refused writes
