"""The `timelines` read model: keeps each youth's facts up to date with the log.

Catching up reads the log after the model's tracking position, a page at a
time; each page's rows and the new tracking position are written in one
transaction that holds the write lock from its start (`BEGIN IMMEDIATE` on
SQLite, `SELECT ... FOR UPDATE` of the tracking row on PostgreSQL). Two
catch-ups racing therefore apply each event exactly once, and a process killed
in the middle of a page leaves nothing of that page behind.

A rebuild empties the tables and replays the whole log in *one* transaction:
readers keep seeing the previous, complete view until it commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Table,
    bindparam,
    delete,
    select,
    update,
)

from pathways import codec
from pathways.domain.events import FACT_TYPES, EventRetracted, YouthErased, YouthRegistered
from pathways.domain.facts import layout
from pathways.domain.outcomes import exact_age_band
from pathways.perf import without_gc
from pathways.projections.schema import Tables, make_tables
from pathways.store import Store

PAGE = 5000
EMPTY_FACT = dict.fromkeys(("a", "b", "c", "d", "n"))
#: The facts that keep the exact age band on their date (`age_band`), and its column.
BANDED = {kind: column for kind in FACT_TYPES if (column := layout(kind).column_of("age_band"))}


@dataclass(frozen=True)
class Status:
    name: str
    position: int
    head: int

    @property
    def lag(self) -> int:
        return self.head - self.position


RETRACTED, ERASED = EventRetracted.type_name(), YouthErased.type_name()
REGISTERED = YouthRegistered.type_name()


def engines_for(store: Store) -> tuple[Engine, Engine]:
    """A reading engine and a writing engine on the store's own database."""
    return store.backend.engines()


class TimelinesProjection:
    """Facts, youths and recording times, as SQL tables kept level with the log."""

    name = "timelines"

    def __init__(self, store: Store, *, create: bool = False) -> None:
        """The read model of a store; `create` makes its tables (`pathways init`).

        Opening runs no DDL when the tables exist: concurrent opens never race on
        the schema, and a read takes no write lock."""
        self.store = store
        self.backend = store.backend
        self.tables: Tables = make_tables(self.backend.schema)
        self.reader, self.writer = self.backend.engines()
        self._inserts: dict[str, tuple[str, list[str] | None]] = {}
        if create or not self._exists():
            self._create_tables()
            self._ensure_tracking()

    def _exists(self) -> bool:
        from sqlalchemy import inspect

        with self.reader.connect() as conn:
            return bool(inspect(conn).has_table("pw_tracking", schema=self.backend.schema))

    def close(self) -> None:
        self.reader.dispose()
        self.writer.dispose()

    def _create_tables(self) -> None:
        """Create the tables once, even when several processes open a fresh store at once:
        the writer's transaction serialises the check and the creation (its BEGIN, or the
        backend's `serialise_ddl`)."""
        with self.writer.begin() as conn:
            self.backend.serialise_ddl(conn, "pathways.projections")
            self.tables.metadata.create_all(conn, checkfirst=True)

    # tracking -------------------------------------------------------------------
    def _ensure_tracking(self) -> None:
        statement = (
            self.backend.insert(self.tables.tracking)
            .values(name=self.name, position=0)
            .on_conflict_do_nothing(index_elements=["name"])
        )
        with self.writer.begin() as conn:
            conn.execute(statement)

    def _locked_position(self, conn: Connection) -> int:
        """The tracking position, with the view's write lock held until commit."""
        query = select(self.tables.tracking.c.position).where(
            self.tables.tracking.c.name == self.name
        )
        return int(conn.execute(self.backend.lock_tracking(query)).scalar_one())

    def position(self) -> int:
        with self.reader.connect() as conn:
            return int(
                conn.execute(
                    select(self.tables.tracking.c.position).where(
                        self.tables.tracking.c.name == self.name
                    )
                ).scalar_one()
            )

    def status(self) -> Status:
        return Status(self.name, self.position(), self.store.head())

    # catching up ------------------------------------------------------------------
    @without_gc
    def catch_up(self, progress: Callable[[int], None] | None = None) -> int:
        """Apply every event after the tracking position, a page per transaction."""
        applied = 0
        while True:
            with self.writer.begin() as conn:
                position = self._locked_position(conn)
                page = self.store.read_raw(position, PAGE)
                if not page:
                    return applied
                self._apply(conn, page)
                self._set_position(conn, page[-1][0])
            applied += len(page)
            if progress is not None:
                progress(len(page))

    @without_gc
    def rebuild(self, progress: Callable[[int], None] | None = None) -> int:
        """Replay the whole log into empty tables, in one transaction."""
        applied = 0
        t = self.tables
        with self.writer.begin() as conn:
            self._locked_position(conn)
            for table in (t.fact, t.youth, t.log):
                conn.execute(delete(table))
            position = 0
            while True:
                page = self.store.read_raw(position, PAGE)
                if not page:
                    break
                self._apply(conn, page)
                position = page[-1][0]
                applied += len(page)
                if progress is not None:
                    progress(len(page))
            self._set_position(conn, position)
        return applied

    def _set_position(self, conn: Connection, position: int) -> None:
        conn.execute(
            update(self.tables.tracking)
            .where(self.tables.tracking.c.name == self.name)
            .values(position=position)
        )

    def _apply(self, conn: Connection, page: Sequence[Any]) -> None:
        facts: list[dict[str, Any]] = []
        youths: list[dict[str, Any]] = []
        logs: list[dict[str, Any]] = []
        retractions: list[dict[str, Any]] = []
        erasures: list[dict[str, Any]] = []
        unbanded: list[dict[str, Any]] = []
        for position, topic, blob in page:
            stored = codec.read(position, topic, blob)
            kind, youth = stored.kind, stored.youth
            logs.append({"position": position, "recorded_at": stored.recorded_at.timestamp()})
            if youth is None:
                continue  # a pilot measure or a setting: read from the registry stream
            if kind == RETRACTED:
                retractions.append({"target": stored.clear["event_id"], "pos": position})
                continue
            if kind == ERASED:
                erasures.append({"who": youth, "pos": position})
                continue
            on_day = stored.occurred_on.toordinal()
            if kind == REGISTERED:
                youths.append(
                    {
                        "youth": youth,
                        "registered_on": on_day,
                        "registered_pos": position,
                        "birth_year": stored.derived.get("birth_year"),
                        "residence": stored.clear.get("residence"),
                        "sex": stored.clear.get("sex"),
                        "event_id": stored.id,
                        "sealed": stored.sealed,
                        "erased_pos": None,
                    }
                )
            row = {
                "position": position,
                "youth": youth,
                "kind": kind,
                "on_day": on_day,
                "event_id": stored.id,
                "retracted_pos": None,
                **EMPTY_FACT,
            }
            row.update(stored.fact_columns())
            facts.append(row)
            band = BANDED.get(kind)
            if band is not None and row[band] is None:
                unbanded.append(row)
        if unbanded:
            self._legacy_bands(conn, unbanded, youths)
        t = self.tables
        for table, rows in ((t.log, logs), (t.youth, youths), (t.fact, facts)):
            if rows:
                self._insert_many(conn, table, rows)
        if retractions:
            conn.execute(
                update(t.fact)
                .where(t.fact.c.event_id == bindparam("target"))
                .values(retracted_pos=bindparam("pos")),
                retractions,
            )
        if erasures:
            conn.execute(
                update(t.youth)
                .where(t.youth.c.youth == bindparam("who"))
                .values(erased_pos=bindparam("pos"), sealed=None),
                erasures,
            )

    def _legacy_bands(
        self, conn: Connection, rows: list[dict[str, Any]], registered: list[dict[str, Any]]
    ) -> None:
        """The exact age band of releases and starts of supervision stored before the
        store wrote it with them: from the birth date, unsealed from the registration
        (of this page or of the table) while the youth's key exists. Once erased, the
        band stays empty and the indicators fall back to the birth year (approximate)."""
        sealed = {y["youth"]: (y["event_id"], y["sealed"]) for y in registered}
        wanted = sorted({row["youth"] for row in rows} - sealed.keys())
        y = self.tables.youth
        for start in range(0, len(wanted), 500):
            query = select(y.c.youth, y.c.event_id, y.c.sealed).where(
                y.c.youth.in_(wanted[start : start + 500]), y.c.sealed.is_not(None)
            )
            sealed.update(
                (youth, (event_id, blob)) for youth, event_id, blob in conn.execute(query)
            )
        births: dict[str, date | None] = {}
        for row in rows:
            youth = row["youth"]
            if youth not in births:
                event_id, blob = sealed.get(youth, (None, None))
                personal = self.store.unseal(youth, event_id, blob) if blob else None
                found = (personal or {}).get("birth_date")
                births[youth] = date.fromisoformat(found) if found else None
            birth = births[youth]
            if birth is not None:
                row[BANDED[row["kind"]]] = exact_age_band(birth, date.fromordinal(row["on_day"]))

    def _insert_many(self, conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
        """An executemany of the table's INSERT, compiled once: SQLAlchemy's per-row
        parameter processing was a third of a rebuild's time, and these columns need
        no type conversion."""
        compiled = self._inserts.get(table.name)
        if compiled is None:
            statement = table.insert().compile(dialect=conn.dialect)
            names = list(statement.positiontup or []) or None
            compiled = self._inserts[table.name] = (str(statement), names)
        sql, names = compiled
        if names is None:
            conn.exec_driver_sql(sql, rows)  # a named paramstyle takes the dicts
        else:
            conn.exec_driver_sql(sql, [tuple(row[n] for n in names) for row in rows])

    # reading ----------------------------------------------------------------------
    @contextmanager
    def reading(self) -> Iterator[Connection]:
        with self.reader.connect() as conn, conn.begin():
            yield conn

    def position_at(self, moment: datetime) -> int:
        """The last log position recorded at or before a moment."""
        with self.reading() as conn:
            found = conn.execute(
                select(self.tables.log.c.position)
                .where(self.tables.log.c.recorded_at <= moment.timestamp())
                .order_by(self.tables.log.c.position.desc())
                .limit(1)
            ).scalar()
        return int(found or 0)
