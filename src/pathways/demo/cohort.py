"""A whole cohort: every youth simulated, their lines put into weekly batches at
their simulated recording times."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pathways.demo.recording import finish
from pathways.demo.simulation import Cohort, Ev, batch_day
from pathways.demo.youth import Youth

PARIS = ZoneInfo("Europe/Paris")
DEFAULT_YEARS = 2.0


@dataclass(frozen=True)
class Batch:
    """What one simulated week of recording adds: its recording time (UTC) and its lines."""

    recorded_at: datetime
    events: list[dict[str, Any]]

    @property
    def day(self) -> date:
        return self.recorded_at.astimezone(PARIS).date()


def period_start(end: date, years: float) -> date:
    return end - timedelta(days=round(years * 365.25))


def today_in_paris() -> date:
    return datetime.now(PARIS).date()


def generate(
    youth: int, seed: int, end: date | None = None, years: float = DEFAULT_YEARS
) -> list[Batch]:
    """A cohort of `youth` young people over `years` ending on `end`, as weekly batches.

    Deterministic for a seed (and an end). Each batch is valid when imported
    after the previous ones, and all of them together are valid as one batch.
    """
    if youth < 1:
        msg = "youth must be at least 1"
        raise ValueError(msg)
    if years <= 0:
        msg = "years must be more than 0"
        raise ValueError(msg)
    end = end or today_in_paris()
    rng = random.Random(seed)
    start = period_start(end, years)
    cohort = Cohort(rng, start, end)
    everything: list[Ev] = cohort.launch_measures()
    span = (end - start).days
    registrations = sorted(start + timedelta(days=rng.randint(0, span)) for _ in range(youth))
    numbers: Counter[int] = Counter()
    for registered in registrations:
        numbers[registered.year] += 1
        reference = f"Y-{registered.year}-{numbers[registered.year]:04d}"
        person = Youth(cohort, reference, registered)
        person.simulate()
        everything.extend(finish(person, end))

    by_day: dict[date, list[dict[str, Any]]] = {}
    # A stable sort keeps each youth's lines in the order `finish` left them.
    for ev in sorted(everything, key=lambda e: e.rec):
        by_day.setdefault(batch_day(ev.rec, end), []).append(ev.data)
    batches = []
    for day in sorted(by_day):
        at = time(16, 0) if day == end else time(17, 0)
        moment = datetime.combine(day, at, PARIS) + timedelta(minutes=rng.randint(0, 90))
        lines = by_day[day]
        lines.sort(key=lambda d: d["type"] != "MeasureLaunched")
        batches.append(Batch(moment.astimezone(UTC), lines))
    return batches
