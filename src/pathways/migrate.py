"""Moving an office's SQLite store into PostgreSQL (`pathways migrate --to postgresql://…`).

The copy is of the stored rows, byte for byte: the events with their positions
(so `@N` in a report means the same event on both sides), their streams and
versions, their states (recording times, recorders, sealed fields); the
event-id index; the wrapped per-youth keys as they are (the same master key
opens both stores); the store's meta rows. Which tables: every table of the
source except the schema's history (the target has its own, at the same
version) and the read models (`pw_*`, rebuilt in the target from the copied
log). A table with a `position` column is copied with the events of that range;
any other table is replaced whole at the end (it is small: keys, meta).

It is resumable: the events go in transactions of `chunk` events, each with its
rows of the position tables, holding the target's append lock, so that an
interruption (Ctrl-C, SIGKILL, a lost server) leaves the target at the end of
a chunk, and a rerun starts at the target's head. A target holding other events
than the source's at the same positions is refused before anything is written.

The verification reads each side on its own: row counts of every copied table,
an order-free digest of each non-event table, and a SHA-256 of the log, event by
event in position order over (position, stream, version, topic, state).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from pathways.backends.base import Location
from pathways.domain.errors import StoreError
from pathways.i18n import _, number
from pathways.progress import SILENT, Progress
from pathways.store import Store
from pathways.store_copy import (
    EVENT_COLUMNS,
    EVENTS,
    MigrationError,
    Peeking,
    Source,
    Table,
    Target,
    digest,
    encoded,
    event_row,
    normal,
    typed,
)

#: Events per transaction of the copy.
CHUNK = 5_000


@dataclass
class Check:
    """The two sides compared, each read on its own."""

    counts: dict[str, tuple[int, int]]  # table: (source rows, target rows)
    source_checksum: str  # SHA-256 of the log
    target_checksum: str
    differences: list[str] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return not self.differences


@dataclass
class Result:
    before: int  # events in the target before this run
    copied: int  # events copied by this run
    first: int  # positions copied (0, 0 when none)
    last: int
    tables: list[str]
    rebuilt: int  # events replayed into the target's read models
    check: Check


# -- the pieces ----------------------------------------------------------------------------


def plan(source: Source, target: Target) -> list[Table]:
    """The tables to copy, the events first; refused if the target lacks one."""
    found = target.types()
    tables = []
    for name, columns in source.tables().items():
        wanted = found.get(name)
        if name == EVENTS:
            continue
        if wanted is None or set(wanted) != set(columns):
            msg = _(
                "the target has no table {name} with the source's columns: both stores "
                "must be at this program's schema version (`pathways db upgrade` on each)"
            ).format(name=name)
            raise MigrationError(msg)
        tables.append(Table(name, columns, tuple(wanted[c] for c in columns)))
    events = Table(
        EVENTS, (*EVENT_COLUMNS, "notification_id"), ("uuid", "int8", "text", "bytea", "int8")
    )
    return [events, *tables]


def refuse_foreign(source: Source, target: Target) -> int:
    """The target's head, after checking that what it holds is the source's beginning."""
    head = target.head()
    if head == 0:
        return 0
    where = target.store.location.display
    foreign = _(
        "the target {where} holds other events than this store's: it is another store, "
        "was made by `pathways init` (its first admin is an event of its own: `migrate` "
        "makes the target itself), or was written to after a copy. Copy into an empty "
        "schema (a new `schema=` in the URL)"
    ).format(where=where)
    if head > source.head():
        raise MigrationError(foreign)
    for position in (target.first(), head):
        if normal(source.event_at(position)) != normal(target.event_at(position)):
            raise MigrationError(foreign)
    if source.count(EVENTS, head) != target.count(EVENTS):
        raise MigrationError(foreign)
    return head


def copy_events(
    source: Source,
    target: Target,
    tables: Sequence[Table],
    *,
    chunk: int = CHUNK,
    upto: int | None = None,
    progress: Progress = SILENT,
    on_chunk: Callable[[int], None] | None = None,
) -> tuple[int, int, int]:
    """Copy the events after the target's head (up to `upto`), a chunk per transaction
    with the rows of the position tables; (copied, first, last position)."""
    after = target.head()
    end = min(source.head(), upto) if upto is not None else source.head()
    positioned = [t for t in tables if t.by_position]
    ordered = {t.name: Peeking(source.by_position(t, after)) for t in positioned}
    index = {t.name: t.columns.index("position") for t in positioned}
    events = source.events(after, end)
    copied, first, last = 0, 0, after
    events_table = tables[0]
    while rows := [r for _, r in zip(range(chunk), events, strict=False)]:
        with target.store.session(write=True, append=True) as session:
            found = session.rows(f"SELECT MAX(notification_id) AS head FROM {{p}}{EVENTS}")
            if int(found[0]["head"] or 0) != last:
                msg = _(
                    "the target was written to during the copy: stop its other writers, run again"
                )
                raise MigrationError(msg)
            session.insert_rows(EVENTS, events_table.types, [event_row(r) for r in rows])
            last = int(rows[-1][0])
            for table in positioned:
                taken = ordered[table.name].take(index[table.name], last)
                session.insert_rows(table.name, table.types, [typed(r, table) for r in taken])
            session.execute(
                "SELECT setval(pg_get_serial_sequence(?, 'notification_id'), ?)",
                (f"{target.prefix}{EVENTS}", last),
            )
            session.execute(f"NOTIFY {EVENTS}")  # for a worker that listens
        first = first or int(rows[0][0])
        copied += len(rows)
        progress.advance(len(rows))
        if on_chunk is not None:
            on_chunk(last)
    return copied, first, last


def replace_tables(source: Source, target: Target, tables: Sequence[Table]) -> None:
    """The tables without positions replaced whole, and the rows of the position tables
    that have none, in one transaction."""
    with target.store.session(write=True, append=True) as session:
        for table in tables[1:]:
            if table.by_position:
                where = "WHERE position IS NULL"
                session.execute(f'DELETE FROM {{p}}"{table.name}" {where}')
                rows = source.rows(table, where)
            else:
                session.execute(f'DELETE FROM {{p}}"{table.name}"')
                rows = source.rows(table)
            session.insert_rows(table.name, table.types, [typed(r, table) for r in rows])


def verify(
    source: Source, target: Target, tables: Sequence[Table], progress: Progress = SILENT
) -> Check:
    """Counts of every table, a digest of each but the log, the log's SHA-256: each side
    read on its own."""
    counts = {t.name: (source.count(t.name), target.count(t.name)) for t in tables}
    differences = [
        _("{table}: {source} rows in the source, {target} in the target").format(
            table=n, source=number(a), target=number(b)
        )
        for n, (a, b) in counts.items()
        if a != b
    ]
    progress.phase("verify", 2 * counts[EVENTS][0])
    checksums = []
    for side in (source, target):
        log = hashlib.sha256()
        for row in side.events(0, 2**62):
            log.update(encoded(normal(row)))
            progress.advance()
        checksums.append(log.hexdigest())
    if checksums[0] != checksums[1]:
        differences.append(_("the log: its checksums differ"))
    for table in tables[1:]:
        if digest(source.rows(table), table) != digest(target.rows(table), table):
            differences.append(_("{table}: its rows differ").format(table=table.name))
    return Check(counts, checksums[0], checksums[1], differences)


# -- the whole ---------------------------------------------------------------------------------


def migrate(
    source_store: Store,
    target_store: Store,
    *,
    chunk: int = CHUNK,
    upto: int | None = None,
    progress: Progress = SILENT,
    on_chunk: Callable[[int], None] | None = None,
) -> Result:
    """Copy a SQLite store into a PostgreSQL one (opened with the same master key),
    rebuild the target's read models, verify. With `upto`, copy the events up to that
    position only (and neither rebuild nor replace the other tables): a part, that a
    later call completes. `Result.check` says whether the copy verified."""
    from pathways.projections.timelines import TimelinesProjection

    source, target = Source(source_store), Target(target_store)
    try:
        tables = plan(source, target)
        before = refuse_foreign(source, target)
        progress.phase("copy", source.head() - before)
        copied, first, last = copy_events(
            source, target, tables, chunk=chunk, upto=upto, progress=progress, on_chunk=on_chunk
        )
        if upto is not None and last < source.head():
            return Result(
                before, copied, first, last, [t.name for t in tables], 0, Check({}, "", "")
            )
        replace_tables(source, target, tables)
        projection = TimelinesProjection(target_store)
        rebuilt = 0
        if copied or projection.position() != last:
            progress.phase("rebuild", last)
            rebuilt = projection.rebuild(progress.advance)
        check = verify(source, target, tables, progress)
        result = Result(before, copied, first, last, [t.name for t in tables], rebuilt, check)
    finally:
        source.close()
        target.close()
    return result


def compare(source_store: Store, target_store: Store, progress: Progress = SILENT) -> Check:
    """Only the verification (`--verify-only`): nothing is written."""
    source, target = Source(source_store), Target(target_store)
    try:
        return verify(source, target, plan(source, target), progress)
    finally:
        source.close()
        target.close()


def target_location(url: str) -> Location:
    """Where `--to` points, before anything is opened or made there; a URL that is not
    a PostgreSQL one is refused, said with `--to`."""
    return _said_as_to(lambda: _postgres_location(url))


def _postgres_location(url: str) -> Location:
    from pathways.backends import locate

    location = locate(url)
    if location.backend != "postgresql":
        msg = _(
            "--to: '{url}' is not a PostgreSQL URL (postgresql://user@host:5432/db?schema=NAME)"
        ).format(url=url)
        raise MigrationError(msg)
    return location


def open_target(url: str, key_file: Path | None, *, create: bool) -> Store:
    """The PostgreSQL store at `url` (created as `pathways init` does, if `create` and
    none is there); the messages say `--to`, not `--db`."""
    return _said_as_to(lambda: _open_target(url, key_file, create=create))


def _open_target(url: str, key_file: Path | None, *, create: bool) -> Store:
    from pathways.backends import NoStore
    from pathways.store import open_store

    location = _postgres_location(url)
    try:
        return open_store(url, key_file)
    except NoStore:
        if not create:
            msg = _(
                "--to: no store at {where}: nothing to compare with "
                "(`pathways migrate --to URL` makes it and copies into it; do not "
                "`pathways init` it first)"
            ).format(where=location.display)
            raise MigrationError(msg) from None
        return open_store(url, key_file, create=True)


T = TypeVar("T")


def _said_as_to(action: Callable[[], T]) -> T:
    """`action`, whose store errors name `--to` (the target), not `--db`."""
    try:
        return action()
    except MigrationError:
        raise
    except StoreError as error:
        text = re.sub(r"--db\s?:", "--to:", str(error), count=1)
        text = text.replace(
            "`pathways db upgrade`", "`pathways --db URL db upgrade` (URL: the --to one)"
        )
        raise type(error)(text) from None


__all__ = [
    "CHUNK",
    "Check",
    "MigrationError",
    "Result",
    "Source",
    "compare",
    "migrate",
    "open_target",
    "target_location",
]
