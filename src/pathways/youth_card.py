"""The card of one young person (`pathways youth`), a query of the query layer
(`pathways.queries` re-exports it): the command line and the Python API read it alike.

As of a date and as known at a time like every read: it reads the youth's row of the
read model at the point (`Views.record`), walks the facts with the domain's pure
`card` (which reuses the alerts' walk, `Situation`), and judges the open alerts with
the same `alerts.judge` as the caseload. Personal fields (birth date, name) are
decrypted only when asked for, with the youth's key; without them the age is known
within a year, from the birth year (which stays in clear).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from pathways.access import COUNSELLOR, check_youth, grant_of, moment_at
from pathways.domain.alert_walk import Situation
from pathways.domain.alerts import Alert, judge, support_status
from pathways.domain.card import Card, Dated, card
from pathways.domain.errors import UnknownYouth
from pathways.domain.rules import age_on
from pathways.worklists import youth_problem

if TYPE_CHECKING:
    from pathways.domain.reference import ReferenceData
    from pathways.projections.reads import Point
    from pathways.projections.views import Views


def _iso(day: date | int | None) -> str | None:
    """A date (or a day ordinal) as ISO text."""
    if day is None:
        return None
    return (date.fromordinal(day) if isinstance(day, int) else day).isoformat()


def _plain(found: Any) -> dict[str, Any] | None:
    """A dataclass of the card as JSON: its dates as ISO text."""
    if found is None:
        return None
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in asdict(found).items()}


def _dated(items: tuple[Dated, ...], what: str, when: str) -> list[dict[str, Any]]:
    return [{what: item.code, when: item.on.isoformat()} for item in items]


@dataclass(frozen=True)
class YouthCard:
    """One young person at a glance on the date: what the domain's walk gathers
    (`domain.card`), the support and the open alerts of the caseload line, and the
    personal fields when asked for."""

    youth: str
    point: Point
    registered_on: date
    sex: str | None
    birth_year: int | None
    support: str  # active / not-started / closed
    walked: Card
    alerts: tuple[Alert, ...]
    measure_name: str | None
    personal: dict[str, Any] | None = None  # birth_date, name: only when asked

    @property
    def birth_date(self) -> date | None:
        found = (self.personal or {}).get("birth_date")
        return date.fromisoformat(found) if found else None

    @property
    def age(self) -> int | None:
        """The exact age on the date: from the birth date, so only with the personal
        fields (otherwise the birth year gives it within a year)."""
        born = self.birth_date
        return None if born is None else age_on(born, self.point.as_of)

    @property
    def days_since_contact(self) -> int | None:
        last = self.walked.situation.last_contact
        return None if last is None else self.point.as_of.toordinal() - last

    def as_dict(self) -> dict[str, Any]:
        """One object (`--json`); the personal fields only when asked for."""
        state = self.walked.situation
        found: dict[str, Any] = {
            "youth": self.youth,
            **self.point.meta(),
            "registered_on": self.registered_on.isoformat(),
            "residence": state.residence,
            "territory": state.territory,
            "sex": self.sex,
            "birth_year": self.birth_year,
            "age": self.age,
        }
        if self.personal is not None:
            found["birth_date"] = _iso(self.birth_date)
            found["name"] = self.personal.get("name")
        return found | self._support() | self._pathway()

    def _support(self) -> dict[str, Any]:
        w, state = self.walked, self.walked.situation
        closed = state.support_closed_on if self.support == "closed" else None
        support = {
            "status": self.support,
            "organisation": state.organisation,
            "organisation_since": _iso(w.organisation_since),
            "counsellor": state.counsellor,
            "counsellor_since": _iso(w.counsellor_since),
            "closed_on": _iso(closed),
        }
        return {
            "support": support,
            "custody": _plain(w.custody),
            "supervision": _plain(w.supervision),
            "last_release": _plain(w.last_release),
        }

    def _pathway(self) -> dict[str, Any]:
        w = self.walked
        plan = None if w.plan is None else {**(_plain(w.plan) or {}), "complete": w.plan.complete}
        measure = w.measure
        return {
            "release_plan": plan,
            "rights_obtained": _dated(w.rights, "right", "on"),
            "rights_missing": list(w.missing_rights),
            "care_referrals": _dated(w.care_referrals, "service", "on"),
            "programmes": _dated(w.programmes, "programme", "since"),
            "situations": _dated(w.situations, "situation", "since"),
            "measure": None
            if measure is None
            else {"measure": measure.code, "name": self.measure_name, "since": _iso(measure.on)},
            "last_contact_on": _iso(w.situation.last_contact),
            "days_since_contact": self.days_since_contact,
            "alerts": [
                {"alert": a.alert, "since": a.since.isoformat(), "reason": a.reason}
                for a in self.alerts
            ],
            "handover_pending": _plain(w.handover),
        }


def youth_card(views: Views, point: Point, youth: str, *, with_personal: bool = False) -> YouthCard:
    """A youth's card at the point; `UnknownYouth` if no view shows them there."""
    record = views.record(point, youth)
    problem = youth_problem(youth, record, point)
    if problem is not None or record is None:
        raise UnknownYouth(problem or youth)
    ref = views.reference(point)
    walked = card(record.facts, point.as_of)
    scope(views, point, ref, youth, walked.situation)
    births = views.birth_dates([record.row], point, ref.thresholds["ageing-out.days"])
    line = judge(youth, walked.situation, point.as_of, ref, births.get(youth))
    measure = walked.measure
    return YouthCard(
        youth=youth,
        point=point,
        registered_on=record.registered_on,
        sex=record.row.sex,
        birth_year=record.row.birth_year,
        support=support_status(walked.situation),
        walked=walked,
        alerts=() if line is None else line.alerts,
        measure_name=None if measure is None else ref.measure_name(measure.code),
        personal=views.personal(record.row) if with_personal else None,
    )


def scope(views: Views, point: Point, ref: ReferenceData, youth: str, state: Situation) -> None:
    """Refuse a read of one youth outside the acting user's rights (`pathways.access`)."""
    access = getattr(views.app, "access", None)
    if access is None:
        return
    user = access.at(ref)
    store = views.app.store
    grant = user.role == COUNSELLOR and grant_of(
        store, youth, user.name, point.position, moment_at(store, point.known_at, point.position)
    )
    check_youth(access, ref, youth, state, point.as_of, grant)


__all__ = ["YouthCard", "scope", "youth_card"]
