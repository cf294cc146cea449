"""Time: the Paris calendar, and `--known-at` (a point of transaction time).

A known-at is a log position (`@N`), or a moment that a read resolves once to
the last position recorded by then (`Views.known_at`, on the read model's log);
every read past that filters by position, never by moment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pathways.domain.errors import PathwaysError
from pathways.i18n import _

PARIS = ZoneInfo("Europe/Paris")


def today_in_paris() -> date:
    return datetime.now(PARIS).date()


@dataclass(frozen=True)
class KnownAt:
    """A point of transaction time: a log position, or a moment (UTC) not yet resolved
    to one."""

    position: int | None = None
    moment: datetime | None = None
    text: str = ""

    @property
    def day(self) -> date | None:
        return None if self.moment is None else self.moment.astimezone(PARIS).date()

    @property
    def upto(self) -> int:
        """The log position: only a known-at resolved to a position can filter a read."""
        if self.position is None:
            msg = _(
                "known at '{text}' is a moment: resolve it to a log position first (Views.known_at)"
            ).format(text=self.text)
            raise PathwaysError(msg)
        return self.position


def parse_known_at(text: str) -> KnownAt:
    """`@N` (a log position), a date (the end of that day) or a date-time: in Paris time,
    or with its offset (`+01:00`, `Z`), converted."""
    text = text.strip()
    if text.startswith("@"):
        try:
            position = int(text[1:])
        except ValueError:
            position = -1
        if position < 0:
            msg = _("'{text}' is not a log position (@N, N a whole number)").format(text=text)
            raise PathwaysError(msg)
        return KnownAt(position=position, text=text)
    try:
        if re.fullmatch(r"\d{4}-?\d{2}-?\d{2}", text):  # a date: the end of that day
            day = date.fromisoformat(text)
            local = datetime.combine(day + timedelta(days=1), time(0), PARIS) - timedelta(
                microseconds=1
            )
        else:
            local = datetime.fromisoformat(text)
            if local.tzinfo is None:
                local = local.replace(tzinfo=PARIS)
    except ValueError:
        msg = _(
            "'{text}' is not a date (YYYY-MM-DD), a date-time (YYYY-MM-DDTHH:MM, "
            "Paris time, or with an offset such as +01:00 or Z) or @N"
        ).format(text=text)
        raise PathwaysError(msg) from None
    return KnownAt(moment=local.astimezone(UTC), text=text)
