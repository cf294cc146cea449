"""Comparisons: each group against a reference, with Newcombe hybrid intervals."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import product
from typing import Any

from pathways.domain.outcomes.cases import Case
from pathways.domain.stats import newcombe


def compare(
    found: Sequence[Case],
    by: str,
    indicators: dict[str, int | None],
    min_n: int,
    reference: str | None,
    measure_territories: dict[str, str],
    small: int = 20,
) -> list[dict[str, Any]]:
    """Each group against its reference, for each indicator (Newcombe hybrid intervals).

    Territories: each against `reference` (a territory), or the rest of the
    département. Measures: enrolled against not enrolled, on the measure's
    territory (release destination), unless `reference` names another group.
    """
    values = sorted({c.groups[by] for c in found} - ({"none"} if by == "measure" else set()))
    rows: list[dict[str, Any]] = []
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
) -> dict[str, Any]:
    def counts(members: Sequence[Case]) -> tuple[int, int]:
        outcomes = [c.outcomes.get(indicator) for c in members]
        return sum(o is True for o in outcomes), sum(o is not None for o in outcomes)

    k1, n1 = counts(group)
    k2, n2 = counts(against)
    row: dict[str, Any] = {
        "indicator": indicator,
        "group": value,
        "reference": label,
        "n": n1,
        "n_reference": n2,
    }
    if n1 < min_n or n2 < min_n:
        row.update(
            rate=None, rate_reference=None, difference=None, ci_low=None, ci_high=None,
            flagged=False, suppressed=True, warning="suppressed: fewer than "
            f"{min_n} releases on one side",
        )  # fmt: skip
        return row
    difference, low, high = newcombe(k1, n1, k2, n2)
    warning = (
        f"too few releases to say anything (n < {small} on one side)"
        if min(n1, n2) < small
        else None
    )
    row.update(
        rate=k1 / n1,
        rate_reference=k2 / n2,
        difference=difference,
        ci_low=low,
        ci_high=high,
        flagged=low > 0 or high < 0,
        suppressed=False,
        warning=warning,
    )
    return row
