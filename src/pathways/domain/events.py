"""The event catalogue (version 1): one frozen pydantic model per kind of step.

Each model is the single source of truth for its kind of step: the CLI builds
its `record` subcommands from its fields, the importer validates interchange
lines with it and `docs/events.md` is generated from it. Fields marked
*personal* are encrypted with the young person's own key before they reach the
store, and say what stands in for them once that key is destroyed. Each class
also declares what the read side needs of it:

- `pairing`: the pair family it opens or closes (custody, support, ...);
- `Fact`: its compact, non-personal form kept by the read models (a small
  dataclass, its date fields as day ordinals), from which `domain.facts` derives
  the read-model columns;
- `derived`: the clear keys the store writes beside its fields, derived from
  personal ones while they can be read (the birth year, the exact age band).
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from types import UnionType
from typing import (
    TYPE_CHECKING,
    Annotated,
    Any,
    ClassVar,
    Literal,
    NewType,
    Union,
    get_args,
    get_origin,
)

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.fields import FieldInfo

from pathways.domain.alert_catalogue import ALERT_CODES
from pathways.domain.ordering import Family, Pair, Pairing

#: Capital letters, digits and '-', with at least one digit: a reference is a number
#: (Y-2026-0042), and a name typed in capitals (JEAN-DUPONT) is refused, since
#: references stay in clear in the log for good.
REFERENCE_PATTERN = r"^([A-Z][A-Z0-9-]*)?[0-9][A-Z0-9-]*$"
CODE_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"

Reference = Annotated[
    str,
    StringConstraints(pattern=REFERENCE_PATTERN, max_length=40),
    Field(description="Pseudonymous reference of the young person, e.g. Y-2026-0042."),
]
Code = Annotated[str, StringConstraints(pattern=CODE_PATTERN, max_length=60)]

#: What no text of an event may hold (DOMAIN rule: implausible input is refused):
#: control characters (Unicode category Cc) and the bidirectional overrides,
#: embeddings, isolates and marks, which make a text display other than it reads.
UNSAFE_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def unsafe_character(text: str) -> str | None:
    """The first character no text may hold, as `U+202E (RIGHT-TO-LEFT OVERRIDE)`."""
    found = UNSAFE_CHARACTERS.search(text)
    if found is None:
        return None
    char = found.group()
    name = unicodedata.name(char, "") or f"{CONTROL_NAMES.get(char, 'a control character')}"
    return f"U+{ord(char):04X} ({name})"


CONTROL_NAMES = {
    "\x00": "NULL",
    "\t": "TAB",
    "\n": "LINE FEED, a new line",
    "\r": "CARRIAGE RETURN",
    "\x1b": "ESCAPE",
}

Sex = Literal["female", "male", "other"]
ReferralSource = Literal["spip", "prison", "mission-locale", "court", "self", "other"]
CustodyRegime = Literal["closed", "open"]
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
Channel = Literal["in-prison", "office", "phone", "video", "home", "other"]
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
Programme = Literal["cej", "pacea", "e2c", "epide", "other"]
Situation = Literal[
    "employment", "training", "apprenticeship", "immersion", "volunteering", "school"
]
ClosureReason = Literal["autonomy", "aged-out", "refused", "moved", "lost-contact", "other"]
if TYPE_CHECKING:
    AlertCode = str
else:  # the codes of the alert catalogue (a Literal, so that the schema lists them)
    AlertCode = Literal[ALERT_CODES]


def personal(description: str, *, stand_in: Any = None, **kwargs: Any) -> Any:
    """A field holding personal data: encrypted with the youth's key, never in clear.

    `stand_in`: what validates in its place once the key is destroyed (the event is
    then rebuilt with the field set to None); needed when the field is required."""
    extra = {"personal": True, "stand_in": stand_in}
    return Field(description=description, json_schema_extra=extra, **kwargs)


def describe(description: str, **kwargs: Any) -> Any:
    return Field(description=description, **kwargs)


# --- the read side's form of an event ------------------------------------------

#: A date as a day ordinal (`date.toordinal()`): in facts, "D - s > 15" is integer
#: arithmetic.
Day = NewType("Day", int)


@dataclass(frozen=True)
class Column:
    """Pins a fact field to a read-model column (`Annotated[str, Column("c")]`), where
    the layout derived from the field types would put it elsewhere: the layout of the
    read models already built stays valid."""

    name: str


IN_C = Column("c")


@dataclass(slots=True)
class Fact:
    """What the read models keep of an event: its date and log position; each event
    class that is a fact declares a `Fact` subclass with its non-personal fields.

    Treated as a value, but not frozen: a read builds hundreds of thousands of them,
    and a frozen dataclass's `__init__` costs several times a plain one's."""

    on: Day  # occurred_on
    seq: int  # log position: the recording order

    #: The event type (set from the event class).
    event_type: ClassVar[str] = ""
    pairing: ClassVar[Pairing | None] = None
    #: Its pair (set from the event class's pairing; for a keyed family, a property
    #: reading the key field): sorting a timeline reads it for every fact.
    paired: ClassVar[Pair | None] = None

    @property
    def day(self) -> date:
        return date.fromordinal(self.on)

    @classmethod
    def _belongs_to(cls, event_type: str, pairing: Pairing | None) -> None:
        """Set from the event class that declares this fact."""
        cls.event_type, cls.pairing = event_type, pairing
        key = None if pairing is None else pairing.family.key
        if pairing is None or key is None:
            cls.paired = None if pairing is None else pairing.of()
        else:
            keyed = property(lambda fact: pairing.of(getattr(fact, key)))
            setattr(cls, "paired", keyed)  # noqa: B010 - a property for the class variable


CUSTODY = Family("custody")
SUPPORT = Family("support")
SUPERVISION = Family("supervision", "community supervision")
PROGRAMME = Family("programme", key="programme")
SITUATION = Family("situation", key="situation")


class Event(BaseModel):
    """Common to every event."""

    # defer_build: a command uses one or two types; building all ~30 validators at
    # import would cost tens of milliseconds on every start.
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    #: Bumped when the schema of a kind of event changes; old versions are upcast
    #: by `upcast_v{N}_v{N+1}` static methods on the class.
    class_version: ClassVar[int] = 1
    #: The phase of the catalogue the event belongs to (for the docs).
    phase: ClassVar[str] = ""
    #: The pair family the event opens or closes, if any.
    pairing: ClassVar[Pairing | None] = None
    #: Its form in the read models (a youth's event; None: not a timeline fact).
    Fact: ClassVar[type[Fact] | None] = None
    #: Clear keys the store writes beside the fields, derived from personal ones.
    derived: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        fact = cls.__dict__.get("Fact")
        if fact is None:
            cls.Fact = None
        else:
            fact._belongs_to(cls.__name__, cls.pairing)

    id: uuid.UUID = Field(
        default_factory=uuid.uuid4,
        description="Event id (UUID): given by the client, or made when recorded.",
    )
    occurred_on: date = Field(description="The date the step happened (valid time).")
    recorded_by: Code | None = Field(
        default=None,
        description="The original recorder, when the event comes from another system.",
    )

    @classmethod
    def type_name(cls) -> str:
        return cls.__name__

    @classmethod
    def command_name(cls) -> str:
        """Kebab-case name of the event type: `Released` -> `released`."""
        return re.sub(r"(?<!^)(?=[A-Z])", "-", cls.__name__).lower()

    @classmethod
    def domain_fields(cls) -> list[str]:
        """The fields that belong to this type (beyond id, youth, occurred_on, recorded_by)."""
        common = {"id", "youth", "occurred_on", "recorded_by"}
        return [name for name in cls.model_fields if name not in common]

    @classmethod
    def personal_fields(cls) -> frozenset[str]:
        return _personal_fields(cls)

    @classmethod
    def stand_ins(cls) -> dict[str, Any]:
        """What stands in for each personal field once the youth's key is destroyed."""
        return _stand_ins(cls)

    @classmethod
    def text_fields(cls) -> tuple[str, ...]:
        """The fields that hold free text (not codes nor choices, which their patterns and
        literals already bound)."""
        return _free_text_fields(cls)

    @classmethod
    def date_fields(cls) -> tuple[str, ...]:
        """The fields that hold a date, occurred_on first."""
        return _fields_of(cls, date)

    def derive(self) -> dict[str, Any]:
        """The derived keys this event gives from its own fields (the birth year)."""
        return {}

    def content(self) -> dict[str, Any]:
        """What identifies the step itself: used to tell a replay from a clash of ids."""
        data = self.model_dump(mode="json", exclude={"id", "recorded_by"})
        data["type"] = self.type_name()
        return data


@cache
@cache  # asked for every event of every write
def _fields_of(cls: type[Event], kind: type) -> tuple[str, ...]:
    def holds(annotation: Any) -> bool:
        return annotation is kind or any(holds(a) for a in get_args(annotation))

    return tuple(name for name, info in cls.model_fields.items() if holds(info.annotation))


def _is_free_text(annotation: Any, metadata: Sequence[Any] = ()) -> bool:
    if any(getattr(m, "pattern", None) for m in metadata):
        return False
    origin = get_origin(annotation)
    if origin is Annotated:
        base, *extra = get_args(annotation)
        return _is_free_text(base, extra)
    if origin in (Union, UnionType):
        return any(_is_free_text(a) for a in get_args(annotation))
    return annotation is str


@cache
def _free_text_fields(cls: type[Event]) -> tuple[str, ...]:
    return tuple(
        name
        for name, info in cls.model_fields.items()
        if _is_free_text(info.annotation, info.metadata)
    )


def _personal_extra(info: FieldInfo) -> dict[str, Any] | None:
    extra = info.json_schema_extra
    return extra if isinstance(extra, dict) and extra.get("personal") else None


@cache
def _personal_fields(cls: type[Event]) -> frozenset[str]:
    return frozenset(n for n, info in cls.model_fields.items() if _personal_extra(info))


@cache
def _stand_ins(cls: type[Event]) -> dict[str, Any]:
    found = {}
    for name, info in cls.model_fields.items():
        extra = _personal_extra(info)
        if extra is not None:
            found[name] = extra.get("stand_in")
    return found


class YouthEvent(Event):
    """An event in one young person's pathway."""

    youth: Reference


class RegistryEvent(Event):
    """An event about the département's pilot measures (no young person)."""


# --- inclusion ---------------------------------------------------------------


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
    class Fact(Fact):
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
    class Fact(Fact):
        source: ReferralSource
        custody: CustodyRegime


class SupportStarted(YouthEvent):
    """Reinforced support by a Mission Locale begins."""

    phase: ClassVar[str] = "inclusion"
    organisation: Code = describe("The Mission Locale giving the support.")
    counsellor: Code = describe("Code of the counsellor.")

    pairing: ClassVar[Pairing | None] = SUPPORT.opener

    @dataclass(slots=True)
    class Fact(Fact):
        organisation: str
        counsellor: str


class CounsellorAssigned(YouthEvent):
    """Another counsellor (or Mission Locale) takes over the support."""

    phase: ClassVar[str] = "inclusion"
    organisation: Code = describe("The Mission Locale.")
    counsellor: Code = describe("Code of the counsellor.")

    @dataclass(slots=True)
    class Fact(Fact):
        organisation: str
        counsellor: str


class HandedOver(YouthEvent):
    """The support is handed over to another Mission Locale (e.g. release elsewhere)."""

    phase: ClassVar[str] = "inclusion"
    to_organisation: Code = describe("The Mission Locale that should take over.")
    to_counsellor: Code | None = describe("Its counsellor, when known.", default=None)

    @dataclass(slots=True)
    class Fact(Fact):
        to_organisation: str
        to_counsellor: str | None


class HandoverAcknowledged(YouthEvent):
    """The receiving Mission Locale confirms it has taken the young person on."""

    phase: ClassVar[str] = "inclusion"
    organisation: Code = describe("The Mission Locale acknowledging the handover.")

    @dataclass(slots=True)
    class Fact(Fact):
        organisation: str


class EnrolledInMeasure(YouthEvent):
    """The young person takes part in a local pilot measure."""

    phase: ClassVar[str] = "inclusion"
    measure: Code = describe("Code of a launched pilot measure.")

    @dataclass(slots=True)
    class Fact(Fact):
        measure: str


# --- judicial ----------------------------------------------------------------


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
    class Fact(Fact):
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
    class Fact(Fact):
        status: Annotated[CustodyStatus, Column("b")]  # where Incarcerated has it
        sentence_band: SentenceBand | None


class ExpectedReleaseChanged(YouthEvent):
    """A new expected release date for the current custody."""

    phase: ClassVar[str] = "judicial"
    expected_release_on: date = describe("The new expected release date.")

    @dataclass(slots=True)
    class Fact(Fact):
        expected_release_on: Day


class Released(YouthEvent):
    """A custody ends."""

    phase: ClassVar[str] = "judicial"
    kind: ReleaseKind = describe("How the young person left prison.")
    destination: Code = describe("Territory code where the young person goes.")

    pairing: ClassVar[Pairing | None] = CUSTODY.closer
    derived: ClassVar[tuple[str, ...]] = ("age_band",)

    @dataclass(slots=True)
    class Fact(Fact):
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
    class Fact(Fact):
        measure: SupervisionMeasure
        age_band: Annotated[str | None, IN_C]  # derived; where Released has it
        ends_on: Day | None


class CommunitySupervisionEnded(YouthEvent):
    """The measure in the community ends."""

    phase: ClassVar[str] = "judicial"
    reason: Code | None = describe("Why, as a short code (optional; no free text).", default=None)

    pairing: ClassVar[Pairing | None] = SUPERVISION.closer

    @dataclass(slots=True)
    class Fact(Fact):
        reason: str | None


# --- contact -----------------------------------------------------------------


class ContactMade(YouthEvent):
    """A meeting or a call actually took place."""

    phase: ClassVar[str] = "contact"
    channel: Channel = describe("How the contact took place.")
    organisation: Code | None = describe("Who met the young person (optional).", default=None)

    @dataclass(slots=True)
    class Fact(Fact):
        # None in the latest contact that the alerts read (aggregated: a day only)
        organisation: str | None
        channel: Channel | None


class AppointmentMissed(YouthEvent):
    """The young person did not come to an appointment."""

    phase: ClassVar[str] = "contact"

    @dataclass(slots=True)
    class Fact(Fact):
        pass


class ContactLost(YouthEvent):
    """The service can no longer reach the young person."""

    phase: ClassVar[str] = "contact"
    attempts: int | None = describe(
        "Attempts made to reach them (optional).", default=None, ge=1, le=999
    )

    @dataclass(slots=True)
    class Fact(Fact):
        attempts: int | None


# --- project -----------------------------------------------------------------


class ProjectDrafted(YouthEvent):
    """An integration project is drafted with the young person."""

    phase: ClassVar[str] = "project"
    target: ProjectTarget = describe("What the project aims at.")

    @dataclass(slots=True)
    class Fact(Fact):
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
    class Fact(Fact):
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
    class Fact(Fact):
        right: Right


class CareReferralMade(YouthEvent):
    """A referral to a care service was made (never why)."""

    phase: ClassVar[str] = "rights"
    service: CareService = describe("The kind of care service.")

    @dataclass(slots=True)
    class Fact(Fact):
        service: CareService


# --- mainstream --------------------------------------------------------------


class ProgrammeEntered(YouthEvent):
    """Entry into a mainstream scheme (droit commun)."""

    phase: ClassVar[str] = "mainstream"
    programme: Programme = describe("The scheme.")

    pairing: ClassVar[Pairing | None] = PROGRAMME.opener

    @dataclass(slots=True)
    class Fact(Fact):
        programme: Programme


class ProgrammeExited(YouthEvent):
    """Exit from a mainstream scheme."""

    phase: ClassVar[str] = "mainstream"
    programme: Programme = describe("The scheme.")
    reason: Code | None = describe("Why, as a short code (optional; no free text).", default=None)

    pairing: ClassVar[Pairing | None] = PROGRAMME.closer

    @dataclass(slots=True)
    class Fact(Fact):
        programme: Programme
        reason: str | None


class SituationStarted(YouthEvent):
    """A job, a training or another situation begins."""

    phase: ClassVar[str] = "mainstream"
    situation: Situation = describe("The situation.")

    pairing: ClassVar[Pairing | None] = SITUATION.opener

    @dataclass(slots=True)
    class Fact(Fact):
        situation: Situation


class SituationEnded(YouthEvent):
    """The situation ends."""

    phase: ClassVar[str] = "mainstream"
    situation: Situation = describe("The situation.")

    pairing: ClassVar[Pairing | None] = SITUATION.closer

    @dataclass(slots=True)
    class Fact(Fact):
        situation: Situation


# --- closure -----------------------------------------------------------------


class SupportClosed(YouthEvent):
    """The reinforced support ends."""

    phase: ClassVar[str] = "closure"
    reason: ClosureReason = describe("Why the support ends.")

    pairing: ClassVar[Pairing | None] = SUPPORT.closer

    @dataclass(slots=True)
    class Fact(Fact):
        reason: ClosureReason


# --- corrections and erasure -------------------------------------------------


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
    class Fact(Fact):
        alert: AlertCode


class YouthErased(YouthEvent):
    """The young person's personal data is destroyed (crypto-shredding)."""

    phase: ClassVar[str] = "erasure"
    reason: Code = describe("Why, as a short code (e.g. request, retention-expired).")


# --- pilot measures (no young person) -----------------------------------------


class MeasureLaunched(RegistryEvent):
    """A local pilot measure starts on a territory (occurred_on is its start)."""

    phase: ClassVar[str] = "measures"
    code: Code = describe("Code of the measure.")
    name: str = describe("Its name, for people.", min_length=1, max_length=200)
    territory: Code = describe("The territory where it runs.")


class MeasureEnded(RegistryEvent):
    """A local pilot measure ends."""

    phase: ClassVar[str] = "measures"
    code: Code = describe("Code of the measure.")


class SettingChanged(RegistryEvent):
    """A setting changes: an alert threshold, the suppression threshold, the earliest
    date an event may carry (`dates.floor`), or which Mission Locale serves a territory
    (`territory.<code>`, value an organisation code or `none`). Kept as an event so
    that replays use the settings of their time."""

    phase: ClassVar[str] = "settings"
    name: str = describe(
        "The setting, e.g. no-first-contact.days or territory.redon.",
        pattern=r"^[a-z0-9-]+(\.[a-z0-9-]+)?$",
        max_length=80,
    )
    value: str = describe(
        "Its new value (a whole number of days, a date or a code).", max_length=80
    )


YOUTH_EVENT_TYPES: tuple[type[YouthEvent], ...] = (
    YouthRegistered,
    ReferralReceived,
    SupportStarted,
    CounsellorAssigned,
    HandedOver,
    HandoverAcknowledged,
    EnrolledInMeasure,
    Incarcerated,
    CustodyStatusChanged,
    ExpectedReleaseChanged,
    Released,
    CommunitySupervisionStarted,
    CommunitySupervisionEnded,
    ContactMade,
    AppointmentMissed,
    ContactLost,
    ProjectDrafted,
    ReleasePlanValidated,
    RightObtained,
    CareReferralMade,
    ProgrammeEntered,
    ProgrammeExited,
    SituationStarted,
    SituationEnded,
    SupportClosed,
    EventRetracted,
    AlertAcknowledged,
    YouthErased,
)
REGISTRY_EVENT_TYPES: tuple[type[RegistryEvent], ...] = (
    MeasureLaunched,
    MeasureEnded,
    SettingChanged,
)
EVENT_TYPES: dict[str, type[Event]] = {
    cls.type_name(): cls for cls in (*YOUTH_EVENT_TYPES, *REGISTRY_EVENT_TYPES)
}
#: Types that have their own commands rather than a `record` subcommand.
SPECIAL_TYPES = frozenset({"EventRetracted", "AlertAcknowledged", "YouthErased", "SettingChanged"})
#: Types a retraction may not name (DOMAIN rule 6).
UNRETRACTABLE = frozenset({"YouthRegistered", "YouthErased", "EventRetracted"})
#: The read side's form of each youth event that is a timeline fact, by event type (a
#: retraction acts on another fact, an erasure on the youth: neither is one).
FACT_TYPES: dict[str, type[Fact]] = {
    cls.type_name(): cls.Fact for cls in YOUTH_EVENT_TYPES if cls.Fact is not None
}
#: Every clear key the store may write beside an event's fields (see `Event.derived`).
DERIVED_KEYS: tuple[str, ...] = tuple(
    dict.fromkeys(key for cls in EVENT_TYPES.values() for key in cls.derived)
)
