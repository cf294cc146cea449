"""Charts as inline SVG, drawn by matplotlib (no JavaScript, nothing to load).

Every function takes figures that are already aggregated and suppressed, and
returns an `<svg>` element as text.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

plt.rcParams.update(
    {
        "svg.fonttype": "none",  # text stays text: smaller files, the page's own font
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
    return re.sub(
        r'(<svg[^>]*?) width="[^"]*" height="[^"]*"', r'\1 class="chart-svg"', text, count=1
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
    axes.set_yticks(positions, labels)
    axes.set_ylim(-0.6, len(labels) - 0.4)
    axes.set_xlim(0, 1)
    axes.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    axes.set_xlabel(rate_label)
    return _svg(figure)


def survival(
    curves: dict[str, tuple[Sequence[float], Sequence[float]]],
    xlabel: str,
    ylabel: str,
    horizon: float,
) -> str:
    """Kaplan-Meier step curves, one per group; the first (the whole département) stands out."""
    figure, axes = plt.subplots(figsize=(6.4, 3.4))
    for index, (name, (times, values)) in enumerate(curves.items()):
        # Only the steps up to the horizon: a later step drew a false drop at its edge.
        kept = [(t, v) for t, v in zip(times, values, strict=True) if t <= horizon]
        xs = [0.0, *(t for t, _ in kept), horizon]
        ys = [1.0, *(v for _, v in kept), kept[-1][1] if kept else 1.0]
        # With eight territories, a département curve in one more colour got lost among them.
        colour = INK if index == 0 else PALETTE[(index - 1) % len(PALETTE)]
        width, order = (2.4, 3) if index == 0 else (1.3, 2)
        axes.step(xs, ys, where="post", label=name, color=colour, linewidth=width, zorder=order)
    axes.set_ylim(0, 1.02)
    axes.set_xlim(0, horizon)
    axes.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _svg(figure)


def trend(
    quarters: Sequence[str],
    series: dict[
        str, tuple[Sequence[float | None], Sequence[float | None], Sequence[float | None]]
    ],
    rate_label: str,
) -> str:
    """Rates by quarter with their intervals (withheld points are gaps)."""
    figure, axes = plt.subplots(figsize=(6.4, 3.4))
    xs = list(range(len(quarters)))
    for index, (name, (values, lows, highs)) in enumerate(series.items()):
        colour = PALETTE[index % len(PALETTE)]
        ys = [float("nan") if v is None else v for v in values]
        axes.plot(xs, ys, marker="o", color=colour, label=name, linewidth=1.4, clip_on=False)
        lo = [float("nan") if v is None else v for v in lows]
        hi = [float("nan") if v is None else v for v in highs]
        axes.fill_between(xs, lo, hi, color=colour, alpha=0.07, linewidth=0)
    axes.set_xticks(xs, quarters, rotation=0)
    axes.set_ylim(0, 1)
    axes.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    axes.set_ylabel(rate_label)
    # Under the plot: beside it, the legend's width shrank the whole chart (and its text).
    axes.legend(fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2)
    return _svg(figure)


def bars(labels: Sequence[str], values: Sequence[int], xlabel: str) -> str:
    """Horizontal bars of counts (withheld counts are drawn as 0 and labelled)."""
    height = 0.4 * max(2, len(labels)) + 0.7
    figure, axes = plt.subplots(figsize=(6.4, height))
    positions = list(range(len(labels)))[::-1]
    axes.barh(positions, values, color=BLUE)
    axes.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    axes.set_yticks(positions, labels)
    axes.set_xlabel(xlabel)
    axes.grid(axis="y", visible=False)
    return _svg(figure)
