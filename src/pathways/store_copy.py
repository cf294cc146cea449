"""The two sides of a store's copy (`pathways.migrate`): a SQLite store read in one
snapshot, a PostgreSQL store's tables and column types, and rows encoded alike
on both sides, so that each side's checksum is computed from its own rows.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import struct
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pathways import codec
from pathways.backends.sqlite import sqlite_uri
from pathways.domain.errors import StoreError
from pathways.i18n import _
from pathways.store import Store

if TYPE_CHECKING:
    from pathways.backends.postgres import PostgresBackend

EVENTS = "stored_events"
#: Not copied: the schema's history (the target's own), the read models (rebuilt), and
#: the audit of reads: the target keeps its own (append-only: never replaced, its ids
#: its own); the office's stays in its file, which is archived (README).
SKIPPED = re.compile(r"pathways_schema|pathways_audit|pw\d*_.*|sqlite_.*")
#: Rows read from either side at a time.
PAGE = 10_000
EVENT_COLUMNS = ("originator_id", "originator_version", "topic", "state")


class MigrationError(StoreError):
    """A migration refused (a foreign target, a store of another kind) or a copy that
    does not verify."""


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]  # in the source's order
    types: tuple[str, ...]  # the target's PostgreSQL type of each (for COPY)

    @property
    def by_position(self) -> bool:
        return "position" in self.columns


class Source:
    """A SQLite store read in one read transaction (a snapshot of the whole copy)."""

    def __init__(self, store: Store) -> None:
        self.check(store)
        self.store = store
        self.connection = sqlite3.connect(sqlite_uri(store.location.target, "ro"), uri=True)
        self.connection.execute("BEGIN")  # every read below sees the same log

    @staticmethod
    def check(store: Store) -> None:
        """Refuse a store that is not a SQLite file (said before the target is opened)."""
        if store.backend.name != "sqlite":
            msg = _(
                "the store to copy must be a SQLite file (--db PATH); {where} is {what}"
            ).format(where=store.location.display, what=store.backend.description)
            raise MigrationError(msg)

    def close(self) -> None:
        self.connection.rollback()
        self.connection.close()

    def tables(self) -> dict[str, tuple[str, ...]]:
        names = [
            r[0]
            for r in self.connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        return {
            name: tuple(r[1] for r in self.connection.execute(f'PRAGMA table_info("{name}")'))
            for name in names
            if not SKIPPED.fullmatch(name)
        }

    def head(self) -> int:
        return int(self.connection.execute(f"SELECT MAX(rowid) FROM {EVENTS}").fetchone()[0] or 0)

    def count(self, table: str, upto: int | None = None) -> int:
        if upto is None:
            return int(self.connection.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0])
        sql = f"SELECT COUNT(*) FROM {EVENTS} WHERE rowid <= ?"
        return int(self.connection.execute(sql, (upto,)).fetchone()[0])

    def events(self, after: int, upto: int) -> Iterator[tuple[Any, ...]]:
        """(position, stream hex, version, topic, state) in position order."""
        return self._pages(
            f"SELECT rowid, {', '.join(EVENT_COLUMNS)} FROM {EVENTS} "
            "WHERE rowid > ? AND rowid <= ? ORDER BY rowid",
            (after, upto),
        )

    def event_at(self, position: int) -> tuple[Any, ...] | None:
        sql = f"SELECT rowid, {', '.join(EVENT_COLUMNS)} FROM {EVENTS} WHERE rowid = ?"
        found: tuple[Any, ...] | None = self.connection.execute(sql, (position,)).fetchone()
        return found

    def by_position(self, table: Table, after: int) -> Iterator[tuple[Any, ...]]:
        columns = ", ".join(f'"{c}"' for c in table.columns)
        return self._pages(
            f'SELECT {columns} FROM "{table.name}" WHERE position > ? ORDER BY position', (after,)
        )

    def rows(self, table: Table, where: str = "") -> Iterator[tuple[Any, ...]]:
        columns = ", ".join(f'"{c}"' for c in table.columns)
        return self._pages(f'SELECT {columns} FROM "{table.name}" {where}', ())

    def _pages(self, sql: str, params: Sequence[Any]) -> Iterator[tuple[Any, ...]]:
        cursor = self.connection.cursor()
        cursor.execute(sql, params)
        while page := cursor.fetchmany(PAGE):
            yield from page
        cursor.close()


class Target:
    """The PostgreSQL store: its tables read with a connection of its own."""

    def __init__(self, store: Store) -> None:
        import psycopg

        if store.backend.name != "postgresql":
            msg = (
                f"--to must name a PostgreSQL store (postgresql://…), not {store.location.display}"
            )
            raise MigrationError(msg)
        self.store = store
        self.schema = str(store.backend.schema)
        self.prefix = store.backend.prefix
        backend: PostgresBackend = store.backend  # type: ignore[assignment]
        self.connection = psycopg.connect(**backend.target.params)

    def close(self) -> None:
        self.connection.close()

    def types(self) -> dict[str, dict[str, str]]:
        """table: {column: PostgreSQL type}, of every table of the store's schema."""
        found: dict[str, dict[str, str]] = {}
        for table, column, udt in self.connection.execute(
            "SELECT table_name, column_name, udt_name FROM information_schema.columns "
            "WHERE table_schema = %s ORDER BY table_name, ordinal_position",
            (self.schema,),
        ):
            found.setdefault(table, {})[column] = udt
        self.connection.rollback()
        return found

    def head(self) -> int:
        found = self.store.backend.rows(
            f"SELECT MAX(notification_id) AS head FROM {self.prefix}{EVENTS}"
        )
        return int(found[0]["head"] or 0)

    def count(self, table: str) -> int:
        return self.store.backend.count(table)

    def events(self, after: int, upto: int) -> Iterator[tuple[Any, ...]]:
        return self._stream(
            f"SELECT notification_id, {', '.join(EVENT_COLUMNS)} FROM {self.prefix}{EVENTS} "
            "WHERE notification_id > %s AND notification_id <= %s ORDER BY notification_id",
            (after, upto),
        )

    def first(self) -> int:
        found = self.store.backend.rows(
            f"SELECT MIN(notification_id) AS n FROM {self.prefix}{EVENTS}"
        )
        return int(found[0]["n"] or 0)

    def event_at(self, position: int) -> tuple[Any, ...] | None:
        found = self.store.backend.rows(
            f"SELECT notification_id, {', '.join(EVENT_COLUMNS)} FROM {self.prefix}{EVENTS} "
            "WHERE notification_id = ?",
            (position,),
        )
        return tuple(found[0].values()) if found else None

    def rows(self, table: Table) -> Iterator[tuple[Any, ...]]:
        columns = ", ".join(f'"{c}"' for c in table.columns)
        return self._stream(f'SELECT {columns} FROM {self.prefix}"{table.name}"', ())

    def _stream(self, sql: str, params: Sequence[Any]) -> Iterator[tuple[Any, ...]]:
        """Rows through a server-side cursor, in its own read transaction."""
        with self.connection.transaction(), self.connection.cursor(name="migrate") as cursor:
            cursor.itersize = PAGE
            cursor.execute(sql, params)
            yield from cursor


# -- rows, as both sides give and compare them ------------------------------------------


class Peeking:
    """Rows in position order, taken a range at a time."""

    def __init__(self, rows: Iterator[tuple[Any, ...]]) -> None:
        self.rows = rows
        self.next: tuple[Any, ...] | None = next(rows, None)

    def take(self, column: int, upto: int) -> list[tuple[Any, ...]]:
        taken = []
        while self.next is not None and int(self.next[column]) <= upto:
            taken.append(self.next)
            self.next = next(self.rows, None)
        return taken


def event_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    position, stream, version, topic, state = row
    return (
        uuid.UUID(stream) if isinstance(stream, str) else stream,
        version,
        topic,
        codec.stored_bytes(state, position),
        position,
    )


def typed(row: tuple[Any, ...], table: Table) -> tuple[Any, ...]:
    """A source row as the target's COPY takes it."""
    return tuple(
        uuid.UUID(v)
        if kind == "uuid" and isinstance(v, str)
        else bytes(v)
        if kind == "bytea" and v is not None
        else v
        for v, kind in zip(row, table.types, strict=True)
    )


def normal(row: tuple[Any, ...] | None) -> tuple[Any, ...] | None:
    """A row as both sides compare it: uuids as hex, blobs as bytes."""
    if row is None:
        return None
    return tuple(
        v.hex
        if isinstance(v, uuid.UUID)
        else bytes(v)
        if isinstance(v, memoryview | bytearray)
        else v
        for v in row
    )


def encoded(row: tuple[Any, ...] | None) -> bytes:
    """A row's values, each tagged and length-prefixed (no two rows encode alike)."""
    parts = []
    for value in row or ():
        if value is None:
            parts.append(b"N")
        elif isinstance(value, bool | int):
            parts.append(b"I" + struct.pack(">q", int(value)))
        elif isinstance(value, float):
            parts.append(b"F" + struct.pack(">d", value))
        else:
            data = value.encode() if isinstance(value, str) else bytes(value)
            parts.append(
                (b"S" if isinstance(value, str) else b"B") + struct.pack(">I", len(data)) + data
            )
    return b"".join(parts)


def digest(rows: Iterator[tuple[Any, ...]], table: Table) -> int:
    """An order-free digest of a table's rows (the sum of their SHA-256s)."""
    total = 0
    for row in rows:
        total += int.from_bytes(hashlib.sha256(encoded(normal(row))).digest())
    return total % 2**256
