"""Eight writers at once, and a worker, on SQLite and PostgreSQL (issue 11).

Each writer is a process of its own that records 500 events on an overlapping set of
50 youths: single records and small imports, some of them refused by a rule. Every
write runs its check under the store's append lock (`Commands.commit_parts`), so no
writer can slip a conflicting event in between another's check and its commit: there
is nothing to retry, and nothing is lost or doubled. The worker keeps the read models
level meanwhile; at the end they equal a rebuild (no event was skipped while writers
committed). The throughput is printed (`pytest -s`), not asserted: see `make bench`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from statistics import quantiles

import pytest

from pathways.store import open_store

WRITERS = 8
EVENTS = 500
YOUTHS = [f"Y-2026-{n:04d}" for n in range(1, 51)]
MAIN = "from pathways.cli import main; main()"
BACKENDS = pytest.mark.parametrize(
    "db_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)

#: One writer: `python -c WRITER DB SEED OUT`. Its outcome, one JSON object per write, in
#: OUT: the ids it sent, whether they were stored, and the error's class and message.
WRITER = """
import json, random, sys, time, uuid
from datetime import date, timedelta
from pathways.application import Pathways
from pathways.domain.errors import PathwaysError
from pathways.domain.events import ContactMade, Incarcerated, Released
from pathways.interchange import to_dict
from pathways.projections.timelines import attach_inline
from pathways.store import open_store

db, seed, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rng = random.Random(seed)
youths = [f"Y-2026-{n:04d}" for n in range(1, 51)]
store = open_store(db)
attach_inline(store)
app = Pathways(store, today=lambda: date(2026, 11, 27))
start = date(2026, 2, 1)

def day():
    return start + timedelta(days=rng.randrange(290))

def one():
    youth = rng.choice(youths)
    roll = rng.random()
    if roll < 0.08:  # refused: in the future
        return ContactMade(youth=youth, occurred_on=date(2099, 1, 1), channel="phone")
    if roll < 0.16:  # a custody and its release: refused when it overlaps another's
        came = day()
        return [
            Incarcerated(youth=youth, occurred_on=came, facility="other", status="remand"),
            Released(youth=youth, occurred_on=came + timedelta(days=rng.randrange(1, 20)),
                     kind="remand-ended", destination="rennes"),
        ]
    return ContactMade(youth=youth, occurred_on=day(), channel="office")

sent = 0
with open(out, "w") as log:
    while sent < 500:
        if rng.random() < 0.4:
            events = one()
            events = events if isinstance(events, list) else [events]
        else:
            events = []
            while len(events) < 10:
                found = one()
                events += found if isinstance(found, list) else [found]
        lines = [json.dumps(to_dict(e)) for e in events]
        began = time.perf_counter()
        try:
            app.import_lines(lines, f"writer-{seed}")
            stored, error = True, None
        except PathwaysError as caught:
            stored, error = False, [type(caught).__name__, str(caught)]
        except Exception as caught:  # a raw database error: the test fails on it
            stored, error = False, ["RAW " + type(caught).__name__, str(caught)]
        took = time.perf_counter() - began
        ids = [str(e.id) for e in events]
        log.write(json.dumps({"ids": ids, "stored": stored, "error": error, "took": took}) + "\\n")
        sent += len(events)
store.close()
"""


def _prepare(db: str, tmp_path: Path, env: dict[str, str]) -> int:
    """The 50 youths, registered with a support; the number of events stored."""
    rows = []
    for youth in YOUTHS:
        on = date(2026, 1, 5)
        rows.append(
            {
                "type": "YouthRegistered",
                "youth": youth,
                "occurred_on": str(on),
                "birth_date": "2004-05-06",
                "residence": "rennes",
            }
        )
        rows.append(
            {
                "type": "SupportStarted",
                "youth": youth,
                "occurred_on": str(on),
                "organisation": "we-ker",
                "counsellor": "c-wk-1",
            }
        )
    path = tmp_path / "youths.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    for args in (["init"], ["import", str(path)]):
        done = subprocess.run(
            [sys.executable, "-c", MAIN, *args],
            env=env,
            check=False,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
    return 1 + len(rows)  # the first admin (init) and the youths


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", MAIN, *args],
        env=env,
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@BACKENDS
def test_eight_writers_and_a_worker_lose_nothing_and_double_nothing(
    db_url: str, tmp_path: Path, master_key: str
) -> None:
    env = {
        **os.environ,
        "PATHWAYS_DB": db_url,
        "PATHWAYS_MASTER_KEY": master_key,
        "PYTHONPATH": os.pathsep.join(sys.path),
    }
    before = _prepare(db_url, tmp_path, env)
    worker = subprocess.Popen(
        [sys.executable, "-c", MAIN, "projections", "run", "--follow", "--interval", "0.5"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        started = time.perf_counter()
        writers = [
            subprocess.Popen(
                [sys.executable, "-c", WRITER, db_url, str(seed), str(tmp_path / f"w{seed}.jsonl")],
                env=env,
                stderr=subprocess.PIPE,
                text=True,
            )
            for seed in range(WRITERS)
        ]
        for writer in writers:
            _, err = writer.communicate(timeout=900)
            assert writer.returncode == 0, err
        wall = time.perf_counter() - started
        outcomes = [
            json.loads(line)
            for seed in range(WRITERS)
            for line in (tmp_path / f"w{seed}.jsonl").read_text().splitlines()
        ]
        # the worker reaches the head; the read models then equal a rebuild
        store = open_store(db_url)
        head = store.head()
        store.close()
        day = ["--as-of", "2026-11-27", "--json"]
        alerts = _cli(env, "alerts", *day, "--wait-for", f"@{head}")
        caseload = _cli(env, "caseload", *day)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.communicate(timeout=60)
    assert worker.returncode == 0
    raw = [o["error"] for o in outcomes if o["error"] and o["error"][0].startswith("RAW")]
    assert raw == [], raw[:3]  # never a raw database error
    refused = [o for o in outcomes if not o["stored"]]
    assert refused, "some writes were meant to be refused by a rule"
    assert {o["error"][0] for o in refused} == {"RulesBroken"}
    accepted = [i for o in outcomes if o["stored"] for i in o["ids"]]
    store = open_store(db_url)
    try:
        found = {
            r["event_id"] for r in store.backend.rows("SELECT event_id FROM {p}pathways_event_ids")
        }
        assert store.count_events() == before + len(accepted)  # nothing lost, nothing doubled
        assert set(accepted) <= found
        assert not {i for o in refused for i in o["ids"]} & found
    finally:
        store.close()
    _cli(env, "projections", "rebuild")
    assert _cli(env, "alerts", *day) == alerts
    assert _cli(env, "caseload", *day) == caseload
    took = [o["took"] for o in outcomes]
    p95 = quantiles(took, n=20)[-1]
    backend = "postgresql" if "://" in db_url else "sqlite"
    print(
        f"\n{backend}: {WRITERS} writers, "
        f"{len(outcomes)} writes, {len(accepted)} events stored in {wall:.1f} s "
        f"({len(accepted) / wall:,.0f} events/s); write latency p95 {p95 * 1000:.0f} ms"
    )
