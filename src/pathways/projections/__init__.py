"""Read models: SQL tables kept level with the event log, and the views over them."""

from __future__ import annotations

from pathways.projections.timelines import Status, TimelinesProjection, attach_inline
from pathways.projections.views import Host, Point, Views


def attach(app: Host) -> Views:
    """The views of an application. Reads bring the read models level before they
    answer (a write projects its own events when `attach_inline` was called on its
    store, and the read models were level)."""
    return Views(app, TimelinesProjection(app.store))


__all__ = ["Host", "Point", "Status", "TimelinesProjection", "Views", "attach", "attach_inline"]
