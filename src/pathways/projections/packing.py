"""A youth's facts packed in one JSON text (the `facts` column of `pw{g}_youth`).

Each fact is a JSON array `[kind, on, pos, a, b, c, d, n, ret]` (see
`domain.facts` for the columns a..n of each kind; `ret` is the log position of
its retraction), its trailing nulls left out: a contact is `["ContactMade",
739944, 1207, "office"]`. They are kept in log order. One row per youth instead
of one per fact: a read of 64,000 youths fetches 64,000 rows, not a million.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from typing import Any

from pathways.domain.events import ContactMade, Fact
from pathways.domain.facts import in_life_order, layout

Packed = list[Any]
CONTACT = ContactMade.type_name()
_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
RET = 8  # the index of the retraction's position


def pack(kind: str, on: int, position: int, columns: dict[str, Any]) -> Packed:
    """A fact in its packed form (trailing nulls left out)."""
    item: Packed = [
        kind,
        on,
        position,
        columns.get("a"),
        columns.get("b"),
        columns.get("c"),
        columns.get("d"),
        columns.get("n"),
    ]
    while item[-1] is None:
        item.pop()
    return item


def retract(facts: list[Packed], position: int, by: int) -> bool:
    """Mark the fact at a log position retracted by a later one; False if not found."""
    for item in facts:
        if item[2] == position:
            item.extend([None] * (RET - len(item)))
            if len(item) == RET:
                item.append(by)
            else:
                item[RET] = by
            return True
    return False


def dumps(facts: list[Packed]) -> str:
    return _dumps(facts)


def loads(text: str) -> list[Packed]:
    found: list[Packed] = json.loads(text)
    return found


_MAKERS: dict[str, Any] = {}


def _maker(kind: str) -> Any:
    found = _MAKERS.get(kind)
    if found is None:
        found = _MAKERS[kind] = layout(kind).make
    return found


def effective(
    facts: Iterable[Packed],
    kinds: Collection[str],
    *,
    upto: int | None = None,
    day: int | None = None,
    latest_contact: bool = False,
) -> list[Fact]:
    """The facts of these kinds as known at a position (recorded by then and not
    retracted by then), dated on or before a day, in life order. With
    `latest_contact`, only the latest contact (all that a situation needs of them)."""
    found: list[Fact] = []
    contact: Packed | None = None
    for item in facts:
        kind, on, pos = item[0], item[1], item[2]
        if (upto is not None and pos > upto) or (day is not None and on > day):
            continue
        if len(item) > RET and item[RET] is not None and (upto is None or item[RET] <= upto):
            continue
        if latest_contact and kind == CONTACT:
            if contact is None or (on, pos) > (contact[1], contact[2]):
                contact = item
            continue
        if kind in kinds:
            found.append(_make(item))
    if contact is not None:
        found.append(_make(contact))
    return in_life_order(found)


def _make(item: Packed) -> Fact:
    padded = item + [None] * (8 - len(item)) if len(item) < 8 else item
    fact: Fact = _maker(item[0])(*padded[1:8])
    return fact
