"""The PostgreSQL column of `make bench` (`python benchmarks/run.py postgres`).

Whole commands against a PostgreSQL store, as a user runs them, each beside a raw
baseline run in the same process and the same database:

- `pathways import` of the generated file into a fresh schema, beside a raw binary
  `COPY` of the same parsed rows (the floor of any import);
- `pathways projections rebuild`, beside a raw `SELECT state` + `json.loads` of the log;
- 4 clients recording single events at once with `pathways record`, beside 4
  clients each running single-row INSERT transactions (what `pgbench` measures);
- with the worker running (`pathways projections run --follow`), one writer alone,
  then 8 writers at once: their aggregate throughput against the one alone, and
  their p95 latency (issue 11: 8 writers must not collapse).

The store is the schema `bench_pathways` of $PATHWAYS_BENCH_POSTGRES (default: the
test server, postgresql://postgres@127.0.0.1:5432/test), dropped at the start.
Where no server answers, the section says so and is skipped.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import statistics
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from endtoend import OUT, PATHWAYS, cli, duration, environment, header, lag, rate, row
from endtoend import run as run_command

URL_ENV = "PATHWAYS_BENCH_POSTGRES"
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
SCHEMA = "bench_pathways"
CLIENTS = 4
WRITERS = 8
RECORD_ON = "2026-11-20"


def server() -> tuple[str, str]:
    """The server's URL and why it cannot be used ("" when it answers)."""
    import psycopg

    url = os.environ.get(URL_ENV, DEFAULT_URL)
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.Error as error:
        return url, str(error).splitlines()[0] if str(error) else type(error).__name__
    return url, ""


def shown(url: str) -> str:
    """The URL without its user or password."""
    from pathways.backends.postgres_url import display

    return display(url)


def store_url(url: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}schema={SCHEMA}"


def fresh_schema(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE')


def raw_copy(url: str, lines: list[str]) -> float:
    """Parse each line and COPY the rows into a plain table in one transaction:
    events per second (the floor of any import into PostgreSQL)."""
    import psycopg

    with psycopg.connect(url) as conn:
        conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{SCHEMA}"')
        conn.execute(
            f'CREATE TABLE "{SCHEMA}".raw_import '
            "(id uuid PRIMARY KEY, youth text, type text, state bytea)"
        )
        conn.commit()
        start = time.perf_counter()
        rows = []
        for line in lines:
            data = json.loads(line)
            rows.append((uuid.UUID(data["id"]), data.get("youth"), data["type"], line.encode()))
        with (
            conn.cursor() as cursor,
            cursor.copy(f'COPY "{SCHEMA}".raw_import FROM STDIN (FORMAT BINARY)') as copy,
        ):
            copy.set_types(["uuid", "text", "text", "bytea"])
            for item in rows:
                copy.write_row(item)
        conn.commit()
        seconds = time.perf_counter() - start
        conn.execute(f'DROP TABLE "{SCHEMA}".raw_import')
    return len(lines) / seconds


def raw_read(url: str) -> tuple[int, float]:
    """SELECT every state in log order (a server-side cursor) and json.loads it."""
    import psycopg

    with psycopg.connect(url) as conn, conn.cursor(name="bench") as cursor:
        cursor.itersize = 10_000
        start = time.perf_counter()
        cursor.execute(f'SELECT state FROM "{SCHEMA}".stored_events ORDER BY notification_id')
        count = 0
        for (state,) in cursor:
            json.loads(state)
            count += 1
        return count, count / (time.perf_counter() - start)


def sizes(url: str) -> tuple[int, int]:
    """Bytes on disk (tables, indexes, TOAST) of the log and our tables, and of the
    read models."""
    import psycopg

    with psycopg.connect(url) as conn:
        found = conn.execute(
            "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind = 'r'",
            (SCHEMA,),
        ).fetchall()
    log = sum(size for name, size in found if name.startswith(("stored_events", "pathways_")))
    views = sum(size for name, size in found if name.startswith("pw"))
    return log, views


def youths_that_take(url: str, wanted: int) -> list[str]:
    """Youths of the store on whom `record contact-made` is accepted (each tried once:
    a warm-up, not measured)."""
    from pathways.store import open_store

    store = open_store(url)
    try:
        found: list[str] = []
        for recorded in store.read_log(0, 5_000):
            youth = getattr(recorded.event, "youth", None)
            if youth and youth not in found:
                found.append(youth)
    finally:
        store.close()
    accepted = []
    for youth in found:
        done = run_command(record(youth), url, check=False)
        if "stored: 1 " in done.stdout:
            accepted.append(youth)
        if len(accepted) == wanted:
            break
    return accepted


def record(youth: str) -> list[str]:
    return [*PATHWAYS, "record", "contact-made", youth, "--on", RECORD_ON, "--channel", "phone"]


def concurrently(jobs: list[Callable[[], list[float]]]) -> tuple[float, list[float]]:
    """Run the clients at once; (wall seconds, every latency)."""
    start = time.perf_counter()
    with ThreadPoolExecutor(len(jobs)) as pool:
        results = [f.result() for f in [pool.submit(job) for job in jobs]]
    return time.perf_counter() - start, [x for found in results for x in found]


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def raw_inserts(url: str, per_client: int) -> tuple[float, list[float]]:
    """4 clients, each running single-row INSERT transactions (autocommit), at once."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            f'CREATE TABLE "{SCHEMA}".raw_insert '
            "(id bigserial PRIMARY KEY, youth text, state bytea)"
        )
    state = json.dumps({"type": "ContactMade", "channel": "phone", "on": RECORD_ON}).encode()
    ready = threading.Barrier(CLIENTS)

    def client(number: int) -> Callable[[], list[float]]:
        def run() -> list[float]:
            latencies = []
            with psycopg.connect(url, autocommit=True) as conn:
                ready.wait()
                for _ in range(per_client):
                    start = time.perf_counter()
                    conn.execute(
                        f'INSERT INTO "{SCHEMA}".raw_insert (youth, state) VALUES (%s, %s)',
                        (f"client-{number}", state),
                    )
                    latencies.append(time.perf_counter() - start)
            return latencies

        return run

    return concurrently([client(n) for n in range(CLIENTS)])


def commands(url: str, youths: list[str], per_client: int) -> tuple[float, list[float]]:
    """4 clients, each running `pathways record` on its own youth, one after another."""

    def client(youth: str) -> Callable[[], list[float]]:
        def run() -> list[float]:
            return [run_command(record(youth), url).wall for _ in range(per_client)]

        return run

    return concurrently([client(youth) for youth in youths])


@contextlib.contextmanager
def worker_running(url: str) -> Any:
    """`pathways projections run --follow` in the background while the block runs."""
    command = [*PATHWAYS, "projections", "run", "--follow"]
    child = subprocess.Popen(
        command,
        env=environment(url),
        cwd=OUT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(3)  # started, caught up, and registered as the store's worker
        if child.poll() is not None:
            msg = f"the worker stopped at once ({child.returncode})"
            raise RuntimeError(msg)
        yield
    finally:
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=60)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def writers_with_worker(url: str, youths: list[str], per_writer: int) -> None:
    """One writer alone, then WRITERS at once, with the worker running."""
    with worker_running(url):
        alone_wall, alone = commands(url, youths[:1], per_writer)
        wall, latencies = commands(url, youths[:WRITERS], per_writer)
        time.sleep(2)  # the worker's last round
        behind = lag(url)
    header(f"with the worker running: 1 writer alone ({per_writer} x pathways record)")
    single = per_writer / alone_wall
    total = WRITERS * per_writer
    row("1 x pathways record: throughput", rate(single))
    row("  p95 command latency", duration(p95(alone)))
    row(
        f"{WRITERS} x pathways record ({per_writer} each): throughput",
        rate(total / wall),
        rate(single),
        f"{(total / wall) / single:.2f}",
        ">= 1",
    )
    row("  median command latency", duration(statistics.median(latencies)))
    row("  p95 command latency", duration(p95(latencies)), aim="< 3 s")
    row("  read-model lag 2 s after them (the worker's)", str(behind), aim="0")


def bench_postgres(args: argparse.Namespace, import_file: Callable[[Any], Path]) -> None:
    print("\n== PostgreSQL: import, rebuild, 4 concurrent writers")
    base, problem = server()
    if problem:
        print(f"  skipped: no PostgreSQL server answers at {shown(base)} ({problem});")
        print(f"  set ${URL_ENV} to a server where the schema {SCHEMA} may be dropped")
        return
    url = store_url(base)
    fresh_schema(base)
    path = import_file(args)
    lines = path.read_text().splitlines()
    print(f"  server {shown(base)}, schema {SCHEMA} (dropped first); file of {len(lines):,} events")

    raw = raw_copy(base, lines)
    made = cli("init", store=url)
    done = cli("import", str(path), store=url)
    whole = len(lines) / done.wall
    header("raw binary COPY of the same parsed lines, one transaction, in this process")
    row("raw json.loads + COPY", rate(raw))
    row(
        "pathways import FILE (end to end)",
        rate(whole),
        rate(raw),
        f"{whole / raw:.3f}",
        ">= 20,000/s",
    )
    row("  its wall time", duration(done.wall))
    row("  read-model lag after it", str(lag(url)), aim="0")
    row("  pathways init before it (not counted)", duration(made.wall))

    log, views = sizes(base)
    row("  the log on disk, per event", f"{log / len(lines):,.0f} B")
    row("  the read models on disk, per event", f"{views / len(lines):,.0f} B")

    count, read = raw_read(base)
    rebuilt = cli("projections", "rebuild", store=url)
    header(f"raw SELECT state + json.loads of the {count:,} stored events, in this process")
    row("raw SELECT + json.loads", rate(read))
    whole = count / rebuilt.wall
    row("pathways projections rebuild (end to end)", rate(whole), rate(read), f"{whole / read:.3f}")
    row("  its wall time", duration(rebuilt.wall))

    per_client = 3 if args.quick else 15
    youths = youths_that_take(url, CLIENTS)
    if len(youths) < CLIENTS:
        print(f"  skipped the writers: only {len(youths)} youths take a contact on {RECORD_ON}")
        return
    wall, latencies = commands(url, youths, per_client)
    raw_wall, raw_latencies = raw_inserts(base, per_client * 100)
    header(
        f"{CLIENTS} clients, single-row INSERT transactions ({per_client * 100} each), "
        "in this process"
    )
    total = CLIENTS * per_client
    row(
        f"{CLIENTS} x pathways record ({per_client} each): throughput",
        rate(total / wall),
        rate(len(raw_latencies) / raw_wall),
        f"{(total / wall) / (len(raw_latencies) / raw_wall):.4f}",
    )
    row(
        "  median command latency",
        duration(statistics.median(latencies)),
        duration(statistics.median(raw_latencies)),
    )
    row(
        "  p95 command latency", duration(p95(latencies)), duration(p95(raw_latencies)), aim="< 3 s"
    )
    row("  read-model lag after them", str(lag(url)), aim="0")
    writers = youths_that_take(url, WRITERS)
    if len(writers) < WRITERS:
        print(f"  skipped the {WRITERS} writers: only {len(writers)} youths take a contact")
    else:
        writers_with_worker(url, writers, 3 if args.quick else 10)
    print(f"  (the store is left in the schema {SCHEMA}, dropped at the next run)")
