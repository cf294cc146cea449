"""Read models: SQL tables kept level with the event log, and the views over them.

The names below are loaded on first use: a write opens the store, whose schema
check reads `projections.layout`, and must not import the read side (SQLAlchemy,
the views) for it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pathways.perf import lazy_names

if TYPE_CHECKING:
    from pathways.projections.reads import Host, Point
    from pathways.projections.timelines import Status, TimelinesProjection, attach_inline
    from pathways.projections.views import Views

_LAZY = {
    "Status": "pathways.projections.timelines",
    "TimelinesProjection": "pathways.projections.timelines",
    "attach_inline": "pathways.projections.timelines",
    "Host": "pathways.projections.reads",
    "Point": "pathways.projections.reads",
    "Views": "pathways.projections.views",
}


__getattr__ = lazy_names(__name__, _LAZY)


def attach(app: Host) -> Views:
    """The views of an application. Reads bring the read models level before they
    answer (a write projects its own events when `attach_inline` was called on its
    store, and the read models were level)."""
    from pathways.projections.timelines import TimelinesProjection
    from pathways.projections.views import Views

    return Views(app, TimelinesProjection(app.store))


__all__ = ["Host", "Point", "Status", "TimelinesProjection", "Views", "attach", "attach_inline"]
