"""A `Session`: one transaction on one connection of a store, as the backend port
(`pathways.backends.base`) gives it; and a driver's own reason for a failure.

Its SQL is written once, with `?` parameters and `{p}` before our table names; a
backend's own session (`sqlite.py`, `postgres.py`) inserts the events its way.
"""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import StoredEvent

if TYPE_CHECKING:
    from pathways.backends.base import Backend

#: An event to insert: (stream, version, topic, state), as `StoredEvent`'s fields.
EventRow = tuple[uuid.UUID | str, int, str, bytes]


def driver_reason(error: BaseException) -> str:
    """A database driver's own one-line reason for a failure, without the SQL, the
    bound parameters or the detail lines that may quote rows (data).

    SQLAlchemy wraps the driver's error (`orig`) and adds the SQL and its parameters
    to the text; eventsourcing raises its own with the driver's as the cause.
    PostgreSQL's errors keep their primary message apart (`diag.message_primary`);
    libpq's connection errors have none, and their first line is the reason."""
    error = _innermost(error)
    primary = getattr(getattr(error, "diag", None), "message_primary", None)
    text = primary if isinstance(primary, str) and primary else str(error)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def privilege_denied(error: BaseException) -> bool:
    """Whether the database refused the role of the connection a privilege (PostgreSQL's
    `insufficient_privilege`, 42501: a table, a schema, or creating one)."""
    return getattr(_innermost(error), "sqlstate", None) == "42501"


def _innermost(error: BaseException) -> BaseException:
    """The driver's own error, under the wrappers of SQLAlchemy (`orig`) and eventsourcing
    (the cause)."""
    seen: set[int] = set()
    while id(error) not in seen:
        seen.add(id(error))
        inner = getattr(error, "orig", None) or error.__cause__
        if not isinstance(inner, BaseException):
            break
        error = inner
    return error


class Session(ABC):
    """One transaction on one connection of a store (`Backend.session`).

    Its SQL uses `?` for parameters and `{p}` before our table names (the schema
    prefix); `rows` gives mappings by column name."""

    def __init__(self, backend: Backend, cursor: Any, *, write: bool, append: bool) -> None:
        self.backend = backend
        self.cursor = cursor
        self.write = write
        self.append = append
        #: run after the commit (what must not happen if the session rolls back)
        self.after_commit: list[Callable[[], None]] = []
        #: run if it rolls back (to forget what the program remembered of its writes)
        self.on_rollback: list[Callable[[], None]] = []
        #: why the last savepoint was rolled back, if one was
        self.refused: str | None = None

    def sql(self, text: str) -> str:
        return text.replace("{p}", self.backend.prefix).replace("?", self.backend.placeholder)

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        self.cursor.execute(self.sql(sql), params)
        return list(self.cursor.fetchall())

    def tuples(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Sequence[Any]]:
        """Rows of a query as plain sequences (by position, not by name), read as they
        are iterated: what a read model's query over every youth reads (`views`)."""
        self.cursor.execute(self.sql(sql), params)
        return iter(self.cursor)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.cursor.execute(self.sql(sql), params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self.cursor.executemany(self.sql(sql), rows)

    def insert_rows(self, table: str, types: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """Insert rows into one of our tables (`types`: their PostgreSQL types, for a
        backend that copies them in), read once, as they come."""
        marks = ", ".join("?" * len(types))
        given = rows if isinstance(rows, Sequence) else list(rows)
        self.executemany(f"INSERT INTO {{p}}{table} VALUES ({marks})", given)

    @contextmanager
    def savepoint(self, name: str) -> Iterator[None]:
        """A part of the session that may fail alone: if the database refuses it (a lock
        not granted in time, a table it may not write), it is rolled back, `refused`
        says why, and the rest of the session goes on. A bug (any other exception) is
        not caught."""
        self.execute(f"SAVEPOINT {name}")
        try:
            yield
        except self.backend.refusals() as error:
            self.execute(f"ROLLBACK TO SAVEPOINT {name}")
            self.refused = driver_reason(error)
            return
        self.execute(f"RELEASE SAVEPOINT {name}")

    def insert_events(self, stored: Sequence[StoredEvent]) -> list[int]:
        """Insert events in this order; their log positions. A (stream, version) already
        stored raises eventsourcing's IntegrityError (the session then rolls back)."""
        return self.insert_event_rows(
            [(s.originator_id, s.originator_version, s.topic, s.state) for s in stored]
        )

    @abstractmethod
    def insert_event_rows(self, rows: Iterable[EventRow]) -> list[int]:
        """`insert_events` of (stream, version, topic, state) rows (what the store
        appends: no StoredEvent made per event), read once, as they come: the store
        makes each row as it is inserted."""

    def update_keys(self, rows: Sequence[tuple[bytes, str]]) -> None:
        """Replace wrapped keys ((wrapped, stream hex) rows: a master-key rotation); a
        backend that can overwrite the old bytes says so first."""
        self.executemany("UPDATE {p}pathways_keys SET wrapped = ? WHERE stream = ?", rows)

    def delete_keys(self, streams: Sequence[uuid.UUID]) -> None:
        """Destroy wrapped keys (crypto-shredding); a backend that can overwrite the freed
        bytes says so first (SQLite's `secure_delete`)."""
        self.executemany(
            "DELETE FROM {p}pathways_keys WHERE stream = ?", [(s.hex,) for s in streams]
        )
