"""The stored JSON layout, read and written by `pathways.codec` alone (no database)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any, ClassVar

import pytest

from pathways import codec
from pathways.domain import events
from pathways.domain.events import EventRetracted, Released, YouthRegistered

AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
META = codec.meta("c-1", AT)
REGISTRATION = YouthRegistered(
    youth="Y-1", occurred_on=date(2026, 1, 12), birth_date=date(2005, 2, 10), residence="redon"
)


def seal(fields: dict[str, Any]) -> str:
    return "sealed:" + json.dumps(fields, sort_keys=True)


def unseal(blob: str) -> dict[str, Any] | None:
    loaded: dict[str, Any] = json.loads(blob.removeprefix("sealed:"))
    return loaded


def erased(_blob: str) -> dict[str, Any] | None:
    return None


def stored_form(event: events.Event, **derived: Any) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        codec.encode(event, codec.meta("c-1", AT), seal, derived or None)
    )
    return loaded


def test_the_stored_form_keeps_clear_fields_seals_personal_ones_and_says_who_and_when() -> None:
    state = stored_form(REGISTRATION, age_band="18-20")
    assert state["residence"] == "redon"
    assert "birth_date" not in state
    assert unseal(state["personal"]) == {"birth_date": "2005-02-10"}
    assert (state["birth_year"], state["age_band"]) == (2005, "18-20")
    assert state["meta"] == {"actor": "c-1", "at": AT.isoformat(), "v": 1}


def test_read_parses_a_stored_row_into_typed_parts() -> None:
    blob = codec.encode(REGISTRATION, codec.meta("c-1", AT), seal, {"age_band": "18-20"})
    stored = codec.read(12, codec.topic(YouthRegistered), blob)
    assert (stored.kind, stored.position, stored.youth) == ("YouthRegistered", 12, "Y-1")
    assert (stored.id, stored.occurred_on) == (str(REGISTRATION.id), date(2026, 1, 12))
    assert (stored.actor, stored.recorded_at, stored.version) == ("c-1", AT, 1)
    assert stored.clear == {"residence": "redon", "sex": None}
    assert stored.derived == {"birth_year": 2005, "age_band": "18-20"}
    assert stored.sealed is not None
    fact = stored.fact()
    assert isinstance(fact, YouthRegistered.Fact)
    assert (fact.residence, fact.birth_year, fact.age_band) == ("redon", 2005, "18-20")


def test_an_event_decodes_to_itself_and_without_its_personal_fields_once_erased() -> None:
    stored = codec.read(1, codec.topic(YouthRegistered), codec.encode(REGISTRATION, META, seal))
    assert codec.event(stored, unseal) == (REGISTRATION, False)
    gone, was_erased = codec.event(stored, erased)
    assert was_erased
    assert isinstance(gone, YouthRegistered)
    assert gone.birth_date is None  # type: ignore[comparison-overlap]
    assert gone.residence == "redon"


def test_a_required_personal_field_is_validated_with_its_stand_in() -> None:
    retraction = EventRetracted(
        youth="Y-1", occurred_on=date(2026, 1, 13), event_id=REGISTRATION.id, reason="typo"
    )
    stored = codec.read(2, codec.topic(EventRetracted), codec.encode(retraction, META, seal))
    gone, was_erased = codec.event(stored, erased)
    assert was_erased
    assert isinstance(gone, EventRetracted)
    assert gone.reason is None  # type: ignore[comparison-overlap]
    assert gone.event_id == REGISTRATION.id


def test_keys_that_are_not_derived_keys_are_refused() -> None:
    with pytest.raises(ValueError, match="not derived keys"):
        codec.encode(REGISTRATION, META, seal, {"birth_date": "2005-02-10"})


def test_an_older_version_is_upcast_when_read(monkeypatch: pytest.MonkeyPatch) -> None:
    class ReleasedV2(Released):
        class_version: ClassVar[int] = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["destination"] = {"st-malo": "saint-malo"}.get(
                state["destination"], state["destination"]
            )

    release = Released(
        youth="Y-1", occurred_on=date(2026, 3, 9), kind="end-of-sentence", destination="st-malo"
    )
    stored = codec.read(3, codec.topic(Released), codec.encode(release, META, seal))
    monkeypatch.setitem(events.EVENT_TYPES, "Released", ReleasedV2)
    upcast, _ = codec.event(stored, unseal)
    assert isinstance(upcast, ReleasedV2)
    assert upcast.destination == "saint-malo"


def test_the_retracted_ids_come_from_the_retractions_clear_states() -> None:
    retraction = EventRetracted(
        youth="Y-1", occurred_on=date(2026, 1, 13), event_id=REGISTRATION.id, reason="typo"
    )
    states = [json.loads(codec.encode(retraction, codec.meta("c", AT), seal))]

    def clear_states(types: Any, upto: int | None = None) -> list[dict[str, Any]]:
        assert list(types) == ["EventRetracted"]
        return states

    assert codec.retracted_ids(clear_states) == {str(REGISTRATION.id)}
