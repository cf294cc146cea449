"""The evaluation report: one self-contained HTML file, in French by default.

Everything is inside the file: styles, charts (inline SVG drawn by
matplotlib), a few lines of script that only check the charts are drawn, and a
JSON data island holding the same rows as `pathways outcomes --json` (with the
names of the codes), so that a reader (or a test) can check every figure. No
reference, no birth date and no individual row ever enters it; groups under the
suppression threshold have their outcome counts, rates and intervals withheld,
and charts leave them out (a chart with nothing left to draw is replaced by a
sentence saying why). `pathways.report.pdf` prints it with headless Chromium.

The package: `data` (what is computed, and the names of the codes), `page` (the
document, its styles and script), one module per group of sections (`cohort`,
`timing`, `comparisons`, `caseload`, `glossary`), `markup` (the HTML pieces),
`charts` (matplotlib), `i18n` (the words).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from pathways.report.data import Inputs, Names, gather
from pathways.report.page import render

if TYPE_CHECKING:
    from pathways.projections.views import Views


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


__all__ = ["Inputs", "Names", "build", "gather", "render"]
