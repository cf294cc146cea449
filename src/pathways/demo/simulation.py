"""What a simulation is made of: the lines being simulated (`Ev`), the state shared by
a cohort (`Cohort`: its random generator, its period, its pilot measures) and the
weekly batches that record them."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from typing import Any

from pathways.demo.tables import (
    COUNSELLORS,
    MEASURES,
    RESIDENCE_WEIGHTS,
    SPIP,
    MeasurePlan,
)
from pathways.domain.events import EVENT_TYPES


class Ev:
    """An event being simulated: its dates, its line, what its recording waits for."""

    __slots__ = ("after", "data", "occ", "rec")

    def __init__(self, occ: date, rec: date, data: dict[str, Any]) -> None:
        self.occ = occ
        self.rec = rec
        self.data = data
        self.after: Ev | None = None  # recorded no earlier than this one


def years_later(day: date, years: int) -> date:
    """The same day `years` later (29 February -> 1 March)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def family_of(data: dict[str, Any]) -> str | None:
    """The pair family of a line (the catalogue's), e.g. `custody`, `programme:cej`."""
    pairing = EVENT_TYPES[data["type"]].pairing
    if pairing is None:
        return None
    key = pairing.family.key
    return pairing.of(None if key is None else data[key]).family


#: The steps the probation service records (the catalogue's judicial phase).
JUDICIAL = frozenset(kind for kind, cls in EVENT_TYPES.items() if cls.phase == "judicial")
ML_MARK = "\x00ml"  # placeholder: the support organisation on the day of the contact


class Cohort:
    """The state shared by all youths of one simulation."""

    def __init__(self, rng: random.Random, start: date, end: date) -> None:
        self.rng = rng
        self.start = start
        self.end = end
        self.measures: list[tuple[MeasurePlan, date, date | None, Ev]] = []
        self.territories = list(RESIDENCE_WEIGHTS)
        self.residence_weights = list(RESIDENCE_WEIGHTS.values())

    def new_id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def lag(self) -> int:
        """Days between a step and its recording."""
        x = self.rng.random()
        if x < 0.62:
            return self.rng.randint(0, 3)
        if x < 0.86:
            return self.rng.randint(4, 10)
        if x < 0.97:
            return self.rng.randint(11, 30)
        return self.rng.randint(31, 80)

    def counsellor(self, organisation: str) -> str:
        prefix, count = COUNSELLORS[organisation]
        return f"{prefix}-{self.rng.randint(1, count):02d}"

    def launch_measures(self) -> list[Ev]:
        span = (self.end - self.start).days
        events = []
        for plan in MEASURES:
            launched = self.start + timedelta(days=int(span * plan.starts))
            if launched > self.end:
                continue
            ended = (
                self.start + timedelta(days=int(span * plan.ends))
                if plan.ends is not None
                else None
            )
            if ended is not None and ended > self.end:
                ended = None
            data = {
                "type": "MeasureLaunched",
                "occurred_on": launched.isoformat(),
                "id": self.new_id(),
                "code": plan.code,
                "name": plan.name,
                "territory": plan.territory,
                "recorded_by": SPIP,
            }
            launch = Ev(
                launched, min(self.end, launched + timedelta(days=self.rng.randint(0, 5))), data
            )
            events.append(launch)
            self.measures.append((plan, launched, ended, launch))
            if ended is not None:
                data = {
                    "type": "MeasureEnded",
                    "occurred_on": ended.isoformat(),
                    "id": self.new_id(),
                    "code": plan.code,
                    "recorded_by": SPIP,
                }
                closing = Ev(
                    ended, min(self.end, ended + timedelta(days=self.rng.randint(0, 10))), data
                )
                closing.after = launch
                events.append(closing)
        return events


def batch_day(day: date, end: date) -> date:
    """The weekly batch that records a day's entries: the next Friday, or the end."""
    return min(end, day + timedelta(days=(4 - day.weekday()) % 7))
