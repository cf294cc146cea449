"""The base classes of the catalogue: `Event` (and `YouthEvent`, `RegistryEvent`), the
read side's form of an event (`Fact`, `Day`, `Column`) and the pair families.
"""

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from types import UnionType
from typing import Annotated, Any, ClassVar, NewType, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field
from pydantic.fields import FieldInfo

from pathways.domain.events.fields import Code, Reference
from pathways.domain.ordering import Family, Pair, Pairing

__all__ = [
    "CUSTODY",
    "IN_C",
    "PROGRAMME",
    "SITUATION",
    "SUPERVISION",
    "SUPPORT",
    "Column",
    "Day",
    "Event",
    "Fact",
    "RegistryEvent",
    "YouthEvent",
]


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
