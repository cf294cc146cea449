"""The PostgreSQL server stopped and started again under the program (issue 11): the
worker waits it out and carries on exactly where it stopped; an import cut off by it
stores nothing, says so plainly, and goes through whole once the server is back; a
command started while it is down says that it cannot reach it.

A real server, never a mock: a private cluster (`tests/private_postgres.py`), since
the shared one serves other tests at the same time.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from test_database_failures import assert_no_data
from test_worker import Office, behind, wait_until

from private_postgres import PrivateServer

pytestmark = [pytest.mark.postgres, pytest.mark.restart]

#: The application name of the import's connections (to find its session on the server).
IMPORT_APP = "pathways-test-import"


@pytest.fixture(scope="module")
def server() -> Iterator[PrivateServer]:
    """A private cluster for this module's tests, removed at the end."""
    why = PrivateServer.unavailable()
    if why is not None:
        if os.environ.get("PATHWAYS_REQUIRE_POSTGRES"):  # CI: never skip silently
            pytest.fail(f"no private PostgreSQL cluster for the restart tests: {why}")
        pytest.skip(f"no private PostgreSQL cluster for the restart tests: {why}")
    cluster = PrivateServer()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture
def office(server: PrivateServer, tmp_path: Path, master_key: str) -> Office:
    """A store made by `pathways init` in a fresh schema of the private cluster (whose
    server runs, whatever the test before it did)."""
    if not server.running:
        server.start()
    return Office(server.url(f"t_{secrets.token_hex(6)}"), tmp_path, master_key)


def cpu_seconds(pid: int) -> float:
    """The CPU time a process has used (user and system), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stop_worker(worker: subprocess.Popen[str]) -> tuple[str, str]:
    worker.send_signal(signal.SIGTERM)
    out, err = worker.communicate(timeout=60)
    assert worker.returncode == 0, err
    return out, err


def applied(out: str) -> int:
    """The events a worker says it applied ("applied 1,234 events; ...")."""
    found = re.search(r"applied ([\d,]+) events", out)
    assert found, out
    return int(found.group(1).replace(",", ""))


# --- the worker -------------------------------------------------------------------------


def test_the_worker_waits_out_a_server_restart_and_projects_what_is_written_after(
    server: PrivateServer, office: Office
) -> None:
    office.ok("import", str(office.cohort(10)))
    worker = office.start("projections", "run", "--follow", "--interval", "0.5")
    try:
        wait_until(lambda: office.status()["worker"] is not None)
        assert office.status()["lag"] == 0
        cpu = cpu_seconds(worker.pid)
        stopped = time.monotonic()
        server.stop("fast")  # every session ended, the worker's LISTEN included

        # a command started meanwhile says it cannot reach the server, and stores nothing
        down = office.run(
            "record", "contact-made", "Y-2024-0001", "--on", "2026-11-26", "--channel", "phone"
        )
        assert down.returncode == 1
        (message,) = down.stderr.splitlines()
        assert message.startswith(
            f"Error: cannot connect to PostgreSQL at {server.display(office.db)}: "
        ), message
        assert message.endswith("Connection refused"), message
        assert down.stdout == ""

        # (down for less than STALE seconds: writes made once it is back leave their events
        # to the worker, which alone can then project them)
        time.sleep(max(0.0, stopped + 3.5 - time.monotonic()))
        assert worker.poll() is None, worker.communicate()
        # it waits with a growing delay, not in a busy loop
        used = cpu_seconds(worker.pid) - cpu
        assert used < 1.5
        server.start()
        down_for = time.monotonic() - stopped

        for day in ("2026-11-27", "2026-11-28", "2026-11-29"):
            office.ok("record", "contact-made", "Y-2024-0001", "--on", day, "--channel", "phone")
        back = time.monotonic()
        wait_until(lambda: office.status()["lag"] == 0, 60)
        caught_up = time.monotonic() - back
        assert office.status()["worker"] is not None
        out, err = stop_worker(worker)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate(timeout=30)
    assert applied(out) == 3  # the three contacts, by this worker, after the restart
    assert "Traceback" not in err
    lines = err.splitlines()
    assert lines[1].startswith("lost the store ("), err
    assert any(line.startswith("lost the store (cannot connect to PostgreSQL") for line in lines)
    head = office.status()["head"]
    assert f"carrying on from @{head - 3}" in err, err
    assert "the store is back after " in err, err
    print(
        f"server down {down_for:.1f} s, the worker using {used:.2f} s of CPU meanwhile; "
        f"the new events projected {caught_up:.1f} s after the last was written"
    )
    office.same_as_a_rebuild()


#: A worker whose first three pages (of 50 events) each take a second, inside their
#: transaction: the test crashes the server during the third.
SLOW_START = """
import time
from pathways.projections import timelines
from pathways.projections.apply import Projector
timelines.PAGE = 50
original = Projector.apply_raw
pages = 0
def slow(self, session, page):
    global pages
    original(self, session, page)
    pages += 1
    if pages <= 3:
        print("page", pages, flush=True)
        time.sleep(1.0)
Projector.apply_raw = slow
from pathways.cli import main
main()
"""


def test_a_server_crash_in_a_page_costs_that_page_only(
    server: PrivateServer, office: Office
) -> None:
    office.ok("demo", "--youth", "20", "--seed", "9", "--end", "2026-11-30")
    behind(office)
    head = office.status()["head"]
    assert head > 200
    worker = office.start("projections", "run", "--follow", "--interval", "0.5", code=SLOW_START)
    try:
        assert worker.stdout is not None
        for page in (1, 2, 3):
            assert worker.stdout.readline() == f"page {page}\n"
        # the third page is applied, not committed: the server crashes
        server.stop("immediate")
        time.sleep(1.5)
        server.start()
        wait_until(lambda: office.status()["lag"] == 0, 60)
        out, err = stop_worker(worker)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate(timeout=30)
    assert "Traceback" not in err
    assert "lost the store (" in err, err
    # two pages committed, the third rolled back with its tracking position
    assert "carrying on from @100\n" in err, err
    assert applied(out) == head  # every event once: the lost page again, nothing twice
    office.same_as_a_rebuild()


# --- an import --------------------------------------------------------------------------


def test_an_import_cut_by_a_server_crash_stores_nothing_and_goes_through_after(
    server: PrivateServer, office: Office
) -> None:
    path = office.cohort(100)  # about 3,800 events
    lines = len(path.read_text().splitlines())
    assert lines > 3000
    before = office.json("info")["events"]
    schema = office.db.rsplit("schema=", 1)[1]
    # Hold a table that the append writes after its events (their ids' index): the
    # import stops there, its events written, uncommitted, and the server crashes.
    blocker = psycopg.connect(server.base)
    blocker.execute(f'LOCK TABLE "{schema}".pathways_event_ids IN EXCLUSIVE MODE')
    child = office.start(
        "--db", server.url(schema, application_name=IMPORT_APP), "import", str(path)
    )
    try:
        waiting: list[tuple[str]] = []
        with psycopg.connect(server.base, autocommit=True) as watch:
            deadline = time.monotonic() + 120
            while not waiting and child.poll() is None:
                assert time.monotonic() < deadline, "the import never reached the lock"
                waiting = watch.execute(
                    "SELECT a.query FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid "
                    "WHERE a.application_name = %s AND NOT l.granted",
                    (IMPORT_APP,),
                ).fetchall()
                time.sleep(0.05)
        assert waiting, child.communicate()
        assert "pathways_event_ids" in waiting[0][0]  # its events are in, uncommitted
        server.stop("immediate")
    except BaseException:
        child.kill()
        child.communicate(timeout=30)
        raise
    finally:
        with contextlib.suppress(psycopg.Error):
            blocker.close()
    out, err = child.communicate(timeout=120)
    assert child.returncode == 1, (out, err)
    (message,) = err.splitlines()
    # (the driver's reason: "server closed the connection unexpectedly" or the like)
    assert message.startswith("Error: the store failed ("), message
    where = server.display(server.url(schema, application_name=IMPORT_APP))
    assert message.endswith(f") on {where}. Nothing was stored."), message
    assert "Traceback" not in err
    assert_no_data(err, path)

    server.start()  # (it recovers from its write-ahead log)
    assert office.json("info")["events"] == before  # nothing of the file
    again = office.ok("import", str(path))
    assert f"stored: {lines} event(s)" in again, again
    assert office.json("info")["events"] == before + lines
    assert "stored: 0 event(s)" in office.ok("import", str(path))
    office.ok("verify")
    office.same_as_a_rebuild()
