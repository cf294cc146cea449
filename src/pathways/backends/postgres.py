"""A store in a PostgreSQL schema (`postgresql://user@host:5432/db?schema=pathways`).

psycopg is imported only here, on demand: it costs ~200 ms that SQLite users need
not pay.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from eventsourcing.persistence import StoredEvent

from pathways.backends import postgres_url
from pathways.backends.base import (
    OUR_TABLES,
    Backend,
    Location,
    NoStore,
    driver_reason,
    our_rows,
)
from pathways.domain.errors import StoreError

if TYPE_CHECKING:
    import uuid

    from sqlalchemy import Connection, Engine, Select, Table


def _recorder_class() -> type[Any]:
    """Built on demand, so that importing this module does not import psycopg."""
    from eventsourcing.persistence import InterfaceError, OperationalError
    from eventsourcing.postgres import PostgresApplicationRecorder
    from eventsourcing.utils import retry
    from psycopg import Cursor
    from psycopg.rows import DictRow

    class PostgresRecorder(PostgresApplicationRecorder):
        """eventsourcing's PostgreSQL recorder, writing our index and keys in its
        transaction, and the events with `COPY` instead of one pipelined statement.

        eventsourcing sends a batch as one `unnest` array in pipeline mode: past about
        20,000 events (~11 MB) the client and the server each wait for the other to
        read, forever, holding the table lock. `COPY` streams the rows in one
        transaction, whatever their number, and is the fastest way measured (~3.5
        times chunked `unnest` inserts)."""

        def __init__(self, datastore: Any, *, events_table_name: str = "stored_events") -> None:
            from psycopg.sql import SQL

            super().__init__(datastore, events_table_name=events_table_name)
            prefix = f'"{datastore.schema}".'
            self.sql_create_statements.extend(
                SQL(s.format(p=prefix, blob="BYTEA")).format() for s in OUR_TABLES
            )
            self._prefix = prefix

        @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
        def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> list[int]:
            with self.datastore.transaction(commit=True) as curs:
                return self._insert_events(curs, stored_events, **kwargs)

        def _insert_events(  # type: ignore[override]
            self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
        ) -> list[int]:
            """Append inside the cursor's transaction; the positions, in order (as
            eventsourcing's SQLite recorder gives them; its PostgreSQL one gives None
            here, and its `insert_events`, which calls this, is replaced above)."""
            # The table lock orders the appends: until this transaction ends, no one
            # else takes a position, so ours are the ones above the head.
            self._lock_table(curs)
            self._notify_channel(curs)
            ids, keys, erase = our_rows(kwargs)
            p = self._prefix
            _copy(curs, f"{p}pathways_keys (stream, wrapped)", ("text", "bytea"), keys)
            if erase:
                streams = [stream for (stream,) in erase]
                curs.execute(f"DELETE FROM {p}pathways_keys WHERE stream = ANY(%s)", (streams,))
            _copy(curs, f"{p}pathways_event_ids (event_id, stream)", ("text", "text"), ids)
            table = f"{p}{self.events_table_name}"
            return copy_events(curs, table, stored_events, self.datastore.originator_id_type)

    return PostgresRecorder


def copy_events(
    curs: Any, table: str, stored: Sequence[StoredEvent], id_type: str = "uuid"
) -> list[int]:
    """Append events to `table` with `COPY`, in the cursor's transaction, which must
    hold the table's EXCLUSIVE lock (no one else then takes a position until it
    ends); their positions, in order. A (stream, version) already stored raises
    psycopg's UniqueViolation (eventsourcing's datastore makes it its IntegrityError)."""
    if not stored:
        return []
    curs.execute(f"SELECT COALESCE(MAX(notification_id), 0) AS head FROM {table}")
    head = _one(curs)["head"]
    rows = ((s.originator_id, s.originator_version, s.topic, s.state) for s in stored)
    columns = "(originator_id, originator_version, topic, state)"
    _copy(curs, f"{table} {columns}", (id_type, "int8", "text", "bytea"), rows)
    # COPY takes the sequence's values row after row: the i-th row has the i-th
    # position above the head.
    curs.execute(
        f"SELECT notification_id FROM {table} WHERE notification_id > %s ORDER BY notification_id",
        (head,),
    )
    positions = [int(row["notification_id"]) for row in curs.fetchall()]
    if len(positions) != len(stored):  # pragma: no cover - the lock forbids it
        msg = f"appended {len(stored)} events but found {len(positions)} new"
        raise StoreError(msg)
    return positions


def _copy(curs: Any, target: str, types: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """`COPY target FROM STDIN` in binary, the rows streamed (nothing if there are none)."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return
    with curs.copy(f"COPY {target} FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(list(types))
        copy.write_row(first)
        for row in rows:
            copy.write_row(row)


def _one(curs: Any) -> Any:
    found = curs.fetchone()
    assert found is not None
    return found


class PostgresBackend(Backend):
    """A PostgreSQL schema; eventsourcing's table lock orders the appends."""

    name = "postgresql"
    schemes: ClassVar[tuple[str, ...]] = ("postgresql", "postgres", "postgresql+psycopg")
    placeholder: ClassVar[str] = "%s"
    position_column: ClassVar[str] = "notification_id"
    target: postgres_url.PostgresTarget  # what the URL names (set by `open`)

    @classmethod
    def locate(cls, value: str) -> Location:
        return Location(cls.name, postgres_url.display(value), value)

    @property
    def description(self) -> str:
        return "PostgreSQL"

    def open(self, *, create: bool) -> None:
        from eventsourcing.postgres import PostgresDatastore
        from psycopg.rows import dict_row

        self.target = postgres_url.parse(self.location.target)
        schema = self.target.schema
        exists = self._probe(create=create)
        self.datastore = PostgresDatastore(
            dbname="",
            host="",
            port="",
            user="",
            password="",
            schema=schema,
            pool_size=2,
            max_overflow=4,
        )
        # eventsourcing makes its pool's connections from five of libpq's parameters:
        # give them all of the URL's (sslmode, application_name, host lists...).
        self.datastore.pool.kwargs = {**self.target.params, "row_factory": dict_row}
        self.schema = schema
        self.prefix = f'"{schema}".'
        self.recorder = _recorder_class()(self.datastore)
        if create:
            self.recorder.create_table()
        elif not exists:
            raise NoStore(self.no_store(self.location))
        else:
            self.datastore.register_type_adapters()

    def _probe(self, *, create: bool) -> bool:
        """Connect once, so that a failure says why (the pool would only time out);
        with `create`, make the schema. Whether the store's events table is there."""
        import psycopg

        schema = self.target.schema
        try:
            with psycopg.connect(**self.target.params) as conn:  # commits on leaving
                if create:
                    conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
                found = conn.execute(
                    "SELECT to_regclass(%s)", (f'"{schema}".stored_events',)
                ).fetchone()
        except psycopg.OperationalError as error:
            msg = f"cannot connect to PostgreSQL at {self.location.display}: {driver_reason(error)}"
            raise StoreError(msg) from None
        except psycopg.Error as error:
            msg = f"PostgreSQL at {self.location.display} refused: {driver_reason(error)}"
            raise StoreError(msg) from None
        return found is not None and found[0] is not None

    def stream_param(self, stream: uuid.UUID) -> Any:
        return stream  # a uuid column

    def engines(self) -> tuple[Engine, Engine]:
        """One engine: a writer takes the lock with `SELECT ... FOR UPDATE`."""
        from sqlalchemy import create_engine

        # The connections of the events' (every libpq parameter of the URL), not a
        # URL of SQLAlchemy's reading, which knows no host lists.
        engine = create_engine(
            "postgresql+psycopg://",
            connect_args=dict(self.target.params),
            pool_size=2,
            max_overflow=4,
        )
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
