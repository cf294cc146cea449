"""The JSON Lines interchange format: a contract with analysts and other systems.

One object per line: `type` (an event name of the catalogue), the common keys
(`youth`, `occurred_on`, optional `id` and `recorded_by`) and the fields of
that type, named exactly as in DOMAIN.md. Keys that exports add
(`recorded_at`, `actor`, `position`, `retracted`) are accepted and ignored.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from pathways.domain.errors import PathwaysError
from pathways.domain.events import EVENT_TYPES, Event, YouthEvent

EXPORT_KEYS = frozenset({"recorded_at", "actor", "position", "retracted", "erased"})


class LineError(PathwaysError):
    """A line that cannot become an event; the message names the problem."""


def parse_line(text: str) -> Event:
    """One interchange line as an event, or a LineError saying what is wrong."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        msg = f"not valid JSON ({error.msg} at column {error.colno})"
        raise LineError(msg) from None
    if not isinstance(data, dict):
        msg = "expected a JSON object with a 'type'"
        raise LineError(msg)
    return from_dict(data)


def from_dict(data: dict[str, Any]) -> Event:
    data = {k: v for k, v in data.items() if k not in EXPORT_KEYS}
    kind = data.pop("type", None)
    if kind is None:
        msg = "missing key 'type' (the event name, e.g. \"Released\")"
        raise LineError(msg)
    cls = EVENT_TYPES.get(str(kind))
    if cls is None:
        msg = f"unknown event type '{kind}' (valid: {', '.join(sorted(EVENT_TYPES))})"
        raise LineError(msg)
    try:
        return cls.model_validate(data)
    except ValidationError as error:
        raise LineError(explain(cls, error)) from None


def explain(cls: type[Event], error: ValidationError) -> str:
    """Pydantic's errors in the words of the interchange format."""
    parts = []
    allowed = ["id", "occurred_on", "recorded_by", *cls.domain_fields()]
    if issubclass(cls, YouthEvent):
        allowed.insert(0, "youth")
    personal = cls.personal_fields()
    for item in error.errors(include_url=False):
        field = ".".join(str(p) for p in item["loc"]) or "(line)"
        kind = item["type"]
        # a refused personal value is not repeated (messages end up in terminals and logs)
        value = "(withheld)" if field in personal else item.get("input")
        if kind == "missing":
            parts.append(f"missing field '{field}'")
        elif kind == "extra_forbidden":
            parts.append(
                f"unknown field '{field}' for {cls.type_name()} (fields: {', '.join(allowed)})"
            )
        elif kind == "literal_error":
            expected = item.get("ctx", {}).get("expected", "")
            parts.append(f"field '{field}': {value!r} is not one of {expected}")
        elif kind == "string_pattern_mismatch" and field in ("youth",):
            parts.append(
                f"field 'youth': {value!r} is not a pseudonymous reference "
                f"(capital letters, digits and '-', e.g. Y-2026-0042; never a name)"
            )
        elif kind == "string_pattern_mismatch":
            parts.append(
                f"field '{field}': {value!r} is not a code (lowercase kebab-case, e.g. saint-malo)"
            )
        elif kind.startswith(("date_", "datetime_")):
            parts.append(f"field '{field}': {value!r} is not a date (YYYY-MM-DD)")
        else:
            parts.append(f"field '{field}': {item['msg']}")
    return f"{cls.type_name()}: " + "; ".join(parts)


def to_dict(event: Event) -> dict[str, Any]:
    """An event in the interchange format (type first, then the common keys)."""
    data = event.model_dump(mode="json", exclude_none=True)
    ordered: dict[str, Any] = {"type": event.type_name()}
    for key in ("youth", "occurred_on", "id"):
        if key in data:
            ordered[key] = data.pop(key)
    ordered.update(data)
    return ordered
