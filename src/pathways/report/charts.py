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
PALETTE = ["#1f5fa8", "#d9822b", "#3a9a5b", "#b8403a", "#7b5ea7", "#8c6d31", "#4aa3b5", "#c75ca0"]


def _svg(figure: Any) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(figure)
    text = buffer.getvalue()
    text = text[text.index("<svg") :]  # drop the XML prolog and doctype
    # No metadata (it names the software and a date), and a scalable width.
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)
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
    axes.errorbar(rates_, positions, xerr=errors, fmt="o", color=BLUE, ecolor=BLUE, capsize=3)
    if overall is not None:
        axes.axvline(overall, color=ORANGE, linestyle="--", linewidth=1.2, label=overall_label)
        axes.legend(loc="lower right", fontsize=8, frameon=False)
    axes.set_yticks(positions, labels)
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
    """Kaplan-Meier step curves, one per group."""
    figure, axes = plt.subplots(figsize=(6.4, 3.4))
    for index, (name, (times, values)) in enumerate(curves.items()):
        xs = [0.0, *times, horizon]
        ys = [1.0, *values, values[-1] if values else 1.0]
        colour = PALETTE[index % len(PALETTE)]
        axes.step(xs, ys, where="post", label=name, color=colour, linewidth=1.6)
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
    figure, axes = plt.subplots(figsize=(7.5, 3.6))
    xs = list(range(len(quarters)))
    for index, (name, (values, lows, highs)) in enumerate(series.items()):
        colour = PALETTE[index % len(PALETTE)]
        ys = [float("nan") if v is None else v for v in values]
        axes.plot(xs, ys, marker="o", color=colour, label=name, linewidth=1.4)
        lo = [float("nan") if v is None else v for v in lows]
        hi = [float("nan") if v is None else v for v in highs]
        axes.fill_between(xs, lo, hi, color=colour, alpha=0.12, linewidth=0)
    axes.set_xticks(xs, quarters, rotation=0)
    axes.set_ylim(0, 1)
    axes.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    axes.set_ylabel(rate_label)
    axes.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _svg(figure)


def bars(labels: Sequence[str], values: Sequence[int], xlabel: str) -> str:
    """Horizontal bars of counts (withheld counts are drawn as 0 and labelled)."""
    height = 0.4 * max(2, len(labels)) + 0.7
    figure, axes = plt.subplots(figsize=(6.4, height))
    positions = list(range(len(labels)))[::-1]
    axes.barh(positions, values, color=BLUE)
    axes.set_yticks(positions, labels)
    axes.set_xlabel(xlabel)
    axes.grid(axis="y", visible=False)
    return _svg(figure)
