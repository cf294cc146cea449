"""The projection worker and the rebuild, with real processes and real signals, on SQLite
and PostgreSQL (issue 11): a worker keeps the read models level while writes leave
them to it, stops cleanly, resumes after SIGKILL, waits out a lost database; a
rebuild never stops the service.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest

from conftest import POSTGRES_URL
from pathways import demo
from pathways.projections.timelines import TimelinesProjection
from pathways.store import open_store

MAIN = "from pathways.cli import main; main()"
END = date(2026, 11, 30)
BACKENDS = pytest.mark.parametrize(
    "db_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


class Office:
    """A store made by `pathways init`, and `pathways` run in processes of their own."""

    def __init__(self, db: str, tmp_path: Path, master_key: str) -> None:
        self.db = db
        self.tmp_path = tmp_path
        self.env = {
            **os.environ,
            "PATHWAYS_DB": db,
            "PATHWAYS_MASTER_KEY": master_key,
            "PYTHONPATH": os.pathsep.join(sys.path),
        }
        self.ok("init")

    def start(self, *args: str, code: str = MAIN) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-c", code, *args],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", MAIN, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    def ok(self, *args: str) -> str:
        done = self.run(*args)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def json(self, *args: str) -> Any:
        return json.loads(self.ok(*args, "--json"))

    def status(self) -> dict[str, Any]:
        row: dict[str, Any] = self.json("projections", "status")[0]
        return row

    def cohort(self, youths: int, name: str = "cohort.jsonl", seed: int = 35) -> Path:
        path = self.tmp_path / name
        demo.write_jsonl(demo.generate(youths, seed, END), path)
        return path

    def same_as_a_rebuild(self) -> None:
        """The read models answer as a rebuild of the log does."""
        day = ["--as-of", "2026-11-30"]
        before = (self.ok("alerts", *day, "--json"), self.ok("caseload", *day, "--json"))
        self.ok("projections", "rebuild")
        after = (self.ok("alerts", *day, "--json"), self.ok("caseload", *day, "--json"))
        assert before == after


@pytest.fixture
def office(db_url: str, tmp_path: Path, master_key: str) -> Office:
    return Office(db_url, tmp_path, master_key)


def wait_until(test: Any, seconds: float = 60) -> None:
    end = time.monotonic() + seconds
    while not test():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.05)


#: The application name of the worker's connections to PostgreSQL (to cut them).
WORKER_APP = "pathways-test-worker"


@pytest.fixture
def worker(office: Office) -> Iterator[subprocess.Popen[str]]:
    """`pathways projections run --follow`, seen by the store, stopped after the test."""
    db = office.db + (f"&application_name={WORKER_APP}" if "://" in office.db else "")
    process = office.start("--db", db, "projections", "run", "--follow", "--interval", "0.5")
    wait_until(lambda: office.status()["worker"] is not None)
    yield process
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=60)


# --- the worker ------------------------------------------------------------------------


def behind(office: Office) -> None:
    """Put the read models back at position 0, empty (as after a crash before any page)."""
    store = open_store(office.db)
    with store.session(write=True, append=False) as session:
        session.execute("UPDATE {p}pw_tracking SET position = 0 WHERE name = 'timelines'")
        for table in ("pw1_youth", "pw1_follower", "pw1_log"):
            session.execute(f"DELETE FROM {{p}}{table}")
    store.close()


@BACKENDS
def test_run_catches_up_once_and_stops(office: Office) -> None:
    assert office.status()["worker"] is None
    office.ok("demo", "--youth", "15", "--seed", "3", "--end", "2026-11-30")
    behind(office)
    head = office.status()["head"]
    out = office.ok("projections", "run")
    assert out == f"applied {head:,} events; the read models are at @{head}\n"
    status = office.status()
    assert (status["lag"], status["worker"]) == (0, None)  # a worker that stops leaves
    office.same_as_a_rebuild()


@BACKENDS
def test_with_a_worker_writes_leave_the_read_models_to_it_and_reads_wait(
    office: Office, worker: subprocess.Popen[str]
) -> None:
    stored = office.ok("import", str(office.cohort(30)))
    position = int(stored.split("positions 2-")[1].split(";")[0])  # (1: the first admin)
    alerts = office.json("alerts", "--as-of", "2026-11-30", "--wait-for", f"@{position}")
    assert alerts, "the read waited for the worker to apply the import"
    assert office.status()["position"] >= position
    assert "keeping" in (worker.stderr.readline() if worker.stderr else "")
    office.same_as_a_rebuild()


@BACKENDS
def test_sigterm_stops_the_worker_cleanly(office: Office, worker: subprocess.Popen[str]) -> None:
    office.ok("import", str(office.cohort(10)))
    wait_until(lambda: office.status()["lag"] == 0)
    worker.send_signal(signal.SIGTERM)
    out, err = worker.communicate(timeout=60)
    assert worker.returncode == 0, err
    assert "applied" in out
    assert "Traceback" not in err
    assert office.status()["worker"] is None
    # with no worker, a write projects its own events again
    office.ok("record", "contact-made", "Y-2024-0001", "--on", "2026-11-29", "--channel", "phone")
    assert office.status()["lag"] == 0


SLOW_WORKER = """
import sys, time
from pathways.projections import timelines
from pathways.projections.apply import Projector
timelines.PAGE = 50
original = Projector.apply
def slow(self, session, page):
    original(self, session, page)
    print("page", flush=True)
    time.sleep(0.2)
Projector.apply = slow
from pathways.cli import main
main()
"""


@BACKENDS
def test_a_worker_killed_in_a_page_resumes_where_it_stopped(office: Office) -> None:
    office.ok("demo", "--youth", "40", "--seed", "9", "--end", "2026-11-30")
    behind(office)
    child = office.start("projections", "run", "--follow", code=SLOW_WORKER)
    assert child.stdout is not None
    for _ in range(5):
        assert child.stdout.readline() == "page\n"
    os.kill(child.pid, signal.SIGKILL)
    child.wait(30)
    partial = office.status()["position"]
    assert 0 < partial < office.status()["head"]
    # seen a moment ago, and its process gone: said so, not "not seen lately"
    assert office.status()["worker"].endswith("(gone: its process has ended)")
    office.ok("projections", "run")  # a new worker goes on from the tracking position
    assert office.status()["lag"] == 0
    office.same_as_a_rebuild()


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_a_worker_waits_out_a_lost_database_and_carries_on(
    office: Office, worker: subprocess.Popen[str]
) -> None:
    office.ok("import", str(office.cohort(10)))
    wait_until(lambda: office.status()["lag"] == 0)
    _cut_connections()
    for day in ("2026-11-27", "2026-11-28", "2026-11-29"):
        office.ok("record", "contact-made", "Y-2024-0001", "--on", day, "--channel", "phone")
    wait_until(lambda: office.status()["lag"] == 0)
    worker.send_signal(signal.SIGTERM)
    _, err = worker.communicate(timeout=60)
    assert "lost the store" in err, err
    assert "Traceback" not in err
    office.same_as_a_rebuild()


def _cut_connections() -> None:
    """What a client sees of a server that restarts: its connections end."""
    with psycopg.connect(POSTGRES_URL.split("?", 1)[0], autocommit=True) as conn:
        found = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
            (WORKER_APP,),
        ).fetchall()
    assert found, "the worker had no connection to cut"


# --- the rebuild ------------------------------------------------------------------------

SLOW_REBUILD = """
import time
from pathways.projections import rebuild
from pathways.projections.apply import Projector
rebuild.PAGE = 40
original = Projector.apply
def slow(self, session, page):
    original(self, session, page)
    print("page", flush=True)
    time.sleep(0.6)
Projector.apply = slow
from pathways.cli import main
main()
"""


@BACKENDS
def test_a_rebuild_does_not_stop_the_service(office: Office) -> None:
    office.ok("demo", "--youth", "40", "--seed", "5", "--end", "2026-11-30")
    before = office.ok("alerts", "--as-of", "2026-11-30", "--json")
    child = office.start("projections", "rebuild", code=SLOW_REBUILD)
    assert child.stdout is not None
    assert child.stdout.readline() == "page\n"
    # while it runs: another rebuild is refused; writes and reads go on at once
    refused = office.run("projections", "rebuild")
    assert refused.returncode == 1
    assert "a rebuild is already under way" in refused.stderr
    assert office.status()["rebuild"] is not None
    office.ok("record", "contact-made", "Y-2024-0001", "--on", "2026-11-29", "--channel", "phone")
    office.ok("history", "Y-2024-0001")
    during = office.ok("alerts", "--as-of", "2026-11-30", "--json")
    # all done while the rebuild still runs: none of them waited for it to end
    assert child.poll() is None, "the rebuild had ended: the test proves nothing"
    assert during
    assert before
    _, err = child.communicate(timeout=300)
    assert child.returncode == 0, err
    status = office.status()
    assert (status["generation"], status["rebuild"], status["lag"]) == (2, None, 0)
    office.same_as_a_rebuild()  # the contact recorded during the rebuild is in it


@BACKENDS
def test_a_rebuild_killed_is_taken_over_by_the_next(office: Office) -> None:
    office.ok("demo", "--youth", "20", "--seed", "6", "--end", "2026-11-30")
    child = office.start("projections", "rebuild", code=SLOW_REBUILD)
    assert child.stdout is not None
    assert child.stdout.readline() == "page\n"
    os.kill(child.pid, signal.SIGKILL)
    child.wait(30)
    assert office.status()["rebuild"] is not None
    # (its process is gone: the next rebuild takes over at once, as after STALE seconds
    # for one that ran on another machine)
    office.ok("projections", "rebuild")
    status = office.status()
    assert (status["generation"], status["rebuild"], status["lag"]) == (2, None, 0)
    store = open_store(office.db)
    try:
        assert store.backend.has_table("pw1_youth")  # the previous one, kept for readers
        assert not store.backend.has_table("pw3_youth")
        assert TimelinesProjection(store).worker() is None
    finally:
        store.close()
