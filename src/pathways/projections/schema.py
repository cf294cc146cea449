"""The read-model tables (SQLAlchemy Core), in the same database as the events.

- `pw_fact`: one row per event of a youth that is a timeline fact (see
  `domain.facts`), with its log position and, once retracted, the position of
  the retraction: any "as known at @P" state is a filter, not a replay.
- `pw_youth`: one row per registered youth: registration date and position,
  birth year, residence, sex, and the registration's personal fields *still
  sealed* under the youth's key (with the event id they are bound to).
- `pw_log`: the recording time of every log position, to turn a `--known-at`
  date-time into a position.
- `pw_tracking`: each read model's position, written in the same transaction
  as its rows.

Dates are day ordinals (integers); recording times are POSIX seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)


@dataclass(frozen=True)
class Tables:
    metadata: MetaData
    tracking: Table
    youth: Table
    fact: Table
    log: Table


def make_tables(schema: str | None) -> Tables:
    metadata = MetaData(schema=schema)
    tracking = Table(
        "pw_tracking",
        metadata,
        Column("name", String(40), primary_key=True),
        Column("position", BigInteger, nullable=False),
    )
    youth = Table(
        "pw_youth",
        metadata,
        Column("youth", String(40), primary_key=True),
        Column("registered_on", Integer, nullable=False),
        Column("registered_pos", BigInteger, nullable=False),
        Column("birth_year", Integer),
        Column("residence", String(60)),
        Column("sex", String(10)),
        Column("event_id", String(36), nullable=False),
        Column("sealed", Text),  # encrypted under the youth's key; never clear
        Column("erased_pos", BigInteger),
    )
    fact = Table(
        "pw_fact",
        metadata,
        Column("position", BigInteger, primary_key=True, autoincrement=False),
        Column("youth", String(40), nullable=False),
        Column("kind", String(40), nullable=False),
        Column("on_day", Integer, nullable=False),
        Column("a", String(80)),
        Column("b", String(80)),
        Column("c", String(40)),
        Column("d", Integer),
        Column("n", Integer),
        Column("event_id", String(36), nullable=False),
        Column("retracted_pos", BigInteger),
    )
    Index("pw_fact_event_id", fact.c.event_id, unique=True)
    Index("pw_fact_youth_day", fact.c.youth, fact.c.on_day)
    # for the latest contact of each youth, and the youths released in a period
    Index("pw_fact_kind_youth_day", fact.c.kind, fact.c.youth, fact.c.on_day)
    log = Table(
        "pw_log",
        metadata,
        Column("position", BigInteger, primary_key=True, autoincrement=False),
        Column("recorded_at", Float, nullable=False),
    )
    Index("pw_log_recorded_at", log.c.recorded_at)
    return Tables(metadata, tracking, youth, fact, log)
