"""pathways: an event-sourced tracker of the pathways of young people under justice
supervision (Dedans-Dehors, Ille-et-Vilaine).

For notebooks: `store = pathways.open("store.sqlite3")`, then `store.history(youth)`,
`store.caseload(as_of=...)`, `store.alerts(as_of=..., known_at=...)`,
`store.outcomes(first, last, by="territory")`; each gives pydantic rows with
`.to_pandas()`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from pathways.api import Store


def open(
    db: Any = None,
    key_file: Any = None,
    chain_key_file: Any = None,
    *,
    actor: str | None = None,
) -> Store:
    """Open a store for analysis (see `pathways.api`); `actor`: who reads (their rights
    scope every read; the audit names them)."""
    from pathways.api import open as open_api

    return open_api(db, key_file, chain_key_file, actor=actor)


__all__ = ["__version__", "open"]
