"""What the report shows, computed once (`gather`), and the names of the codes in it."""

from __future__ import annotations

import dataclasses
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from pathways.domain.outcomes import Case, ComparisonRow, OutcomeRow
from pathways.domain.reference import LANGUAGES, ReferenceData
from pathways.progress import SILENT, Progress
from pathways.queries import comparison_rows, outcome_rows
from pathways.report.i18n import TEXT

if TYPE_CHECKING:
    from pathways.projections.views import Views


@dataclass
class Inputs:
    """Everything the report shows, computed once."""

    meta: dict[str, Any]
    min_n: int
    reference: ReferenceData
    releases: list[Case]
    community: list[Case]
    by_territory: list[OutcomeRow]
    by_quarter: list[OutcomeRow]
    community_by_territory: list[OutcomeRow]
    comparisons: list[ComparisonRow]
    #: organisation -> followed youths and open alerts, on `caseload_on`
    caseload: dict[str, Counter[str]]
    #: the last day of the period, or the as-of date when the period is not over by then
    caseload_on: date


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
    # The caseload of the period's last day (as known at the same log position): the
    # report describes the period, and a later as-of date would count youths released
    # or taken on after it.
    caseload_on = min(last, point.as_of)
    caseload = _caseload(views.lines(dataclasses.replace(point, as_of=caseload_on)))
    progress.advance()
    meta = {
        **point.meta(),
        "from": first.isoformat(),
        "to": last.isoformat(),
        "min_n": threshold,
    }
    return Inputs(
        meta=meta,
        min_n=threshold,
        reference=ref,
        releases=releases,
        community=community,
        by_territory=outcome_rows(releases, ("territory",), "releases", threshold),
        by_quarter=outcome_rows(releases, ("quarter",), "releases", threshold),
        community_by_territory=outcome_rows(community, ("territory",), "community", threshold),
        comparisons=comparison_rows(releases, "measure", "releases", threshold, ref),
        caseload=caseload,
        caseload_on=caseload_on,
    )


def _caseload(lines: Any) -> dict[str, Counter[str]]:
    caseload: dict[str, Counter[str]] = {}
    for line in lines:
        counts = caseload.setdefault(line.organisation or "", Counter())
        counts["followed"] += 1
        for alert in line.alerts:
            counts[alert.alert] += 1
            counts["open_alerts"] += 1
    return caseload


@dataclass(frozen=True)
class Names:
    """The names of the codes the report shows, in its language (the codes stay in the
    data island, where they match `pathways outcomes --json`)."""

    reference: ReferenceData
    lang: str

    def territory(self, code: str) -> str:
        if code == "unknown":  # a community case whose residence is not known
            return TEXT[self.lang]["unknown"]
        return self.reference.territory_name(code, self.lang)

    def organisation(self, code: str) -> str:
        if not code or code == "none":
            return TEXT[self.lang]["none_org"]
        return self.reference.organisation_name(code, self.lang)

    def measure(self, code: str) -> str:
        if code == "none":
            return TEXT[self.lang]["no_measure"]
        return self.reference.measure_name(code)

    def quarter(self, code: str) -> str:
        """2026-Q1 as "T1 2026" in French, "Q1 2026" in English."""
        year, _, quarter = code.partition("-Q")
        return TEXT[self.lang]["quarter_name"].format(year=year, quarter=quarter)

    def of(self, dimension: str, code: str) -> str:
        if dimension == "territory":
            return self.territory(code)
        if dimension == "organisation":
            return self.organisation(code)
        if dimension == "measure":
            return self.measure(code)
        if dimension == "quarter":
            return self.quarter(code)
        return code

    def order(self, dimension: str, codes: Any) -> list[str]:
        """Codes in the order a reader expects: territories as the reference data lists
        them (those served by a Mission Locale, then the others by name), organisations in
        the order of their territories, quarters in time, the rest by name (accents
        ignored); a `none` group last."""
        found: set[str] = set(codes)
        if dimension == "quarter":
            return sorted(found)
        first: list[str] = []
        if dimension == "territory":
            served = self.reference.territories
            first = [c for c in served if c in found and served[c] is not None]
        elif dimension == "organisation":  # the Missions Locales in their territories' order
            first = [o for o in dict.fromkeys(self.reference.territories.values()) if o in found]
        rest = found - {"none", ""} - set(first)
        named = sorted(rest, key=lambda c: _sort_key(self.of(dimension, c)))
        return first + named + sorted(found & {"none", ""})

    def table(self) -> dict[str, dict[str, dict[str, str]]]:
        """Every name the report may show, in both languages, for its data island."""
        ref = self.reference
        territories = list(ref.territories)
        organisations = [*ref.organisations]
        return {
            lang: {
                "territory": {c: ref.territory_name(c, lang) for c in territories},
                "organisation": {c: ref.organisation_name(c, lang) for c in organisations},
                "measure": {c: m.name for c, m in sorted(ref.measures.items())},
            }
            for lang in LANGUAGES
        }


def _sort_key(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name)
    return "".join(c for c in plain if not unicodedata.combining(c)).casefold()
