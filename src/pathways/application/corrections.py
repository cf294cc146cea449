"""Corrections: nothing is deleted; a retraction withdraws an event, an amendment
retracts it and records the corrected one, in one step (rule 6)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from pathways.application.batch import Item, Receipt
from pathways.application.commands import Commands
from pathways.domain.errors import (
    PathwaysError,
    UnknownEvent,
)
from pathways.domain.events import (
    UNRETRACTABLE,
    EventRetracted,
    YouthEvent,
)
from pathways.i18n import N_, _
from pathways.store import Recorded


class Corrections(Commands):
    """Corrections never delete: a retraction, or a retraction and the corrected event."""

    def find(self, event_id: uuid.UUID) -> Recorded:
        stream = self.store.find_streams([event_id]).get(event_id)
        if stream is not None:
            for recorded in self.store.load(stream):
                if recorded.event.id == event_id:
                    return recorded
        msg = _("no stored event has the id {event_id}").format(event_id=event_id)
        raise UnknownEvent(msg)

    def retract(
        self, event_id: uuid.UUID, reason: str, actor: str, on: date | None = None
    ) -> Receipt:
        target = self._retractable(event_id)
        assert isinstance(target.event, YouthEvent)
        retraction = EventRetracted(
            youth=target.event.youth,
            occurred_on=on or self.today(),
            event_id=event_id,
            reason=reason,
        )
        return self.commit([Item(retraction, "")], actor)

    def amend(
        self,
        event_id: uuid.UUID,
        changes: dict[str, Any],
        reason: str,
        actor: str,
        on: date | None = None,
    ) -> Receipt:
        """Retract an event and record its corrected version, in one step (rule 6)."""
        target = self._retractable(event_id)
        event = target.event
        assert isinstance(event, YouthEvent)
        data = event.model_dump()
        data.update(changes)
        data["id"] = uuid.uuid4()
        corrected = type(event).model_validate(data)
        if corrected.content() == event.content():
            msg = _("nothing to amend: give --on or at least one field with a new value")
            raise PathwaysError(msg)
        retraction = EventRetracted(
            youth=event.youth, occurred_on=on or self.today(), event_id=event_id, reason=reason
        )
        return self.commit(
            [Item(retraction, "", 0), Item(corrected, N_("the corrected event"), 1)], actor
        )

    def _retractable(self, event_id: uuid.UUID) -> Recorded:
        target = self.find(event_id)
        if not isinstance(target.event, YouthEvent):
            msg = _("event {event_id} is a {type_name}: measures cannot be retracted").format(
                event_id=event_id, type_name=target.event.type_name()
            )
            raise PathwaysError(msg)
        if target.event.type_name() in UNRETRACTABLE:
            msg = _("event {event_id} is a {type_name}, which cannot be retracted").format(
                event_id=event_id, type_name=target.event.type_name()
            )
            raise PathwaysError(msg)
        return target
