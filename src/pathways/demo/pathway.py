"""The base of a simulated pathway: a young person's state, and what every phase of
the simulation (`custody`, `outside`) does with it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from pathways.demo.simulation import Cohort, Ev, years_later
from pathways.demo.tables import AGE_WEIGHTS, AGES
from pathways.domain.reference import DEFAULT_TERRITORIES
from pathways.domain.rules import age_on


class Pathway:
    """One young person's simulated pathway: who they are, and the lines so far."""

    # set by the simulation once known
    org: str
    counsellor: str
    support_on: date
    supervision_ends: date

    def __init__(self, cohort: Cohort, reference: str, registered: date) -> None:
        self.c = cohort
        self.rng = cohort.rng
        self.ref = reference
        self.reg = registered
        self.events: list[Ev] = []
        self.stop = cohort.end  # the last day of the pathway in the action
        self.closure: tuple[date, str] | None = None
        self.open_programmes: dict[str, date] = {}
        self.open_situations: dict[str, date] = {}
        self.rights: set[str] = set()
        self.supervision_open = False
        self.pending_handovers: list[Ev] = []
        rng = self.rng
        self.sex = rng.choices(("male", "female", "other"), (88, 11, 1))[0]
        self.residence = rng.choices(cohort.territories, cohort.residence_weights)[0]
        self.age = rng.choices(AGES, AGE_WEIGHTS)[0]
        latest = years_later(registered, -self.age)
        # A 25-year-old is still more than three months from their 26th birthday.
        span = 270 if self.age == 25 else 364
        birth = latest - timedelta(days=rng.randint(0, span))
        while age_on(birth, registered) < self.age:  # registered on a 29 February
            birth -= timedelta(days=1)
        self.birth = birth
        self.turns_26 = years_later(birth, 26)

    def add(self, type_: str, day: date, **fields: Any) -> Ev:
        data: dict[str, Any] = {
            "type": type_,
            "youth": self.ref,
            "occurred_on": day.isoformat(),
            "id": self.c.new_id(),
        }
        data.update(fields)
        ev = Ev(day, day + timedelta(days=self.c.lag()), data)
        self.events.append(ev)
        return ev

    def organisation_of(self, territory: str) -> str | None:
        return DEFAULT_TERRITORIES[territory]

    def facility(self, territory: str) -> str:
        rng = self.rng
        if rng.random() < 0.04:
            return "other"
        if self.sex == "female":
            return "cp-femmes-rennes"
        if territory == "saint-malo" and rng.random() < 0.85:
            return "ma-saint-malo"
        if territory in ("fougeres", "vitre") and rng.random() < 0.1:
            return "ma-saint-malo"
        return "cp-rennes-vezin"

    def within(self, first: date, last: date) -> date:
        """A day in [first, last) (first when the span is empty)."""
        days = (last - first).days
        return first + timedelta(days=self.rng.randint(0, days - 1)) if days > 1 else first

    def close_support(self, day: date, reason: str) -> None:
        """The support ends: the pathway in the action stops there."""
        if day < self.stop and day > self.support_on:
            self.closure = (day, reason)
            self.stop = day
