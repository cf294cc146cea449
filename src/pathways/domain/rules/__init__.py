"""The rules every write obeys (DOMAIN.md section 5), as pure functions.

`check_youth(stored, new, ...)` checks the events of one young person that a
command or a batch would add, against what is stored, as a whole: a single
command and a whole file go through the same code, whatever order the events
were recorded in. It returns the violations; it never raises.

By family of rule: `event` (one event alone: codes, plausibility, dates),
`pairs` (a timeline: pairs and what depends on them), `acknowledgements` (an
alert must be open), `youth` (one young person's batch as a whole, calling the
others), `measures` (pilot measures and settings), and `common` (what they
share). Everything is importable from here.
"""

from __future__ import annotations

from pathways.domain.rules.acknowledgements import (
    check_acknowledgements,
    no_open_alert,
    open_alerts,
)
from pathways.domain.rules.common import (
    MAX_AGE,
    MAX_CUSTODY_YEARS,
    MIN_AGE,
    age_on,
    describe,
    years_after,
)
from pathways.domain.rules.event import check_codes, check_dates, check_plausible
from pathways.domain.rules.measures import Enrolment, check_measure_ends, check_registry_event
from pathways.domain.rules.pairs import check_timeline
from pathways.domain.rules.youth import YouthCheck, check_youth

__all__ = [
    "MAX_AGE",
    "MAX_CUSTODY_YEARS",
    "MIN_AGE",
    "Enrolment",
    "YouthCheck",
    "age_on",
    "check_acknowledgements",
    "check_codes",
    "check_dates",
    "check_measure_ends",
    "check_plausible",
    "check_registry_event",
    "check_timeline",
    "check_youth",
    "describe",
    "no_open_alert",
    "open_alerts",
    "years_after",
]
