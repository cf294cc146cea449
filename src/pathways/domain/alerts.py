"""Alerts ("ruptures de parcours") and the caseload line of one youth, as of a date.

`assess(youth, facts, day, ref, birth_date)` is a pure function of a youth's
effective facts (retracted ones already left out): the live view, an as-of
replay and a known-at replay all call it, on facts filtered differently. It is
`judge(youth, situation(facts), day, ...)`: the walk through the facts
(`alert_walk`), then what is open on the day; a read model keeps each youth's
situation and judges it on the day asked.
Definitions: DOMAIN.md section 6. Each alert is declared (code, thresholds,
labels) in `pathways.domain.alert_catalogue`.

Who has a line: every youth *followed* on the day (registered, and whose support
is not closed: never started, or started again), with all the alerts; and, for
`no-support` alone (issue 13), a youth whose support is closed and who is in
custody or under community supervision: the SPIP must see them, so their line
says the support is closed (`support="closed"`) and names no organisation nor
counsellor, so that no Mission Locale's list shows them. `no-support` is
anchored on the start of the custody (else of the supervision) or on the
closure of the support if later; it is open from the anchor + N + 1.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from pathways.domain.alert_catalogue import ALERT_CODES
from pathways.domain.alert_walk import SITUATION_FIELDS, WALKED, Situation, situation
from pathways.domain.events import (
    ContactMade,
    Fact,
)
from pathways.domain.facts import in_life_order
from pathways.domain.reference import ReferenceData
from pathways.i18n import N_, _, language, long_date
from pathways.perf import quick_init

CONTACT = ContactMade.Fact
#: The kinds of facts that the alerts and the caseload look at: those the walk names
#: (`alert_walk.WALKED`). Contacts come aggregated (only the latest one matters here):
#: `CONTACT`.
READS: tuple[type[Fact], ...] = tuple(kind for kind in WALKED if kind is not CONTACT)
#: raise_(code, anchor, since, reason): records an alert unless acknowledged.
_Raiser = Callable[[str, int, int, str], None]


@quick_init
@dataclass(frozen=True)
class Alert:
    youth: str
    alert: str
    since: date
    anchor: date
    reason: str


@quick_init
@dataclass(frozen=True)
class CaseloadLine:
    youth: str
    organisation: str | None
    counsellor: str | None
    support: str  # active / not-started / closed (then its only alert is no-support)
    custody: str  # in-custody / community / none
    last_contact_on: date | None
    alerts: tuple[Alert, ...]
    facility: str | None = None  # in custody: where
    expected_release_on: date | None = None  # in custody: the expected release, if stated
    territory: str | None = None  # `Situation.territory`


def birthday_26(birth: date) -> date:
    """The 26th birthday; for a 29 February birth, 1 March."""
    try:
        return birth.replace(year=birth.year + 26)
    except ValueError:
        return date(birth.year + 26, 3, 1)


def _d(ordinal: int) -> date:
    return date.fromordinal(ordinal)


#: Each reason as said, by (language, message, day, other values): the reasons of a
#: list of alerts repeat the same few hundred days and places.
_said: dict[tuple[Any, ...], str] = {}


#: release-unprepared's reason by the days left (no "in 1 days"; French says 0 and 1 alike).
_UNPREPARED = {
    0: N_("expected release {on} (today), no release plan validated"),
    1: N_("expected release {on} (tomorrow), no release plan validated"),
    None: N_("expected release {on} (in {days} days), no release plan validated"),
}


def _say(message: str, on: int | None = None, **values: Any) -> str:
    """`_(message).format(on=_day(on), **values)`, each distinct one formatted once
    (`message` is marked for the catalogue where it is written: `N_`)."""
    key = (language(), message, on, *values.values())
    found = _said.get(key)
    if found is None:
        if len(_said) > 50_000:
            _said.clear()
        shown = None if on is None else _day(on)
        found = _said[key] = _(message).format(on=shown, **values)
    return found


def _day(ordinal: int) -> str:
    """A day in a reason, in the reader's language (2 décembre 2026; ISO in English)."""
    return long_date(date.fromordinal(ordinal))


def assess(
    youth: str,
    facts: Sequence[Fact],
    day: date,
    ref: ReferenceData,
    birth_date: date | None = None,
    *,
    ordered: bool = False,
) -> CaseloadLine | None:
    """The caseload line and open alerts of a youth as of `day`; None if not followed
    (unless the support is closed and `no-support` is open: see the module's docstring)."""
    d = day.toordinal()
    timeline = [f for f in facts if f.on <= d]
    if not ordered:
        timeline = in_life_order(timeline)
    return judge(youth, situation(timeline), day, ref, birth_date)


def judge(
    youth: str,
    state: Situation,
    day: date,
    ref: ReferenceData,
    birth_date: date | None = None,
    *,
    alerting: bool = False,
) -> CaseloadLine | None:
    """The caseload line and open alerts on `day` of a youth in this situation (walked
    from the facts dated on or before that day); None if it has no line, or with
    `alerting` if it has no open alert (an alerts read builds no other line)."""
    if not state.registered:
        return None
    d = day.toordinal()
    t = ref.thresholds
    found: list[Alert] = []
    acks = state.acks

    def raise_(code: str, anchor: int, since: int, reason: str) -> None:
        if acks.get(code, -1) < anchor:
            found.append(Alert(youth, code, _d(since), _d(anchor), reason))

    _no_support(state, d, t["no-support.days"], raise_)
    closed = state.support_since is not None and not state.support_open
    if closed and not found:
        return None
    if not closed:
        _followed_alerts(state, d, ref, raise_)
        if birth_date is not None:
            _ageing_out(birthday_26(birth_date).toordinal(), d, t["ageing-out.days"], raise_)
    if alerting and not found:
        return None
    return _line(youth, state, found, closed)


def _line(youth: str, state: Situation, found: list[Alert], closed: bool) -> CaseloadLine:
    """A closed support's line names no organisation: no Mission Locale's list shows it."""
    custody = (
        "in-custody"
        if state.custody_since is not None
        else ("community" if state.supervision_since is not None else "none")
    )
    support = support_status(state)
    inside = state.custody_since is not None
    return CaseloadLine(
        youth=youth,
        organisation=None if closed else state.organisation,
        counsellor=None if closed else state.counsellor,
        support=support,
        custody=custody,
        last_contact_on=_d(state.last_contact) if state.last_contact is not None else None,
        alerts=tuple(found)
        if len(found) < 2
        else tuple(sorted(found, key=lambda a: (a.since, ALERT_CODES.index(a.alert)))),
        facility=state.facility if inside else None,
        expected_release_on=_d(state.expected) if inside and state.expected is not None else None,
        territory=state.territory,
    )


def support_status(state: Situation) -> str:
    """active, not-started (never started) or closed (closed and not started again)."""
    if state.support_open:
        return "active"
    return "not-started" if state.support_since is None else "closed"


def supervised(
    youth: str,
    state: Situation,
    day: date,
    ref: ReferenceData,
    birth_date: date | None = None,
) -> CaseloadLine | None:
    """The line of a youth in custody or under community supervision on `day`, whether a
    Mission Locale follows them or not (the probation service's list); None otherwise.

    A youth whose support is closed and who has no alert open (`no-support` not open
    yet, or acknowledged) has no caseload line: theirs says the support is closed."""
    if not state.registered or (state.custody_since is None and state.supervision_since is None):
        return None
    line = judge(youth, state, day, ref, birth_date)
    return line if line is not None else _line(youth, state, [], closed=True)


def _no_support(state: Situation, d: int, days: int, raise_: _Raiser) -> None:
    """In custody (or else under supervision) with no open support for more than `days`,
    counted from the start of the custody (of the supervision) or the closure if later."""
    if state.support_open:
        return
    if state.custody_since is not None:
        start = state.custody_since
        where = _say(N_("in custody since {on} ({facility})"), start, facility=state.facility)
    elif state.supervision_since is not None:
        start = state.supervision_since
        where = _say(N_("under community supervision since {on}"), start)
    else:
        return
    closed = state.support_closed_on
    anchor = start if closed is None else max(start, closed)
    if d - anchor > days:
        why = (
            _("no Mission Locale support")
            if closed is None
            else _say(N_("support closed on {on}"), closed)
        )
        raise_("no-support", anchor, anchor + days + 1, f"{where}, {why}")


def _followed_alerts(state: Situation, d: int, ref: ReferenceData, raise_: _Raiser) -> None:
    """The alerts of a followed youth, but ageing-out (DOMAIN.md section 6)."""
    t = ref.thresholds
    s = state.custody_since
    if s is not None:
        _custody_alerts(state, s, d, t, raise_)
    elif state.supervision_since is not None:
        v = state.supervision_since
        days = t["no-first-contact.days"]
        if d - v > days and not (state.last_contact is not None and state.last_contact >= v):
            raise_(
                "no-first-contact",
                v,
                v + days + 1,
                _say(N_("under community supervision since {on}, no contact yet"), v),
            )
    if s is None and state.release_on is not None:
        _release_alerts(state, state.release_on, d, ref, raise_)
    if state.support_open and state.support_since is not None:
        a, c = state.support_since, state.last_contact
        ref_day = max(a, c) if c is not None else a
        days = t["contact-lost.days"]
        if d - ref_day > days:
            why = (
                _say(N_("no contact since {on}"), c)
                if c is not None and c >= a
                else _say(N_("no contact since the support began on {on}"), a)
            )
            raise_("contact-lost", ref_day, ref_day + days + 1, why)


def _ageing_out(b: int, d: int, days: int, raise_: _Raiser) -> None:
    """`b`: the 26th birthday."""
    if b - d <= days:
        why = (
            _("is 26 and still followed: close or hand over to mainstream services")
            if (b <= d)
            else _say(
                N_("turns 26 within {days} days: prepare the move to mainstream services"),
                days=days,
            )
        )
        raise_("ageing-out", b - days, b - days, why)


def _custody_alerts(
    state: Situation,
    s: int,
    d: int,
    t: dict[str, int],
    raise_: _Raiser,
) -> None:
    days = t["no-first-contact.days"]
    if d - s > days and not (state.last_contact is not None and state.last_contact >= s):
        raise_(
            "no-first-contact",
            s,
            s + days + 1,
            _say(
                N_("in custody since {on} ({facility}), no contact yet"), s, facility=state.facility
            ),
        )
    e = state.expected
    if e is None:
        return
    window = t["release-unprepared.days"]
    planned = any(s <= p <= d for p in state.plans)
    if 0 <= e - d <= window and not planned:
        raise_(
            "release-unprepared",
            s,
            max(s, e - window),
            _say(_UNPREPARED.get(e - d, _UNPREPARED[None]), e, days=e - d),
        )
    grace = t["release-overdue.days"]
    if d - e > grace:
        raise_(
            "release-overdue",
            e,
            e + grace + 1,
            _say(N_("expected release {on} has passed: record the release, or the new date"), e),
        )


def _release_alerts(
    state: Situation,
    r: int,
    d: int,
    ref: ReferenceData,
    raise_: _Raiser,
) -> None:
    t = ref.thresholds
    s = state.release_custody_since if state.release_custody_since is not None else r
    where = state.release_to or "?"
    if d - r <= t["dry-release.days"] and not any(s <= p <= r for p in state.plans):
        why = _say(N_("released {on} to {where} with no validated release plan"), r, where=where)
        raise_("dry-release", r, r, why)
    low, high = t["no-contact-after-release.days"], t["no-contact-after-release.until"]
    contacted = state.last_contact is not None and state.last_contact >= r
    if low < d - r <= high and not contacted:
        raise_(
            "no-contact-after-release",
            r,
            r + low + 1,
            _say(N_("released {on} to {where}, no contact since"), r, where=where),
        )
    low, high = t["no-mainstream-entry.days"], t["no-mainstream-entry.until"]
    entered = state.last_entry is not None and state.last_entry >= r
    if low < d - r <= high and not entered:
        raise_(
            "no-mainstream-entry",
            r,
            r + low + 1,
            _say(N_("released {on}, no programme or situation since"), r),
        )
    days = t["handover-pending.days"]
    org = state.organisation
    acknowledged = state.last_handover_ack is not None and state.last_handover_ack >= r
    if org is not None and not ref.serves(org, where) and not acknowledged and d - r > days:
        served = ref.territories.get(where)
        why = (
            N_(
                "released {on} to {where} (served by {served}), followed by {org}: "
                "no handover acknowledged"
            )
            if served
            else N_("released {on} to {where}, followed by {org}: no handover acknowledged")
        )
        raise_(
            "handover-pending",
            r,
            r + days + 1,
            _say(why, r, where=where, served=served, org=org),
        )


__all__ = [
    "CONTACT",
    "READS",
    "SITUATION_FIELDS",
    "Alert",
    "CaseloadLine",
    "Situation",
    "assess",
    "birthday_26",
    "judge",
    "situation",
    "supervised",
    "support_status",
]
