"""Timeline facts: the non-personal content of a youth's events, in a compact form.

A fact is what the read models keep of an event (its type, its date, its log
position and up to four of its fields, or clear facts that the store derived from
them: the birth year, the age band), so that alerts, caseloads and
indicators can be computed for tens of thousands of youths from one query.
Dates are day ordinals (`date.toordinal()`), so that "D - s > 15" is integer
arithmetic. No personal field ever becomes a fact.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from operator import attrgetter
from typing import Any

from pathways.domain.ordering import PAIRS, order_by_life
from pathways.domain.ordering import pair_family as _family_of

#: For each event type, which of its fields go in the columns a, b, c (codes),
#: d (a date) and n (a number). Types absent here keep only kind, day and position.
COLUMNS: dict[str, dict[str, str]] = {
    "YouthRegistered": {"a": "residence", "b": "sex", "n": "birth_year"},
    "ReferralReceived": {"a": "source", "b": "custody"},
    "SupportStarted": {"a": "organisation", "b": "counsellor"},
    "CounsellorAssigned": {"a": "organisation", "b": "counsellor"},
    "HandedOver": {"a": "to_organisation", "b": "to_counsellor"},
    "HandoverAcknowledged": {"a": "organisation"},
    "EnrolledInMeasure": {"a": "measure"},
    "Incarcerated": {
        "a": "facility",
        "b": "status",
        "c": "sentence_band",
        "d": "expected_release_on",
    },
    "CustodyStatusChanged": {"b": "status", "c": "sentence_band"},
    "ExpectedReleaseChanged": {"d": "expected_release_on"},
    # `age_band`: not a field of the event but the exact age band on its date, which the
    # store writes beside the fields (computed from the birth date while it exists).
    "Released": {"a": "destination", "b": "kind", "c": "age_band"},
    "CommunitySupervisionStarted": {"a": "measure", "c": "age_band", "d": "ends_on"},
    "CommunitySupervisionEnded": {"a": "reason"},
    "ContactMade": {"a": "organisation", "b": "channel"},
    "ContactLost": {"n": "attempts"},
    "ProjectDrafted": {"a": "target"},
    "ReleasePlanValidated": {"d": "first_appointment_on", "n": "plan"},
    "RightObtained": {"a": "right"},
    "CareReferralMade": {"a": "service"},
    "ProgrammeEntered": {"a": "programme"},
    "ProgrammeExited": {"a": "programme", "b": "reason"},
    "SituationStarted": {"a": "situation"},
    "SituationEnded": {"a": "situation"},
    "SupportClosed": {"a": "reason"},
    "AlertAcknowledged": {"a": "alert"},
}
#: Events that are not facts: a retraction acts on another fact, an erasure on the youth.
NOT_FACTS = frozenset({"EventRetracted", "YouthErased"})
PLAN_PARTS = ("housing", "income", "id_document", "health_cover")
COMPLETE_PLAN = (1 << len(PLAN_PARTS)) - 1


@dataclass(slots=True)
class Fact:
    kind: str
    on: int  # date ordinal of occurred_on
    seq: int  # log position: the recording order
    a: str | None = None
    b: str | None = None
    c: str | None = None
    d: int | None = None  # a date ordinal
    n: int | None = None

    @property
    def day(self) -> date:
        return date.fromordinal(self.on)


def plan_bits(state: Mapping[str, Any]) -> int:
    """The four booleans of a release plan as bits (all four: COMPLETE_PLAN)."""
    return sum(1 << i for i, part in enumerate(PLAN_PARTS) if state.get(part))


def columns_of(kind: str, state: Mapping[str, Any]) -> dict[str, Any]:
    """The fact columns of an event, from its clear (non-personal) fields."""
    values: dict[str, Any] = {}
    for column, name in COLUMNS.get(kind, {}).items():
        if name == "plan":
            values[column] = plan_bits(state)
            continue
        value = state.get(name)
        if column == "d" and value is not None:
            value = date.fromisoformat(value).toordinal()
        elif column == "n" and isinstance(value, int) and not -(2**31) <= value < 2**31:
            value = None  # the column is 32 bits; no real count comes near
        values[column] = value
    return values


def fact_from_state(kind: str, state: Mapping[str, Any], position: int) -> Fact:
    """A fact from an event's stored JSON state (clear fields only)."""
    on = date.fromisoformat(state["occurred_on"]).toordinal()
    return Fact(kind, on, position, **columns_of(kind, state))


def pair_family(fact: Fact) -> tuple[str, bool] | None:
    return _family_of(fact.kind, fact.a)


_by_day_then_seq = attrgetter("on", "seq")


def in_life_order(facts: Iterable[Fact]) -> list[Fact]:
    """Facts sorted as a timeline (DOMAIN.md rule 4), like `timeline.sort_entries`.

    Most timelines never have two events of one pair family on the same day;
    for those, sorting by (day, position) is the whole answer, and the general
    rearrangement (costlier) is skipped."""
    ordered = sorted(facts, key=_by_day_then_seq)
    day = -1
    families: set[object] = set()
    for fact in ordered:
        if fact.kind not in PAIRS:
            continue
        if fact.on != day:
            day = fact.on
            families.clear()
        family = pair_family(fact)
        assert family is not None
        if family[0] in families:
            return order_by_life(ordered, _day, _seq, pair_family)
        families.add(family[0])
    return ordered


def _day(fact: Fact) -> int:
    return fact.on


def _seq(fact: Fact) -> int:
    return fact.seq
