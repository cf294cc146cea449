"""Retention: the young people kept longer than the store's retention period after
their last contact (`pathways retention`; issue 12 item 6).

**The last contact** is the date of the latest step of the pathway recorded by an
organisation, a Mission Locale or the SPIP: every event of the catalogue whose phase
is a step (inclusion, judicial, contact, project, rights, mainstream, closure), not
the corrections (a retraction, an acknowledgement of an alert) nor the erasure; a
retracted step does not count. A young person in custody or under community
supervision on the day is never due: the pathway is still under way, however long
ago its last step (a long sentence). The period is the setting `retention.days`
(default 730 days: two years after the last contact, the French social-sector
guidance).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select

from pathways.domain.alerts import situation
from pathways.domain.events import EVENT_TYPES, FACT_TYPES
from pathways.projections import packing

if TYPE_CHECKING:
    from pathways.projections.views import Views

SETTING = "retention.days"
#: The phases of the catalogue whose events are steps of a pathway (see the module).
STEP_PHASES = frozenset(
    {"inclusion", "judicial", "contact", "project", "rights", "mainstream", "closure"}
)
STEP_KINDS = frozenset(
    name for name, cls in EVENT_TYPES.items() if cls.phase in STEP_PHASES and name in FACT_TYPES
)
ALL_KINDS = frozenset(FACT_TYPES)


@dataclass(frozen=True)
class Overdue:
    youth: str
    registered_on: date
    last_contact_on: date
    days: int  # since the last contact, on the day judged

    def as_dict(self) -> dict[str, Any]:
        return {
            "youth": self.youth,
            "last_contact_on": self.last_contact_on.isoformat(),
            "days": self.days,
            "registered_on": self.registered_on.isoformat(),
        }


class Due(list[Overdue]):
    """The youths due for erasure on a day, oldest last contact first."""

    def __init__(self, rows: list[Overdue], days: int) -> None:
        super().__init__(rows)
        self.days = days  # the retention period


def due(views: Views, day: date) -> Due:
    """Who is kept past the retention period on `day` (as known now)."""
    point = views.point(day)
    days = views.reference(point).thresholds[SETTING]
    y = views.tables(point.generation).youth
    query = select(y.c.youth, y.c.registered_on, y.c.facts).where(
        y.c.registered_pos <= point.position,
        or_(y.c.erased_pos.is_(None), y.c.erased_pos > point.position),
    )
    found = []
    with views.reading() as conn:
        for youth, registered_on, facts in conn.execute(query):
            timeline = packing.effective(
                packing.loads(facts), ALL_KINDS, upto=point.position, day=day.toordinal()
            )
            steps = [fact.on for fact in timeline if fact.event_type in STEP_KINDS]
            last = max(steps, default=registered_on)
            if day.toordinal() - last <= days:
                continue
            walked = situation(timeline)
            if walked.custody_since is not None or walked.supervision_since is not None:
                continue
            found.append(
                Overdue(
                    youth,
                    date.fromordinal(registered_on),
                    date.fromordinal(last),
                    day.toordinal() - last,
                )
            )
    found.sort(key=lambda row: (row.last_contact_on, row.youth))
    return Due(found, days)
