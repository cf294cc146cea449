"""Corrections and erasure: a retraction, an acknowledged alert, the erasure of a young
person's personal data.
"""

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal

from pathways.domain.alert_catalogue import ALERT_CODES
from pathways.domain.events import base
from pathways.domain.events.base import YouthEvent
from pathways.domain.events.fields import Code, describe, personal

__all__ = [
    "AlertAcknowledged",
    "AlertCode",
    "EventRetracted",
    "YouthErased",
]


if TYPE_CHECKING:
    AlertCode = str
else:  # the codes of the alert catalogue (a Literal, so that the schema lists them)
    AlertCode = Literal[ALERT_CODES]


class EventRetracted(YouthEvent):
    """An event that should never have been recorded is withdrawn (transaction time)."""

    phase: ClassVar[str] = "corrections"
    event_id: uuid.UUID = describe("The id of the retracted event.")
    reason: str = personal(
        "Why (personal: free text is encrypted).", stand_in="erased", min_length=1, max_length=500
    )


class AlertAcknowledged(YouthEvent):
    """A counsellor has seen an alert and acted on it."""

    phase: ClassVar[str] = "corrections"
    alert: AlertCode = describe("The alert code.")
    note: str | None = personal("A note (personal: encrypted).", default=None, max_length=2000)

    @dataclass(slots=True)
    class Fact(base.Fact):
        alert: AlertCode


class YouthErased(YouthEvent):
    """The young person's personal data is destroyed (crypto-shredding)."""

    phase: ClassVar[str] = "erasure"
    reason: Code = describe("Why, as a short code (e.g. request, retention-expired).")
