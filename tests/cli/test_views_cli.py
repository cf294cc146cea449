"""`caseload`, `alerts`, `acknowledge`, `settings` and `projections`, through click's CliRunner.

The store is a SQLite file; the commands use the real today, on or after
27 November 2026, so every date below is in the past.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES
from shell import Shell

EXAMPLES = FIXTURES
WORKED = EXAMPLES / "worked-example.jsonl"
EXPECTED = json.loads((EXAMPLES / "worked-example.alerts.json").read_text())
ALERT_KEYS = ["youth", "alert", "since", "organisation", "counsellor", "reason"]
#: The keys of the first caseload, which stay first and in this order (a CSV read by
#: position keeps its meaning); the work lists added theirs after them.
FIRST_CASELOAD_KEYS = [
    "youth",
    "organisation",
    "counsellor",
    "support",
    "custody",
    "last_contact_on",
    "alerts",
]
CASELOAD_KEYS = [*FIRST_CASELOAD_KEYS, "facility", "expected_release_on", "territory"]

#: Two more youths: Y-2 followed by we-ker (released without a plan on 2026-03-20),
#: Y-3 followed by ml-fougeres (no custody, no alert on 2026-03-31).
OTHERS = [
    {
        "type": "YouthRegistered",
        "youth": "Y-2",
        "occurred_on": "2026-02-01",
        "birth_date": "2004-09-09",
        "residence": "rennes",
    },
    {
        "type": "Incarcerated",
        "youth": "Y-2",
        "occurred_on": "2026-02-01",
        "facility": "cp-rennes-vezin",
        "status": "remand",
    },
    {
        "type": "SupportStarted",
        "youth": "Y-2",
        "occurred_on": "2026-02-02",
        "organisation": "we-ker",
        "counsellor": "c-wk-1",
    },
    {"type": "ContactMade", "youth": "Y-2", "occurred_on": "2026-02-03", "channel": "in-prison"},
    {
        "type": "Released",
        "youth": "Y-2",
        "occurred_on": "2026-03-20",
        "kind": "remand-ended",
        "destination": "rennes",
    },
    {
        "type": "YouthRegistered",
        "youth": "Y-3",
        "occurred_on": "2026-03-01",
        "birth_date": "2007-01-20",
        "residence": "fougeres",
    },
    {
        "type": "SupportStarted",
        "youth": "Y-3",
        "occurred_on": "2026-03-01",
        "organisation": "ml-fougeres",
        "counsellor": "c-fg-1",
    },
]


@pytest.fixture
def sh(tmp_path: Path) -> Shell:
    shell = Shell(tmp_path)
    shell.load(WORKED)
    return shell


@pytest.fixture
def three(sh: Shell) -> Shell:
    """The worked example and two more youths."""
    sh.load_rows(OTHERS)
    return sh


def pairs(rows: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {(row["youth"], row["alert"], row["since"]) for row in rows}


EXPECTED_ON_31_MARCH = {(e["youth"], e["alert"], e["since"]) for e in EXPECTED["2026-03-31"]}


# --- alerts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("as_of", sorted(EXPECTED))
def test_alerts_as_json_are_those_of_the_worked_example(sh: Shell, as_of: str) -> None:
    rows = sh.json("alerts", "--as-of", as_of)
    assert all(list(row) == ALERT_KEYS for row in rows)
    assert pairs(rows) == {(e["youth"], e["alert"], e["since"]) for e in EXPECTED[as_of]}
    assert {(row["organisation"], row["counsellor"]) for row in rows} == {
        ("ml-saint-malo", "c-sm-1")
    }
    assert all(row["reason"] for row in rows)


def test_alerts_are_sorted_by_since(sh: Shell) -> None:
    rows = sh.json("alerts", "--as-of", "2026-03-31")
    assert [row["since"] for row in rows] == sorted(row["since"] for row in rows)


def test_alerts_with_meta_say_how_they_were_computed(sh: Shell) -> None:
    payload = sh.json("alerts", "--as-of", "2026-03-31", "--with-meta")
    assert set(payload) == {"meta", "rows"}
    assert payload["meta"]["as_of"] == "2026-03-31"
    assert payload["meta"]["position"] == 7  # (position 1: the store's first admin)
    assert payload["meta"]["known_at"] is None
    assert pairs(payload["rows"]) == EXPECTED_ON_31_MARCH


def test_alerts_as_csv(sh: Shell) -> None:
    text = sh.ok("alerts", "--as-of", "2026-03-31", "--csv")
    assert text.splitlines()[0] == ",".join(ALERT_KEYS)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert pairs(rows) == EXPECTED_ON_31_MARCH


def test_alerts_as_json_lines(sh: Shell) -> None:
    text = sh.ok("alerts", "--as-of", "2026-03-31", "--nl")
    rows = [json.loads(line) for line in text.splitlines()]
    assert len(rows) == 4
    assert pairs(rows) == EXPECTED_ON_31_MARCH


def test_alerts_as_a_table(sh: Shell) -> None:
    text = sh.ok("alerts", "--as-of", "2026-03-31")
    for code in ("dry-release", "no-contact-after-release", "handover-pending", "contact-lost"):
        assert code in text


def test_alerts_as_known_at_a_position(sh: Shell) -> None:
    # at position 6, the release of 2026-03-10 is not known yet: still in custody,
    # and the expected release of 2026-03-10 has passed by more than 7 days
    payload = sh.json("alerts", "--as-of", "2026-03-31", "--known-at", "@6", "--with-meta")
    assert payload["meta"]["known_at"] == "@6"
    assert payload["meta"]["position"] == 6
    assert ("EX-1", "release-overdue", "2026-03-18") in pairs(payload["rows"])
    assert ("EX-1", "dry-release", "2026-03-10") not in pairs(payload["rows"])


def test_alerts_filter_by_organisation_counsellor_mine_and_code(three: Shell) -> None:
    day = ("--as-of", "2026-03-31")
    everything = three.json("alerts", *day)
    assert {row["youth"] for row in everything} == {"EX-1", "Y-2"}
    assert {r["youth"] for r in three.json("alerts", *day, "--organisation", "we-ker")} == {"Y-2"}
    assert {r["youth"] for r in three.json("alerts", *day, "--counsellor", "c-sm-1")} == {"EX-1"}
    three.add_user("c-sm-1", "ml-saint-malo")
    mine = three.json("alerts", *day, "--mine", "--actor", "c-sm-1")
    assert pairs(mine) == EXPECTED_ON_31_MARCH
    assert three.json("alerts", *day, "--organisation", "ml-fougeres") == []
    dry = three.json("alerts", *day, "--alert", "dry-release")
    assert pairs(dry) == {
        ("EX-1", "dry-release", "2026-03-10"),
        ("Y-2", "dry-release", "2026-03-20"),
    }


def test_mine_and_another_counsellor_is_a_usage_error(three: Shell) -> None:
    three.add_user("c-sm-1", "ml-saint-malo")
    out = three.fails("alerts", "--mine", "--actor", "c-sm-1", "--counsellor", "c-wk-1", code=2)
    assert "different counsellors" in out


def test_an_unknown_alert_code_is_refused(sh: Shell) -> None:
    out = sh.fails("alerts", "--alert", "no-such-alert", code=2)
    assert "dry-release" in out


# --- caseload --------------------------------------------------------------------------------


def test_caseload_as_json(three: Shell) -> None:
    rows = three.json("caseload", "--as-of", "2026-03-31")
    assert all(list(row) == CASELOAD_KEYS for row in rows)
    by_youth = {row["youth"]: row for row in rows}
    assert by_youth["EX-1"] == {
        "youth": "EX-1",
        "organisation": "ml-saint-malo",
        "counsellor": "c-sm-1",
        "support": "active",
        "custody": "none",
        "last_contact_on": None,
        "alerts": 4,
        "facility": None,
        "expected_release_on": None,
        "territory": "rennes",
    }
    assert by_youth["Y-2"]["last_contact_on"] == "2026-02-03"
    assert by_youth["Y-3"]["alerts"] == 0


def test_caseload_follows_the_as_of_date(three: Shell) -> None:
    rows = three.json("caseload", "--as-of", "2026-02-20")
    by_youth = {row["youth"]: row for row in rows}
    assert set(by_youth) == {"EX-1", "Y-2"}  # Y-3 is registered on 2026-03-01
    assert by_youth["EX-1"]["custody"] == "in-custody"
    assert by_youth["EX-1"]["alerts"] == 2


def test_caseload_filters(three: Shell) -> None:
    day = ("--as-of", "2026-03-31")

    def youths(*args: str) -> list[str]:
        return [row["youth"] for row in three.json("caseload", *day, *args)]

    assert youths() == ["EX-1", "Y-2", "Y-3"]
    assert youths("--organisation", "ml-fougeres") == ["Y-3"]
    assert youths("--counsellor", "c-wk-1") == ["Y-2"]
    three.add_user("c-sm-1", "ml-saint-malo")
    assert youths("--mine", "--actor", "c-sm-1") == ["EX-1"]
    assert youths("--organisation", "we-ker", "--counsellor", "c-sm-1") == []


def test_caseload_with_meta_and_csv(three: Shell) -> None:
    payload = three.json("caseload", "--as-of", "2026-03-31", "--with-meta")
    assert payload["meta"]["as_of"] == "2026-03-31"
    assert len(payload["rows"]) == 3
    text = three.ok("caseload", "--as-of", "2026-03-31", "--csv")
    assert text.splitlines()[0] == ",".join(CASELOAD_KEYS)
    assert len(text.splitlines()) == 4


# --- a youth whose support is closed (no-support) ----------------------------------------------

#: Y-4: followed by ml-saint-malo, in custody at Saint-Malo from 2026-02-01, support closed on
#: 2026-03-01 while still in custody: without support from that day, no-support from 03-17.
CLOSED = [
    {
        "type": "YouthRegistered",
        "youth": "Y-4",
        "occurred_on": "2026-01-10",
        "birth_date": "2005-05-05",
        "residence": "saint-malo",
    },
    {
        "type": "SupportStarted",
        "youth": "Y-4",
        "occurred_on": "2026-01-10",
        "organisation": "ml-saint-malo",
        "counsellor": "c-sm-1",
    },
    {
        "type": "Incarcerated",
        "youth": "Y-4",
        "occurred_on": "2026-02-01",
        "facility": "ma-saint-malo",
        "status": "sentenced",
    },
    {"type": "ContactMade", "youth": "Y-4", "occurred_on": "2026-02-02", "channel": "in-prison"},
    {"type": "SupportClosed", "youth": "Y-4", "occurred_on": "2026-03-01", "reason": "moved"},
]


@pytest.fixture
def closed(sh: Shell) -> Shell:
    """The worked example and Y-4, whose support is closed while in custody."""
    sh.load_rows(CLOSED)
    return sh


def test_a_closed_support_in_custody_is_in_the_departement_list_only(closed: Shell) -> None:
    day = ("--as-of", "2026-03-31")
    assert "Y-4" not in {row["youth"] for row in closed.json("alerts", "--as-of", "2026-03-16")}
    rows = [row for row in closed.json("alerts", *day) if row["youth"] == "Y-4"]
    assert rows == [
        {
            "youth": "Y-4",
            "alert": "no-support",
            "since": "2026-03-17",
            "organisation": None,
            "counsellor": None,
            "reason": "in custody since 2026-02-01 (ma-saint-malo), support closed on 2026-03-01",
        }
    ]
    line = next(r for r in closed.json("caseload", *day) if r["youth"] == "Y-4")
    assert (line["support"], line["organisation"], line["custody"], line["alerts"]) == (
        "closed",
        None,
        "in-custody",
        1,
    )
    for where in (("--organisation", "ml-saint-malo"), ("--counsellor", "c-sm-1")):
        for command in ("alerts", "caseload"):
            assert "Y-4" not in {row["youth"] for row in closed.json(command, *day, *where)}
    assert pairs(closed.json("alerts", *day, "--alert", "no-support")) == {
        ("Y-4", "no-support", "2026-03-17")
    }


def test_the_no_support_of_a_closed_support_can_be_acknowledged(closed: Shell) -> None:
    out = closed.fails("acknowledge", "Y-4", "contact-lost", "--on", "2026-03-31")
    assert "Y-4 has no open 'contact-lost' alert on 2026-03-31 (open: no-support)" in out
    closed.ok("acknowledge", "Y-4", "no-support", "--on", "2026-03-31")
    assert "Y-4" not in {r["youth"] for r in closed.json("caseload", "--as-of", "2026-03-31")}
    assert "Y-4" in {r["youth"] for r in closed.json("caseload", "--as-of", "2026-03-30")}


def test_the_no_support_threshold_is_a_setting(closed: Shell) -> None:
    assert thresholds(closed)["no-support.days"] == "15"
    closed.ok("settings", "set", "no-support.days", "20")
    rows = closed.json("alerts", "--as-of", "2026-03-31", "--alert", "no-support")
    assert pairs(rows) == {("Y-4", "no-support", "2026-03-22")}


# --- acknowledge -------------------------------------------------------------------------------


def test_acknowledging_an_alert_makes_it_disappear_on_that_date(sh: Shell) -> None:
    sh.add_user("c-sm-1", "ml-saint-malo")
    out = sh.ok("acknowledge", "EX-1", "dry-release", "--on", "2026-03-31", "--actor", "c-sm-1")
    assert "acknowledged: 1 event(s)" in out
    assert ("EX-1", "dry-release", "2026-03-10") not in pairs(
        sh.json("alerts", "--as-of", "2026-03-31")
    )
    # the day before, it was still open
    assert ("EX-1", "dry-release", "2026-03-10") in pairs(
        sh.json("alerts", "--as-of", "2026-03-30")
    )
    # the others stay open
    assert len(sh.json("alerts", "--as-of", "2026-03-31")) == 3


def test_acknowledging_an_alert_that_is_not_open_fails_clearly(sh: Shell) -> None:
    events = sh.json("info")["events"]
    out = sh.fails("acknowledge", "EX-1", "release-overdue", "--on", "2026-03-31")
    assert "EX-1 has no open 'release-overdue' alert on 2026-03-31" in out
    assert "dry-release" in out  # the open ones are listed
    assert "Traceback" not in out
    assert sh.json("info")["events"] == events


def test_acknowledging_twice_fails_the_second_time(sh: Shell) -> None:
    sh.ok("acknowledge", "EX-1", "contact-lost", "--on", "2026-03-31")
    out = sh.fails("acknowledge", "EX-1", "contact-lost", "--on", "2026-03-31")
    assert "no open 'contact-lost' alert" in out


def test_acknowledging_for_an_unknown_youth_fails(sh: Shell) -> None:
    out = sh.fails("acknowledge", "Y-404", "dry-release", "--on", "2026-03-31")
    assert "Y-404 is not registered in this store" in out  # (not "no open alert")


# --- settings ----------------------------------------------------------------------------------


def thresholds(sh: Shell, *args: str) -> dict[str, str]:
    rows = sh.json("settings", *args)
    return {row["code"]: row["detail"] for row in rows if row["kind"] == "threshold"}


def test_a_changed_threshold_shows_in_settings_and_in_the_alerts(sh: Shell) -> None:
    before = sh.json("info")["head_position"]
    assert thresholds(sh)["contact-lost.days"] == "60"
    out = sh.ok("settings", "set", "contact-lost.days", "45")  # (an admin's act)
    assert "changed: 1 event(s)" in out
    assert thresholds(sh)["contact-lost.days"] == "45"
    assert thresholds(sh, "--known-at", f"@{before}")["contact-lost.days"] == "60"
    # support began on 2026-01-14: lost from 2026-03-01 instead of 2026-03-16
    rows = sh.json("alerts", "--as-of", "2026-03-31", "--alert", "contact-lost")
    assert pairs(rows) == {("EX-1", "contact-lost", "2026-03-01")}


def test_the_suppression_threshold_cannot_go_below_5(sh: Shell) -> None:
    out = sh.fails("settings", "set", "suppression.min-n", "3")
    assert "5" in out
    assert "Traceback" not in out
    assert thresholds(sh)["suppression.min-n"] == "5"
    sh.ok("settings", "set", "suppression.min-n", "10")
    assert thresholds(sh)["suppression.min-n"] == "10"


def test_an_unknown_setting_lists_the_valid_ones(sh: Shell) -> None:
    out = sh.fails("settings", "set", "no-such.days", "3")
    assert "no-such.days" in out
    for name in ("no-first-contact.days", "contact-lost.days", "suppression.min-n"):
        assert name in out


def test_a_threshold_must_be_a_whole_number(sh: Shell) -> None:
    out = sh.fails("settings", "set", "contact-lost.days", "soon")
    assert "whole number" in out


# --- projections ----------------------------------------------------------------------------------


#: What `projections status` says of the first generation with no worker nor rebuild.
IDLE = {"generation": 1, "worker": None, "rebuild": None}


def test_a_write_projects_its_own_events_when_the_read_models_are_level(sh: Shell) -> None:
    # (the import of the fixture left them level, as every write does)
    assert sh.json("projections", "status")[0]["lag"] == 0
    sh.ok("settings", "set", "no-first-contact.days", "20")
    rows = sh.json("projections", "status")
    assert rows == [{"name": "timelines", "position": 8, "head": 8, "lag": 0, **IDLE}]


def test_projections_status_needs_no_master_key(sh: Shell, tmp_path: Path) -> None:
    """A monitoring job asks for the lag without holding the key (no personal data)."""
    rows = sh.json("projections", "status")
    sh.env.update(PATHWAYS_KEY_FILE=str(tmp_path / "absent.key"), PATHWAYS_MASTER_KEY="")
    assert sh.json("projections", "status") == rows
    assert "no master key" in sh.fails("alerts")  # (a read of the youths still needs it)


def test_a_write_leaves_read_models_that_are_behind_to_the_next_read(
    sh: Shell, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pathways.projections.timelines import TimelinesProjection

    with monkeypatch.context() as patched:  # a write that could not project (behind)
        patched.setattr(TimelinesProjection, "inline", lambda *_: None)
        sh.ok("settings", "set", "no-first-contact.days", "20")
    assert sh.json("projections", "status")[0]["lag"] == 1
    sh.ok("settings", "set", "no-first-contact.days", "21")  # still behind: no projection
    rows = sh.json("projections", "status")
    assert rows == [{"name": "timelines", "position": 7, "head": 9, "lag": 2, **IDLE}]
    sh.json("alerts", "--as-of", "2026-03-31")
    assert sh.json("projections", "status")[0]["lag"] == 0


def test_projections_rebuild_prints_its_speed(sh: Shell) -> None:
    out = sh.ok("projections", "rebuild")
    assert re.fullmatch(r"timelines: 7 events in \d+\.\d s \([\d,]+ events/s\)\n", out)
    assert sh.json("projections", "status")[0]["lag"] == 0
    assert len(sh.json("alerts", "--as-of", "2026-03-31")) == 4


def test_projections_rebuild_by_name(sh: Shell) -> None:
    assert "events/s" in sh.ok("projections", "rebuild", "timelines")
    assert sh.fails("projections", "rebuild", "nothing", code=2)
