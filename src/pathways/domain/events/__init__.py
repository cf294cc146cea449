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

The catalogue is a package, one module per phase of a pathway (`inclusion`,
`judicial`, `contact`, `project`, `mainstream`, `closure`, `corrections`,
`registry`, `access`), with the base classes (`base`) and the makings of fields
(`fields`) apart. Every event class a phase module defines is in the catalogue,
in the order of the phases then of the module, and is importable from here (each
module's `__all__`): adding a kind of step is adding a class to its phase's
module (and to its `__all__`). Its read-side form derives from `base.Fact`
(`class Fact(base.Fact)`): across modules, mypy cannot tell the imported name
`Fact` from the nested class being defined.

Unlike the rest of pathways, these modules do not use `from __future__ import
annotations`: their annotations are then objects, not text that pydantic (each
model) and `domain.facts` (each `Fact`'s layout) would evaluate again, which cost
~10 ms of every command (all of them load the catalogue).
"""

from types import ModuleType
from typing import TypeVar

from pathways.domain.events import (
    access,
    closure,
    contact,
    corrections,
    inclusion,
    judicial,
    mainstream,
    project,
    registry,
)
from pathways.domain.events.access import *  # noqa: F403
from pathways.domain.events.base import *  # noqa: F403
from pathways.domain.events.base import Event, Fact, RegistryEvent, YouthEvent
from pathways.domain.events.closure import *  # noqa: F403
from pathways.domain.events.contact import *  # noqa: F403
from pathways.domain.events.corrections import *  # noqa: F403
from pathways.domain.events.fields import *  # noqa: F403
from pathways.domain.events.inclusion import *  # noqa: F403
from pathways.domain.events.judicial import *  # noqa: F403
from pathways.domain.events.mainstream import *  # noqa: F403
from pathways.domain.events.project import *  # noqa: F403
from pathways.domain.events.registry import *  # noqa: F403

#: The phase modules, in the order of the catalogue (and of docs/events.md).
PHASES: tuple[ModuleType, ...] = (
    inclusion,
    judicial,
    contact,
    project,
    mainstream,
    closure,
    corrections,
    registry,
    access,
)


_T = TypeVar("_T", bound=Event)


def _declared(base: type[_T]) -> tuple[type[_T], ...]:
    """The event classes of that base the phase modules define, in their order."""
    return tuple(
        value
        for module in PHASES
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, base)
        and value.__module__ == module.__name__
    )


YOUTH_EVENT_TYPES: tuple[type[YouthEvent], ...] = _declared(YouthEvent)
REGISTRY_EVENT_TYPES: tuple[type[RegistryEvent], ...] = _declared(RegistryEvent)
EVENT_TYPES: dict[str, type[Event]] = {
    cls.type_name(): cls for cls in (*YOUTH_EVENT_TYPES, *REGISTRY_EVENT_TYPES)
}
#: Types that have their own commands rather than a `record` subcommand.
SPECIAL_TYPES = frozenset(
    {"EventRetracted", "AlertAcknowledged", "YouthErased", "SettingChanged"}
    | {"UserAdded", "UserDisabled", "UserEnabled", "AccessGranted", "AccessRevoked"}
)
#: Types a retraction may not name (DOMAIN rule 6).
UNRETRACTABLE = frozenset(
    {"YouthRegistered", "YouthErased", "EventRetracted", "AccessGranted", "AccessRevoked"}
)
#: The read side's form of each youth event that is a timeline fact, by event type (a
#: retraction acts on another fact, an erasure on the youth: neither is one).
FACT_TYPES: dict[str, type[Fact]] = {
    cls.type_name(): cls.Fact for cls in YOUTH_EVENT_TYPES if cls.Fact is not None
}
#: Every clear key the store may write beside an event's fields (see `Event.derived`).
DERIVED_KEYS: tuple[str, ...] = tuple(
    dict.fromkeys(key for cls in EVENT_TYPES.values() for key in cls.derived)
)
