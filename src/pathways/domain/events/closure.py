"""The closure phase: the end of the reinforced support."""

from dataclasses import dataclass
from typing import ClassVar, Literal

from pathways.domain.events import base
from pathways.domain.events.base import SUPPORT, YouthEvent
from pathways.domain.events.fields import describe
from pathways.domain.ordering import Pairing

__all__ = [
    "ClosureReason",
    "SupportClosed",
]


ClosureReason = Literal["autonomy", "aged-out", "refused", "moved", "lost-contact", "other"]


class SupportClosed(YouthEvent):
    """The reinforced support ends."""

    phase: ClassVar[str] = "closure"
    reason: ClosureReason = describe("Why the support ends.")

    pairing: ClassVar[Pairing | None] = SUPPORT.closer

    @dataclass(slots=True)
    class Fact(base.Fact):
        reason: ClosureReason
