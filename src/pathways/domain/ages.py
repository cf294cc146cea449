"""Age bands (DOMAIN.md section 7: 16-17, 18-20, 21-25, 26+), from the exact age on a
day. Apart from the indicators so that the write side and the read models' projection
compute a band without loading the outcomes."""

from __future__ import annotations

from datetime import date

from pathways.domain.events import EVENT_TYPES
from pathways.domain.rules import age_on

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
