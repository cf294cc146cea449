"""A store in a PostgreSQL schema (`postgresql://user@host:5432/db?schema=pathways`).

psycopg is imported only here, on demand: it costs ~200 ms that SQLite users need
not pay.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import parse_qs, unquote, urlparse, urlunparse

from eventsourcing.persistence import StoredEvent

from pathways.backends.base import OUR_TABLES, Backend, Location, NoStore, Session
from pathways.domain.errors import StoreError

if TYPE_CHECKING:
    import uuid

    from sqlalchemy import Dialect, Engine


def _recorder_class() -> type[Any]:
    """Built on demand, so that importing this module does not import psycopg."""
    from eventsourcing.postgres import PostgresApplicationRecorder

    class PostgresRecorder(PostgresApplicationRecorder):
        """eventsourcing's PostgreSQL recorder: it creates the events table and our tables
        (`pathways init`) and reads the log; appends go through a `PostgresSession`."""

        def __init__(self, datastore: Any, *, events_table_name: str = "stored_events") -> None:
            from psycopg.sql import SQL

            super().__init__(datastore, events_table_name=events_table_name)
            prefix = f'"{datastore.schema}".'
            self.sql_create_statements.extend(
                SQL(s.format(p=prefix, blob="BYTEA")).format() for s in OUR_TABLES
            )

    return PostgresRecorder


#: Events per INSERT statement of an append (one statement per chunk, in one transaction:
#: a single pipelined batch of ~20,000 events filled the socket buffers both ways and
#: hung, eventsourcing's recorder included).
INSERT_CHUNK = 1000
#: Seconds a writing session waits for the append lock before it fails.
LOCK_TIMEOUT = 30


class PostgresSession(Session):
    """A transaction of a psycopg connection; a writing one takes the events table's
    EXCLUSIVE lock first (as eventsourcing does), which orders the appends and lets
    readers read."""

    def insert_events(self, stored: Sequence[StoredEvent]) -> list[int]:
        import psycopg
        from eventsourcing.persistence import IntegrityError

        table = self.backend.events_table
        sql = (
            f"INSERT INTO {table} (originator_id, originator_version, topic, state) "
            "SELECT * FROM unnest(%s::uuid[], %s::bigint[], %s::text[], %s::bytea[]) "
            "RETURNING originator_id, originator_version, notification_id"
        )
        positions: list[int] = []
        for start in range(0, len(stored), INSERT_CHUNK):
            chunk = stored[start : start + INSERT_CHUNK]
            columns = (
                [s.originator_id for s in chunk],
                [s.originator_version for s in chunk],
                [s.topic for s in chunk],
                [s.state for s in chunk],
            )
            try:
                self.cursor.execute(sql, columns)
            except psycopg.errors.UniqueViolation as error:
                raise IntegrityError(error.diag.message_primary) from None
            found = {
                (row["originator_id"], row["originator_version"]): row["notification_id"]
                for row in self.cursor.fetchall()
            }
            positions.extend(found[(s.originator_id, s.originator_version)] for s in chunk)
        if stored:
            self.cursor.execute("NOTIFY stored_events")  # for a worker that listens
        return positions


class PostgresBackend(Backend):
    """A PostgreSQL schema; eventsourcing's table lock orders the appends."""

    name = "postgresql"
    schemes: ClassVar[tuple[str, ...]] = ("postgresql", "postgres", "postgresql+psycopg")
    placeholder: ClassVar[str] = "%s"
    position_column: ClassVar[str] = "notification_id"

    @classmethod
    def locate(cls, value: str) -> Location:
        parsed = urlparse(value)
        shown = parsed._replace(netloc=parsed.netloc.rsplit("@", 1)[-1]).geturl()
        return Location(cls.name, shown, value)

    @property
    def description(self) -> str:
        return "PostgreSQL"

    def open(self, *, create: bool) -> None:
        from eventsourcing.postgres import PostgresDatastore

        parsed = urlparse(self.location.target)
        schema = parse_qs(parsed.query).get("schema", ["public"])[0]
        if not schema.replace("_", "").isalnum():
            msg = f"--db: schema '{schema}' must be letters, digits and underscores"
            raise StoreError(msg)
        try:
            self.datastore = PostgresDatastore(
                dbname=(parsed.path or "/").lstrip("/") or "postgres",
                host=parsed.hostname or "127.0.0.1",
                port=parsed.port or 5432,
                user=unquote(parsed.username or os.environ.get("USER", "postgres")),
                password=unquote(parsed.password or ""),
                schema=schema,
                pool_size=2,
                max_overflow=4,
            )
            with self.datastore.transaction(commit=create) as curs:
                if create:
                    curs.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
                curs.execute("SELECT to_regclass(%s) AS found", (f'"{schema}".stored_events',))
                exists = curs.fetchone()["found"] is not None
        except Exception as error:
            msg = f"cannot reach PostgreSQL at {self.location.display}: {error}"
            raise StoreError(msg) from None
        self.schema = schema
        self.prefix = f'"{schema}".'
        self.recorder = _recorder_class()(self.datastore)
        if create:
            self.recorder.create_table()
        elif not exists:
            raise NoStore(self.no_store(self.location))
        else:
            self.datastore.register_type_adapters()

    def stream_param(self, stream: uuid.UUID) -> Any:
        return stream  # a uuid column

    def has_table(self, name: str) -> bool:
        found = self.rows("SELECT to_regclass(?) AS found", (f"{self.prefix}{name}",))
        return found[0]["found"] is not None

    def engine(self) -> Engine:
        from sqlalchemy import create_engine

        parsed = urlparse(self.location.target)
        # SQLAlchemy maps the bare scheme to psycopg2, and knows no `schema` parameter.
        url = urlunparse(parsed._replace(scheme="postgresql+psycopg", query=""))
        return create_engine(url, pool_size=2, max_overflow=4)

    def dialect(self) -> Dialect:
        from sqlalchemy.dialects.postgresql import psycopg

        return psycopg.dialect()  # type: ignore[no-untyped-call]

    def lock_tracking_sql(self) -> str:
        return " FOR UPDATE"

    @contextmanager
    def _session(self, *, write: bool, append: bool) -> Iterator[Session]:
        with self.datastore.get_connection() as connection, connection.transaction():
            cursor = connection.cursor()
            if append:
                cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}s'")
                cursor.execute(f"LOCK TABLE {self.events_table} IN EXCLUSIVE MODE")
            yield PostgresSession(self, cursor, write=write, append=append)

    def after_erasure(self) -> None:
        """Nothing: the deleted key's row stays in its page (and in the write-ahead
        log) until PostgreSQL reuses the space after a VACUUM; the key itself is
        unreadable without the master key, like in any backup."""
        return


BACKEND = PostgresBackend
