"""Writes scoped like reads (issue 12 item 2): a counsellor writes for the youths of
their organisation, for a youth no Mission Locale follows yet, under a grant, or a new
youth; a CPIP writes the justice steps for anyone. On every channel (`record`, `amend`,
`retract`, `acknowledge`, an import line, the Python API): a refusal says why, exits 1,
writes nothing, and is audited."""

from __future__ import annotations

import json
import re
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import pathways
from pathways.domain.errors import AccessRefused
from pathways.domain.events import ContactMade
from shell import Shell, as_

SM, WK, FREE = "Y-2026-0042", "Y-2026-0050", "Y-2026-0060"  # Saint-Malo's, We Ker's, no one's
BIRTH = "2005-02-10"
NOTHING = "Nothing was written."
REFUSED_SM = f"{SM} is followed by ml-saint-malo; you are we-ker (counsellor). {NOTHING}"
WRITE = "AccessRefused: write outside the scope"


@pytest.fixture
def sh(tmp_path: Path) -> Shell:
    sh = Shell(tmp_path)
    sh.add_partners()
    for line in (
        f"youth-registered {SM} --on 2026-01-12 --birth-date {BIRTH} --residence saint-malo",
        f"incarcerated {SM} --on 2026-01-05 --facility ma-saint-malo --status sentenced",
        f"support-started {SM} --on 2026-01-14 --organisation ml-saint-malo --counsellor c-sm-1",
        f"contact-made {SM} --on 2026-01-20 --channel in-prison",
        f"youth-registered {WK} --on 2026-01-12 --birth-date 2004-03-01 --residence rennes",
        f"support-started {WK} --on 2026-01-14 --organisation we-ker --counsellor c-wk-1",
        f"youth-registered {FREE} --on 2026-01-12 --birth-date 2006-01-01 --residence redon",
        f"incarcerated {FREE} --on 2026-01-10 --facility cp-rennes-vezin --status remand",
    ):
        sh.ok("record", *line.split())
    return sh


def audit(sh: Shell) -> list[dict[str, Any]]:
    """The audit log (read by the admin), but the rows of `audit` itself."""
    rows: list[dict[str, Any]] = json.loads(sh.ok("audit", "--json"))
    return [row for row in rows if row["command"] != "audit"]


def refused(sh: Shell, actor: str, *args: str, expect: str) -> dict[str, Any]:
    """Run a write that must be refused: exit 1, the message, nothing written, and one
    `refused` row appended to the audit log; that row."""
    before, rows = sh.events(), len(audit(sh))
    code, out = as_(sh, actor, *args)
    assert code == 1, (args, out)
    assert expect in out, (args, out)
    assert BIRTH not in out
    assert sh.events() == before
    after = audit(sh)
    assert len(after) == rows + 1, after[rows:]
    row = after[-1]
    assert (row["actor"], row["outcome"]) == (actor, "refused")
    return row


def event_id(sh: Shell, youth: str, kind: str) -> str:
    rows = sh.json("history", youth)
    return str(next(row["id"] for row in rows if row["type"] == kind))


def jsonl(path: Path, lines: list[dict[str, Any]]) -> str:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return str(path)


# --- counsellors --------------------------------------------------------------------------


def test_a_counsellor_cannot_write_for_another_organisations_youth(sh: Shell) -> None:
    row = refused(
        sh,
        "c-wk-1",
        *("record", "contact-made", SM, "--on", "2026-02-01", "--channel", "office"),
        expect=REFUSED_SM,
    )
    assert row["command"] == "record contact-made"
    assert row["youths"] == [SM]
    assert row["detail"] == WRITE
    assert row["options"] == {"event": "ContactMade"}
    contact = event_id(sh, SM, "ContactMade")
    row = refused(
        sh,
        "c-wk-1",
        *("amend", contact, "--on", "2026-01-21", "--reason", "wrong day"),
        expect=f"{SM} is followed by ml-saint-malo; you are we-ker (counsellor)",
    )
    assert row["command"] == "amend"
    row = refused(sh, "c-wk-1", "retract", contact, "--reason", "x", expect=REFUSED_SM)
    assert row["command"] == "retract"
    # their own youth: written
    code, out = as_(sh, "c-wk-1", "record", "contact-made", WK, "--on", "2026-02-01",
                    "--channel", "office")  # fmt: skip
    assert code == 0, out


def test_an_import_is_refused_whole_naming_the_line(sh: Shell, tmp_path: Path) -> None:
    path = jsonl(
        tmp_path / "steps.jsonl",
        [
            {"type": "ContactMade", "youth": WK, "occurred_on": "2026-02-01", "channel": "office"},
            {"type": "ContactMade", "youth": SM, "occurred_on": "2026-02-02", "channel": "phone"},
            {"type": "AppointmentMissed", "youth": SM, "occurred_on": "2026-02-03"},
        ],
    )
    row = refused(
        sh,
        "c-wk-1",
        "import",
        path,
        expect=f"line 2: {SM} is followed by ml-saint-malo; you are we-ker (counsellor) "
        f"(and 1 more event(s) refused). {NOTHING}",
    )
    assert row["command"] == "import"
    assert row["options"] == {"event": "ContactMade", "where": "line 2"}
    assert "ContactMade" not in sh.ok("history", WK)  # its own youth's line neither


def test_an_import_names_its_refused_lines_among_its_wrong_ones(sh: Shell, tmp_path: Path) -> None:
    """A line outside the user's scope did hide the rules the other lines break (a
    counsellor met one wrong line at a time); the refused youth's own lines are not
    checked (their messages would tell the state of a youth the user may not see)."""
    path = jsonl(
        tmp_path / "steps.jsonl",
        [
            {"type": "ContactMade", "youth": SM, "occurred_on": "2026-02-02", "channel": "phone"},
            {"type": "Released", "youth": WK, "occurred_on": "2026-02-03",
             "kind": "end-of-sentence", "destination": "rennes"},
            {"type": "Released", "youth": SM, "occurred_on": "2026-02-03",
             "kind": "end-of-sentence", "destination": "rennes"},
        ],
    )  # fmt: skip
    row = refused(sh, "c-wk-1", "import", path, expect=f"line 1: {SM} is followed by")
    code, out = as_(sh, "c-wk-1", "import", path)
    assert code == 1
    lines = out.strip().splitlines()
    assert lines[0].endswith(f"line 1: {SM} is followed by ml-saint-malo; you are we-ker"
                             " (counsellor) (and 1 more event(s) refused)")  # fmt: skip
    assert lines[1].startswith("line 2: Released")  # WK was never in custody
    assert lines[-1] == NOTHING
    assert not any(line.startswith("line 3") for line in lines), out
    assert row["options"] == {"event": "ContactMade", "where": "line 1"}
    # checking only (--check) names them alike, and the audit has the refusal
    code, out = as_(sh, "c-wk-1", "import", path, "--check")
    assert code == 1
    assert "line 1: " in out
    assert "line 2: Released" in out
    # a refusal alone is said as before, on one line
    contact = {"type": "ContactMade", "youth": SM, "occurred_on": "2026-02-02", "channel": "phone"}
    alone = jsonl(tmp_path / "alone.jsonl", [contact])
    refused(sh, "c-wk-1", "import", alone, expect=REFUSED_SM)


def test_refusals_in_french(sh: Shell) -> None:
    """A counsellor who works in French is refused in French (they were in English in a
    French session), the organisations and roles as codes."""
    fr = {"PATHWAYS_LANG": "fr"}
    record = ("record", "contact-made", SM, "--on", "2026-02-01", "--channel", "office")
    out = sh(*record, env={**fr, "PATHWAYS_ACTOR": "c-wk-1"}).output
    assert f"{SM} est suivi(e) par ml-saint-malo ; vous êtes we-ker (counsellor)" in out
    assert out.rstrip().endswith("Rien n'a été écrit.")
    out = sh("youth", SM, env={**fr, "PATHWAYS_ACTOR": "c-wk-1"}).output
    assert f"{SM} est suivi(e) par ml-saint-malo ; vous êtes we-ker" in out
    out = sh("youth", WK, "--as-of", "2026-02-01", env={**fr, "PATHWAYS_ACTOR": "cp-1"}).output
    assert "n'est ni détenu(e) ni suivi(e) en milieu ouvert le 1er février 2026" in out
    out = sh("users", "list", env={**fr, "PATHWAYS_ACTOR": "c-wk-1"}).output
    said = "la liste des utilisateurs : réservé aux utilisateurs de rôle admin ; vous êtes c-wk-1"
    assert said in out
    out = sh("alerts", env={**fr, "PATHWAYS_ACTOR": "nobody"}).output
    assert "« nobody » n'est pas un utilisateur de cette base" in out
    out = sh("alerts", "--organisation", "ml-saint-malo", env={**fr, "PATHWAYS_ACTOR": "c-wk-1"})
    assert "est la liste d'une autre structure ; vous êtes we-ker" in out.output
    out = sh("caseload", env={**fr, "PATHWAYS_ACTOR": "an-1"}).output
    assert "les analystes lisent des agrégats" in out


def test_an_import_with_bad_lines_and_a_refused_one_names_them_all(
    sh: Shell, tmp_path: Path
) -> None:
    """A line outside the user's scope does not hide the file's other bad lines (it did:
    the refusal alone was said): every bad line is named, in order; the refusal is
    audited; nothing is written."""
    path = tmp_path / "steps.jsonl"
    good = {"type": "ContactMade", "youth": WK, "occurred_on": "2026-02-01"}
    path.write_text(
        "\n".join(
            [
                json.dumps({**good, "channel": "office"}),
                json.dumps({**good, "occurred_on": "2026-02-31", "channel": "office"}),
                '{"type": "ContactMade", "youth": ',
                json.dumps({**good, "type": "ContactMeade", "channel": "office"}),
                json.dumps({**good, "youth": SM, "channel": "phone"}),
            ]
        )
        + "\n"
    )
    row = refused(sh, "c-wk-1", "import", str(path), expect="line 2: ")
    out = as_(sh, "c-wk-1", "import", str(path))[1]
    assert re.findall(r"^(?:Error: )?line (\d+):", out, re.MULTILINE) == ["2", "3", "4", "5"]
    assert "line 3: not valid JSON (Expecting value at column 34)" in out  # (not column 1)
    assert f"line 5: {SM} is followed by ml-saint-malo; you are we-ker (counsellor)" in out
    assert out.rstrip().endswith(NOTHING)
    assert row["detail"] == WRITE
    # a user who may not write at all is told that alone, not as one of the lines
    out = as_(sh, "an-1", "import", str(path))[1]
    assert out.startswith("Error: analysts do not write; you are an-1")
    assert out.count(NOTHING) == 1
    assert "line 2" not in out


def test_a_counsellor_opens_support_for_a_youth_no_mission_locale_follows(
    sh: Shell, tmp_path: Path
) -> None:
    # a young person met in custody, before any Mission Locale follows them
    for args in (
        ["contact-made", FREE, "--on", "2026-01-15", "--channel", "in-prison"],
        ["support-started", FREE, "--on", "2026-01-16", "--organisation", "we-ker",
         "--counsellor", "c-wk-1"],
    ):  # fmt: skip
        code, out = as_(sh, "c-wk-1", "record", *args)
        assert code == 0, out
    # now theirs: Saint-Malo writes for them no more, not even before We Ker's support
    refused(
        sh,
        "c-sm-1",
        *("record", "contact-made", FREE, "--on", "2026-01-15", "--channel", "phone"),
        expect=f"{FREE} is followed by we-ker; you are ml-saint-malo (counsellor). {NOTHING}",
    )
    # what happened before their own support began is theirs to record
    code, out = as_(sh, "c-wk-1", "record", "care-referral-made", FREE, "--on", "2026-01-12",
                    "--service", "gp")  # fmt: skip
    assert code == 0, out
    # a support is opened for one's own Mission Locale only
    other = "Y-2026-0070"
    path = jsonl(
        tmp_path / "new.jsonl",
        [
            {"type": "YouthRegistered", "youth": other, "occurred_on": "2026-01-12",
             "birth_date": "2006-05-01", "residence": "redon"},
            {"type": "SupportStarted", "youth": other, "occurred_on": "2026-01-13",
             "organisation": "we-ker", "counsellor": "c-wk-1"},
        ],
    )  # fmt: skip
    refused(
        sh,
        "c-sm-1",
        "import",
        path,
        expect="line 2: SupportStarted names we-ker: a counsellor records the support of "
        "their own Mission Locale",
    )
    # a new youth, registered and followed in one file by their own Mission Locale
    code, out = as_(sh, "c-wk-1", "import", path)
    assert code == 0, out
    assert sh.json("youth", other)["support"]["organisation"] == "we-ker"


def test_a_handover_is_written_by_the_two_organisations(sh: Shell, tmp_path: Path) -> None:
    code, out = as_(sh, "c-sm-1", "record", "handed-over", SM, "--on", "2026-02-01",
                    "--to-organisation", "we-ker")  # fmt: skip
    assert code == 0, out
    ack = ("record", "handover-acknowledged", SM, "--on", "2026-02-10", "--organisation", "we-ker")
    refused(
        sh,
        "c-sm-1",
        *ack,
        expect="HandoverAcknowledged names we-ker: a handover is acknowledged by the "
        "organisation it hands the youth to; you are ml-saint-malo (counsellor)",
    )
    # the receiving Mission Locale acknowledges, and writes what follows in the same file
    path = jsonl(
        tmp_path / "ack.jsonl",
        [
            {"type": "HandoverAcknowledged", "youth": SM, "occurred_on": "2026-02-10",
             "organisation": "we-ker"},
            {"type": "ContactMade", "youth": SM, "occurred_on": "2026-02-12", "channel": "office"},
        ],
    )  # fmt: skip
    code, out = as_(sh, "c-wk-1", "import", path)
    assert code == 0, out
    refused(
        sh,
        "c-sm-1",
        *("record", "contact-made", SM, "--on", "2026-02-15", "--channel", "phone"),
        expect=f"{SM} is followed by we-ker; you are ml-saint-malo (counsellor)",
    )
    # Saint-Malo still records what happened while it followed them
    code, out = as_(sh, "c-sm-1", "record", "contact-made", SM, "--on", "2026-01-25",
                    "--channel", "phone")  # fmt: skip
    assert code == 0, out


def test_a_counsellor_cannot_hand_another_organisations_youth_to_themselves(
    sh: Shell, tmp_path: Path
) -> None:
    """A handover and its acknowledgement in one file, both dated the same day, by the
    receiving counsellor: the acknowledgement moves nothing for the handover (no
    handover was stored by the organisation that follows the youth): refused whole."""
    before = sh.events()
    path = jsonl(
        tmp_path / "takeover.jsonl",
        [
            {"type": "HandedOver", "youth": SM, "occurred_on": "2026-02-01",
             "to_organisation": "we-ker"},
            {"type": "HandoverAcknowledged", "youth": SM, "occurred_on": "2026-02-01",
             "organisation": "we-ker"},
            {"type": "ContactMade", "youth": SM, "occurred_on": "2026-02-02", "channel": "office"},
        ],
    )  # fmt: skip
    row = refused(sh, "c-wk-1", "import", path, expect=f"line 1: {SM} is followed by ml-saint-malo")
    assert row["detail"] == WRITE
    assert sh.events() == before
    code, out = as_(sh, "c-wk-1", "youth", SM)
    assert code != 0, out


def test_a_grant_lets_a_counsellor_write_until_revoked(sh: Shell) -> None:
    contact = ("record", "contact-made", SM, "--on", "2026-02-01", "--channel", "office")
    out = sh.ok("access", "grant", "c-wk-1", SM, "--reason", "on call", "--hours", "2")
    grant = out.split("grant id ")[1].split()[0]
    code, out = as_(sh, "c-wk-1", *contact)
    assert code == 0, out
    sh.ok("access", "revoke", grant)
    refused(sh, "c-wk-1", *contact, expect=REFUSED_SM)


def test_acknowledging_is_a_write_of_that_scope(sh: Shell) -> None:
    ack = ("acknowledge", SM, "no-first-contact", "--on", "2026-02-01")
    row = refused(sh, "cp-1", *ack, expect=f"{SM} is followed by ml-saint-malo: AlertAcknowledged")
    assert row["command"] == "acknowledge"  # one row, not the read's and the write's
    assert row["detail"] == WRITE
    code, out = as_(sh, "cp-1", "acknowledge", FREE, "no-first-contact", "--on", "2026-02-01")
    assert code == 0, out  # no Mission Locale follows them: the SPIP's list


# --- the SPIP, analysts ---------------------------------------------------------------------


def test_a_cpip_writes_the_justice_steps_for_any_youth(sh: Shell) -> None:
    for args in (
        ["released", SM, "--on", "2026-02-20", "--kind", "end-of-sentence",
         "--destination", "rennes"],
        ["community-supervision-started", WK, "--on", "2026-02-01", "--measure", "probation"],
        ["contact-made", WK, "--on", "2026-02-02", "--channel", "office",
         "--organisation", "spip-35"],
        ["youth-registered", "Y-2026-0080", "--on", "2026-02-01", "--birth-date",
         "2006-06-01", "--residence", "rennes"],
        ["release-plan-validated", FREE, "--on", "2026-02-01", "--housing", "--income",
         "--no-id-document", "--no-health-cover"],
    ):  # fmt: skip
        code, out = as_(sh, "cp-1", "record", *args)
        assert code == 0, (args, out)
    code, out = as_(sh, "cp-1", "amend", event_id(sh, SM, "Released"), "--on", "2026-02-19",
                    "--reason", "wrong day")  # fmt: skip
    assert code == 0, out
    refused(
        sh,
        "cp-1",
        *("record", "contact-made", WK, "--on", "2026-02-03", "--channel", "office"),
        expect=f"{WK} is followed by we-ker: ContactMade is theirs to record (the SPIP records "
        f"the justice steps and its own contacts); you are spip-35 (cpip). {NOTHING}",
    )
    refused(
        sh,
        "cp-1",
        *("retract", event_id(sh, SM, "ContactMade"), "--reason", "x"),
        expect=f"{SM} is followed by ml-saint-malo: retracting a ContactMade is theirs",
    )
    refused(
        sh,
        "cp-1",
        *("record", "support-started", FREE, "--on", "2026-02-01", "--organisation", "we-ker",
          "--counsellor", "c-wk-1"),
        expect="SupportStarted: a Mission Locale's act on its support; you are spip-35 (cpip)",
    )  # fmt: skip


def test_refusals_of_the_admins_acts_and_of_analysts_are_audited(sh: Shell) -> None:
    row = refused(
        sh,
        "an-1",
        *("record", "contact-made", WK, "--on", "2026-02-01", "--channel", "office"),
        expect="analysts do not write",
    )
    assert row["detail"] == "AccessRefused: analysts write nothing"
    row = refused(
        sh,
        "c-wk-1",
        *("access", "grant", "c-wk-1", SM, "--reason", "x"),
        expect="AccessGranted: an admin's act",
    )
    assert row["options"] == {"events": "AccessGranted"}
    row = refused(
        sh,
        "c-sm-1",
        *("erase", SM, "--reason", "request", "--yes"),
        expect="`pathways erase` is for users with the role admin",
    )
    assert (row["command"], row["detail"]) == ("erase", "AccessRefused")


# --- the Python API -------------------------------------------------------------------------


def test_the_python_api_writes_are_scoped_alike(sh: Shell, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATHWAYS_MASTER_KEY", sh.env["PATHWAYS_MASTER_KEY"])
    before, rows = sh.events(), len(audit(sh))
    step = ContactMade(youth=SM, occurred_on=date(2026, 2, 1), channel="office")
    line = json.dumps(
        {"type": "ContactMade", "youth": SM, "occurred_on": "2026-02-02", "channel": "phone"}
    )
    with pathways.open(sh.db, actor="c-wk-1") as store:
        with pytest.raises(AccessRefused, match=re.escape(REFUSED_SM)) as error:
            store.app.record(step, "c-wk-1")
        assert (error.value.actor, error.value.command, error.value.youth) == (
            "c-wk-1",
            "api",
            SM,
        )
        with pytest.raises(AccessRefused, match=f"line 1: {SM} is followed by ml-saint-malo"):
            store.app.import_lines([line], "c-wk-1")
        with pytest.raises(AccessRefused, match=re.escape(REFUSED_SM)):
            store.app.retract(uuid.UUID(event_id(sh, SM, "ContactMade")), "x", "c-wk-1")
        with pytest.raises(AccessRefused, match=f"{SM} is followed by ml-saint-malo; you are"):
            store.app.acknowledge(SM, "no-first-contact", "c-wk-1", date(2026, 2, 1))
        mine = ContactMade(youth=WK, occurred_on=date(2026, 2, 1), channel="office")
        assert store.app.record(mine, "c-wk-1").stored == 1
    assert sh.events() == before + 1
    api = [row for row in audit(sh)[rows:] if row["outcome"] == "refused"]
    assert [(r["actor"], r["command"], r["youths"], r["detail"]) for r in api] == [
        ("c-wk-1", "api", [SM], WRITE)
    ] * 3 + [("c-wk-1", "api", [SM], "AccessRefused")]  # (acknowledge: a read of the youth)


def test_the_python_api_records_under_the_acting_user_only(
    sh: Shell, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`store.app.record(event, actor)`: the recorder is the user the store was opened
    as; another name (a colleague's, the admin's) is refused, audited, nothing written."""
    monkeypatch.setenv("PATHWAYS_MASTER_KEY", sh.env["PATHWAYS_MASTER_KEY"])
    before, rows = sh.events(), len(audit(sh))
    mine = ContactMade(youth=WK, occurred_on=date(2026, 2, 1), channel="office")
    line = json.dumps(
        {"type": "ContactMade", "youth": WK, "occurred_on": "2026-02-02", "channel": "phone"}
    )
    with pathways.open(sh.db, actor="c-wk-1") as store:
        for other in ("tester", "c-sm-1", "nobody\nat all"):
            with pytest.raises(AccessRefused, match="a write is recorded by the acting user"):
                store.app.record(mine, other)
            with pytest.raises(AccessRefused, match="a write is recorded by the acting user"):
                store.app.import_lines([line], other)
    assert sh.events() == before
    refused = [r for r in audit(sh)[rows:] if r["outcome"] == "refused"]
    assert len(refused) == 6
    assert {r["detail"] for r in refused} == {"AccessRefused: another recorder"}
