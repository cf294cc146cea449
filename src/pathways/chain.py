"""Tamper evidence: every event is chained to the previous one of its stream (a young
person's, or the registry's) and to the previous one of the whole log.

Each append writes, in its own transaction, one row of `pathways_chain` per event:
its position, its id, its stream, and two HMAC-SHA256 under the **chain key**:

- the *youth-chain hash*: HMAC(previous youth-chain hash of the stream, the event's id,
  position, stream, version, topic and stored bytes) -- the row exactly as stored;
- the *global-chain hash*: HMAC(previous global-chain hash, the position, the
  youth-chain hash).

Erasure destroys the young person's wrapped data key and nothing else: the sealed
bytes of the event rows never change, so a chain over them stays verifiable after
an erasure. `pathways verify` (`pathways.verify`) recomputes both chains.

The chain key is apart from the master key (a key file beside it by default,
`NAME.chain.key` for a master key file `NAME.key`, or `$PATHWAYS_CHAIN_KEY_FILE`,
`--chain-key-file`, or the key itself in `$PATHWAYS_CHAIN_KEY`): whoever holds the
master key to read the data does not thereby hold the key to rewrite the chain.
Whoever holds the chain key *and* write access to the database can rewrite
history undetected: see docs/tamper-evidence.md.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from pathways.crypto import MAX_KEY_FILE_BYTES, key_path
from pathways.domain.errors import PathwaysError
from pathways.i18n import _

if TYPE_CHECKING:
    from pathways.backends.base import Backend
    from pathways.backends.session import Session

CHAIN_KEY_ENV = "PATHWAYS_CHAIN_KEY"
CHAIN_KEY_FILE_ENV = "PATHWAYS_CHAIN_KEY_FILE"
TABLE = "pathways_chain"
#: Its columns' PostgreSQL types (for COPY).
TYPES = ("int8", "text", "text", "bytea", "bytea")
#: The hash before the first event (of the log, or of a stream).
START = bytes(32)
#: `pathways_meta` name of the value that tells a wrong chain key at once.
CHECK_NAME = "chain-key-check"
_CHECK = b"pathways chain key check v1"
_YOUTH = b"pathways chain v1: youth\x00"
_GLOBAL = b"pathways chain v1: global\x00"
#: Rows of an `IN (...)` list per query.
_CHUNK = 500


class ChainKeyError(PathwaysError):
    """The chain key is missing, malformed, or not the one the store's chain was made with."""


class Link(NamedTuple):
    """An event as stored: what its youth-chain hash covers."""

    position: int
    event_id: uuid.UUID
    stream: uuid.UUID
    version: int
    topic: str
    state: bytes


@dataclass(frozen=True)
class Entry:
    """A row of the chain table."""

    position: int
    event_id: str
    stream: str  # the stream id, as hex
    youth_hash: bytes
    global_hash: bytes


@dataclass(frozen=True)
class Heads:
    """The last global-chain hash, and the last youth-chain hash of some streams."""

    last_global: bytes
    last_youth: dict[uuid.UUID, bytes]


# --- the key ---------------------------------------------------------------------------


def chain_key_path(chain_key_file: Path | None = None, key_file: Path | None = None) -> Path:
    """Where the chain key file is: the given one, `$PATHWAYS_CHAIN_KEY_FILE`, else beside
    the master key file (`NAME.chain.key` for `NAME.key`: `master.chain.key` by default)."""
    if chain_key_file is not None:
        return chain_key_file
    if os.environ.get(CHAIN_KEY_FILE_ENV):
        return Path(os.environ[CHAIN_KEY_FILE_ENV])
    master = key_path(key_file)
    stem = master.stem if master.suffix == ".key" else master.name
    return master.with_name(f"{stem}.chain.key")


def chain_key_in_environment() -> bool:
    return bool(os.environ.get(CHAIN_KEY_ENV))


def load_chain_key(chain_key_file: Path | None = None, key_file: Path | None = None) -> bytes:
    """The chain key from `$PATHWAYS_CHAIN_KEY`, else its file (see `chain_key_path`)."""
    text = os.environ.get(CHAIN_KEY_ENV)
    source = f"${CHAIN_KEY_ENV}"
    if not text:
        path = chain_key_path(chain_key_file, key_file)
        source = str(path)
        try:
            with path.open("rb") as handle:  # a few bytes only: the path may be /dev/zero
                raw = handle.read(MAX_KEY_FILE_BYTES + 1)
        except FileNotFoundError:
            msg = _(
                "no chain key: {path} does not exist and ${env} is not set. Give "
                "the key the store's chain was made with (--chain-key-file, "
                "${file_env} or ${env}); `pathways init` and "
                "`pathways db upgrade` make one"
            ).format(path=path, env=CHAIN_KEY_ENV, file_env=CHAIN_KEY_FILE_ENV)
            raise ChainKeyError(msg) from None
        except OSError as error:
            msg = _("cannot read the chain key file {path}: {reason}").format(
                path=path, reason=error.strerror
            )
            raise ChainKeyError(msg) from None
        text = raw.decode("ascii", errors="replace").strip()
        if len(raw) > MAX_KEY_FILE_BYTES or not (text.isascii() and text.isprintable()):
            msg = _("the chain key file {path} is not a pathways key (44 characters of base64)")
            msg = msg.format(path=path)
            raise ChainKeyError(msg)
    try:
        key = base64.urlsafe_b64decode(text.strip().encode())
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        msg = _("the chain key in {source} is malformed (expected 32 bytes in base64)").format(
            source=source
        )
        raise ChainKeyError(msg)
    return key


def chain_key_for(
    chain_key_file: Path | None, key_file: Path | None, master: bytes | None
) -> tuple[bytes | None, str]:
    """The chain key of a store opened with this master key, or why there is none."""
    try:
        key = load_chain_key(chain_key_file, key_file)
    except ChainKeyError as error:
        return None, str(error)
    if key == master:
        return None, "the chain key is the master key: it must be a key of its own"
    return key, ""


# --- the hashes --------------------------------------------------------------------------


def _state(mac: hmac.HMAC) -> Any:
    """The HMAC's OpenSSL state where the library has one (its `copy`, `update` and
    `digest` are then C calls, without the Python wrapper's), else the HMAC itself."""
    return getattr(mac, "_hmac", None) or mac


class Chain:
    """The HMACs of the chain under one key, and the rows an append writes."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        # HMAC states with the key and each tag already in: a copy per event saves
        # keying twice (about 40% of the time of a hash over a few hundred bytes).
        self._youth = _state(hmac.new(key, _YOUTH, "sha256"))
        self._global = _state(hmac.new(key, _GLOBAL, "sha256"))

    def check_value(self) -> bytes:
        """What `pathways_meta` keeps to tell a wrong chain key (an HMAC: not the key)."""
        return hmac.digest(self._key, _CHECK, "sha256")

    def opens(self, check: bytes) -> bool:
        return hmac.compare_digest(self.check_value(), check)

    def youth(self, previous: bytes, link: Link) -> bytes:
        """HMAC(tag, previous, event id, position, stream, version, topic, stored bytes)."""
        topic = link.topic.encode()
        mac = self._youth.copy()
        mac.update(
            b"".join(
                (
                    previous,
                    link.event_id.bytes,
                    link.position.to_bytes(8, "big", signed=True),
                    link.stream.bytes,
                    link.version.to_bytes(8, "big", signed=True),
                    len(topic).to_bytes(4, "big"),
                    topic,
                    link.state,
                )
            )
        )
        digest: bytes = mac.digest()
        return digest

    def global_(self, previous: bytes, position: int, youth_hash: bytes) -> bytes:
        """HMAC(tag, previous, position, youth-chain hash)."""
        mac = self._global.copy()
        mac.update(previous + position.to_bytes(8, "big", signed=True) + youth_hash)
        digest: bytes = mac.digest()
        return digest

    def entries(
        self,
        links: Sequence[Link],
        last_global: bytes,
        last_youth: dict[uuid.UUID, bytes],
        ids: Sequence[str] | None = None,
    ) -> Iterator[tuple[int, str, str, bytes, bytes]]:
        """The chain rows of events appended in this order (`last_youth` is updated),
        each made as it is read (`append` inserts each as it is made: the server inserts
        those sent while the next are hashed); `ids`: the events' ids as text, if the
        caller has them already.

        The hashes of `youth` and `global_`, computed here in one loop: an import
        chains every one of its events."""
        previous = last_global
        youth_mac, global_mac = self._youth, self._global
        topics: dict[str, bytes] = {}  # a topic -> its length and bytes, as hashed
        streams: dict[uuid.UUID, tuple[bytes, str]] = {}  # a stream -> its bytes and hex
        for index, (position, event_id, stream, version, topic, state) in enumerate(links):
            head = topics.get(topic)
            if head is None:
                encoded = topic.encode()
                head = topics[topic] = len(encoded).to_bytes(4, "big") + encoded
            known = streams.get(stream)
            if known is None:
                known = streams[stream] = (stream.bytes, stream.hex)
            place = position.to_bytes(8, "big", signed=True)
            mac = youth_mac.copy()
            mac.update(
                b"".join(
                    (
                        last_youth.get(stream, START),
                        event_id.bytes,
                        place,
                        known[0],
                        version.to_bytes(8, "big", signed=True),
                        head,
                        state,
                    )
                )
            )
            youth: bytes = mac.digest()
            last_youth[stream] = youth
            mac = global_mac.copy()
            mac.update(previous + place + youth)
            previous = mac.digest()
            shown = str(event_id) if ids is None else ids[index]
            yield position, shown, known[1], youth, previous

    def heads(self, session: Session, streams: Sequence[uuid.UUID]) -> Heads:
        """Where the chains stand before an append of events of these streams (read in the
        appending session, which holds the append lock, before its events are inserted)."""
        found = session.rows(
            "SELECT global_hash FROM {p}pathways_chain ORDER BY position DESC LIMIT 1"
        )
        last_global = bytes(found[0]["global_hash"]) if found else START
        return Heads(last_global, last_youth_hashes(session, list(dict.fromkeys(streams))))

    def append(
        self,
        session: Session,
        heads: Heads,
        links: Sequence[Link],
        ids: Sequence[str] | None = None,
    ) -> None:
        """Write the chain rows of events just appended in `session`, after `heads`
        (`ids`: the events' ids as text, if the caller has them)."""
        if links:
            rows = self.entries(links, heads.last_global, heads.last_youth, ids)
            session.insert_rows(TABLE, TYPES, rows)


def mismatch(where: str) -> str:
    return _(
        "the chain key does not match the store {where}: it is not the key its chain was "
        "made with (check --chain-key-file, ${file_env} or ${env}), or "
        "the store's key check was altered"
    ).format(where=where, file_env=CHAIN_KEY_FILE_ENV, env=CHAIN_KEY_ENV)


def check_on_open(backend: Backend, chain: Chain, where: str, *, create: bool) -> tuple[bool, str]:
    """Whether the store holds a check value of the chain key (`pathways init` writes it),
    and the problem if it is not this key's."""
    if create:
        backend.set_meta(CHECK_NAME, chain.check_value())
    found = backend.meta(CHECK_NAME)
    if found is not None and not chain.opens(found):
        return True, mismatch(where)
    return found is not None, ""


def check_in_append(session: Session, chain: Chain, where: str) -> None:
    """In an append to a store that had no check value of the chain key when it was
    opened: write it (the first key to append is the store's), or refuse another key."""
    found = session.rows("SELECT value FROM {p}pathways_meta WHERE name = ?", (CHECK_NAME,))
    if not found:
        session.execute(
            "INSERT INTO {p}pathways_meta VALUES (?, ?)", (CHECK_NAME, chain.check_value())
        )
    elif not chain.opens(bytes(found[0]["value"])):  # written by another process since
        raise ChainKeyError(mismatch(where))


def last_youth_hashes(session: Session, streams: Sequence[uuid.UUID]) -> dict[uuid.UUID, bytes]:
    """The youth-chain hash of the last event of each of these streams (those chained),
    found through the events' own (stream, version) key: the chain needs no index
    of its own, which would cost every append."""
    backend = session.backend
    events, column = backend.events_table, backend.position_column
    found: dict[uuid.UUID, bytes] = {}
    for start in range(0, len(streams), _CHUNK):
        chunk = [backend.stream_param(s) for s in streams[start : start + _CHUNK]]
        marks = ", ".join("?" * len(chunk))
        rows = session.rows(
            f"SELECT c.stream, c.youth_hash FROM {events} e"
            f" JOIN {{p}}pathways_chain c ON c.position = e.{column}"
            f" WHERE e.originator_id IN ({marks}) AND e.originator_version = ("
            f"  SELECT MAX(x.originator_version) FROM {events} x"
            "  WHERE x.originator_id = e.originator_id)",
            chunk,
        )
        found.update({uuid.UUID(r["stream"]): bytes(r["youth_hash"]) for r in rows})
    return found
