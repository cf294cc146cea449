"""The users of a store as known at a point (folded from the registry's user events by
`ReferenceData`), the rules of those events, and what each role may read.

Pure: the query layer (`pathways.access`) applies it to the reads.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from pathways.domain.events import Event, UserAdded, UserDisabled, UserEnabled
from pathways.i18n import _

if TYPE_CHECKING:
    from pathways.domain.reference import ReferenceData

PROBATION_SERVICE = "spip-35"


@dataclass(frozen=True)
class User:
    name: str
    organisation: str
    role: str
    enabled: bool = True


def apply_user_event(users: dict[str, User], event: Event) -> bool:
    """Fold a user event into the users (True if it was one)."""
    if isinstance(event, UserAdded):
        users[event.user] = User(event.user, event.organisation, event.role)
    elif isinstance(event, UserDisabled | UserEnabled):
        users[event.user] = replace(users[event.user], enabled=isinstance(event, UserEnabled))
    else:
        return False
    return True


def check_user_event(event: Event, ref: ReferenceData) -> list[str]:
    """Why a user event cannot be stored (against the users known so far)."""
    if isinstance(event, UserAdded):
        if event.user in ref.users:
            said = _("user '{user}' already exists (users enable / users disable)")
            return [said.format(user=event.user)]
        if event.role == "counsellor" and event.organisation not in ref.missions_locales:
            valid = ", ".join(ref.missions_locales)
            said = _("a counsellor works for a Mission Locale ({valid}), not '{organisation}'")
            return [said.format(valid=valid, organisation=event.organisation)]
        if event.role == "cpip" and event.organisation != PROBATION_SERVICE:
            said = _("a CPIP works for {service}, not '{organisation}'")
            return [said.format(service=PROBATION_SERVICE, organisation=event.organisation)]
        if event.organisation not in ref.organisations:
            valid = ", ".join(ref.organisations)
            said = _("'{organisation}' is not a known organisation (valid: {valid})")
            return [said.format(organisation=event.organisation, valid=valid)]
        return []
    if isinstance(event, UserDisabled | UserEnabled):
        found = ref.users.get(event.user)
        if found is None:
            return [_("no user is called '{user}'").format(user=event.user)]
        if isinstance(event, UserDisabled) and not found.enabled:
            return [_("user '{user}' is already disabled").format(user=event.user)]
        if isinstance(event, UserEnabled) and found.enabled:
            return [_("user '{user}' is already enabled").format(user=event.user)]
    return []
