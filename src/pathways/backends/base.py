"""The backend port: what the store and the read models need of a database.

A backend opens (or creates) a store at a `Location`, gives eventsourcing's
recorder, writing our tables in its transaction, and the SQLAlchemy engines of
the read models; it says how to lock the tracking row and what happens after an
erasure. The SQL that the store runs on its own tables is written once here, in
the backend's placeholders and position column: a new backend overrides what
differs, in its own module (see `pathways.backends`).
"""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from eventsourcing.persistence import IntegrityError, Notification, StoredEvent

from pathways.domain.errors import StoreError

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine, Select, Table

#: Our tables beside eventsourcing's `stored_events`, in every backend
#: (`{p}`: the schema prefix, `{blob}`: the binary type).
OUR_TABLES = (
    "CREATE TABLE IF NOT EXISTS {p}pathways_event_ids ("
    " event_id TEXT PRIMARY KEY, stream TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {p}pathways_keys ("
    " stream TEXT PRIMARY KEY, wrapped {blob} NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {p}pathways_meta ( name TEXT PRIMARY KEY, value {blob} NOT NULL)",
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


def driver_reason(error: BaseException) -> str:
    """A database driver's own one-line reason for a failure, without the SQL, the
    bound parameters or the detail lines that may quote rows (data).

    SQLAlchemy wraps the driver's error (`orig`) and adds the SQL and its parameters
    to the text; eventsourcing raises its own with the driver's as the cause.
    PostgreSQL's errors keep their primary message apart (`diag.message_primary`);
    libpq's connection errors have none, and their first line is the reason."""
    seen: set[int] = set()
    while id(error) not in seen:
        seen.add(id(error))
        inner = getattr(error, "orig", None) or error.__cause__
        if not isinstance(inner, BaseException):
            break
        error = inner
    primary = getattr(getattr(error, "diag", None), "message_primary", None)
    text = primary if isinstance(primary, str) and primary else str(error)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


class NoStore(StoreError):
    """No store exists where --db points (a mistyped path, or `pathways init` not run)."""


def our_rows(
    kwargs: Mapping[str, Any],
) -> tuple[list[tuple[str, str]], list[tuple[str, bytes]], list[tuple[str]]]:
    """The rows a recorder writes in our tables with the events of one append:
    (event id, stream), new (stream, wrapped key), streams whose key is destroyed."""
    ids = [(str(e), s.hex) for e, s in kwargs.get("event_ids", ())]
    keys = [(s.hex, w) for s, w in kwargs.get("new_keys", ())]
    erase = [(s.hex,) for s in kwargs.get("erase_keys", ())]
    return ids, keys, erase


class Backend(ABC):
    """A database that holds a store. Subclasses set the class attributes and
    implement the abstract methods; `open` sets `datastore` and `recorder`."""

    name: ClassVar[str]
    #: URL schemes it opens (`scheme://...`, or `scheme:` alone); () for plain file paths
    schemes: ClassVar[tuple[str, ...]] = ()
    placeholder: ClassVar[str] = "?"
    #: the column of `stored_events` that holds the log position
    position_column: ClassVar[str] = "rowid"

    def __init__(self, location: Location) -> None:
        self.location = location
        self.schema: str | None = None  # the SQL schema of every table, if not the default
        self.prefix = ""  # that schema, quoted, before a table name
        self.datastore: Any = None
        self.recorder: Any = None

    # where and what ---------------------------------------------------------------
    @classmethod
    @abstractmethod
    def locate(cls, value: str) -> Location:
        """The location named by a `--db` value of this backend."""

    @classmethod
    def no_store(cls, location: Location) -> str:
        """The message for a location where no store exists (yet)."""
        return (
            f"no store at {location.display}. Check the path (--db or $PATHWAYS_DB), "
            f"or create a store there with `pathways init --db URL`."
        )

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

    @abstractmethod
    def open(self, *, create: bool) -> None:
        """Set `datastore` and `recorder`; with `create`, make the store's tables first.
        Without it, raise NoStore where there is no store, StoreError where something
        else is."""

    def close(self) -> None:
        if self.datastore is not None:
            self.datastore.close()

    # the read models --------------------------------------------------------------
    @abstractmethod
    def engines(self) -> tuple[Engine, Engine]:
        """A reading and a writing SQLAlchemy engine on the store's own database. A
        transaction of the writer holds the read models' write lock from its start,
        or `lock_tracking` takes it."""

    @abstractmethod
    def insert(self, table: Table) -> Any:
        """An INSERT of the backend's dialect (it has `on_conflict_do_nothing`)."""

    def lock_tracking(self, query: Select[Any]) -> Select[Any]:
        """The SELECT of the tracking row, made to hold the write lock until commit
        (nothing to add where the writer's BEGIN takes it)."""
        return query

    def serialise_ddl(self, conn: Connection, name: str) -> None:
        """Make concurrent creations of the read models' tables wait for each other
        (nothing to do where the writer's BEGIN takes the lock)."""
        return

    # erasure ----------------------------------------------------------------------
    @abstractmethod
    def after_erasure(self) -> None:
        """Run after an erasure has committed, to remove what remains of the destroyed
        key's bytes in the database's files (its docstring says what it does)."""

    # SQL on the store's tables: `?` and `{p}` become the placeholder and the prefix --
    def stream_param(self, stream: uuid.UUID) -> Any:
        """A stream id as `stored_events.originator_id` is bound."""
        return stream.hex

    def stream_value(self, value: Any) -> uuid.UUID:
        """A stream id as `stored_events.originator_id` is read back."""
        return uuid.UUID(value) if isinstance(value, str) else value

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        sql = sql.replace("{p}", self.prefix).replace("?", self.placeholder)
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall())

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """One statement in its own committed transaction."""
        sql = sql.replace("{p}", self.prefix).replace("?", self.placeholder)
        with self.datastore.transaction(commit=True) as cursor:
            cursor.execute(sql, params)

    def _chunked(self, sql: str, values: Sequence[Any]) -> Iterable[Any]:
        """Rows of `sql` (whose `IN ({marks})` takes the values), a chunk at a time."""
        for start in range(0, len(values), CHUNK):
            chunk = values[start : start + CHUNK]
            yield from self.rows(sql.format(marks=", ".join("?" * len(chunk))), chunk)

    def head(self) -> int:
        return int(self.recorder.max_notification_id() or 0)

    def count(self, table: str = "stored_events", topic: str | None = None) -> int:
        sql = f"SELECT COUNT(*) AS n FROM {self.prefix}{table}"
        found = self.rows(f"{sql} WHERE topic = ?", (topic,)) if topic else self.rows(sql)
        return int(found[0]["n"])

    def meta(self, name: str) -> bytes | None:
        found = self.rows("SELECT value FROM {p}pathways_meta WHERE name = ?", (name,))
        return bytes(found[0]["value"]) if found else None

    def set_meta(self, name: str, value: bytes) -> bool:
        """Write a value once; False if another process wrote one first."""
        try:
            self.execute("INSERT INTO {p}pathways_meta VALUES (?, ?)", (name, value))
        except IntegrityError:
            return False
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
        rows = self._chunked(sql, [s.hex for s in streams])
        return {uuid.UUID(r["stream"]): bytes(r["wrapped"]) for r in rows}

    def event_streams(self, event_ids: Sequence[str]) -> dict[uuid.UUID, uuid.UUID]:
        sql = (
            f"SELECT event_id, stream FROM {self.prefix}pathways_event_ids "
            "WHERE event_id IN ({marks})"
        )
        rows = self._chunked(sql, event_ids)
        return {uuid.UUID(r["event_id"]): uuid.UUID(r["stream"]) for r in rows}

    def states(self, topics: Sequence[str], upto: int | None) -> list[bytes]:
        marks = ", ".join("?" * len(topics))
        rows = self.rows(
            f"SELECT state FROM {self.events_table} WHERE topic IN ({marks}) "
            f"AND {self.position_column} <= ?",
            [*topics, upto if upto is not None else NO_LIMIT],
        )
        return [bytes(row["state"]) for row in rows]

    def read_raw(self, after: int, limit: int, upto: int | None) -> list[tuple[int, str, bytes]]:
        column = self.position_column
        rows = self.rows(
            f"SELECT {column} AS position, topic, state FROM {self.events_table} "
            f"WHERE {column} > ? AND {column} <= ? ORDER BY {column} LIMIT ?",
            (after, upto if upto is not None else NO_LIMIT, limit),
        )
        return [(int(r["position"]), r["topic"], bytes(r["state"])) for r in rows]

    def notifications(self, after: int, limit: int, upto: int | None) -> Sequence[Notification]:
        found: Sequence[Notification] = self.recorder.select_notifications(
            start=after, limit=limit, stop=upto, inclusive_of_start=False
        )
        return found

    def insert_events(self, stored: Sequence[StoredEvent], **ours: Any) -> list[int]:
        """Append in one transaction, with our rows (`our_rows`), whatever their number;
        the events' positions, in order; eventsourcing's IntegrityError on a version
        conflict, and then nothing is stored."""
        return list(self.recorder.insert_events(stored, **ours) or [])

    @contextmanager
    def appending(self) -> Iterator[Callable[..., list[int]]]:
        """Successive appends in one transaction: `insert(stored, **ours)` takes what
        `insert_events` takes and gives those events' positions; everything commits
        at the end of the block, or nothing if it raises (a conflict in any chunk is
        eventsourcing's IntegrityError). The writers' lock is held from the first
        insert to the end: keep the block to the writing."""
        with self.datastore.transaction(commit=True) as cursor:

            def insert(stored: Sequence[StoredEvent], **ours: Any) -> list[int]:
                # Each backend's recorder writes one batch in a given transaction.
                return list(self.recorder._insert_events(cursor, stored, **ours) or [])

            yield insert
