"""Retention (issue 12 item 6): `pathways retention` lists the young people whose last
contact is older than the retention period, `--apply` erases them after a prompt (or
`--yes`), each erasure audited. On every backend."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from pathways.cli import cli

AS_OF = "2026-11-30"
RETRACTED = "9a3c1f2e-0000-4000-8000-000000000003"


def line(kind: str, youth: str, on: str, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "youth": youth, "occurred_on": on, **fields}


def registered(youth: str, on: str) -> dict[str, Any]:
    return line("YouthRegistered", youth, on, birth_date="2004-05-06", residence="rennes")


PATHWAYS = [
    # closed two and a half years ago: due
    registered("Y-2024-0001", "2024-01-10"),
    line("SupportStarted", "Y-2024-0001", "2024-01-15", organisation="we-ker", counsellor="c-1"),
    line("ContactMade", "Y-2024-0001", "2024-03-01", channel="office"),
    line("SupportClosed", "Y-2024-0001", "2024-06-01", reason="autonomy"),
    # in custody since early 2024: the pathway is under way, never due
    registered("Y-2024-0002", "2024-01-10"),
    line("Incarcerated", "Y-2024-0002", "2024-02-01", facility="cp-rennes-vezin",
         status="sentenced"),
    # a recent contact, retracted: it does not count, the last contact is in 2024
    registered("Y-2024-0003", "2024-01-10"),
    line("ContactMade", "Y-2024-0003", "2024-02-01", channel="phone"),
    line("ContactMade", "Y-2024-0003", "2026-06-01", channel="phone", id=RETRACTED),
    line("EventRetracted", "Y-2024-0003", "2026-06-02", event_id=RETRACTED, reason="wrong youth"),
    # seen a year ago: kept
    registered("Y-2025-0004", "2025-01-10"),
    line("ContactMade", "Y-2025-0004", "2025-12-01", channel="office"),
]  # fmt: skip


class Cli:
    def __init__(self, db: str) -> None:
        self.db = db

    def __call__(self, *args: str, stdin: str | None = None) -> Result:
        return CliRunner().invoke(cli, ["--db", self.db, *args], input=stdin)

    def ok(self, *args: str, stdin: str | None = None) -> str:
        result = self(*args, stdin=stdin)
        assert result.exit_code == 0, result.output
        return result.output

    def due(self, *args: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = json.loads(
            self.ok("retention", "--as-of", AS_OF, "--json", *args)
        )
        return rows


@pytest.fixture
def sh(db_url: str, master_key: str, tmp_path: Path) -> Cli:
    shell = Cli(db_url)
    shell.ok("init")
    for user in ("c-1", "dpo-1", "admin-2"):  # admins here (the roles: test_access.py)
        shell.ok("users", "add", user, "--organisation", "spip-35", "--role", "admin")
    path = tmp_path / "pathways.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in PATHWAYS))
    shell.ok("import", str(path), "--actor", "c-1")
    return shell


def test_retention_lists_who_was_last_seen_more_than_two_years_ago(sh: Cli) -> None:
    assert sh.due() == [
        {"youth": "Y-2024-0003", "last_contact_on": "2024-02-01", "days": 1033,
         "registered_on": "2024-01-10"},
        {"youth": "Y-2024-0001", "last_contact_on": "2024-06-01", "days": 912,
         "registered_on": "2024-01-10"},
    ]  # fmt: skip
    table = sh.ok("retention", "--as-of", AS_OF)
    assert "retention: 730 days, judged on 2026-11-30: 2 due" in table
    assert "Y-2024-0002" not in table  # in custody
    assert "Y-2025-0004" not in table


def test_the_period_is_a_setting(sh: Cli) -> None:
    sh.ok("settings", "set", "retention.days", "1000", "--on", "2026-11-01")
    assert [row["youth"] for row in sh.due()] == ["Y-2024-0003"]
    sh.ok("settings", "set", "retention.days", "300", "--on", "2026-11-02")
    assert [row["youth"] for row in sh.due()] == ["Y-2024-0003", "Y-2024-0001", "Y-2025-0004"]
    refused = sh("settings", "set", "retention.days", "two-years")
    assert refused.exit_code != 0
    assert "expected a whole number of days" in refused.output


def test_apply_asks_first_and_a_no_erases_nothing(sh: Cli) -> None:
    result = sh("retention", "--as-of", AS_OF, "--apply", stdin="n\n")
    assert result.exit_code == 1
    assert "Erase the personal data of these 2 young people for good?" in result.output
    assert len(sh.due()) == 2


def test_apply_erases_each_one_and_audits_each_erasure(sh: Cli) -> None:
    out = sh.ok("retention", "--as-of", AS_OF, "--apply", "--yes", "--actor", "dpo-1")
    assert "erased Y-2024-0003: 1 event(s)" in out
    assert "erased Y-2024-0001: 1 event(s)" in out
    assert sh.due() == []
    history = json.loads(sh.ok("history", "Y-2024-0001", "--json"))
    assert history[0]["erased"] is True
    assert "birth_date" not in history[0]
    erased = [row for row in history if row["type"] == "YouthErased"]
    assert [(row["reason"], row["recorded_by"]) for row in erased] == [
        ("retention-expired", "dpo-1")
    ]
    audit = json.loads(sh.ok("audit", "--json", "--actor", "dpo-1"))
    erasures = [row for row in audit if row["outcome"] == "erased"]
    assert [(row["command"], row["youths"], row["reason"]) for row in erasures] == [
        ("retention --apply", ["Y-2024-0003"], "retention-expired"),
        ("retention --apply", ["Y-2024-0001"], "retention-expired"),
    ]
    # the listing itself was a read of those youths
    listing = [row for row in audit if row["command"] == "retention"]
    assert listing[-1]["youths"] == ["Y-2024-0001", "Y-2024-0003"]
    # the others are untouched
    assert "birth_date" in json.loads(sh.ok("history", "Y-2025-0004", "--json"))[0]


def test_erase_itself_is_audited(sh: Cli) -> None:
    sh.ok("erase", "Y-2025-0004", "--reason", "request", "--yes", "--actor", "admin-2")
    (row,) = [
        r for r in json.loads(sh.ok("audit", "--json", "--actor", "admin-2"))
        if r["command"] == "erase"
    ]  # fmt: skip
    assert (row["youths"], row["reason"], row["outcome"]) == (["Y-2025-0004"], "request", "erased")
