"""The small pieces of HTML that every section is made of.

Every text that reaches the page goes through `esc` (names of measures are user
input); a function that takes `cells` takes HTML already escaped.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date
from typing import Any

from pathways import i18n
from pathways.i18n import long_date, using

#: What a withheld figure shows (the suppression rule).
WITHHELD = "*"


def esc(text: object) -> str:
    """Text for an HTML element or a quoted attribute."""
    return html.escape(str(text), quote=True)


def day(iso: str | date, lang: str) -> str:
    """A date as the report's prose says it: 2 décembre 2026; 2026-12-02 in English."""
    with using(lang):
        return long_date(iso)


def percent(value: float | None, lang: str) -> str:
    """A rate as every table says it (`i18n.percent`), in the report's language."""
    if value is None:
        return "–"
    with using(lang):
        return i18n.percent(value, signed=False)


def decimal(value: float, lang: str, places: int = 1) -> str:
    text = f"{value:.{places}f}"
    return text.replace(".", ",") if lang == "fr" else text


def signed(value: float, lang: str) -> str:
    """A difference of rates as `pathways compare` says it (`i18n.percent`): a
    difference that rounds to zero is +0 %, not -0 %."""
    with using(lang):
        return i18n.percent(value)


def shown(value: float | None) -> float:
    """A figure of a row that is not withheld (withheld rows never reach a chart)."""
    assert value is not None
    return value


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    numeric_from: int = 1,
    numeric_to: int | None = None,
) -> str:
    """A table whose columns numeric_from..numeric_to (excluded) are right-aligned numbers.

    Headers are plain text; cells are HTML (escaped by the caller)."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    end = len(headers) if numeric_to is None else numeric_to
    lines = []
    for row in rows:
        cells = "".join(
            f'<td class="{"num" if numeric_from <= i < end else ""}">{cell}</td>'
            for i, cell in enumerate(row)
        )
        lines.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(lines)}</tbody></table>"


def figure(svg: str, caption: str) -> str:
    """A chart and its caption; the caption is also the chart's accessible name."""
    label = esc(caption)
    return (
        f'<figure class="chart" role="img" aria-label="{label}">{svg}'
        f"<figcaption>{label}</figcaption></figure>"
    )


def no_chart(reason: str) -> str:
    """What stands where a chart would be empty: why there is nothing to draw."""
    return f'<p class="no-chart">{esc(reason)}</p>'


def paragraph(text: str, kind: str = "") -> str:
    cls = f' class="{kind}"' if kind else ""
    return f"<p{cls}>{esc(text)}</p>"


def heading(text: str, level: int = 3) -> str:
    return f"<h{level}>{esc(text)}</h{level}>"


def charts() -> Any:
    """The chart module, imported on first use (matplotlib takes a while to import)."""
    import importlib

    return importlib.import_module("pathways.report.charts")
