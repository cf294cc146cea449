"""A store in a PostgreSQL schema (`postgresql://user@host:5432/db?schema=pathways`).

psycopg is imported only here, on demand: it costs ~200 ms that SQLite users need
not pay.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import parse_qs, unquote, urlparse, urlunparse

from eventsourcing.persistence import StoredEvent

from pathways.backends.base import OUR_TABLES, Backend, Location, NoStore, our_rows
from pathways.domain.errors import StoreError

if TYPE_CHECKING:
    import uuid

    from sqlalchemy import Connection, Engine, Select, Table


def _recorder_class() -> type[Any]:
    """Built on demand, so that importing this module does not import psycopg."""
    from eventsourcing.postgres import PostgresApplicationRecorder
    from psycopg import Cursor
    from psycopg.rows import DictRow

    class PostgresRecorder(PostgresApplicationRecorder):
        """eventsourcing's PostgreSQL recorder, writing our index and keys in its transaction."""

        def __init__(self, datastore: Any, *, events_table_name: str = "stored_events") -> None:
            from psycopg.sql import SQL

            super().__init__(datastore, events_table_name=events_table_name)
            prefix = f'"{datastore.schema}".'
            self.sql_create_statements.extend(
                SQL(s.format(p=prefix, blob="BYTEA")).format() for s in OUR_TABLES
            )
            self._prefix = prefix

        def _insert_events(
            self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
        ) -> None:
            ids, keys, erase = our_rows(kwargs)
            if keys:
                curs.executemany(
                    f"INSERT INTO {self._prefix}pathways_keys VALUES (%s, %s)",
                    keys,
                )
            if erase:
                curs.executemany(
                    f"DELETE FROM {self._prefix}pathways_keys WHERE stream = %s",
                    erase,
                )
            if ids:
                curs.executemany(
                    f"INSERT INTO {self._prefix}pathways_event_ids VALUES (%s, %s)",
                    ids,
                )
            super()._insert_events(curs, stored_events, **kwargs)

    return PostgresRecorder


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

    def engines(self) -> tuple[Engine, Engine]:
        """One engine: a writer takes the lock with `SELECT ... FOR UPDATE`."""
        from sqlalchemy import create_engine

        parsed = urlparse(self.location.target)
        # SQLAlchemy maps the bare scheme to psycopg2, and knows no `schema` parameter.
        url = urlunparse(parsed._replace(scheme="postgresql+psycopg", query=""))
        engine = create_engine(url, pool_size=2, max_overflow=4)
        return engine, engine

    def insert(self, table: Table) -> Any:
        from sqlalchemy.dialects.postgresql import insert

        return insert(table)

    def lock_tracking(self, query: Select[Any]) -> Select[Any]:
        return query.with_for_update()

    def serialise_ddl(self, conn: Connection, name: str) -> None:
        """A transaction-scoped advisory lock (one per schema): two concurrent CREATE
        TABLE of one name fail on the catalogue's unique index."""
        from sqlalchemy import text

        conn.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:name))"),
            {"name": f"{name}:{self.schema}"},
        )

    def after_erasure(self) -> None:
        """Nothing: the deleted key's row stays in its page (and in the write-ahead
        log) until PostgreSQL reuses the space after a VACUUM; the key itself is
        unreadable without the master key, like in any backup."""
        return


BACKEND = PostgresBackend
