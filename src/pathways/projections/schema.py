"""The read-model tables (SQLAlchemy Core), in the same database as the events.

- `pw_tracking`: the read model's position in the log, its *generation* (the
  suffix of its tables: a rebuild fills a new generation, then switches to it) and
  its *layout* (the shape of those tables, `projections.layout.LAYOUT`), written in
  the same transaction as its rows; and who works on it: a row `rebuild` while a
  rebuild fills the next generation (how far it is), a row `worker` while a worker
  keeps it level (`projections.worker`), each with its owner (host:pid) and when it
  was last seen.
- `pw{g}_youth`: one row per youth: its registration (date, position, birth year,
  residence, sex, and its personal fields *still sealed* under the youth's key,
  with the event id they are bound to), the position of its erasure, and its
  timeline:
  - `facts`: every fact of the youth (see `domain.facts`) in log order, packed in
    JSON (`projections.packing`), each with its log position and, once retracted,
    the position of the retraction: any "as known at @P" state is a filter, not a
    replay of the log;
  - `situation`: the youth's situation (`domain.alerts.Situation`) walked from all
    its effective facts, with `last_day` (the date of its latest fact) and
    `last_pos` (the position of its latest event): a read on a day on or after
    `last_day`, knowing at least `last_pos`, judges it as it is;
  - `organisation` and `justice`: the situation's support organisation, and
    whether the youth is in custody or under supervision: the rows an organisation's
    database role reads on PostgreSQL (`pathways.row_security`).
- `pw{g}_follower`: which organisations and counsellors a support step of the
  youth named (`o` / `c`, code): the youths a Mission Locale's or a counsellor's
  list may hold, found in SQL.
- `pw{g}_log`: the recording time of the last position of each append, to turn a
  `--known-at` date-time into a position.

Dates are day ordinals (integers); recording times are POSIX seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

#: A position column: SQLite's INTEGER PRIMARY KEY is the table's rowid (no second
#: index); elsewhere a BIGINT.
Position = BigInteger().with_variant(Integer(), "sqlite")


@dataclass(frozen=True)
class Tables:
    metadata: MetaData
    generation: int
    youth: Table
    follower: Table
    log: Table


def tracking_table(metadata: MetaData) -> Table:
    return Table(
        "pw_tracking",
        metadata,
        Column("name", String(40), primary_key=True),
        Column("position", BigInteger, nullable=False),
        Column("generation", Integer, nullable=False),
        Column("layout", Integer, nullable=False),
        # who works on the read models, and when it was last seen (a worker, a rebuild)
        Column("owner", String(120)),
        Column("seen_at", Float),
    )


def make_tables(schema: str | None, generation: int) -> Tables:
    """The tables of one generation of the `timelines` read model."""
    metadata = MetaData(schema=schema)
    g = f"pw{generation}_"
    youth = Table(
        f"{g}youth",
        metadata,
        Column("youth", String(40), primary_key=True),
        Column("registered_on", Integer),
        Column("registered_pos", BigInteger),
        Column("birth_year", Integer),
        Column("residence", String(60)),
        Column("sex", String(10)),
        Column("event_id", String(36)),
        Column("sealed", Text),  # encrypted under the youth's key; never clear
        Column("erased_pos", BigInteger),
        Column("last_pos", BigInteger, nullable=False),
        Column("last_day", Integer),
        Column("situation", Text),
        # the support organisation, and in custody or under supervision, as known now:
        # the boundary of the organisations' database roles (`pathways.row_security`)
        Column("organisation", String(80)),
        Column("justice", Boolean),
        Column("facts", Text, nullable=False),  # last: the largest
    )
    follower = Table(
        f"{g}follower",
        metadata,
        Column("kind", String(1), primary_key=True),  # o: organisation, c: counsellor
        Column("code", String(80), primary_key=True),
        Column("youth", String(40), primary_key=True),
    )
    log = Table(
        f"{g}log",
        metadata,
        Column("position", Position, primary_key=True, autoincrement=False),
        Column("recorded_at", Float, nullable=False),
    )
    Index(f"{g}log_recorded_at", log.c.recorded_at)
    return Tables(metadata, generation, youth, follower, log)
