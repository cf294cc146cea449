"""What each user may write: the same boundary as their reads (docs/access.md, "What
each role writes"). `Commands.commit_parts` calls `check_writes` and `write_refusals`
for every channel (a command, an import line, the Python API).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from pathways.access import ADMIN, ANALYST, COUNSELLOR, CPIP, Access, _who, granted
from pathways.domain.alert_walk import situation
from pathways.domain.events import (
    EVENT_TYPES,
    ContactMade,
    EventRetracted,
    HandedOver,
    HandoverAcknowledged,
    YouthEvent,
)
from pathways.domain.facts import fact_of, in_life_order
from pathways.domain.reference import PROBATION_SERVICE
from pathways.domain.users import User
from pathways.i18n import _

if TYPE_CHECKING:
    from pathways.store import Recorded

#: Event types only an admin may write (whatever the channel: a command or an import).
ADMIN_WRITES = frozenset(
    {"YouthErased", "UserAdded", "UserDisabled", "UserEnabled", "AccessGranted", "AccessRevoked"}
    | {"SettingChanged", "MeasureLaunched", "MeasureEnded"}
)

#: The justice steps (DOMAIN.md's "judicial" phase): the SPIP's to record, for any youth.
JUSTICE = frozenset(name for name, cls in EVENT_TYPES.items() if cls.phase == "judicial")
#: A Mission Locale's own acts on its support (they name a Mission Locale, rule 5): never
#: a CPIP's.
SUPPORT_ACTS = frozenset(
    {"SupportStarted", "CounsellorAssigned", "HandedOver", "HandoverAcknowledged"}
)
#: The events that make the organisation they name the youth's, and the field naming it.
FOLLOWING = {
    "SupportStarted": "organisation",
    "CounsellorAssigned": "organisation",
    "HandoverAcknowledged": "organisation",
}
WRITE_KIND = "write outside the scope"


def check_writes(access: Access | None, types: Iterable[str]) -> None:
    """Refuse a batch with an event the user may not write: an analyst writes nothing;
    an erasure, a user, a grant, a setting or a measure is an admin's act."""
    if access is None:
        return
    if access.user.role == ANALYST:
        raise access.refused(
            _("analysts do not write; you are {who}. Nothing was written.").format(
                who=_who(access.user)
            ),
            kind="analysts write nothing",
        )
    if access.user.role == ADMIN:
        return
    found = sorted(set(types) & ADMIN_WRITES)
    if found:
        msg = _("{events}: an admin's act; you are {who}. Nothing was written.").format(
            events=", ".join(found), who=_who(access.user)
        )
        raise access.refused(msg, kind="an admin's act", options={"events": ", ".join(found)})


def write_refusals(
    access: Access | None,
    youth: str,
    stored: Sequence[Recorded],
    batch: Sequence[tuple[YouthEvent, str]],
    today: date,
) -> list[tuple[int, str]]:
    """The events of a batch for one youth (each with where it comes from) that the user
    may not write, as (index in `batch`, message); judged on the youth's stream as
    stored (docs/access.md, "What each role writes"):

    - a counsellor writes for a youth followed by their organisation on the event's
      date; or followed by none on that date, and by none or theirs today (a young
      person met before any Mission Locale follows them, or what happened before their
      support began); or under a live grant (`granted`). An event that makes an
      organisation the youth's (`FOLLOWING`) names their own; a handover is
      acknowledged by the organisation it hands the youth to.
    - a CPIP writes the justice steps (`JUSTICE`), a registration, and the contacts of
      the SPIP (`ContactMade` by `spip-35`) for any youth; the other steps only for a
      youth no Mission Locale follows yet, and never a Mission Locale's own acts
      (`SUPPORT_ACTS`).

    A retraction is judged as the event it retracts (its type and date). The events of
    the batch that make the user's organisation the youth's (an opening of support, an
    acknowledged handover), once allowed, count for the batch's other events."""
    if access is None or access.user.role in (ADMIN, ANALYST):
        return []  # (an analyst writes nothing: `check_writes`)
    user = access.user
    stored_by_id = {r.event.id: r.event for r in stored}
    retracted = {r.event.event_id for r in stored if isinstance(r.event, EventRetracted)}
    timeline = [
        (r.event, r.position)
        for r in stored
        if isinstance(r.event, YouthEvent) and r.event.id not in retracted
    ]
    grant = user.role == COUNSELLOR and granted(stored, user.name, datetime.now(UTC))
    judged: list[tuple[int, YouthEvent, bool]] = []  # (index, what is judged, a retraction)
    for index, (event, _where) in enumerate(batch):
        target = stored_by_id.get(event.event_id) if isinstance(event, EventRetracted) else None
        if isinstance(target, YouthEvent):
            judged.append((index, target, True))
        else:
            judged.append((index, event, False))
    refusals: dict[int, str] = {}
    # the events that move the boundary first, on the stream as stored; then the others,
    # on the stream with those of them that are allowed
    moves = [j for j in judged if not j[2] and j[1].type_name() in FOLLOWING]
    head = max((r.position for r in stored), default=0)
    for index, event, retraction in moves:
        found = _write_refusal(user, youth, event, retraction, timeline, today, grant)
        if found is not None:
            refusals[index] = found
    # An acknowledgement moves the boundary for the batch's other events only when the
    # handover it acknowledges is already stored (by the organisation handing over): a
    # handover and its acknowledgement in one batch would otherwise let a counsellor
    # hand another organisation's youth to themselves.
    stored_handovers = {
        event.to_organisation for event, _ in timeline if isinstance(event, HandedOver)
    }
    allowed = [
        (event, head + 1 + n)
        for n, (i, event, _) in enumerate(moves)
        if i not in refusals
        and not (
            isinstance(event, HandoverAcknowledged) and event.organisation not in stored_handovers
        )
    ]
    for index, event, retraction in judged:
        if index in refusals or (not retraction and event.type_name() in FOLLOWING):
            continue
        found = _write_refusal(user, youth, event, retraction, timeline + allowed, today, grant)
        if found is not None:
            refusals[index] = found
    return sorted(refusals.items())


def _write_refusal(
    user: User,
    youth: str,
    event: YouthEvent,
    retraction: bool,
    timeline: Sequence[tuple[YouthEvent, int]],
    today: date,
    grant: bool,
) -> str | None:
    """Why the user may not write the event (or retract it), or None."""
    name = event.type_name()
    what = _("retracting a {event}").format(event=name) if retraction else name
    mine = user.organisation
    you = _("you are {organisation} ({role})").format(organisation=mine, role=user.role)
    on = _organisation_on(timeline, event.occurred_on)
    now = _organisation_on(timeline, max(today, event.occurred_on))
    followed_by = on or now
    if user.role == CPIP:
        if name in JUSTICE or name == "YouthRegistered":
            return None
        if isinstance(event, ContactMade) and event.organisation == PROBATION_SERVICE:
            return None
        if name in SUPPORT_ACTS:
            return _("{what}: a Mission Locale's act on its support; {you}").format(
                what=what, you=you
            )
        if now is None:
            return None
        return _(
            "{youth} is followed by {organisation}: {what} is theirs to record (the SPIP "
            "records the justice steps and its own contacts); {you}"
        ).format(youth=youth, organisation=followed_by, what=what, you=you)
    named = getattr(event, FOLLOWING.get(name, ""), None)
    if isinstance(named, str) and named != mine:
        if name == "HandoverAcknowledged":
            return _(
                "{what} names {named}: a handover is acknowledged by the organisation it "
                "hands the youth to; {you}"
            ).format(what=what, named=named, you=you)
        return _(
            "{what} names {named}: a counsellor records the support of their own Mission "
            "Locale (another's youth comes to them by a handover); {you}"
        ).format(what=what, named=named, you=you)
    if name == "HandoverAcknowledged" and not retraction:
        return None  # the receiving organisation (the rules: a handover to it is pending)
    if on == mine or grant:
        return None
    if on is None and now in (None, mine):
        return None
    return _("{youth} is followed by {organisation}; {you}").format(
        youth=youth, organisation=followed_by, you=you
    )


def _organisation_on(timeline: Sequence[tuple[YouthEvent, int]], day: date) -> str | None:
    """The support organisation of a youth on a day (`Situation.organisation`)."""
    facts = []
    for event, position in timeline:
        if event.occurred_on <= day:
            fact = fact_of(event, position)
            if fact is not None:
                facts.append(fact)
    return situation(in_life_order(facts)).organisation
