"""A store in memory, for tests and trials: `--db memory:` or `--db memory://NAME`.

It is SQLite in memory with a shared cache (`file:pathways-NAME-...?mode=memory&
cache=shared`), opened by eventsourcing's recorder and by the read models' engines
alike. Such a database lives while a connection to it is open: `pathways init`
(`create`) opens one that this module keeps until the process ends or `drop(NAME)`,
so that stores opened later *in the same process* find it; another process never
sees it (each `pathways` command is a process of its own). `memory:` is
`memory://default`.

SQLite's shared cache does not wait for a lock held by another connection: it fails
at once ("database table is locked"). So every transaction on one database, of the
recorder or of the engines, first takes that database's lock, in this process;
transactions of one thread nest (a catch-up reads the log inside its write).
Nothing is on disk: there is no file mode, no write-ahead log to empty after an
erasure.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

from eventsourcing.sqlite import SQLiteConnection, SQLiteDatastore

from pathways.backends.base import Location, NoStore
from pathways.backends.sqlite import SQLiteBackend
from pathways.domain.errors import StoreError
from pathways.i18n import _

if TYPE_CHECKING:
    from sqlalchemy.pool import Pool

#: Seconds a transaction waits for another thread's before it fails.
LOCK_TIMEOUT = 60
_TOKEN = secrets.token_hex(4)  # SQLite's shared-cache names are global to the process


@dataclass
class _Database:
    uri: str
    keeper: sqlite3.Connection  # keeps the database alive
    lock: threading.RLock


_DATABASES: dict[str, _Database] = {}
_REGISTRY_LOCK = threading.Lock()


def drop(name: str) -> None:
    """Forget a memory database: it is freed when its last store closes."""
    with _REGISTRY_LOCK:
        found = _DATABASES.pop(name, None)
    if found is not None:
        found.keeper.close()


def _database(name: str, *, create: bool) -> _Database | None:
    with _REGISTRY_LOCK:
        found = _DATABASES.get(name)
        if found is None and create:
            uri = f"file:pathways-{quote(name, safe='')}-{_TOKEN}?mode=memory&cache=shared"
            keeper = sqlite3.connect(uri, uri=True, check_same_thread=False)
            found = _DATABASES[name] = _Database(uri, keeper, threading.RLock())
        return found


def _has_log(database: _Database) -> bool:
    """Whether the events table is there (a creation interrupted left none)."""
    with _held(database.lock):
        found = database.keeper.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'stored_events'"
        ).fetchone()
    return found is not None


def _acquire(lock: threading.RLock) -> None:
    if not lock.acquire(timeout=LOCK_TIMEOUT):
        msg = _("the memory store stayed locked for {LOCK_TIMEOUT} s by another thread").format(
            LOCK_TIMEOUT=LOCK_TIMEOUT
        )
        raise StoreError(msg)


def _release(lock: threading.RLock) -> None:
    with suppress(RuntimeError):  # a checkin after a checkout that failed to take it
        lock.release()


@contextmanager
def _held(lock: threading.RLock) -> Iterator[None]:
    _acquire(lock)
    try:
        yield
    finally:
        lock.release()


class _LockedDatastore(SQLiteDatastore):
    """eventsourcing's SQLite datastore, whose every transaction holds the database's lock."""

    def __init__(self, database: _Database) -> None:
        super().__init__(database.uri, lock_timeout=30)
        self._lock = database.lock

    @contextmanager
    def get_connection(self, *, commit: bool) -> Iterator[SQLiteConnection]:
        with _held(self._lock), super().get_connection(commit=commit) as conn:
            yield conn


class MemoryBackend(SQLiteBackend):
    """SQLite in memory, shared by the stores of one process (see the module)."""

    name = "memory"
    schemes: ClassVar[tuple[str, ...]] = ("memory",)

    @classmethod
    def locate(cls, value: str) -> Location:
        name = value.removeprefix("memory:").removeprefix("//") or "default"
        if not name.replace("-", "").replace("_", "").isalnum():
            msg = _("--db: memory store name '{name}' must be letters, digits, '-' and '_'").format(
                name=name
            )
            raise StoreError(msg)
        return Location(cls.name, f"memory://{name}", name)

    @classmethod
    def no_store(cls, location: Location) -> str:
        return _(
            "no store at {where}: a memory store lives only in the process "
            "that created it (a Python program or a test), and none was created here. "
            "Use a file or a PostgreSQL database to keep a store between commands."
        ).format(where=location.display)

    @property
    def description(self) -> str:
        return _("in memory, until this process ends: nothing is written to disk")

    @property
    def uri(self) -> str:
        return self._db.uri

    def plainly_absent(self) -> bool:
        return _database(self.location.target, create=False) is None

    def open(self, *, create: bool) -> None:
        database = _database(self.location.target, create=create)
        if database is None or not (create or _has_log(database)):
            raise NoStore(self.no_store(self.location))
        self._db = database
        self._open_datastore(create=create)

    def _datastore(self) -> SQLiteDatastore:
        return _LockedDatastore(self._db)

    def _pool(self, creator: Callable[[], Any]) -> Pool:
        """A pool whose connections hold the database's lock from checkout (before
        SQLAlchemy's first queries on a new connection) to checkin (after their
        transaction's commit or rollback)."""
        from sqlalchemy import event
        from sqlalchemy.pool import PoolProxiedConnection, QueuePool

        lock = self._db.lock

        class LockedPool(QueuePool):
            def connect(self) -> PoolProxiedConnection:
                _acquire(lock)
                try:
                    return super().connect()
                except BaseException:
                    lock.release()
                    raise

        pool = LockedPool(creator)
        event.listen(pool, "checkin", lambda *_: _release(lock))
        return pool

    def after_erasure(self, wait: float | None = None) -> bool:
        """Nothing to do: the database has no file nor write-ahead log; the deletion ran
        with `secure_delete`, which overwrites the freed bytes in memory."""
        return True

    def erasure_pending(self) -> bool:
        return False


BACKEND = MemoryBackend
