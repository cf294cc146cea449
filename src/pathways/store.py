"""The event store: eventsourcing's recorders (SQLite file or PostgreSQL) plus our tables.

One stream per young person (its id is a keyed HMAC of the reference) and one
registry stream for pilot measures. Beside eventsourcing's `stored_events`
table, the store keeps, written in the *same transaction* as the events:

- `pathways_event_ids`: event id -> stream, so that replays are recognised and
  `retract` / `amend` find an event by its id;
- `pathways_keys`: each young person's data key, wrapped by the master key;
- `pathways_meta`: a check value that tells a wrong master key at once.

An event is stored as JSON with its non-personal fields in clear (they count in
anonymous statistics even after erasure) and its personal fields sealed with the
young person's key. The recording time and the acting user are set here, never
by the caller; the log position is eventsourcing's notification id.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qs, quote, unquote, urlparse

import platformdirs
from eventsourcing.persistence import IntegrityError, Notification, PersistenceError, StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteDatastore

from pathways import codec
from pathways.codec import TOPIC_PREFIX
from pathways.crypto import KeyRing
from pathways.domain.errors import MasterKeyError, StoreError
from pathways.domain.events import DERIVED_KEYS, Event, YouthErased, YouthEvent, YouthRegistered

DB_ENV = "PATHWAYS_DB"
ERASED_TOPIC = TOPIC_PREFIX + "YouthErased"
REGISTRY_STREAM = uuid.UUID("5b1d8d1c-35a0-4e4c-9d0e-000000000035")
Clock = Callable[[], datetime]

_OUR_TABLES = (
    "CREATE TABLE IF NOT EXISTS {p}pathways_event_ids ("
    " event_id TEXT PRIMARY KEY, stream TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {p}pathways_keys ("
    " stream TEXT PRIMARY KEY, wrapped {blob} NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {p}pathways_meta ( name TEXT PRIMARY KEY, value {blob} NOT NULL)",
)


def _our_rows(
    kwargs: dict[str, Any],
) -> tuple[list[tuple[str, str]], list[tuple[str, bytes]], list[tuple[str]]]:
    ids = [(str(e), s.hex) for e, s in kwargs.get("event_ids", ())]
    keys = [(s.hex, w) for s, w in kwargs.get("new_keys", ())]
    erase = [(s.hex,) for s in kwargs.get("erase_keys", ())]
    return ids, keys, erase


class SQLiteRecorder(SQLiteApplicationRecorder):
    """eventsourcing's SQLite recorder, writing our index and keys in its transaction."""

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            *(s.format(p="", blob="BLOB") for s in _OUR_TABLES),
        ]

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids, keys, erase = _our_rows(kwargs)
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


def _postgres_recorder_class() -> type[Any]:
    """Built on demand: importing psycopg costs ~200 ms that SQLite users need not pay."""
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
                SQL(s.format(p=prefix, blob="BYTEA")).format() for s in _OUR_TABLES
            )
            self._prefix = prefix

        def _insert_events(
            self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
        ) -> None:
            ids, keys, erase = _our_rows(kwargs)
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


@dataclass(frozen=True)
class Recorded:
    """A stored event with what the store knows of it."""

    event: Event
    stream: uuid.UUID
    version: int
    position: int
    recorded_at: datetime
    actor: str
    erased: bool = False  # personal fields are gone with the young person's key


@dataclass(frozen=True)
class Write:
    """An event to append to a stream at a version."""

    stream: uuid.UUID
    version: int
    event: Event
    #: clear facts derived from personal data, stored beside the fields (DERIVED_KEYS)
    derived: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Location:
    backend: str  # "sqlite" or "postgresql"
    display: str  # safe to print (no password)
    target: str  # file path or URL


def default_db_path() -> Path:
    return Path(platformdirs.user_data_dir("pathways")) / "pathways.sqlite3"


def locate(db: str | None) -> Location:
    """A `--db` value (or $PATHWAYS_DB, or the default file) as a location.

    A SQLite value is a file path, whatever characters it holds (`%41`, `?`, `#`):
    every part of the program opens that very file (see `sqlite_uri`)."""
    value = db or os.environ.get(DB_ENV) or str(default_db_path())
    if value.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        parsed = urlparse(value)
        shown = parsed._replace(netloc=parsed.netloc.rsplit("@", 1)[-1]).geturl()
        return Location("postgresql", shown, value)
    if "://" in value:
        msg = f"--db: '{value}' is neither a file path nor a postgresql:// URL"
        raise StoreError(msg)
    path = str(Path(value).expanduser().resolve())
    return Location("sqlite", path, path)


def sqlite_uri(path: str, mode: str = "rw") -> str:
    """A SQLite URI that names exactly this file: its characters percent-encoded, so
    that neither SQLite nor SQLAlchemy reads `?`, `#` or `%41` in a file name as URL
    syntax. `mode=rw` never creates the file: only `pathways init` does."""
    return f"file:{quote(path)}?mode={mode}"


class NoStore(StoreError):
    """No store exists where --db points (a mistyped path, or `pathways init` not run)."""


def no_store(location: Location) -> str:
    """The message for a path or schema where no store exists (yet)."""
    option = f"--db {location.display}" if location.backend == "sqlite" else "--db URL"
    return (
        f"no store at {location.display}. Check the path (--db or $PATHWAYS_DB), "
        f"or create a store there with `pathways init {option}`."
    )


class Store:
    """Reads and appends events; seals and unseals personal fields."""

    def __init__(
        self,
        location: Location,
        master_key: bytes | None,
        clock: Clock | None = None,
        *,
        create: bool = False,
        key_problem: str = "no master key",
    ) -> None:
        """Open the store at `location`; with `create`, make it first if it does not
        exist (that is `pathways init`: no other command creates a store).

        Without a master key (`None`) the store opens for what needs none (counts,
        the log head, the registry); anything that needs a key then raises a
        MasterKeyError saying `key_problem`."""
        self.location = location
        self._keys = KeyRing(master_key) if master_key is not None else None
        self._key_problem = key_problem
        self.clock: Clock = clock or (lambda: datetime.now(UTC))
        self._wrapped: dict[uuid.UUID, bytes] = {}
        try:
            if location.backend == "sqlite":
                self._open_sqlite(Path(location.target), create=create)
            else:
                self._open_postgres(location.target, create=create)
        except PersistenceError as error:
            msg = f"cannot open the store {location.display}: {error}"
            raise StoreError(msg) from None
        if self._keys is not None:
            self._check_master_key()

    @property
    def keys(self) -> KeyRing:
        if self._keys is None:
            raise MasterKeyError(self._key_problem)
        return self._keys

    @property
    def has_key(self) -> bool:
        return self._keys is not None

    @property
    def key_problem(self) -> str:
        """Why there is no master key (empty when there is one)."""
        return "" if self._keys is not None else self._key_problem

    # opening ----------------------------------------------------------------
    def _open_sqlite(self, path: Path, *, create: bool) -> None:
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
            raise NoStore(no_store(self.location))
        self.datastore: Any = SQLiteDatastore(sqlite_uri(str(path)), lock_timeout=30)
        self.recorder: Any = SQLiteRecorder(self.datastore)
        self.events_table = "stored_events"
        self.schema: str | None = None
        self.prefix = ""
        self.placeholder = "?"
        self.position_column = "rowid"
        if create:
            self.recorder.create_table()
        elif not self._rows(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'stored_events'"
        ):
            msg = (
                f"{path} is not a pathways store (it holds no event log). Check the path, "
                f"or create a store elsewhere with `pathways init --db PATH`."
            )
            raise StoreError(msg)

    def _open_postgres(self, url: str, *, create: bool) -> None:
        from eventsourcing.postgres import PostgresDatastore

        parsed = urlparse(url)
        query = parse_qs(parsed.query)
        schema = query.get("schema", ["public"])[0]
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
        self.recorder = _postgres_recorder_class()(self.datastore)
        if create:
            self.recorder.create_table()
        elif not exists:
            raise NoStore(no_store(self.location))
        else:
            self.datastore.register_type_adapters()
        self.events_table = f'"{schema}".stored_events'
        self.schema = schema
        self.prefix = f'"{schema}".'
        self.placeholder = "%s"
        self.position_column = "notification_id"

    def close(self) -> None:
        self.datastore.close()

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        sql = sql.replace("{p}", self.prefix).replace("?", self.placeholder)
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall())

    def _check_master_key(self) -> None:
        rows = self._rows("SELECT value FROM {p}pathways_meta WHERE name = 'key-check'")
        if not rows:
            sql = "INSERT INTO {p}pathways_meta VALUES ('key-check', ?)"
            sql = sql.replace("{p}", self.prefix).replace("?", self.placeholder)
            try:
                with self.datastore.transaction(commit=True) as cursor:
                    cursor.execute(sql, (self.keys.key_check(),))
            except IntegrityError:
                self._check_master_key()  # another process wrote it first
            return
        if not self.keys.verify_key_check(bytes(rows[0]["value"])):
            msg = (
                f"the master key does not open the store {self.location.display}: "
                f"it was created with another key (check $PATHWAYS_MASTER_KEY or the key file)"
            )
            raise MasterKeyError(msg)

    # reading ----------------------------------------------------------------
    def head(self) -> int:
        return int(self.recorder.max_notification_id() or 0)

    def count_events(self) -> int:
        return int(self._rows(f"SELECT COUNT(*) AS n FROM {self.events_table}")[0]["n"])

    def count_youths(self) -> int:
        return int(self._rows("SELECT COUNT(*) AS n FROM {p}pathways_keys")[0]["n"])

    def stream_id(self, youth: str | None) -> uuid.UUID:
        return REGISTRY_STREAM if youth is None else self.keys.stream_id(youth)

    def load(self, stream: uuid.UUID) -> list[Recorded]:
        """A stream's events in version order, personal fields unsealed."""
        return self.load_many([stream])[stream]

    def load_many(self, streams: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[Recorded]]:
        """Several streams at once (a few queries for a whole import file)."""
        wanted = list(dict.fromkeys(streams))
        found: dict[uuid.UUID, list[Recorded]] = {s: [] for s in wanted}
        sqlite = self.placeholder == "?"
        self._load_keys(wanted)
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            rows = self._rows(
                f"SELECT originator_id AS stream, {self.position_column} AS position, "
                f"originator_version AS version, topic, state FROM {self.events_table} "
                f"WHERE originator_id IN ({marks}) ORDER BY originator_id, originator_version",
                [s.hex if sqlite else s for s in chunk],
            )
            for row in rows:
                if row["topic"] == ERASED_TOPIC:
                    # erased, maybe by another process since this one opened the key
                    stream = uuid.UUID(row["stream"]) if sqlite else row["stream"]
                    self.keys.forget(stream)
                    self._wrapped.pop(stream, None)
            for row in rows:
                stream = uuid.UUID(row["stream"]) if sqlite else row["stream"]
                found[stream].append(
                    self.decode(
                        stream, row["version"], row["position"], row["topic"], bytes(row["state"])
                    )
                )
        return found

    def _load_keys(self, streams: Sequence[uuid.UUID]) -> None:
        """Fetch the wrapped keys of these streams in a few queries.

        Only keys found are remembered: a key missing now may be written by
        another process a moment later (a registration elsewhere)."""
        missing = [s for s in streams if s not in self._wrapped]
        for start in range(0, len(missing), 500):
            chunk = missing[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            for row in self._rows(
                f"SELECT stream, wrapped FROM {{p}}pathways_keys WHERE stream IN ({marks})",
                [s.hex for s in chunk],
            ):
                self._wrapped[uuid.UUID(row["stream"])] = bytes(row["wrapped"])

    def clear_states(self, types: Sequence[str], upto: int | None = None) -> list[dict[str, Any]]:
        """The clear fields of every event of these types (a scan: for rare checks)."""
        marks = ", ".join("?" * len(types))
        rows = self._rows(
            f"SELECT state FROM {self.events_table} WHERE topic IN ({marks}) "
            f"AND {self.position_column} <= ?",
            [*(TOPIC_PREFIX + t for t in types), upto if upto is not None else 2**62],
        )
        return [json.loads(bytes(row["state"])) for row in rows]

    def count_registered(self) -> int:
        rows = self._rows(
            f"SELECT COUNT(*) AS n FROM {self.events_table} WHERE topic = ?",
            (TOPIC_PREFIX + "YouthRegistered",),
        )
        return int(rows[0]["n"])

    def find_streams(self, event_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
        """Which stream holds each of these event ids (those stored)."""
        found: dict[uuid.UUID, uuid.UUID] = {}
        ids = [str(i) for i in event_ids]
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            for row in self._rows(
                f"SELECT event_id, stream FROM {{p}}pathways_event_ids WHERE event_id IN ({marks})",
                chunk,
            ):
                found[uuid.UUID(row["event_id"])] = uuid.UUID(row["stream"])
        return found

    def read_log(
        self, after: int = 0, limit: int = 1000, upto: int | None = None
    ) -> list[Recorded]:
        """Events in log order, after a position (for replays and exports)."""
        notifications: Sequence[Notification] = self.recorder.select_notifications(
            start=after, limit=limit, stop=upto, inclusive_of_start=False
        )
        return [
            self.decode(
                cast(uuid.UUID, n.originator_id), n.originator_version, n.id, n.topic, n.state
            )
            for n in notifications
        ]

    def read_raw(
        self, after: int, limit: int, upto: int | None = None
    ) -> list[tuple[int, str, bytes]]:
        """(position, topic, state) after a position (and up to one): undecoded."""
        column = self.position_column
        rows = self._rows(
            f"SELECT {column} AS position, topic, state FROM {self.events_table} "
            f"WHERE {column} > ? AND {column} <= ? ORDER BY {column} LIMIT ?",
            (after, upto if upto is not None else 2**62, limit),
        )
        return [(int(r["position"]), r["topic"], bytes(r["state"])) for r in rows]

    def iter_raw(
        self, upto: int | None = None, page: int = 5000
    ) -> Iterator[tuple[int, str, bytes]]:
        """(position, topic, state) of the whole log (up to a position), page by page."""
        after = 0
        while batch := self.read_raw(after, page, upto):
            yield from batch
            after = batch[-1][0]

    def iter_log(self, upto: int | None = None, page: int = 5000) -> Iterator[Recorded]:
        after = 0
        while True:
            batch = self.read_log(after, page, upto)
            if not batch:
                return
            yield from batch
            after = batch[-1].position

    def unseal(self, youth: str, event_id: str, sealed: str) -> dict[str, Any] | None:
        """A youth's personal fields sealed in a read model; None once erased."""
        stream = self.stream_id(youth)
        if not self._data_key(stream):
            return None
        return self.keys.unseal(stream, uuid.UUID(event_id), sealed)

    def preload_keys(self, youths: Iterable[str]) -> None:
        self._load_keys([self.stream_id(y) for y in youths])

    # the stored form -----------------------------------------------------------
    def _data_key(self, stream: uuid.UUID) -> bool:
        """Open a youth's data key; False when it has been destroyed."""
        if self.keys.has_data_key(stream):
            return True
        if stream not in self._wrapped:
            self._load_keys([stream])
        wrapped = self._wrapped.get(stream)
        if wrapped is None:
            return False
        self.keys.open_data_key(stream, wrapped)
        return True

    def encode(
        self, write: Write, actor: str, recorded_at: datetime, meta: str | None = None
    ) -> StoredEvent:
        """The stored form (see `pathways.codec`). `meta` (the JSON of who and when, the
        same for every event of an append) may be given once for all."""
        event = write.event

        def seal(fields: dict[str, Any]) -> str:
            return self.keys.seal(write.stream, event.id, fields)

        return StoredEvent(
            originator_id=write.stream,
            originator_version=write.version,
            topic=codec.topic(type(event)),
            state=codec.encode(event, meta or codec.meta(actor, recorded_at), seal, write.derived),
        )

    def decode(
        self, stream: uuid.UUID, version: int, position: int, topic: str, blob: bytes
    ) -> Recorded:
        stored = codec.read(position, topic, blob)

        def unseal(sealed: str) -> dict[str, Any] | None:
            if not self._data_key(stream):
                return None
            return self.keys.unseal(stream, uuid.UUID(stored.id), sealed)

        event, erased = codec.event(stored, unseal)
        return Recorded(
            event=event,
            stream=stream,
            version=version,
            position=position,
            recorded_at=stored.recorded_at,
            actor=stored.actor,
            erased=erased,
        )

    # writing ----------------------------------------------------------------
    def append(self, writes: Sequence[Write], actor: str) -> list[int]:
        """Append in one transaction; raises eventsourcing's IntegrityError on a conflict."""
        if not writes:
            return []
        now = self.clock()
        new_keys: list[tuple[uuid.UUID, bytes]] = []
        keyed: set[uuid.UUID] = set()
        for write in writes:
            if (
                isinstance(write.event, YouthRegistered)
                and write.stream not in keyed
                and not self._data_key(write.stream)
            ):
                keyed.add(write.stream)
                new_keys.append((write.stream, self.keys.new_data_key(write.stream)))
        # Crypto-shredding: an erasure destroys the youth's key in the same transaction.
        erased = [w.stream for w in writes if isinstance(w.event, YouthErased)]
        try:
            meta = codec.meta(actor, now)
            stored = [self.encode(w, actor, now, meta) for w in writes]
            positions = self.recorder.insert_events(
                stored,
                event_ids=[(w.event.id, w.stream) for w in writes],
                new_keys=new_keys,
                erase_keys=erased,
            )
        except BaseException:
            for stream, _ in new_keys:
                self.keys.forget(stream)
                self._wrapped.pop(stream, None)
            raise
        for stream, wrapped in new_keys:
            self._wrapped[stream] = wrapped
        for stream in erased:
            self.keys.forget(stream)
            self._wrapped.pop(stream, None)
        if erased and self.location.backend == "sqlite":
            self._checkpoint()
        return list(positions or [])

    def _checkpoint(self) -> None:
        """Copy the write-ahead log into the database and empty it, so that the old page
        holding a destroyed key does not linger in the -wal file."""
        import sqlite3

        connection = sqlite3.connect(sqlite_uri(self.location.target), uri=True, timeout=30)
        try:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            connection.close()


def open_store(
    db: str | None = None,
    key_file: Path | None = None,
    clock: Clock | None = None,
    *,
    create: bool = False,
    need_key: bool = True,
) -> Store:
    """Open the store named by `db` (or $PATHWAYS_DB, or the default file).

    It must exist, unless `create` (what `pathways init` does). With
    `need_key=False` a missing or unreadable master key is not an error: the store
    opens for what needs no key (`pathways info`)."""
    from pathways.crypto import load_master_key

    location = locate(db)
    try:
        master: bytes | None = load_master_key(key_file)
        problem = ""
    except MasterKeyError as error:
        if need_key:
            raise
        master, problem = None, str(error)
    return Store(location, master, clock, create=create, key_problem=problem)


__all__ = [
    "DERIVED_KEYS",
    "IntegrityError",
    "Location",
    "MasterKeyError",
    "NoStore",
    "Recorded",
    "Store",
    "Write",
    "YouthEvent",
    "locate",
    "open_store",
]
