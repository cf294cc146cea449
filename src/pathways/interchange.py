"""The JSON Lines interchange format: a contract with analysts and other systems.

One object per line: `type` (an event name of the catalogue), the common keys
(`youth`, `occurred_on`, optional `id` and `recorded_by`) and the fields of
that type, named exactly as in DOMAIN.md. Keys that exports add
(`recorded_at`, `actor`, `position`, `retracted`) are accepted and ignored.

A line without `id` gets an id derived from its content (`content_id`): importing
a file twice equals importing it once. Two identical lines without id are then
one event (the second is skipped, and counted as such): a step really repeated
on the same day with the same fields needs an `id` on each line.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from pathways.domain.errors import PathwaysError
from pathways.domain.events import EVENT_TYPES, Event, YouthEvent
from pathways.i18n import N_, _

EXPORT_KEYS = frozenset({"recorded_at", "actor", "position", "retracted", "erased"})


#: The namespace of the ids derived from a line's content (never change it: the ids
#: of files already imported would change, and a second import would add them again).
CONTENT_NAMESPACE = uuid.UUID("6f1d3c5e-2a4b-5c8d-9e0f-0a1b2c3d4e5f")
_NAMESPACE_BYTES = CONTENT_NAMESPACE.bytes
_STAND_IN_ID = uuid.UUID(int=0)
TOO_DEEP = "nested too deeply (an event is one flat JSON object)"


#: What Python's json says of a line that is not JSON, for the catalogue (the others,
#: with a value in them, are said as json says them).
JSON_PROBLEMS = frozenset(
    {
        N_("Expecting value"),
        N_("Expecting ',' delimiter"),
        N_("Expecting ':' delimiter"),
        N_("Expecting property name enclosed in double quotes"),
        N_("Extra data"),
        N_("Unterminated string starting at"),
        N_("Invalid \\uXXXX escape"),
        N_("Illegal trailing comma before end of object"),  # (Python 3.13)
        N_("Illegal trailing comma before end of array"),
    }
)


class LineError(PathwaysError):
    """A line that cannot become an event; the message names the problem."""


class NotJson(LineError):
    """A line that is not JSON at all (a file of many tells that it has another format)."""


def parse_line(text: str) -> Event:
    """One interchange line as an event, or a LineError saying what is wrong."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        # (the column within the line: a line cut short breaks past its own newline,
        # which json counts as the start of a second line, "column 1")
        column = min(error.pos, len(text.rstrip("\r\n"))) + 1
        said = _(error.msg) if error.msg in JSON_PROBLEMS else error.msg
        msg = _("not valid JSON ({msg} at column {colno})").format(msg=said, colno=column)
        raise NotJson(msg) from None
    except RecursionError:
        raise LineError(TOO_DEEP) from None
    if not isinstance(data, dict):
        msg = _("expected a JSON object with a 'type'")
        raise LineError(msg)
    try:
        return _event_of(data)  # (its own dict: no copy)
    except RecursionError:
        raise LineError(TOO_DEEP) from None


def from_dict(data: dict[str, Any]) -> Event:
    """An event from its interchange form; without an `id`, its id is `content_id`."""
    return _event_of(dict(data))


def _event_of(data: dict[str, Any]) -> Event:
    """`from_dict`, which takes `data` apart."""
    if "withheld" in data:  # (a CPIP's `history --nl`: "withheld" stands in for a note)
        msg = _(
            "this line comes from a read whose notes were withheld ({fields}): it does not "
            "hold what was recorded, and is not imported (a copy to import back is made by a "
            "user who may read the notes: `history --nl` or `export events` as an admin)"
        ).format(
            fields=", ".join(map(str, data["withheld"]))
            if isinstance(data["withheld"], list)
            else data["withheld"]
        )
        raise LineError(msg)
    if not EXPORT_KEYS.isdisjoint(data):
        for key in EXPORT_KEYS.intersection(data):
            del data[key]
    kind = data.pop("type", None)
    if kind is None:
        msg = _("missing key 'type' (the event name, e.g. \"Released\")")
        raise LineError(msg)
    if not isinstance(kind, str):
        msg = _("key 'type' must be the event name as text (e.g. \"Released\")")
        raise LineError(msg)
    cls = EVENT_TYPES.get(kind)
    if cls is None:
        raise LineError(unknown_type(kind))
    derive = "id" not in data
    if derive:  # (a stand-in rather than a random uuid4 that would be thrown away)
        data["id"] = _STAND_IN_ID
    try:
        # (its validator itself: `model_validate` with no option is that call, behind a
        # wrapper that costs a tenth of it, for every line of an import)
        event: Event = cls.__pydantic_validator__.validate_python(data)
    except ValidationError as error:
        raise LineError(explain(cls, error)) from None
    if derive:
        # Set in place: the model is frozen to its users, but it was made here, just
        # now, and model_copy would cost as much again as the validation.
        event.__dict__["id"] = content_id(event)
    return event


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def content_id(event: Event) -> uuid.UUID:
    """The id of a line that has none: a uuid5 of the step's content (type, youth,
    occurred_on and fields; not id or recorded_by), so that importing it again
    finds it stored. Personal fields are left out: the id is stored in clear and must
    not let anyone check a guessed birth date or note against it. Two lines that differ
    only there get the same id, and the second is refused as a clash: give them ids."""
    content = event.model_dump(
        mode="json", exclude={"id", "recorded_by", *event.personal_fields()}, exclude_none=True
    )
    content["type"] = event.type_name()
    canonical = _CANONICAL(content)
    # uuid.uuid5, without its detour through a str of the namespace (an import may have
    # 100,000 lines without id)
    digest = hashlib.sha1(_NAMESPACE_BYTES + canonical.encode(), usedforsecurity=False).digest()
    return uuid.UUID(bytes=digest[:16], version=5)


def _squeeze(name: str) -> str:
    return name.lower().replace("-", "").replace("_", "").replace(" ", "")


def suggest(name: str, valid: list[str]) -> list[str]:
    """The valid names closest to a mistyped one (case, '-' and '_' aside)."""
    by_key = {_squeeze(v): v for v in valid}
    key = _squeeze(name)
    if key in by_key:
        return [by_key[key]]
    import difflib  # (for a mistyped name only: ~1.3 ms to import, that a write saves)

    return [by_key[k] for k in difflib.get_close_matches(key, list(by_key), n=3, cutoff=0.6)]


def _did_you_mean(names: list[str]) -> str:
    return _(" or ").join(names)


def unknown_type(kind: str) -> str:
    close = suggest(kind, list(EVENT_TYPES))
    if close:
        return _("unknown event type {kind} (did you mean {names}?)").format(
            kind=_shown(kind), names=_did_you_mean(close)
        )
    return _("unknown event type {kind} (valid: {names})").format(
        kind=_shown(kind), names=", ".join(sorted(EVENT_TYPES))
    )


def _shown(value: Any, limit: int = 60) -> str:
    """A refused value as typed, cut short if long (a whole file may sit in one field)."""
    try:
        text = repr(value)
    except RecursionError:
        return "(a value nested too deeply)"
    return text if len(text) <= limit else text[:limit] + "..."


def field_label(field: str) -> str:
    """How a field is named in the messages about an interchange line."""
    return _("field '{field}'").format(field=field)


def explain(
    cls: type[Event], error: ValidationError, label: Callable[[str], str] = field_label
) -> str:
    """Pydantic's errors in the words of the interchange format (or, with another
    `label`, of the command line: `option --birth-date`)."""
    parts = []
    allowed = ["id", "occurred_on", "recorded_by", *cls.domain_fields()]
    if issubclass(cls, YouthEvent):
        allowed.insert(0, "youth")
    personal = cls.personal_fields()
    for item in error.errors(include_url=False):
        field = ".".join(str(p) for p in item["loc"]) or "(line)"
        kind = item["type"]
        # a refused personal value is not repeated (messages end up in terminals and logs)
        value = _("(withheld)") if field in personal else _shown(item.get("input"))
        named = label(field)
        if kind == "missing":
            parts.append(_("missing {field}").format(field=named))
        elif kind == "extra_forbidden":
            close = suggest(field, allowed)
            hint = _("did you mean {names}? ").format(names=_did_you_mean(close)) if close else ""
            parts.append(
                # (the message begins with the event's name: not said again here)
                _("unknown field {field} ({hint}fields: {fields})").format(
                    field=_shown(field), hint=hint, fields=", ".join(allowed)
                )
            )
        elif kind == "literal_error":
            expected = item.get("ctx", {}).get("expected", "")
            expected = expected.replace(" or ", _(" or "))
            parts.append(
                _("{field}: {value} is not one of {expected}").format(
                    field=named, value=value, expected=expected
                )
            )
        elif kind == "string_pattern_mismatch" and field in ("youth",):
            parts.append(
                _(
                    "{field}: {value} is not a pseudonymous reference (capital letters, "
                    "digits and '-', with at least one digit, e.g. Y-2026-0042; never a name)"
                ).format(field=named, value=value)
            )
        elif kind == "string_pattern_mismatch":
            parts.append(
                _("{field}: {value} is not a code (lowercase kebab-case, e.g. saint-malo)").format(
                    field=named, value=value
                )
            )
        elif kind.startswith(("date_", "datetime_")):
            parts.append(
                _("{field}: {value} is not a date (YYYY-MM-DD)").format(field=named, value=value)
            )
        elif kind.startswith("uuid_"):
            parts.append(
                _("{field}: {value} is not an id (a UUID, e.g. {example})").format(
                    field=named, value=value, example="6f1c1b7e-8d0c-4b5e-9a53-3f0f0b7b8a11"
                )
            )
        elif kind in ("int_parsing", "int_from_float", "int_type"):
            parts.append(
                _("{field}: {value} is not a whole number").format(field=named, value=value)
            )
        elif kind in ("greater_than_equal", "less_than_equal"):
            ctx = item.get("ctx", {})
            bound = ctx.get("ge", ctx.get("le"))
            said = (
                _("{field}: {value} is less than {bound}")
                if kind == "greater_than_equal"
                else _("{field}: {value} is more than {bound}")
            )
            parts.append(said.format(field=named, value=value, bound=bound))
        elif kind == "string_type":
            parts.append(_("{field}: {value} is not a text").format(field=named, value=value))
        else:  # (pydantic's own words, in English: a case not met so far)
            parts.append(_("{field}: {problem}").format(field=named, problem=item["msg"]))
    return _("{event}: {problems}").format(event=cls.type_name(), problems=_("; ").join(parts))


def to_dict(event: Event) -> dict[str, Any]:
    """An event in the interchange format (type first, then the common keys)."""
    data = event.model_dump(mode="json", exclude_none=True)
    ordered: dict[str, Any] = {"type": event.type_name()}
    for key in ("youth", "occurred_on", "id"):
        if key in data:
            ordered[key] = data.pop(key)
    ordered.update(data)
    return ordered
