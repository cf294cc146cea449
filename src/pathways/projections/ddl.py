"""The read models' DDL: the tracking table and the tables of a generation.

Only `pathways init`, `pathways db upgrade` and a rebuild run it (opening a store
runs none, so that concurrent commands never race on the schema). SQLAlchemy
compiles it for the backend's dialect, and a session of the store runs it: it is
transactional on both backends.
"""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.schema import CreateIndex, CreateTable

from pathways import row_security
from pathways.backends.session import Session
from pathways.projections.apply import table_names
from pathways.projections.layout import LAYOUT
from pathways.projections.schema import make_tables, tracking_table

NAME = "timelines"


def create_generation(session: Session, generation: int) -> None:
    """Create the tables of a generation (dropping any left by an interrupted rebuild)."""
    drop_generation(session, generation)
    dialect = session.backend.dialect()
    tables = make_tables(session.backend.schema, generation)
    for table in tables.metadata.sorted_tables:
        session.cursor.execute(str(CreateTable(table).compile(dialect=dialect)))
        for index in table.indexes:
            session.cursor.execute(str(CreateIndex(index).compile(dialect=dialect)))
    row_security.secure_generation(session, generation)


def drop_generation(session: Session, generation: int) -> None:
    if generation < 1:
        return
    names = table_names(session.backend.prefix, generation)
    # the followers first: their row-level policy reads the youths (PostgreSQL)
    for kind in ("follower", "log", "youth"):
        session.cursor.execute(f"DROP TABLE IF EXISTS {names[kind]}")


def create_read_models(session: Session) -> None:
    """The read models of a store (`pathways init`, `pathways db upgrade`): the tracking
    table and the first generation of the tables, at position 0 (a catch-up fills them)."""
    backend = session.backend
    table = tracking_table(MetaData(schema=backend.schema))
    session.cursor.execute(str(CreateTable(table).compile(dialect=backend.dialect())))
    create_generation(session, 1)
    session.execute(
        "INSERT INTO {p}pw_tracking (name, position, generation, layout) VALUES (?, ?, ?, ?)",
        (NAME, 0, 1, LAYOUT),
    )
    row_security.point_views(session, 1)
