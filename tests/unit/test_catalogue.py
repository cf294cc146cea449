"""The catalogue is the single source of what the read side needs of each event:
its pair family, its fact (and the read-model columns derived from it), its derived
keys and the stand-ins of its personal fields. These tests check that every class
declares them consistently, and that the derived layout keeps the read models that
are already built valid."""

from __future__ import annotations

import dataclasses
from datetime import date
from types import UnionType
from typing import Literal, Union, get_args, get_origin, get_type_hints

import pytest

from pathways.domain.events import (
    DERIVED_KEYS,
    EVENT_TYPES,
    FACT_TYPES,
    YOUTH_EVENT_TYPES,
    Fact,
    ReleasePlanValidated,
    YouthEvent,
)
from pathways.domain.facts import (
    NOT_FACTS,
    TEXT_WIDTH,
    Layout,
    LayoutError,
    derive_layout,
    fact_from_state,
    layout,
)

#: The columns of the read models built before the layout was derived from the
#: catalogue: a store built then must read the same values from the same columns.
BUILT_LAYOUT: dict[str, dict[str, str]] = {
    "YouthRegistered": {"a": "residence", "b": "sex", "n": "birth_year"},
    "ReferralReceived": {"a": "source", "b": "custody"},
    "SupportStarted": {"a": "organisation", "b": "counsellor"},
    "CounsellorAssigned": {"a": "organisation", "b": "counsellor"},
    "HandedOver": {"a": "to_organisation", "b": "to_counsellor"},
    "HandoverAcknowledged": {"a": "organisation"},
    "EnrolledInMeasure": {"a": "measure"},
    "Incarcerated": {
        "a": "facility",
        "b": "status",
        "c": "sentence_band",
        "d": "expected_release_on",
    },
    "CustodyStatusChanged": {"b": "status", "c": "sentence_band"},
    "ExpectedReleaseChanged": {"d": "expected_release_on"},
    "Released": {"a": "destination", "b": "kind", "c": "age_band"},
    "CommunitySupervisionStarted": {"a": "measure", "c": "age_band", "d": "ends_on"},
    "CommunitySupervisionEnded": {"a": "reason"},
    "ContactMade": {"a": "organisation", "b": "channel"},
    "ContactLost": {"n": "attempts"},
    "ProjectDrafted": {"a": "target"},
    "ReleasePlanValidated": {"d": "first_appointment_on", "n": "plan"},
    "RightObtained": {"a": "right"},
    "CareReferralMade": {"a": "service"},
    "ProgrammeEntered": {"a": "programme"},
    "ProgrammeExited": {"a": "programme", "b": "reason"},
    "SituationStarted": {"a": "situation"},
    "SituationEnded": {"a": "situation"},
    "SupportClosed": {"a": "reason"},
    "AlertAcknowledged": {"a": "alert"},
}


def test_every_youth_event_but_a_retraction_or_an_erasure_is_a_fact() -> None:
    # (a break-the-glass grant and its revocation are read from the stream, not the facts)
    assert (
        frozenset({"EventRetracted", "YouthErased", "AccessGranted", "AccessRevoked"}) == NOT_FACTS
    )
    assert set(FACT_TYPES) == {c.type_name() for c in YOUTH_EVENT_TYPES} - NOT_FACTS
    for kind, cls in FACT_TYPES.items():
        assert cls.event_type == kind
        assert cls.pairing is EVENT_TYPES[kind].pairing


@pytest.mark.parametrize("kind", sorted(FACT_TYPES))
def test_every_kind_of_fact_fits_the_read_model_columns(kind: str) -> None:
    found = layout(kind)  # raises LayoutError when it does not fit
    hints = get_type_hints(found.cls)
    for name, column in found.columns:
        if column in TEXT_WIDTH:
            assert _widest(hints[name], name) <= TEXT_WIDTH[column], (kind, name)


def _widest(annotation: object, name: str) -> int:
    base = annotation
    if get_origin(annotation) in (Union, UnionType):
        (base,) = [a for a in get_args(annotation) if a is not type(None)]
    if get_origin(base) is Literal:
        return max(len(v) for v in get_args(base))
    if name == "age_band":
        return len("16-17")
    return 60  # a code (events.Code)


@pytest.mark.parametrize("kind", sorted(FACT_TYPES))
def test_the_derived_layout_keeps_the_read_models_already_built(kind: str) -> None:
    derived = {column: name for name, column in layout(kind).columns}
    if derived.get("n") in ReleasePlanValidated.Fact.__dataclass_fields__:
        derived["n"] = "plan"
    built = BUILT_LAYOUT.get(kind, {})
    # a field the read models did not keep may be added, in a column unused before
    assert {c: n for c, n in derived.items() if c in built} == built
    assert kind != "YouthRegistered" or derived.get("c") == "age_band"


@pytest.mark.parametrize("kind", sorted(FACT_TYPES))
def test_a_fact_holds_clear_fields_of_its_event_or_its_derived_keys(kind: str) -> None:
    cls = EVENT_TYPES[kind]
    clear = set(cls.domain_fields()) - cls.personal_fields()
    names = {f.name for f in dataclasses.fields(FACT_TYPES[kind])} - {"on", "seq"}
    assert names <= clear | set(cls.derived)
    assert set(cls.derived) <= set(DERIVED_KEYS)


def test_a_fact_that_does_not_fit_is_refused() -> None:
    @dataclasses.dataclass(slots=True)
    class TooMuchText(Fact):
        one: str
        two: str
        three: str
        four: str

    @dataclasses.dataclass(slots=True)
    class TwoDays(Fact):
        one: int
        two: bool

    for cls in (TooMuchText, TwoDays):
        with pytest.raises(LayoutError):
            derive_layout(cls)


def test_the_release_plan_booleans_are_bits_of_one_column() -> None:
    found: Layout = layout("ReleasePlanValidated")
    assert found.bits == ("housing", "income", "id_document", "health_cover")
    state = {"occurred_on": "2026-01-02", "housing": True, "id_document": True}
    assert found.values(state)["n"] == 0b0101
    fact = fact_from_state("ReleasePlanValidated", state, 7)
    assert isinstance(fact, ReleasePlanValidated.Fact)
    assert (fact.housing, fact.income, fact.id_document, fact.health_cover) == (
        True,
        False,
        True,
        False,
    )
    assert not fact.complete
    assert (fact.on, fact.seq) == (date(2026, 1, 2).toordinal(), 7)


@pytest.mark.parametrize("cls", list(EVENT_TYPES.values()), ids=lambda c: c.type_name())
def test_every_personal_field_has_a_stand_in_that_validates(cls: type) -> None:
    stand_ins = cls.stand_ins()
    assert set(stand_ins) == cls.personal_fields()
    for name, value in stand_ins.items():
        info = cls.model_fields[name]
        assert value is not None or not info.is_required(), name


def test_each_pair_family_has_one_opener_and_one_closer() -> None:
    families: dict[str, list[tuple[str, bool]]] = {}
    for cls in YOUTH_EVENT_TYPES:
        if cls.pairing is not None:
            family = cls.pairing.family
            families.setdefault(family.name, []).append((cls.type_name(), cls.pairing.opens))
            if family.key is not None:
                assert family.key in cls.model_fields, cls
    assert {name: sorted(o for _, o in members) for name, members in families.items()} == {
        name: [False, True] for name in families
    }
    assert set(families) == {"custody", "support", "supervision", "programme", "situation"}
    assert all(issubclass(EVENT_TYPES[k], YouthEvent) for m in families.values() for k, _ in m)


def test_every_event_of_the_catalogue_is_importable_from_the_package() -> None:
    """The catalogue is found in the phase modules; each event class is also exported
    (its module's `__all__`), so that `from pathways.domain.events import X` works."""
    from pathways.domain import events

    for name, cls in EVENT_TYPES.items():
        assert getattr(events, name) is cls, name
        assert cls.__module__ in {m.__name__ for m in events.PHASES}, name
