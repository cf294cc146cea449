"""The judicial phase: custodies (their status and expected release) and community
supervisions.
"""

from dataclasses import dataclass
from datetime import date
from typing import Annotated, ClassVar, Literal

from pathways.domain.events import base
from pathways.domain.events.base import CUSTODY, IN_C, SUPERVISION, Column, Day, YouthEvent
from pathways.domain.events.fields import Code, describe
from pathways.domain.ordering import Pairing

__all__ = [
    "CommunitySupervisionEnded",
    "CommunitySupervisionStarted",
    "CustodyStatus",
    "CustodyStatusChanged",
    "ExpectedReleaseChanged",
    "Incarcerated",
    "ReleaseKind",
    "Released",
    "SentenceBand",
    "SupervisionMeasure",
]


CustodyStatus = Literal["remand", "sentenced"]
SentenceBand = Literal["under-6-months", "6-to-12-months", "1-to-2-years", "over-2-years"]
ReleaseKind = Literal[
    "end-of-sentence",
    "conditional-release",
    "release-under-constraint",
    "electronic-home-detention",
    "outside-placement",
    "semi-liberty",
    "remand-ended",
]
SupervisionMeasure = Literal[
    "probation", "community-service", "electronic-monitoring", "conditional-release", "other"
]


class Incarcerated(YouthEvent):
    """A custody begins (remand or sentence)."""

    phase: ClassVar[str] = "judicial"
    facility: Code = describe("Code of the prison.")
    status: CustodyStatus = describe("remand or sentenced.")
    sentence_band: SentenceBand | None = describe(
        "Length of the sentence (optional).", default=None
    )
    expected_release_on: date | None = describe("Expected release date (optional).", default=None)

    pairing: ClassVar[Pairing | None] = CUSTODY.opener

    @dataclass(slots=True)
    class Fact(base.Fact):
        facility: str
        status: CustodyStatus
        sentence_band: SentenceBand | None
        expected_release_on: Day | None


class CustodyStatusChanged(YouthEvent):
    """The custody changes status (e.g. a remand becomes a sentence)."""

    phase: ClassVar[str] = "judicial"
    status: CustodyStatus = describe("remand or sentenced.")
    sentence_band: SentenceBand | None = describe(
        "Length of the sentence (optional).", default=None
    )

    @dataclass(slots=True)
    class Fact(base.Fact):
        status: Annotated[CustodyStatus, Column("b")]  # where Incarcerated has it
        sentence_band: SentenceBand | None


class ExpectedReleaseChanged(YouthEvent):
    """A new expected release date for the current custody."""

    phase: ClassVar[str] = "judicial"
    expected_release_on: date = describe("The new expected release date.")

    @dataclass(slots=True)
    class Fact(base.Fact):
        expected_release_on: Day


class Released(YouthEvent):
    """A custody ends."""

    phase: ClassVar[str] = "judicial"
    kind: ReleaseKind = describe("How the young person left prison.")
    destination: Code = describe("Territory code where the young person goes.")

    pairing: ClassVar[Pairing | None] = CUSTODY.closer
    derived: ClassVar[tuple[str, ...]] = ("age_band",)

    @dataclass(slots=True)
    class Fact(base.Fact):
        destination: str
        kind: ReleaseKind
        age_band: str | None  # derived: the exact age band on the day


class CommunitySupervisionStarted(YouthEvent):
    """A measure in the community (milieu ouvert) begins."""

    phase: ClassVar[str] = "judicial"
    measure: SupervisionMeasure = describe("The kind of supervision.")
    ends_on: date | None = describe("Planned end (optional).", default=None)

    pairing: ClassVar[Pairing | None] = SUPERVISION.opener
    derived: ClassVar[tuple[str, ...]] = ("age_band",)

    @dataclass(slots=True)
    class Fact(base.Fact):
        measure: SupervisionMeasure
        age_band: Annotated[str | None, IN_C]  # derived; where Released has it
        ends_on: Day | None


class CommunitySupervisionEnded(YouthEvent):
    """The measure in the community ends."""

    phase: ClassVar[str] = "judicial"
    reason: Code | None = describe("Why, as a short code (optional; no free text).", default=None)

    pairing: ClassVar[Pairing | None] = SUPERVISION.closer

    @dataclass(slots=True)
    class Fact(base.Fact):
        reason: str | None
