"""A store in a PostgreSQL schema (`postgresql://user@host:5432/db?schema=pathways`).

psycopg is imported only here, on demand: it costs ~200 ms that SQLite users need
not pay.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar

from pathways.backends import postgres_url
from pathways.backends.base import OUR_TABLES, Backend, Location, NoStore
from pathways.backends.session import EventRow, Session, driver_reason, privilege_denied
from pathways.domain.errors import StoreError, Unreachable
from pathways.i18n import _

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


#: Rows per `executemany` (psycopg runs one in pipeline mode: a batch is kept well under
#: what the socket buffers hold; one of ~20,000 events once hung both ends).
MANY = 500
#: Seconds a writing session waits for the append lock before it fails.
LOCK_TIMEOUT = 30


class PostgresSession(Session):
    """A transaction of a psycopg connection; one that may append takes the store's
    append lock first (an advisory lock: see `PostgresBackend._session`), which orders
    the appends and lets readers read."""

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        for start in range(0, len(rows), MANY):
            super().executemany(sql, rows[start : start + MANY])

    def tuples(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Sequence[Any]]:
        """A cursor of its own that gives tuples (the pool's give dicts, by name)."""
        from psycopg.rows import tuple_row

        cursor = self.cursor.connection.cursor(row_factory=tuple_row)
        cursor.execute(self.sql(sql), params)
        return iter(cursor)

    def insert_rows(self, table: str, types: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        _copy(self.cursor, f"{self.backend.prefix}{table}", types, rows)

    def insert_event_rows(self, stored: Iterable[EventRow]) -> list[int]:
        import psycopg
        from eventsourcing.persistence import IntegrityError

        try:
            positions = copy_events(self.cursor, self.backend.events_table, stored)
        except psycopg.errors.UniqueViolation as error:
            raise IntegrityError(error.diag.message_primary) from None
        if positions:
            self.cursor.execute("NOTIFY stored_events")  # for a worker that listens
        return positions

    def delete_keys(self, streams: Sequence[uuid.UUID]) -> None:
        self.execute(
            "DELETE FROM {p}pathways_keys WHERE stream = ANY(?)", ([s.hex for s in streams],)
        )


def copy_events(curs: Any, table: str, stored: Iterable[EventRow]) -> list[int]:
    """Append events to `table` with `COPY`, in the cursor's transaction, which must
    hold the store's append lock (no one else then takes a position until it ends);
    their positions, in order. A (stream, version) already stored raises
    psycopg's UniqueViolation.

    COPY streams the rows, whatever their number (eventsourcing's one pipelined
    `unnest` batch hung past ~20,000 events), and was the fastest way measured: about
    3 times chunked `unnest` inserts. `stored` may be made as it is read (the store
    encodes each event as it goes): the server then inserts the rows already sent
    while the client makes the next ones, on the other core, instead of after them."""
    curs.execute(f"SELECT COALESCE(MAX(notification_id), 0) AS head FROM {table}")
    head = _one(curs)["head"]
    columns = "(originator_id, originator_version, topic, state)"
    counted = _Counted(stored)
    _copy(curs, f"{table} {columns}", ("uuid", "int8", "text", "bytea"), counted)
    if not counted.count:
        return []
    # COPY takes the sequence's values row after row: the i-th row has the i-th
    # position above the head. They are one run, but for a gap (a sequence value taken
    # by a transaction that rolled back); a run is told by its ends, not read back row
    # by row (100,000 rows of an import were ~0.3 s of the client's time). Under the
    # lock every row above the head is ours: when the ends are count - 1 apart, our
    # rows fill the run. The ends alone are read through the index of positions,
    # whatever the planner's statistics; a COUNT of the rows above the head was a scan
    # of the whole log where they were stale (autovacuum off, or just after a large
    # import): ~30 ms of every `record` on a log of 100,000 events, growing with it.
    curs.execute(
        f"SELECT MIN(notification_id) AS first, MAX(notification_id) AS last"
        f" FROM {table} WHERE notification_id > %s",
        (head,),
    )
    found = _one(curs)
    first, last = found["first"], found["last"]
    if first is not None and int(last) - int(first) + 1 == counted.count:
        return list(range(int(first), int(last) + 1))
    curs.execute(
        f"SELECT notification_id FROM {table} WHERE notification_id > %s ORDER BY notification_id",
        (head,),
    )
    positions = [int(row["notification_id"]) for row in curs.fetchall()]
    if len(positions) != counted.count:  # pragma: no cover - the lock forbids it
        msg = _("appended {len} events but found {len2} new").format(
            len=counted.count, len2=len(positions)
        )
        raise StoreError(msg)
    return positions


class _Counted:
    """The rows of an iterable, counted as they are read."""

    def __init__(self, rows: Iterable[EventRow]) -> None:
        self.rows, self.count = rows, 0

    def __iter__(self) -> Iterator[EventRow]:
        for row in self.rows:
            self.count += 1
            yield row


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
    """A PostgreSQL schema; an advisory lock orders the appends."""

    name = "postgresql"
    schemes: ClassVar[tuple[str, ...]] = ("postgresql", "postgres", "postgresql+psycopg")
    placeholder: ClassVar[str] = "%s"
    position_column: ClassVar[str] = "notification_id"
    blob_type: ClassVar[str] = "BYTEA"
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
            return  # the tables are made with the rest of the store (`create_tables`)
        if not exists:
            raise NoStore(self.no_store(self.location))
        self.datastore.register_type_adapters()

    def check_there(self) -> None:
        self.target = postgres_url.parse(self.location.target)
        if not self._probe(create=False):
            raise NoStore(self.no_store(self.location))

    def create_tables(self, session: Session) -> None:
        """eventsourcing's composite types first, each in a transaction of its own (as
        its recorder makes them: there is no CREATE TYPE IF NOT EXISTS; types alone make
        no store), then the events table and ours in the session."""
        import contextlib

        from psycopg.errors import DuplicateObject

        recorder = self.recorder
        for statement in recorder.sql_create_statements:
            if "CREATE TYPE" in statement.as_string():
                with (
                    self.datastore.transaction(commit=True) as curs,
                    contextlib.suppress(DuplicateObject),
                ):
                    curs.execute(statement, prepare=False)
        self.datastore.register_type_adapters()
        recorder._create_table(session.cursor)

    def _probe(self, *, create: bool) -> bool:
        """Connect once, so that a failure says why (the pool would only time out);
        with `create`, make the schema. Whether the store's events table is there."""
        import psycopg

        schema = self.target.schema
        there = None
        try:
            with psycopg.connect(**self.target.params) as conn:  # commits on leaving
                # (only if it is not there: even IF NOT EXISTS needs the right to create
                # schemas in the database, which the owner of a schema made for it by
                # the database's admin need not have: docs/deployment.md)
                there = conn.execute(
                    "SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)
                ).fetchone()
                if create and there is None:
                    conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
                found = conn.execute(
                    "SELECT to_regclass(%s)", (f'"{schema}".stored_events',)
                ).fetchone()
        except psycopg.OperationalError as error:
            msg = _("cannot connect to PostgreSQL at {display}: {driver_reason}").format(
                display=self.location.display, driver_reason=driver_reason(error)
            )
            raise Unreachable(msg) from None
        except psycopg.Error as error:
            msg = _("PostgreSQL at {display} refused: {driver_reason}").format(
                display=self.location.display, driver_reason=driver_reason(error)
            )
            if privilege_denied(error) and create and there is None:
                msg += _(
                    " (creating the schema {schema}: a database administrator makes it first,"
                    " owned by the role that runs init or migrate: CREATE SCHEMA {schema}"
                    " AUTHORIZATION {role}; docs/deployment.md)"
                ).format(schema=schema, role=self.target.params.get("user") or "ROLE")
            raise StoreError(msg) from None
        return found is not None and found[0] is not None

    def stream_param(self, stream: uuid.UUID) -> Any:
        return stream  # a uuid column

    def _chunked(self, sql: str, values: Sequence[Any]) -> Iterable[Any]:
        """Rows of `sql` in one query, the values bound as one array (`= ANY`): a round
        trip per `IN` list of 500 cost about a second of a 100,000-event import.

        Texts (event ids, streams' hex) go as one text split by the server: psycopg
        writes a list parameter element by element in Python (~230 ms of the 101,606
        ids an import looks up, against ~50 ms joined), unless one holds a comma or
        is empty (which `string_to_array` would split or drop)."""
        if not values:
            return []
        if all(type(v) is str for v in values):  # (str only: not a subclass)
            joined = ",".join(values)
            if joined.count(",") == len(values) - 1 and "" not in values:
                any_of = "= ANY(string_to_array(?, ','))"
                return self.rows(sql.replace("IN ({marks})", any_of), (joined,))
        return self.rows(sql.replace("IN ({marks})", "= ANY(?)"), (list(values),))

    def has_table(self, name: str) -> bool:
        found = self.rows("SELECT to_regclass(?) AS found", (f"{self.prefix}{name}",))
        return found[0]["found"] is not None

    def engine(self) -> Engine:
        from sqlalchemy import create_engine

        # The connections of the events' (every libpq parameter of the URL), not a
        # URL of SQLAlchemy's reading, which knows no host lists.
        return create_engine(
            "postgresql+psycopg://",
            connect_args=dict(self.target.params),
            pool_size=2,
            max_overflow=4,
        )

    def dialect(self) -> Dialect:
        from sqlalchemy.dialects.postgresql import psycopg

        return psycopg.dialect()  # type: ignore[no-untyped-call]

    @property
    def _lock_name(self) -> str:
        return f"pathways:append:{self.schema}"

    def refusals(self) -> tuple[type[BaseException], ...]:
        import psycopg

        return (psycopg.OperationalError, psycopg.ProgrammingError)

    def lock_tracking_sql(self) -> str:
        return " FOR UPDATE"

    @contextmanager
    def _session(self, *, write: bool, append: bool) -> Iterator[Session]:
        with self.datastore.get_connection() as connection, connection.transaction():
            cursor = connection.cursor()
            if append:
                # One appender at a time per store, so that positions are given in the
                # order of the commits (a reader never passes a gap that a slower
                # transaction fills later). An advisory lock rather than eventsourcing's
                # LOCK TABLE ... EXCLUSIVE, which needs the UPDATE privilege on the
                # events: the offices' role may append, never alter (docs/deployment.md).
                cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}s'")
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (self._lock_name,))
            yield PostgresSession(self, cursor, write=write, append=append)

    def after_erasure(self, wait: float | None = None) -> bool:
        """Nothing: the deleted key's row stays in its page (and in the write-ahead
        log) until PostgreSQL reuses the space after a VACUUM; the key itself is
        unreadable without the master key, like in any backup."""
        return True


BACKEND = PostgresBackend
