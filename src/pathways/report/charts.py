"""Charts as inline SVG, drawn by matplotlib (no JavaScript, nothing to load).

Every function takes figures that are already aggregated and suppressed, and
returns an `<svg>` element as text.
"""

from __future__ import annotations

import io
import math
import re
import textwrap
from collections.abc import Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

plt.rcParams.update(
    {
        "svg.fonttype": "none",  # text stays text: smaller files, the page's own font
        # Names are user input: a "$" in a measure's name is text, not mathematics.
        "text.parse_math": False,
        "font.family": "sans-serif",
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.3,
    }
)
BLUE, GREY, ORANGE = "#1f5fa8", "#8a8a8a", "#d9822b"
INK = "#1d2430"
PALETTE = ["#1f5fa8", "#d9822b", "#3a9a5b", "#b8403a", "#7b5ea7", "#8c6d31", "#4aa3b5", "#c75ca0"]


def _wrap(text: str, width: int = 32) -> str:
    """A long name on several lines, so that it does not squeeze the chart beside it."""
    return (
        "\n".join(textwrap.wrap(text, width, break_on_hyphens=False, break_long_words=False))
        or text
    )


def _svg(figure: Any) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(figure)
    text = buffer.getvalue()
    text = text[text.index("<svg") :]  # drop the XML prolog and doctype
    # No metadata (it names the software and a date), and a scalable width.
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)
    # matplotlib names its groups figure_1, axes_1, line2d_1... in every chart: the same ids
    # many times in one page. Keep only the ids that something refers to (clip paths and
    # markers, whose ids are random).
    referred = set(re.findall(r'(?:url\(#|href="#)([^)"]+)', text))
    text = re.sub(r' id="([^"]*)"', lambda m: m.group(0) if m.group(1) in referred else "", text)
    # Scaled to the page's width, never above the drawn size: every chart's text then
    # shows at about the same size, whatever the length of its labels.
    return re.sub(
        r'(<svg[^>]*?) width="([^"]*)" height="[^"]*"',
        r'\1 class="chart-svg" style="max-width: \2"',
        text,
        count=1,
    )


def rates(
    labels: Sequence[str],
    rates_: Sequence[float],
    lows: Sequence[float],
    highs: Sequence[float],
    overall: float | None,
    overall_label: str,
    rate_label: str,
) -> str:
    """Horizontal dots with their intervals, and a line at the overall rate."""
    height = 0.45 * max(2, len(labels)) + 0.8
    figure, axes = plt.subplots(figsize=(6.4, height))
    positions = list(range(len(labels)))[::-1]
    errors = [
        [r - low for r, low in zip(rates_, lows, strict=True)],
        [high - r for r, high in zip(rates_, highs, strict=True)],
    ]
    drawn = axes.errorbar(
        rates_, positions, xerr=errors, fmt="o", color=BLUE, ecolor=BLUE, capsize=3
    )
    for artist in drawn.get_children():
        artist.set_clip_on(False)  # a dot at 0 % or 100 % is drawn whole
    if overall is not None:
        axes.axvline(overall, color=ORANGE, linestyle="--", linewidth=1.2, label=overall_label)
        # Above the plot: inside, it covered the dots of the lowest group.
        axes.legend(
            loc="lower right", bbox_to_anchor=(1.0, 1.0), borderaxespad=0.2, fontsize=8,
            frameon=False,
        )  # fmt: skip
    axes.set_yticks(positions, [_wrap(name) for name in labels])
    axes.set_ylim(-0.6, len(labels) - 0.4)
    axes.set_xlim(0, 1)
    axes.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    axes.set_xlabel(rate_label)
    return _svg(figure)


def survival(
    curves: dict[str, tuple[Sequence[float], Sequence[float], float]],
    xlabel: str,
    ylabel: str,
    horizon: float,
) -> str:
    """Kaplan-Meier step curves, one per group; the first (the whole département) stands out.

    Each curve is (event times, survival, last follow-up time): it stops at its last
    follow-up, where nobody is at risk any more, or at the horizon."""
    figure, axes = plt.subplots(figsize=(6.4, 3.4))
    ends = []
    for index, (name, (times, values, last)) in enumerate(curves.items()):
        xs, ys = steps(times, values, last, horizon)
        ends.append(xs[-1])
        # With eight territories, a département curve in one more colour got lost among them.
        colour = INK if index == 0 else PALETTE[(index - 1) % len(PALETTE)]
        width, order = (2.4, 3) if index == 0 else (1.3, 2)
        axes.step(xs, ys, where="post", label=_wrap(name), color=colour, linewidth=width,
                  zorder=order)  # fmt: skip
    axes.set_ylim(0, 1.02)
    axes.set_xlim(0, min(horizon, max(30.0, *ends)))
    axes.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _svg(figure)


def steps(
    times: Sequence[float], values: Sequence[float], last: float, horizon: float
) -> tuple[list[float], list[float]]:
    """The corners of a Kaplan-Meier step curve, from day 0 to its last follow-up (or the
    horizon, if sooner): past the last follow-up nobody is at risk, and a flat line
    there would claim a follow-up that did not happen."""
    end = min(float(last), horizon)
    # Only the steps up to the end: a later step drew a false drop at its edge.
    kept = [(t, v) for t, v in zip(times, values, strict=True) if t <= end]
    xs = [0.0, *(t for t, _ in kept), end]
    ys = [1.0, *(v for _, v in kept), kept[-1][1] if kept else 1.0]
    return xs, ys


def trend(
    quarters: Sequence[str],
    panels: dict[
        str, tuple[Sequence[float | None], Sequence[float | None], Sequence[float | None]]
    ],
    rate_label: str,
) -> str:
    """Small multiples: one panel per indicator, its rate by quarter and its interval as a
    band (withheld quarters are gaps; a point between two gaps gets its interval as a bar)."""
    count = len(panels)
    columns = min(3, count)
    rows = math.ceil(count / columns)
    figure, grid = plt.subplots(
        rows, columns, figsize=(3.1 * columns, 2.5 * rows), sharey=True, squeeze=False
    )
    xs = list(range(len(quarters)))
    tilt = 45 if len(quarters) > 4 else 0
    for axes, (name, (values, lows, highs)) in zip(grid.flat, panels.items(), strict=False):
        ys, lo, hi = ([math.nan if v is None else v for v in series]
                      for series in (values, lows, highs))  # fmt: skip
        axes.fill_between(xs, lo, hi, color=BLUE, alpha=0.18, linewidth=0)
        alone = [i for i in xs if _isolated(ys, i)]
        axes.vlines(alone, [lo[i] for i in alone], [hi[i] for i in alone], color=BLUE,
                    alpha=0.3, linewidth=4)  # fmt: skip
        axes.plot(xs, ys, marker="o", color=BLUE, markersize=3.5, linewidth=1.4, clip_on=False)
        axes.set_title(_wrap(name, 40), fontsize=9)
        axes.set_xticks(xs, quarters, rotation=tilt, ha="right" if tilt else "center")
        axes.set_xlim(-0.4, len(quarters) - 0.6)
        axes.set_ylim(0, 1)
        axes.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        axes.tick_params(labelsize=8)
    for axes in grid.flat[count:]:
        figure.delaxes(axes)
    for axes in grid[:, 0]:
        axes.set_ylabel(rate_label)
    figure.tight_layout()
    return _svg(figure)


def _isolated(values: Sequence[float], index: int) -> bool:
    """A point with no neighbour drawn: the band cannot show its interval."""
    if math.isnan(values[index]):
        return False
    neighbours = [values[i] for i in (index - 1, index + 1) if 0 <= i < len(values)]
    return all(math.isnan(v) for v in neighbours)


def differences(
    panels: dict[str, Sequence[tuple[str, float, float, float, bool]]], xlabel: str
) -> str:
    """One panel per measure: each indicator's difference with the reference and its
    interval, a line at 0; flagged differences (interval excluding 0) in orange."""
    heights = [len(rows) for rows in panels.values()]
    figure, grid = plt.subplots(
        len(panels), 1, figsize=(6.4, 0.3 * sum(heights) + 0.8 * len(panels) + 0.4),
        sharex=True, squeeze=False, gridspec_kw={"height_ratios": heights},
    )  # fmt: skip
    widest = max(abs(v) for rows in panels.values() for row in rows for v in row[2:4])
    limit = max(0.2, math.ceil(widest * 10) / 10)
    for axes, (name, rows) in zip(grid[:, 0], panels.items(), strict=True):
        positions = list(range(len(rows)))[::-1]
        for position, (_, difference, low, high, flagged) in zip(positions, rows, strict=True):
            colour = ORANGE if flagged else BLUE
            axes.errorbar([difference], [position], xerr=[[difference - low], [high - difference]],
                          fmt="o", color=colour, ecolor=colour, capsize=3)  # fmt: skip
        axes.axvline(0, color=GREY, linewidth=1)
        axes.set_yticks(positions, [_wrap(row[0]) for row in rows])
        axes.set_ylim(-0.6, len(rows) - 0.4)
        axes.set_title(_wrap(name, 80), loc="left", fontsize=9, fontweight="bold")
        axes.grid(axis="y", visible=False)
    axes = grid[-1, 0]
    axes.set_xlim(-limit, limit)
    axes.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    axes.set_xlabel(xlabel)
    return _svg(figure)


def bars(labels: Sequence[str], values: Sequence[int], xlabel: str) -> str:
    """Horizontal bars of counts (withheld counts are drawn as 0 and labelled)."""
    height = 0.4 * max(2, len(labels)) + 0.7
    figure, axes = plt.subplots(figsize=(6.4, height))
    positions = list(range(len(labels)))[::-1]
    axes.barh(positions, values, color=BLUE)
    axes.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    axes.set_yticks(positions, [_wrap(name) for name in labels])
    axes.set_xlabel(xlabel)
    axes.grid(axis="y", visible=False)
    return _svg(figure)
