"""`pathways report` on a demo cohort: drawn in a real browser, offline, private, exact.

The store (a SQLite file, 150 youths up to 27 November 2026) is written once with
`pathways.demo.write_demo`; the reports are written through click's CliRunner with
$PATHWAYS_DB and $PATHWAYS_MASTER_KEY, always with `--as-of 2026-11-27`.

The browser tests open the file in headless Chromium (Debian's `chromium`), each run
with a fresh profile; they are skipped when it is missing, unless
$PATHWAYS_REQUIRE_BROWSER is set (CI), in which case they fail (tests/reporting.py).
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import pathways.crypto
from conftest import ADMIN, add_admin
from pathways import demo
from pathways.application import Pathways
from pathways.cli import cli
from pathways.domain.events import Released, YouthRegistered
from pathways.domain.outcomes import COMMUNITY_INDICATORS, DELAYS, RELEASE_INDICATORS
from pathways.i18n import long_date, using
from pathways.projections import attach
from pathways.report import glossary
from pathways.report.i18n import TEXT, label
from pathways.report.timing import TREND_INDICATORS
from pathways.store import open_store
from reporting import Page, browse, chromium

END = date(2026, 11, 27)
PERIOD = ["--from", "2025-01-01", "--to", "2026-06-30", "--as-of", END.isoformat()]
LANGS = ("fr", "en")
#: The only absolute URLs a report may hold: the namespaces of its inline SVG charts.
SVG_NAMESPACES = {
    ("svg", "xmlns"): "http://www.w3.org/2000/svg",
    ("svg", "xmlns:xlink"): "http://www.w3.org/1999/xlink",
}
CSP = {
    "default-src": ["'none'"],
    "style-src": ["'unsafe-inline'"],
    "script-src": ["'unsafe-inline'"],
    "img-src": ["data:"],
}


# --- the store and its reports -----------------------------------------------------------


@dataclass
class Built:
    path: Path
    key: str
    summary: demo.Summary
    #: every youth's reference -> (birth date, name or None), read back through the store
    youths: dict[str, tuple[date, str | None]]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    key = pathways.crypto.new_master_key()
    path = tmp_path_factory.mktemp("report") / "demo.sqlite3"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATHWAYS_MASTER_KEY", key)
        patch.delenv("PATHWAYS_KEY_FILE", raising=False)
        store = open_store(str(path), create=True)
        app = Pathways(store, today=lambda: END)
        views = attach(app)
        add_admin(app)
        summary = demo.write_demo(app, youth=150, seed=35, end=END)
        references = sorted(
            {r.event.youth for r in store.iter_log() if isinstance(r.event, YouthRegistered)}
        )
        youths = {}
        for reference in references:
            registered = next(
                line.recorded.event
                for line in app.history(reference)
                if isinstance(line.recorded.event, YouthRegistered)
            )
            youths[reference] = (registered.birth_date, registered.name)
        views.projection.close()
        store.close()
    assert len(youths) == summary.youths == 150
    assert sum(name is not None for _, name in youths.values()) > 0  # names are checked too
    return Built(path, key, summary, youths)


def environment(built: Built, db: Path | None = None) -> dict[str, str | None]:
    return {
        "PATHWAYS_DB": str(db or built.path),
        "PATHWAYS_MASTER_KEY": built.key,
        "PATHWAYS_KEY_FILE": None,
        "PATHWAYS_ACTOR": ADMIN,
    }


def run(env: dict[str, str | None], *args: str) -> str:
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def write_report(env: dict[str, str | None], out: Path, *args: str) -> str:
    run(env, "report", *args, "--out", str(out))
    return out.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def reports(built: Built, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The French report (chosen by the command line's language, as a French user's locale
    would) and the English one (`report --lang en`), over the same period."""
    folder = tmp_path_factory.mktemp("reports")
    env = environment(built)
    write_report({**env, "PATHWAYS_LANG": "fr"}, folder / "rapport.html", *PERIOD)
    write_report(env, folder / "report.html", *PERIOD, "--lang", "en")
    return {"fr": folder / "rapport.html", "en": folder / "report.html"}


@pytest.fixture(scope="module")
def outcomes_json(built: Built) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(
        run(environment(built), "outcomes", *PERIOD, "--by", "territory", "--json")
    )
    return rows


# --- reading the HTML --------------------------------------------------------------------


@pytest.fixture(scope="module")
def pages(reports: dict[str, Path]) -> dict[str, Page]:
    return {lang: Page(path.read_text(encoding="utf-8")) for lang, path in reports.items()}


def quarter_name(code: str, lang: str) -> str:
    """2026-Q1 as the report shows it: T1 2026, Q1 2026."""
    year, quarter = code.split("-Q")
    return f"T{quarter} {year}" if lang == "fr" else f"Q{quarter} {year}"


def percent(value: float, lang: str) -> str:
    """A rate to the percent, half up, from the decimal Python writes (0.125: 13 %)."""
    whole = (Decimal(repr(value)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"{whole}\u202f%" if lang == "fr" else f"{whole}%"


# --- in a browser --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Path:
    return chromium()


@pytest.mark.parametrize("lang", LANGS)
def test_every_chart_is_drawn_in_chromium_without_a_console_message(
    browser: Path, reports: dict[str, Path], tmp_path: Path, lang: str
) -> None:
    from PIL import Image

    url = reports[lang].resolve().as_uri()
    screenshot = tmp_path / "report.png"
    shot = browse(
        browser,
        tmp_path / "profile-1",
        f"--screenshot={screenshot}",
        "--window-size=1200,6000",
        url,
    )
    assert shot.console() == []
    assert screenshot.stat().st_size > 50_000
    with Image.open(screenshot) as image:
        assert image.format == "PNG"
        assert image.size == (1200, 6000)
        rgb = image.convert("RGB")
        assert rgb.getpixel((20, 20)) == (0x1F, 0x5F, 0xA8)  # the header: the styles applied
        assert len(rgb.getcolors(maxcolors=1 << 20) or []) > 100  # text and charts, not blank

    dumped = browse(browser, tmp_path / "profile-2", "--dump-dom", "--window-size=1200,6000", url)
    assert dumped.console() == []
    root = re.search(r"<html\b[^>]*>", dumped.stdout)
    assert root is not None, dumped.stdout[:500]
    assert "data-errors" not in root.group(0)
    charts = re.search(r'data-charts="(\d+)/(\d+)"', root.group(0))
    assert charts is not None, root.group(0)
    drawn, total = int(charts.group(1)), int(charts.group(2))
    assert drawn == total >= 10
    assert total == reports[lang].read_text(encoding="utf-8").count('<figure class="chart"')


def test_the_console_check_sees_errors_and_blocked_loads(browser: Path, tmp_path: Path) -> None:
    """The check above can fail: an error, a throw and a load blocked by the policy show."""
    page = tmp_path / "bad.html"
    page.write_text(
        '<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; script-src 'unsafe-inline'\"></head><body>"
        '<script>console.error("boom"); missing();</script>'
        '<img src="https://example.invalid/x.png"></body></html>',
        encoding="utf-8",
    )
    lines = browse(browser, tmp_path / "profile", "--dump-dom", page.as_uri()).console()
    assert any("boom" in line for line in lines), lines
    assert any("Uncaught" in line and "missing" in line for line in lines), lines
    assert any("example.invalid" in line for line in lines), lines


# --- offline ---------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_the_file_loads_nothing_from_the_network(
    reports: dict[str, Path], pages: dict[str, Page], lang: str
) -> None:
    text = reports[lang].read_text(encoding="utf-8")
    page = pages[lang]
    kinds = {tag for tag, _ in page.tags}
    assert not kinds & {
        "link", "base", "iframe", "frame", "frameset", "object", "embed", "applet", "portal",
        "video", "audio", "source", "track", "form",
    }  # fmt: skip
    for tag, attributes in page.tags:
        for name, value in attributes.items():
            if (tag, name) in SVG_NAMESPACES:
                assert value == SVG_NAMESPACES[tag, name]
                continue
            if name in ("src", "href", "xlink:href", "srcset", "action", "poster", "data"):
                assert value is not None
                assert value.startswith(("#", "data:")), (tag, name, value)
            if value is not None:
                assert "://" not in value, (tag, name, value)
        if tag == "script":
            assert "src" not in attributes
        if tag == "meta":
            assert (attributes.get("http-equiv") or "").lower() != "refresh"
    # Only fragment (clip paths) and data: targets in url(...), in styles or attributes.
    targets = re.findall(r"url\(\s*['\"]?([^)'\"]*)", text, flags=re.I)
    assert targets  # matplotlib's clip paths
    assert all(t.startswith(("#", "data:")) for t in targets), set(targets)
    assert "@import" not in text
    # No absolute URL anywhere (scripts, styles, data island) but the SVG namespaces.
    rest = text
    for (_tag, name), value in SVG_NAMESPACES.items():
        rest = rest.replace(f'{name}="{value}"', "")
    assert not re.search(r"(https?|ftp|wss?)://", rest, flags=re.I)
    assert not re.search(r"""["'(]\s*//""", rest)  # no protocol-relative URL either
    # The policy forbids any other load.
    policies = [
        a.get("content") or ""
        for t, a in page.tags
        if t == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy"
    ]
    assert len(policies) == 1
    directives = {
        name: values
        for name, *values in (part.split() for part in policies[0].split(";") if part.strip())
    }
    assert directives == CSP
    for _, script in page.scripts:
        assert not re.search(r"\b(fetch|XMLHttpRequest|WebSocket|import\s*\(|sendBeacon)", script)


@pytest.mark.parametrize("lang", LANGS)
def test_ids_are_unique_and_every_reference_inside_the_file(
    reports: dict[str, Path], pages: dict[str, Page], lang: str
) -> None:
    """Eighteen inline charts in one page: an id twice would clip one chart with another's box."""
    ids = [a["id"] for _, a in pages[lang].tags if a.get("id")]
    assert len(ids) == len(set(ids))
    text = reports[lang].read_text(encoding="utf-8")
    referred = set(re.findall(r'(?:url\(#|href="#)([^)"]+)', text))
    assert referred
    assert referred <= set(ids)


# --- private ---------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_no_reference_birth_date_name_or_individual_row(
    built: Built, reports: dict[str, Path], pages: dict[str, Page], lang: str
) -> None:
    text = reports[lang].read_text(encoding="utf-8")
    assert not re.search(r"Y-\d{4}-\d{4}", text)  # the demo's references, whatever they are
    for reference, (birth, name) in built.youths.items():
        assert reference not in text
        assert birth.isoformat() not in text
        assert birth.strftime("%d/%m/%Y") not in text
        with using(lang):
            assert long_date(birth) not in text  # the report's dates in prose
        if name is not None:
            assert name not in text
            assert name.upper() not in text
    # The data island holds aggregates only.
    island = pages[lang].island()
    assert set(island) == {"meta", "names", "outcomes_by_territory", "outcomes_by_quarter",
                           "community_by_territory", "compare_by_measure"}  # fmt: skip
    allowed = {
        "indicator", "group", "territory", "quarter", "n", "window_days", "k", "rate",
        "ci_low", "ci_high", "suppressed", "median", "q1", "q3", "censored", "reference",
        "n_reference", "rate_reference", "difference", "flagged", "warning", "secondary",
    }  # fmt: skip
    keys = ("outcomes_by_territory", "outcomes_by_quarter", "community_by_territory",
            "compare_by_measure")  # fmt: skip
    for key in keys:
        for row in island[key]:
            assert set(row) <= allowed, row
            assert row["suppressed"] or row["n"] >= island["meta"]["min_n"]


# --- exact -------------------------------------------------------------------------------


def test_the_figures_are_those_of_outcomes_json(
    pages: dict[str, Page], outcomes_json: list[dict[str, Any]]
) -> None:
    fr, en = pages["fr"].island(), pages["en"].island()
    assert fr["outcomes_by_territory"] == outcomes_json
    assert en == {**fr, "meta": en["meta"]}  # the figures do not depend on the language
    assert fr["meta"] == en["meta"]
    assert fr["meta"] == {
        "as_of": END.isoformat(),
        "known_at": None,
        "position": fr["meta"]["position"],
        "from": "2025-01-01",
        "to": "2026-06-30",
        "min_n": 5,
    }
    suppressed = [r for r in outcomes_json if r["suppressed"]]
    shown = [r for r in outcomes_json if not r["suppressed"] and r.get("rate") is not None]
    assert suppressed
    assert shown
    assert all(r.get("k") is None and r.get("rate") is None for r in suppressed)


@pytest.mark.parametrize("lang", LANGS)
def test_the_tables_and_charts_show_those_figures_small_groups_withheld(
    pages: dict[str, Page], outcomes_json: list[dict[str, Any]], lang: str
) -> None:
    t = TEXT[lang]
    page = pages[lang]
    names = page.island()["names"][lang]["territory"]  # the tables and charts show names
    found = page.by_heading(t["indicators"])
    checked = withheld = 0
    for code in RELEASE_INDICATORS:
        blocks = found[label(code, lang)]
        rows = [r for r in outcomes_json if r["indicator"] == code]
        table = blocks["table"]
        assert len(table) == len(rows)
        for row in rows:
            name = t["department"] if row["group"] == "all" else names[row["group"]]
            cells = table[name]
            assert cells[1] == str(row["n"])
            if row["suppressed"]:
                assert cells[2:] == ["*", "*", "*"], (code, cells)
                withheld += 1
            else:
                interval = f"{percent(row['ci_low'], lang)} – {percent(row['ci_high'], lang)}"
                assert cells[2:] == [str(row["k"]), percent(row["rate"], lang), interval]
                checked += 1
        # The chart names the groups that are shown, and only them.
        groups = [r for r in rows if r["group"] != "all"]
        visible = {names[r["group"]] for r in groups if not r["suppressed"]}
        if visible:
            texts = set(blocks["figure"])
            assert visible <= texts, code
            assert not texts & {names[r["group"]] for r in groups if r["suppressed"]}, code
        else:
            assert "figure" not in blocks
    assert checked >= 20
    assert withheld >= 20


@pytest.mark.parametrize("lang", LANGS)
def test_the_trend_cohort_and_curves_show_those_figures_small_groups_withheld(
    pages: dict[str, Page], outcomes_json: list[dict[str, Any]], lang: str
) -> None:
    t = TEXT[lang]
    page = pages[lang]
    names = page.island()["names"][lang]["territory"]

    # The trend table: the rates by quarter, withheld quarters starred.
    quarters = pages[lang].island()["outcomes_by_quarter"]
    trend = next(c for k, c in page.section(t["trend"]) if k == "table")
    header, *lines = trend
    shown = {quarter_name(r["group"], lang): r["group"] for r in quarters if r["group"] != "all"}
    for line in lines:
        code = next(c for c in RELEASE_INDICATORS if label(c, lang) == line[0])
        for quarter, cell in zip(header[1:], line[1:], strict=True):
            row = next(
                r for r in quarters if r["indicator"] == code and r["group"] == shown[quarter]
            )
            assert cell == ("*" if row["suppressed"] else percent(row["rate"], lang))
    assert any("*" in line for line in lines)

    # The cohort's bar charts leave out the groups that their table shows under 5...
    sizes: dict[str, int] = {}
    bars = 0
    for kind, content in page.section(t["cohort"]):
        if kind == "table":
            sizes = {row[0]: int(row[1]) for row in content[1:] if row[0] != t["total"]}
        elif kind == "figure":
            assert {name for name, n in sizes.items() if n >= 5} <= set(content)
            assert not {name for name, n in sizes.items() if n < 5} & set(content)
            bars += 1
    assert bars == 5  # releases by territory, quarter and measure; community by two
    # ... and the survival curves the territories with under 5 releases.
    small = {
        names[r["group"]]
        for r in outcomes_json
        if r["indicator"] == "met-before-release" and r["group"] != "all" and r["n"] < 5
    }
    assert small
    curves = [c for k, c in page.section(t["survival"]) if k == "figure"]
    assert len(curves) == 2
    for content in curves:
        assert t["department"] in content
        assert not set(content) & small


# --- names, sections, comparisons ---------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_names_not_codes_wherever_a_reader_looks(pages: dict[str, Page], lang: str) -> None:
    page = pages[lang]
    text = page.text()  # tables, headings, sentences and the charts' text; not the island
    names = page.island()["names"][lang]
    assert names["territory"]["outside-35"] == (
        "Hors Ille-et-Vilaine" if lang == "fr" else "Outside Ille-et-Vilaine"
    )
    shown = 0
    for kind in ("territory", "organisation", "measure"):
        for code, name in names[kind].items():
            if name != code:
                assert not re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text), code
            shown += name in text
    for name in (
        "Fougères",
        "Vallons de Vilaine",
        "Mission Locale du Pays de Saint-Malo",
        "We Ker",
        "Job dating au CP de Rennes-Vezin",
        names["territory"]["outside-35"],
    ):
        assert name in text, name  # fmt: skip
    assert shown >= 15
    assert ("T1 2026" if lang == "fr" else "Q1 2026") in text
    assert "2026-Q1" not in text


@pytest.mark.parametrize("lang", LANGS)
def test_community_supervision_has_its_own_section_with_the_figures_of_outcomes(
    built: Built, pages: dict[str, Page], lang: str
) -> None:
    t = TEXT[lang]
    page = pages[lang]
    rows = json.loads(
        run(environment(built), "outcomes", *PERIOD, "--cohort", "community", "--by",
            "territory", "--json")
    )  # fmt: skip
    assert page.island()["community_by_territory"] == rows
    names = page.island()["names"][lang]["territory"]
    found = page.by_heading(t["community_indicators"])
    assert set(found) == {label(code, lang) for code in COMMUNITY_INDICATORS} | {t["delays"]}
    for code in COMMUNITY_INDICATORS:
        table = found[label(code, lang)]["table"]
        for row in (r for r in rows if r["indicator"] == code):
            cells = table[t["department"] if row["group"] == "all" else names[row["group"]]]
            assert cells[1] == str(row["n"])
            shown = "*" if row["suppressed"] else percent(row["rate"], lang)
            assert cells[3] == shown, (code, cells)
    assert "figure" in found[label("incarcerated-within-180d", lang)]
    assert label("incarcerated-within-180d", lang) != label("reincarcerated-within-180d", lang)


def _comparisons(built: Built) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rows = json.loads(run(environment(built), "compare", *PERIOD, "--by", "measure", "--json"))
    main = [r for r in rows if not r["suppressed"] and r["warning"] is None]
    return main, [r for r in rows if r not in main]


@pytest.mark.parametrize("lang", LANGS)
def test_comparisons_without_enough_releases_leave_the_main_table(
    built: Built, pages: dict[str, Page], lang: str
) -> None:
    """In this small cohort no measure has 20 releases on both sides: no table, no chart,
    a sentence instead (tests/integration/test_report_small.py fills the table)."""
    t = TEXT[lang]
    page = pages[lang]
    main, others = _comparisons(built)
    assert main == []
    assert others
    blocks = page.section(t["comparisons"])
    assert [k for k, _ in blocks if k in ("table", "figure")] == []
    paragraphs = [c for k, c in blocks if k == "p"]
    assert t["no_chart_comparisons"].format(enough=20) in paragraphs
    small = sum(not r["suppressed"] for r in others)
    sentence = t["comparisons_others"].format(
        others=len(others), small=small, suppressed=len(others) - small, enough=20, n=5
    )
    assert sentence in paragraphs
    assert any(p.startswith("0 ") for p in paragraphs)  # the chance note: none in the table


@pytest.mark.parametrize("lang", LANGS)
def test_the_others_are_in_the_annex_never_flagged(
    built: Built, pages: dict[str, Page], lang: str
) -> None:
    t = TEXT[lang]
    page = pages[lang]
    _, others = _comparisons(built)
    measures = page.island()["names"][lang]["measure"]
    header, *lines = next(c for k, c in page.section(t["annex"]) if k == "table")
    assert "!" not in header
    assert len(lines) == len(others)
    for line, row in zip(lines, others, strict=True):
        assert line[0] == measures[row["group"]]
        assert "!" not in line
        reason = (
            t["suppressed_comparison"].format(n=5)
            if row["suppressed"]
            else t["small"].format(enough=20)
        )
        assert line[-1] == reason
    assert page.h2()[-1] == t["annex"]


@pytest.mark.parametrize("lang", LANGS)
def test_the_caseload_is_counted_on_the_last_day_of_the_period_and_says_so(
    built: Built, pages: dict[str, Page], lang: str
) -> None:
    t = TEXT[lang]
    page = pages[lang]
    end, as_of = (
        ("30 juin 2026", "27 novembre 2026") if lang == "fr" else ("2026-06-30", "2026-11-27")
    )
    title = t["caseload"].format(date=end)
    assert title in page.h2()
    blocks = page.section(title)
    assert t["caseload_at_end"].format(date=end, as_of=as_of) in [c for k, c in blocks if k == "p"]
    lines = json.loads(
        run(environment(built), "caseload", "--as-of", "2026-06-30", "--json")
    )  # the caseload of that day, as `caseload` gives it
    followed = Counter(line["organisation"] for line in lines)
    alerts: Counter[str] = Counter()
    for line in lines:
        alerts[line["organisation"]] += line["alerts"]
    organisations = page.island()["names"][lang]["organisation"]
    table = {row[0]: row for row in next(c for k, c in blocks if k == "table")[1:]}
    assert len(table) == len(followed)
    for organisation, n in followed.items():
        row = table[t["none_org"] if organisation is None else organisations[organisation]]
        assert row[1] == str(n)
        assert row[2] == (str(alerts[organisation]) if n >= 5 else "*")


@pytest.mark.parametrize("lang", LANGS)
def test_the_definitions_explain_their_notation_in_words(pages: dict[str, Page], lang: str) -> None:
    page = pages[lang]
    text = page.text()
    # No interval notation such as [s, r], [r, r + 30] or (r, r + 180].
    assert not re.search(r"[\[(]\s*[a-z]\s*(\+\s*\d+)?\s*,\s*[a-z]", text)
    for code, words in glossary.INDICATORS.items():
        definition = words[lang][1]
        assert not re.search(r"\[|\]", definition), code
    blocks = page.by_heading(TEXT[lang]["definitions"])
    assert set(blocks) == {TEXT[lang]["reading"], TEXT[lang]["indicator_list"]}
    for code in (*RELEASE_INDICATORS, *COMMUNITY_INDICATORS, *DELAYS):
        name, definition = glossary.INDICATORS[code][lang]
        assert f"{name} {definition}" in text or (name in text and definition in text), code
    for symbol in ("n", "k", "*", "Q1"):
        assert any(symbol in entry[0] for entry in glossary.READING[lang])
    for _, words in glossary.READING[lang]:
        # (as `text` reads it: every space one plain space, "95\u202f%" included)
        assert " ".join(words.format(n=5).split()) in text


@pytest.mark.parametrize("lang", LANGS)
def test_the_trend_is_one_small_chart_per_indicator(pages: dict[str, Page], lang: str) -> None:
    t = TEXT[lang]
    page = pages[lang]
    quarters = page.island()["outcomes_by_quarter"]
    figures = [c for k, c in page.section(t["trend"]) if k == "figure"]
    assert len(figures) == 1
    texts = figures[0]
    drawn = [
        code
        for code in TREND_INDICATORS
        if any(r["indicator"] == code and r["group"] != "all" and not r["suppressed"]
               for r in quarters)
    ]  # fmt: skip
    assert len(drawn) == len(TREND_INDICATORS)
    for code in drawn:
        assert texts.count(label(code, lang)) == 1  # its panel's title
    assert texts.count(t["rate"]) == 2  # two rows of panels, the rate on the left of each


# --- languages and replays ---------------------------------------------------------------------


def test_french_by_default_english_on_request(pages: dict[str, Page]) -> None:
    fr, en = pages["fr"], pages["en"]
    assert ("html", {"lang": "fr"}) in fr.tags
    assert ("html", {"lang": "en"}) in en.tags
    assert ("h2", "Indicateurs par territoire") in fr.blocks
    assert ("h2", "Indicators by territory") in en.blocks
    assert ("h2", "Indicators by territory") not in fr.blocks
    assert ("h2", "Indicateurs par territoire") not in en.blocks
    assert ("h3", "Rencontré avant la sortie") in fr.blocks
    assert [b for b in fr.blocks if b[0] == "h2"] != [b for b in en.blocks if b[0] == "h2"]


def test_known_at_gives_back_the_same_figures_after_more_is_recorded(
    built: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "copy.sqlite3"
    shutil.copy(built.path, db)
    env = environment(built, db)
    period = ["--from", "2025-01-01", "--to", END.isoformat(), "--as-of", END.isoformat()]
    first = Page(write_report(env, tmp_path / "first.html", *period)).island()

    # One more release, recorded after the first report (and inside its period).
    monkeypatch.setenv("PATHWAYS_MASTER_KEY", built.key)
    monkeypatch.delenv("PATHWAYS_KEY_FILE", raising=False)
    store = open_store(str(db), create=True)
    try:
        app = Pathways(store, today=lambda: END)
        inside = None
        for reference in sorted(built.youths):
            steps = [line.recorded.event.type_name() for line in app.history(reference, END)]
            custody = [s for s in steps if s in ("Incarcerated", "Released")]
            if custody and custody[-1] == "Incarcerated":
                inside = reference
                break
        assert inside is not None
        app.record(
            Released(youth=inside, occurred_on=END, kind="end-of-sentence", destination="rennes"),
            "test",
        )
        assert store.head() == first["meta"]["position"] + 1
    finally:
        store.close()

    later = Page(write_report(env, tmp_path / "later.html", *period)).island()
    assert later["meta"]["position"] == first["meta"]["position"] + 1
    everyone = next(
        r
        for r in later["outcomes_by_territory"]
        if r["indicator"] == "met-before-release" and r["group"] == "all"
    )
    before = next(
        r
        for r in first["outcomes_by_territory"]
        if r["indicator"] == "met-before-release" and r["group"] == "all"
    )
    assert everyone["n"] == before["n"] + 1

    position = f"@{first['meta']['position']}"
    replay = Page(
        write_report(
            env,
            tmp_path / "replay.html",
            *period[:4],
            "--as-of",
            first["meta"]["as_of"],
            "--known-at",
            position,
        )
    ).island()
    assert replay["meta"]["known_at"] == position
    assert replay["meta"]["position"] == first["meta"]["position"]
    assert {**replay, "meta": None} == {**first, "meta": None}
