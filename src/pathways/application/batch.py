"""A batch to write: its items (an event, and where it came from for messages), the
receipt of what writing it did, and how many problems a refused batch names."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

from pathways.domain.events import Event
from pathways.i18n import _, pgettext

MAX_PROBLEMS = 50


class Item(NamedTuple):
    """An event to write, and where it came from (for messages). (A named tuple: an
    import makes one per line, and a frozen dataclass's `__init__` costs several times
    a tuple's.)"""

    event: Event
    #: where it came from, in English (the audit keeps it): "line 18" (`line_where`),
    #: a phrase of the catalogue ("the corrected event"); empty for a single command
    where: str
    order: int = 0

    def at(self, message: str) -> str:
        """A message prefixed with where the event came from, if anywhere."""
        return located(self.where, message)


def line_where(number: int) -> str:
    """Where an event of a file comes from, as an `Item` keeps it: "line 18"."""
    return f"line {number}"


def said_where(where: str, *, in_sentence: bool = False) -> str:
    """An item's `where` as messages say it, in their language: "ligne 18" before a
    problem, "la ligne 18" `in_sentence` ("la même étape que la ligne 18")."""
    number = where.removeprefix("line ")
    if number != where and number.isdigit():
        if in_sentence:
            return pgettext("in a sentence", "line {number}").format(number=number)
        return _("line {number}").format(number=number)
    return _(where) if where else where


def located(where: str, message: str) -> str:
    """A message prefixed with where (an item's `where`), if anywhere: "line 18: ..."."""
    if not where:
        return message
    return _("{where}: {message}").format(where=said_where(where), message=message)


@dataclass
class Receipt:
    """What a write did."""

    stored: int = 0
    skipped: int = 0
    by_type: Counter[str] = field(default_factory=Counter)
    positions: list[int] = field(default_factory=list)
    checked_only: bool = False
    #: the ids of the first and the last event sent to the store (an interrupted
    #: command looks them up to say whether they were stored)
    first_id: uuid.UUID | None = None
    last_id: uuid.UUID | None = None

    def add(self, other: Receipt) -> None:
        """Count another part of the same batch (an import written in chunks)."""
        self.stored += other.stored
        self.skipped += other.skipped
        self.by_type.update(other.by_type)
        self.positions.extend(other.positions)
        self.first_id = self.first_id or other.first_id
        self.last_id = other.last_id or self.last_id


def line_number(problem: str) -> int:
    """The line a problem names ("line 18: ...", as `located` says it in the language of
    messages), 0 for one that names none."""
    prefix = _("line {number}").partition("{number}")[0]
    if not problem.startswith(prefix):
        return 0
    rest = problem[len(prefix) :]
    digits = len(rest) - len(rest.lstrip("0123456789"))
    return int(rest[:digits]) if digits else 0
