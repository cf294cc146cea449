"""The audit of reads (issue 12 item 4): every command that shows a young person, and
the Python API's reads, append one row to an append-only log, even when refused;
`pathways audit` reads it. On every backend where the database matters."""

from __future__ import annotations

import json
import re
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest
from click.testing import CliRunner, Result

import pathways
from conftest import FIXTURES
from pathways.audit import APPEND_ONLY
from pathways.cli import cli
from pathways.domain.errors import AccessRefused, UnknownYouth
from pathways.store import open_store

WORKED = FIXTURES / "worked-example.jsonl"
NOTE = "called his mother Jeanne"


class Cli:
    """The command line on one store (any backend), as one user."""

    def __init__(self, db: str) -> None:
        self.db = db
        self.runner = CliRunner()

    def __call__(self, *args: str, stdin: str | None = None) -> Result:
        return self.runner.invoke(cli, ["--db", self.db, *args], input=stdin)

    def ok(self, *args: str) -> str:
        result = self(*args)
        assert result.exit_code == 0, result.output
        return result.output

    def audit(self, *args: str) -> list[dict[str, Any]]:
        """The audit log (as `pathways audit --json` gives it: before its own row)."""
        rows: list[dict[str, Any]] = json.loads(self.ok("audit", "--json", *args))
        return rows

    def reads(self) -> list[dict[str, Any]]:
        """The rows of the log but those of `pathways audit` itself."""
        return [row for row in self.audit() if row["command"] != "audit"]


@pytest.fixture
def sh(db_url: str, master_key: str, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """A store made by `pathways init` holding the worked example; `admin` runs `audit`."""
    monkeypatch.setenv("PATHWAYS_ACTOR", "admin-1")
    shell = Cli(db_url)
    shell.ok("init")
    # the readers of these tests are admins (the scopes of the roles: test_access.py)
    for user in ("c-sm-1", "c-wk-7", "analyst-2", "notebook-1"):
        shell.ok("users", "add", user, "--organisation", "spip-35", "--role", "admin")
    shell.ok("import", str(WORKED), "--actor", "c-sm-1")
    return shell


def last(sh: Cli) -> dict[str, Any]:
    return sh.reads()[-1]


@pytest.mark.parametrize(
    ("command", "name", "youths"),
    [
        (["history", "EX-1", "--as-of", "2026-03-31"], "history", ["EX-1"]),
        (["youth", "EX-1", "--with-personal"], "youth", ["EX-1"]),
        (["caseload", "--as-of", "2026-03-31"], "caseload", ["EX-1"]),
        (["alerts", "--as-of", "2026-03-31", "--csv"], "alerts", ["EX-1"]),
        (["export", "events", "--with-personal"], "export events", ["*"]),
        (["export", "process-log"], "export process-log", ["*"]),
        (["export", "ocel"], "export ocel", ["*"]),
        (["export", "survival"], "export survival", ["*"]),
    ],
)
def test_every_read_of_youths_appends_who_what_which_and_why(
    sh: Cli, command: list[str], name: str, youths: list[str]
) -> None:
    before = sh.reads()
    sh.ok(*command, "--actor", "c-sm-1", "--reason", "urgent-court-request")
    rows = sh.reads()
    assert rows[: len(before)] == before
    (row,) = rows[len(before) :]  # one row per command
    assert (row["actor"], row["command"], row["outcome"]) == ("c-sm-1", name, "shown")
    assert row["youths"] == youths
    assert row["reason"] == "urgent-court-request"
    assert row["at"] > sh.audit()[0]["at"]  # after the first read of the audit log
    if "--with-personal" in command:
        assert row["options"]["with_personal"] is True
    if name == "export events":
        # the head of the log: the first admin, the four readers, then the example
        assert row["options"]["upto"] == 5 + len(WORKED.read_text().splitlines())


def test_one_row_names_every_youth_a_list_showed(sh: Cli, tmp_path: Path) -> None:
    lines = []
    for n in range(1, 41):
        youth = f"Y-2026-{n:04}"
        lines += [
            {"type": "YouthRegistered", "youth": youth, "occurred_on": "2026-01-02",
             "birth_date": "2004-05-06", "residence": "rennes"},
            {"type": "SupportStarted", "youth": youth, "occurred_on": "2026-01-03",
             "organisation": "we-ker", "counsellor": "c-wk-1"},
        ]  # fmt: skip
    path = tmp_path / "more.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    sh.ok("import", str(path))
    listed = json.loads(
        sh.ok("caseload", "--organisation", "we-ker", "--as-of", "2026-03-31", "--json")
    )
    sh.ok("alerts", "--as-of", "2026-03-31", "--organisation", "ml-saint-malo")
    rows = sh.reads()
    assert [r["command"] for r in rows[-2:]] == ["caseload", "alerts"]
    assert rows[-2]["options"] == {"as_of": "2026-03-31", "organisation": "we-ker"}
    assert rows[-2]["youths"] == sorted(row["youth"] for row in listed)
    assert len(rows[-2]["youths"]) == 40


def test_a_refused_read_is_audited_and_no_personal_value_is_kept(sh: Cli) -> None:
    assert sh("history", "Y-2099-0001", "--actor", "c-sm-1").exit_code == 1
    assert last(sh)["outcome"] == "refused"
    assert last(sh)["detail"] == "UnknownEvent"
    assert last(sh)["youths"] == ["Y-2099-0001"]
    assert sh("youth", "Jean Dupont", "--actor", "c-sm-1").exit_code == 2
    refused = last(sh)
    assert (refused["command"], refused["outcome"], refused["youths"]) == ("youth", "refused", [])
    assert sh("caseload", "--youth", "Jean Dupont").exit_code == 2
    assert last(sh)["options"]["youth"] == "(not a reference)"
    ack = sh("acknowledge", "EX-1", "contact-lost", "--on", "2026-03-31", "--note", NOTE)
    assert last(sh)["command"] == "acknowledge"
    assert last(sh)["options"]["note"] == "given"
    assert last(sh)["outcome"] == ("shown" if ack.exit_code == 0 else "refused")
    everything = json.dumps(sh.audit())
    assert "Jeanne" not in everything
    assert "Dupont" not in everything


def test_a_reason_is_a_short_code_never_free_text(sh: Cli) -> None:
    before = sh.reads()
    result = sh("history", "EX-1", "--reason", "asked by Mme Martin")
    assert result.exit_code == 2
    assert "is not a short code" in result.output
    assert sh.reads() == before  # a usage error of the command line reads nothing


def test_audit_filters_by_actor_youth_and_day(sh: Cli) -> None:
    sh.ok("history", "EX-1", "--actor", "c-sm-1")
    sh.ok("history", "EX-1", "--actor", "c-wk-7")
    sh.ok("export", "events", "--actor", "analyst-2")
    mine = sh.audit("--actor", "c-wk-7")
    assert [r["command"] for r in mine] == ["history"]
    about = sh.audit("--youth", "EX-1")
    assert {(r["actor"], r["command"]) for r in about} >= {
        ("c-sm-1", "history"),
        ("c-wk-7", "history"),
        ("analyst-2", "export events"),  # a whole export showed every youth
    }
    assert sh.audit("--youth", "Y-2099-0001") == [
        r for r in sh.audit("--youth", "Y-2099-0001") if r["youths"] == ["*"]
    ]
    assert sh.audit("--since", "2999-01-01") == []
    table = sh.ok("audit", "--youth", "EX-1")
    assert "all (up to @" in table
    assert sh("audit", "--youth", "x' OR 1=1 --").exit_code == 2
    assert sh("audit", "--actor", "a b").exit_code == 2


def test_the_python_api_reads_are_audited_with_their_actor(sh: Cli) -> None:
    store = pathways.open(sh.db, actor="notebook-1")
    try:
        store.history("EX-1", reason="evaluation")
        store.alerts(as_of="2026-03-31")
        store.youth("EX-1", as_of="2026-03-31", with_personal=True)
        with pytest.raises(UnknownYouth):
            store.youth("Jean Dupont")
        with pytest.raises(ValueError, match="not a short code"):
            store.history("EX-1", reason="free text")
    finally:
        store.close()
    rows = sh.audit("--actor", "notebook-1")
    assert [(r["command"], r["outcome"]) for r in rows] == [
        ("api history", "shown"),
        ("api alerts", "shown"),
        ("api youth", "shown"),
        ("api youth", "refused"),
    ]
    assert rows[0]["reason"] == "evaluation"
    assert rows[2]["options"]["with_personal"] is True


def test_the_audit_log_is_append_only_in_the_database(sh: Cli) -> None:
    sh.ok("history", "EX-1", "--actor", "c-sm-1")
    before = sh.reads()
    store = open_store(sh.db)
    statements = ["UPDATE {p}pathways_audit SET actor = 'nobody'", "DELETE FROM {p}pathways_audit"]
    if store.backend.name == "postgresql":
        statements.append("TRUNCATE {p}pathways_audit")
    try:
        for sql in statements:
            with (
                pytest.raises(Exception, match=APPEND_ONLY),
                store.session(write=True, append=False) as session,
            ):
                session.execute(sql)
    finally:
        store.close()
    assert sh.reads() == before  # nothing changed, nothing removed
    assert before[-1]["actor"] == "c-sm-1"


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_a_read_whose_audit_cannot_be_written_shows_nothing(sh: Cli) -> None:
    schema = sh.db.rsplit("schema=", 1)[1]
    role = f"pw_noaudit_{secrets.token_hex(4)}"
    base = sh.db.split("?", 1)[0]
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN")
        conn.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO {role}')
        conn.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO {role}')
        conn.execute(f'GRANT INSERT, UPDATE ON ALL TABLES IN SCHEMA "{schema}" TO {role}')
        conn.execute(f'REVOKE INSERT ON "{schema}".pathways_audit FROM {role}')
    parsed = urlsplit(sh.db)
    as_role = parsed._replace(netloc=f"{role}@{parsed.netloc.rsplit('@', 1)[-1]}").geturl()
    try:
        result = Cli(as_role)("history", "EX-1")
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"DROP OWNED BY {role}")
            conn.execute(f"DROP ROLE {role}")
    assert result.exit_code == 1
    assert "permission denied" in result.output
    assert "EX-1" not in result.output  # neither the pathway nor the SQL's parameters
    assert "INSERT" not in result.output
    assert "1999" not in result.output  # the birth year of the worked example


# --- refusals of the acting user and of writes (not reads, but audited alike) ---------------


def test_an_unknown_disabled_or_forged_actor_is_audited_as_claimed(sh: Cli) -> None:
    sh.ok("users", "add", "gone", "--organisation", "we-ker", "--role", "counsellor")
    sh.ok("users", "disable", "gone")
    before = sh.reads()
    injection = "x'); DROP TABLE pathways_audit; --"
    contact = ["record", "contact-made", "EX-1", "--on", "2026-03-01", "--channel", "office"]
    cases = [
        ("nobody", ["history", "EX-1"], 1, "unknown user", "nobody"),
        ("gone", contact, 1, "disabled user", "gone"),
        ("gone", ["info"], 1, "disabled user", "gone"),
        (injection, ["caseload"], 2, "not a user name", injection),
        ("tester\nadmin", ["youth", "EX-1"], 2, "not a user name", "tester\\nadmin"),
        ("a" * 5000, contact, 2, "not a user name", "a" * 60 + "..."),
    ]
    for actor, args, code, _kind, _kept in cases:
        result = sh(*args, "--actor", actor)
        assert result.exit_code == code, (actor[:20], result.output)
        assert "1999" not in result.output  # nothing of the store (the example's birth year)
    rows = sh.reads()[len(before) :]
    assert [(r["actor"], r["command"], r["outcome"], r["detail"]) for r in rows] == [
        (kept, args[0] if args[0] != "record" else "record contact-made", "refused",
         f"AccessRefused: {kind}")
        for _actor, args, _code, kind, kept in cases
    ]  # fmt: skip
    assert all(r["youths"] == [] and r["options"] == {} for r in rows)
    assert sh.audit("--actor", "nobody")[0]["detail"] == "AccessRefused: unknown user"


def test_the_python_api_audits_a_refused_actor(sh: Cli) -> None:
    before = sh.reads()
    injection = "admin-1'); DELETE FROM pathways_audit; --"
    for actor, message in (
        ("nobody", "'nobody' is not a user of this store"),
        (injection, "is not a user name"),
        ("é" * 1000, "is not a user name"),
    ):
        with pytest.raises(AccessRefused, match=re.escape(message)):
            pathways.open(sh.db, actor=actor)
    rows = sh.reads()[len(before) :]
    assert [(r["actor"], r["command"], r["detail"]) for r in rows] == [
        ("nobody", "api", "AccessRefused: unknown user"),
        (injection, "api", "AccessRefused: not a user name"),
        ("\\xe9" * 15 + "...", "api", "AccessRefused: not a user name"),
    ]
    assert sh.reads()[: len(before)] == before  # nothing deleted


def test_a_refused_write_is_audited(sh: Cli) -> None:
    sh.ok("users", "add", "c-wk-9", "--organisation", "we-ker", "--role", "counsellor")
    before = sh.reads()
    result = sh("record", "contact-made", "EX-1", "--on", "2026-03-01", "--channel", "office",
                "--actor", "c-wk-9")  # fmt: skip
    assert result.exit_code == 1
    assert "EX-1 is followed by ml-saint-malo; you are we-ker (counsellor)." in result.output
    (row,) = sh.reads()[len(before) :]
    assert (row["actor"], row["command"], row["youths"], row["outcome"], row["detail"]) == (
        "c-wk-9",
        "record contact-made",
        ["EX-1"],
        "refused",
        "AccessRefused: write outside the scope",
    )
