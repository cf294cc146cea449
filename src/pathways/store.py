"""The event store: eventsourcing's recorders plus our tables, over a backend.

One stream per young person (its id is a keyed HMAC of the reference) and one
registry stream for pilot measures. Beside eventsourcing's `stored_events`
table, the store keeps, written in the *same transaction* as the events:

- `pathways_event_ids`: event id -> stream, so that replays are recognised and
  `retract` / `amend` find an event by its id;
- `pathways_keys`: each young person's data key, wrapped by the master key;
- `pathways_meta`: a check value that tells a wrong master key at once (and one
  for the chain key);
- `pathways_chain`: each event's place in the chains of tamper evidence, an HMAC
  under the chain key (`pathways.chain`, checked by `pathways verify`).

An event is stored as JSON with its non-personal fields in clear (they count in
anonymous statistics even after erasure) and its personal fields sealed with the
young person's key. The recording time and the acting user are set here, never
by the caller; the log position is eventsourcing's notification id.

Where the events live (a SQLite file, PostgreSQL, memory) is the business of
`pathways.backends`: this module seals, encodes and caches keys, and asks its
backend for rows.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple, cast

from eventsourcing.persistence import IntegrityError, PersistenceError, StoredEvent

from pathways import codec
from pathways.backends import DB_ENV, Backend, Location, NoStore, backend_for, locate
from pathways.backends.base import EventRow, Session
from pathways.chain import Chain, ChainKeyError, Link, check_in_append, check_on_open
from pathways.codec import TOPIC_PREFIX
from pathways.crypto import KeyRing
from pathways.domain.errors import MasterKeyError, StoreError
from pathways.domain.events import DERIVED_KEYS, Event, YouthErased, YouthEvent, YouthRegistered
from pathways.i18n import _

ERASED_TOPIC = TOPIC_PREFIX + "YouthErased"
REGISTRY_STREAM = uuid.UUID("5b1d8d1c-35a0-4e4c-9d0e-000000000035")
Clock = Callable[[], datetime]
#: Sees the events an append has just written, in its session, before the commit, as
#: `read` would give them (`codec.written`). The inline projection of the read models.
Projector = Callable[[Session, list[codec.Stored]], None]


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


class Write(NamedTuple):
    """An event to append to a stream at a version. (A named tuple: an import makes one
    per line, and a frozen dataclass's `__init__` costs several times a tuple's.)"""

    stream: uuid.UUID
    version: int
    event: Event
    #: clear facts derived from personal data, stored beside the fields (DERIVED_KEYS)
    derived: Mapping[str, Any] | None = None


def no_store(location: Location) -> str:
    """The message for a location where no store exists (yet)."""
    return type(backend_for(location)).no_store(location)


class _WrappedKeys:
    """The wrapped data keys read from the store, by stream.

    Only keys found are remembered: a key missing now may be written by another
    process a moment later (a registration elsewhere)."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.found: dict[uuid.UUID, bytes] = {}

    def load(self, streams: Sequence[uuid.UUID]) -> None:
        missing = [s for s in streams if s not in self.found]
        if missing:
            self.found.update(self.backend.wrapped_keys(missing))

    def open(self, keys: KeyRing, stream: uuid.UUID) -> bool:
        """Open a youth's data key; False when it has been destroyed."""
        if keys.has_data_key(stream):
            return True
        self.load([stream])
        wrapped = self.found.get(stream)
        if wrapped is None:
            return False
        keys.open_data_key(stream, wrapped)
        return True

    def forget(self, keys: KeyRing, stream: uuid.UUID) -> None:
        keys.forget(stream)
        self.found.pop(stream, None)


def _check_master_key(backend: Backend, keys: KeyRing) -> None:
    """Refuse a master key that is not the store's (the first one opening it is)."""
    found = backend.meta("key-check")
    if found is None:
        if not backend.set_meta("key-check", keys.key_check()):
            _check_master_key(backend, keys)  # another process wrote it first
        return
    if not keys.verify_key_check(found):
        rotated = backend.meta("key-rotated")
        if rotated is not None:
            msg = _(
                "the master key does not open the store {display}: its master key was "
                "rotated at {rotated} UTC (`pathways keys rotate`), and this key is not the "
                "new one. Give the new key file (the old key, kept as KEYFILE.old until it "
                "is destroyed, no longer opens it)"
            ).format(display=backend.location.display, rotated=rotated.decode()[:19])
        else:
            msg = _(
                "the master key does not open the store {display}: it was created "
                "with another key (check $PATHWAYS_MASTER_KEY or the key file)"
            ).format(display=backend.location.display)
        raise MasterKeyError(msg)


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
        key_required: bool = True,
        check_schema: bool = True,
        chain_key: bytes | None = None,
        chain_problem: str = "no chain key",
    ) -> None:
        """Open the store at `location`; with `create`, make it first if it does not
        exist (that is `pathways init`: no other command creates a store).

        Without a master key (`None`) the store opens for what needs none (counts,
        the log head, the registry); anything that needs a key then raises a
        MasterKeyError saying `key_problem`. Without a chain key, it opens for all but
        appending (and `verify`), which raise a ChainKeyError saying `chain_problem`."""
        self.location = location
        self._keys = KeyRing(master_key) if master_key is not None else None
        self._key_problem = key_problem
        self._chain = Chain(chain_key) if chain_key is not None else None
        self._chain_problem = chain_problem
        self._chain_checked = False  # the store's chain key check is known to be there
        self.clock: Clock = clock or (lambda: datetime.now(UTC))
        self.backend = backend_for(location)
        self._wrapped = _WrappedKeys(self.backend)
        self.projectors: list[Projector] = []
        #: the last erasure's bytes may remain in the database's files (a reader kept
        #: them: `Backend.after_erasure`), until a later command or `erase --finish`
        self.erasure_pending = False
        try:
            self.backend.open(create=create)
        except PersistenceError as error:
            msg = _("cannot open the store {display}: {error}").format(
                display=location.display, error=error
            )
            raise StoreError(msg) from None
        from pathways import migrations

        if create:
            migrations.create(self)
        elif check_schema:
            migrations.check(self)
        self._check_chain_key(create=create)
        if self._keys is not None:
            try:
                _check_master_key(self.backend, self._keys)
            except MasterKeyError as error:
                if key_required:
                    raise
                # `info` on a store that this key does not open: say so, show the rest.
                self._keys, self._key_problem = None, str(error)

    @property
    def keys(self) -> KeyRing:
        if self._keys is None:
            raise MasterKeyError(self._key_problem)
        return self._keys

    def rekey(self, key: bytes) -> None:
        """Use a new master key (after a rotation: `pathways.rotation`)."""
        self._keys = KeyRing(key)
        self._wrapped = _WrappedKeys(self.backend)

    @property
    def chain(self) -> Chain:
        """The chain of tamper evidence under the chain key (needed to append)."""
        if self._chain is None:
            raise ChainKeyError(self._chain_problem)
        return self._chain

    @property
    def chain_problem(self) -> str:
        """Why there is no usable chain key (empty when there is one)."""
        return "" if self._chain is not None else self._chain_problem

    @property
    def chain_checked(self) -> bool:
        """Whether the chain key was checked against the store's (which holds a check)."""
        return self._chain is not None and self._chain_checked

    def _check_chain_key(self, *, create: bool) -> None:
        """Tell a chain key that is not the store's at once (`chain.check_on_open`)."""
        if self._chain is not None:
            self._chain_checked, problem = check_on_open(
                self.backend, self._chain, self.location.display, create=create
            )
            if problem:
                self._chain, self._chain_problem = None, problem

    @property
    def has_key(self) -> bool:
        return self._keys is not None

    @property
    def key_problem(self) -> str:
        """Why there is no master key (empty when there is one)."""
        return "" if self._keys is not None else self._key_problem

    def close(self) -> None:
        self.backend.close()

    # reading ----------------------------------------------------------------
    def head(self) -> int:
        return self.backend.head()

    def count_events(self) -> int:
        return self.backend.count()

    def count_youths(self) -> int:
        return self.backend.count("pathways_keys")

    def count_registered(self) -> int:
        return self.backend.count(topic=TOPIC_PREFIX + "YouthRegistered")

    def stream_id(self, youth: str | None) -> uuid.UUID:
        return REGISTRY_STREAM if youth is None else self.keys.stream_id(youth)

    def load(self, stream: uuid.UUID) -> list[Recorded]:
        """A stream's events in version order, personal fields unsealed."""
        return self.load_many([stream])[stream]

    def load_many(self, streams: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[Recorded]]:
        """Several streams at once (a few queries for a whole import file)."""
        wanted = list(dict.fromkeys(streams))
        found: dict[uuid.UUID, list[Recorded]] = {s: [] for s in wanted}
        self._wrapped.load(wanted)
        rows = self.backend.stream_rows(wanted)
        for stream, row in rows:
            if row["topic"] == ERASED_TOPIC:
                self._forget(stream)  # erased, maybe by another process since it was opened
        for stream, row in rows:
            found[stream].append(
                self.decode(
                    stream, row["version"], row["position"], row["topic"], bytes(row["state"])
                )
            )
        return found

    def clear_states(self, types: Sequence[str], upto: int | None = None) -> list[dict[str, Any]]:
        """The clear fields of every event of these types (a scan: for rare checks)."""
        return [json.loads(s) for s in self.backend.states([TOPIC_PREFIX + t for t in types], upto)]

    def find_streams(self, event_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
        """Which stream holds each of these event ids (those stored)."""
        return self.backend.event_streams([str(i) for i in event_ids])

    def read_log(
        self, after: int = 0, limit: int = 1000, upto: int | None = None
    ) -> list[Recorded]:
        """Events in log order, after a position (for replays and exports)."""
        return [
            self.decode(
                cast(uuid.UUID, n.originator_id), n.originator_version, n.id, n.topic, n.state
            )
            for n in self.backend.notifications(after, limit, upto)
        ]

    def read_raw(
        self, after: int, limit: int, upto: int | None = None
    ) -> list[tuple[int, str, bytes]]:
        """(position, topic, state) after a position (and up to one): undecoded."""
        return self.backend.read_raw(after, limit, upto)

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
        while batch := self.read_log(after, page, upto):
            yield from batch
            after = batch[-1].position

    def unseal(self, youth: str, event_id: str, sealed: str) -> dict[str, Any] | None:
        """A youth's personal fields sealed in a read model; None once erased."""
        stream = self.stream_id(youth)
        if not self._data_key(stream):
            return None
        return self.keys.unseal(stream, uuid.UUID(event_id), sealed)

    def unseal_many(
        self, sealed: Iterable[tuple[str, str, str]]
    ) -> dict[str, dict[str, Any] | None]:
        """`unseal` of many (youth, event id, sealed), by youth: each stream id is
        computed once and the wrapped keys are read in a few queries (a read of the
        birth dates of thousands of youths)."""
        items = [(youth, self.stream_id(youth), event_id, text) for youth, event_id, text in sealed]
        self._wrapped.load([stream for _youth, stream, _event, _text in items])
        return {
            youth: self.keys.unseal(stream, uuid.UUID(event_id), text)
            if self._data_key(stream)
            else None
            for youth, stream, event_id, text in items
        }

    def preload_keys(self, youths: Iterable[str]) -> None:
        self._wrapped.load([self.stream_id(y) for y in youths])

    # the stored form -----------------------------------------------------------
    def _data_key(self, stream: uuid.UUID) -> bool:
        """Open a youth's data key; False when it has been destroyed."""
        return self._wrapped.open(self.keys, stream)

    def _forget(self, stream: uuid.UUID) -> None:
        self._wrapped.forget(self.keys, stream)

    def encode(
        self, write: Write, actor: str, recorded_at: datetime, meta: str | None = None
    ) -> StoredEvent:
        """The stored form (see `pathways.codec`). `meta` (the JSON of who and when, the
        same for every event of an append) may be given once for all."""
        stream, version, topic, state = self._written(write, actor, recorded_at, meta)[0]
        return StoredEvent(
            originator_id=stream, originator_version=version, topic=topic, state=state
        )

    def _written(
        self, write: Write, actor: str, recorded_at: datetime, meta: str | None = None
    ) -> tuple[EventRow, codec.Stored]:
        """The stored row (stream, version, topic, state), and what reading it back would
        give (`codec.written`). A row rather than eventsourcing's StoredEvent, a frozen
        dataclass that costs ten times a tuple, for every event of an import."""
        event = write.event

        def seal(fields: dict[str, Any]) -> str:
            return self.keys.seal(write.stream, event.id, fields)

        state, stored = codec.written(
            event,
            meta or codec.meta(actor, recorded_at),
            seal,
            write.derived,
            actor=actor,
            recorded_at=recorded_at,
        )
        return (write.stream, write.version, codec.topic(type(event)), state), stored

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
    def session(
        self, *, write: bool = True, append: bool = True
    ) -> AbstractContextManager[Session]:
        """One transaction: the reads that check a batch and its appends, all or nothing
        (`Backend.session`); one that may `append` holds the append lock from its start."""
        return self.backend.session(write=write, append=append)

    def append(self, writes: Sequence[Write], actor: str) -> list[int]:
        """Append in the session under way (or in one of its own); their log positions.

        Our tables are written in the same transaction: the event-id index (with each
        event's position), new wrapped keys, and the deletion of the keys of the youths
        erased (crypto-shredding); then the `projectors` see the new events."""
        if not writes:
            return []
        chain = self.chain  # no chain key: refused before anything is written
        now = self.clock()
        with self.session() as session:
            if not self._chain_checked:
                check_in_append(session, chain, self.location.display)
                session.after_commit.append(lambda: setattr(self, "_chain_checked", True))
            new_keys: list[tuple[uuid.UUID, bytes]] = []
            registered = [w.stream for w in writes if isinstance(w.event, YouthRegistered)]
            # their wrapped keys, if any, in a few queries rather than one per youth
            self._wrapped.load([s for s in registered if not self.keys.has_data_key(s)])
            for stream in registered:
                if stream in self._wrapped.found or self.keys.has_data_key(stream):
                    self._data_key(stream)  # (opened: a second registration is refused)
                else:
                    new_keys.append((stream, self.keys.new_data_key(stream)))
                    self._wrapped.found[stream] = new_keys[-1][1]
            session.on_rollback.append(lambda: self._forget_all(s for s, _ in new_keys))
            if new_keys:
                # Under the append lock: a key rotated since this store was opened would
                # leave these data keys wrapped by a destroyed key.
                _check_master_key(self.backend, self.keys)
            meta = codec.meta(actor, now)
            encoded = [self._written(w, actor, now, meta) for w in writes]
            session.insert_rows(
                "pathways_keys", ("text", "bytea"), [(s.hex, w) for s, w in new_keys]
            )
            # A stream whose data key this append makes has no event yet (an erased
            # youth's, whose key is gone, takes no new event): no chain head to look up.
            made = {s for s, _ in new_keys}
            heads = chain.heads(session, [w.stream for w in writes if w.stream not in made])
            positions = session.insert_event_rows([row for row, _ in encoded])
            # The rows of the event-id index and of the chain, and what the projectors
            # see, in one pass over the events (an import's are ~100,000)
            hexes: dict[uuid.UUID, str] = {}
            id_rows: list[tuple[str, str, int]] = []
            links: list[Link] = []
            ids: list[str] = []
            appended: list[codec.Stored] = []
            for w, p, (row, stored) in zip(writes, positions, encoded, strict=True):
                stream = w.stream
                shown = hexes.get(stream)
                if shown is None:
                    shown = hexes[stream] = stream.hex
                id_rows.append((stored.id, shown, p))
                links.append(Link(p, w.event.id, stream, w.version, row[2], row[3]))
                ids.append(stored.id)
                stored.position = p
                appended.append(stored)
            # (COPY on PostgreSQL: an executemany there is a round trip per 500 rows)
            session.insert_rows("pathways_event_ids", ("text", "text", "int8"), id_rows)
            chain.append(session, heads, links, ids)
            erased = [w.stream for w in writes if isinstance(w.event, YouthErased)]
            if erased:
                session.delete_keys(erased)
                session.after_commit.append(lambda: self._after_erasure(erased))
            for projector in self.projectors:
                projector(session, appended)
        return positions

    def _forget_all(self, streams: Iterable[uuid.UUID]) -> None:
        for stream in streams:
            self._forget(stream)

    def _after_erasure(self, streams: Sequence[uuid.UUID]) -> None:
        self._forget_all(streams)
        self.erasure_pending = not self.backend.after_erasure()


def open_store(
    db: str | None = None,
    key_file: Path | None = None,
    clock: Clock | None = None,
    *,
    create: bool = False,
    need_key: bool = True,
    check_schema: bool = True,
    chain_key_file: Path | None = None,
) -> Store:
    """Open the store named by `db` (or $PATHWAYS_DB, or the default file).

    It must exist, unless `create` (what `pathways init` does). With
    `need_key=False` a missing or unreadable master key is not an error: the store
    opens for what needs no key (`pathways info`). A missing chain key never is: the
    store opens for all but appending and verifying (`Store.chain`)."""
    from pathways.chain import chain_key_for
    from pathways.crypto import load_master_key

    location = locate(db)
    if not create and backend_for(location).plainly_absent():
        # The first thing to say (before a missing key, which `pathways init` makes too).
        raise NoStore(no_store(location))
    try:
        master: bytes | None = load_master_key(key_file)
        problem = ""
    except MasterKeyError as error:
        if need_key:
            raise
        master, problem = None, str(error)
    chain, chain_problem = chain_key_for(chain_key_file, key_file, master)
    return Store(
        location,
        master,
        clock,
        create=create,
        key_problem=problem,
        key_required=need_key,
        check_schema=check_schema,
        chain_key=chain,
        chain_problem=chain_problem,
    )


__all__ = [
    "DB_ENV",
    "DERIVED_KEYS",
    "ChainKeyError",
    "IntegrityError",
    "Location",
    "MasterKeyError",
    "NoStore",
    "Recorded",
    "Store",
    "Write",
    "YouthEvent",
    "locate",
    "no_store",
    "open_store",
]
