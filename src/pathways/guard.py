"""Who may run the admin commands (`audit`, `retention`, `keys rotate`, `erase`).

`require_admin` is the one place that decides it, on the users of the store
(`pathways users`, `pathways.access`): the acting user must be known, enabled and an
admin. Every admin command calls it before it reads or writes; a refusal is audited.
The data-protection officer reads the audit as a user of the role admin (there is no
role of its own yet).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathways.store import Store


def require_admin(actor: str, *, store: Store, purpose: str = "admin") -> None:
    """Refuse (`AccessRefused`) an actor who is not a known, enabled admin of the store
    (`purpose`: what they asked for, named in the refusal)."""
    from pathways.access import ADMIN, audit_refusal, sign_in
    from pathways.domain.errors import AccessRefused

    access = sign_in(store, actor, purpose)  # an unknown, disabled, forged actor: audited
    try:
        access.require({ADMIN}, f"`pathways {purpose}`")
    except AccessRefused as refused:
        audit_refusal(store, refused)
        raise
