"""What the fields of events are made of: references and codes, the characters no text
may hold, and the two ways of declaring a field (`describe`, `personal`).
"""

import re
import unicodedata
from typing import Annotated, Any

from pydantic import Field, StringConstraints

__all__ = [
    "CODE_PATTERN",
    "CONTROL_NAMES",
    "MAX_CODE",
    "REFERENCE_PATTERN",
    "UNSAFE_CHARACTERS",
    "Code",
    "Reference",
    "describe",
    "personal",
    "unsafe_character",
]


#: Capital letters, digits and '-', with at least one digit: a reference is a number
#: (Y-2026-0042), and a name typed in capitals (JEAN-DUPONT) is refused, since
#: references stay in clear in the log for good.
REFERENCE_PATTERN = r"^([A-Z][A-Z0-9-]*)?[0-9][A-Z0-9-]*$"
CODE_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"

Reference = Annotated[
    str,
    StringConstraints(pattern=REFERENCE_PATTERN, max_length=40),
    Field(description="Pseudonymous reference of the young person, e.g. Y-2026-0042."),
]
#: The longest code.
MAX_CODE = 60
Code = Annotated[str, StringConstraints(pattern=CODE_PATTERN, max_length=MAX_CODE)]

#: What no text of an event may hold (DOMAIN rule: implausible input is refused):
#: control characters (Unicode category Cc) and the bidirectional overrides,
#: embeddings, isolates and marks, which make a text display other than it reads.
UNSAFE_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def unsafe_character(text: str) -> str | None:
    """The first character no text may hold, as `U+202E (RIGHT-TO-LEFT OVERRIDE)`."""
    found = UNSAFE_CHARACTERS.search(text)
    if found is None:
        return None
    char = found.group()
    name = unicodedata.name(char, "") or f"{CONTROL_NAMES.get(char, 'a control character')}"
    return f"U+{ord(char):04X} ({name})"


CONTROL_NAMES = {
    "\x00": "NULL",
    "\t": "TAB",
    "\n": "LINE FEED, a new line",
    "\r": "CARRIAGE RETURN",
    "\x1b": "ESCAPE",
}


def personal(description: str, *, stand_in: Any = None, **kwargs: Any) -> Any:
    """A field holding personal data: encrypted with the youth's key, never in clear.

    `stand_in`: what validates in its place once the key is destroyed (the event is
    then rebuilt with the field set to None); needed when the field is required."""
    extra = {"personal": True, "stand_in": stand_in}
    return Field(description=description, json_schema_extra=extra, **kwargs)


def describe(description: str, **kwargs: Any) -> Any:
    return Field(description=description, **kwargs)
