"""A store in a SQLite file (in WAL mode), readable by its owner only."""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

from eventsourcing.persistence import PersistenceError, StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteDatastore

from pathways.backends.base import OUR_TABLES, Backend, Location, NoStore, our_rows
from pathways.domain.errors import StoreError

if TYPE_CHECKING:
    from sqlalchemy import Engine, Table
    from sqlalchemy.pool import Pool


def sqlite_uri(path: str, mode: str = "rw") -> str:
    """A SQLite URI that names exactly this file: its characters percent-encoded, so
    that neither SQLite nor SQLAlchemy reads `?`, `#` or `%41` in a file name as URL
    syntax. `mode=rw` never creates the file: only `pathways init` does."""
    return f"file:{quote(path)}?mode={mode}"


class SQLiteRecorder(SQLiteApplicationRecorder):
    """eventsourcing's SQLite recorder, writing our index and keys in its transaction."""

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            *(s.format(p="", blob="BLOB") for s in OUR_TABLES),
        ]

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids, keys, erase = our_rows(kwargs)
        if keys:
            c.executemany("INSERT INTO pathways_keys VALUES (?, ?)", keys)
        if erase:
            # Overwrite the deleted key's bytes instead of leaving them in a free page.
            c.execute("PRAGMA secure_delete = ON")
            c.executemany("DELETE FROM pathways_keys WHERE stream = ?", erase)
        # One executemany instead of the library's execute per event (to read each
        # lastrowid): inside this write transaction SQLite gives each new row the
        # largest rowid + 1, so the positions are the last one and those before it.
        rows = [
            (
                s.originator_id.hex if isinstance(s.originator_id, uuid.UUID) else s.originator_id,
                s.originator_version,
                s.topic,
                s.state,
            )
            for s in stored_events
        ]
        c.executemany(self.insert_events_statement, rows)
        c.execute("SELECT last_insert_rowid()")
        last = int(c.fetchone()[0])
        positions = list(range(last - len(rows) + 1, last + 1))
        if ids:
            c.executemany("INSERT INTO pathways_event_ids VALUES (?, ?)", ids)
        return positions


class SQLiteBackend(Backend):
    """A SQLite file: the events, our tables and the read models in one file."""

    name = "sqlite"
    schemes: ClassVar[tuple[str, ...]] = ()  # a plain path

    @classmethod
    def locate(cls, value: str) -> Location:
        """A SQLite value is a file path, whatever characters it holds (`%41`, `?`,
        `#`): every part of the program opens that very file (see `sqlite_uri`)."""
        path = str(Path(value).expanduser().resolve())
        return Location(cls.name, path, path)

    @classmethod
    def no_store(cls, location: Location) -> str:
        return (
            f"no store at {location.display}. Check the path (--db or $PATHWAYS_DB), "
            f"or create a store there with `pathways init --db {location.display}`."
        )

    @property
    def description(self) -> str:
        return "a SQLite file readable by you only"

    @property
    def uri(self) -> str:
        """The URI every connection opens (the events' and the read models')."""
        return sqlite_uri(self.location.target)

    def plainly_absent(self) -> bool:
        path = Path(self.location.target)
        return not path.exists() or (path.is_file() and path.stat().st_size == 0)

    def open(self, *, create: bool) -> None:
        path = Path(self.location.target)
        if path.is_dir():
            msg = f"{path} is a folder: --db names the store's file (e.g. {path}/pathways.sqlite3)"
            raise StoreError(msg)
        empty = not path.exists() or path.stat().st_size == 0
        if create and empty:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Readable by its owner only, like the key; SQLite gives its -wal and -shm
            # files the mode of the database file.
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
            path.chmod(0o600)
        elif empty:
            raise NoStore(self.no_store(self.location))
        self._open_datastore(create=create)
        if create:
            return
        try:
            found = self.rows(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'stored_events'"
            )
            why = "it holds no event log"
        except (sqlite3.DatabaseError, PersistenceError):
            found, why = [], "it is not a SQLite database"
        if not found:
            msg = (
                f"{path} is not a pathways store ({why}). Check the path, "
                f"or create a store elsewhere with `pathways init --db PATH`."
            )
            raise StoreError(msg)

    def _open_datastore(self, *, create: bool) -> None:
        self.datastore = self._datastore()
        self.recorder = SQLiteRecorder(self.datastore)
        if create:
            self.recorder.create_table()

    def _datastore(self) -> SQLiteDatastore:
        return SQLiteDatastore(self.uri, lock_timeout=30)

    def _connect(self, timeout: int) -> Callable[[], sqlite3.Connection]:
        uri = self.uri
        return lambda: sqlite3.connect(uri, uri=True, timeout=timeout, check_same_thread=False)

    def _pool(self, creator: Callable[[], Any]) -> Pool:
        from sqlalchemy.pool import QueuePool

        return QueuePool(creator)

    def engines(self) -> tuple[Engine, Engine]:
        """Writes start with `BEGIN IMMEDIATE`: two catch-ups neither apply an event
        twice nor fail with SQLITE_BUSY."""
        from sqlalchemy import Connection, create_engine, event

        # A creator, not a sqlite:/// URL: SQLAlchemy would read `?` and `%41` in the
        # file name as URL syntax and open another file than the events'.
        reader = create_engine("sqlite://", pool=self._pool(self._connect(30)))
        writer = create_engine("sqlite://", pool=self._pool(self._connect(60)))

        @event.listens_for(writer, "connect")
        def _autocommit(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # let us say BEGIN ourselves

        @event.listens_for(writer, "begin")
        def _begin_immediate(connection: Connection) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return reader, writer

    def insert(self, table: Table) -> Any:
        from sqlalchemy.dialects.sqlite import insert

        return insert(table)

    def after_erasure(self) -> None:
        """Copy the write-ahead log into the database and empty it, so that the old
        page holding a destroyed key does not linger in the -wal file (the deletion
        itself ran with `secure_delete`, which overwrites the freed bytes)."""
        connection = sqlite3.connect(self.uri, uri=True, timeout=30)
        try:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            connection.close()


BACKEND = SQLiteBackend
