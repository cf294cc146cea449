"""The statistics of the indicators, against independent implementations on generated data:

- `wilson` against statsmodels' `proportion_confint(method="wilson")`;
- `newcombe` against statsmodels' `confint_proportions_2indep(method="newcomb")`;
- `kaplan_meier` quantiles against lifelines' `KaplanMeierFitter`, and against an exact
  product-limit estimate in fractions (lifelines computes the curve in floating point,
  as exp of a sum of logs, so a curve that falls exactly to 0.5 may stay a hair above
  it there and give the next time, or infinity);
- `quartiles` against numpy's percentiles (linear interpolation).
"""

from __future__ import annotations

import math
import warnings
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pathways.domain.stats import Z95, kaplan_meier, newcombe, quartiles, wilson

statsmodels_proportion = pytest.importorskip("statsmodels.stats.proportion")
lifelines = pytest.importorskip("lifelines")

TOLERANCE = 1e-9
QUANTILES = (0.75, 0.5, 0.25)  # the first quartile, the median, the third quartile


@st.composite
def counts(draw: st.DrawFn, most: int = 500) -> tuple[int, int]:
    n = draw(st.integers(1, most))
    return draw(st.integers(0, n)), n


# --- Wilson ------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(counts())
def test_wilson_equals_statsmodels(kn: tuple[int, int]) -> None:
    k, n = kn
    low, high = wilson(k, n)
    expected = statsmodels_proportion.proportion_confint(k, n, alpha=0.05, method="wilson")
    assert low == pytest.approx(float(expected[0]), abs=TOLERANCE)
    assert high == pytest.approx(float(expected[1]), abs=TOLERANCE)
    assert 0.0 <= low <= k / n <= high <= 1.0


def test_wilson_at_known_values() -> None:
    from scipy.stats import norm

    assert norm.isf(0.025) == pytest.approx(Z95, abs=1e-15)
    assert wilson(0, 10)[0] == 0.0
    assert wilson(10, 10)[1] == 1.0
    # Newcombe (1998), table I: 81/263 -> 0.2553 to 0.3662.
    low, high = wilson(81, 263)
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)
    with pytest.raises(ValueError, match="positive"):
        wilson(0, 0)


# --- Newcombe -----------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(counts(), counts())
def test_newcombe_equals_statsmodels(first: tuple[int, int], second: tuple[int, int]) -> None:
    (k1, n1), (k2, n2) = first, second
    difference, low, high = newcombe(k1, n1, k2, n2)
    expected_low, expected_high = statsmodels_proportion.confint_proportions_2indep(
        k1, n1, k2, n2, method="newcomb", compare="diff", alpha=0.05
    )
    assert difference == pytest.approx(k1 / n1 - k2 / n2, abs=TOLERANCE)
    assert low == pytest.approx(float(expected_low), abs=TOLERANCE)
    assert high == pytest.approx(float(expected_high), abs=TOLERANCE)
    assert -1.0 <= low <= difference <= high <= 1.0


def test_newcombe_at_known_values() -> None:
    # Newcombe (1998), table II, example (a): 56/70 - 48/80 -> 0.0524 to 0.3339.
    difference, low, high = newcombe(56, 70, 48, 80)
    assert difference == pytest.approx(0.2)
    assert (round(low, 4), round(high, 4)) == (0.0524, 0.3339)
    # Swapping the groups mirrors the interval.
    assert newcombe(48, 80, 56, 70) == pytest.approx((-0.2, -high, -low))


# --- Kaplan-Meier -------------------------------------------------------------------------


def exact_quantile(durations: list[int], observed: list[bool], q: Fraction) -> int | None:
    """The first event time at which the exact product-limit curve is at or below q."""
    survival = Fraction(1)
    at_risk = len(durations)
    for time in sorted(set(durations)):
        events = sum(1 for d, o in zip(durations, observed, strict=True) if d == time and o)
        leaving = sum(1 for d in durations if d == time)
        if events:
            survival *= 1 - Fraction(events, at_risk)
            if survival <= q:
                return time
        at_risk -= leaving
    return None


def exact_curve(durations: list[int], observed: list[bool]) -> list[Fraction]:
    survival = Fraction(1)
    values = []
    at_risk = len(durations)
    for time in sorted(set(durations)):
        events = sum(1 for d, o in zip(durations, observed, strict=True) if d == time and o)
        if events:
            survival *= 1 - Fraction(events, at_risk)
            values.append(survival)
        at_risk -= sum(1 for d in durations if d == time)
    return values


def lifelines_quantiles(durations: list[int], observed: list[bool]) -> dict[float, float | None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitter = lifelines.KaplanMeierFitter().fit(durations, observed)
        found = {
            0.5: float(fitter.median_survival_time_),
            0.75: float(fitter.percentile(0.75)),
            0.25: float(fitter.percentile(0.25)),
        }
        # With an exact tie at q, lifelines' floating-point curve may stay a hair above q.
        nudged = {q: float(fitter.percentile(q + 1e-9)) for q in QUANTILES}
    return {q: None if math.isinf(v) else v for q, v in found.items()} | {
        -q: None if math.isinf(v) else v for q, v in nudged.items()
    }


@st.composite
def durations(draw: st.DrawFn) -> tuple[list[int], list[bool]]:
    """Small integer days, so that ties (events and censorings on one day) are frequent."""
    size = draw(st.integers(1, 40))
    top = draw(st.sampled_from([3, 10, 60, 400]))
    days = draw(st.lists(st.integers(0, top), min_size=size, max_size=size))
    seen = draw(st.lists(st.booleans(), min_size=size, max_size=size))
    return days, seen


@settings(max_examples=300, deadline=None)
@given(durations())
def test_kaplan_meier_quantiles_equal_lifelines(data: tuple[list[int], list[bool]]) -> None:
    days, seen = data
    curve = kaplan_meier(days, seen)
    theirs = lifelines_quantiles(days, seen)
    exact = exact_curve(days, seen)
    assert list(curve.survival) == pytest.approx([float(v) for v in exact], abs=1e-12)
    for q in QUANTILES:
        ours = curve.quantile(q)
        assert ours == exact_quantile(days, seen, Fraction(q)), q
        if any(value == Fraction(q) for value in exact):
            assert ours == theirs[-q], q  # an exact tie: lifelines nudged by 1e-9
        else:
            assert ours == theirs[q], q


@pytest.mark.parametrize(
    ("days", "seen", "expected"),
    [
        # No event: nothing is ever reached.
        ([5, 7, 9], [False, False, False], (None, None, None)),
        # Fewer than half observed, the rest censored later: median not reached.
        ([1, 10, 10, 10], [True, False, False, False], (1, None, None)),
        # Censored on the day of an event: still at risk for it (5 at risk on day 2).
        ([2, 2, 2, 3, 4], [True, False, False, True, True], (3, 3, 4)),
        # A curve that falls exactly to 0.5: the median is that time.
        ([1, 2, 3, 4], [True, True, True, True], (1, 2, 3)),
        # Ties of events: one step for the day.
        ([0, 0, 0, 0, 5], [True, True, True, False, True], (0, 0, 5)),
        # Censoring before any event changes the risk set, not the curve.
        ([1, 2, 3], [False, True, True], (2, 2, 3)),
    ],
)
def test_kaplan_meier_at_edges(
    days: list[int], seen: list[bool], expected: tuple[int | None, ...]
) -> None:
    curve = kaplan_meier(days, seen)
    assert tuple(curve.quantile(q) for q in QUANTILES) == expected
    theirs = lifelines_quantiles(days, seen)
    assert tuple(theirs[-q] for q in QUANTILES) == expected


def test_kaplan_meier_curve_values() -> None:
    curve = kaplan_meier([2, 2, 2, 3, 4], [True, False, False, True, True])
    assert curve.times == (2, 3, 4)
    assert curve.at_risk == (5, 2, 1)
    assert curve.survival == pytest.approx((0.8, 0.4, 0.0))
    assert curve.at(1) == 1.0
    assert curve.at(2) == pytest.approx(0.8)
    assert curve.at(3.5) == pytest.approx(0.4)
    assert kaplan_meier([], []).quantile(0.5) is None


# --- quartiles ------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.integers(0, 400),
            st.floats(0, 1000, allow_nan=False, allow_infinity=False),
        ),
        min_size=1,
        max_size=60,
    )
)
def test_quartiles_equal_numpy_linear_percentiles(values: list[float]) -> None:
    q1, median, q3 = quartiles(values)
    expected = np.percentile(np.array(values, dtype=float), [25, 50, 75], method="linear")
    assert (q1, median, q3) == pytest.approx(tuple(float(v) for v in expected), abs=1e-9)
    assert q1 <= median <= q3


def test_quartiles_of_known_values() -> None:
    assert quartiles([7]) == (7.0, 7.0, 7.0)
    assert quartiles([1, 2]) == (1.25, 1.5, 1.75)
    assert quartiles([4, 1, 3, 2, 5]) == (2, 3, 4)
