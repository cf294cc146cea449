"""The cohort (sizes by group) and the indicators by territory, of either cohort."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date

from pathways.domain.outcomes import Case, OutcomeRow, RateRow
from pathways.report.data import Inputs, Names
from pathways.report.i18n import label
from pathways.report.markup import (
    WITHHELD,
    charts,
    esc,
    figure,
    heading,
    no_chart,
    paragraph,
    percent,
    shown,
    table,
)

#: The windows whose completeness the cohort section counts (DOMAIN.md section 7).
WINDOWS = (30, 90, 180, 365)


def cohort(inputs: Inputs, names: Names, t: dict[str, str]) -> str:
    parts = [paragraph(t["cohort_intro"])]
    measures = any(c.groups["measure"] != "none" for c in inputs.releases)
    for cases, cohort_name, dimensions in (
        (inputs.releases, "releases", ("territory", "quarter", "measure") if measures else
         ("territory", "quarter")),
        (inputs.community, "community", ("territory", "quarter")),
    ):  # fmt: skip
        parts.append(heading(t["count_of"].format(what=t[cohort_name], n=len(cases))))
        if not cases:
            parts.append(paragraph(t[f"no_{cohort_name}"]))
            continue
        for dimension in dimensions:
            parts.append(_sizes(cases, dimension, names, t, inputs.min_n, t[cohort_name]))
    as_of = date.fromisoformat(inputs.meta["as_of"]).toordinal()
    windows = [
        [esc(t["days"].format(n=days)), str(sum(c.day <= as_of - days for c in inputs.releases))]
        for days in WINDOWS
    ]
    parts.append(heading(t["windows"]))
    parts.append(table([t["window"], t["complete"]], windows))
    return "".join(parts)


def _sizes(
    cases: Sequence[Case], dimension: str, names: Names, t: dict[str, str], min_n: int, what: str
) -> str:
    """A cohort's size per group: a table of every group, a chart of those not withheld."""
    counts = Counter(c.groups[dimension] for c in cases)
    keys = names.order(dimension, counts)
    heading_ = t[dimension]
    # Sizes (n) are shown, as in `outcomes`; what the rule withholds are the outcome
    # counts of small groups, and the charts leave small groups out.
    rows = [[esc(names.of(dimension, k)), str(counts[k])] for k in keys]
    rows.append([f"<b>{esc(t['total'])}</b>", f"<b>{len(cases)}</b>"])
    visible = [k for k in keys if counts[k] >= min_n]
    if visible:
        labels = [names.of(dimension, k) for k in visible]
        chart = figure(
            charts().bars(labels, [counts[k] for k in visible], what),
            t["size_by"].format(what=what, by=heading_.lower()),
        )
    else:
        chart = no_chart(t["no_chart_sizes"].format(n=min_n))
    return f'<div class="pair">{table([heading_, t["n"]], rows)}{chart}</div>'


def indicators(
    rows: Sequence[OutcomeRow],
    codes: Sequence[str],
    names: Names,
    t: dict[str, str],
    min_n: int,
    intro: str,
) -> str:
    """One block per indicator: the rate of every territory with its interval, as a chart
    (the groups not withheld) and a table (every group)."""
    lang = names.lang
    parts = [paragraph(intro)]
    rates = [r for r in rows if isinstance(r, RateRow)]
    for code in codes:
        mine = {r.group: r for r in rates if r.indicator == code}
        overall = mine.pop("all")
        order = names.order("territory", mine)
        groups = [mine[g] for g in order]
        title = label(code, lang)
        block = [heading(title), _rate_chart(overall, groups, names, t, min_n, title)]
        lines = []
        for r in [overall, *groups]:
            name = esc(t["department"] if r.group == "all" else names.territory(r.group))
            if r.suppressed:
                lines.append([name, str(r.n), WITHHELD, WITHHELD, WITHHELD])
            else:
                interval = f"{percent(r.ci_low, lang)} – {percent(r.ci_high, lang)}"
                lines.append([name, str(r.n), str(r.k), percent(r.rate, lang), interval])
        block.append(table([t["territory"], t["n"], t["k"], t["rate"], t["ci"]], lines))
        # One block per indicator, kept on one page when printed.
        parts.append(f'<div class="block">{"".join(block)}</div>')
    return "".join(parts)


def _rate_chart(
    overall: RateRow,
    groups: Sequence[RateRow],
    names: Names,
    t: dict[str, str],
    min_n: int,
    title: str,
) -> str:
    visible = [r for r in groups if not r.suppressed]
    if not visible:
        # Say why nothing is drawn: no case counts yet, or every group withheld.
        reason = t["no_chart_none"] if overall.n == 0 else t["no_chart_rates"].format(n=min_n)
        return no_chart(reason)
    svg = charts().rates(
        [names.territory(r.group) for r in visible],
        [shown(r.rate) for r in visible],
        [shown(r.ci_low) for r in visible],
        [shown(r.ci_high) for r in visible],
        overall.rate,
        t["department"],
        t["rate"],
    )
    return figure(svg, title)
