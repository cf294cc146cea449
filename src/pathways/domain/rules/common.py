"""What the rules share: the age bounds, the age on a day, a date some years on, and
how a step and an unknown code are named in a message."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from pathways.domain.events import YouthEvent
from pathways.i18n import _, long_date

MIN_AGE = 16
MAX_AGE = 25
#: An expected release further than this after the custody began is a typing error.
MAX_CUSTODY_YEARS = 30


def describe(event: YouthEvent) -> str:
    return _("{event} on {on} for {youth}").format(
        event=event.type_name(), on=long_date(event.occurred_on), youth=event.youth
    )


def age_on(birth: date, day: date) -> int:
    """Full years of age on a day (a 29 February birthday counts from 1 March)."""
    years = day.year - birth.year
    if (day.month, day.day) < (birth.month, birth.day):
        years -= 1
    return years


def years_after(day: date, years: int) -> date:
    """The same day so many years later (28 February for a 29 February)."""
    if day.year + years > date.max.year:
        return date.max
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def one_of(value: str, valid: Sequence[str]) -> str:
    return _("'{value}' is not a known code (valid: {valid})").format(
        value=value, valid=", ".join(valid)
    )
