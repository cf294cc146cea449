"""The contact phase: contacts made, appointments missed, contact lost."""

from dataclasses import dataclass
from typing import ClassVar, Literal

from pathways.domain.events import base
from pathways.domain.events.base import YouthEvent
from pathways.domain.events.fields import Code, describe

__all__ = [
    "AppointmentMissed",
    "Channel",
    "ContactLost",
    "ContactMade",
]


Channel = Literal["in-prison", "office", "phone", "video", "home", "other"]


class ContactMade(YouthEvent):
    """A meeting or a call actually took place."""

    phase: ClassVar[str] = "contact"
    channel: Channel = describe("How the contact took place.")
    organisation: Code | None = describe("Who met the young person (optional).", default=None)

    @dataclass(slots=True)
    class Fact(base.Fact):
        # None in the latest contact that the alerts read (aggregated: a day only)
        organisation: str | None
        channel: Channel | None


class AppointmentMissed(YouthEvent):
    """The young person did not come to an appointment."""

    phase: ClassVar[str] = "contact"

    @dataclass(slots=True)
    class Fact(base.Fact):
        pass


class ContactLost(YouthEvent):
    """The service can no longer reach the young person."""

    phase: ClassVar[str] = "contact"
    attempts: int | None = describe(
        "Attempts made to reach them (optional).", default=None, ge=1, le=999
    )

    @dataclass(slots=True)
    class Fact(base.Fact):
        attempts: int | None
