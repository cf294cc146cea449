"""Percentages: every table (the CLI's, the report's) rounds a rate or a difference of
rates the same way, half up from the decimal Python writes, never to -0."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from math import floor

from hypothesis import given
from hypothesis import strategies as st

from pathways.i18n import percent, using, whole_percent
from pathways.report.markup import percent as report_percent
from pathways.report.markup import signed


def half_up(value: float) -> int:
    """The same rule, by decimal arithmetic (away from zero at a half)."""
    exact = Decimal(repr(value)) * 100
    whole = int(abs(exact).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return -whole if exact < 0 else whole


def exact_half_up(value: Fraction) -> int:
    """A rational's whole percent, half away from zero (what the nudge of a billionth
    gives a difference of two rates computed in floating point: 1 - 318/400 is
    0.20499999999999996 there, 20.5 % in truth, 21 %)."""
    whole = floor(abs(value) * 100 + Fraction(1, 2))
    return -whole if value < 0 else whole


def test_ties_go_up_as_written_not_as_stored() -> None:
    # 0.145 is stored a hair under 0.145: f"{0.145:.0%}" gave 14 %; 7/40 = 0.175 is
    # stored a hair under it too, and round(0.175, 2) gave 0.17 (the report's +17 %
    # where the CLI said +18 %).
    assert [whole_percent(v) for v in (0.145, 7 / 40, 0.125, 0.005)] == [15, 18, 13, 1]
    assert [whole_percent(v) for v in (-0.145, -7 / 40, -0.005)] == [-15, -18, -1]
    assert [whole_percent(v) for v in (0.14499, 0.0049, -0.0049, -0.0)] == [14, 0, 0, 0]
    assert percent(-0.004) == "+0%"  # never -0 %
    with using("fr"):
        assert percent(7 / 40) == "+18\u202f%"
        assert percent(0.125, signed=False) == "13\u202f%"


@given(st.fractions(min_value=-1, max_value=1, max_denominator=400))
def test_a_rate_or_a_difference_of_rates_rounds_half_up(value: object) -> None:
    number = float(value)  # type: ignore[arg-type]
    assert whole_percent(number) == half_up(number)


@given(st.integers(0, 400), st.integers(1, 400), st.integers(0, 400), st.integers(1, 400))
def test_the_report_and_the_cli_say_a_difference_alike(k1: int, n1: int, k2: int, n2: int) -> None:
    """The report says its figures in its own language, whatever the language of
    messages around it, as the CLI says them in that language."""
    exact = Fraction(min(k1, n1), n1) - Fraction(min(k2, n2), n2)  # the true difference
    difference = min(k1, n1) / n1 - min(k2, n2) / n2  # as computed
    rate = min(k1, n1) / n1
    for lang, other in (("en", "fr"), ("fr", "en")):
        space = "\u202f" if lang == "fr" else ""
        with using(other):
            assert signed(difference, lang) == f"{exact_half_up(exact):+d}{space}%"
            assert report_percent(rate, lang) == f"{half_up(rate)}{space}%"
        with using(lang):
            assert signed(difference, lang) == percent(difference)
            assert report_percent(rate, lang) == percent(rate, signed=False)
