"""Indicators for evaluators (DOMAIN.md section 7), as pure functions of facts.

`cases(...)` turns one youth's effective facts (dated up to the as-of date)
into *cases*: one per release dated in the period (or, for the community
cohort, one per start of community supervision), each with its groups, the
outcome of every indicator (None when the release is not in its denominator,
e.g. a window not yet complete), and its delays. `tabulate(...)` counts them
per group with Wilson intervals and applies the suppression rule;
`compare(...)` sets groups against a reference with Newcombe intervals.

The package: `indicators` (codes, windows, dimensions), `groups` (quarters, age
bands), `cases`, `tables` and `comparisons`.
"""

from pathways.domain.outcomes.cases import CONTACTS_WINDOW, READS, Case, cases
from pathways.domain.outcomes.comparisons import (
    COMPARISON_COLUMNS,
    ENOUGH,
    Chance,
    ComparisonRow,
    chance,
    compare,
    conclusive,
)
from pathways.domain.outcomes.groups import (
    AGE_BAND_EVENTS,
    age_band,
    band_of,
    exact_age_band,
    quarter_of,
)
from pathways.domain.outcomes.indicators import (
    COMMUNITY_INDICATORS,
    DELAYS,
    DIMENSIONS,
    RELEASE_INDICATORS,
    indicators_for,
)
from pathways.domain.outcomes.tables import (
    DelayRow,
    OutcomeRow,
    RateRow,
    delay_row,
    dicts,
    group_key,
    rate_row,
    tabulate,
)

__all__ = [
    "AGE_BAND_EVENTS",
    "COMMUNITY_INDICATORS",
    "COMPARISON_COLUMNS",
    "CONTACTS_WINDOW",
    "DELAYS",
    "DIMENSIONS",
    "ENOUGH",
    "READS",
    "RELEASE_INDICATORS",
    "Case",
    "Chance",
    "ComparisonRow",
    "DelayRow",
    "OutcomeRow",
    "RateRow",
    "age_band",
    "band_of",
    "cases",
    "chance",
    "compare",
    "conclusive",
    "delay_row",
    "dicts",
    "exact_age_band",
    "group_key",
    "indicators_for",
    "quarter_of",
    "rate_row",
    "tabulate",
]
