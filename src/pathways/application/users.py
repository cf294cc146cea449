"""The services of `pathways users` and `pathways access`: users and break-the-glass
grants are events (`domain.events.access`), written through `commit` like any other
(an admin's act: `write_scope.check_writes`)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from pathways.application.batch import Item, Receipt
from pathways.application.commands import Commands
from pathways.domain.errors import PathwaysError
from pathways.domain.events import (
    AccessGranted,
    AccessRevoked,
    UserAdded,
    UserDisabled,
    UserEnabled,
)
from pathways.domain.users import User
from pathways.i18n import _

if TYPE_CHECKING:
    from pathways.domain.reference import ReferenceData

#: The longest a grant may run.
MAX_GRANT = timedelta(days=30)


@dataclass(frozen=True)
class Grant:
    """A break-the-glass grant as the log knows it."""

    id: str
    youth: str
    user: str
    until: datetime
    by: str  # the admin who granted it
    revoked: bool

    def status(self, now: datetime) -> str:
        if self.revoked:
            return "revoked"
        return "active" if self.until > now else "expired"


class Users(Commands):
    """Adding, disabling and enabling users; granting and revoking access."""

    reference: Callable[..., ReferenceData]  # (Pathways.reference)

    def add_user(
        self, name: str, organisation: str, role: str, actor: str, on: date | None = None
    ) -> Receipt:
        event = UserAdded(
            user=name, organisation=organisation, role=role, occurred_on=on or self.today()
        )
        return self.commit([Item(event, "")], actor)

    def disable_user(self, name: str, actor: str, *, enable: bool = False) -> Receipt:
        kind = UserEnabled if enable else UserDisabled
        if self.access is not None and not enable and name == self.access.actor:
            msg = _("you cannot disable yourself: another admin must (the store keeps one admin)")
            raise PathwaysError(msg)
        return self.commit([Item(kind(user=name, occurred_on=self.today()), "")], actor)

    def users(self) -> list[User]:
        return sorted(self.reference().users.values(), key=lambda u: u.name)

    def grant(self, user: str, youth: str, reason: str, until: datetime, actor: str) -> Receipt:
        """Let a counsellor read one youth of another organisation until a time."""
        found = self.reference().users.get(user)
        if found is None or not found.enabled or found.role != "counsellor":
            msg = _("'{user}' is not an enabled counsellor: break-the-glass is for counsellors")
            msg = msg.format(user=user)
            raise PathwaysError(msg)
        now = datetime.now(UTC)
        if until.tzinfo is None:
            msg = _("--until {until}: give a time zone (e.g. +01:00 or Z)").format(
                until=until.isoformat()
            )
            raise PathwaysError(msg)
        if not now < until <= now + MAX_GRANT:
            msg = _("--until {until}: must be in the future, within {days} days").format(
                until=until.isoformat(), days=MAX_GRANT.days
            )
            raise PathwaysError(msg)
        if not self.store.load(self.store.stream_id(youth)):
            raise PathwaysError(_("{youth} is not registered in this store").format(youth=youth))
        event = AccessGranted(
            youth=youth, user=user, until=until.astimezone(UTC), reason=reason,
            occurred_on=self.today(),
        )  # fmt: skip
        return self.commit([Item(event, "")], actor)

    def revoke(self, grant: uuid.UUID, actor: str) -> Receipt:
        found = next((g for g in self.grants() if g.id == str(grant)), None)
        if found is None:
            msg = _("no break-the-glass grant has the id {grant}").format(grant=grant)
            raise PathwaysError(msg)
        if found.revoked:
            raise PathwaysError(_("the grant {grant} is already revoked").format(grant=grant))
        event = AccessRevoked(youth=found.youth, grant=grant, occurred_on=self.today())
        return self.commit([Item(event, "")], actor)

    def grants(self) -> list[Grant]:
        """Every grant of the log, in log order (their clear fields: not the reason)."""
        granted, revoked = AccessGranted.type_name(), AccessRevoked.type_name()
        states = self.store.clear_states([granted, revoked])
        gone = {s["grant"] for s in states if "grant" in s}
        return [
            Grant(
                s["id"],
                s["youth"],
                s["user"],
                datetime.fromisoformat(s["until"]),
                s.get("meta", {}).get("actor", ""),
                s["id"] in gone,
            )
            for s in states
            if "until" in s
        ]
