"""A store in a SQLite file (in WAL mode), readable by its owner only."""

from __future__ import annotations

import os
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

from eventsourcing.persistence import IntegrityError, PersistenceError
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore

from pathways.backends.base import OUR_TABLES, Backend, Location, NoStore
from pathways.backends.session import EventRow, Session
from pathways.domain.errors import StoreError, Unreachable
from pathways.i18n import N_, _

if TYPE_CHECKING:
    from sqlalchemy import Dialect, Engine
    from sqlalchemy.pool import Pool


def sqlite_uri(path: str, mode: str = "rw") -> str:
    """A SQLite URI that names exactly this file: its characters percent-encoded, so
    that neither SQLite nor SQLAlchemy reads `?`, `#` or `%41` in a file name as URL
    syntax. `mode=rw` never creates the file: only `pathways init` does."""
    return f"file:{quote(path)}?mode={mode}"


class SQLiteRecorder(SQLiteApplicationRecorder):
    """eventsourcing's SQLite recorder: it creates the events table and our tables
    (`pathways init`) and reads the log; appends go through a `SQLiteSession`."""

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            *(s.format(p="", blob="BLOB") for s in OUR_TABLES),
        ]


class SQLiteSession(Session):
    """A transaction of a SQLite connection; a writing one begins IMMEDIATE, taking the
    database's write lock at once (a deferred one could fail to upgrade its read)."""

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        try:
            super().executemany(sql, rows)
        except sqlite3.IntegrityError as error:  # as eventsourcing's recorders say it
            raise IntegrityError(error) from None

    def tuples(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Sequence[Any]]:
        """A cursor of its own that gives tuples (not the connection's `sqlite3.Row`s:
        a row object per youth costs more than the row)."""
        cursor = self.cursor.connection.cursor()
        cursor.row_factory = None
        cursor.execute(self.sql(sql), params)
        return iter(cursor)

    def insert_event_rows(self, rows: Iterable[EventRow]) -> list[int]:
        # One executemany instead of the library's execute per event (to read each
        # lastrowid): inside this write transaction SQLite gives each new row the
        # largest rowid + 1, so the positions are the last one and those before it.
        hexes: dict[uuid.UUID, str] = {}  # (a stream's hex made once, not per event)
        stored = []
        for stream, version, topic, state in rows:
            if isinstance(stream, uuid.UUID):
                shown = hexes.get(stream)
                if shown is None:
                    shown = hexes[stream] = stream.hex
                stored.append((shown, version, topic, state))
            else:
                stored.append((stream, version, topic, state))
        try:
            self.cursor.executemany("INSERT INTO stored_events VALUES (?, ?, ?, ?)", stored)
        except sqlite3.IntegrityError as error:
            raise IntegrityError(error) from None
        self.cursor.execute("SELECT last_insert_rowid()")
        last = int(self.cursor.fetchone()[0])
        return list(range(last - len(stored) + 1, last + 1))

    def delete_keys(self, streams: Sequence[uuid.UUID]) -> None:
        # Overwrite the deleted key's bytes instead of leaving them in a free page.
        self.cursor.execute("PRAGMA secure_delete = ON")
        super().delete_keys(streams)

    def update_keys(self, rows: Sequence[tuple[bytes, str]]) -> None:
        self.cursor.execute("PRAGMA secure_delete = ON")
        super().update_keys(rows)


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
        return _(
            "no store at {where}. Check the path (--db or $PATHWAYS_DB), "
            "or create a store there with `pathways --db {where} init`."
        ).format(where=location.display)

    @property
    def description(self) -> str:
        return _("a SQLite file readable by you only")

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
            msg = _(
                "{path} is a folder: --db names the store's file (e.g. {path}/pathways.sqlite3)"
            ).format(path=path)
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
        if self.erasure_pending() and not self.after_erasure(wait=0.2):
            import warnings

            warnings.warn(_(PENDING_MESSAGE).format(path=path), ErasurePending, stacklevel=2)
        try:
            found = self.rows(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'stored_events'"
            )
            why = "it holds no event log"
            if not found and not self.rows("SELECT name FROM sqlite_master"):
                # not a single table: what an `init` interrupted while it made the
                # store's tables leaves (one transaction): no store, `init` makes one
                raise NoStore(self.no_store(self.location))
        except (sqlite3.DatabaseError, PersistenceError):
            found, why = [], "it is not a SQLite database"
        if not found:
            msg = _(
                "{path} is not a pathways store ({why}). Check the path, or "
                "create a store elsewhere with `pathways --db PATH init`."
            ).format(path=path, why=why)
            raise StoreError(msg)

    def _open_datastore(self, *, create: bool) -> None:
        """The datastore and recorder (with `create`, the tables are made with the
        rest of the store: `create_tables`)."""
        self.datastore = self._datastore()
        self.recorder = SQLiteRecorder(self.datastore)

    def create_tables(self, session: Session) -> None:
        self.recorder._create_table(session.cursor)

    def _datastore(self) -> SQLiteDatastore:
        return SQLiteDatastore(self.uri, lock_timeout=LOCK_TIMEOUT)

    @contextmanager
    def _session(self, *, write: bool, append: bool) -> Iterator[Session]:
        with self.datastore.get_connection(commit=write) as connection:
            raw = connection._sqlite_conn  # autocommit: the transaction is ours to begin
            cursor = raw.cursor()
            try:
                cursor.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            except sqlite3.OperationalError as error:
                raise _busy(error, self.location) from None
            try:
                yield SQLiteSession(self, cursor, write=write, append=append)
            except BaseException:
                raw.rollback()
                raise
            else:
                if write:
                    raw.commit()
                else:
                    raw.rollback()
            finally:
                cursor.close()

    def _connect(self, timeout: int) -> Callable[[], sqlite3.Connection]:
        uri = self.uri
        return lambda: sqlite3.connect(uri, uri=True, timeout=timeout, check_same_thread=False)

    def _pool(self, creator: Callable[[], Any]) -> Pool:
        from sqlalchemy.pool import QueuePool

        return QueuePool(creator)

    def refusals(self) -> tuple[type[BaseException], ...]:
        return (sqlite3.OperationalError,)

    def has_table(self, name: str) -> bool:
        found = self.rows(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        )
        return bool(found)

    def engine(self) -> Engine:
        from sqlalchemy import create_engine

        # A creator, not a sqlite:/// URL: SQLAlchemy would read `?` and `%41` in the
        # file name as URL syntax and open another file than the events'.
        return create_engine("sqlite://", pool=self._pool(self._connect(LOCK_TIMEOUT)))

    def dialect(self) -> Dialect:
        from sqlalchemy.dialects import sqlite

        return sqlite.dialect()

    @property
    def pending_file(self) -> Path:
        """Beside the store while an erasure's bytes may remain in its write-ahead log."""
        return Path(self.location.target + PENDING_SUFFIX)

    def erasure_pending(self) -> bool:
        return self.pending_file.exists()

    def after_erasure(self, wait: float | None = None) -> bool:
        """Copy the write-ahead log into the database and empty it, so that the old
        page holding a destroyed key does not linger in the -wal file (the deletion
        itself ran with `secure_delete`, which overwrites the freed bytes).

        A connection reading an older snapshot keeps the log from being emptied:
        SQLite then answers the checkpoint "busy". It is tried again for `wait`
        seconds (`ERASURE_WAIT`); if readers remain, the erasure is *pending*: a file
        beside the store says so, every later opening of the store tries again, and
        `pathways erase --finish` waits for it. False while it is pending."""
        done = self._checkpoint(ERASURE_WAIT if wait is None else wait)
        if done:
            self.pending_file.unlink(missing_ok=True)
        elif not self.pending_file.exists():
            os.close(os.open(self.pending_file, os.O_WRONLY | os.O_CREAT, 0o600))
        return done

    def _checkpoint(self, wait: float) -> bool:
        """PRAGMA wal_checkpoint(TRUNCATE) until it is complete (busy = 0), or `wait`."""
        deadline = time.monotonic() + wait
        connection = sqlite3.connect(self.uri, uri=True, timeout=min(max(wait, 0.01), 1.0))
        try:
            while True:
                try:
                    busy, _, _ = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                except sqlite3.OperationalError:  # locked by a writer past the timeout
                    busy = 1
                if busy == 0:
                    return True
                if time.monotonic() >= deadline:
                    return False
                time.sleep(0.05)
        finally:
            connection.close()


#: Seconds a write waits for another's lock before it fails (SQLite's busy timeout).
LOCK_TIMEOUT = 30
#: Seconds an erasure waits for the readers that keep its write-ahead log from emptying.
ERASURE_WAIT = 10.0
PENDING_SUFFIX = ".erasure-pending"
PENDING_MESSAGE = N_(
    "an erasure is pending: another connection has been reading {path} since before it, "
    "so the destroyed key's bytes may remain in its write-ahead log; it is finished by "
    "the next command once that reader ends, or by `pathways erase --finish`"
)


class ErasurePending(UserWarning):
    """An erasure whose key's bytes may remain in the write-ahead log (see above)."""


def _busy(error: sqlite3.OperationalError, location: Location) -> Exception:
    """A lock that did not come in time, said plainly; other failures as they are."""
    if "locked" in str(error) or "busy" in str(error):
        msg = _(
            "the store {display} is busy: another command has held it for "
            "{LOCK_TIMEOUT} s (a long import or rebuild?); try again when it has "
            "finished"
        ).format(display=location.display, LOCK_TIMEOUT=LOCK_TIMEOUT)
        return Unreachable(msg)
    return error


BACKEND = SQLiteBackend
