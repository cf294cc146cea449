"""Read models: SQL tables kept level with the event log, and the views over them."""

from __future__ import annotations

from pathways.application import Pathways
from pathways.projections.timelines import Status, TimelinesProjection
from pathways.projections.views import Point, Views


def attach(app: Pathways) -> Views:
    """The views of an application; its writes bring them up to date before returning."""
    from functools import partial

    views = Views(app, TimelinesProjection(app.store))
    # A write's catch-up shows its progress, and says nothing of a lag: it is its own.
    app.after_write.append(partial(views.catch_up, notice=False))
    return views


__all__ = ["Point", "Status", "TimelinesProjection", "Views", "attach"]
