"""Indicator tables: cases counted per group with Wilson intervals (rates) or
quartiles and Kaplan-Meier medians (delays), small groups withheld.

The rows are typed (`RateRow`, `DelayRow`); `as_dict()` gives the row as
`pathways outcomes --json` prints it, keys in a fixed order."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from pathways.domain.outcomes.cases import Case
from pathways.domain.outcomes.indicators import DELAYS
from pathways.domain.stats import kaplan_meier, quartiles, wilson

#: Only this delay counts releases censored before the event (Kaplan-Meier).
CENSORED_DELAY = "days-to-mainstream"


@dataclass(slots=True)
class RateRow:
    """An indicator's rate in a group: n cases in its denominator, k with the outcome,
    the rate and its 95 % Wilson interval (None when the group is withheld)."""

    indicator: str
    labels: dict[str, str]  # "group" ("all", or the values joined by /), then each dimension
    n: int
    window_days: int | None
    k: int | None = None
    rate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    suppressed: bool = False
    secondary: bool = False  # withheld because another group's figures would give it away

    @property
    def group(self) -> str:
        return self.labels["group"]

    def as_dict(self) -> dict[str, Any]:
        row: dict[str, Any] = {"indicator": self.indicator, **self.labels, "n": self.n}
        row.update(
            window_days=self.window_days,
            k=self.k,
            rate=self.rate,
            ci_low=self.ci_low,
            ci_high=self.ci_high,
            suppressed=self.suppressed,
        )
        if self.secondary:
            row["secondary"] = True
        return row


@dataclass(slots=True)
class DelayRow:
    """A delay in a group: median and quartiles of n values (None when withheld, or not
    reached); n itself is None when it would give a withheld count away."""

    indicator: str
    labels: dict[str, str]
    n: int | None
    median: float | None = None
    q1: float | None = None
    q3: float | None = None
    suppressed: bool = False
    censored: int | None = None  # for CENSORED_DELAY only
    secondary: bool = False

    @property
    def group(self) -> str:
        return self.labels["group"]

    def as_dict(self) -> dict[str, Any]:
        row: dict[str, Any] = {"indicator": self.indicator, **self.labels, "n": self.n}
        row.update(median=self.median, q1=self.q1, q3=self.q3, suppressed=self.suppressed)
        if self.indicator == CENSORED_DELAY:
            row["censored"] = self.censored
        if self.secondary:
            row["secondary"] = True
        return row


OutcomeRow = RateRow | DelayRow


def group_key(case: Case, by: Sequence[str]) -> tuple[str, ...]:
    return tuple(case.groups[dimension] for dimension in by)


def tabulate(
    found: Iterable[Case],
    by: Sequence[str],
    indicators: dict[str, int | None],
    min_n: int,
) -> list[OutcomeRow]:
    """Rate and delay rows per group (and for the whole cohort, group `all`)."""
    everything = list(found)
    groups: dict[tuple[str, ...], list[Case]] = {}
    for case in everything:
        groups.setdefault(group_key(case, by), []).append(case)
    ordered = [(("all",) * max(1, len(by)), everything, True)]
    if by:
        ordered += [(key, groups[key], False) for key in sorted(groups)]
    rows: list[OutcomeRow] = []
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
    _suppress_complements(rows, min_n)
    _withhold_contact_counts(rows)
    return rows


def _withhold_contact_counts(rows: list[OutcomeRow]) -> None:
    """The n of `days-to-first-contact` is the k of `met-before-release` (the releases with
    a contact in [s, r]) of the same group: when that k is withheld, so is that n."""
    withheld = {
        row.group for row in rows if row.indicator == "met-before-release" and row.suppressed
    }
    for row in rows:
        first_contact = isinstance(row, DelayRow) and row.indicator == "days-to-first-contact"
        if first_contact and row.group in withheld:
            assert isinstance(row, DelayRow)
            if not row.suppressed:
                row.secondary = True
            row.n = row.median = row.q1 = row.q3 = None
            row.suppressed = True


def _suppress_complements(rows: list[OutcomeRow], min_n: int) -> None:
    """Secondary suppression: the total minus the groups shown gives the hidden groups
    together (their n is shown, their k is the total's k less the shown ones'). That must
    not give anyone away: a single hidden group would be recovered whole; hidden groups
    of fewer than min_n people together, or whose outcomes would all be the same (a k of
    0 or of all of them: two groups of one, both re-incarcerated), tell each member's
    outcome. While so, the smallest group shown is withheld too (`secondary`); unless the
    total itself already says everyone's outcome (a k of 0 or of all), which nothing
    withheld could hide.

    Indicators of one family (`_family`: a window's outcome implies the longer one's,
    a complete plan a plan) bound each other for the same releases: a group withheld to
    protect others in one is withheld in the family's others too, until nothing moves.
    A group withheld in the mainstream family also withholds its days-to-mainstream row
    (its quartiles and censored count would give the k back)."""
    by_indicator: dict[str, list[RateRow]] = {}
    totals: dict[str, RateRow] = {}
    for row in rows:
        if not isinstance(row, RateRow):
            continue
        if row.group == "all":
            totals[row.indicator] = row
        else:
            by_indicator.setdefault(row.indicator, []).append(row)
    families: dict[str, list[str]] = {}
    for indicator in by_indicator:
        families.setdefault(_family(indicator), []).append(indicator)
    moved = True
    while moved:
        moved = False
        for indicator, members in by_indicator.items():
            moved |= _protect(members, totals.get(indicator), min_n)
        for family in families.values():
            protecting = {r.group for i in family for r in by_indicator[i] if r.secondary}
            for indicator in family:
                for row in by_indicator[indicator]:
                    if row.group in protecting and not row.suppressed:
                        _withhold(row)
                        moved = True
    mainstream = {
        r.group
        for indicator in families.get("mainstream", ())
        for r in by_indicator[indicator]
        if r.secondary
    }
    for row in rows:
        delay = isinstance(row, DelayRow) and row.indicator == CENSORED_DELAY
        if delay and row.group in mainstream and not row.suppressed:
            assert isinstance(row, DelayRow)
            row.median = row.q1 = row.q3 = row.censored = None
            row.suppressed = row.secondary = True


def _protect(members: list[RateRow], total: RateRow | None, min_n: int) -> bool:
    """Withhold the smallest groups shown of one indicator until its hidden groups are
    safe (see `_suppress_complements`); whether any was withheld."""
    moved = False
    while True:
        hidden = [r for r in members if r.suppressed and r.n > 0]
        shown = [r for r in members if not r.suppressed]
        if not hidden or not shown or total is None or total.k is None:
            return moved
        if total.k in (0, total.n):  # (everyone's outcome is said by the total itself)
            return moved
        n = sum(r.n for r in hidden)
        k = total.k - sum(r.k or 0 for r in shown)
        if _safe(len(hidden), n, k, min_n):
            return moved
        # the smallest group shown that makes them safe, else the smallest (and again)
        ordered = sorted(shown, key=lambda r: (r.n, r.group))
        enough = [r for r in ordered if _safe(len(hidden) + 1, n + r.n, k + (r.k or 0), min_n)]
        _withhold(enough[0] if enough else ordered[0])
        moved = True


def _safe(groups: int, n: int, k: int, min_n: int) -> bool:
    """Whether hidden groups together (`groups` of them, n releases, k with the outcome)
    give no one away."""
    return groups > 1 and n >= min_n and 0 < k < n


def _withhold(row: RateRow) -> None:
    row.k = None
    row.rate = row.ci_low = row.ci_high = None
    row.suppressed = True
    row.secondary = True


def _family(indicator: str) -> str:
    """The family of an indicator: those whose outcome implies another's for the same
    releases (within 90 days implies within 180; re-incarceration is an incarceration; a
    complete plan is a plan)."""
    stem = re.sub(r"-within-\d+d$", "", indicator)
    if stem in ("incarcerated", "reincarcerated"):
        return "custody"
    if indicator in ("planned-release", "complete-plan-at-release"):
        return "plan"
    return stem


def rate_row(
    indicator: str,
    window: int | None,
    members: Sequence[Case],
    labels: dict[str, str],
    min_n: int,
) -> RateRow:
    values = [c.outcomes.get(indicator) for c in members]
    n = sum(v is not None for v in values)
    k = sum(v is True for v in values)
    if n < min_n:
        return RateRow(indicator, dict(labels), n, window, suppressed=True)
    low, high = wilson(k, n)
    return RateRow(indicator, dict(labels), n, window, k, k / n, low, high)


def delay_row(delay: str, members: Sequence[Case], labels: dict[str, str], min_n: int) -> DelayRow:
    median = q1 = q3 = None
    censored = None
    if delay == CENSORED_DELAY:
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
    return DelayRow(delay, dict(labels), n, median, q1, q3, n < min_n, censored)


class Typed(Protocol):
    def as_dict(self) -> dict[str, Any]: ...


def dicts(rows: Iterable[Typed]) -> list[dict[str, Any]]:
    """Typed rows as `--json` prints them."""
    return [row.as_dict() for row in rows]
