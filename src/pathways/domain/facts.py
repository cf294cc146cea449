"""Timeline facts: the non-personal content of a youth's events, in a compact form.

A fact is what the read models keep of an event: an instance of the `Fact` class
its event class declares in the catalogue (`Released.Fact`: destination, kind,
age band), with its date and log position, so that alerts, caseloads and
indicators can be computed for tens of thousands of youths from one query. No
personal field ever becomes a fact.

The read models store every kind in the same generic columns: a, b, c (text),
d (a day ordinal) and n (an integer: a count, or the booleans as bits). Which
field goes in which column is derived here from the types of each `Fact`
class's fields: text fields fill a, b, c in order (unless pinned with
`events.Column`), a `Day` goes in d, an `int` or the booleans in n.
`layout(kind)` says it, and builds facts from columns with a constructor made
once per kind (a read builds hundreds of thousands of them).
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from operator import attrgetter
from typing import Annotated, Any, Literal, Union, get_args, get_origin, get_type_hints

from pathways.domain.events import (
    FACT_TYPES,
    YOUTH_EVENT_TYPES,
    Column,
    Day,
    Fact,
    YouthEvent,
)
from pathways.domain.ordering import life_order

__all__ = [
    "NOT_FACTS",
    "Fact",
    "Layout",
    "fact_from_state",
    "fact_of",
    "in_life_order",
    "kinds",
    "layout",
]

TEXT_COLUMNS = ("a", "b", "c")
#: The widest text each text column holds (the read-model schema).
TEXT_WIDTH = {"a": 80, "b": 80, "c": 40}
#: Events that are not facts: a retraction acts on another fact, an erasure on the youth.
NOT_FACTS = frozenset(cls.type_name() for cls in YOUTH_EVENT_TYPES if cls.Fact is None)
_INT32 = 2**31
_NOTHING: Mapping[str, Any] = {}

#: Builds a fact from (on, seq, a, b, c, d, n).
Maker = Callable[[int, int, Any, Any, Any, Any, Any], Fact]


class LayoutError(TypeError):
    """A `Fact` class whose fields do not fit the read-model columns."""


@dataclass(frozen=True)
class Layout:
    """Where the fields of one kind of fact go in the read-model columns."""

    cls: type[Fact]
    #: (field, column) for each field, in the order of the class
    columns: tuple[tuple[str, str], ...]
    bits: tuple[str, ...]  # boolean fields, bit 0 first, packed in n
    make: Maker

    def build(self, on: int, seq: int, values: Mapping[str, Any]) -> Fact:
        """The fact, from its columns (as `values` gives them)."""
        get = values.get
        return self.make(on, seq, get("a"), get("b"), get("c"), get("d"), get("n"))

    def column_of(self, name: str) -> str | None:
        return next((column for field, column in self.columns if field == name), None)

    def values(
        self, state: Mapping[str, Any], derived: Mapping[str, Any] = _NOTHING
    ) -> dict[str, Any]:
        """The columns of a fact, from its event's clear (stored JSON) fields and the
        derived keys stored beside them."""
        found: dict[str, Any] = {}
        for name, column in self.columns:
            value = state.get(name)
            if value is None and derived:
                value = derived.get(name)
            if column == "d" and value is not None:
                # a stored state's JSON, or the event's own value (`codec.written`)
                value = (
                    value.toordinal()
                    if isinstance(value, date)
                    else date.fromisoformat(value).toordinal()
                )
            elif column == "n" and name in self.bits:
                value = sum(1 << i for i, bit in enumerate(self.bits) if state.get(bit))
            elif column == "n" and isinstance(value, int) and not -_INT32 <= value < _INT32:
                value = None  # the column is 32 bits; no real count comes near
            found[column] = value
        return found


def _kind_of(annotation: Any) -> tuple[str, Column | None]:
    """`text`, `day`, `int` or `bool`, and the column a field is pinned to."""
    pin = None
    if get_origin(annotation) is Annotated:
        annotation, *extras = get_args(annotation)
        pin = next((e for e in extras if isinstance(e, Column)), None)
    if get_origin(annotation) in (Union, types.UnionType):
        (annotation,) = [a for a in get_args(annotation) if a is not type(None)]
        if get_origin(annotation) is Annotated:
            annotation = get_args(annotation)[0]
    if annotation is Day:
        return "day", pin
    if annotation is bool:
        return "bool", pin
    if annotation is int:
        return "int", pin
    if annotation is str or (
        get_origin(annotation) is Literal and all(isinstance(v, str) for v in get_args(annotation))
    ):
        return "text", pin
    msg = f"a fact field must be text, a Day, an int or a bool, not {annotation!r}"
    raise LayoutError(msg)


def derive_layout(cls: type[Fact]) -> Layout:
    """The columns of a `Fact` class's fields, from their types."""
    hints = get_type_hints(cls, include_extras=True)
    own = [f.name for f in dataclasses.fields(cls)][2:]  # after on, seq
    columns: dict[str, str] = {}
    bits: list[str] = []
    free = list(TEXT_COLUMNS)
    for name in own:
        kind, pin = _kind_of(hints[name])
        if kind == "text":
            column = pin.name if pin is not None else (free[0] if free else "")
            if column not in free:
                msg = f"{cls.__qualname__}.{name}: no text column left for it"
                raise LayoutError(msg)
            free = free[free.index(column) + 1 :]
        elif kind == "bool":
            bits.append(name)
            column = "n"
        else:
            column = "d" if kind == "day" else "n"
        if column in columns.values() and not (kind == "bool" and len(bits) > 1):
            msg = f"{cls.__qualname__}.{name}: column {column} is already taken"
            raise LayoutError(msg)
        columns[name] = column
    if len(bits) > 31:
        msg = f"{cls.__qualname__}: more booleans than the bits of n"
        raise LayoutError(msg)
    return Layout(cls, tuple(columns.items()), tuple(bits), _maker(cls, columns, bits))


def _maker(cls: type[Fact], columns: dict[str, str], bits: list[str]) -> Maker:
    """`lambda on, seq, a, b, c, d, n: cls(on, seq, ...)`, compiled once: a read calls
    it for every fact, and a generic loop over the fields would cost several times it."""
    args = []
    for name, column in columns.items():
        if name in bits:
            args.append(f"bool((n or 0) & {1 << bits.index(name)})")
        else:
            args.append(column)
    source = f"lambda on, seq, a, b, c, d, n: cls(on, seq, {', '.join(args)})"
    maker: Maker = eval(source, {"cls": cls})  # built from field names only
    return maker


@cache
def layout(kind: str) -> Layout:
    """The layout of a kind of fact (an event type that is a fact)."""
    return derive_layout(FACT_TYPES[kind])


def kinds(classes: Iterable[type[Fact]]) -> tuple[str, ...]:
    """The event types of these kinds of facts (the SQL list of what a read needs)."""
    return tuple(cls.event_type for cls in classes)


def fact_of(event: YouthEvent, position: int) -> Fact | None:
    """The fact of an event (None for an event that is no fact: a retraction, an
    erasure); its derived fields (an age band) are left out."""
    kind = event.type_name()
    if kind in NOT_FACTS:
        return None
    return fact_from_state(kind, event.model_dump(mode="json"), position)


def fact_from_state(kind: str, state: Mapping[str, Any], position: int) -> Fact:
    """A fact from an event's stored JSON state (clear fields only)."""
    found = layout(kind)
    on = date.fromisoformat(state["occurred_on"]).toordinal()
    return found.build(on, position, found.values(state))


_when = attrgetter("on", "seq")
_paired = attrgetter("paired")


def in_life_order(facts: Iterable[Fact]) -> list[Fact]:
    """Facts sorted as a timeline (DOMAIN.md rule 4): `ordering.life_order`."""
    return life_order(facts, _when, _paired)
