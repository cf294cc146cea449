"""The inclusion phase: registration, referral, the support and its handovers, and the
enrolment in a pilot measure.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar, Literal

from pathways.domain.events import base
from pathways.domain.events.base import SUPPORT, YouthEvent
from pathways.domain.events.fields import Code, describe, personal
from pathways.domain.ordering import Pairing

__all__ = [
    "CounsellorAssigned",
    "CustodyRegime",
    "EnrolledInMeasure",
    "HandedOver",
    "HandoverAcknowledged",
    "ReferralReceived",
    "ReferralSource",
    "Sex",
    "SupportStarted",
    "YouthRegistered",
]


Sex = Literal["female", "male", "other"]
ReferralSource = Literal["spip", "prison", "mission-locale", "court", "self", "other"]
CustodyRegime = Literal["closed", "open"]


class YouthRegistered(YouthEvent):
    """A young person enters the action: first event of every pathway."""

    phase: ClassVar[str] = "inclusion"
    birth_date: date = personal(
        "Birth date (personal: encrypted; the birth year stays in clear).",
        stand_in="1900-01-01",
    )
    residence: Code = describe("Territory code of residence.")
    sex: Sex | None = describe("female, male or other (optional).", default=None)
    name: str | None = personal(
        "Name, only if the service keeps it (personal: encrypted).",
        default=None,
        max_length=200,
    )

    derived: ClassVar[tuple[str, ...]] = ("birth_year", "age_band")

    @dataclass(slots=True)
    class Fact(base.Fact):
        residence: str
        sex: Sex | None
        age_band: str | None  # derived: the exact age band on the day
        birth_year: int | None  # derived: the birth date itself is personal

    def derive(self) -> dict[str, Any]:
        return {"birth_year": self.birth_date.year}


class ReferralReceived(YouthEvent):
    """Someone pointed the young person to the action."""

    phase: ClassVar[str] = "inclusion"
    source: ReferralSource = describe("Who referred the young person.")
    custody: CustodyRegime = describe("closed (in prison) or open (in the community).")

    @dataclass(slots=True)
    class Fact(base.Fact):
        source: ReferralSource
        custody: CustodyRegime


class SupportStarted(YouthEvent):
    """Reinforced support by a Mission Locale begins."""

    phase: ClassVar[str] = "inclusion"
    organisation: Code = describe("The Mission Locale giving the support.")
    counsellor: Code = describe("Code of the counsellor.")

    pairing: ClassVar[Pairing | None] = SUPPORT.opener

    @dataclass(slots=True)
    class Fact(base.Fact):
        organisation: str
        counsellor: str


class CounsellorAssigned(YouthEvent):
    """Another counsellor (or Mission Locale) takes over the support."""

    phase: ClassVar[str] = "inclusion"
    organisation: Code = describe("The Mission Locale.")
    counsellor: Code = describe("Code of the counsellor.")

    @dataclass(slots=True)
    class Fact(base.Fact):
        organisation: str
        counsellor: str


class HandedOver(YouthEvent):
    """The support is handed over to another Mission Locale (e.g. release elsewhere)."""

    phase: ClassVar[str] = "inclusion"
    to_organisation: Code = describe("The Mission Locale that should take over.")
    to_counsellor: Code | None = describe("Its counsellor, when known.", default=None)

    @dataclass(slots=True)
    class Fact(base.Fact):
        to_organisation: str
        to_counsellor: str | None


class HandoverAcknowledged(YouthEvent):
    """The receiving Mission Locale confirms it has taken the young person on."""

    phase: ClassVar[str] = "inclusion"
    organisation: Code = describe("The Mission Locale acknowledging the handover.")

    @dataclass(slots=True)
    class Fact(base.Fact):
        organisation: str


class EnrolledInMeasure(YouthEvent):
    """The young person takes part in a local pilot measure."""

    phase: ClassVar[str] = "inclusion"
    measure: Code = describe("Code of a launched pilot measure.")

    @dataclass(slots=True)
    class Fact(base.Fact):
        measure: str
