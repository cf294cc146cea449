"""The layout of the read models' tables (see `projections.schema`), apart so that
opening a store checks it without importing SQLAlchemy.

A program that finds another layout in a store asks for `pathways db upgrade`, which
rebuilds the read models in this one (they are derived: a change of their shape is a
rebuild, not a migration).

`LAYOUT` is `VERSION` and a fingerprint of what the read models keep positionally:
the fields of the situation a walk learns (`alert_walk.SITUATION_FIELDS`, kept as a
list in each youth's row) and the fields of every kind of fact (`domain.facts`,
packed by position). Adding a field to either (a new alert that needs to know one
more thing, a new field of an event's fact) changes the layout by itself: nobody has
to remember to. It reads the fields' names and written types (cheap enough for every
command's start-up; deriving every fact's column layout costs ~17 ms), so raise
`VERSION` with a change it cannot see: a column of a generation's tables, what a
column means, or what a type alias or a column pin of a fact's field resolves to.
"""

from __future__ import annotations

import dataclasses
import zlib

from pathways.domain.alert_walk import SITUATION_FIELDS
from pathways.domain.events import FACT_TYPES

VERSION = 5


def fingerprint() -> int:
    """A number (0-999,999) that changes with the fields kept positionally."""
    facts = [
        (kind, [(f.name, str(f.type)) for f in dataclasses.fields(cls)])
        for kind, cls in sorted(FACT_TYPES.items())
    ]
    return zlib.crc32(repr((SITUATION_FIELDS, facts)).encode()) % 1_000_000


LAYOUT = VERSION * 1_000_000 + fingerprint()
