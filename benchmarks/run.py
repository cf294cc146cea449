"""The performance suite: figures and ratios against raw baselines run in the same process.

    python benchmarks/run.py            # everything (builds a 1,000,000-event store once)
    python benchmarks/run.py --quick    # smaller sizes, for a smoke run
    python benchmarks/run.py import record

Nothing here asserts a time: the machine is shared and noisy. Stores and files
are kept in benchmarks/out/ (git-ignored) and reused when their size matches.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "out"
PATHWAYS = Path(sys.executable).parent / "pathways"
KEY = "dzF3FARcJctDKg_07xJEn1XseUeYvzxz-MhHunf-zQ8="  # a fixed key for benchmark stores only
END = date(2026, 11, 27)


def banner(title: str) -> None:
    print(f"\n== {title}")


def figure(label: str, value: float, unit: str, extra: str = "") -> None:
    shown = f"{value:>14,.3f}" if value < 10 else f"{value:>14,.1f}"
    print(f"  {label:<48} {shown} {unit}{('  ' + extra) if extra else ''}")


def fresh(path: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return path


def cohort_file(events: int) -> Path:
    """A generated JSONL file of about `events` events (every pathway complete)."""
    from pathways.demo import generate, write_jsonl

    path = OUT / f"cohort-{events}.jsonl"
    if not path.exists():
        youth = max(1, events // 40)
        batches = generate(youth, seed=35, end=END)
        count = write_jsonl(batches, path)
        print(f"  generated {count:,} events for {youth:,} youths in {path.name}")
    return path


def open_app(path: Path) -> Any:
    from pathways.application import Pathways
    from pathways.store import open_store

    return Pathways(open_store(str(path), create=True), today=lambda: END)


# -- issue 2: import and record ---------------------------------------------------------


def bench_import(events: int) -> None:
    banner(f"import of a generated {events:,}-event file into a fresh SQLite store")
    path = cohort_file(events)
    lines = path.read_text().splitlines()

    raw_db = fresh(OUT / "raw.sqlite3")
    start = time.perf_counter()
    rows = []
    for line in lines:
        data = json.loads(line)
        rows.append((data["id"], data.get("youth"), data["type"], line.encode()))
    conn = sqlite3.connect(raw_db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t (id TEXT PRIMARY KEY, youth TEXT, type TEXT, state BLOB)")
    with conn:
        conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", rows)
    conn.close()
    raw = len(lines) / (time.perf_counter() - start)

    app = open_app(fresh(OUT / "import.sqlite3"))
    start = time.perf_counter()
    receipt = app.import_lines(lines, "bench")
    ours = receipt.stored / (time.perf_counter() - start)
    app.store.close()
    figure("raw sqlite3 executemany (json.loads each line)", raw, "events/s")
    figure("pathways import (checked, encrypted, indexed)", ours, "events/s")
    figure("ratio (aim >= 0.15)", ours / raw, "")


def median_wall(command: list[str], runs: int, env: dict[str, str] | None = None) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_record(store: Path, runs: int, label: str) -> None:
    banner(f"`pathways record` wall time, with its read-model catch-up ({label})")
    env = {**os.environ, "PATHWAYS_DB": str(store), "PATHWAYS_MASTER_KEY": KEY}
    app = open_app(store)
    youth = next(r.event.youth for r in app.store.read_log(0, 50) if hasattr(r.event, "youth"))
    app.store.close()
    subprocess.run(
        [str(PATHWAYS), "projections", "status"], check=True, env=env, capture_output=True
    )
    baseline = median_wall([sys.executable, "-c", "pass"], runs)
    record = median_wall(
        [
            str(PATHWAYS),
            "record",
            "contact-made",
            youth,
            "--on",
            "2026-11-20",
            "--channel",
            "phone",
        ],
        runs,
        env,
    )
    figure("python -c pass (median)", baseline * 1000, "ms")
    figure("pathways record contact-made (median)", record * 1000, "ms")
    figure("ratio (aim < 20)", record / baseline, "x")


# -- issue 3: read models ----------------------------------------------------------------


def big_store(events: int) -> Path:
    """A store of about `events` events, imported as one checked batch (built once).

    The demo's week-by-week writing would take several minutes at this size:
    every weekly batch re-reads the full histories of the youths it touches.
    """
    path = OUT / f"store-{events}.sqlite3"
    marker = OUT / f"store-{events}.done"
    if marker.exists():
        return path
    fresh(path)
    youth = max(1, events // 40)
    start = time.perf_counter()
    app = open_app(path)
    with cohort_file(events).open() as lines:
        app.import_lines(lines, "bench")
    print(
        f"  built {path.name}: {app.store.head():,} events, {youth:,} youths "
        f"in {time.perf_counter() - start:.0f} s"
    )
    app.store.close()
    marker.write_text("ok")
    return path


def bench_rebuild(store: Path) -> None:
    from pathways.projections import TimelinesProjection

    banner("full rebuild of the read models")
    conn = sqlite3.connect(store)
    start = time.perf_counter()
    count = 0
    for (state,) in conn.execute("SELECT state FROM stored_events ORDER BY rowid"):
        json.loads(state)
        count += 1
    raw = count / (time.perf_counter() - start)
    conn.close()
    app = open_app(store)
    projection = TimelinesProjection(app.store)
    start = time.perf_counter()
    applied = projection.rebuild()
    ours = applied / (time.perf_counter() - start)
    projection.close()
    app.store.close()
    figure("raw SELECT + json.loads", raw, "events/s")
    figure(f"rebuild of timelines ({applied:,} events)", ours, "events/s")
    figure("ratio (aim >= 0.1)", ours / raw, "")


def bench_views(store: Path) -> None:
    from pathways.projections import attach
    from pathways.projections.views import alert_rows, caseload_rows

    banner("caseload and alerts as of a date (in process, after catch-up)")
    app = open_app(store)
    views = attach(app)
    views.projection.catch_up()
    youths = app.store.count_youths()
    half = app.store.head() // 2
    for label, as_of, known_at in (
        ("today", None, None),
        ("as of 2026-03-31", date(2026, 3, 31), None),
        (f"as of 2026-03-31, known at @{half}", date(2026, 3, 31), f"@{half}"),
    ):
        start = time.perf_counter()
        point = views.point(as_of, known_at)
        lines = views.lines(point)
        caseload, alerts = caseload_rows(lines), alert_rows(lines)
        seconds = time.perf_counter() - start
        figure(
            f"{label}",
            seconds,
            "s",
            f"{youths:,} youths, {len(caseload):,} followed, {len(alerts):,} alerts (aim < 2 s)",
        )
    views.projection.close()
    app.store.close()
    env = {**os.environ, "PATHWAYS_DB": str(store), "PATHWAYS_MASTER_KEY": KEY}
    for command in (["alerts", "--as-of", "2026-03-31"], ["caseload", "--as-of", "2026-03-31"]):
        wall = median_wall([str(PATHWAYS), *command, "--json"], 3, env)
        figure("pathways " + " ".join(command) + " (wall)", wall, "s")


def bench_outcomes(store: Path) -> None:
    from pathways.domain.outcomes import RELEASE_INDICATORS, compare, tabulate
    from pathways.projections import attach

    banner("outcomes and compare for a year of releases (in process, after catch-up)")
    app = open_app(store)
    views = attach(app)
    views.projection.catch_up()
    first, last = date(2025, 1, 1), date(2025, 12, 31)
    start = time.perf_counter()
    point = views.point(None, None)
    found = views.cases(point, first, last)
    rows = tabulate(found, ("territory",), RELEASE_INDICATORS, 5)
    seconds = time.perf_counter() - start
    figure("outcomes --by territory", seconds, "s", f"{len(found):,} releases (aim < 2 s)")
    start = time.perf_counter()
    found = views.cases(views.point(None, None), first, last)
    territories = {code: m.territory for code, m in views.reference(point).measures.items()}
    compared = compare(found, "measure", RELEASE_INDICATORS, 5, None, territories)
    seconds = time.perf_counter() - start
    figure("compare --by measure", seconds, "s", f"{len(compared):,} comparisons (aim < 2 s)")
    views.projection.close()
    app.store.close()
    env = {**os.environ, "PATHWAYS_DB": str(store), "PATHWAYS_MASTER_KEY": KEY}
    period = ["--from", first.isoformat(), "--to", last.isoformat()]
    for command in (
        ["outcomes", *period, "--by", "territory"],
        ["compare", *period, "--by", "measure"],
    ):
        wall = median_wall([str(PATHWAYS), *command, "--json"], 3, env)
        figure("pathways " + command[0] + " (wall)", wall, "s", f"{len(rows):,} rows")


# -- issue 6: exports ----------------------------------------------------------------------


def bench_exports(store: Path) -> None:
    """Each export of the store, in process (as the commands run them), to a file in out/."""
    from pathways.exports import (
        Privacy,
        Pseudonyms,
        iter_log,
        log_columns,
        write_csv,
        write_jsonl,
        write_parquet,
    )
    from pathways.mining import (
        SURVIVAL_COLUMNS,
        ocel,
        pathways,
        survival_rows,
        write_process_csv,
        write_xes,
    )
    from pathways.projections import attach

    banner("exports of the whole store (in process, to a file; events/s of the log read)")
    app = open_app(store)
    views = attach(app)
    views.projection.catch_up()
    head = app.store.head()
    privacy = Privacy()

    def text(name: str, write: Callable[[Any], int]) -> int:
        with (OUT / name).open("w", encoding="utf-8", newline="") as handle:
            return write(handle)

    def process_log(fmt: str) -> int:
        found, _measures = pathways(app.store, privacy)
        return text(
            f"export.{fmt}", lambda h: (write_xes if fmt == "xes" else write_process_csv)(found, h)
        )

    def ocel_json() -> int:
        found, measures = pathways(app.store, privacy)
        document = ocel(found, measures)
        text("export.jsonocel", lambda h: h.write(json.dumps(document, ensure_ascii=False) + "\n"))
        return len(document["events"])

    def survival(outcome: str) -> int:
        point = views.point(None, None)
        cases = views.cases(point, date(2000, 1, 1), point.as_of, "releases")
        rows = survival_rows(cases, outcome, "releases", Pseudonyms(app.store, privacy))
        return text("export-survival.csv", lambda h: write_csv(rows, h, list(SURVIVAL_COLUMNS)))

    exports: list[tuple[str, Callable[[], int], str]] = [
        (
            "events --format jsonl",
            lambda: text("export.jsonl", lambda h: write_jsonl(iter_log(app.store, privacy), h)),
            "export.jsonl",
        ),
        (
            "events --format csv",
            lambda: text(
                "export.csv",
                lambda h: write_csv(iter_log(app.store, privacy), h, log_columns(privacy)),
            ),
            "export.csv",
        ),
        (
            "events --format parquet",
            lambda: write_parquet(
                iter_log(app.store, privacy), str(OUT / "export.parquet"), log_columns(privacy)
            ),
            "export.parquet",
        ),
        ("process-log --format csv", lambda: process_log("csv"), "export.csv"),
        ("process-log --format xes", lambda: process_log("xes"), "export.xes"),
        ("ocel", ocel_json, "export.jsonocel"),
        ("survival --outcome mainstream", lambda: survival("mainstream"), "export-survival.csv"),
        (
            "survival --outcome reincarceration",
            lambda: survival("reincarceration"),
            "export-survival.csv",
        ),
    ]
    for label, run, name in exports:
        start = time.perf_counter()
        written = run()
        seconds = time.perf_counter() - start
        size = (OUT / name).stat().st_size / 1e6
        figure(
            label, head / seconds, "events/s", f"{written:,} rows, {size:,.0f} MB, {seconds:.1f} s"
        )
        (OUT / name).unlink()
    views.projection.close()
    app.store.close()


def bench_report(store: Path) -> None:
    banner("the evaluation report (HTML, charts) for 18 months of releases")
    env = {**os.environ, "PATHWAYS_DB": str(store), "PATHWAYS_MASTER_KEY": KEY}
    out = OUT / "report.html"
    command = [str(PATHWAYS), "report", "--from", "2025-01-01", "--to", "2026-06-30"]
    wall = median_wall([*command, "--out", str(out)], 3, env)
    size = out.stat().st_size / 1024
    figure("pathways report (wall)", wall, "s", f"{size:,.0f} KiB (aim < 10 s)")


BENCHES: dict[str, Callable[[argparse.Namespace], None]] = {
    "import": lambda a: bench_import(a.import_events),
    "record": lambda a: bench_record(OUT / "import.sqlite3", a.runs, "the imported store"),
    "rebuild": lambda a: bench_rebuild(big_store(a.store_events)),
    "views": lambda a: bench_views(big_store(a.store_events)),
    "outcomes": lambda a: bench_outcomes(big_store(a.store_events)),
    "exports": lambda a: bench_exports(big_store(a.store_events)),
    "report": lambda a: bench_report(big_store(a.store_events)),
    "record-big": lambda a: bench_record(
        big_store(a.store_events), a.runs, f"a {a.store_events:,}-event store"
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("which", nargs="*", choices=[*BENCHES, []], help="benchmarks to run")
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--clean", action="store_true", help="forget the stored inputs")
    args = parser.parse_args()
    args.import_events = 10_000 if args.quick else 100_000
    args.store_events = 40_000 if args.quick else 1_000_000
    if args.quick:
        args.runs = min(args.runs, 5)
    if args.clean and OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(exist_ok=True)
    os.environ["PATHWAYS_MASTER_KEY"] = KEY
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; figures, not assertions")
    selected = args.which or list(BENCHES)
    if "record" in selected and "import" not in selected and not (OUT / "import.sqlite3").exists():
        selected.insert(0, "import")
    for name in selected:
        BENCHES[name](args)


if __name__ == "__main__":
    main()
