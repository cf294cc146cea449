"""What follows the release in time: Kaplan-Meier curves, the delays, the trend by quarter."""

from __future__ import annotations

from collections.abc import Sequence

from pathways.domain.outcomes import Case, DelayRow, OutcomeRow, RateRow
from pathways.domain.stats import kaplan_meier
from pathways.report.data import Inputs, Names
from pathways.report.i18n import label
from pathways.report.markup import (
    WITHHELD,
    charts,
    decimal,
    esc,
    figure,
    heading,
    no_chart,
    paragraph,
    percent,
    table,
)

TREND_INDICATORS = (
    "met-before-release",
    "planned-release",
    "contact-within-30d",
    "mainstream-within-90d",
    "reincarcerated-within-365d",
)
AT_RISK_DAYS = (0, 30, 90, 180, 365)
HORIZON = 365


def survival(inputs: Inputs, names: Names, t: dict[str, str]) -> str:
    parts = [paragraph(t["survival_intro"])]
    by_territory: dict[str, list[Case]] = {}
    for case in inputs.releases:
        by_territory.setdefault(case.groups["territory"], []).append(case)
    groups: dict[str, list[Case]] = {t["department"]: inputs.releases}
    for code in names.order("territory", by_territory):
        if len(by_territory[code]) >= inputs.min_n:
            groups[names.territory(code)] = by_territory[code]
    for attribute, title in (
        ("mainstream", t["to_mainstream"]),
        ("reincarceration", t["to_custody"]),
    ):
        parts.append(heading(title))
        if not inputs.releases:
            parts.append(no_chart(t["no_releases"]))
            continue
        if len(inputs.releases) < inputs.min_n:
            parts.append(no_chart(t["no_chart_curves"].format(n=inputs.min_n)))
            continue
        curves = {}
        at_risk_rows = []
        for name, members in groups.items():
            durations = [getattr(c, attribute)[0] for c in members]
            observed = [getattr(c, attribute)[1] for c in members]
            curve = kaplan_meier(durations, observed)
            # The curve ends with the last release still followed: past it nobody is at
            # risk, and a flat line to the horizon would claim a follow-up there is not.
            curves[name] = (list(curve.times), list(curve.survival), max(durations))
            risk = [sum(d >= day for d in durations) for day in AT_RISK_DAYS]
            at_risk_rows.append([esc(name), *(str(n) for n in risk)])
        svg = charts().survival(curves, t["days_after"], t["share_without"], HORIZON)
        parts.append(figure(svg, title))
        parts.append(paragraph(t["at_risk"], "small"))
        parts.append(table([t["territory"], *(str(d) for d in AT_RISK_DAYS)], at_risk_rows))
    return "".join(parts)


def delays(rows: Sequence[OutcomeRow], names: Names, t: dict[str, str], intro: str) -> str:
    """The delays per territory, as `outcomes` gives them (median and quartiles)."""
    lang = names.lang

    def number(value: float | None) -> str:
        return esc(t["not_reached"]) if value is None else decimal(value, lang)

    found = [r for r in rows if isinstance(r, DelayRow)]
    order = ["all", *names.order("territory", {r.group for r in found} - {"all"})]
    lines = []
    for r in sorted(found, key=lambda r: order.index(r.group)):
        name = t["department"] if r.group == "all" else names.territory(r.group)
        n = WITHHELD if r.n is None else str(r.n)
        figures = [WITHHELD] * 3 if r.suppressed else [number(r.q1), number(r.median), number(r.q3)]
        lines.append([esc(name), esc(label(r.indicator, lang)), n, *figures])
    headers = [t["territory"], t["indicator"], t["n"], t["q1"], t["median"], t["q3"]]
    # The heading and its note stay with the table's first rows when printed.
    lead = f'<div class="lead">{heading(t["delays"])}{paragraph(intro, "small")}</div>'
    return lead + table(headers, lines, numeric_from=2)


def trend(inputs: Inputs, names: Names, t: dict[str, str]) -> str:
    """One small chart per indicator, its rate by quarter of release with its interval."""
    lang = names.lang
    rows = [r for r in inputs.by_quarter if r.group != "all" and isinstance(r, RateRow)]
    quarters = sorted({r.group for r in rows})
    parts = [paragraph(t["trend_intro"])]
    if not quarters:
        return parts[0] + no_chart(t["no_releases"])
    panels = {}
    lines = []
    for code in TREND_INDICATORS:
        found = {r.group: r for r in rows if r.indicator == code}
        points = [found.get(q) for q in quarters]
        series = tuple(
            [None if p is None or p.suppressed else getattr(p, field) for p in points]
            for field in ("rate", "ci_low", "ci_high")
        )
        if any(v is not None for v in series[0]):
            panels[label(code, lang)] = series
        lines.append(
            [
                esc(label(code, lang)),
                *(
                    "–" if p is None else WITHHELD if p.suppressed else percent(p.rate, lang)
                    for p in points
                ),
            ]
        )
    shown_quarters = [names.quarter(q) for q in quarters]
    if panels:
        svg = charts().trend(shown_quarters, panels, t["rate"])
        parts.append(figure(svg, t["trend"]))
        left_out = [label(c, lang) for c in TREND_INDICATORS if label(c, lang) not in panels]
        if left_out:
            parts.append(paragraph(t["trend_left_out"].format(names=", ".join(left_out)), "small"))
    else:
        parts.append(no_chart(t["no_chart_trend"].format(n=inputs.min_n)))
    parts.append(table([t["indicator"], *shown_quarters], lines))
    return "".join(parts)
