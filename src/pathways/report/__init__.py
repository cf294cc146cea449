"""The evaluation report: one self-contained HTML file, in French by default.

Everything is inside the file: styles, charts (inline SVG drawn by
matplotlib), a few lines of script that only check the charts are drawn, and a
JSON data island holding the same rows as `pathways outcomes --json`, so that a
reader (or a test) can check every figure. No reference, no birth date and no
individual row ever enters it; groups under the suppression threshold have
their outcome counts, rates and intervals withheld, and charts leave them out.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from pathways.domain.outcomes import (
    COMMUNITY_INDICATORS,
    RELEASE_INDICATORS,
    Case,
    ComparisonRow,
    DelayRow,
    OutcomeRow,
    RateRow,
    chance,
    dicts,
)
from pathways.progress import SILENT, Progress
from pathways.queries import comparison_rows, outcome_rows
from pathways.report.i18n import ALERTS, INDICATORS, TEXT, label

if TYPE_CHECKING:
    from pathways.projections.views import Views

TREND_INDICATORS = (
    "met-before-release",
    "planned-release",
    "contact-within-30d",
    "mainstream-within-90d",
    "reincarcerated-within-365d",
)
AT_RISK_DAYS = (0, 30, 90, 180, 365)
HORIZON = 365


@dataclass
class Inputs:
    """Everything the report shows, computed once."""

    meta: dict[str, Any]
    min_n: int
    releases: list[Case]
    community: list[Case]
    by_territory: list[OutcomeRow]
    by_quarter: list[OutcomeRow]
    comparisons: list[ComparisonRow]
    caseload: dict[str, Counter[str]]


def gather(
    views: Views,
    first: date,
    last: date,
    as_of: date | None = None,
    known_at: str | None = None,
    min_n: int | None = None,
    progress: Progress = SILENT,
) -> Inputs:
    point = views.point(as_of, known_at)
    ref = views.reference(point)
    threshold = ref.suppression(min_n)
    progress.phase("compute", 3)  # the two cohorts, the caseloads
    releases = views.cases(point, first, last, "releases")
    progress.advance()
    community = views.cases(point, first, last, "community")
    progress.advance()
    caseload: dict[str, Counter[str]] = {}
    lines = views.lines(point)
    progress.advance()
    for line in lines:
        counts = caseload.setdefault(line.organisation or "", Counter())
        counts["followed"] += 1
        for alert in line.alerts:
            counts[alert.alert] += 1
            counts["open_alerts"] += 1
    meta = {
        **point.meta(),
        "from": first.isoformat(),
        "to": last.isoformat(),
        "min_n": threshold,
    }
    return Inputs(
        meta=meta,
        min_n=threshold,
        releases=releases,
        community=community,
        by_territory=outcome_rows(releases, ("territory",), "releases", threshold),
        by_quarter=outcome_rows(releases, ("quarter",), "releases", threshold),
        comparisons=comparison_rows(releases, "measure", "releases", threshold, ref),
        caseload=caseload,
    )


def render(inputs: Inputs, lang: str = "fr") -> str:
    """The whole HTML document."""
    t = TEXT[lang]
    sections = [
        ("cohort", t["cohort"], _cohort(inputs, t)),
        ("indicators", t["indicators"], _indicators(inputs, t, lang)),
        ("survival", t["survival"], _survival(inputs, t) + _delays(inputs, t, lang)),
        ("trend", t["trend"], _trend(inputs, t, lang)),
        ("comparisons", t["comparisons"], _comparisons(inputs, t, lang)),
        (
            "caseload",
            t["caseload"].format(date=_day(inputs.meta["as_of"], lang)),
            _caseload(inputs, t, lang),
        ),
        ("definitions", t["definitions"], _definitions(lang)),
    ]
    toc = "".join(
        f'<li><a href="#{key}">{html.escape(title)}</a></li>' for key, title, _ in sections
    )
    body = "".join(
        f'<section id="{key}"><h2>{html.escape(title)}</h2>{content}</section>'
        for key, title, content in sections
    )
    data = {
        "meta": inputs.meta,
        "outcomes_by_territory": dicts(inputs.by_territory),
        "outcomes_by_quarter": dicts(inputs.by_quarter),
        "compare_by_measure": dicts(inputs.comparisons),
    }
    island = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return TEMPLATE.format(
        lang=lang,
        title=html.escape(t["title"]),
        subtitle=html.escape(t["subtitle"]),
        header=_header(inputs, t, lang),
        toc_title=html.escape(t["toc"]),
        toc=toc,
        body=body,
        footer=html.escape(t["generated"]),
        data=island,
        style=STYLE,
        script=SCRIPT,
    )


def build(
    views: Views,
    first: date,
    last: date,
    as_of: date | None = None,
    known_at: str | None = None,
    lang: str = "fr",
    min_n: int | None = None,
) -> str:
    return render(gather(views, first, last, as_of, known_at, min_n), lang)


# --- pieces ---------------------------------------------------------------------------


def _day(iso: str, lang: str) -> str:
    day = date.fromisoformat(iso)
    return day.strftime("%d/%m/%Y") if lang == "fr" else iso


WITHHELD = "*"


def _percent(value: float | None, lang: str) -> str:
    if value is None:
        return "–"
    text = f"{value:.0%}"
    return text.replace("%", "\u202f%") if lang == "fr" else text


def _table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    numeric_from: int = 1,
    numeric_to: int | None = None,
) -> str:
    """A table whose columns numeric_from..numeric_to (excluded) are right-aligned numbers."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    end = len(headers) if numeric_to is None else numeric_to
    lines = []
    for row in rows:
        cells = "".join(
            f'<td class="{"num" if numeric_from <= i < end else ""}">{cell}</td>'
            for i, cell in enumerate(row)
        )
        lines.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(lines)}</tbody></table>"


def _figure(svg: str, caption: str) -> str:
    return f'<figure class="chart">{svg}<figcaption>{html.escape(caption)}</figcaption></figure>'


def _header(inputs: Inputs, t: dict[str, str], lang: str) -> str:
    meta = inputs.meta
    items = [
        (t["period"], f"{_day(meta['from'], lang)} – {_day(meta['to'], lang)}"),
        (t["as_of"], _day(meta["as_of"], lang)),
    ]
    if meta.get("known_at"):
        items.append((t["known_at"], html.escape(str(meta["known_at"]))))
    items.append((t["position"], f"@{meta['position']}"))
    facts = "".join(f"<div><dt>{html.escape(k)}</dt><dd>{v}</dd></div>" for k, v in items)
    note = html.escape(t["suppression"].format(n=inputs.min_n))
    return f'<dl class="facts">{facts}</dl><p class="note">{note}</p>'


def _cohort(inputs: Inputs, t: dict[str, str]) -> str:
    parts = [f"<p>{html.escape(t['cohort_intro'])}</p>"]
    for cases, title in ((inputs.releases, t["releases"]), (inputs.community, t["community"])):
        parts.append(f"<h3>{html.escape(title)} : {len(cases)}</h3>")
        if not cases:
            parts.append(f"<p>{html.escape(t['nothing'])}</p>")
            continue
        for dimension, heading in (("territory", t["territory"]), ("quarter", t["quarter"])):
            counts = Counter(c.groups[dimension] for c in cases)
            keys = sorted(counts)
            # Sizes (n) are shown, as in `outcomes`; what the rule withholds are the
            # outcome counts of small groups.
            rows = [[html.escape(k), str(counts[k])] for k in keys]
            rows.append([f"<b>{html.escape(t['total'])}</b>", f"<b>{len(cases)}</b>"])
            visible = [k for k in keys if counts[k] >= inputs.min_n]
            chart = _charts().bars(visible, [counts[k] for k in visible], title)
            parts.append(
                f'<div class="pair">{_table([heading, "n"], rows)}{_figure(chart, heading)}</div>'
            )
    windows = []
    for days in (30, 90, 180, 365):
        cutoff = date.fromisoformat(inputs.meta["as_of"]).toordinal() - days
        complete = sum(c.day <= cutoff for c in inputs.releases)
        windows.append([f"{days} j" if t is TEXT["fr"] else f"{days} d", str(complete)])
    parts.append(f"<h3>{html.escape(t['windows'])}</h3>")
    parts.append(_table([t["window"], t["complete"]], windows))
    return "".join(parts)


def _indicators(inputs: Inputs, t: dict[str, str], lang: str) -> str:
    parts = [f"<p>{html.escape(t['indicators_intro'])}</p>"]
    rows = [r for r in inputs.by_territory if isinstance(r, RateRow)]
    for code in RELEASE_INDICATORS:
        mine = [r for r in rows if r.indicator == code]
        overall = next(r for r in mine if r.group == "all")
        groups = [r for r in mine if r.group != "all"]
        visible = [r for r in groups if not r.suppressed]
        title = label(code, lang)
        parts.append(f"<h3>{html.escape(title)}</h3>")
        if visible:
            svg = _charts().rates(
                [r.group for r in visible],
                [_shown(r.rate) for r in visible],
                [_shown(r.ci_low) for r in visible],
                [_shown(r.ci_high) for r in visible],
                overall.rate,
                t["department"],
                t["rate"],
            )
            parts.append(_figure(svg, title))
        table = []
        for r in [overall, *groups]:
            name = t["department"] if r.group == "all" else r.group
            if r.suppressed:
                table.append([html.escape(name), str(r.n), WITHHELD, WITHHELD, WITHHELD])
            else:
                interval = f"{_percent(r.ci_low, lang)} – {_percent(r.ci_high, lang)}"
                table.append(
                    [
                        html.escape(name),
                        str(r.n),
                        str(r.k),
                        _percent(r.rate, lang),
                        interval,
                    ]
                )
        parts.append(_table([t["territory"], t["n"], t["k"], t["rate"], t["ci"]], table))
    return "".join(parts)


def _survival(inputs: Inputs, t: dict[str, str]) -> str:
    from pathways.domain.stats import kaplan_meier

    parts = [f"<p>{html.escape(t['survival_intro'])}</p>"]
    for attribute, title in (
        ("mainstream", t["to_mainstream"]),
        ("reincarceration", t["to_custody"]),
    ):
        groups: dict[str, list[Case]] = {t["department"]: inputs.releases}
        by_territory: dict[str, list[Case]] = {}
        for case in inputs.releases:
            by_territory.setdefault(case.groups["territory"], []).append(case)
        for name in sorted(by_territory):
            if len(by_territory[name]) >= inputs.min_n:
                groups[name] = by_territory[name]
        if len(inputs.releases) < inputs.min_n:
            parts.append(f"<h3>{html.escape(title)}</h3><p>{html.escape(t['nothing'])}</p>")
            continue
        curves = {}
        at_risk_rows = []
        for name, members in groups.items():
            durations = [getattr(c, attribute)[0] for c in members]
            observed = [getattr(c, attribute)[1] for c in members]
            curve = kaplan_meier(durations, observed)
            curves[name] = (list(curve.times), list(curve.survival))
            risk = [sum(d >= day for d in durations) for day in AT_RISK_DAYS]
            at_risk_rows.append([html.escape(name), *(str(n) for n in risk)])
        svg = _charts().survival(curves, t["days_after"], t["share_without"], HORIZON)
        parts.append(f"<h3>{html.escape(title)}</h3>")
        parts.append(_figure(svg, title))
        parts.append(
            f"<p class='small'>{html.escape(t['at_risk'])}</p>"
            + _table([t["territory"], *(str(d) for d in AT_RISK_DAYS)], at_risk_rows)
        )
    return "".join(parts)


def _delays(inputs: Inputs, t: dict[str, str], lang: str) -> str:
    """The three delays per territory, as `outcomes` gives them (median and quartiles)."""

    def number(value: float | None) -> str:
        if value is None:
            return t["not_reached"]
        text = f"{value:.1f}"
        return text.replace(".", ",") if lang == "fr" else text

    rows = []
    for r in inputs.by_territory:
        if not isinstance(r, DelayRow):
            continue
        name = t["department"] if r.group == "all" else r.group
        n = WITHHELD if r.n is None else str(r.n)
        if r.suppressed:
            rows.append(
                [html.escape(label(r.indicator, lang)), html.escape(name), n] + [WITHHELD] * 3
            )
        else:
            rows.append(
                [
                    html.escape(label(r.indicator, lang)),
                    html.escape(name),
                    n,
                    number(r.q1),
                    number(r.median),
                    number(r.q3),
                ]
            )
    headers = [t["indicator"], t["territory"], "n", "Q1", t["median"], "Q3"]
    return f"<h3>{html.escape(t['delays'])}</h3>" + _table(headers, rows, numeric_from=2)


def _trend(inputs: Inputs, t: dict[str, str], lang: str) -> str:
    rows = [r for r in inputs.by_quarter if r.group != "all" and isinstance(r, RateRow)]
    quarters = sorted({r.group for r in rows})
    parts = [f"<p>{html.escape(t['trend_intro'])}</p>"]
    if not quarters:
        return parts[0] + f"<p>{html.escape(t['nothing'])}</p>"
    series = {}
    table = []
    for code in TREND_INDICATORS:
        found = {r.group: r for r in rows if r.indicator == code}
        values = [found[q].rate if q in found else None for q in quarters]
        lows = [found[q].ci_low if q in found else None for q in quarters]
        highs = [found[q].ci_high if q in found else None for q in quarters]
        series[label(code, lang)] = (values, lows, highs)
        table.append(
            [
                html.escape(label(code, lang)),
                *(
                    _percent(found[q].rate, lang)
                    if q in found and not found[q].suppressed
                    else (WITHHELD if q in found else "–")
                    for q in quarters
                ),
            ]
        )
    svg = _charts().trend(quarters, series, t["rate"])
    parts.append(_figure(svg, t["trend"]))
    parts.append(_table([t["indicator"], *quarters], table))
    return "".join(parts)


def _comparisons(inputs: Inputs, t: dict[str, str], lang: str) -> str:
    rows = inputs.comparisons
    parts = [f"<p>{html.escape(t['comparisons_intro'])}</p>"]
    if not rows:
        return parts[0] + f"<p>{html.escape(t['nothing'])}</p>"
    table = []
    for r in rows:
        if r.suppressed:
            difference, interval, flag, warning = "–", "–", "", html.escape(t["suppressed"])
        else:
            difference = _signed(_shown(r.difference))
            interval = f"{_signed(_shown(r.ci_low))} / {_signed(_shown(r.ci_high))}"
            flag = "!" if r.flagged else ""
            warning = html.escape(t["small"]) if r.warning else ""
        table.append(
            [
                html.escape(r.group),
                html.escape(_reference(r.reference, t)),
                html.escape(label(r.indicator, lang)),
                str(r.n),
                str(r.n_reference),
                difference,
                interval,
                flag,
                warning,
            ]
        )
    headers = [
        t["group"], t["reference"], t["indicator"], "n", "n ref", t["difference"], t["ci"],
        "!", t["warning"],
    ]  # fmt: skip
    parts.append(_table(headers, table, numeric_from=3, numeric_to=7))
    odds = chance(rows)
    note = t["chance"].format(
        shown=odds.shown,
        flagged=odds.flagged,
        expected=f"{odds.expected:.1f}".replace(".", "," if lang == "fr" else "."),
    )
    parts.append(f'<p class="note">{html.escape(note)}</p>')
    return "".join(parts)


def _shown(value: float | None) -> float:
    """A figure of a row that is not withheld (withheld rows never reach a chart)."""
    assert value is not None
    return value


def _signed(value: float) -> str:
    """A signed percentage; a difference that rounds to zero is +0 %, not -0 %."""
    return f"{round(value, 2) + 0.0:+.0%}"


def _reference(text: str, t: dict[str, str]) -> str:
    """compare's reference label, in the report's language ("none (rennes)")."""
    if text.startswith("none ("):
        return t["not_enrolled"] + text.removeprefix("none")
    if text.startswith("not "):
        return t["not_group"].format(group=text.removeprefix("not "))
    return text


def _caseload(inputs: Inputs, t: dict[str, str], lang: str) -> str:
    from pathways.domain.alert_catalogue import ALERT_CODES

    organisations = sorted(inputs.caseload)
    codes = [c for c in ALERT_CODES if any(inputs.caseload[o][c] for o in organisations)]
    rows = []
    for org in organisations:
        counts = inputs.caseload[org]
        name = org or t["none_org"]
        rows.append(
            [
                html.escape(name),
                str(counts["followed"]),
                *(
                    str(counts[c]) if counts["followed"] >= inputs.min_n else WITHHELD
                    for c in ("open_alerts", *codes)
                ),
            ]
        )
    visible = [o for o in organisations if inputs.caseload[o]["followed"] >= inputs.min_n]
    svg = _charts().bars(
        [o or t["none_org"] for o in visible],
        [inputs.caseload[o]["followed"] for o in visible],
        t["followed"],
    )
    return (
        f"<p>{html.escape(t['caseload_intro'])}</p>"
        + _figure(svg, t["followed"])
        + _table(
            [t["organisation"], t["followed"], t["open_alerts"], *(ALERTS[c][lang] for c in codes)],
            rows,
        )
    )


def _definitions(lang: str) -> str:
    items = []
    for code in (*RELEASE_INDICATORS, *COMMUNITY_INDICATORS, "days-to-first-contact",
                 "days-to-mainstream", "contacts-per-month"):  # fmt: skip
        if code not in INDICATORS:
            continue
        name, definition = INDICATORS[code][lang]
        items.append(
            f"<dt>{html.escape(name)} <code>{code}</code></dt><dd>{html.escape(definition)}</dd>"
        )
    return f'<dl class="definitions">{"".join(dict.fromkeys(items))}</dl>'


def _charts() -> Any:
    """The chart module, imported on first use (matplotlib takes a while to import)."""
    import importlib

    return importlib.import_module("pathways.report.charts")


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
table { border-collapse: collapse; margin: 8px 0 12px; font-size: 13px; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: left; }
th { background: var(--bg); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
figure.chart { margin: 8px 0; }
figure.chart svg { width: 100%; max-width: 680px; height: auto; }
figcaption { font-size: 12px; color: var(--muted); }
.pair { display: grid; grid-template-columns: minmax(180px, 260px) 1fr; gap: 20px;
        align-items: start; }
dl.definitions dt { font-weight: 600; margin-top: 10px; }
dl.definitions dd { margin: 2px 0 0 0; color: var(--muted); }
code { font-size: 12px; color: var(--muted); }
footer { text-align: center; color: var(--muted); font-size: 12px; padding: 20px; }
@media print { body { background: white; } section { break-inside: avoid; } }
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
