"""The JSON Lines interchange format: clear errors for bad lines, lossless round-trips."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pathways.domain.events import EVENT_TYPES, Event, Released, YouthRegistered
from pathways.interchange import (
    CONTENT_NAMESPACE,
    LineError,
    content_id,
    from_dict,
    parse_line,
    to_dict,
)

RELEASE = {
    "type": "Released",
    "youth": "Y-2026-0042",
    "occurred_on": "2026-03-10",
    "kind": "end-of-sentence",
    "destination": "rennes",
}


def line(**changes: Any) -> str:
    data = {**RELEASE, **changes}
    return json.dumps({k: v for k, v in data.items() if v is not None})


def error_of(text: str) -> str:
    with pytest.raises(LineError) as caught:
        parse_line(text)
    return str(caught.value)


def test_a_well_formed_line_becomes_its_event() -> None:
    event = parse_line(line())
    assert isinstance(event, Released)
    assert event.destination == "rennes"
    assert event.occurred_on.isoformat() == "2026-03-10"


def test_malformed_json_is_refused() -> None:
    assert error_of('{"type": "Released",').startswith("not valid JSON")


def test_a_line_that_is_not_an_object_is_refused() -> None:
    assert "expected a JSON object with a 'type'" in error_of("[1, 2]")


def test_a_line_without_type_is_refused() -> None:
    assert "missing key 'type'" in error_of(line(type=None))


def test_unknown_type_lists_the_valid_ones() -> None:
    message = error_of(line(type="Escaped"))
    assert "unknown event type 'Escaped'" in message
    for name in EVENT_TYPES:
        assert name in message


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("Release", "Released"),
        ("released", "Released"),
        ("youth-registered", "YouthRegistered"),
        ("ContactMde", "ContactMade"),
    ],
)
def test_unknown_type_suggests_the_closest_names(typed: str, meant: str) -> None:
    message = error_of(line(type=typed))
    assert message.startswith(f"unknown event type '{typed}' (did you mean {meant}")
    assert "valid:" not in message


def test_a_type_that_is_not_text_is_refused() -> None:
    assert "key 'type' must be the event name as text" in error_of(line(type={"a": 1}))


def test_unknown_field_suggests_the_closest_one() -> None:
    message = error_of(line(destinaton="rennes"))
    assert "unknown field 'destinaton' (did you mean destination? fields: " in message


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000,
        '{"type": ' + '{"a": ' * 100_000 + "1" + "}" * 100_001,
        '{"type": "Released", "destination": ' + "[" * 100_000 + "]" * 100_000 + "}",
    ],
    ids=["array", "type", "field"],
)
def test_a_line_nested_too_deeply_is_refused_as_a_line_error(text: str) -> None:
    assert error_of(text) == "nested too deeply (an event is one flat JSON object)"


def test_a_line_nested_deeply_but_within_the_parser_limits_is_refused_without_echo() -> None:
    deep = "{" + '"a": {' * 500 + "}" * 501
    message = error_of(f'{{"type": {deep}}}')
    assert message == "key 'type' must be the event name as text (e.g. \"Released\")"
    message = error_of(line()[:-1] + f', "destination": {deep}}}')
    assert "destination" in message
    assert len(message) < 300


def test_a_long_refused_value_is_cut_short() -> None:
    message = error_of(line(kind="x" * 10_000))
    assert "'xxxxxxxx" in message
    assert len(message) < 400


def test_unknown_field_is_refused_with_the_fields_of_the_type() -> None:
    message = error_of(line(offence="theft"))
    assert "Released: unknown field 'offence' (" in message
    assert "fields: youth, id, occurred_on, recorded_by, kind, destination" in message


def test_wrong_choice_names_the_valid_ones() -> None:
    message = error_of(line(kind="escape"))
    assert "field 'kind': 'escape' is not one of" in message
    assert "'end-of-sentence'" in message
    assert "'remand-ended'" in message


def test_bad_date_is_refused() -> None:
    assert "field 'occurred_on': '10/03/2026' is not a date (YYYY-MM-DD)" in error_of(
        line(occurred_on="10/03/2026")
    )
    assert "is not a date" in error_of(line(occurred_on="2026-02-30"))


def test_a_name_given_as_youth_reference_is_refused() -> None:
    message = error_of(line(youth="Camille Martin"))
    assert "field 'youth': 'Camille Martin' is not a pseudonymous reference" in message
    assert "never a name" in message


def test_a_missing_field_is_named() -> None:
    assert "missing field 'destination'" in error_of(line(destination=None))


def test_a_code_that_is_not_kebab_case_is_refused() -> None:
    message = error_of(line(destination="Saint Malo"))
    assert "field 'destination': 'Saint Malo' is not a code (lowercase kebab-case" in message


def test_an_id_a_count_or_a_text_of_the_wrong_kind_is_said_in_our_words() -> None:
    """Not pydantic's English ("Input should be a valid UUID ..."): a French counsellor
    met it in the middle of French messages."""
    from pathways.i18n import using

    lost = {"type": "ContactLost", "youth": "Y-2026-0042", "occurred_on": "2026-03-10"}
    assert "'pas-un-uuid' is not an id (a UUID, e.g." in error_of(
        json.dumps({**RELEASE, "id": "pas-un-uuid"})
    )
    assert "field 'attempts': 'x' is not a whole number" in error_of(
        json.dumps({**lost, "attempts": "x"})
    )
    assert "field 'attempts': 1.5 is not a whole number" in error_of(
        json.dumps({**lost, "attempts": 1.5})
    )
    assert "field 'attempts': 0 is less than 1" in error_of(json.dumps({**lost, "attempts": 0}))
    assert "1000 is more than 999" in error_of(json.dumps({**lost, "attempts": 1000}))
    assert "field 'youth': 5 is not a text" in error_of(json.dumps({**lost, "youth": 5}))
    with using("fr"):
        said = error_of(json.dumps({**RELEASE, "id": "pas-un-uuid"}))
    assert "champ « id » : 'pas-un-uuid' n'est pas un identifiant (un UUID" in said
    assert "Input should" not in said


def test_the_type_of_the_event_prefixes_field_errors() -> None:
    assert error_of(line(kind="escape")).startswith("Released: ")


def test_keys_added_by_exports_are_ignored() -> None:
    event_id = uuid.uuid4()
    exported = line(
        id=str(event_id),
        recorded_at="2026-03-11T09:12:00+00:00",
        position=42,
        retracted=True,
        actor="jdupont",
        recorded_by="jdupont",
    )
    event = parse_line(exported)
    assert event.id == event_id
    assert event.recorded_by == "jdupont"
    assert event == parse_line(line(id=str(event_id), recorded_by="jdupont"))


def test_a_line_without_id_gets_the_same_id_each_time() -> None:
    assert parse_line(line()).id == parse_line(line()).id
    assert parse_line(line()).id == content_id(parse_line(line()))
    assert parse_line(line()).id.version == 5


def test_the_derived_id_depends_on_the_content_only() -> None:
    same = [
        line(),
        json.dumps(dict(reversed(list(RELEASE.items())))),
        line(recorded_by="jdupont"),
        line(recorded_at="2026-03-11T09:12:00+00:00", position=3),
    ]
    assert len({parse_line(text).id for text in same}) == 1
    others = [line(), line(occurred_on="2026-03-11"), line(youth="Y-43"), line(kind="semi-liberty")]
    assert len({parse_line(text).id for text in others}) == len(others)


def test_the_derived_id_is_the_uuid5_of_the_canonical_content() -> None:
    """So that another system can compute it: sorted keys, no spaces, no empty field."""
    canonical = (
        '{"destination":"rennes","kind":"end-of-sentence","occurred_on":"2026-03-10",'
        '"type":"Released","youth":"Y-2026-0042"}'
    )
    assert parse_line(line()).id == uuid.uuid5(CONTENT_NAMESPACE, canonical)


def test_a_line_with_an_id_keeps_it() -> None:
    event_id = uuid.uuid4()
    assert parse_line(line(id=str(event_id))).id == event_id


def test_the_derived_id_does_not_depend_on_personal_fields() -> None:
    """The id is stored in clear: it must not let a guessed birth date be checked."""

    def registration(birth: str) -> str:
        return json.dumps(
            {
                "type": "YouthRegistered",
                "youth": "Y-1",
                "occurred_on": "2026-01-12",
                "birth_date": birth,
                "residence": "rennes",
            }
        )

    assert parse_line(registration("2005-02-10")).id == parse_line(registration("2006-01-01")).id


def test_to_dict_puts_type_and_common_keys_first_and_leaves_out_empty_fields() -> None:
    event = parse_line(line())
    data = to_dict(event)
    assert list(data)[:4] == ["type", "youth", "occurred_on", "id"]
    assert "recorded_by" not in data


def test_personal_fields_stay_in_the_interchange_form() -> None:
    event = YouthRegistered.model_validate(
        {
            "youth": "Y-1",
            "occurred_on": "2026-01-12",
            "birth_date": "2005-02-10",
            "residence": "rennes",
            "name": "Camille",
        }
    )
    assert to_dict(event)["birth_date"] == "2005-02-10"
    assert to_dict(event)["name"] == "Camille"


@pytest.mark.parametrize("name", sorted(EVENT_TYPES))
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_every_type_round_trips_through_the_interchange_form(
    name: str,
    data: st.DataObject,
    event_strategies: Callable[[type[Event]], st.SearchStrategy[Event]],
) -> None:
    event = data.draw(event_strategies(EVENT_TYPES[name]))
    assert from_dict(to_dict(event)) == event
    assert parse_line(json.dumps(to_dict(event))) == event
