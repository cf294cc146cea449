"""`pathways verify`: recompute the chains of tamper evidence (`pathways.chain`) and say
which events were altered, removed or inserted outside the program.

The log and the chain table are read in one read transaction (a snapshot: on
PostgreSQL `REPEATABLE READ`), side by side in position order:

- an event with no chain row was **inserted** outside pathways (or its chain row
  deleted);
- a chain row with no event: the event was **removed**;
- an event whose id is not the one chained at its position was **moved** (two rows
  swapped, or one replaced);
- an event whose youth-chain hash does not cover its stored bytes was **altered**
  (its global-chain hash, computed over the stored youth-chain hash, still links);
- a chain row whose hashes do not link to the previous ones (an entry changed,
  forged, or an event removed together with its entry just before it) is a
  **broken chain**.

Each row is checked against the *stored* hashes before it, so that one change is
reported once, where it is: after a broken link the next row may follow either
the stored hash or the one recomputed, and both are accepted.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pathways.chain import CHECK_NAME, START, Chain, ChainKeyError, Entry, Link, mismatch
from pathways.i18n import _

if TYPE_CHECKING:
    from pathways.backends.base import Backend
    from pathways.store import Store

PAGE = 5000
#: Hashes a row may follow after broken links (the stored one and those recomputed).
CANDIDATES = 4


@dataclass(frozen=True)
class Problem:
    position: int
    event_id: str
    problem: str  # inserted, removed, moved, altered, broken-chain
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "event_id": self.event_id,
            "problem": self.problem,
            "detail": self.detail,
        }


@dataclass
class Report:
    events: int = 0  # events in the log
    youths: int = 0  # young people's streams among them
    #: the last chain entry: its position and global-chain hash (hex), which covers the
    #: whole log before it; noted elsewhere, it tells a later log cut short (truncated)
    head_position: int = 0
    head_hash: str = ""
    problems: list[Problem] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def verify(store: Store) -> Report:
    """Check every chain of the store's log; raises ChainKeyError without the right key."""
    chain = store.chain
    backend = store.backend
    with backend.session(write=False) as session:
        if backend.name == "postgresql":
            session.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        found = backend.meta(CHECK_NAME)
        if found is not None and not chain.opens(found):  # changed since the store was opened
            raise ChainKeyError(mismatch(store.location.display))
        return _Checker(chain).run(_events(backend), _entries(backend))


class _Checker:
    def __init__(self, chain: Chain) -> None:
        self.chain = chain
        self.report = Report()
        self.globals: list[bytes] = [START]
        self.youths: dict[str, list[bytes]] = {}
        self.versions: dict[uuid.UUID, int] = {}  # the last version seen of each stream

    def run(self, events: Iterator[tuple[Link, str]], entries: Iterator[Entry]) -> Report:
        streams: set[str] = set()
        event = next(events, None)
        entry = next(entries, None)
        while event is not None or entry is not None:
            if entry is None or (event is not None and event[0].position < entry.position):
                assert event is not None
                self._inserted(*event)
                streams.add(event[0].stream.hex)
                event = next(events, None)
            elif event is None or entry.position < event[0].position:
                self._removed(entry)
                self._head(entry)
                entry = next(entries, None)
            else:
                self._both(event[0], event[1], entry)
                self._head(entry)
                streams.add(event[0].stream.hex)
                event, entry = next(events, None), next(entries, None)
        from pathways.store import REGISTRY_STREAM

        self.report.youths = len(streams - {REGISTRY_STREAM.hex})
        return self.report

    def _problem(self, position: int, event_id: str, kind: str, detail: str) -> None:
        self.report.problems.append(Problem(position, event_id, kind, detail))

    def _inserted(self, link: Link, event_id: str) -> None:
        self.report.events += 1
        self._problem(
            link.position,
            event_id,
            "inserted",
            _(
                "not appended by pathways: it has no chain entry (inserted outside the "
                "program, or its chain entry deleted)"
            ),
        )
        # The next rows may link to it (its chain entry deleted) or not (an insertion).
        stream = link.stream.hex
        before = self.youths.get(stream, [START])
        youths = [self.chain.youth(y, link) for y in before]
        globals_ = [self.chain.global_(g, link.position, y) for g in self.globals for y in youths]
        self.youths[stream] = _keep(before + youths)
        self.versions[link.stream] = link.version
        self.globals = _keep(self.globals + globals_)

    def _head(self, entry: Entry) -> None:
        self.report.head_position = entry.position
        self.report.head_hash = entry.global_hash.hex()

    def _removed(self, entry: Entry) -> None:
        self._problem(
            entry.position,
            entry.event_id,
            "removed",
            _("appended by pathways, no longer in the log"),
        )
        self.globals = [entry.global_hash]
        self.youths[entry.stream] = [entry.youth_hash]

    def _both(self, link: Link, event_id: str, entry: Entry) -> None:
        self.report.events += 1
        chain = self.chain
        youths = [chain.youth(y, link) for y in self.youths.get(entry.stream, [START])]
        youth_ok = entry.youth_hash in youths and link.stream.hex == entry.stream
        globals_ = [chain.global_(g, link.position, entry.youth_hash) for g in self.globals]
        global_ok = entry.global_hash in globals_
        if event_id != entry.event_id:
            self._problem(
                link.position,
                entry.event_id,
                "moved",
                _(
                    "the event {event_id} is where pathways appended this one "
                    "(rows swapped, moved or replaced)"
                ).format(event_id=event_id),
            )
        elif not youth_ok and global_ok:
            self._problem(
                link.position,
                entry.event_id,
                "altered",
                _("its stored row differs from what pathways appended"),
            )
        elif not youth_ok and link.version != self.versions.get(link.stream, 0) + 1:
            self._problem(
                link.position,
                entry.event_id,
                "broken-chain",
                _(
                    "the event before it of the same stream (version {version}) was "
                    "removed with its chain entry"
                ).format(version=link.version - 1),
            )
        elif not youth_ok:
            self._problem(
                link.position,
                entry.event_id,
                "broken-chain",
                _("its chain entry was changed or forged"),
            )
        elif not global_ok:
            self._problem(
                link.position,
                entry.event_id,
                "broken-chain",
                _(
                    "the log's chain breaks before it: an event removed with its chain "
                    "entry, or its chain entry changed"
                ),
            )
        self.versions[link.stream] = link.version
        self.youths[entry.stream] = (
            [entry.youth_hash] if youth_ok else _keep([entry.youth_hash, *youths])
        )
        self.globals = [entry.global_hash] if global_ok else _keep([entry.global_hash, *globals_])


def _keep(hashes: list[bytes]) -> list[bytes]:
    """The candidates a next row may follow (the first ones: the stored hashes)."""
    return list(dict.fromkeys(hashes))[:CANDIDATES]


def _event_id(state: bytes) -> str:
    try:
        found = json.loads(state)["id"]
        return str(uuid.UUID(str(found)))
    except (ValueError, KeyError, TypeError):
        return "(unreadable)"


def _events(backend: Backend) -> Iterator[tuple[Link, str]]:
    """The log in position order, page by page: each event as chained, and its id."""
    column = backend.position_column
    after = -1
    while page := backend.rows(
        f"SELECT {column} AS position, originator_id AS stream, originator_version AS version,"
        f" topic, state FROM {backend.events_table} WHERE {column} > ? ORDER BY {column} LIMIT ?",
        (after, PAGE),
    ):
        for row in page:
            state = _bytes(row["state"])
            event_id = _event_id(state)
            chained = uuid.UUID(event_id) if event_id != "(unreadable)" else uuid.UUID(int=0)
            yield (
                Link(
                    int(row["position"]),
                    chained,
                    _stream(backend, row["stream"]),
                    int(row["version"]),
                    str(row["topic"]),  # (a number written by hand: text again)
                    state,
                ),
                event_id,
            )
        after = int(page[-1]["position"])


def _bytes(value: Any) -> bytes:
    """Stored bytes, also when a hand-made UPDATE left text in the column (SQLite's
    `replace()` gives text)."""
    return value.encode() if isinstance(value, str) else bytes(value)


def _stream(backend: Backend, value: Any) -> uuid.UUID:
    try:
        return backend.stream_value(value)
    except ValueError:  # a stream id that is not one (a row written by hand)
        return uuid.UUID(int=0)


def _entries(backend: Backend) -> Iterator[Entry]:
    after = -(2**62)
    while page := backend.rows(
        "SELECT position, event_id, stream, youth_hash, global_hash FROM {p}pathways_chain"
        " WHERE position > ? ORDER BY position LIMIT ?",
        (after, PAGE),
    ):
        for row in page:
            yield Entry(
                int(row["position"]),
                str(row["event_id"]),
                str(row["stream"]),
                _bytes(row["youth_hash"]),
                _bytes(row["global_hash"]),
            )
        after = int(page[-1]["position"])
