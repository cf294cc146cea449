"""The whole page: its sections in order, the header, the data island, styles and script."""

from __future__ import annotations

import json
from typing import Any

from pathways.domain.outcomes import COMMUNITY_INDICATORS, RELEASE_INDICATORS, dicts
from pathways.i18n import using
from pathways.report import caseload, cohort, comparisons, glossary, timing
from pathways.report.data import Inputs, Names
from pathways.report.i18n import TEXT
from pathways.report.markup import day, esc


def render(inputs: Inputs, lang: str = "fr") -> str:
    """The whole HTML document, in a language (its messages and the catalogue's)."""
    with using(lang):
        return _render(inputs, lang)


def _render(inputs: Inputs, lang: str) -> str:
    t = TEXT[lang]
    names = Names(inputs.reference, lang)
    sections = [
        ("cohort", t["cohort"], cohort.cohort(inputs, names, t)),
        ("indicators", t["indicators"], _releases(inputs, names, t)),
        (
            "survival",
            t["survival"],
            timing.survival(inputs, names, t)
            + timing.delays(inputs.by_territory, names, t, t["release_delays"]),
        ),
        ("trend", t["trend"], timing.trend(inputs, names, t)),
        ("community", t["community_indicators"], _community(inputs, names, t)),
        ("comparisons", t["comparisons"], comparisons.comparisons(inputs, names, t)),
        ("caseload", caseload.title(inputs, t, lang), caseload.caseload(inputs, names, t)),
        ("definitions", t["definitions"], glossary.definitions(lang, t, inputs.min_n)),
    ]
    annex = comparisons.annex(inputs, names, t)
    if annex is not None:
        sections.append(("annex", t["annex"], annex))
    toc = "".join(f'<li><a href="#{key}">{esc(title)}</a></li>' for key, title, _ in sections)
    body = "".join(
        f'<section id="{key}"><h2>{esc(title)}</h2>{content}</section>'
        for key, title, content in sections
    )
    return TEMPLATE.format(
        lang=lang,
        title=esc(t["title"]),
        subtitle=esc(t["subtitle"]),
        header=_header(inputs, t, lang),
        toc_title=esc(t["toc"]),
        toc=toc,
        body=body,
        footer=esc(t["generated"]),
        data=island(inputs, names),
        style=STYLE,
        script=SCRIPT,
    )


def island(inputs: Inputs, names: Names) -> str:
    """The figures as data (the rows of `outcomes --json` and `compare --json`, with codes)
    and the names of the codes, as JSON safe inside a <script> element: no "<", ">" or
    "&" is left, so no name can close the element or open a comment."""
    data: dict[str, Any] = {
        "meta": inputs.meta,
        "names": names.table(),
        "outcomes_by_territory": dicts(inputs.by_territory),
        "outcomes_by_quarter": dicts(inputs.by_quarter),
        "community_by_territory": dicts(inputs.community_by_territory),
        "compare_by_measure": dicts(inputs.comparisons),
    }
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _releases(inputs: Inputs, names: Names, t: dict[str, str]) -> str:
    return cohort.indicators(
        inputs.by_territory, list(RELEASE_INDICATORS), names, t, inputs.min_n,
        t["indicators_intro"],
    )  # fmt: skip


def _community(inputs: Inputs, names: Names, t: dict[str, str]) -> str:
    if not inputs.community:
        return f"<p>{esc(t['community_intro'])}</p><p>{esc(t['no_community'])}</p>"
    rates = cohort.indicators(
        inputs.community_by_territory, list(COMMUNITY_INDICATORS), names, t, inputs.min_n,
        t["community_intro"],
    )  # fmt: skip
    return rates + timing.delays(inputs.community_by_territory, names, t, t["community_delays"])


def _header(inputs: Inputs, t: dict[str, str], lang: str) -> str:
    meta = inputs.meta
    items = [
        (t["period"], f"{day(meta['from'], lang)} – {day(meta['to'], lang)}"),
        (t["as_of"], day(meta["as_of"], lang)),
    ]
    if meta.get("known_at"):
        items.append((t["known_at"], esc(meta["known_at"])))
    items.append((t["position"], f"@{meta['position']}"))
    facts = "".join(f"<div><dt>{esc(k)}</dt><dd>{v}</dd></div>" for k, v in items)
    note = esc(t["suppression"].format(n=inputs.min_n))
    return f'<dl class="facts">{facts}</dl><p class="note">{note}</p>'


STYLE = """
:root { --ink: #1d2430; --muted: #5c6675; --line: #d9dee5; --accent: #1f5fa8; --bg: #f6f7f9; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans",
       sans-serif; color: var(--ink); background: var(--bg); }
header { background: var(--accent); color: white; padding: 28px 40px 20px; }
header h1 { margin: 0 0 4px; font-size: 26px; }
header p { margin: 0; opacity: .9; }
main { max-width: 1080px; margin: 0 auto; padding: 24px 32px 48px; }
nav { background: white; border: 1px solid var(--line); border-radius: 8px; padding: 12px 20px;
      margin-bottom: 24px; }
nav ol { margin: 6px 0 0; columns: 2; }
section { background: white; border: 1px solid var(--line); border-radius: 8px;
          padding: 8px 24px 20px; margin-bottom: 24px; }
h2 { color: var(--accent); border-bottom: 2px solid var(--line); padding-bottom: 6px; }
h3 { margin: 22px 0 8px; font-size: 17px; }
dl.facts { display: flex; flex-wrap: wrap; gap: 8px 28px; margin: 16px 0 4px; }
dl.facts dt { font-size: 12px; text-transform: uppercase; color: var(--muted); }
dl.facts dd { margin: 0; font-weight: 600; }
p.note { color: var(--muted); font-size: 13px; }
p.small { color: var(--muted); font-size: 12px; margin-bottom: 2px; }
p.no-chart { color: var(--muted); font-style: italic; border-left: 3px solid var(--line);
             padding: 6px 12px; margin: 8px 0; }
table { border-collapse: collapse; margin: 8px 0 12px; font-size: 13px; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: left; }
th { background: var(--bg); font-weight: 600; }
#caseload td:first-child { min-width: 16em; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
figure.chart { margin: 8px 0; }
figure.chart svg { width: 100%; height: auto; }
figcaption { font-size: 12px; color: var(--muted); }
.pair { display: grid; grid-template-columns: minmax(180px, 280px) 1fr; gap: 20px;
        align-items: start; }
dl.definitions dt { font-weight: 600; margin-top: 10px; }
dl.definitions dd { margin: 2px 0 0 0; color: var(--muted); }
dl.reading { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; }
dl.reading dt { font-weight: 600; }
dl.reading dd { margin: 0; color: var(--muted); }
code { font-size: 12px; color: var(--muted); }
footer { text-align: center; color: var(--muted); font-size: 12px; padding: 20px; }
@page { size: A4; margin: 12mm 12mm 14mm; }
@media print {
  body { background: white; font-size: 10pt; }
  header { padding: 12px 16px; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  main { max-width: none; padding: 8px 0 0; }
  nav, section { border: none; border-radius: 0; padding: 0; margin: 0 0 10px; }
  section { break-before: page; }
  h2, h3, .lead { break-after: avoid; }
  h3 { margin: 12px 0 4px; }
  table { font-size: 8.5pt; margin: 4px 0 8px; }
  th, td { padding: 2px 6px; }
  /* An indicator's chart and table side by side, a few to a page, never cut in two. */
  .block { display: grid; grid-template-columns: 3fr 2fr; gap: 4px 12px; align-items: start; }
  .block h3 { grid-column: 1 / -1; }
  .block, figure, tr, .pair, dl div, p.no-chart { break-inside: avoid; }
  thead { display: table-header-group; }
  a { color: inherit; text-decoration: none; }
}
"""

# Only checks that the charts are drawn (for the tests and for anyone who wonders);
# nothing is fetched.
SCRIPT = """
window.addEventListener("error", function (e) {
  document.documentElement.setAttribute("data-errors", String(e.message));
});
window.addEventListener("load", function () {
  var figures = document.querySelectorAll("figure.chart");
  var drawn = 0;
  figures.forEach(function (f) {
    var svg = f.querySelector("svg");
    if (svg && svg.querySelectorAll("path, line, rect, text").length > 0 &&
        svg.getBoundingClientRect().width > 0) { drawn += 1; }
  });
  document.documentElement.setAttribute("data-charts", drawn + "/" + figures.length);
});
"""

TEMPLATE = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none';
 style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>{title}</title>
<style>{style}</style>
</head>
<body>
<header><h1>{title}</h1><p>{subtitle}</p></header>
<main>
{header}
<nav><strong>{toc_title}</strong><ol>{toc}</ol></nav>
{body}
</main>
<footer>{footer}</footer>
<script type="application/json" id="pathways-figures">{data}</script>
<script>{script}</script>
</body>
</html>
"""
