"""Who may read: the users of the store and their roles (registry events, replayed by
known-at like the settings), and the break-the-glass grants (events of the youth they
open, so that the reason is sealed with that youth's key and erased with them).

See docs/access.md for what each role reads.
"""

import uuid
from datetime import datetime
from typing import Annotated, ClassVar, Literal

from pydantic import StringConstraints

from pathways.domain.events.base import RegistryEvent, YouthEvent
from pathways.domain.events.fields import Code, describe, personal

__all__ = [
    "ROLES",
    "USER_PATTERN",
    "AccessGranted",
    "AccessRevoked",
    "Role",
    "UserAdded",
    "UserDisabled",
    "UserEnabled",
    "UserName",
]

#: A user name: what `--actor` takes (it is stored in clear with every event).
USER_PATTERN = r"^[A-Za-z0-9._@-]{1,60}$"
UserName = Annotated[str, StringConstraints(pattern=USER_PATTERN, max_length=60)]
Role = Literal["counsellor", "cpip", "analyst", "admin"]
ROLES: tuple[str, ...] = ("counsellor", "cpip", "analyst", "admin")


class UserAdded(RegistryEvent):
    """A user of the store: a counsellor of a Mission Locale, a CPIP of the SPIP, an
    analyst, or an admin. Every command acts as a known, enabled user."""

    phase: ClassVar[str] = "access"
    user: UserName = describe("The user name (what --actor names).")
    organisation: Code = describe("The organisation the user works for.")
    role: Role = describe("What the user may read (docs/access.md).")


class UserDisabled(RegistryEvent):
    """A user may no longer act (kept in the log: their past events still name them)."""

    phase: ClassVar[str] = "access"
    user: UserName = describe("The user name.")


class UserEnabled(RegistryEvent):
    """A disabled user may act again."""

    phase: ClassVar[str] = "access"
    user: UserName = describe("The user name.")


class AccessGranted(YouthEvent):
    """Break the glass: an admin lets a counsellor read one youth of another organisation
    until a time, for a stated reason."""

    phase: ClassVar[str] = "access"
    user: UserName = describe("The counsellor who may read the youth.")
    until: datetime = describe("When the grant ends by itself (a UTC time).")
    reason: str = personal(
        "Why (personal: free text is encrypted).", stand_in="erased", min_length=1, max_length=500
    )


class AccessRevoked(YouthEvent):
    """A break-the-glass grant ends before its time."""

    phase: ClassVar[str] = "access"
    grant: uuid.UUID = describe("The id of the AccessGranted event.")
