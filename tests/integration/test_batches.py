"""Large batches, all or nothing, on every backend; a whole large file into PostgreSQL.

PostgreSQL once hung on a batch past ~20,000 events (issue 11): eventsourcing sent it
as one pipelined statement, and the client and the server each waited for the other.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent

from pathways import demo
from pathways.backends.base import Backend
from pathways.backends.session import Session
from pathways.store import open_store

END = date(2026, 11, 30)
#: Above the ~20,000 events (~11 MB) of the batch that hung.
LARGE = 30_000
#: The fields `history --nl` adds to an imported line.
RECORDED = ("recorded_at", "actor", "position", "retracted")


@pytest.fixture
def backend(master_key: str, db_url: str) -> Iterator[Backend]:
    store = open_store(db_url, create=True)
    yield store.backend
    store.close()


def events(streams: int, each: int, size: int = 400) -> list[StoredEvent]:
    """`each` events in each of `streams` new streams, with states of `size` bytes."""
    found = []
    for _ in range(streams):
        stream = uuid.uuid4()
        found += [
            StoredEvent(stream, version, "tests:Event", os.urandom(size))
            for version in range(1, each + 1)
        ]
    return found


def write(session: Session, stored: list[StoredEvent]) -> list[int]:
    """A batch in a session, with our rows (a key per new stream, an event id per event),
    as the store writes them."""
    streams = dict.fromkeys(s.originator_id for s in stored if s.originator_version == 1)
    keys = [(stream.hex, os.urandom(40)) for stream in streams]
    session.insert_rows("pathways_keys", ("text", "bytea"), keys)
    positions = session.insert_events(stored)
    ids = [
        (str(uuid.uuid4()), s.originator_id.hex, p) for s, p in zip(stored, positions, strict=True)
    ]
    session.insert_rows("pathways_event_ids", ("text", "text", "int8"), ids)
    return positions


def append(backend: Backend, stored: list[StoredEvent]) -> list[int]:
    with backend.session() as session:
        return write(session, stored)


def counts(backend: Backend) -> tuple[int, int, int]:
    return (
        backend.count(),
        backend.count("pathways_event_ids"),
        backend.count("pathways_keys"),
    )


def test_a_large_batch_is_stored_whole_with_its_positions_in_order(backend: Backend) -> None:
    assert append(backend, events(1, 5)) == [1, 2, 3, 4, 5]
    batch = events(LARGE // 50, 50)
    positions = append(backend, batch)
    assert positions == list(range(6, 6 + LARGE))
    assert counts(backend) == (5 + LARGE, 5 + LARGE, 1 + LARGE // 50)
    rows = backend.read_raw(after=5, limit=LARGE, upto=None)
    assert [state for _, _, state in rows] == [s.state for s in batch]
    places = backend.event_places(
        [r["event_id"] for r in backend.rows("SELECT event_id FROM {p}pathways_event_ids")]
    )
    assert sorted(position for _, position in places.values()) == list(range(1, 6 + LARGE))


def test_a_large_batch_whose_last_event_conflicts_stores_nothing(backend: Backend) -> None:
    stored = events(1, 3)
    append(backend, stored)
    before = counts(backend)
    batch = events(LARGE // 50, 50)
    taken = stored[-1]
    batch.append(StoredEvent(taken.originator_id, taken.originator_version, "tests:Event", b"x"))
    with pytest.raises(IntegrityError):
        append(backend, batch)
    assert counts(backend) == before
    # the next append goes on after the head (PostgreSQL's sequence may leave a gap where
    # the failed one took its numbers: positions only ever increase)
    later = append(backend, events(1, 2))
    assert later[0] > 3
    assert later[1] == later[0] + 1
    assert backend.head() == later[1]


def test_rows_made_as_they_are_inserted_store_nothing_when_one_cannot_be_made(
    backend: Backend,
) -> None:
    """The store makes each stored row as the backend inserts it (PostgreSQL inserts the
    rows already sent while the next are made): a row that cannot be made, half-way
    through a large batch, leaves nothing of the batch, nor of what the same transaction
    wrote before it."""
    append(backend, events(1, 3))
    before = counts(backend)
    batch = events(LARGE // 50, 50)

    def made() -> Iterator[tuple[uuid.UUID, int, str, bytes]]:
        for index, stored in enumerate(batch):
            if index == LARGE // 2:
                raise ValueError("this row cannot be made")
            yield stored.originator_id, stored.originator_version, stored.topic, stored.state

    def write_both() -> None:
        with backend.session() as session:
            session.insert_rows("pathways_keys", ("text", "bytea"), [(uuid.uuid4().hex, b"k")])
            session.insert_event_rows(made())

    with pytest.raises(ValueError, match="cannot be made"):
        write_both()
    assert counts(backend) == before
    assert append(backend, events(1, 2))[-1] == backend.head()  # the store goes on


def test_positions_follow_the_rows_across_gaps_in_postgresqls_sequence(backend: Backend) -> None:
    """The positions an append returns are those its rows took, with a gap before them
    (a number taken by a transaction that rolled back) or inside them (taken while the
    COPY ran): PostgreSQL's positions come from a sequence, and are found from the run's
    ends (through the index of positions), or row by row when the run has a hole."""
    if backend.name != "postgresql":
        pytest.skip("positions from a sequence are PostgreSQL's (SQLite's rowids have no gap)")
    table = backend.events_table
    sequence = f"pg_get_serial_sequence('{table}', 'notification_id')"
    assert append(backend, events(1, 2)) == [1, 2]
    with backend.session() as session:
        session.execute(f"SELECT nextval({sequence})")  # a gap before the next run
        # a number taken while the run is written, after its second row
        session.execute(
            f"CREATE FUNCTION {{p}}burn() RETURNS trigger AS $$ BEGIN"
            f" IF NEW.originator_version = 2 THEN PERFORM nextval({sequence}); END IF;"
            " RETURN NEW; END $$ LANGUAGE plpgsql"
        )
        session.execute(
            f"CREATE TRIGGER burn BEFORE INSERT ON {table}"
            " FOR EACH ROW EXECUTE FUNCTION {p}burn()"
        )
    stored = events(1, 3)
    positions = append(backend, stored)
    with backend.session() as session:
        session.execute(f"DROP TRIGGER burn ON {table}")
    found = backend.rows(
        f"SELECT notification_id AS p FROM {table} WHERE originator_id = ?"
        " ORDER BY originator_version",
        (stored[0].originator_id,),
    )
    assert positions == [int(r["p"]) for r in found] == [4, 5, 7]
    assert append(backend, events(1, 2)) == [8, 9]  # a run without a hole: from its ends


def test_successive_appends_in_one_session_commit_together(backend: Backend) -> None:
    one, two = events(3, 4), events(2, 5)
    with backend.session() as session:
        assert write(session, one) == list(range(1, 13))
        assert write(session, two) == list(range(13, 23))
    assert counts(backend) == (22, 22, 5)


def test_successive_appends_whose_last_chunk_conflicts_store_nothing(backend: Backend) -> None:
    stored = events(1, 2)
    append(backend, stored)
    before = counts(backend)
    one = events(4, 5)
    two = [*events(1, 3), StoredEvent(stored[0].originator_id, 2, "tests:Event", b"x")]

    def append_both() -> None:
        with backend.session() as session:
            write(session, one)
            write(session, two)

    with pytest.raises(IntegrityError):
        append_both()
    assert counts(backend) == before


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """`pathways ARGS` in a process of its own. The timeout only turns a hang (the
    bug of issue 11) into a failure: it measures nothing."""
    code = "from pathways.cli import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_a_file_of_150000_events_is_imported_into_postgres_in_one_go(
    db_url: str, master_key: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "cohort.jsonl"
    lines = demo.write_jsonl(demo.generate(3800, 35, END), path)
    assert lines >= 150_000
    monkeypatch.setenv("PATHWAYS_DB", db_url)
    assert run_cli("init").returncode == 0
    imported = run_cli("import", str(path))
    assert imported.returncode == 0, imported.stderr
    # position 1 is the first admin, made by init
    assert f"stored: {lines} event(s) at positions 2-{lines + 1};" in imported.stdout
    info = json.loads(run_cli("info", "--json").stdout)
    assert info["events"] == 1 + lines
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    youths = sorted({row["youth"] for row in rows if "youth" in row})
    for youth in (youths[0], youths[len(youths) // 2], youths[-1]):
        history = run_cli("history", youth, "--nl")
        assert history.returncode == 0, history.stderr
        shown = [json.loads(line) for line in history.stdout.splitlines()]
        for line in shown:
            for name in RECORDED:
                line.pop(name)
        assert sorted(shown, key=by_id) == sorted(
            (r for r in rows if r.get("youth") == youth), key=by_id
        )
    again = run_cli("import", str(path))
    assert again.returncode == 0, again.stderr
    assert f"stored: 0 event(s); skipped as already stored: {lines}" in again.stdout
    assert json.loads(run_cli("info", "--json").stdout)["events"] == 1 + lines


def by_id(line: dict[str, Any]) -> str:
    return str(line["id"])


def test_a_lookup_by_texts_finds_those_with_a_comma_or_empty(backend: Backend) -> None:
    """PostgreSQL binds a lookup's texts as one text that the server splits at commas
    (`_chunked`); a text holding a comma, or an empty one, must still be found as
    itself, on every backend."""
    texts = ["a,b", "", "c", *(f"id-{n}" for n in range(1000))]
    with backend.session() as session:
        session.insert_rows(
            "pathways_event_ids",
            ("text", "text", "int8"),
            [(text, "s", n) for n, text in enumerate(texts)],
        )
    sql = f"SELECT event_id FROM {backend.prefix}pathways_event_ids WHERE event_id IN ({{marks}})"
    for wanted in (["a,b"], [""], ["a,b", "c"], ["", "c"], ["c", "a"], texts):
        found = [row["event_id"] for row in backend._chunked(sql, wanted)]
        assert sorted(found) == sorted(t for t in wanted if t in texts), wanted
