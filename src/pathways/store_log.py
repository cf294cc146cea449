"""Reading the event log, and the stored form of an event, for `pathways.store.Store`.

`EventLog` is the half of the store that reads: a stream's events, the log in
order (decoded or raw), and the personal fields sealed in a read model, each
unsealed with the young person's data key; and the stored form of an event to
append (`codec.written`, sealed). `WrappedKeys` keeps the wrapped data keys read
from the store. What a store appends and how it opens are `pathways.store`'s.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, cast

from eventsourcing.persistence import StoredEvent

from pathways import codec
from pathways.backends import Backend
from pathways.backends.session import EventRow
from pathways.codec import TOPIC_PREFIX
from pathways.crypto import KeyRing
from pathways.domain.errors import MasterKeyError
from pathways.domain.events import Event

ERASED_TOPIC = TOPIC_PREFIX + "YouthErased"
REGISTRY_STREAM = uuid.UUID("5b1d8d1c-35a0-4e4c-9d0e-000000000035")


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


class WrappedKeys:
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


class EventLog:
    """Reads the log and makes or reads the stored form; seals and unseals personal
    fields. (The reading half of `Store`, which sets these attributes.)"""

    backend: Backend
    _keys: KeyRing | None
    _key_problem: str
    _wrapped: WrappedKeys

    @property
    def keys(self) -> KeyRing:
        if self._keys is None:
            raise MasterKeyError(self._key_problem)
        return self._keys

    def rekey(self, key: bytes) -> None:
        """Use a new master key (after a rotation: `pathways.rotation`)."""
        self._keys = KeyRing(key)
        self._wrapped = WrappedKeys(self.backend)

    @property
    def has_key(self) -> bool:
        return self._keys is not None

    @property
    def key_problem(self) -> str:
        """Why there is no master key (empty when there is one)."""
        return "" if self._keys is not None else self._key_problem

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
                    stream,
                    row["version"],
                    row["position"],
                    row["topic"],
                    codec.stored_bytes(row["state"], row["position"]),
                )
            )
        return found

    def clear_states(self, types: Sequence[str], upto: int | None = None) -> list[dict[str, Any]]:
        """The clear fields of every event of these types (a scan: for rare checks)."""
        found = []
        for position, topic, state in self.backend.states([TOPIC_PREFIX + t for t in types], upto):
            # (a row changed by hand is said there, with its position: `Tampered`)
            codec.event(codec.read(position, topic, state), lambda sealed: None)
            found.append(json.loads(state))
        return found

    def find_streams(self, event_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
        """Which stream holds each of these event ids (those stored).

        When the log holds far fewer events than are asked for (a first import into a
        new store), its ids are read whole and matched here: the ids asked for are not
        each turned into text for a query by chunks (0.15 s for the 101,606 ids of a first
        import, with nothing to find)."""
        if self.backend.head() * 4 < len(event_ids):  # (the head: at least the count)
            stored = self.backend.all_event_streams()
            return {event: stream for event, stream in stored.items() if event in event_ids}
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
        keys = self.keys
        items = [(youth, keys.stream_id(youth), event_id, text) for youth, event_id, text in sealed]
        self._wrapped.load([stream for _youth, stream, _event, _text in items])
        wrapped = self._wrapped.found
        return {
            youth: keys.unseal_with(stream, wrapped.get(stream), event_id, text)
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
