"""Who may see whom (issue 12 items 1, 2, 5): users and roles as events, reads scoped to
the organisation, break-the-glass grants, erasure an admin's act. Every refusal is
clear, reads nothing it should not and writes nothing."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import pathways
from pathways.domain.alert_catalogue import SPIP_ALERTS
from pathways.domain.errors import AccessRefused
from shell import Shell, as_

SM, WK = "Y-2026-0042", "Y-2026-0050"  # followed by Saint-Malo / by We Ker
BIRTH = "2005-02-10"


@pytest.fixture
def sh(tmp_path: Path) -> Shell:
    sh = Shell(tmp_path)
    sh.add_partners()
    sh.add_user("gone", "we-ker")
    sh.ok("users", "disable", "gone")
    sh.baseline += 1
    for line in (
        f"youth-registered {SM} --on 2026-01-12 --birth-date {BIRTH} --residence saint-malo",
        f"incarcerated {SM} --on 2026-01-05 --facility ma-saint-malo --status sentenced",
        f"support-started {SM} --on 2026-01-14 --organisation ml-saint-malo --counsellor c-sm-1",
        f"youth-registered {WK} --on 2026-01-12 --birth-date 2004-03-01 --residence rennes",
        f"support-started {WK} --on 2026-01-14 --organisation we-ker --counsellor c-wk-1",
    ):
        sh.ok("record", *line.split())
    return sh


REFUSED_SM = f"{SM} is followed by ml-saint-malo; you are we-ker"


# --- who acts ------------------------------------------------------------------------------


@pytest.mark.parametrize("actor", ["nobody", "gone"])
def test_an_unknown_or_disabled_actor_is_refused_before_anything(sh: Shell, actor: str) -> None:
    before = sh.events()
    for args in (
        ["record", "contact-made", SM, "--on", "2026-02-01", "--channel", "office"],
        ["history", SM],
        ["youth", SM],
        ["caseload"],
        ["alerts"],
        ["info"],
        ["export", "events"],
        ["outcomes", "--from", "2026-01-01", "--to", "2026-06-30"],
    ):
        code, out = as_(sh, actor, *args)
        assert code == 1, (args, out)
        assert ("is not a user of this store" in out) or ("is disabled" in out), out
        assert SM not in out
        assert BIRTH not in out
    assert sh.events() == before


def test_a_forged_actor_is_a_usage_error(sh: Shell) -> None:
    before = sh.events()
    for forged in ("tester'; DROP TABLE stored_events; --", "tester\nadmin", ""):
        code, out = as_(
            sh,
            "x",
            "record",
            "contact-made",
            SM,
            "--on",
            "2026-02-01",
            "--channel",
            "office",
            "--actor",
            forged,
        )
        assert code == 2, out
        assert "is not a user name" in out
    assert sh.events() == before


def test_init_creates_the_first_admin_and_says_so(tmp_path: Path) -> None:
    sh = Shell(tmp_path)
    users = sh.json("users", "list")
    assert users == [
        {"user": "tester", "organisation": "spip-35", "role": "admin", "enabled": True}
    ]
    code, out = as_(
        sh, "tester", "users", "add", "c-1", "--organisation", "spip-35", "--role", "counsellor"
    )
    assert code == 1
    assert "a counsellor works for a Mission Locale" in out
    code, out = as_(
        sh, "tester", "users", "add", "c-1", "--organisation", "nowhere", "--role", "analyst"
    )
    assert code == 1
    assert "'nowhere' is not a known organisation" in out


def test_only_an_admin_manages_users(sh: Shell) -> None:
    before = sh.events()
    code, out = as_(
        sh, "c-sm-1", "users", "add", "x", "--organisation", "we-ker", "--role", "admin"
    )
    assert code == 1
    assert "an admin's act" in out
    code, out = as_(sh, "c-sm-1", "users", "list")
    assert code == 1
    assert "c-wk-1" not in out
    code, out = as_(sh, "c-sm-1", "users", "disable", "c-wk-1")
    assert code == 1
    assert sh.events() == before
    sh.ok("users", "enable", "gone")
    assert as_(sh, "gone", "caseload")[0] == 0


# --- counsellors ---------------------------------------------------------------------------


def test_a_counsellor_cannot_read_another_organisations_youth(sh: Shell) -> None:
    before = sh.events()
    for args in (
        ["history", SM],
        ["history", SM, "--json"],
        ["youth", SM, "--with-personal"],
        ["youth", SM, "--json"],
        ["caseload", "--youth", SM],
        ["alerts", "--youth", SM],
        ["acknowledge", SM, "no-first-contact", "--on", "2026-02-01"],
    ):
        code, out = as_(sh, "c-wk-1", *args)
        assert code == 1, (args, out)
        assert REFUSED_SM in out, (args, out)
        assert BIRTH not in out
        assert "ma-saint-malo" not in out
    code, out = as_(sh, "c-wk-1", "caseload", "--organisation", "ml-saint-malo")
    assert code == 1
    assert "another organisation's list; you are we-ker" in out
    for args in (["export", "events"], ["export", "process-log"], ["export", "ocel"]):
        code, out = as_(sh, "c-wk-1", *args)
        assert code == 1, out
        assert "an export is for users with the role admin or analyst" in out
        assert SM not in out
    assert sh.events() == before


def test_a_counsellors_lists_are_their_organisations(sh: Shell) -> None:
    code, out = as_(sh, "c-wk-1", "caseload", "--json", "--as-of", "2026-03-01")
    assert code == 0, out
    assert [row["youth"] for row in json.loads(out)] == [WK]
    code, out = as_(sh, "c-wk-1", "alerts", "--json", "--as-of", "2026-03-01")
    assert code == 0
    assert SM not in out
    code, out = as_(sh, "c-sm-1", "youth", SM, "--json", "--with-personal")
    assert code == 0
    assert BIRTH in out


def test_the_python_api_is_scoped_alike(sh: Shell, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATHWAYS_MASTER_KEY", sh.env["PATHWAYS_MASTER_KEY"])
    with pytest.raises(AccessRefused, match="is not a user"):
        pathways.open(sh.db, actor="nobody")
    with pathways.open(sh.db, actor="c-wk-1") as store:
        with pytest.raises(AccessRefused, match=REFUSED_SM) as refused:
            store.history(SM)
        assert (refused.value.actor, refused.value.command, refused.value.youth) == (
            "c-wk-1",
            "api",
            SM,
        )
        with pytest.raises(AccessRefused, match=REFUSED_SM):
            store.youth(SM, with_personal=True)
        with pytest.raises(AccessRefused):
            store.caseload(youth=SM)
        assert {row.youth for row in store.caseload(as_of="2026-03-01")} == {WK}
        assert SM not in {row.youth for row in store.alerts(as_of="2026-03-01")}


# --- the SPIP, analysts ----------------------------------------------------------------------


def test_a_cpip_reads_the_youths_in_custody_but_not_the_notes(sh: Shell) -> None:
    note = "lives with his aunt"
    code, out = as_(
        sh, "c-sm-1", "acknowledge", SM, "no-first-contact", "--on", "2026-02-01", "--note", note
    )
    assert code == 0, out
    code, out = as_(sh, "cp-1", "youth", SM, "--as-of", "2026-02-01", "--json")
    assert code == 0, out
    code, out = as_(sh, "cp-1", "history", SM, "--json")
    assert code == 0, out
    assert note not in out
    assert '"note": "withheld"' in out
    assert note in sh.ok("history", SM, "--json")  # the admin reads it
    # the CPIP's copy in the import format says what it lacks, and is not imported back
    # (it would have stored "withheld" as the note)
    code, copy = as_(sh, "cp-1", "history", SM, "--nl")
    assert code == 0, copy
    line = next(json.loads(x) for x in copy.splitlines() if "AlertAcknowledged" in x)
    assert (line["note"], line["withheld"]) == ("withheld", ["note"])
    (sh.tmp_path / "copy.jsonl").write_text(copy)
    refused = sh.fails("import", str(sh.tmp_path / "copy.jsonl"))
    assert "comes from a read whose notes were withheld (note)" in refused
    code, table = as_(sh, "cp-1", "history", SM)
    assert "note=withheld" in table
    assert "withheld=[" not in table  # (the marker is for programs, not the table)
    table = sh("history", SM, env={"PATHWAYS_ACTOR": "cp-1", "PATHWAYS_LANG": "fr"}).output
    assert "note=masqué" in table
    code, out = as_(sh, "cp-1", "youth", WK, "--as-of", "2026-02-01")
    assert code == 1
    assert "neither in custody nor under community supervision on 2026-02-01" in out
    code, out = as_(sh, "cp-1", "caseload", "--as-of", "2026-02-01", "--json")
    assert [row["youth"] for row in json.loads(out)] == [SM]
    code, out = as_(sh, "cp-1", "caseload", "--organisation", "we-ker")
    assert code == 1
    assert "another organisation's list" in out


def test_a_note_copied_by_an_admin_of_the_spip_stays_withheld(sh: Shell) -> None:
    """A note is the SPIP's own only if its recorder is of the SPIP: a counsellor's note
    imported by the SPIP's admin (a copy of a Mission Locale's file, `pathways demo`)
    is withheld from a CPIP, as is one whose recorder is no user of the store; the
    admin's own note is shown."""
    lines = []
    for day, (reason, by) in enumerate(
        (
            ("copied from Saint-Malo", "c-sm-1"),
            ("from another system", "someone-else"),
            ("the SPIP's own", "tester"),
            ("the SPIP's, by its code", "spip-35"),  # (pathways demo's SPIP steps)
        ),
        start=20,
    ):
        contact = str(uuid.uuid5(uuid.NAMESPACE_URL, reason))
        on = f"2026-01-{day}"
        lines += [
            {"type": "ContactMade", "id": contact, "youth": SM, "occurred_on": on}
            | {"channel": "phone", "recorded_by": by},
            {"type": "EventRetracted", "youth": SM, "occurred_on": on, "event_id": contact}
            | {"reason": reason, "recorded_by": by},
        ]
    (sh.tmp_path / "copy.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    sh.ok("import", str(sh.tmp_path / "copy.jsonl"))  # (as the admin, of spip-35)
    code, out = as_(sh, "cp-1", "history", SM, "--json")
    assert code == 0, out
    reasons = [e["reason"] for e in json.loads(out) if e["type"] == "EventRetracted"]
    assert reasons == ["withheld", "withheld", "the SPIP's own", "the SPIP's, by its code"]
    # a counsellor's import naming the SPIP as recorder: still the Mission Locale's note
    claim = str(uuid.uuid5(uuid.NAMESPACE_URL, "claimed"))
    (sh.tmp_path / "claim.jsonl").write_text(
        json.dumps({"type": "ContactMade", "id": claim, "youth": SM, "occurred_on": "2026-01-25",
                    "channel": "phone", "recorded_by": "spip-35"}) + "\n"
        + json.dumps({"type": "EventRetracted", "youth": SM, "occurred_on": "2026-01-25",
                      "event_id": claim, "reason": "claimed", "recorded_by": "spip-35"}) + "\n"
    )  # fmt: skip
    code, out = as_(sh, "c-sm-1", "import", str(sh.tmp_path / "claim.jsonl"))
    assert code == 0, out
    out = as_(sh, "cp-1", "history", SM, "--json")[1]
    reasons = [e["reason"] for e in json.loads(out) if e["type"] == "EventRetracted"]
    assert reasons[-1] == "withheld"


def test_a_cpips_alerts_are_the_spips_with_or_without_organisation(
    sh: Shell, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A CPIP's `alerts` is the probation service's list, as `--organisation spip-35`
    gives it: its alerts only, never a Mission Locale's youth by another alert (a plain
    `alerts` listed them all, and `--alert` of a Mission Locale's was not refused)."""
    day = ("--as-of", "2026-03-31", "--json")
    every = {(row["youth"], row["alert"]) for row in sh.json("alerts", *day)}
    assert (WK, "contact-lost") in every  # a Mission Locale's alert, on a youth at liberty
    code, plain = as_(sh, "cp-1", "alerts", *day)
    assert code == 0, plain
    code, spip = as_(sh, "cp-1", "alerts", *day, "--organisation", "spip-35")
    assert code == 0, spip
    assert json.loads(plain) == json.loads(spip)
    assert {(row["youth"], row["alert"]) for row in json.loads(plain)} == {
        pair for pair in every if pair[1] in SPIP_ALERTS
    }
    assert WK not in plain
    # its caseload counts the alerts it lists, not the Missions Locales'
    code, out = as_(sh, "cp-1", "caseload", *day)
    assert code == 0, out
    spip_alerts = [row["youth"] for row in json.loads(plain)]
    counted = {row["youth"]: row["alerts"] for row in json.loads(out)}
    assert counted == {youth: spip_alerts.count(youth) for youth in counted}
    assert (SM, "contact-lost") in every  # (so counting every alert would differ)
    code, out = as_(sh, "cp-1", "alerts", "--alert", "contact-lost")
    assert code == 2, out
    assert "'contact-lost' is not one of the probation service's alerts" in out
    monkeypatch.setenv("PATHWAYS_MASTER_KEY", sh.env["PATHWAYS_MASTER_KEY"])
    with pathways.open(sh.db, actor="cp-1") as store:
        rows = store.alerts(as_of="2026-03-31")
    assert {(row.youth, row.alert) for row in rows} == {
        pair for pair in every if pair[1] in SPIP_ALERTS
    }


def test_an_analyst_reads_aggregates_and_no_reference(sh: Shell) -> None:
    for args in (["history", SM], ["youth", SM], ["caseload"], ["alerts"]):
        code, out = as_(sh, "an-1", *args)
        assert code == 1, out
        assert "analysts read aggregates" in out, (args, out)
        assert SM not in out.replace(f"{SM};", "")  # (a refused youth is named only as asked)
    code, out = as_(sh, "an-1", "outcomes", "--from", "2026-01-01", "--to", "2026-06-30")
    assert code == 0, out
    code, out = as_(sh, "an-1", "export", "events")
    assert code == 0
    assert "Y-2026" not in out
    assert BIRTH not in out
    for flag in ("--with-references", "--with-personal"):
        code, out = as_(sh, "an-1", "export", "events", flag)
        assert code == 1
        assert "analysts export pseudonymised data only" in out
        assert "Y-2026" not in out.replace(SM, "")
        assert BIRTH not in out


# --- handovers and known-at ------------------------------------------------------------------


def test_a_handover_moves_the_boundary_on_its_acknowledgement(sh: Shell) -> None:
    sh.ok("record", "handed-over", SM, "--on", "2026-02-01", "--to-organisation", "we-ker")
    head = sh.json("info")["head_position"]
    sh.ok("record", "handover-acknowledged", SM, "--on", "2026-02-10", "--organisation", "we-ker")
    assert as_(sh, "c-wk-1", "youth", SM, "--as-of", "2026-02-05")[0] == 1
    assert as_(sh, "c-sm-1", "youth", SM, "--as-of", "2026-02-05")[0] == 0
    assert as_(sh, "c-wk-1", "youth", SM, "--as-of", "2026-02-10")[0] == 0
    code, out = as_(sh, "c-sm-1", "history", SM, "--as-of", "2026-02-10")
    assert code == 1
    assert f"{SM} is followed by we-ker; you are ml-saint-malo" in out
    # as known before the acknowledgement was recorded, Saint-Malo still followed them
    code, out = as_(sh, "c-wk-1", "youth", SM, "--as-of", "2026-02-10", "--known-at", f"@{head}")
    assert code == 1
    assert REFUSED_SM in out
    code, out = as_(sh, "c-wk-1", "history", SM, "--as-of", "2026-02-10", "--known-at", f"@{head}")
    assert code == 1
    assert REFUSED_SM in out
    assert as_(sh, "c-sm-1", "youth", SM, "--as-of", "2026-02-10", "--known-at", f"@{head}")[0] == 0


# --- break the glass ------------------------------------------------------------------------


def test_break_the_glass_widens_then_ends(sh: Shell) -> None:
    code, out = as_(sh, "c-wk-1", "access", "grant", "c-wk-1", SM, "--reason", "x")
    assert code == 1
    assert "an admin's act" in out
    out = sh.ok("access", "grant", "c-wk-1", SM, "--reason", "urgent: housing", "--hours", "2")
    grant = out.split("grant id ")[1].split()[0]
    assert as_(sh, "c-wk-1", "youth", SM)[0] == 0
    assert as_(sh, "c-wk-1", "history", SM)[0] == 0
    assert as_(sh, "c-wk-1", "caseload", "--youth", SM)[0] == 0
    assert as_(sh, "c-sm-1", "youth", WK)[0] == 1  # for that counsellor and that youth only
    listed = sh.json("access", "list")
    assert [(g["youth"], g["user"], g["status"]) for g in listed] == [(SM, "c-wk-1", "active")]
    assert "urgent" not in json.dumps(listed)
    sh.ok("access", "revoke", grant)
    code, out = as_(sh, "c-wk-1", "youth", SM)
    assert code == 1
    assert REFUSED_SM in out
    assert sh.json("access", "list")[0]["status"] == "revoked"
    assert "already revoked" in sh.fails("access", "revoke", grant)


def test_a_grant_expires_by_itself(sh: Shell) -> None:
    until = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()
    sh.ok("access", "grant", "c-wk-1", SM, "--reason", "night call", "--until", until)
    assert as_(sh, "c-wk-1", "youth", SM)[0] == 0
    time.sleep(2.2)
    code, out = as_(sh, "c-wk-1", "youth", SM)
    assert code == 1
    assert REFUSED_SM in out
    assert sh.json("access", "list")[0]["status"] == "expired"
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    assert "must be in the future" in sh.fails(
        "access", "grant", "c-wk-1", SM, "--reason", "x", "--until", past
    )
    assert "not an enabled counsellor" in sh.fails("access", "grant", "an-1", SM, "--reason", "x")


# --- erasure --------------------------------------------------------------------------------


def test_erasure_is_an_admins_act_whatever_the_channel(sh: Shell, tmp_path: Path) -> None:
    before = sh.events()
    code, out = as_(sh, "c-sm-1", "erase", SM, "--reason", "request", "--yes")
    assert code == 1
    assert "`pathways erase` is for users with the role admin; you are c-sm-1" in out
    line = {"type": "YouthErased", "youth": SM, "occurred_on": "2026-02-01", "reason": "request"}
    path = tmp_path / "erase.jsonl"
    path.write_text(json.dumps(line) + "\n")
    code, out = as_(sh, "c-sm-1", "import", str(path))
    assert code == 1
    assert "YouthErased: an admin's act" in out
    assert sh.events() == before
    assert BIRTH in sh.ok("youth", SM, "--with-personal")


# --- injection-like text ----------------------------------------------------------------------


def test_sql_like_text_is_refused_or_kept_as_data(sh: Shell) -> None:
    before = sh.events()
    nasty = "x'); DROP TABLE stored_events; --"
    assert "is not a user name" in sh.fails(
        "users", "add", nasty, "--organisation", "we-ker", "--role", "admin", code=2
    )
    assert "is not a young person's reference" in as_(sh, "c-sm-1", "caseload", "--youth", nasty)[1]
    code, out = as_(sh, "c-sm-1", "history", nasty)
    assert code == 2  # a usage error: not a reference
    assert "is not a young person's reference" in out
    code, out = as_(sh, "c-sm-1", "caseload", "--organisation", nasty)
    assert code != 0
    assert "stored_events" not in out.replace(nasty, "")
    assert sh.events() == before
    sh.ok("access", "grant", "c-wk-1", SM, "--reason", nasty)
    assert nasty in sh.ok("history", SM, "--json")  # data, sealed with the youth's key
    assert sh.events() == before + 1
