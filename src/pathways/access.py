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

Writes follow the same boundary (`write_scope.write_refusals`, asked by `commit_parts`
for every channel): a counsellor writes for the youths of their organisation on the
event's date, for a youth no Mission Locale follows yet, or under a live grant; a CPIP
writes the justice steps for any youth. A refusal, of a write or of the acting user
(`sign_in`), is appended to the audit log (`audit_refusal`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from pathways.domain.alert_walk import Situation, situation
from pathways.domain.errors import AccessRefused, AuditUnwritable
from pathways.domain.events import (
    AccessGranted,
    AccessRevoked,
    EventRetracted,
    YouthEvent,
)
from pathways.domain.facts import fact_of, in_life_order
from pathways.domain.reference import PROBATION_SERVICE, ReferenceData
from pathways.domain.users import User
from pathways.i18n import _, long_date

if TYPE_CHECKING:
    from pathways.store import Recorded, Store

ADMIN, COUNSELLOR, CPIP, ANALYST = "admin", "counsellor", "cpip", "analyst"
#: Who may read aggregates (outcomes, compare, report) and pseudonymised exports.
AGGREGATES = frozenset({ADMIN, ANALYST, COUNSELLOR, CPIP})
#: Who may export the event log, a process log or a survival table.
EXPORTS = frozenset({ADMIN, ANALYST})
#: The fields that are notes (see `notes_of`).
NOTE_FIELDS = frozenset({"note", "reason"})


#: What a user name is (it is stored in clear: no free text).
USER_NAME = re.compile(r"[A-Za-z0-9._@-]{1,60}")
#: The length of a claimed actor name as a refusal's audit row keeps it.
CLAIMED_LENGTH = 60
#: The kind of refusal of a claimed actor that is not a user name at all.
FORGED = "not a user name"


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

    def refused(
        self,
        message: str,
        youth: str | None = None,
        *,
        kind: str | None = None,
        options: dict[str, str] | None = None,
    ) -> AccessRefused:
        return AccessRefused(
            message,
            actor=self.actor,
            command=self.command,
            youth=youth,
            kind=kind,
            options=options,
        )

    def require(self, roles: Iterable[str], what: str, user: User | None = None) -> None:
        """Refuse unless the user (at the point, if given) has one of the roles."""
        found = user or self.user
        allowed = sorted(roles)
        if found.role not in allowed:
            msg = _("{what} is for users with the role {roles}; you are {who}").format(
                what=what, roles=_(" or ").join(allowed), who=_who(found)
            )
            raise self.refused(msg)


def _who(user: User) -> str:
    return f"{user.name} ({user.role}, {user.organisation})"


def authenticate(ref: ReferenceData, actor: str, command: str) -> Access:
    """The access of a known, enabled user; `AccessRefused` otherwise (nothing is read
    beyond the users themselves). `sign_in` audits the refusal."""
    if not USER_NAME.fullmatch(actor):
        msg = _("'{actor}' is not a user name (letters, digits, '.', '_', '@', '-')").format(
            actor=claimed(actor)
        )
        raise AccessRefused(msg, actor=actor, command=command, kind=FORGED)
    found = ref.users.get(actor)
    if found is None:
        if not ref.users:
            msg = _(
                "this store has no users yet: its first admin is added with "
                "`pathways users add {actor} --role admin --organisation ORG`"
            ).format(actor=actor)
            raise AccessRefused(msg, actor=actor, command=command, kind="no users yet")
        msg = _(
            "'{actor}' is not a user of this store (an admin adds one: pathways users add)"
        ).format(actor=actor)
        raise AccessRefused(msg, actor=actor, command=command, kind="unknown user")
    if not found.enabled:
        msg = _("user '{actor}' is disabled: ask an admin (pathways users enable)").format(
            actor=actor
        )
        raise AccessRefused(msg, actor=actor, command=command, kind="disabled user")
    return Access(found, command)


def sign_in(store: Store, actor: str, command: str) -> Access:
    """`authenticate` on the users of the store (its registry, nothing else), the
    refusal of an unknown, disabled or forged actor appended to the audit log."""
    ref = ReferenceData.replay(r.event for r in store.load(store.stream_id(None)))
    try:
        bound = database_user(store)
        if bound is not None and bound in ref.users and actor != bound:
            msg = _(
                "you are connected to the database as '{bound}', a user of this store: "
                "you act as {bound} (--actor {bound} or PATHWAYS_ACTOR={bound}), not as "
                "'{actor}'"
            ).format(bound=bound, actor=claimed(actor))
            raise AccessRefused(msg, actor=actor, command=command, kind="another database user")
        return authenticate(ref, actor, command)
    except AccessRefused as error:
        if ref.users and _has_audit(store):  # (`info` opens a store of an older version)
            audit_refusal(store, error)
        raise


def database_user(store: Store) -> str | None:
    """The database role a PostgreSQL store is opened as (`session_user`; None on SQLite).
    When it is a user of the store, that user is who acts: the role maps to the user
    (a shared role of the program, such as `pathways_app`, is no user: the actor is
    then whoever `--actor` names, as on SQLite)."""
    if store.backend.name != "postgresql":
        return None
    return str(store.backend.rows("SELECT session_user AS name")[0]["name"])


def _has_audit(store: Store) -> bool:
    from pathways import migrations

    return migrations.version(store.backend) >= migrations.AUDIT_VERSION


def claimed(actor: str) -> str:
    """A claimed actor name as a refusal's message and audit row keep it: escaped (no
    control character, no line break reaches a terminal) and cut to CLAIMED_LENGTH."""
    escaped = actor.encode("unicode_escape").decode("ascii")
    if len(escaped) > CLAIMED_LENGTH:
        return escaped[:CLAIMED_LENGTH] + "..."
    return escaped


def audit_refusal(store: Store, error: AccessRefused) -> None:
    """Append a refusal to the audit log (once: `error.audited`): the actor as claimed
    (`claimed`), the command, what was refused (never a personal value), the youth, and
    the kind of refusal as the detail. Outside any transaction of the store."""
    if error.audited:
        return
    from pathways import audit

    kind = type(error).__name__ + (f": {error.kind}" if error.kind else "")
    try:
        audit.record(
            store,
            actor=claimed(error.actor),
            command=error.command,
            options=error.options,
            youths=[error.youth] if error.youth else [],
            reason=None,
            outcome="refused",
            detail=kind,
        )
    except Exception as failure:
        from pathways.backends.session import driver_reason, privilege_denied

        if not privilege_denied(failure):
            raise
        # The refusal is what the user must read: the audit's failure alone said only
        # "permission denied for table pathways_audit" (a worker's role, in a walk).
        msg = _(
            "{refusal}; and this refusal could not be written to the audit log ({reason}):"
            " the database role of this connection needs INSERT on it (docs/deployment.md)"
        ).format(refusal=error, reason=driver_reason(failure))
        raise AuditUnwritable(msg) from None
    error.audited = True


def check_export(
    access: Access | None, ref: ReferenceData, personal: bool, references: bool
) -> None:
    """Exports are for analysts (pseudonymised, without personal fields) and admins."""
    if access is None:
        return
    user = access.at(ref)
    access.require(EXPORTS, _("an export"), user)
    if user.role == ANALYST and (personal or references):
        flag = "--with-personal" if personal else "--with-references"
        msg = _("{flag}: analysts export pseudonymised data only; you are {who}").format(
            flag=flag, who=_who(user)
        )
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
        msg = _(
            "analysts read aggregates and pseudonymised exports, not one youth; you are {who}"
        ).format(who=_who(user))
        raise access.refused(msg, youth)
    if user.role == CPIP:
        if state.custody_since is not None or state.supervision_since is not None or grant:
            return
        msg = _(
            "{youth} is neither in custody nor under community supervision on {day}; "
            "you are {organisation}"
        ).format(youth=youth, day=long_date(day), organisation=user.organisation)
        raise access.refused(msg, youth)
    if state.organisation == user.organisation or grant:
        return
    who = state.organisation or _("no Mission Locale")
    msg = _("{youth} is followed by {who}; you are {organisation}").format(
        youth=youth, who=who, organisation=user.organisation
    )
    raise access.refused(msg, youth)


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
    reason), unless a user of the SPIP recorded it: both its recorder (`recorded_by`)
    and the user who wrote it into the store are of the SPIP. A step copied by an admin
    of the SPIP (an import, `pathways demo`) keeps its recorder's notes withheld; a
    recorder named by the SPIP's code (`spip-35`, as a copied step of the SPIP may say)
    is the SPIP, and one who is no user here counts as not of the SPIP. Identity (birth
    date, name) is not a note."""
    event = recorded.event
    recorder = event.recorded_by or recorded.actor
    spip_recorder = recorder == PROBATION_SERVICE or _of_spip(users.get(recorder))
    if spip_recorder and _of_spip(users.get(recorded.actor)):
        return frozenset()
    return NOTE_FIELDS & event.personal_fields()


def _of_spip(user: User | None) -> bool:
    return user is not None and user.organisation == PROBATION_SERVICE


__all__ = [
    "Access",
    "AccessRefused",
    "audit_refusal",
    "authenticate",
    "check_export",
    "check_stream",
    "check_youth",
    "claimed",
    "grant_of",
    "granted",
    "moment_at",
    "notes_of",
    "sign_in",
    "situation_at",
    "withholds_notes",
]
