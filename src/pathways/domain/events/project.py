"""The project and rights phases: the integration project, the release plan, the rights
obtained and the referrals to care.
"""

from dataclasses import dataclass
from datetime import date
from typing import ClassVar, Literal

from pathways.domain.events import base
from pathways.domain.events.base import Day, YouthEvent
from pathways.domain.events.fields import describe

__all__ = [
    "CareReferralMade",
    "CareService",
    "ProjectDrafted",
    "ProjectTarget",
    "ReleasePlanValidated",
    "Right",
    "RightObtained",
]


ProjectTarget = Literal["employment", "training", "apprenticeship", "school", "other"]
Right = Literal[
    "id-document",
    "health-insurance",
    "css",
    "domiciliation",
    "bank-account",
    "france-travail",
    "housing",
    "allowance",
]
CareService = Literal["csapa", "cmp", "gp", "other"]


class ProjectDrafted(YouthEvent):
    """An integration project is drafted with the young person."""

    phase: ClassVar[str] = "project"
    target: ProjectTarget = describe("What the project aims at.")

    @dataclass(slots=True)
    class Fact(base.Fact):
        target: ProjectTarget


class ReleasePlanValidated(YouthEvent):
    """The release is prepared: what is secured for the day of release."""

    phase: ClassVar[str] = "project"
    housing: bool = describe("Housing secured.")
    income: bool = describe("Income secured.")
    id_document: bool = describe("Identity document available.")
    health_cover: bool = describe("Health cover open.")
    first_appointment_on: date | None = describe(
        "First appointment after release (optional).", default=None
    )

    @dataclass(slots=True)
    class Fact(base.Fact):
        first_appointment_on: Day | None
        housing: bool
        income: bool
        id_document: bool
        health_cover: bool

        @property
        def complete(self) -> bool:
            """Housing, income, identity document and health cover all secured."""
            return self.housing and self.income and self.id_document and self.health_cover


# --- rights ------------------------------------------------------------------


class RightObtained(YouthEvent):
    """Access to a right is obtained."""

    phase: ClassVar[str] = "rights"
    right: Right = describe("The right obtained.")

    @dataclass(slots=True)
    class Fact(base.Fact):
        right: Right


class CareReferralMade(YouthEvent):
    """A referral to a care service was made (never why)."""

    phase: ClassVar[str] = "rights"
    service: CareService = describe("The kind of care service.")

    @dataclass(slots=True)
    class Fact(base.Fact):
        service: CareService
