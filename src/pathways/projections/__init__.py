"""Read models: SQL tables kept level with the event log, and the views over them."""

from __future__ import annotations

from pathways.application import Pathways
from pathways.projections.timelines import Status, TimelinesProjection
from pathways.projections.views import Point, Views


def attach(app: Pathways) -> Views:
    """The views of an application; its writes bring them up to date before returning."""
    projection = TimelinesProjection(app.store)
    app.after_write.append(projection.catch_up)
    return Views(app, projection)


__all__ = ["Point", "Status", "TimelinesProjection", "Views", "attach"]
