"""Indicator tables: cases counted per group with Wilson intervals (rates) or
quartiles and Kaplan-Meier medians (delays), small groups withheld."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pathways.domain.outcomes.cases import Case
from pathways.domain.outcomes.indicators import DELAYS
from pathways.domain.stats import kaplan_meier, quartiles, wilson


def group_key(case: Case, by: Sequence[str]) -> tuple[str, ...]:
    return tuple(case.groups[dimension] for dimension in by)


def tabulate(
    found: Iterable[Case],
    by: Sequence[str],
    indicators: dict[str, int | None],
    min_n: int,
) -> list[dict[str, Any]]:
    """Rate and delay rows per group (and for the whole cohort, group `all`)."""
    everything = list(found)
    groups: dict[tuple[str, ...], list[Case]] = {}
    for case in everything:
        groups.setdefault(group_key(case, by), []).append(case)
    ordered = [(("all",) * max(1, len(by)), everything, True)]
    if by:
        ordered += [(key, groups[key], False) for key in sorted(groups)]
    rows: list[dict[str, Any]] = []
    for key, members, whole in ordered:
        labels = {"group": "all" if whole else "/".join(key)}
        labels.update(
            {
                dim: ("all" if whole else value)
                for dim, value in zip(by, key[: len(by)], strict=True)
            }
        )
        for indicator, days in indicators.items():
            rows.append(rate_row(indicator, days, members, labels, min_n))
        for delay in DELAYS:
            rows.append(delay_row(delay, members, labels, min_n))
    _suppress_complements(rows)
    _withhold_contact_counts(rows)
    return rows


def _withhold_contact_counts(rows: list[dict[str, Any]]) -> None:
    """The n of `days-to-first-contact` is the k of `met-before-release` (the releases with
    a contact in [s, r]) of the same group: when that k is withheld, so is that n."""
    withheld = {
        row["group"]
        for row in rows
        if row["indicator"] == "met-before-release" and row["suppressed"]
    }
    for row in rows:
        if row["indicator"] == "days-to-first-contact" and row["group"] in withheld:
            if not row["suppressed"]:
                row["secondary"] = True
            row.update(n=None, median=None, q1=None, q3=None, suppressed=True)


def _suppress_complements(rows: list[dict[str, Any]]) -> None:
    """Secondary suppression: when a single group of an indicator is suppressed, the
    total minus the other groups would give it away, so the next smallest group is
    withheld too."""
    by_indicator: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if row["group"] != "all" and "rate" in row:
            by_indicator.setdefault(row["indicator"], []).append(row)
    for members in by_indicator.values():
        hidden = [r for r in members if r["suppressed"] and r["n"] > 0]
        shown = [r for r in members if not r["suppressed"]]
        if len(hidden) == 1 and shown:
            smallest = min(shown, key=lambda r: r["n"])
            smallest.update(k=None, rate=None, ci_low=None, ci_high=None, suppressed=True)
            smallest["secondary"] = True


def rate_row(
    indicator: str,
    window: int | None,
    members: Sequence[Case],
    labels: dict[str, str],
    min_n: int,
) -> dict[str, Any]:
    values = [c.outcomes.get(indicator) for c in members]
    n = sum(v is not None for v in values)
    k = sum(v is True for v in values)
    row: dict[str, Any] = {"indicator": indicator, **labels, "n": n, "window_days": window}
    if n < min_n:
        row.update(k=None, rate=None, ci_low=None, ci_high=None, suppressed=True)
    else:
        low, high = wilson(k, n)
        row.update(k=k, rate=k / n, ci_low=low, ci_high=high, suppressed=False)
    return row


def delay_row(
    delay: str, members: Sequence[Case], labels: dict[str, str], min_n: int
) -> dict[str, Any]:
    row: dict[str, Any] = {"indicator": delay, **labels}
    median = q1 = q3 = None
    censored = None
    if delay == "days-to-mainstream":
        n = len(members)
        if n >= min_n:
            curve = kaplan_meier(
                [c.mainstream[0] for c in members], [c.mainstream[1] for c in members]
            )
            q1, median, q3 = curve.quantile(0.75), curve.quantile(0.5), curve.quantile(0.25)
        censored = sum(not c.mainstream[1] for c in members)
    else:
        values = [
            v
            for v in (
                c.first_contact if delay == "days-to-first-contact" else c.contacts_per_month
                for c in members
            )
            if v is not None
        ]
        n = len(values)
        if n >= min_n:
            q1, median, q3 = quartiles(values)
    row.update(n=n, median=median, q1=q1, q3=q3, suppressed=n < min_n)
    if censored is not None:
        row["censored"] = censored if n >= min_n else None
    return row
