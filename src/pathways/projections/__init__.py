"""Read models: SQL tables kept level with the event log, and the views over them."""

from __future__ import annotations

from pathways.projections.timelines import Status, TimelinesProjection
from pathways.projections.views import Host, Point, Views


def attach(app: Host) -> Views:
    """The views of an application. A write leaves them behind the log (a write need
    not load the read side); every read brings them level before it answers."""
    return Views(app, TimelinesProjection(app.store))


__all__ = ["Host", "Point", "Status", "TimelinesProjection", "Views", "attach"]
