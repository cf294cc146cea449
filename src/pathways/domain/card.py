"""One young person at a glance on a day (`pathways youth`): what a counsellor or a CPIP
needs before a meeting, walked from the youth's effective facts.

`card(facts, day)` is a pure function of the facts dated on or before the day (retracted
ones already left out), in life order. What the alerts' walk already learns (support,
custody, supervision, last release and contact, expected release) is taken from its
`Situation`, not walked again; this walk adds what only the card shows: the custody's
status and sentence band, the supervision's measure, the release plan, the rights
obtained and missing (DOMAIN.md section 5, `RightObtained`), the care referrals, the
programmes and situations in progress, the pilot measure, the pending handover, and
since when the organisation and the counsellor follow the youth.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar, get_args

from pathways.domain.alert_walk import Situation, handed_to, situation
from pathways.domain.events import (
    CareReferralMade,
    CommunitySupervisionStarted,
    CounsellorAssigned,
    CustodyStatusChanged,
    EnrolledInMeasure,
    Fact,
    HandedOver,
    HandoverAcknowledged,
    Incarcerated,
    ProgrammeEntered,
    ProgrammeExited,
    Released,
    ReleasePlanValidated,
    Right,
    RightObtained,
    SituationEnded,
    SituationStarted,
    SupportStarted,
)

_F = TypeVar("_F", bound=Fact)

#: Every right of the catalogue, in its order: the card's checklist.
RIGHTS: tuple[str, ...] = get_args(Right)


@dataclass(frozen=True)
class Dated:
    """A code and its date: a right obtained (the latest time), a care referral made, a
    programme, a situation or a pilot measure entered."""

    code: str
    on: date


@dataclass(frozen=True)
class Custody:
    facility: str
    since: date
    status: str  # remand / sentenced: the latest statement of the custody
    sentence_band: str | None
    expected_release_on: date | None
    days_left: int | None  # to the expected release; negative once it has passed


@dataclass(frozen=True)
class Supervision:
    measure: str
    since: date
    ends_on: date | None  # the planned end, if stated


@dataclass(frozen=True)
class Release:
    """The last release on or before the day."""

    on: date
    kind: str
    destination: str


@dataclass(frozen=True)
class Plan:
    """The latest release plan validated during the current custody (in custody) or the
    custody the last release ended (released)."""

    validated_on: date
    housing: bool
    income: bool
    id_document: bool
    health_cover: bool
    first_appointment_on: date | None

    @property
    def complete(self) -> bool:
        return self.housing and self.income and self.id_document and self.health_cover


@dataclass(frozen=True)
class Handover:
    """A handover to a Mission Locale that has not acknowledged it yet."""

    to_organisation: str
    to_counsellor: str | None
    on: date


@dataclass(frozen=True)
class Card:
    """What `card` learns of a youth on a day; `situation` is the alerts' walk of it."""

    situation: Situation
    organisation_since: date | None
    counsellor_since: date | None
    custody: Custody | None
    supervision: Supervision | None
    last_release: Release | None
    plan: Plan | None
    rights: tuple[Dated, ...]  # obtained, in the order of the catalogue
    missing_rights: tuple[str, ...]
    care_referrals: tuple[Dated, ...]  # by date
    programmes: tuple[Dated, ...]  # in progress, by date of entry
    situations: tuple[Dated, ...]  # in progress, by date of start
    measure: Dated | None  # the latest enrolment in a pilot measure
    handover: Handover | None  # the latest one not acknowledged


def _d(ordinal: int | None) -> date | None:
    return None if ordinal is None else date.fromordinal(ordinal)


def card(facts: Sequence[Fact], day: date) -> Card:
    """The card of a youth on `day`, from their effective facts dated on or before it,
    in life order (`facts.in_life_order`)."""
    d = day.toordinal()
    facts = [f for f in facts if f.on <= d]
    state = situation(facts)
    organisation_since, counsellor_since = _followed_since(facts)
    rights: dict[str, int] = {}
    for fact in facts:
        if isinstance(fact, RightObtained.Fact):
            rights[fact.right] = fact.on
    care = [Dated(f.service, f.day) for f in facts if isinstance(f, CareReferralMade.Fact)]
    measure = _latest(facts, EnrolledInMeasure.Fact)
    return Card(
        situation=state,
        organisation_since=organisation_since,
        counsellor_since=counsellor_since,
        custody=_custody(facts, state, d),
        supervision=_supervision(facts, state),
        last_release=_release(facts, state),
        plan=_plan(facts, state),
        rights=tuple(Dated(r, date.fromordinal(rights[r])) for r in RIGHTS if r in rights),
        missing_rights=tuple(r for r in RIGHTS if r not in rights),
        care_referrals=tuple(care),
        programmes=_open(facts, ProgrammeEntered.Fact, ProgrammeExited.Fact, "programme"),
        situations=_open(facts, SituationStarted.Fact, SituationEnded.Fact, "situation"),
        measure=None if measure is None else Dated(measure.measure, measure.day),
        handover=_handover(facts),
    )


def _latest(facts: Sequence[Fact], kind: type[_F]) -> _F | None:
    found = [f for f in facts if isinstance(f, kind)]
    return found[-1] if found else None


def _followed_since(facts: Sequence[Fact]) -> tuple[date | None, date | None]:
    """Since when the organisation and the counsellor of the situation follow the youth:
    the step that first named them (a new support starts both again), as the alerts'
    walk names them."""
    organisation: str | None = None
    counsellor: str | None = None
    since: list[int | None] = [None, None]
    handed: dict[str, str | None] = {}
    for fact in facts:
        restart = isinstance(fact, SupportStarted.Fact)
        named: tuple[str | None, str | None]
        if isinstance(fact, SupportStarted.Fact | CounsellorAssigned.Fact):
            named = (fact.organisation, fact.counsellor)
        elif isinstance(fact, HandedOver.Fact):
            handed[fact.to_organisation or ""] = fact.to_counsellor
            continue
        elif isinstance(fact, HandoverAcknowledged.Fact):
            named = (fact.organisation, handed_to(facts, fact, handed))
        else:
            continue
        if restart or named[0] != organisation:
            since[0] = fact.on
        if restart or named[1] != counsellor:
            since[1] = fact.on
        organisation, counsellor = named
    return _d(since[0]), (_d(since[1]) if counsellor is not None else None)


def _custody(facts: Sequence[Fact], state: Situation, d: int) -> Custody | None:
    s = state.custody_since
    if s is None:
        return None
    status, band = "", None
    for fact in facts:
        if isinstance(fact, Incarcerated.Fact | CustodyStatusChanged.Fact) and fact.on >= s:
            status = fact.status
            band = fact.sentence_band or band  # a change of status may not restate it
    e = state.expected
    return Custody(
        facility=state.facility or "",
        since=date.fromordinal(s),
        status=status,
        sentence_band=band,
        expected_release_on=_d(e),
        days_left=None if e is None else e - d,
    )


def _supervision(facts: Sequence[Fact], state: Situation) -> Supervision | None:
    started = _latest(facts, CommunitySupervisionStarted.Fact)
    if state.supervision_since is None or started is None:
        return None
    return Supervision(started.measure, started.day, _d(started.ends_on))


def _release(facts: Sequence[Fact], state: Situation) -> Release | None:
    released = _latest(facts, Released.Fact)
    if state.release_on is None or released is None:
        return None
    return Release(released.day, released.kind, released.destination)


def _plan(facts: Sequence[Fact], state: Situation) -> Plan | None:
    """The plan of the current custody, or of the custody the last release ended."""
    if state.custody_since is not None:
        first, last = state.custody_since, None
    elif state.release_on is not None:
        first, last = state.release_custody_since or state.release_on, state.release_on
    else:
        return None
    plans = [
        f
        for f in facts
        if isinstance(f, ReleasePlanValidated.Fact)
        and first <= f.on
        and (last is None or f.on <= last)
    ]
    if not plans:
        return None
    p = max(plans, key=lambda f: (f.on, f.seq))
    return Plan(
        p.day, p.housing, p.income, p.id_document, p.health_cover, _d(p.first_appointment_on)
    )


def _open(
    facts: Sequence[Fact], opener: type[Fact], closer: type[Fact], key: str
) -> tuple[Dated, ...]:
    """The programmes (or situations) entered and not left, by date of entry."""
    running: dict[str, int] = {}
    for fact in facts:
        if isinstance(fact, opener):
            running[getattr(fact, key)] = fact.on
        elif isinstance(fact, closer):
            running.pop(getattr(fact, key), None)
    ordered = sorted(running.items(), key=lambda item: (item[1], item[0]))
    return tuple(Dated(code, date.fromordinal(on)) for code, on in ordered)


def _handover(facts: Sequence[Fact]) -> Handover | None:
    """The latest handover that no acknowledgement by its Mission Locale, on or after its
    date, answers."""
    acknowledged = [f for f in facts if isinstance(f, HandoverAcknowledged.Fact)]
    pending = [
        f
        for f in facts
        if isinstance(f, HandedOver.Fact)
        and not any(a.organisation == f.to_organisation and a.on >= f.on for a in acknowledged)
    ]
    if not pending:
        return None
    last = pending[-1]
    return Handover(last.to_organisation, last.to_counsellor, last.day)


__all__ = [
    "RIGHTS",
    "Card",
    "Custody",
    "Dated",
    "Handover",
    "Plan",
    "Release",
    "Supervision",
    "card",
]
