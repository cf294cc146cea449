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
`pathways.backends`: this module opens a store and appends to it; reading, the
stored form and the cache of keys are `pathways.store_log`'s.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path

from eventsourcing.persistence import IntegrityError, PersistenceError

from pathways import codec
from pathways.backends import DB_ENV, Backend, Location, NoStore, backend_for, locate
from pathways.backends.session import EventRow, Session
from pathways.chain import Chain, ChainKeyError, Link, check_in_append, check_on_open
from pathways.crypto import KeyRing
from pathways.domain.errors import MasterKeyError, StoreError
from pathways.domain.events import DERIVED_KEYS, YouthErased, YouthEvent, YouthRegistered
from pathways.i18n import _
from pathways.store_log import REGISTRY_STREAM, EventLog, Recorded, WrappedKeys, Write

Clock = Callable[[], datetime]
#: Sees the events an append has just written, in its session, before the commit, as
#: `read` would give them (`codec.written`). The inline projection of the read models.
Projector = Callable[[Session, list[codec.Stored]], None]


def no_store(location: Location) -> str:
    """The message for a location where no store exists (yet)."""
    return type(backend_for(location)).no_store(location)


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


class Store(EventLog):
    """Reads and appends events; seals and unseals personal fields (reading and the
    stored form: `pathways.store_log.EventLog`)."""

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
        self._wrapped = WrappedKeys(self.backend)
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
        else:  # (`info`, `db status`: any version, but a store of pathways' own)
            migrations.version(self.backend)
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

    def close(self) -> None:
        self.backend.close()

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
            session.insert_rows(
                "pathways_keys", ("text", "bytea"), [(s.hex, w) for s, w in new_keys]
            )
            # A stream whose data key this append makes has no event yet (an erased
            # youth's, whose key is gone, takes no new event): no chain head to look up.
            made = {s for s, _ in new_keys}
            heads = chain.heads(session, [w.stream for w in writes if w.stream not in made])
            encoded: list[tuple[EventRow, codec.Stored]] = []
            positions = session.insert_event_rows(self._encoding(writes, actor, now, encoded))
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
            # In the index's order (by id: ids are unique): random ids inserted as they
            # come touch its pages at random (an import of 101,606 events: SQLite's time
            # in this insert ~0.55 -> ~0.27 s, for ~0.04 s of sorting)
            id_rows.sort(key=itemgetter(0))
            session.insert_rows("pathways_event_ids", ("text", "text", "int8"), id_rows)
            chain.append(session, heads, links, ids)
            erased = [w.stream for w in writes if isinstance(w.event, YouthErased)]
            if erased:
                session.delete_keys(erased)
                session.after_commit.append(lambda: self._after_erasure(erased))
            for projector in self.projectors:
                projector(session, appended)
        return positions

    def _encoding(
        self,
        writes: Sequence[Write],
        actor: str,
        now: datetime,
        encoded: list[tuple[EventRow, codec.Stored]],
    ) -> Iterator[EventRow]:
        """The stored rows of `writes`, each made as it is inserted (and kept in
        `encoded`, with what reading it back gives): PostgreSQL inserts the rows sent
        while the next are made, on the other core. (An import of 101,606 events made
        them all, then waited ~0.4 s for the server after the last one was sent.)"""
        meta = codec.meta(actor, now)
        for write in writes:
            found = self._written(write, actor, now, meta)
            encoded.append(found)
            yield found[0]

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
            backend_for(location).check_there()  # (a wrong URL first: see `check_there`)
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
    "REGISTRY_STREAM",
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
