"""The rule on acknowledgements: an alert is acknowledged only while it is open on that
date."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from pathways.domain.errors import Violation
from pathways.domain.events import AlertAcknowledged, YouthRegistered
from pathways.domain.reference import ReferenceData
from pathways.domain.timeline import Entry
from pathways.i18n import _, long_date


def no_open_alert(youth: str, alert: str, day: date, open_codes: Sequence[str]) -> str:
    shown = ", ".join(open_codes) or _("none")
    return _("{youth} has no open '{alert}' alert on {day} (open: {shown})").format(
        youth=youth, alert=alert, day=long_date(day), shown=shown
    )


def open_alerts(
    youth: str, timeline: Sequence[Entry], day: date, ref: ReferenceData, birth: date | None
) -> list[str]:
    """The codes of the alerts open on `day` on a timeline of effective events, as the
    caseload computes them (`alerts.assess` on the events' facts)."""
    from pathways.domain.alerts import assess
    from pathways.domain.facts import fact_of

    facts = [f for f in (fact_of(e.event, e.seq) for e in timeline) if f is not None]
    line = assess(youth, facts, day, ref, birth)
    return [] if line is None else [a.alert for a in line.alerts]


def check_acknowledgements(
    youth: str, timeline: Sequence[Entry], new: Sequence[Entry], ref: ReferenceData
) -> list[Violation]:
    """An alert can be acknowledged only while it is open on the acknowledgement's date,
    whatever channel records it (a command, an import line): each new acknowledgement
    against the timeline without it and the acknowledgements after it."""
    fresh = {e.event.id for e in new if isinstance(e.event, AlertAcknowledged)}
    if not fresh:
        return []
    birth = next(
        (e.event.birth_date for e in timeline if isinstance(e.event, YouthRegistered)), None
    )
    violations = []
    for index, entry in enumerate(timeline):
        ack = entry.event
        if not isinstance(ack, AlertAcknowledged) or ack.id not in fresh:
            continue
        before = [
            e
            for i, e in enumerate(timeline)
            if i < index or (i > index and not isinstance(e.event, AlertAcknowledged))
        ]
        found = open_alerts(youth, before, ack.occurred_on, ref, birth)
        if ack.alert not in found:
            message = no_open_alert(youth, ack.alert, ack.occurred_on, found)
            violations.append(Violation(ack.id, message))
    return violations
