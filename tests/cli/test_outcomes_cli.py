"""`outcomes` and `compare` through click's CliRunner, on a demo cohort.

The store (a SQLite file) is written once with `pathways.demo.write_demo` through the
Python API; the commands then read it with $PATHWAYS_DB and $PATHWAYS_MASTER_KEY.
Every command is given `--as-of 2026-11-27` (the demo's last day), so nothing depends
on the real date.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import pathways.crypto
from conftest import ADMIN, add_admin
from pathways import demo
from pathways.application import Pathways
from pathways.cli import cli
from pathways.domain.outcomes import COMMUNITY_INDICATORS, DELAYS, RELEASE_INDICATORS
from pathways.domain.stats import wilson
from pathways.projections import attach
from pathways.store import open_store

END = date(2026, 11, 27)
PERIOD = ["--from", "2025-01-01", "--to", "2026-06-30", "--as-of", END.isoformat()]
RATE_KEYS = {"indicator", "group", "n", "k", "rate", "ci_low", "ci_high", "suppressed"}
DELAY_KEYS = {"indicator", "group", "n", "median", "q1", "q3", "suppressed"}
COMPARE_KEYS = {
    "indicator",
    "group",
    "reference",
    "n",
    "n_reference",
    "rate",
    "rate_reference",
    "difference",
    "ci_low",
    "ci_high",
    "flagged",
    "suppressed",
    "warning",
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The demo store (120 youths up to 27 November 2026) and its master key."""
    key = pathways.crypto.new_master_key()
    path = tmp_path_factory.mktemp("outcomes-cli") / "demo.sqlite3"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATHWAYS_MASTER_KEY", key)
        patch.delenv("PATHWAYS_KEY_FILE", raising=False)
        store = open_store(str(path), create=True)
        app = Pathways(store, today=lambda: END)
        views = attach(app)
        add_admin(app)
        demo.write_demo(app, 120, 35, END)
        views.projection.close()
        store.close()
    return path, key


@pytest.fixture
def env(built: tuple[Path, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    path, key = built
    monkeypatch.delenv("PATHWAYS_KEY_FILE", raising=False)
    return {"PATHWAYS_DB": str(path), "PATHWAYS_MASTER_KEY": key, "PATHWAYS_ACTOR": ADMIN}


@pytest.fixture
def own_env(built: tuple[Path, str], tmp_path: Path, env: dict[str, str]) -> dict[str, str]:
    """A copy of the demo store, for the tests that write to it."""
    target = tmp_path / "copy.sqlite3"
    shutil.copy(built[0], target)
    return {**env, "PATHWAYS_DB": str(target)}


def run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def ok(env: dict[str, str], *args: str) -> Result:
    result = run(env, *args)
    assert result.exit_code == 0, result.output
    return result


def rows_of(result: Result) -> Any:
    return json.loads(result.stdout)


# --- outcomes ----------------------------------------------------------------------------


def test_outcomes_by_territory_as_json(env: dict[str, str]) -> None:
    rows = rows_of(ok(env, "outcomes", *PERIOD, "--by", "territory", "--json"))
    rates = [r for r in rows if "rate" in r]
    delays = [r for r in rows if "median" in r]
    assert len(rates) + len(delays) == len(rows)
    assert {r["indicator"] for r in rates} == set(RELEASE_INDICATORS)
    assert {r["indicator"] for r in delays} == set(DELAYS)
    groups = {r["group"] for r in rows}
    assert "all" in groups
    assert groups - {"all"} <= {
        "rennes",
        "saint-malo",
        "fougeres",
        "vitre",
        "redon",
        "broceliande",
        "vallons-de-vilaine",
        "outside-35",
    }
    assert len(groups) > 3
    for row in rates:
        assert set(row) >= RATE_KEYS
        assert row["territory"] == row["group"]
        if row["suppressed"]:
            assert (row["k"], row["rate"], row["ci_low"], row["ci_high"]) == (None,) * 4
        else:
            assert row["n"] >= 5
            assert row["rate"] == pytest.approx(row["k"] / row["n"])
            low, high = wilson(row["k"], row["n"])
            assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high))
            assert row["ci_low"] <= row["rate"] <= row["ci_high"]
    for row in delays:
        assert set(row) >= DELAY_KEYS
        if row["suppressed"]:
            assert (row["median"], row["q1"], row["q3"]) == (None, None, None)
    whole = {r["indicator"]: r for r in rows if r["group"] == "all"}
    assert set(whole) == set(RELEASE_INDICATORS) | set(DELAYS)
    assert whole["met-before-release"]["n"] >= 30
    assert whole["met-before-release"]["suppressed"] is False
    by_group = [r for r in rates if r["indicator"] == "met-before-release" and r["group"] != "all"]
    assert sum(r["n"] for r in by_group) == whole["met-before-release"]["n"]
    assert any(r["suppressed"] for r in rates)  # some small territories
    # A withheld k of met-before-release is not given away by days-to-first-contact's n.
    hidden = {
        r["group"] for r in rates if r["indicator"] == "met-before-release" and r["k"] is None
    }
    assert hidden
    for row in delays:
        if row["indicator"] == "days-to-first-contact":
            assert (row["n"] is None) is (row["group"] in hidden), row
    mainstream = whole["days-to-mainstream"]
    assert mainstream["n"] == whole["met-before-release"]["n"]
    assert mainstream["q1"] <= mainstream["median"] <= mainstream["q3"]
    assert isinstance(mainstream["censored"], int)


def test_outcomes_as_a_table_and_as_csv(env: dict[str, str]) -> None:
    result = ok(env, "outcomes", *PERIOD, "--by", "territory")
    assert "met-before-release" in result.stdout
    assert "days-to-mainstream" in result.stdout
    assert "*" in result.stdout  # suppressed rows
    assert "rows with n < 5 are suppressed" in result.stdout
    csv_out = ok(env, "outcomes", *PERIOD, "--csv").stdout
    header = csv_out.splitlines()[0].split(",")
    assert {"indicator", "group", "n", "k", "rate", "ci_low", "ci_high"} <= set(header)


def test_outcomes_crossing_two_groups(env: dict[str, str]) -> None:
    rows = rows_of(ok(env, "outcomes", *PERIOD, "--by", "measure", "--by", "quarter", "--json"))
    crossed = [r for r in rows if r["group"] != "all"]
    assert crossed
    assert all(r["group"] == f"{r['measure']}/{r['quarter']}" for r in crossed)
    assert all(r["measure"] == r["quarter"] == "all" for r in rows if r["group"] == "all")


def test_min_n_can_raise_the_threshold_never_lower_it(env: dict[str, str]) -> None:
    low = run(env, "outcomes", *PERIOD, "--by", "territory", "--min-n", "3", "--json")
    assert low.exit_code == 1
    assert "--min-n 3" in low.output
    assert "5" in low.output
    assert low.stdout == ""
    default = rows_of(ok(env, "outcomes", *PERIOD, "--by", "territory", "--json"))
    same = rows_of(ok(env, "outcomes", *PERIOD, "--by", "territory", "--min-n", "5", "--json"))
    assert same == default
    raised = rows_of(ok(env, "outcomes", *PERIOD, "--by", "territory", "--min-n", "20", "--json"))
    assert sum(r["suppressed"] for r in raised) > sum(r["suppressed"] for r in default)
    for row in raised:
        if row["n"] is not None and row["n"] < 20:
            assert row["suppressed"] is True
    zero = run(env, "outcomes", *PERIOD, "--min-n", "0")
    assert zero.exit_code == 2


def test_the_store_setting_is_the_floor(own_env: dict[str, str]) -> None:
    ok(own_env, "settings", "set", "suppression.min-n", "10", "--on", "2026-11-27")
    below = run(own_env, "outcomes", *PERIOD, "--min-n", "5")
    assert below.exit_code == 1
    assert "10" in below.output
    meta = rows_of(ok(own_env, "outcomes", *PERIOD, "--json", "--with-meta"))["meta"]
    assert meta["min_n"] == 10


def test_with_meta_says_how_the_rows_were_computed(env: dict[str, str]) -> None:
    payload = rows_of(ok(env, "outcomes", *PERIOD, "--by", "territory", "--json", "--with-meta"))
    meta = payload["meta"]
    assert meta["as_of"] == END.isoformat()
    assert isinstance(meta["position"], int)
    assert meta["position"] > 1000
    assert meta["min_n"] == 5
    assert meta["from"] == "2025-01-01"
    assert meta["to"] == "2026-06-30"
    assert meta["cohort"] == "releases"
    whole = next(r for r in payload["rows"] if r["group"] == "all")
    assert meta["cases"] == whole["n"]
    assert payload["rows"] == rows_of(ok(env, "outcomes", *PERIOD, "--by", "territory", "--json"))


def test_known_at_a_position_replays_the_table(own_env: dict[str, str]) -> None:
    payload = rows_of(ok(own_env, "outcomes", *PERIOD, "--json", "--with-meta"))
    position = payload["meta"]["position"]
    before = rows_of(ok(own_env, "outcomes", *PERIOD, "--known-at", f"@{position}", "--json"))
    assert before == payload["rows"]
    late = own_env["PATHWAYS_DB"] + ".jsonl"
    Path(late).write_text(
        "\n".join(
            json.dumps(line)
            for line in [
                {
                    "type": "YouthRegistered",
                    "youth": "LATE-1",
                    "occurred_on": "2025-03-01",
                    "birth_date": "2005-01-01",
                    "residence": "rennes",
                },
                {
                    "type": "Incarcerated",
                    "youth": "LATE-1",
                    "occurred_on": "2025-02-01",
                    "facility": "cp-rennes-vezin",
                    "status": "sentenced",
                },
                {
                    "type": "Released",
                    "youth": "LATE-1",
                    "occurred_on": "2025-04-01",
                    "kind": "conditional-release",
                    "destination": "rennes",
                },
            ]
        )
        + "\n"
    )
    ok(own_env, "import", late)
    now = rows_of(ok(own_env, "outcomes", *PERIOD, "--json"))
    assert now != before
    again = rows_of(ok(own_env, "outcomes", *PERIOD, "--known-at", f"@{position}", "--json"))
    assert again == before


def test_the_community_cohort(env: dict[str, str]) -> None:
    payload = rows_of(
        ok(env, "outcomes", *PERIOD, "--cohort", "community", "--by", "territory", "--json",
           "--with-meta")
    )  # fmt: skip
    assert payload["meta"]["cohort"] == "community"
    assert payload["meta"]["cases"] > 10
    indicators = {r["indicator"] for r in payload["rows"] if "rate" in r}
    assert indicators == set(COMMUNITY_INDICATORS)
    assert "met-before-release" not in indicators
    assert "incarcerated-within-180d" in indicators
    assert any(r["group"] == "all" for r in payload["rows"])
    text = ok(env, "outcomes", *PERIOD, "--cohort", "community")
    assert "community in the period" in text.stdout


def test_to_before_from_is_a_usage_error(env: dict[str, str]) -> None:
    result = run(env, "outcomes", "--from", "2026-06-30", "--to", "2026-01-01", "--json")
    assert result.exit_code == 2
    assert "before" in result.output
    result = run(env, "compare", "--from", "2026-06-30", "--to", "2026-01-01", "--by", "measure")
    assert result.exit_code == 2
    assert run(env, "outcomes", "--from", "2026-01-01").exit_code == 2  # --to is required
    assert run(env, "outcomes", "--from", "2026-13-01", "--to", "2026-12-31").exit_code == 2
    assert run(env, "outcomes", *PERIOD, "--by", "offence").exit_code == 2


# --- compare -----------------------------------------------------------------------------


def test_compare_measures_as_json_with_the_note_on_chance(env: dict[str, str]) -> None:
    result = ok(env, "compare", "--from", "2025-01-01", "--to", "2026-11-27", "--as-of",
                END.isoformat(), "--by", "measure", "--json")  # fmt: skip
    rows = rows_of(result)
    assert rows
    assert {r["group"] for r in rows} <= {
        "job-dating-vezin",
        "passerelle-saint-malo",
        "code-de-la-route-vezin",
    }
    assert {r["indicator"] for r in rows} == set(RELEASE_INDICATORS)
    shown = [r for r in rows if not r["suppressed"]]
    assert shown
    for row in rows:
        assert set(row) >= COMPARE_KEYS
        assert row["reference"].startswith("none (")
        if row["suppressed"]:
            assert (row["difference"], row["ci_low"], row["ci_high"]) == (None,) * 3
            assert row["flagged"] is False
        else:
            assert row["ci_low"] <= row["difference"] <= row["ci_high"]
            assert row["difference"] == pytest.approx(row["rate"] - row["rate_reference"])
            assert row["flagged"] is (row["ci_low"] > 0 or row["ci_high"] < 0)
    assert "by chance" in result.stderr
    enough = [r for r in shown if r["warning"] is None]
    assert f"{len(enough)} comparisons on enough releases" in result.stderr
    small = len(shown) - len(enough)
    assert (f"{small} more, on too few releases," in result.stderr) is (small > 0)
    payload = rows_of(
        ok(env, "compare", "--from", "2025-01-01", "--to", "2026-11-27", "--as-of",
           END.isoformat(), "--by", "measure", "--json", "--with-meta")
    )  # fmt: skip
    meta = payload["meta"]
    assert "by chance" in meta["note"]
    assert meta["comparisons"] == len(enough)
    assert meta["too_few"] == small
    assert meta["expected_by_chance"] == pytest.approx(0.05 * len(enough))
    assert meta["flagged"] == sum(r["flagged"] for r in enough)


def test_compare_territories_as_a_table(env: dict[str, str]) -> None:
    result = ok(env, "compare", *PERIOD, "--by", "territory")
    assert "not rennes" in result.stdout
    assert "by chance" in result.stdout
    assert re.search(r"[+-]\d+% to [+-]\d+%", result.stdout)
    # in French: the interval and its percents as French writes them, the warning
    in_french = ok(env, "--lang", "fr", "compare", *PERIOD, "--by", "territory")
    french = in_french.stdout
    assert re.search(r"[+-]\d+\u202f% à [+-]\d+\u202f%", french), french
    # "95 %" spaced as its figures are (a narrow no-break space: never cut from its %)
    assert "IC 95\u202f%" in french
    assert "95 %" not in french + in_french.stderr
    # the meta line counts comparisons (feminine plural), not a row's flag
    assert re.search(r"comparaisons : \d+  signalées : \d+  attendues", in_french.stderr)
    assert "% to " not in french
    assert "hors rennes" in french  # (the reference: the other territories)
    assert re.search(r"environ \d,\d le seraient par le seul hasard", french)  # (0,4)
    assert "too few releases to say anything (n < " in result.stdout
    assert "trop peu de sorties pour conclure (n < " in french
    rows = rows_of(ok(env, "compare", *PERIOD, "--by", "territory", "--reference", "rennes",
                      "--json"))  # fmt: skip
    assert rows
    assert {r["reference"] for r in rows} == {"rennes"}
    assert "rennes" not in {r["group"] for r in rows}
    within = rows_of(ok(env, "compare", *PERIOD, "--by", "measure", "--within", "rennes",
                        "--json"))  # fmt: skip
    assert all(r["reference"] == "none (rennes)" for r in within)


def test_compare_refuses_a_group_the_reference_data_does_not_know(env: dict[str, str]) -> None:
    """Every comparison against it was withheld (n ref 0), with exit 0 and no word."""
    for args, said in [
        (("--by", "territory", "--reference", "paris"), "--reference: 'paris' is not a territory"),
        (("--by", "measure", "--reference", "rennes"), "--reference: 'rennes' is not a measure"),
        (("--by", "measure", "--within", "paris"), "--within: 'paris' is not a territory"),
    ]:
        result = run(env, "compare", *PERIOD, *args)
        assert result.exit_code == 2, result.output
        assert said in result.output
        assert "(valid: " in result.output
    french = run(env, "--lang", "fr", "compare", *PERIOD, "--by", "measure", "--reference", "x")
    assert "--reference : 'x' n'est pas une mesure (valeurs possibles : none, " in french.output
    assert ok(env, "compare", *PERIOD, "--by", "measure", "--reference", "none", "--json")
