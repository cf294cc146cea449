"""The stored form of an event: the one module that knows its JSON layout.

An event is stored as one JSON object:

- its clear (non-personal) fields, as pydantic writes them;
- `personal`: its personal fields, sealed together with the youth's data key
  (absent when it has none, or none set);
- the derived clear keys (`events.DERIVED_KEYS`: the birth year, the exact age
  band on the day), written while the personal data can be read;
- `meta`: who recorded it (`actor`), when (`at`, UTC) and `v`, the version of its
  class when it was written (older versions are upcast by the class's
  `upcast_v{N}_v{N+1}` static methods when read).

`read` parses a stored row into a `Stored` (clear fields typed and apart, personal
ones still sealed); `event` rebuilds the event from it, with stand-ins for the
personal fields whose key is gone; `fact` gives its read-model form. The store,
the projection, the exports and the mining log all go through here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from pydantic import ValidationError

from pathways.domain.errors import Tampered
from pathways.domain.events import DERIVED_KEYS, EVENT_TYPES, Event, EventRetracted, Fact
from pathways.domain.facts import layout
from pathways.i18n import _

TOPIC_PREFIX = "pathways:"
_DERIVED = frozenset(DERIVED_KEYS)
_COMMON = frozenset({"id", "youth", "occurred_on", "recorded_by"})

#: Seals a youth's personal fields (JSON values) into one blob.
Seal = Callable[[dict[str, Any]], str]
#: Opens a sealed blob; None once the youth's key is destroyed.
Unseal = Callable[[str], dict[str, Any] | None]


@dataclass(slots=True)
class Stored:
    """A stored event as read from the log, its personal fields still sealed."""

    kind: str  # the event type
    position: int  # in the log (0 when not known)
    id: str
    youth: str | None  # None for a pilot measure or a setting
    occurred_on: date
    recorded_by: str | None
    #: the event's other clear fields, as stored (JSON values, in the class's order)
    clear: dict[str, Any]
    actor: str
    recorded_at: datetime
    version: int  # of the event's class when it was written
    sealed: str | None  # the personal fields, sealed
    derived: dict[str, Any]  # the derived clear keys (DERIVED_KEYS)

    @property
    def cls(self) -> type[Event]:
        return EVENT_TYPES[self.kind]

    def fact(self) -> Fact | None:
        """Its read-model form (None for a retraction, an erasure or a registry event)."""
        if self.youth is None or self.cls.Fact is None:
            return None
        found = layout(self.kind)
        return found.build(self.occurred_on.toordinal(), self.position, self.fact_columns())

    def fact_columns(self) -> dict[str, Any]:
        """Its read-model columns (a, b, c, d, n: those its kind fills)."""
        return layout(self.kind).values(self.clear, self.derived)


@cache
def topic(cls: type[Event]) -> str:
    return TOPIC_PREFIX + cls.type_name()


def kind_of(topic: str) -> str:
    return topic.removeprefix(TOPIC_PREFIX)


def meta(actor: str, recorded_at: datetime) -> str:
    """The JSON of who and when (the same for every event of an append)."""
    return json.dumps({"actor": actor, "at": recorded_at.isoformat()}, separators=(",", ":"))


def encode(
    event: Event, meta_json: str, seal: Seal, derived: Mapping[str, Any] | None = None
) -> bytes:
    """The stored JSON of an event. `meta_json` comes from `meta`; `seal` seals its
    personal fields; `derived`: clear keys derived from personal data (DERIVED_KEYS)."""
    return written(event, meta_json, seal, derived)[0]


def written(
    event: Event,
    meta_json: str,
    seal: Seal,
    derived: Mapping[str, Any] | None = None,
    *,
    actor: str = "",
    recorded_at: datetime | None = None,
) -> tuple[bytes, Stored]:
    """The stored JSON of an event (`encode`), and what `read` would make of it, built
    from the event itself: a write projects its own events without parsing them back.
    Its `clear` holds the event's own values (a date is a date), where `read`'s holds
    their JSON; `Layout.values` takes both."""
    cls = type(event)
    kind, personal, not_clear = _shape(cls)
    values = event.__dict__
    extra: dict[str, Any] = {}
    sealed: str | None = None
    if personal:
        # pydantic's own JSON encoder is several times faster than model_dump +
        # json.dumps; the extra keys are spliced before the closing brace.
        clear = event.model_dump_json(exclude=set(personal))
        found = {n: value for n in personal if (value := values[n]) is not None}
        if found:
            sealed = extra["personal"] = seal({k: _json_value(v) for k, v in found.items()})
    else:
        # (its serializer itself: `model_dump_json` with no argument is that call, behind
        # a wrapper that costs as much again, for every event written)
        clear = cls.__pydantic_serializer__.to_json(event).decode()
    keys = event.derive()
    if derived:
        if not derived.keys() <= _DERIVED:
            msg = _("not derived keys: {sorted}").format(sorted=sorted(derived.keys() - _DERIVED))
            raise ValueError(msg)
        keys.update(derived)
    extra.update(keys)
    tail = json.dumps(extra, separators=(",", ":"))[1:-1] + "," if extra else ""
    state = f'{clear[:-1]},{tail}"meta":{meta_json[:-1]},"v":{cls.class_version}}}}}'
    stored = Stored(
        kind,
        0,
        str(event.id),
        values.get("youth"),
        values["occurred_on"],
        values["recorded_by"],
        {k: v for k, v in values.items() if k not in not_clear},
        actor,
        recorded_at or datetime.min,
        cls.class_version,
        sealed,
        keys,
    )
    return state.encode(), stored


@cache
def _shape(cls: type[Event]) -> tuple[str, frozenset[str], frozenset[str]]:
    """An event class's name, its personal fields, and the fields that are not in
    `Stored.clear` (asked for every event written)."""
    personal = cls.personal_fields()
    return cls.type_name(), personal, _COMMON | personal


def read(position: int, topic: str, blob: bytes | str) -> Stored:
    """A stored row (position, topic, state) parsed, its personal fields still sealed;
    `Tampered` if it is not what pathways writes (a row changed by hand)."""
    try:
        return from_state(kind_of(topic), json.loads(blob), position)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        why = _("its data do not read as an event: {error}").format(error=type(error).__name__)
        raise tampered(position, why) from None


def stored_bytes(value: Any, position: int) -> bytes:
    """A stored state as bytes; `Tampered` if it is not bytes (SQLite's `replace()` in a
    hand-made UPDATE leaves text: every read used to fail on it as on a bug)."""
    if type(value) is bytes:  # (what both databases give: asked once per row read)
        return value
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    raise tampered(position, _("its data are text, not bytes"))


def tampered(position: int, why: str) -> Tampered:
    return Tampered(
        _(
            "the event at position {position} is not stored as pathways stores it ({why}): "
            "the log was changed outside pathways. Run `pathways verify` to see every "
            "change (docs/tamper-evidence.md); if it finds the log intact, this is a bug "
            "of pathways: please report it"
        ).format(position=position, why=why)
    )


def from_state(kind: str, state: dict[str, Any], position: int = 0) -> Stored:
    """A parsed stored state (consumed) as a `Stored`."""
    info = state.pop("meta")
    sealed = state.pop("personal", None)
    derived = {key: state.pop(key) for key in DERIVED_KEYS if key in state}
    return Stored(
        kind=kind,
        position=position,
        id=state.pop("id"),
        youth=state.pop("youth", None),
        occurred_on=date.fromisoformat(state.pop("occurred_on")),
        recorded_by=state.pop("recorded_by", None),
        clear=state,
        actor=info["actor"],
        recorded_at=datetime.fromisoformat(info["at"]),
        version=info.get("v", 1),
        sealed=sealed,
        derived=derived,
    )


def event(stored: Stored, unseal: Unseal) -> tuple[Event, bool]:
    """The event, and whether its personal fields are gone with the youth's key.

    Those fields are validated with their stand-ins (`personal(stand_in=...)`), then
    set to None: the event keeps its types, without the erased data."""
    cls = stored.cls
    state: dict[str, Any] = {
        "id": stored.id,
        "occurred_on": stored.occurred_on.isoformat(),
        "recorded_by": stored.recorded_by,
        **stored.clear,
    }
    if stored.youth is not None:
        state["youth"] = stored.youth
    erased = False
    if stored.sealed is not None:
        personal = unseal(stored.sealed)
        if personal is None:
            erased = True
        else:
            state.update(personal)
    version = stored.version
    while version < cls.class_version:
        getattr(cls, f"upcast_v{version}_v{version + 1}")(state)
        version += 1
    gone = cls.personal_fields() - set(state) if erased else frozenset()
    stand_ins = cls.stand_ins()
    try:
        found: Event = cls.model_validate({**state, **{f: stand_ins[f] for f in gone}})
    except ValidationError as error:  # a row changed by hand
        first = error.errors()[0]
        why = _("it does not match its schema: {field}: {problem}").format(
            field=".".join(str(part) for part in first["loc"]), problem=first["msg"]
        )
        raise tampered(stored.position, why) from None
    if gone:
        found = found.model_copy(update=dict.fromkeys(gone))
    return found, erased


#: A store's scan of the clear states of some event types, up to a position.
ClearStates = Callable[[Sequence[str], int | None], list[dict[str, Any]]]


def retracted_ids(clear_states: ClearStates, upto: int | None = None) -> set[str]:
    """The ids of the events retracted in the log (up to a position), from a scan of
    the retractions' clear states (`Store.clear_states`)."""
    kind = EventRetracted.type_name()
    return {from_state(kind, state).clear["event_id"] for state in clear_states([kind], upto)}


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value
