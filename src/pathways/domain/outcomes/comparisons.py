"""Comparisons: each group against a reference, with Newcombe hybrid intervals.

The rows are typed (`ComparisonRow`); `as_dict()` gives the row as
`pathways compare --json` prints it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from itertools import product
from typing import Any

from pathways.domain.outcomes.cases import Case
from pathways.domain.stats import newcombe
from pathways.i18n import decimal, ngettext

#: The 95 % level: the share of comparisons flagged by chance alone with no real difference.
CHANCE = 0.05
#: Under this many cases on one side, a comparison carries the warning that it is too small
#: to say anything (it is still computed when both sides reach the suppression threshold).
ENOUGH = 20


@dataclass(frozen=True, slots=True)
class ComparisonRow:
    """A group against its reference for one indicator: the difference of the rates and
    its 95 % interval, flagged when the interval excludes 0."""

    indicator: str
    group: str
    reference: str
    n: int
    n_reference: int
    rate: float | None
    rate_reference: float | None
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    flagged: bool
    suppressed: bool
    warning: str | None

    def as_dict(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in COMPARISON_COLUMNS}


COMPARISON_COLUMNS = tuple(f.name for f in fields(ComparisonRow))


@dataclass(frozen=True)
class Chance:
    """What chance alone would flag: with many comparisons, some are flagged even with no
    real difference (the note under every table of comparisons)."""

    shown: int  # the comparisons with enough releases on both sides (`ENOUGH`)
    flagged: int  # of those
    small: int = 0  # shown too, on too few releases: never flagged (nor counted above)

    @property
    def expected(self) -> float:
        return CHANCE * self.shown

    def note(self) -> str:
        said = ngettext(
            "{shown} comparison on enough releases, {flagged} flagged; at the 95 % level "
            "about {expected} would be flagged by chance alone even with no real "
            "difference.",
            "{shown} comparisons on enough releases, {flagged} flagged; at the 95 % level "
            "about {expected} would be flagged by chance alone even with no real "
            "difference.",
            self.shown,
        ).format(shown=self.shown, flagged=self.flagged, expected=decimal(self.expected))
        if self.small:
            said += " " + ngettext(
                "{small} more, on too few releases, is not flagged: nothing can be "
                "concluded from it.",
                "{small} more, on too few releases, are not flagged: nothing can be "
                "concluded from them.",
                self.small,
            ).format(small=self.small)
        return said


def conclusive(row: ComparisonRow) -> bool:
    """A comparison with enough releases on both sides to flag it or not (as the report's
    main table): neither suppressed nor on too few releases."""
    return not row.suppressed and row.warning is None


def chance(rows: Iterable[ComparisonRow]) -> Chance:
    """The comparisons with enough releases, those flagged, and those on too few (the
    report's main table and annex, the note under `compare`)."""
    rows = list(rows)
    enough = [r for r in rows if conclusive(r)]
    small = sum(not r.suppressed for r in rows) - len(enough)
    return Chance(len(enough), sum(r.flagged for r in enough), small)


def compare(
    found: Sequence[Case],
    by: str,
    indicators: dict[str, int | None],
    min_n: int,
    reference: str | None,
    measure_territories: dict[str, str],
    small: int = ENOUGH,
) -> list[ComparisonRow]:
    """Each group against its reference, for each indicator (Newcombe hybrid intervals).

    Territories: each against `reference` (a territory), or the rest of the
    département. Measures: enrolled against not enrolled, on the measure's
    territory (release destination), unless `reference` names another group.
    """
    values = sorted({c.groups[by] for c in found} - ({"none"} if by == "measure" else set()))
    rows: list[ComparisonRow] = []
    for value, indicator in product(values, indicators):
        if value == reference:
            continue
        group = [c for c in found if c.groups[by] == value]
        if reference is not None:
            against = [c for c in found if c.groups[by] == reference]
            label = reference
        elif by == "measure":
            territory = measure_territories.get(value)
            against = [
                c
                for c in found
                if c.groups["measure"] == "none" and c.groups["territory"] == territory
            ]
            label = f"none ({territory})"
        else:
            against = [c for c in found if c.groups[by] != value]
            label = f"not {value}"
        rows.append(_comparison(indicator, value, label, group, against, min_n, small))
    return rows


def _comparison(
    indicator: str,
    value: str,
    label: str,
    group: Sequence[Case],
    against: Sequence[Case],
    min_n: int,
    small: int,
) -> ComparisonRow:
    def counts(members: Sequence[Case]) -> tuple[int, int]:
        outcomes = [c.outcomes.get(indicator) for c in members]
        return sum(o is True for o in outcomes), sum(o is not None for o in outcomes)

    k1, n1 = counts(group)
    k2, n2 = counts(against)
    if n1 < min_n or n2 < min_n:
        warning = f"suppressed: fewer than {min_n} releases on one side"
        return ComparisonRow(
            indicator, value, label, n1, n2, None, None, None, None, None, False, True, warning
        )
    difference, low, high = newcombe(k1, n1, k2, n2)
    small_warning = (
        f"too few releases to say anything (n < {small} on one side)"
        if min(n1, n2) < small
        else None
    )
    return ComparisonRow(
        indicator,
        value,
        label,
        n1,
        n2,
        rate=k1 / n1,
        rate_reference=k2 / n2,
        difference=difference,
        ci_low=low,
        ci_high=high,
        flagged=low > 0 or high < 0,
        suppressed=False,
        warning=small_warning,
    )
