"""The groups a case falls in that are computed from dates: the quarter, the age band."""

from __future__ import annotations

from datetime import date

from pathways.domain.events import EVENT_TYPES
from pathways.domain.rules import age_on


def quarter_of(ordinal: int) -> str:
    day = date.fromordinal(ordinal)
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


#: The events whose stored form keeps the age band reached on their date, computed from
#: the birth date when they are written (the registration's band is the process-mining
#: case attribute; the others group the two cohorts).
AGE_BAND_EVENTS = frozenset(k for k, cls in EVENT_TYPES.items() if "age_band" in cls.derived)


def band_of(age: int) -> str:
    """The age band of an age in full years: 16-17, 18-20, 21-25 or 26+."""
    if age < 18:
        return "16-17"
    if age <= 20:
        return "18-20"
    if age <= 25:
        return "21-25"
    return "26+"


def exact_age_band(birth: date, day: date) -> str:
    """The band of the exact age on a day. The birth date is personal: this is computed
    while the youth's key exists, and the band (not personal) is kept with the event."""
    return band_of(age_on(birth, day))


def age_band(birth_year: int | None, ordinal: int) -> str:
    """From the birth year alone: the age reached that year (up to a year too old). The
    fallback for events stored before their band was kept with them, once the birth date
    can no longer be read."""
    if birth_year is None:
        return "unknown"
    return band_of(date.fromordinal(ordinal).year - birth_year)
