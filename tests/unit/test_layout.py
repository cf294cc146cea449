"""The read models' layout follows what they keep positionally (issue 10): a new field
of the situation or of a fact changes it by itself, so that stores are rebuilt
(`pathways db upgrade`) without anyone having to remember to raise a number."""

from __future__ import annotations

import dataclasses

import pytest

from pathways.domain import alert_walk, events
from pathways.projections import layout


def test_the_layout_is_the_version_and_the_fingerprint() -> None:
    assert layout.VERSION * 1_000_000 + layout.fingerprint() == layout.LAYOUT
    assert layout.LAYOUT < 2**31  # it is kept in an INTEGER column


def test_a_new_situation_field_changes_the_layout(monkeypatch: pytest.MonkeyPatch) -> None:
    before = layout.fingerprint()
    monkeypatch.setattr(layout, "SITUATION_FIELDS", (*alert_walk.SITUATION_FIELDS, "new_one"))
    assert layout.fingerprint() != before


def test_a_new_field_of_a_fact_changes_the_layout(monkeypatch: pytest.MonkeyPatch) -> None:
    before = layout.fingerprint()
    kind, cls = next(iter(sorted(events.FACT_TYPES.items())))

    @dataclasses.dataclass
    class Wider(cls):  # type: ignore[valid-type, misc]
        extra: str | None = None

    monkeypatch.setitem(layout.FACT_TYPES, kind, Wider)
    assert layout.fingerprint() != before
