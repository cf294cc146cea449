"""The few statistics evaluators need, written out so that each is checkable.

- `wilson`: the 95 % Wilson score interval of a proportion k/n;
- `newcombe`: the 95 % interval of a difference of two proportions by
  Newcombe's hybrid score method (his method 10), built on two Wilson intervals;
- `kaplan_meier`: the product-limit survival curve of censored durations, and
  its quantiles (the median is the first time the curve falls to 0.5 or below,
  as lifelines defines it);
- `quartiles`: the median and quartiles of plain values (linear interpolation).

The tests check them against statsmodels and lifelines on generated data.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

Z95 = 1.959963984540054


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of k successes among n (n > 0)."""
    if n <= 0:
        msg = "n must be positive"
        raise ValueError(msg)
    p = k / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    # At k = 0 (k = n) the bound is exactly 0 (1); rounding would leave it a hair off,
    # an interval that misses its own estimate.
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return low, high


def newcombe(k1: int, n1: int, k2: int, n2: int, z: float = Z95) -> tuple[float, float, float]:
    """The difference p1 - p2 and its hybrid score interval (Newcombe 1998, method 10)."""
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson(k1, n1, z)
    l2, u2 = wilson(k2, n2, z)
    d = p1 - p2
    lower = max(-1.0, d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2))
    upper = min(1.0, d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2))
    return d, lower, upper


@dataclass(frozen=True)
class Curve:
    """A Kaplan-Meier curve: at each event time, the survival just after it."""

    times: tuple[float, ...]
    survival: tuple[float, ...]
    at_risk: tuple[int, ...]

    def quantile(self, remaining: float) -> float | None:
        """The first time the survival falls to `remaining` or below (None: not reached)."""
        for time, value in zip(self.times, self.survival, strict=True):
            if value <= remaining + 1e-12:
                return time
        return None

    def at(self, time: float) -> float:
        value = 1.0
        for t, s in zip(self.times, self.survival, strict=True):
            if t > time:
                break
            value = s
        return value


def kaplan_meier(durations: Sequence[float], observed: Sequence[bool]) -> Curve:
    """The product-limit estimate; censored durations leave the risk set after events
    at the same time."""
    pairs = sorted(zip(durations, observed, strict=True))
    at_risk = len(pairs)
    survival = 1.0
    times: list[float] = []
    values: list[float] = []
    risks: list[int] = []
    index = 0
    while index < len(pairs):
        time = pairs[index][0]
        events = removed = 0
        while index < len(pairs) and pairs[index][0] == time:
            events += pairs[index][1]
            removed += 1
            index += 1
        if events:
            survival *= 1 - events / at_risk
            times.append(time)
            values.append(survival)
            risks.append(at_risk)
        at_risk -= removed
    return Curve(tuple(times), tuple(values), tuple(risks))


def quartiles(values: Sequence[float]) -> tuple[float, float, float]:
    """(q1, median, q3) by linear interpolation between order statistics."""
    if len(values) == 1:
        only = float(values[0])
        return only, only, only
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, median, q3
