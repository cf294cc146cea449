"""The event catalogue (version 1): one frozen pydantic model per kind of step.

Each model is the single source of truth for its fields: the CLI builds its
`record` subcommands from them, the importer validates interchange lines with
them and `docs/events.md` is generated from them. Fields marked *personal* are
encrypted with the young person's own key before they reach the store.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Sequence
from datetime import date
from functools import cache
from types import UnionType
from typing import Annotated, Any, ClassVar, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

REFERENCE_PATTERN = r"^[A-Z0-9][A-Z0-9-]{0,39}$"
CODE_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"

Reference = Annotated[
    str,
    StringConstraints(pattern=REFERENCE_PATTERN),
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
AlertCode = Literal[
    "no-first-contact",
    "release-unprepared",
    "release-overdue",
    "dry-release",
    "no-contact-after-release",
    "contact-lost",
    "no-mainstream-entry",
    "ageing-out",
    "handover-pending",
]


def personal(description: str, **kwargs: Any) -> Any:
    """A field holding personal data: encrypted with the youth's key, never in clear."""
    return Field(description=description, json_schema_extra={"personal": True}, **kwargs)


def describe(description: str, **kwargs: Any) -> Any:
    return Field(description=description, **kwargs)


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
    def text_fields(cls) -> tuple[str, ...]:
        """The fields that hold free text (not codes nor choices, which their patterns and
        literals already bound)."""
        return _free_text_fields(cls)

    @classmethod
    def date_fields(cls) -> tuple[str, ...]:
        """The fields that hold a date, occurred_on first."""
        return _fields_of(cls, date)

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


@cache
def _personal_fields(cls: type[Event]) -> frozenset[str]:
    names = []
    for name, info in cls.model_fields.items():
        extra = info.json_schema_extra
        if isinstance(extra, dict) and extra.get("personal"):
            names.append(name)
    return frozenset(names)


class YouthEvent(Event):
    """An event in one young person's pathway."""

    youth: Reference


class RegistryEvent(Event):
    """An event about the département's pilot measures (no young person)."""


# --- inclusion ---------------------------------------------------------------


class YouthRegistered(YouthEvent):
    """A young person enters the action: first event of every pathway."""

    phase: ClassVar[str] = "inclusion"
    birth_date: date = personal("Birth date (personal: encrypted; the birth year stays in clear).")
    residence: Code = describe("Territory code of residence.")
    sex: Sex | None = describe("female, male or other (optional).", default=None)
    name: str | None = personal(
        "Name, only if the service keeps it (personal: encrypted).",
        default=None,
        max_length=200,
    )


class ReferralReceived(YouthEvent):
    """Someone pointed the young person to the action."""

    phase: ClassVar[str] = "inclusion"
    source: ReferralSource = describe("Who referred the young person.")
    custody: CustodyRegime = describe("closed (in prison) or open (in the community).")


class SupportStarted(YouthEvent):
    """Reinforced support by a Mission Locale begins."""

    phase: ClassVar[str] = "inclusion"
    organisation: Code = describe("The Mission Locale giving the support.")
    counsellor: Code = describe("Code of the counsellor.")


class CounsellorAssigned(YouthEvent):
    """Another counsellor (or Mission Locale) takes over the support."""

    phase: ClassVar[str] = "inclusion"
    organisation: Code = describe("The Mission Locale.")
    counsellor: Code = describe("Code of the counsellor.")


class HandedOver(YouthEvent):
    """The support is handed over to another Mission Locale (e.g. release elsewhere)."""

    phase: ClassVar[str] = "inclusion"
    to_organisation: Code = describe("The Mission Locale that should take over.")
    to_counsellor: Code | None = describe("Its counsellor, when known.", default=None)


class HandoverAcknowledged(YouthEvent):
    """The receiving Mission Locale confirms it has taken the young person on."""

    phase: ClassVar[str] = "inclusion"
    organisation: Code = describe("The Mission Locale acknowledging the handover.")


class EnrolledInMeasure(YouthEvent):
    """The young person takes part in a local pilot measure."""

    phase: ClassVar[str] = "inclusion"
    measure: Code = describe("Code of a launched pilot measure.")


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


class CustodyStatusChanged(YouthEvent):
    """The custody changes status (e.g. a remand becomes a sentence)."""

    phase: ClassVar[str] = "judicial"
    status: CustodyStatus = describe("remand or sentenced.")
    sentence_band: SentenceBand | None = describe(
        "Length of the sentence (optional).", default=None
    )


class ExpectedReleaseChanged(YouthEvent):
    """A new expected release date for the current custody."""

    phase: ClassVar[str] = "judicial"
    expected_release_on: date = describe("The new expected release date.")


class Released(YouthEvent):
    """A custody ends."""

    phase: ClassVar[str] = "judicial"
    kind: ReleaseKind = describe("How the young person left prison.")
    destination: Code = describe("Territory code where the young person goes.")


class CommunitySupervisionStarted(YouthEvent):
    """A measure in the community (milieu ouvert) begins."""

    phase: ClassVar[str] = "judicial"
    measure: SupervisionMeasure = describe("The kind of supervision.")
    ends_on: date | None = describe("Planned end (optional).", default=None)


class CommunitySupervisionEnded(YouthEvent):
    """The measure in the community ends."""

    phase: ClassVar[str] = "judicial"
    reason: Code | None = describe("Why, as a short code (optional; no free text).", default=None)


# --- contact -----------------------------------------------------------------


class ContactMade(YouthEvent):
    """A meeting or a call actually took place."""

    phase: ClassVar[str] = "contact"
    channel: Channel = describe("How the contact took place.")
    organisation: Code | None = describe("Who met the young person (optional).", default=None)


class AppointmentMissed(YouthEvent):
    """The young person did not come to an appointment."""

    phase: ClassVar[str] = "contact"


class ContactLost(YouthEvent):
    """The service can no longer reach the young person."""

    phase: ClassVar[str] = "contact"
    attempts: int | None = describe(
        "Attempts made to reach them (optional).", default=None, ge=1, le=999
    )


# --- project -----------------------------------------------------------------


class ProjectDrafted(YouthEvent):
    """An integration project is drafted with the young person."""

    phase: ClassVar[str] = "project"
    target: ProjectTarget = describe("What the project aims at.")


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


# --- rights ------------------------------------------------------------------


class RightObtained(YouthEvent):
    """Access to a right is obtained."""

    phase: ClassVar[str] = "rights"
    right: Right = describe("The right obtained.")


class CareReferralMade(YouthEvent):
    """A referral to a care service was made (never why)."""

    phase: ClassVar[str] = "rights"
    service: CareService = describe("The kind of care service.")


# --- mainstream --------------------------------------------------------------


class ProgrammeEntered(YouthEvent):
    """Entry into a mainstream scheme (droit commun)."""

    phase: ClassVar[str] = "mainstream"
    programme: Programme = describe("The scheme.")


class ProgrammeExited(YouthEvent):
    """Exit from a mainstream scheme."""

    phase: ClassVar[str] = "mainstream"
    programme: Programme = describe("The scheme.")
    reason: Code | None = describe("Why, as a short code (optional; no free text).", default=None)


class SituationStarted(YouthEvent):
    """A job, a training or another situation begins."""

    phase: ClassVar[str] = "mainstream"
    situation: Situation = describe("The situation.")


class SituationEnded(YouthEvent):
    """The situation ends."""

    phase: ClassVar[str] = "mainstream"
    situation: Situation = describe("The situation.")


# --- closure -----------------------------------------------------------------


class SupportClosed(YouthEvent):
    """The reinforced support ends."""

    phase: ClassVar[str] = "closure"
    reason: ClosureReason = describe("Why the support ends.")


# --- corrections and erasure -------------------------------------------------


class EventRetracted(YouthEvent):
    """An event that should never have been recorded is withdrawn (transaction time)."""

    phase: ClassVar[str] = "corrections"
    event_id: uuid.UUID = describe("The id of the retracted event.")
    reason: str = personal("Why (personal: free text is encrypted).", min_length=1, max_length=500)


class AlertAcknowledged(YouthEvent):
    """A counsellor has seen an alert and acted on it."""

    phase: ClassVar[str] = "corrections"
    alert: AlertCode = describe("The alert code.")
    note: str | None = personal("A note (personal: encrypted).", default=None, max_length=2000)


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
