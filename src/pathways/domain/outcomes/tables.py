"""Indicator tables: cases counted per group with Wilson intervals (rates) or
quartiles and Kaplan-Meier medians (delays), small groups withheld.

The rows are typed (`RateRow`, `DelayRow`); `as_dict()` gives the row as
`pathways outcomes --json` prints it, keys in a fixed order."""

from __future__ import annotations

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
    outcome. While so, the smallest group shown is withheld too (`secondary`)."""
    by_indicator: dict[str, list[RateRow]] = {}
    totals: dict[str, RateRow] = {}
    for row in rows:
        if not isinstance(row, RateRow):
            continue
        if row.group == "all":
            totals[row.indicator] = row
        else:
            by_indicator.setdefault(row.indicator, []).append(row)
    for indicator, members in by_indicator.items():
        total = totals.get(indicator)
        while True:
            hidden = [r for r in members if r.suppressed and r.n > 0]
            shown = [r for r in members if not r.suppressed]
            if not hidden or not shown or total is None or total.k is None:
                break
            n = sum(r.n for r in hidden)
            k = total.k - sum(r.k or 0 for r in shown)
            if len(hidden) > 1 and n >= min_n and 0 < k < n:
                break
            smallest = min(shown, key=lambda r: (r.n, r.group))
            smallest.k = None
            smallest.rate = smallest.ci_low = smallest.ci_high = None
            smallest.suppressed = True
            smallest.secondary = True


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
