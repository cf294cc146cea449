"""The groups a case falls in that are computed from dates: the quarter, the age band."""

from __future__ import annotations

from datetime import date

from pathways.domain.ages import AGE_BAND_EVENTS, band_of, exact_age_band

__all__ = ["AGE_BAND_EVENTS", "age_band", "band_of", "exact_age_band", "quarter_of"]


def quarter_of(ordinal: int) -> str:
    day = date.fromordinal(ordinal)
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def age_band(birth_year: int | None, ordinal: int) -> str:
    """From the birth year alone: the age reached that year (up to a year too old). The
    fallback for events stored before their band was kept with them, once the birth date
    can no longer be read."""
    if birth_year is None:
        return "unknown"
    return band_of(date.fromordinal(ordinal).year - birth_year)
