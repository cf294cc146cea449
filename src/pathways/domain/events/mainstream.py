"""The mainstream phase: schemes (droit commun) and situations entered and left."""

from dataclasses import dataclass
from typing import ClassVar, Literal

from pathways.domain.events import base
from pathways.domain.events.base import PROGRAMME, SITUATION, YouthEvent
from pathways.domain.events.fields import Code, describe
from pathways.domain.ordering import Pairing

__all__ = [
    "Programme",
    "ProgrammeEntered",
    "ProgrammeExited",
    "Situation",
    "SituationEnded",
    "SituationStarted",
]


Programme = Literal["cej", "pacea", "e2c", "epide", "other"]
Situation = Literal[
    "employment", "training", "apprenticeship", "immersion", "volunteering", "school"
]


class ProgrammeEntered(YouthEvent):
    """Entry into a mainstream scheme (droit commun)."""

    phase: ClassVar[str] = "mainstream"
    programme: Programme = describe("The scheme.")

    pairing: ClassVar[Pairing | None] = PROGRAMME.opener

    @dataclass(slots=True)
    class Fact(base.Fact):
        programme: Programme


class ProgrammeExited(YouthEvent):
    """Exit from a mainstream scheme."""

    phase: ClassVar[str] = "mainstream"
    programme: Programme = describe("The scheme.")
    reason: Code | None = describe("Why, as a short code (optional; no free text).", default=None)

    pairing: ClassVar[Pairing | None] = PROGRAMME.closer

    @dataclass(slots=True)
    class Fact(base.Fact):
        programme: Programme
        reason: str | None


class SituationStarted(YouthEvent):
    """A job, a training or another situation begins."""

    phase: ClassVar[str] = "mainstream"
    situation: Situation = describe("The situation.")

    pairing: ClassVar[Pairing | None] = SITUATION.opener

    @dataclass(slots=True)
    class Fact(base.Fact):
        situation: Situation


class SituationEnded(YouthEvent):
    """The situation ends."""

    phase: ClassVar[str] = "mainstream"
    situation: Situation = describe("The situation.")

    pairing: ClassVar[Pairing | None] = SITUATION.closer

    @dataclass(slots=True)
    class Fact(base.Fact):
        situation: Situation
