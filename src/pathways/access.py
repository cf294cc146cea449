"""Who may read whom: the acting user of a command and the scope of their reads.

The entry points (the command line's `open_app`, the Python API's `pathways.open`)
`authenticate` the actor against the users of the store *before* anything else is read
or written, and set `Pathways.access`; the query layer (`worklists.select`,
`youth_card`, `queries.history`, the exports, `Pathways.acknowledge`) asks it what the
user may read. An application built in-process without an actor (`access` None) is the
program itself (tests, the worker): it reads everything.

The rights of a read are the user's as known at its point (`--known-at`): their role
and organisation then (a user added since reads with their present ones). A youth's
boundary is their support organisation on the read's date (`Situation.organisation`),
which a handover moves on its acknowledgement date. See docs/access.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from pathways.domain.alert_walk import Situation, situation
from pathways.domain.errors import AccessRefused
from pathways.domain.events import AccessGranted, AccessRevoked, EventRetracted, YouthEvent
from pathways.domain.facts import fact_of, in_life_order
from pathways.domain.reference import PROBATION_SERVICE, ReferenceData
from pathways.domain.users import User

if TYPE_CHECKING:
    from pathways.store import Recorded, Store

ADMIN, COUNSELLOR, CPIP, ANALYST = "admin", "counsellor", "cpip", "analyst"
#: Who may read aggregates (outcomes, compare, report) and pseudonymised exports.
AGGREGATES = frozenset({ADMIN, ANALYST, COUNSELLOR, CPIP})
#: Who may export the event log, a process log or a survival table.
EXPORTS = frozenset({ADMIN, ANALYST})
#: The fields that are notes (see `notes_of`).
NOTE_FIELDS = frozenset({"note", "reason"})
#: Event types only an admin may write (whatever the channel: a command or an import).
ADMIN_WRITES = frozenset(
    {"YouthErased", "UserAdded", "UserDisabled", "UserEnabled", "AccessGranted", "AccessRevoked"}
    | {"SettingChanged", "MeasureLaunched", "MeasureEnded"}
)


def check_writes(access: Access | None, types: Iterable[str]) -> None:
    """Refuse a batch with an event the user may not write: an analyst writes nothing;
    an erasure, a user, a grant, a setting or a measure is an admin's act."""
    if access is None:
        return
    if access.user.role == ANALYST:
        raise access.refused(f"analysts do not write; you are {_who(access.user)}")
    if access.user.role == ADMIN:
        return
    found = sorted(set(types) & ADMIN_WRITES)
    if found:
        msg = (
            f"{', '.join(found)}: an admin's act; you are {_who(access.user)}. Nothing was written."
        )
        raise access.refused(msg)


@dataclass(frozen=True)
class Access:
    """The user a command acts as (known and enabled when it began), and the command."""

    user: User
    command: str

    @property
    def actor(self) -> str:
        return self.user.name

    def at(self, ref: ReferenceData) -> User:
        """The user's rights at a read's point: as known then, else as known now."""
        return ref.users.get(self.user.name, self.user)

    def refused(self, message: str, youth: str | None = None) -> AccessRefused:
        return AccessRefused(message, actor=self.actor, command=self.command, youth=youth)

    def require(self, roles: Iterable[str], what: str, user: User | None = None) -> None:
        """Refuse unless the user (at the point, if given) has one of the roles."""
        found = user or self.user
        allowed = sorted(roles)
        if found.role not in allowed:
            msg = f"{what} is for the roles {', '.join(allowed)}; you are {_who(found)}"
            raise self.refused(msg)


def _who(user: User) -> str:
    return f"{user.name} ({user.role}, {user.organisation})"


def authenticate(ref: ReferenceData, actor: str, command: str) -> Access:
    """The access of a known, enabled user; `AccessRefused` otherwise (nothing is read
    beyond the users themselves)."""
    found = ref.users.get(actor)
    if found is None:
        if not ref.users:
            msg = (
                f"this store has no users yet: its first admin is added with "
                f"`pathways users add {actor} --role admin --organisation ORG`"
            )
        else:
            msg = f"'{actor}' is not a user of this store (an admin adds one: pathways users add)"
        raise AccessRefused(msg, actor=actor, command=command)
    if not found.enabled:
        msg = f"user '{actor}' is disabled: ask an admin (pathways users enable)"
        raise AccessRefused(msg, actor=actor, command=command)
    return Access(found, command)


def check_export(
    access: Access | None, ref: ReferenceData, personal: bool, references: bool
) -> None:
    """Exports are for analysts (pseudonymised, without personal fields) and admins."""
    if access is None:
        return
    user = access.at(ref)
    access.require(EXPORTS, "an export", user)
    if user.role == ANALYST and (personal or references):
        flag = "--with-personal" if personal else "--with-references"
        msg = f"{flag}: analysts export pseudonymised data only; you are {_who(user)}"
        raise access.refused(msg)


# --- one youth ------------------------------------------------------------------------


def situation_at(recorded: Sequence[Recorded], day: date) -> Situation:
    """A youth's situation on a day from their stream (as loaded at the read's point)."""
    retracted = {r.event.event_id for r in recorded if isinstance(r.event, EventRetracted)}
    facts = []
    for r in recorded:
        event = r.event
        if isinstance(event, YouthEvent) and event.id not in retracted and event.occurred_on <= day:
            fact = fact_of(event, r.position)
            if fact is not None:
                facts.append(fact)
    return situation(in_life_order(facts))


def granted(recorded: Sequence[Recorded], user: str, moment: datetime) -> bool:
    """Whether a grant of the stream lets the user read it at the moment (not expired, not
    revoked in the stream as loaded)."""
    revoked = {r.event.grant for r in recorded if isinstance(r.event, AccessRevoked)}
    return any(
        isinstance(r.event, AccessGranted)
        and r.event.user == user
        and r.event.id not in revoked
        and r.event.until > moment
        for r in recorded
    )


def check_youth(
    access: Access | None,
    ref: ReferenceData,
    youth: str,
    state: Situation,
    day: date,
    grant: bool,
) -> None:
    """Refuse a read of one youth outside the user's rights at the point."""
    if access is None:
        return
    user = access.at(ref)
    if user.role == ADMIN:
        return
    if user.role == ANALYST:
        what = "analysts read aggregates and pseudonymised exports, not one youth"
        msg = f"{what}; you are {_who(user)}"
        raise access.refused(msg, youth)
    if user.role == CPIP:
        if state.custody_since is not None or state.supervision_since is not None or grant:
            return
        msg = (
            f"{youth} is neither in custody nor under community supervision on {day}; "
            f"you are {user.organisation}"
        )
        raise access.refused(msg, youth)
    if state.organisation == user.organisation or grant:
        return
    who = state.organisation or "no Mission Locale"
    raise access.refused(f"{youth} is followed by {who}; you are {user.organisation}", youth)


def moment_of(known_at_moment: datetime | None) -> datetime:
    """When a grant is judged: the known-at moment of the read, else now."""
    return known_at_moment or datetime.now(UTC)


def moment_at(store: Store, text: str | None, position: int | None) -> datetime | None:
    """The moment of a `--known-at` read (None: now): its time, or for `@N` the time that
    position was recorded."""
    if text is None:
        return None
    from pathways.domain.time import parse_known_at

    at = parse_known_at(text)
    if at.moment is not None:
        return at.moment
    found = store.read_log(max((position or 0) - 1, 0), 1)
    return found[0].recorded_at if found else None


def check_stream(
    access: Access | None,
    ref: ReferenceData,
    youth: str,
    recorded: Sequence[Recorded],
    day: date,
    moment: datetime | None = None,
) -> None:
    """`check_youth` from the youth's stream as loaded at the point."""
    if access is None:
        return
    user = access.at(ref)
    grant = user.role == COUNSELLOR and granted(recorded, user.name, moment_of(moment))
    check_youth(access, ref, youth, situation_at(recorded, day), day, grant)


def grant_of(store: Store, youth: str, user: str, upto: int, moment: datetime | None) -> bool:
    """Whether the user holds a live grant on the youth, as known at a position."""
    recorded = [r for r in store.load(store.stream_id(youth)) if r.position <= upto]
    return granted(recorded, user, moment_of(moment))


def withholds_notes(access: Access | None, ref: ReferenceData) -> bool:
    """Whether the user reads the youths without the Missions Locales' notes: a CPIP."""
    return access is not None and access.at(ref).role == CPIP


def notes_of(recorded: Recorded, users: dict[str, User]) -> frozenset[str]:
    """The fields of an event that are a Mission Locale's notes: its personal free-text
    fields `note` and `reason` (an acknowledgement's note, a retraction's or a grant's
    reason), unless a user of the SPIP recorded it. Identity (birth date, name) is not
    a note."""
    event = recorded.event
    by = users.get(recorded.actor)
    if by is not None and by.organisation == PROBATION_SERVICE:
        return frozenset()
    return NOTE_FIELDS & event.personal_fields()


__all__ = [
    "Access",
    "AccessRefused",
    "authenticate",
    "check_export",
    "check_stream",
    "check_writes",
    "check_youth",
    "grant_of",
    "granted",
    "moment_at",
    "notes_of",
    "situation_at",
    "withholds_notes",
]
