"""Work lists (`caseload` and `alerts` filters), the probation service's list and the youth
card (`pathways youth`), through click's CliRunner on a SQLite store (issue 13, items 1-3).

The store holds the worked example (EX-1, released to rennes on 2026-03-10) and the
youths below; every read is as of 2026-03-31.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES
from pathways.domain.alert_catalogue import SPIP_ALERTS
from shell import Shell

DAY = ("--as-of", "2026-03-31")


def registered(youth: str, on: str, residence: str, born: str = "2004-09-09") -> dict[str, Any]:
    return {
        "type": "YouthRegistered",
        "youth": youth,
        "occurred_on": on,
        "birth_date": born,
        "residence": residence,
    }


def step(event_type: str, youth: str, on: str, **fields: Any) -> dict[str, Any]:
    return {"type": event_type, "youth": youth, "occurred_on": on, **fields}


#: Y-2: we-ker (c-wk-1), released to rennes on 2026-03-20 without a plan.
#: Y-5: we-ker (c-wk-1), at cp-rennes-vezin since 03-01, expected release 04-15.
#: Y-6: residence vitre, at ma-saint-malo since 02-01, expected 06-30; no support yet.
#: Y-7: residence redon, supervised since 03-05, support closed on 03-10 (no-support 03-26).
#: Y-8: ml-redon (c-rd-1), at cp-rennes-vezin since 01-10, expected 03-20: overdue.
YOUTHS = [
    registered("Y-2", "2026-02-01", "rennes"),
    step("Incarcerated", "Y-2", "2026-02-01", facility="cp-rennes-vezin", status="remand"),
    step("SupportStarted", "Y-2", "2026-02-02", organisation="we-ker", counsellor="c-wk-1"),
    step("ContactMade", "Y-2", "2026-02-03", channel="in-prison"),
    step("Released", "Y-2", "2026-03-20", kind="remand-ended", destination="rennes"),
    registered("Y-5", "2026-03-01", "rennes"),
    step(
        "Incarcerated",
        "Y-5",
        "2026-03-01",
        facility="cp-rennes-vezin",
        status="sentenced",
        expected_release_on="2026-04-15",
    ),
    step("SupportStarted", "Y-5", "2026-03-02", organisation="we-ker", counsellor="c-wk-1"),
    step("ContactMade", "Y-5", "2026-03-03", channel="in-prison"),
    registered("Y-6", "2026-02-01", "vitre"),
    step(
        "Incarcerated",
        "Y-6",
        "2026-02-01",
        facility="ma-saint-malo",
        status="sentenced",
        expected_release_on="2026-06-30",
    ),
    registered("Y-7", "2026-01-15", "redon"),
    step("SupportStarted", "Y-7", "2026-01-15", organisation="ml-redon", counsellor="c-rd-1"),
    step("CommunitySupervisionStarted", "Y-7", "2026-03-05", measure="probation"),
    step("SupportClosed", "Y-7", "2026-03-10", reason="moved"),
    registered("Y-8", "2026-01-10", "redon"),
    step(
        "Incarcerated",
        "Y-8",
        "2026-01-10",
        facility="cp-rennes-vezin",
        status="sentenced",
        expected_release_on="2026-03-20",
    ),
    step("SupportStarted", "Y-8", "2026-01-11", organisation="ml-redon", counsellor="c-rd-1"),
    step("ContactMade", "Y-8", "2026-01-12", channel="in-prison"),
    step("ReleasePlanValidated", "Y-8", "2026-03-01", housing=True, income=False,
         id_document=True, health_cover=True, first_appointment_on="2026-03-25"),
    step("RightObtained", "Y-8", "2026-02-10", right="id-document"),
    step("CareReferralMade", "Y-8", "2026-02-12", service="csapa"),
]  # fmt: skip


@pytest.fixture(scope="module")
def sh(tmp_path_factory: pytest.TempPathFactory) -> Shell:
    """Read-only tests share one store (no test here writes to it)."""
    shell = Shell(tmp_path_factory.mktemp("worklists"))
    shell.load(FIXTURES / "worked-example.jsonl")
    shell.load_rows(YOUTHS)
    return shell


def youths(sh: Shell, command: str, *args: str) -> list[str]:
    return [row["youth"] for row in sh.json(command, *DAY, *args)]


# --- caseload work lists --------------------------------------------------------------------


def test_the_caseload_shows_where_until_when_and_the_territory(sh: Shell) -> None:
    rows = {row["youth"]: row for row in sh.json("caseload", *DAY)}
    assert set(rows) == {"EX-1", "Y-2", "Y-5", "Y-6", "Y-7", "Y-8"}
    assert (rows["Y-5"]["facility"], rows["Y-5"]["expected_release_on"]) == (
        "cp-rennes-vezin",
        "2026-04-15",
    )
    assert (rows["EX-1"]["facility"], rows["EX-1"]["territory"]) == (None, "rennes")
    assert rows["Y-6"]["territory"] == "vitre"  # not released: the registered residence


def test_one_youth(sh: Shell) -> None:
    assert youths(sh, "caseload", "--youth", "Y-5") == ["Y-5"]
    assert youths(sh, "alerts", "--youth", "EX-1") == ["EX-1"] * 4
    assert youths(sh, "caseload", "--youth", "Y-5", "--organisation", "ml-redon") == []


def test_releasing_within_lists_the_coming_releases_by_date(sh: Shell) -> None:
    # Y-8's expected release has passed unrecorded: first, the most urgent
    assert youths(sh, "caseload", "--releasing-within", "30") == ["Y-8", "Y-5"]
    assert youths(sh, "caseload", "--releasing-within", "91") == ["Y-8", "Y-5", "Y-6"]
    assert youths(sh, "caseload", "--releasing-within", "0") == ["Y-8"]


def test_no_counsellor_lists_the_followed_youths_nobody_is_named_for(sh: Shell) -> None:
    # Y-6 has no support yet; Y-7's is closed: the SPIP's list shows it, not this one
    assert youths(sh, "caseload", "--no-counsellor") == ["Y-6"]


def test_facility_and_territory(sh: Shell) -> None:
    assert youths(sh, "caseload", "--facility", "cp-rennes-vezin") == ["Y-5", "Y-8"]
    assert youths(sh, "caseload", "--territory", "rennes") == ["EX-1", "Y-2", "Y-5"]
    assert youths(sh, "caseload", "--territory", "redon") == ["Y-7", "Y-8"]
    assert youths(sh, "caseload", "--territory", "fougeres") == []


def test_the_filters_combine(sh: Shell) -> None:
    args = ("--facility", "cp-rennes-vezin", "--releasing-within", "30")
    assert youths(sh, "caseload", *args) == ["Y-8", "Y-5"]
    assert youths(sh, "caseload", *args, "--organisation", "we-ker") == ["Y-5"]
    assert youths(sh, "caseload", *args, "--counsellor", "c-rd-1") == ["Y-8"]
    assert youths(sh, "alerts", "--territory", "redon", "--alert", "no-support") == ["Y-7"]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--facility", "fresnes"), "'fresnes' is not a known facility (valid: cp-rennes-vezin"),
        (("--territory", "paris"), "'paris' is not a known territory (valid: broceliande"),
        (("--organisation", "ml-paris"), "'ml-paris' is not a known organisation (valid: "),
        (("--youth", "Y-404"), "Y-404 is not registered in this store"),
        (("--youth", "jean-dupont"), "'jean-dupont' is not a young person's reference"),
        (("--youth", "Y-5", "--as-of", "2026-02-15"), "Y-5 was registered on 2026-03-01"),
        (("--releasing-within", "-1"), "-1 is not in the range x>=0"),
        (("--releasing-within", "soon"), "'soon' is not a valid integer"),
    ],
)
@pytest.mark.parametrize("command", ["caseload", "alerts"])
def test_a_bad_filter_is_a_usage_error_naming_it(
    sh: Shell, command: str, args: tuple[str, ...], says: str
) -> None:
    out = sh.fails(command, *args, code=2)
    assert says in " ".join(out.split())
    assert f"--{args[0].lstrip('-')}" in out
    assert "Traceback" not in out


# --- alerts work lists ----------------------------------------------------------------------


def test_alerts_since_a_day_are_the_new_ones(sh: Shell) -> None:
    every = sh.json("alerts", *DAY)
    since = sh.json("alerts", *DAY, "--since", "2026-03-20")
    assert since == [row for row in every if row["since"] >= "2026-03-20"]
    assert 0 < len(since) < len(every)
    assert sh.json("alerts", *DAY, "--since", "2026-03-31") == [
        row for row in every if row["since"] == "2026-03-31"
    ]


def test_alerts_since_after_the_as_of_date_is_refused(sh: Shell) -> None:
    out = sh.fails("alerts", *DAY, "--since", "2026-04-01", code=2)
    assert "2026-04-01 is after the as-of date 2026-03-31" in " ".join(out.split())


def test_alerts_are_most_urgent_first(sh: Shell) -> None:
    rows = sh.json("alerts", *DAY)
    keys = [(row["since"], row["youth"], row["alert"]) for row in rows]
    assert keys == sorted(keys)
    assert rows[0]["since"] == min(row["since"] for row in rows)


def test_releasing_within_on_alerts(sh: Shell) -> None:
    rows = sh.json("alerts", *DAY, "--releasing-within", "30")
    assert {(row["youth"], row["alert"]) for row in rows} == {
        ("Y-5", "release-unprepared"),
        ("Y-8", "contact-lost"),
        ("Y-8", "release-overdue"),
    }


# --- the probation service's list -----------------------------------------------------------


def test_the_spip_caseload_is_everyone_in_custody_or_supervised(sh: Shell) -> None:
    rows = sh.json("caseload", *DAY, "--organisation", "spip-35")
    by_youth = {row["youth"]: row for row in rows}
    assert list(by_youth) == ["Y-5", "Y-6", "Y-7", "Y-8"]  # EX-1 and Y-2 are released
    assert {y: (r["organisation"], r["custody"]) for y, r in by_youth.items()} == {
        "Y-5": ("we-ker", "in-custody"),
        "Y-6": (None, "in-custody"),  # not reached by the action yet
        "Y-7": (None, "community"),  # support closed
        "Y-8": ("ml-redon", "in-custody"),
    }
    facility = ("--organisation", "spip-35", "--facility", "ma-saint-malo")
    assert youths(sh, "caseload", *facility) == ["Y-6"]


def test_the_spip_caseload_table_says_none_for_no_mission_locale(sh: Shell) -> None:
    out = sh.ok("caseload", *DAY, "--organisation", "spip-35")
    line = next(text for text in out.splitlines() if text.startswith("Y-6 "))
    assert line.split()[1] == "none"


def test_the_spip_alerts_are_those_of_release_preparation(sh: Shell) -> None:
    rows = sh.json("alerts", *DAY, "--organisation", "spip-35")
    found = {(row["youth"], row["alert"]) for row in rows}
    assert {row["alert"] for row in rows} <= set(SPIP_ALERTS)
    assert {
        ("EX-1", "dry-release"),
        ("Y-2", "dry-release"),
        ("Y-6", "no-support"),
        ("Y-7", "no-support"),
        ("Y-8", "release-overdue"),
    } <= found
    every = {(row["youth"], row["alert"]) for row in sh.json("alerts", *DAY)}
    assert ("EX-1", "contact-lost") in every - found  # a Mission Locale's alert only
    assert found == {pair for pair in every if pair[1] in SPIP_ALERTS}


def test_the_spip_has_no_alert_outside_its_list(sh: Shell) -> None:
    out = sh.fails("alerts", "--organisation", "spip-35", "--alert", "contact-lost", code=2)
    assert "'contact-lost' is not one of the probation service's alerts" in out


# --- the youth card ---------------------------------------------------------------------------


def card(sh: Shell, youth: str, *args: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(sh.ok("youth", youth, *args, "--json"))
    return found


def test_the_card_of_the_worked_example_after_its_release(sh: Shell) -> None:
    found = card(sh, "EX-1", *DAY)
    head = 1 + 6 + len(YOUTHS)  # the first admin, the worked example, the youths of this file
    assert (found["youth"], found["as_of"], found["position"]) == ("EX-1", "2026-03-31", head)
    assert (found["residence"], found["territory"]) == ("saint-malo", "rennes")
    assert (found["birth_year"], found["age"]) == (2005, None)
    assert "birth_date" not in found
    assert "name" not in found
    assert found["support"] == {
        "status": "active",
        "organisation": "ml-saint-malo",
        "organisation_since": "2026-01-14",
        "counsellor": "c-sm-1",
        "counsellor_since": "2026-01-14",
        "closed_on": None,
    }
    assert found["custody"] is None
    assert found["last_release"] == {"on": "2026-03-10", "kind": "end-of-sentence",
                                     "destination": "rennes"}  # fmt: skip
    assert found["release_plan"] is None
    assert found["rights_obtained"] == []
    assert "id-document" in found["rights_missing"]
    assert (found["last_contact_on"], found["days_since_contact"]) == (None, None)
    alerts = sh.json("alerts", *DAY, "--youth", "EX-1")
    assert {(a["alert"], a["since"], a["reason"]) for a in found["alerts"]} == {
        (a["alert"], a["since"], a["reason"]) for a in alerts
    }


def test_the_card_in_custody(sh: Shell) -> None:
    found = card(sh, "Y-8", *DAY)
    assert found["custody"] == {
        "facility": "cp-rennes-vezin",
        "since": "2026-01-10",
        "status": "sentenced",
        "sentence_band": None,
        "expected_release_on": "2026-03-20",
        "days_left": -11,
    }
    assert found["release_plan"] == {
        "validated_on": "2026-03-01",
        "housing": True,
        "income": False,
        "id_document": True,
        "health_cover": True,
        "first_appointment_on": "2026-03-25",
        "complete": False,
    }
    assert found["rights_obtained"] == [{"right": "id-document", "on": "2026-02-10"}]
    assert found["care_referrals"] == [{"service": "csapa", "on": "2026-02-12"}]
    assert (found["last_contact_on"], found["days_since_contact"]) == ("2026-01-12", 78)
    assert [a["alert"] for a in found["alerts"]] == ["contact-lost", "release-overdue"]


def test_the_card_as_a_table(sh: Shell) -> None:
    out = sh.ok("youth", "Y-8", *DAY)
    lines = out.splitlines()
    assert "age            21 or 22 (born in 2004)" in lines
    assert (
        "custody        cp-rennes-vezin since 2026-01-10, sentenced; expected release "
        "2026-03-20 (passed 11 days ago, release not recorded)"
    ) in lines
    assert (
        "release plan   validated 2026-03-01 (incomplete): housing yes, income no, ID yes, "
        "health cover yes; first appointment 2026-03-25"
    ) in lines
    assert "last contact   2026-01-12 (78 days ago)" in lines
    assert any(line.startswith("alerts         contact-lost since ") for line in lines)
    assert any(line.startswith("               release-overdue since ") for line in lines)


def test_the_card_of_a_youth_nobody_follows_yet(sh: Shell) -> None:
    found = card(sh, "Y-6", *DAY)
    assert found["support"]["status"] == "not-started"
    assert found["support"]["organisation"] is None
    out = sh.ok("youth", "Y-6", *DAY)
    assert "support        not started: no Mission Locale follows the young person" in out


def test_the_card_with_the_personal_fields(sh: Shell) -> None:
    found = card(sh, "EX-1", *DAY, "--with-personal")
    assert (found["birth_date"], found["name"], found["age"]) == ("2005-02-10", None, 21)
    out = sh.ok("youth", "EX-1", *DAY, "--with-personal")
    assert "age            21" in out.splitlines()
    assert "birth date     2005-02-10" in out.splitlines()


def test_the_card_as_known_at_a_position(sh: Shell) -> None:
    # at @5 the release of EX-1 was not recorded yet
    found = card(sh, "EX-1", *DAY, "--known-at", "@5")
    assert (found["known_at"], found["position"]) == ("@5", 5)
    assert found["custody"]["facility"] == "ma-saint-malo"
    assert found["last_release"] is None
    assert "release-overdue" in {a["alert"] for a in found["alerts"]}


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (("Y-404",), 1, "Y-404 is not registered in this store"),
        (("Y-404", "--known-at", "@3"), 1, "Y-404 is not registered in this store as known at @3"),
        (("Y-5", "--as-of", "2026-02-15"), 1, "Y-5 was registered on 2026-03-01, after 2026-02-15"),
        (("jean-dupont",), 2, "'jean-dupont' is not a young person's reference"),
    ],
)
def test_the_card_of_nobody_says_why(
    sh: Shell, args: tuple[str, ...], code: int, says: str
) -> None:
    out = sh.fails("youth", *args, code=code)
    assert says in " ".join(out.split())
    assert "Traceback" not in out


def test_erase_and_acknowledge_say_what_is_wrong_before_asking(tmp_path: Path) -> None:
    """A reason in free text, an unknown youth: said plainly, before the confirmation
    (it asked first, then said the youth must be registered, or showed pydantic's
    pattern); acknowledging for an unknown youth says so, not that no alert is open."""
    shell = Shell(tmp_path)
    shell.load(FIXTURES / "worked-example.jsonl")
    before = shell.events()
    out = shell.fails("erase", "EX-1", "--reason", "demande du jeune", "--yes")
    assert "--reason: 'demande du jeune' is not a reason code (lowercase words" in out
    assert "String should match" not in out
    asked = shell("erase", "EX-99", "--reason", "request", stdin="n\n")
    assert asked.exit_code == 1, asked.output
    assert "EX-99 is not registered in this store: nothing to erase" in asked.output
    assert "?" not in asked.output  # (not asked first)
    # each refused erasure is audited, its free-text reason not kept
    rows = [r for r in shell.json("audit") if r["command"] == "erase"]
    assert [(r["outcome"], r["youths"], r["reason"]) for r in rows] == [
        ("refused", ["EX-1"], "(not a code)"),
        ("refused", ["EX-99"], "request"),
    ]
    out = shell.fails("acknowledge", "EX-99", "contact-lost")
    assert "EX-99 is not registered in this store" in out
    assert "no open" not in out
    assert shell.events() == before


def test_a_negative_setting_and_a_bad_language_are_said_plainly(tmp_path: Path) -> None:
    """`settings set NAME -4` reaches the rule (click took -4 for an option); a bad
    $PATHWAYS_LANG is named (click blamed a --lang nobody typed)."""
    shell = Shell(tmp_path)
    out = shell.fails("settings", "set", "contact-lost.days", "-4")
    assert "contact-lost.days = -4: expected a whole number of days, from 1 to 3650" in out
    out = shell.fails("settings", "set", "contact-lost.days", "-4", "--on", "2026-01-01")
    assert "SettingChanged on 2026-01-01: contact-lost.days = -4" in out
    out = shell.fails("--lang", "fr", "settings", "set", "contact-lost.days", "-4", "--on",
                      "2026-01-01")  # fmt: skip
    assert "SettingChanged du 1er janvier 2026 : contact-lost.days = -4 : un nombre entier" in out
    assert "No such option '--onn'" in shell.fails(
        "settings", "set", "contact-lost.days", "--onn", "2026-01-01", "4", code=2
    )
    result = shell("alerts", env={"PATHWAYS_LANG": "de"})
    assert result.exit_code == 2
    assert "$PATHWAYS_LANG is 'de': the languages are fr, en" in result.output
    assert "Invalid value for '--lang'" in shell.fails("--lang", "de", "alerts", code=2)


def test_the_card_of_an_erased_youth_is_refused(tmp_path: Path) -> None:
    shell = Shell(tmp_path)
    shell.load(FIXTURES / "worked-example.jsonl")
    shell.ok("erase", "EX-1", "--reason", "request", "--yes")
    assert "EX-1 was erased" in shell.fails("youth", "EX-1")
    assert "EX-1 was erased" in shell.fails("caseload", "--youth", "EX-1", code=2)
