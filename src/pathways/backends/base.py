"""The backend port: what the store and the read models need of a database.

A backend opens (or creates) a store at a `Location` and gives `Session`s: one
transaction on one connection, in which the store reads what a batch needs,
appends its events with our own tables (the event-id index, the wrapped keys) and
the read models project them, all or nothing. A writing session holds the append
lock from its start (SQLite's `BEGIN IMMEDIATE`, PostgreSQL's advisory lock of the
store), so what a batch is checked against
cannot change before it commits, and log positions follow the commit order.

The SQL that the store runs on its own tables is written once here, in the
backend's placeholders and position column: a new backend overrides what
differs, in its own module (see `pathways.backends`). eventsourcing's recorder
still creates the events table (`pathways init`) and reads the log.
"""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from eventsourcing.persistence import Notification

from pathways import codec
from pathways.backends.session import Session
from pathways.domain.errors import StoreError
from pathways.i18n import _

if TYPE_CHECKING:
    from sqlalchemy import Dialect, Engine

#: The chain of tamper evidence (`pathways.chain`): a row per event, by position.
CHAIN_TABLE = (
    "CREATE TABLE IF NOT EXISTS {p}pathways_chain ("
    " position BIGINT PRIMARY KEY, event_id TEXT NOT NULL, stream TEXT NOT NULL,"
    " youth_hash {blob} NOT NULL, global_hash {blob} NOT NULL)",
)
#: Our tables beside eventsourcing's `stored_events`, in every backend
#: (`{p}`: the schema prefix, `{blob}`: the binary type).
OUR_TABLES = (
    "CREATE TABLE IF NOT EXISTS {p}pathways_event_ids ("
    " event_id TEXT PRIMARY KEY, stream TEXT NOT NULL, position BIGINT)",
    "CREATE TABLE IF NOT EXISTS {p}pathways_keys ("
    " stream TEXT PRIMARY KEY, wrapped {blob} NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {p}pathways_meta ( name TEXT PRIMARY KEY, value {blob} NOT NULL)",
    *CHAIN_TABLE,
)
#: Rows of an `IN (...)` list per query.
CHUNK = 500
#: A position above any real one (for "up to the head").
NO_LIMIT = 2**62


@dataclass(frozen=True)
class Location:
    backend: str  # the backend's name: "sqlite", "postgresql", "memory"
    display: str  # safe to print (no password)
    target: str  # file path, URL or name


class NoStore(StoreError):
    """No store exists where --db points (a mistyped path, or `pathways init` not run)."""


class Database(ABC):
    """A database that holds a store: where it is, opening it, its sessions, the
    read models' engine, what an erasure leaves. Subclasses (of `Backend`) set the
    class attributes and implement the abstract methods; `open` sets `datastore`
    and `recorder`."""

    name: ClassVar[str]
    #: URL schemes it opens (`scheme://...`, or `scheme:` alone); () for plain file paths
    schemes: ClassVar[tuple[str, ...]] = ()
    placeholder: ClassVar[str] = "?"
    #: the column of `stored_events` that holds the log position
    position_column: ClassVar[str] = "rowid"
    #: the type of binary columns in our tables
    blob_type: ClassVar[str] = "BLOB"

    def __init__(self, location: Location) -> None:
        self.location = location
        self.schema: str | None = None  # the SQL schema of every table, if not the default
        self.prefix = ""  # that schema, quoted, before a table name
        self.datastore: Any = None
        self.recorder: Any = None
        self.active: Session | None = None  # the session under way, if any
        #: whether the last session that failed failed before its commit was sent (it
        #: then stored nothing, for sure, even if the database can no longer be asked)
        self.rolled_back = False

    # where and what ---------------------------------------------------------------
    @classmethod
    @abstractmethod
    def locate(cls, value: str) -> Location:
        """The location named by a `--db` value of this backend."""

    @classmethod
    def no_store(cls, location: Location) -> str:
        """The message for a location where no store exists (yet)."""
        return _(
            "no store at {where}. Check the path (--db or $PATHWAYS_DB), "
            'or create a store there with `pathways --db "{where}" init`.'
        ).format(where=location.display)

    @property
    @abstractmethod
    def description(self) -> str:
        """What `pathways init` says it created ("a SQLite file readable by you only")."""

    @property
    def events_table(self) -> str:
        return f"{self.prefix}stored_events"

    # opening ----------------------------------------------------------------------
    def plainly_absent(self) -> bool:
        """Whether it is plain, without connecting, that no store is there (a missing
        file): said before anything else, a missing key included."""
        return False

    def check_there(self) -> None:
        """Raise what opening would say of a store that cannot be used here (a server that
        does not answer or refuses, no store at the URL), without opening it: said before
        a missing master key, which is no use where no store answers (a deployer whose
        key path and URL were both wrong chased the key first)."""
        if self.plainly_absent():
            raise NoStore(self.no_store(self.location))

    @abstractmethod
    def open(self, *, create: bool) -> None:
        """Set `datastore` and `recorder` (with `create`, where a store is to be made:
        `create_tables` makes its tables). Without it, raise NoStore where there is no
        store, StoreError where something else is."""

    @abstractmethod
    def create_tables(self, session: Session) -> None:
        """Make the events table and ours in this session: a new store's whole schema is
        made in one transaction (`migrations.create`), so that an interrupted `init` or
        `migrate` leaves no half-made store (it once left tables without a version,
        which every later command took for a store of version 1)."""

    def close(self) -> None:
        if self.datastore is not None:
            self.datastore.close()

    # sessions ---------------------------------------------------------------------
    @contextmanager
    def session(self, *, write: bool = True, append: bool = True) -> Iterator[Session]:
        """One transaction on one connection: committed if the block ends normally,
        rolled back if it raises. A writing session may write (SQLite takes its write
        lock at once); one that may `append` also holds the append lock from its start.
        Sessions do not nest: inside one, `session()` gives the same."""
        if self.active is not None:
            if write and not (self.active.write and (self.active.append or not append)):
                msg = _("a session cannot be widened: open the writing one first")
                raise StoreError(msg)
            yield self.active
            return
        session: Session | None = None
        committing = False
        try:
            with self._session(write=write, append=write and append) as session:
                self.active = session
                try:
                    yield session
                finally:
                    self.active = None
                committing = True  # leaving the block commits
        except BaseException:
            self.rolled_back = not committing
            for action in session.on_rollback if session is not None else ():
                action()
            raise
        for action in session.after_commit:
            action()

    @abstractmethod
    def _session(self, *, write: bool, append: bool) -> AbstractContextManager[Session]:
        """The backend's transaction (see `session`)."""

    # the read models --------------------------------------------------------------
    @abstractmethod
    def engine(self) -> Engine:
        """A SQLAlchemy engine on the store's own database, through which the read
        models are read (they are written in sessions, like the events)."""

    @abstractmethod
    def dialect(self) -> Dialect:
        """SQLAlchemy's dialect of the database (to compile the read models' DDL)."""

    def refusals(self) -> tuple[type[BaseException], ...]:
        """The driver's errors by which the database refuses a statement (a lock not
        granted in time, a permission, a missing table), as opposed to a bug."""
        return ()

    def lock_tracking_sql(self) -> str:
        """What a session adds to the SELECT of a read model's tracking row to hold it
        until commit (nothing where the writing session's BEGIN takes the lock)."""
        return ""

    # erasure ----------------------------------------------------------------------
    @abstractmethod
    def after_erasure(self, wait: float | None = None) -> bool:
        """Run after an erasure has committed, to remove what remains of the destroyed
        key's bytes in the database's files (its docstring says what it does), waiting
        up to `wait` seconds for what stands in the way; False if it is still pending."""

    def erasure_pending(self) -> bool:
        """Whether an erasure's bytes may remain in the database's files (see
        `after_erasure`)."""
        return False


class Backend(Database):
    """A database that holds a store (`Database`), and the SQL the store runs on its
    own tables, written once here: a backend overrides what differs."""

    # SQL on the store's tables: `?` and `{p}` become the placeholder and the prefix --
    def stream_param(self, stream: uuid.UUID) -> Any:
        """A stream id as `stored_events.originator_id` is bound."""
        return stream.hex

    def stream_value(self, value: Any) -> uuid.UUID:
        """A stream id as `stored_events.originator_id` is read back."""
        return uuid.UUID(value) if isinstance(value, str) else value

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Rows of a query: in the session under way, else in a read transaction."""
        if self.active is not None:
            return self.active.rows(sql, params)
        sql = sql.replace("{p}", self.prefix).replace("?", self.placeholder)
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall())

    def _chunked(self, sql: str, values: Sequence[Any]) -> Iterable[Any]:
        """Rows of `sql` (whose `IN ({marks})` takes the values), a chunk at a time."""
        for start in range(0, len(values), CHUNK):
            chunk = values[start : start + CHUNK]
            yield from self.rows(sql.format(marks=", ".join("?" * len(chunk))), chunk)

    @abstractmethod
    def has_table(self, name: str) -> bool:
        """Whether one of the store's tables exists (in its schema)."""

    def head(self) -> int:
        found = self.rows(f"SELECT MAX({self.position_column}) AS head FROM {self.events_table}")
        return int(found[0]["head"] or 0)

    def count(self, table: str = "stored_events", topic: str | None = None) -> int:
        sql = f"SELECT COUNT(*) AS n FROM {self.prefix}{table}"
        found = self.rows(f"{sql} WHERE topic = ?", (topic,)) if topic else self.rows(sql)
        return int(found[0]["n"])

    def meta(self, name: str) -> bytes | None:
        found = self.rows("SELECT value FROM {p}pathways_meta WHERE name = ?", (name,))
        return bytes(found[0]["value"]) if found else None

    def set_meta(self, name: str, value: bytes) -> bool:
        """Write a value once; False if another process wrote one first."""
        with self.session(append=False) as session:
            if session.rows("SELECT name FROM {p}pathways_meta WHERE name = ?", (name,)):
                return False
            session.execute("INSERT INTO {p}pathways_meta VALUES (?, ?)", (name, value))
        return True

    def stream_rows(self, streams: Sequence[uuid.UUID]) -> list[tuple[uuid.UUID, Any]]:
        """(stream, row with position, version, topic, state) of these streams, in
        version order within each."""
        sql = (
            f"SELECT originator_id AS stream, {self.position_column} AS position, "
            f"originator_version AS version, topic, state FROM {self.events_table} "
            "WHERE originator_id IN ({marks}) ORDER BY originator_id, originator_version"
        )
        params = [self.stream_param(s) for s in streams]
        return [(self.stream_value(r["stream"]), r) for r in self._chunked(sql, params)]

    def wrapped_keys(self, streams: Sequence[uuid.UUID]) -> dict[uuid.UUID, bytes]:
        sql = f"SELECT stream, wrapped FROM {self.prefix}pathways_keys WHERE stream IN ({{marks}})"
        by_hex = {s.hex: s for s in streams}  # (no UUID parsed per row)
        rows = self._chunked(sql, list(by_hex))
        return {by_hex[r["stream"]]: bytes(r["wrapped"]) for r in rows}

    def event_streams(self, event_ids: Sequence[str]) -> dict[uuid.UUID, uuid.UUID]:
        return {event: stream for event, (stream, _) in self.event_places(event_ids).items()}

    def all_event_streams(self) -> dict[uuid.UUID, uuid.UUID]:
        """The stream of every stored event, by the event's id."""
        rows = self.rows(f"SELECT event_id, stream FROM {self.prefix}pathways_event_ids")
        return {uuid.UUID(r["event_id"]): uuid.UUID(r["stream"]) for r in rows}

    def event_places(self, event_ids: Sequence[str]) -> dict[uuid.UUID, tuple[uuid.UUID, int]]:
        """Where each of these stored events is: its stream and its log position."""
        sql = (
            f"SELECT event_id, stream, position FROM {self.prefix}pathways_event_ids "
            "WHERE event_id IN ({marks})"
        )
        rows = self._chunked(sql, event_ids)
        return {
            uuid.UUID(r["event_id"]): (uuid.UUID(r["stream"]), int(r["position"])) for r in rows
        }

    def states(self, topics: Sequence[str], upto: int | None) -> list[tuple[int, str, bytes]]:
        """(position, topic, stored state) of every event of these topics, up to a
        position."""
        marks = ", ".join("?" * len(topics))
        column = self.position_column
        rows = self.rows(
            f"SELECT {column} AS position, topic, state FROM {self.events_table} "
            f"WHERE topic IN ({marks}) AND {column} <= ?",
            [*topics, upto if upto is not None else NO_LIMIT],
        )
        return [
            (int(r["position"]), r["topic"], codec.stored_bytes(r["state"], r["position"]))
            for r in rows
        ]

    def read_raw(self, after: int, limit: int, upto: int | None) -> list[tuple[int, str, bytes]]:
        column = self.position_column
        rows = self.rows(
            f"SELECT {column} AS position, topic, state FROM {self.events_table} "
            f"WHERE {column} > ? AND {column} <= ? ORDER BY {column} LIMIT ?",
            (after, upto if upto is not None else NO_LIMIT, limit),
        )
        return [
            (int(r["position"]), r["topic"], codec.stored_bytes(r["state"], r["position"]))
            for r in rows
        ]

    def notifications(self, after: int, limit: int, upto: int | None) -> Sequence[Notification]:
        found: Sequence[Notification] = self.recorder.select_notifications(
            start=after, limit=limit, stop=upto, inclusive_of_start=False
        )
        return found
