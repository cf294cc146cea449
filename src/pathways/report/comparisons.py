"""The comparison of pilot measures: the comparisons with enough releases on both sides in
the main table (and a chart per measure), the others counted in one sentence and listed
in an annex, so that no row is both flagged and "too few to conclude"."""

from __future__ import annotations

from collections.abc import Sequence

from pathways.domain.outcomes import ENOUGH, Chance, ComparisonRow, conclusive
from pathways.report.data import Inputs, Names
from pathways.report.i18n import label
from pathways.report.markup import (
    charts,
    decimal,
    esc,
    figure,
    no_chart,
    paragraph,
    shown,
    signed,
    table,
)


def split(rows: Sequence[ComparisonRow]) -> tuple[list[ComparisonRow], list[ComparisonRow]]:
    """The comparisons with enough releases on both sides, and the others."""
    main = [r for r in rows if conclusive(r)]
    return main, [r for r in rows if not conclusive(r)]


def comparisons(inputs: Inputs, names: Names, t: dict[str, str]) -> str:
    lang = names.lang
    parts = [paragraph(t["comparisons_intro"].format(enough=ENOUGH))]
    if not inputs.comparisons:
        return parts[0] + paragraph(t["no_comparisons"])
    main, others = split(inputs.comparisons)
    order = names.order("measure", {r.group for r in main})
    main.sort(key=lambda r: order.index(r.group))
    if main:
        panels: dict[str, list[tuple[str, float, float, float, bool]]] = {}
        for r in main:
            panels.setdefault(names.measure(r.group), []).append(
                (label(r.indicator, lang), shown(r.difference), shown(r.ci_low),
                 shown(r.ci_high), r.flagged)
            )  # fmt: skip
        svg = charts().differences(panels, t["difference_axis"])
        parts.append(figure(svg, t["comparisons_chart"].format(names=", ".join(panels))))
        lines = [
            [*_cells(r, names, t), "!" if r.flagged else ""] for r in main
        ]  # fmt: skip
        headers = [*_headers(t), t["flag"]]
        parts.append(table(headers, lines, numeric_from=3, numeric_to=7))
    else:
        parts.append(no_chart(t["no_chart_comparisons"].format(enough=ENOUGH)))
    if others:
        small = sum(not r.suppressed for r in others)
        sentence = t["comparisons_others"].format(
            others=len(others),
            small=small,
            suppressed=len(others) - small,
            enough=ENOUGH,
            n=inputs.min_n,
        )
        parts.append(paragraph(sentence))
    odds = Chance(len(main), sum(r.flagged for r in main))
    note = t["chance"].format(
        shown=odds.shown, flagged=odds.flagged, expected=decimal(odds.expected, lang)
    )
    parts.append(paragraph(note, "note"))
    return "".join(parts)


def annex(inputs: Inputs, names: Names, t: dict[str, str]) -> str | None:
    """The comparisons left out of the main table, with the reason; None when none is."""
    _, others = split(inputs.comparisons)
    if not others:
        return None
    order = names.order("measure", {r.group for r in others})
    others.sort(key=lambda r: order.index(r.group))
    lines = []
    for r in others:
        if r.warning_kind == "suppressed":
            reason = t["suppressed_comparison"].format(n=r.threshold)
        else:
            reason = t["small"].format(enough=r.threshold)
        lines.append([*_cells(r, names, t), esc(reason)])
    return paragraph(t["annex_intro"].format(enough=ENOUGH)) + table(
        [*_headers(t), t["reason"]], lines, numeric_from=3, numeric_to=7
    )


def _headers(t: dict[str, str]) -> list[str]:
    return [t["measure"], t["reference"], t["indicator"], t["n"], t["n_ref"], t["difference"],
            t["ci"]]  # fmt: skip


def _cells(r: ComparisonRow, names: Names, t: dict[str, str]) -> list[str]:
    if r.suppressed:
        difference = interval = "–"
    else:
        lang = names.lang
        difference = signed(shown(r.difference), lang)
        interval = f"{signed(shown(r.ci_low), lang)} / {signed(shown(r.ci_high), lang)}"
    return [
        esc(names.measure(r.group)),
        esc(_reference(r, names, t)),
        esc(label(r.indicator, names.lang)),
        str(r.n),
        str(r.n_reference),
        difference,
        interval,
    ]


def _reference(r: ComparisonRow, names: Names, t: dict[str, str]) -> str:
    """The releases a measure is compared with: those with no measure, on its territory."""
    if r.reference_kind != "no-measure":  # a reference named by hand (not used by the report)
        return r.reference
    return t["not_enrolled"].format(territory=names.territory(r.reference_code))
