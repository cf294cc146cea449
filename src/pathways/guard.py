"""Who may run the admin commands (`audit`, `retention`, `keys rotate`, `erase`).

`require_admin` is the one place that decides it. Users and roles are built on
another branch (issue 12 item 1: `pathways users`, `pathways access`, the
`AccessRefused` error): until they are merged, every actor is accepted here, and
this module says so rather than pretending to check. The lead engineer wires it to
the users' roles (admin, and the data-protection officer for `audit`) when merging
that branch; every admin command already calls it, before it reads or writes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathways.store import Store


def require_admin(actor: str, *, store: Store, purpose: str = "admin") -> None:
    """Refuse an actor who may not run an admin command (`purpose`: "admin", or
    "audit" where the data-protection officer may too).

    SEAM (issue 12, branch of users and roles): accepts any actor today. Wire it to
    the users' roles there, raising that branch's `AccessRefused`."""
    del actor, store, purpose  # accepted: no roles exist on this branch
