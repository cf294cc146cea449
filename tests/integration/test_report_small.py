"""`pathways report` on small stores built for the purpose, and `--format pdf`.

- a tiny store (six releases, three per territory, none of whose windows is over):
  every chart with nothing to draw is replaced by the sentence that says why, and the
  page still runs without a console message in Chromium;
- a store whose pilot measures have hostile names (HTML, a script, an event handler,
  a "$" that matplotlib would read as mathematics): every path a name takes (HTML
  text, attributes, SVG, the data island) keeps it text, and Chromium runs none of it;
  it also fills the main comparison table (22 releases against 22);
- the PDF, printed by headless Chromium, and the clear refusal when there is none.

The stores are written with `pathways import` (JSON Lines) through click's CliRunner.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pathways.domain.outcomes import RELEASE_INDICATORS
from pathways.report import charts
from pathways.report.i18n import TEXT, label
from pathways.report.timing import TREND_INDICATORS
from reporting import Dom, Page, browse, chromium
from shell import Shell

LANGS = ("fr", "en")
#: The name the issue asks for, and one that would run through an event handler.
SCRIPT_NAME = "</script><script>alert(1)</script>"
HANDLER_NAME = (
    '"><img src=x onerror="document.documentElement.setAttribute(\'data-pwned\',1)"> & $x^2$ <!--'
)


def lines_of(
    youth: str,
    territory: str,
    organisation: str,
    released: str,
    *,
    contact: bool = False,
    measure: str | None = None,
) -> Iterator[dict[str, Any]]:
    """One youth's pathway: a custody from a month before the registration to `released`."""
    year, month, _ = released.split("-")
    start = f"{year}-{int(month) - 2:02d}-10"
    registered = f"{year}-{int(month) - 2:02d}-20"

    def line(type_: str, on: str, **fields: Any) -> dict[str, Any]:
        return {"type": type_, "youth": youth, "occurred_on": on, **fields}

    yield line("Incarcerated", start, facility="cp-rennes-vezin", status="sentenced")
    yield line("YouthRegistered", registered, birth_date="2003-06-15", residence=territory)
    yield line("SupportStarted", registered, organisation=organisation, counsellor="c-1")
    if measure is not None:
        yield line("EnrolledInMeasure", f"{year}-{int(month) - 2:02d}-25", measure=measure)
    if contact:
        yield line("ContactMade", f"{year}-{int(month) - 1:02d}-01", channel="in-prison")
    yield line("Released", released, kind="end-of-sentence", destination=territory)


def store(folder: Path, rows: list[dict[str, Any]]) -> Shell:
    sh = Shell(folder)
    path = folder / "cohort.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    sh.load(path)
    return sh


def write(sh: Shell, out: Path, *args: str) -> str:
    sh.ok("report", *args, "-o", str(out))
    return out.read_text(encoding="utf-8")


# --- a tiny store: nothing to draw, said in words --------------------------------------------

TINY = ["--from", "2026-04-01", "--to", "2026-06-30", "--as-of", "2026-05-25"]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Shell:
    rows: list[dict[str, Any]] = []
    for i in range(6):
        territory, organisation = ("rennes", "we-ker") if i < 3 else ("saint-malo", "ml-saint-malo")
        rows += lines_of(f"T-{i}", territory, organisation, "2026-05-01", contact=i % 2 == 0)
    return store(tmp_path_factory.mktemp("tiny"), rows)


@pytest.fixture(scope="module")
def tiny_reports(tiny: Shell) -> dict[str, Path]:
    found = {}
    for lang in LANGS:
        found[lang] = tiny.tmp_path / f"tiny-{lang}.html"
        write(tiny, found[lang], *TINY, "--lang", lang)
    return found


@pytest.mark.parametrize("lang", LANGS)
def test_a_chart_with_nothing_to_draw_says_why(tiny_reports: dict[str, Path], lang: str) -> None:
    t = TEXT[lang]
    page = Page(tiny_reports[lang].read_text(encoding="utf-8"))
    sentences = [c for k, c in page.blocks if k == "p"]
    n = 5
    expected = {
        "cohort": [t["no_chart_sizes"].format(n=n), t["no_community"]],
        "indicators": [t["no_chart_rates"].format(n=n), t["no_chart_none"]],
        "community": [t["no_community"]],
        "comparisons": [t["no_comparisons"]],
        "caseload": [
            t["no_chart_caseload"].format(n=n),
            t["caseload_at_as_of"].format(
                date="25 mai 2026" if lang == "fr" else "2026-05-25",
                to="30 juin 2026" if lang == "fr" else "2026-06-30",
            ),
        ],
    }
    for wanted in expected.values():
        for sentence in wanted:
            assert sentence in sentences, sentence
    # Three per territory: every rate withheld, so no rate is drawn at all...
    indicators = page.by_heading(t["indicators"])
    assert all("figure" not in blocks for blocks in indicators.values())
    # ... while the six releases of the quarter draw the trend of what is not withheld:
    # not the indicators whose window is not over.
    left_out = [label(c, lang) for c in TREND_INDICATORS if RELEASE_INDICATORS[c] is not None]
    note = t["trend_left_out"].format(names=", ".join(left_out))
    assert note in sentences
    assert [k for k, _ in page.section(t["trend"])].count("figure") == 1
    # Every figure left has something drawn in it.
    figures = [c for k, c in page.blocks if k == "figure"]
    assert figures
    assert all(figures)


@pytest.mark.parametrize("lang", LANGS)
def test_a_curve_stops_where_nobody_is_followed_any_more(
    tiny_reports: dict[str, Path], lang: str
) -> None:
    """The six releases are followed 24 days: no curve runs on to day 365."""
    t = TEXT[lang]
    page = Page(tiny_reports[lang].read_text(encoding="utf-8"))
    curves = [c for k, c in page.section(t["survival"]) if k == "figure"]
    assert len(curves) == 2
    for texts in curves:
        ticks = [int(text) for text in texts if re.fullmatch(r"\d+", text)]
        assert max(ticks) == 30  # the axis: 0 to 30 days, not to 365
    xs, ys = charts.steps([10.0, 20.0], [0.8, 0.6], last=24, horizon=365)
    assert xs == [0.0, 10.0, 20.0, 24.0]
    assert ys == [1.0, 0.8, 0.6, 0.6]
    xs, _ = charts.steps([10.0, 400.0], [0.8, 0.6], last=500, horizon=365)
    assert xs == [0.0, 10.0, 365.0]


@pytest.mark.parametrize("lang", LANGS)
def test_the_tiny_report_runs_in_chromium_without_a_console_message(
    tiny_reports: dict[str, Path], tmp_path: Path, lang: str
) -> None:
    browser = chromium()
    url = tiny_reports[lang].resolve().as_uri()
    dumped = browse(browser, tmp_path / "profile", "--dump-dom", "--window-size=1200,4000", url)
    assert dumped.console() == []
    dom = Dom(dumped.stdout)
    root = dom.root()
    assert "data-errors" not in root
    drawn, total = (int(x) for x in str(root["data-charts"]).split("/"))
    assert drawn == total == sum(tag == "figure" for tag, _ in dom.elements) >= 3
    sentences = [a for tag, a in dom.elements if tag == "p" and a.get("class") == "no-chart"]
    assert len(sentences) >= 8
    shot = tmp_path / "tiny.png"
    browse(browser, tmp_path / "profile-2", f"--screenshot={shot}", "--window-size=1200,3000", url)
    assert shot.stat().st_size > 20_000


# --- hostile names -----------------------------------------------------------------------------

NAMED = ["--from", "2025-01-01", "--to", "2025-06-30", "--as-of", "2025-12-31"]


@pytest.fixture(scope="module")
def named(tmp_path_factory: pytest.TempPathFactory) -> Shell:
    rows: list[dict[str, Any]] = [
        {"type": "MeasureLaunched", "occurred_on": "2025-01-01", "code": code, "name": name,
         "territory": "rennes"}
        for code, name in (("evil-script", SCRIPT_NAME), ("evil-handler", HANDLER_NAME))
    ]  # fmt: skip
    # 22 enrolled in evil-script (half met in custody), 6 in evil-handler (all met: a big
    # difference, on too few releases), 22 in none (never met).
    for i in range(50):
        measure = "evil-script" if i < 22 else "evil-handler" if i < 28 else None
        contact = (i < 22 and i % 2 == 0) or measure == "evil-handler"
        rows += lines_of(f"N-{i}", "rennes", "we-ker", "2025-03-01", contact=contact,
                         measure=measure)  # fmt: skip
    return store(tmp_path_factory.mktemp("named"), rows)


@pytest.fixture(scope="module")
def named_reports(named: Shell) -> dict[str, str]:
    return {
        lang: write(named, named.tmp_path / f"named-{lang}.html", *NAMED, "--lang", lang)
        for lang in LANGS
    }


@pytest.mark.parametrize("lang", LANGS)
def test_a_name_stays_text_on_every_path(named_reports: dict[str, str], lang: str) -> None:
    t = TEXT[lang]
    raw = named_reports[lang]
    assert raw.count("<script") == 2  # the data island and the chart check, nothing else
    for name in (SCRIPT_NAME, HANDLER_NAME):
        assert name not in raw
    page = Page(raw)
    assert not any(tag == "img" for tag, _ in page.tags)
    assert not any(a.startswith("on") for _, attrs in page.tags for a in attrs)
    # HTML text: the cohort's table of measures.
    sizes = next(
        {row[0]: row[1] for row in c[1:]}
        for k, c in page.section(t["cohort"])
        if k == "table" and c[0][0] == t["measure"]
    )
    assert sizes[SCRIPT_NAME] == "22"
    assert sizes[HANDLER_NAME] == "6"
    # SVG text: the bars of that table, the title of a comparison chart (a long name is
    # wrapped at its spaces, one <text> a line).
    figures = [" ".join(c) for k, c in page.blocks if k == "figure"]
    assert any(SCRIPT_NAME in texts and HANDLER_NAME in texts for texts in figures)
    assert "$x^2$" in HANDLER_NAME  # drawn as typed, not as mathematics
    chart = next(c for k, c in page.section(t["comparisons"]) if k == "figure")
    assert SCRIPT_NAME in chart
    # An attribute: the chart's accessible name.
    labels = [a.get("aria-label") or "" for tag, a in page.tags if tag == "figure"]
    assert t["comparisons_chart"].format(names=SCRIPT_NAME) in labels
    # The data island.
    names = page.island()["names"][lang]["measure"]
    assert names == {"evil-handler": HANDLER_NAME, "evil-script": SCRIPT_NAME}


@pytest.mark.parametrize("lang", LANGS)
def test_a_flagged_comparison_on_too_few_releases_goes_to_the_annex_unflagged(
    named_reports: dict[str, str], lang: str
) -> None:
    t = TEXT[lang]
    page = Page(named_reports[lang])
    island = page.island()["compare_by_measure"]
    met = {r["group"]: r for r in island if r["indicator"] == "met-before-release"}
    assert met["evil-script"]["flagged"]
    assert met["evil-script"]["warning"] is None
    assert met["evil-handler"]["flagged"]
    assert met["evil-handler"]["warning"] is not None  # flagged, and on 6 releases
    main = next(c for k, c in page.section(t["comparisons"]) if k == "table")
    rows = {(r[0], r[2]): r for r in main[1:]}
    assert rows[SCRIPT_NAME, label("met-before-release", lang)][-1] == "!"
    assert {name for name, _ in rows} == {SCRIPT_NAME}
    annex = next(c for k, c in page.section(t["annex"]) if k == "table")
    handler = [r for r in annex[1:] if r[0] == HANDLER_NAME]
    assert handler
    assert all("!" not in r for r in handler)
    flagged = next(r for r in handler if r[2] == label("met-before-release", lang))
    assert flagged[-1] == t["small"].format(enough=20)
    # the difference, shown (as the language writes it); the flag, not
    assert flagged[5] == ("+100\u202f%" if lang == "fr" else "+100%")


def test_chromium_runs_no_script_of_a_name(
    named_reports: dict[str, str], named: Shell, tmp_path: Path
) -> None:
    browser = chromium()
    for lang in LANGS:
        url = (named.tmp_path / f"named-{lang}.html").resolve().as_uri()
        dumped = browse(browser, tmp_path / f"profile-{lang}", "--dump-dom", url)
        assert dumped.console() == []
        dom = Dom(dumped.stdout)
        assert sum(tag == "script" for tag, _ in dom.elements) == 2
        assert not any(tag == "img" for tag, _ in dom.elements)
        assert not any(a.startswith("on") for _, attrs in dom.elements for a in attrs)
        assert "data-pwned" not in dom.root()
        assert "data-errors" not in dom.root()
        assert html.escape(SCRIPT_NAME, quote=False) in dumped.stdout  # shown, as text


def test_the_checks_above_see_a_name_that_runs(tmp_path: Path) -> None:
    """The same names written unescaped: Chromium runs them, and the checks see it.

    (An `alert` that ran would hold `--dump-dom` until the browser's timeout, failing
    the test above; here it is replaced first, so that the page says it was called.)"""
    browser = chromium()
    page = tmp_path / "unescaped.html"
    spy = "<script>window.alert = function (m) { document.documentElement.dataset.alert = m; };"
    page.write_text(
        f"<!DOCTYPE html><html><body>{spy}</script>"
        f"<p>{SCRIPT_NAME}</p><p>{HANDLER_NAME}</p></body></html>",
        encoding="utf-8",
    )
    dom = Dom(browse(browser, tmp_path / "profile", "--dump-dom", page.as_uri()).stdout)
    assert dom.root().get("data-alert") == "1"
    assert dom.root().get("data-pwned") == "1"
    assert any(tag == "img" for tag, _ in dom.elements)
    assert sum(tag == "script" for tag, _ in dom.elements) == 2


# --- PDF ------------------------------------------------------------------------------------


def test_format_pdf_prints_the_report_with_chromium(tiny: Shell, tmp_path: Path) -> None:
    browser = chromium()
    out = tmp_path / "rapport.pdf"
    result = tiny(
        "report", *TINY, "--format", "pdf", "-o", str(out),
        env={"PATHWAYS_CHROMIUM": str(browser)},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"report written to {out} (" in result.stdout
    printed = out.read_bytes()
    assert printed.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page\b", printed)) >= 5  # a section per page
    assert [p.name for p in tmp_path.iterdir()] == ["rapport.pdf"]


def test_format_pdf_without_chromium_says_so_and_writes_nothing(
    tiny: Shell, tmp_path: Path
) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    out = tmp_path / "rapport.pdf"
    nowhere = {"PATH": str(empty), "PATHWAYS_CHROMIUM": None}
    result = tiny("report", *TINY, "--format", "pdf", "-o", str(out), env=nowhere)  # type: ignore[arg-type]
    assert result.exit_code == 1
    assert "--format pdf needs Chromium (or Google Chrome)" in result.output
    assert "No report was written." in result.output
    result = tiny(
        "report", *TINY, "--format", "pdf", "-o", str(out), "--chromium", str(empty / "chromium")
    )
    assert result.exit_code == 1
    assert f"--chromium {empty / 'chromium'}: no such program" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin"]
