"""The performance suite: what a user waits for, beside raw baselines run in the same process.

    python benchmarks/run.py            # everything (builds two 1,000,000-event stores once)
    python benchmarks/run.py --quick    # smaller sizes, for a smoke run
    python benchmarks/run.py import record views
    python benchmarks/run.py postgres   # the PostgreSQL column (skipped if no server answers)

Whole commands are run as a user runs them (a new process: start-up, imports and
read-model catch-up included, see endtoend.py), beside the in-process figure and a
raw baseline; each line reads `figure  baseline  ratio  (aim)`. Nothing here
asserts a time: the machine is shared and noisy. Stores and files are kept in
benchmarks/out/ (git-ignored) and reused when their size matches.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
if str(ROOT.parent / "src") not in sys.path:  # measure this checkout, in process too
    sys.path.insert(0, str(ROOT.parent / "src"))

from endtoend import (  # noqa: E402
    ACTOR,
    KEY,
    OUT,
    PASS,
    PATHWAYS,
    cli,
    compile_tree,
    duration,
    header,
    lag,
    measured_tree,
    median_wall,
    megabytes,
    rate,
    row,
)
from endtoend import run as run_command  # noqa: E402
from postgres import bench_postgres  # noqa: E402

END = date(2026, 11, 27)
# The demo generator gives ~40 events per youth over its default two years: a
# 1,000,000-event store of two years is 25,000 youths. Issue 10's store for the
# read aims is 64,000 youths for ~1,000,000 events: the same generator over 0.6
# of a year (~16 events per youth). Both are built once and kept in out/.
YEARS = 2.0
VIEWS_YEARS = 0.6
VIEWS_AS_OF = "2026-10-31"
#: Runs of the import (each on a fresh store, beside a run of its baseline): the same
#: import took 5.91 s and 8.76 s 24 minutes apart on this machine (a quicker index
#: insert between them), and a single run against a single baseline cannot tell a
#: change from that drift.
IMPORT_RUNS = 3
ORGANISATION = "we-ker"


def banner(title: str) -> None:
    print(f"\n== {title}")


def figure(label: str, value: float, unit: str, extra: str = "") -> None:
    shown = f"{value:>14,.3f}" if value < 10 else f"{value:>14,.1f}"
    print(f"  {label:<48} {shown} {unit}{('  ' + extra) if extra else ''}")


def fresh(path: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return path


def cohort_file(youths: int, years: float = YEARS) -> Path:
    """A generated JSONL file of `youths` young people over `years` (every pathway complete)."""
    from pathways.demo import generate, write_jsonl

    path = OUT / f"cohort-{youths}y-{years}.jsonl"
    if not path.exists():
        count = write_jsonl(generate(youths, seed=35, end=END, years=years), path)
        print(
            f"  generated {count:,} events for {youths:,} youths over {years} years "
            f"({count / youths:.1f} per youth) in {path.name}"
        )
    return path


def open_app(path: Path, *, create: bool = False) -> Any:
    """The application on a benchmark store; a new one gets its admin (`bench`, who runs
    the commands) as `pathways init` gives it one."""
    from pathways.application import Pathways
    from pathways.store import open_store

    app = Pathways(open_store(str(path), create=create), today=lambda: END)
    if create:
        app.add_user(ACTOR, "spip-35", "admin", ACTOR)
    return app


# -- issue 2 and 10: import and record, end to end ------------------------------------------


def raw_rate(lines: list[str]) -> float:
    """Parse each line and insert it with one executemany: the floor of any import."""
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
    seconds_taken = time.perf_counter() - start
    fresh(raw_db)
    return len(lines) / seconds_taken


def import_file(args: argparse.Namespace) -> Path:
    return cohort_file(max(1, args.import_events // 40))


def bench_import(args: argparse.Namespace) -> None:
    path = import_file(args)
    lines = path.read_text().splitlines()
    runs = IMPORT_RUNS
    banner(
        f"import of a generated file of {len(lines):,} events into a fresh SQLite store"
        f" (medians of {runs} runs, each beside a run of the baseline; a ratio is the"
        " median of each run's ratio to the baseline run beside it)"
    )
    raws: list[float] = []
    in_process: list[float] = []
    walls: list[float] = []
    peaks: list[int] = []
    store = OUT / "import.sqlite3"
    for _ in range(runs):  # interleaved: the machine's drift touches both alike
        raws.append(raw_rate(lines))
        inside = open_app(fresh(OUT / "import-in-process.sqlite3"), create=True)
        start = time.perf_counter()
        receipt = inside.import_lines(lines, "bench")
        in_process.append(receipt.stored / (time.perf_counter() - start))
        inside.store.close()
        fresh(OUT / "import-in-process.sqlite3")
        made = cli("init", store=fresh(store))
        done = cli("import", str(path), store=store)
        walls.append(done.wall)
        peaks.append(done.max_rss)
    raw, wall = statistics.median(raws), statistics.median(walls)
    args.first_import = wall
    (OUT / "import.source").write_text(path.name)
    # the ratios of each run to the baseline run beside it, then their median
    ratio = statistics.median(len(lines) / w / r for w, r in zip(walls, raws, strict=True))
    inner = statistics.median(i / r for i, r in zip(in_process, raws, strict=True))
    header("raw sqlite3 executemany of the same parsed lines, in this process")
    row("raw json.loads + executemany", rate(raw))
    row(
        "pathways import FILE (end to end, catch-up)",
        rate(len(lines) / wall),
        rate(raw),
        f"{ratio:.3f}",
        ">= 0.2",
    )
    row("  its wall time", duration(wall))
    row("  the wall time of each run", ", ".join(duration(w) for w in walls))
    row("  its peak memory (max RSS, the highest run)", megabytes(max(peaks)))
    row("  read-model lag after it", str(lag(store)), aim="0")
    row("  pathways init before it (not counted)", duration(made.wall))
    row(
        "import_lines in process (no catch-up)",
        rate(statistics.median(in_process)),
        rate(raw),
        f"{inner:.3f}",
    )


def imported(args: argparse.Namespace) -> bool:
    """Whether out/import.sqlite3 holds the file of this size (`record` and `reimport` use it)."""
    marker = OUT / "import.source"
    return marker.exists() and marker.read_text() == import_file(args).name


def first_youth(store: Path) -> str:
    app = open_app(store)
    youth = next(r.event.youth for r in app.store.read_log(0, 50) if hasattr(r.event, "youth"))
    app.store.close()
    return str(youth)


def record_command(youth: str) -> list[str]:
    return [*PATHWAYS, "record", "contact-made", youth, "--on", "2026-11-20", "--channel", "phone"]


#: What `record` imports of its libraries (`python -X importtime`), and one model checked
#: (pydantic builds a model's validator when its class is made): the floor of any
#: command of pathways, none of its own code in it.
LIBRARIES = [
    sys.executable,
    "-c",
    "import click, pydantic, sqlite3, zoneinfo, eventsourcing.sqlite\n"
    "from cryptography.hazmat.primitives.ciphers.aead import AESGCM\n"
    "from cryptography.hazmat.primitives.kdf.hkdf import HKDF\n"
    "class M(pydantic.BaseModel):\n    x: int\n"
    "M(x=1)",
]


def bench_record(store: Path, runs: int, label: str) -> None:
    banner(f"`pathways record` wall time, on a store whose read models are level ({label})")
    youth = first_youth(store)
    cli("alerts", "--json", store=store)  # a read: the read models come level
    before = lag(store)
    baseline = median_wall(PASS, runs)
    record = median_wall(record_command(youth), runs, store)
    libraries = median_wall(LIBRARIES, runs)
    header(f"python -c pass (interpreter start-up); medians of {runs} runs")
    row(
        "pathways record contact-made",
        duration(record),
        duration(baseline),
        f"{record / baseline:.1f}x",
        "<= 20x",
    )
    row(
        "  its libraries alone (imported, one model)",
        duration(libraries),
        duration(baseline),
        f"{libraries / baseline:.1f}x",
    )
    row("  pathways' own part (the difference)", duration(record - libraries))
    row(
        "  read-model lag before / after the runs",
        f"{before} / {lag(store)}",
        aim="a write leaves it",
    )


def bench_reimport(args: argparse.Namespace) -> None:
    banner("a second `pathways import` of the same file (nothing new)")
    store, path = OUT / "import.sqlite3", import_file(args)
    if lag(store) == 0:  # leave the read models behind, as a write or an interrupted catch-up does
        run_command(record_command(first_youth(store)), store)
    before = lag(store)
    again = cli("import", str(path), store=store)
    first = getattr(args, "first_import", None)
    header("the first import of the file (this run), wall")
    row(
        "pathways import FILE again",
        duration(again.wall),
        duration(first) if first else "",
        f"{again.wall / first:.3f}" if first else "",
    )
    row("  read-model lag before -> after", f"{before} -> {lag(store)}", aim="0 after: level")


# -- issue 3 and 10: read models --------------------------------------------------------------


def big_store(youths: int, years: float = YEARS) -> Path:
    """A store of `youths` young people over `years`, imported as one checked batch (built once).

    The demo's week-by-week writing would take several minutes at this size:
    every weekly batch re-reads the full histories of the youths it touches. The
    store is built in process (not a measure) and its read models caught up, so
    that the commands timed on it start level.
    """
    from pathways.projections import attach

    path = OUT / f"store-{youths}y-{years}.sqlite3"
    marker = OUT / f"store-{youths}y-{years}.done"
    if marker.exists() and marker.read_text() == program_shape():
        return path  # (a store of another schema or read-model layout is built again)
    source = cohort_file(youths, years)
    fresh(path)
    start = time.perf_counter()
    app = open_app(path, create=True)
    with source.open() as lines:
        app.import_lines(lines, "bench")
    views = attach(app)
    views.projection.catch_up()
    views.projection.close()
    events = app.store.head()
    print(
        f"  built {path.name}: {events:,} events, {youths:,} youths "
        f"({events / youths:.1f} per youth) in {time.perf_counter() - start:.0f} s"
    )
    app.store.close()
    marker.write_text(program_shape())
    return path


def program_shape() -> str:
    """The schema version and read-model layout of this program (a kept store's marker)."""
    from pathways import migrations
    from pathways.projections.layout import LAYOUT

    return f"schema {migrations.CURRENT}, layout {LAYOUT}"


def bench_rebuild(store: Path) -> None:
    from pathways.projections import TimelinesProjection

    banner(f"full rebuild of the read models ({store.name})")
    conn = sqlite3.connect(store)
    start = time.perf_counter()
    count = 0
    for (state,) in conn.execute("SELECT state FROM stored_events ORDER BY rowid"):
        json.loads(state)
        count += 1
    raw = count / (time.perf_counter() - start)
    conn.close()
    whole = count / cli("projections", "rebuild", store=store).wall
    app = open_app(store)
    projection = TimelinesProjection(app.store)
    start = time.perf_counter()
    applied = projection.rebuild()
    in_process = applied / (time.perf_counter() - start)
    projection.close()
    app.store.close()
    header(f"raw SELECT + json.loads of the {count:,} stored events, in this process")
    row("raw SELECT + json.loads", rate(raw))
    row(
        "pathways projections rebuild (end to end)",
        rate(whole),
        rate(raw),
        f"{whole / raw:.3f}",
        ">= 0.12",
    )
    row("rebuild in process", rate(in_process), rate(raw), f"{in_process / raw:.3f}")


def busiest_counsellor(youths: int, years: float) -> tuple[str, str]:
    """The counsellor code assigned most often in the cohort (the largest `--mine`), and
    their organisation."""
    counts: collections.Counter[tuple[str, str]] = collections.Counter()
    with cohort_file(youths, years).open() as lines:
        for line in lines:
            if '"CounsellorAssigned"' in line:
                found = json.loads(line)
                counts[found["counsellor"], found["organisation"]] += 1
    return counts.most_common(1)[0][0]


def bench_views(args: argparse.Namespace) -> None:
    from pathways.projections import attach
    from pathways.projections.caseload import alert_rows, caseload_rows

    youths, runs, as_of = args.views_youths, args.view_runs, VIEWS_AS_OF
    store = big_store(youths, VIEWS_YEARS)
    counsellor, organisation = busiest_counsellor(youths, VIEWS_YEARS)
    banner(f"alerts and caseload today and as of {as_of}, {store.name}")
    app = open_app(store)
    if counsellor not in app.reference().users:  # `caseload --mine` acts as them
        app.add_user(counsellor, organisation, "counsellor", ACTOR)
    views = attach(app)
    views.projection.catch_up()
    head = app.store.head()
    day, half = date.fromisoformat(as_of), head // 2
    print(f"  in process, after catch-up ({head:,} events, {app.store.count_youths():,} youths):")
    for label, when, known_at in (
        ("today", None, None),
        (f"as of {as_of}", day, None),
        (f"as of {as_of}, known at @{half}", day, f"@{half}"),
    ):
        start = time.perf_counter()
        point = views.point(when, known_at)
        lines = views.lines(point)
        caseload, alerts = caseload_rows(lines), alert_rows(lines)
        took = time.perf_counter() - start
        figure(label, took, "s", f"{len(caseload):,} followed, {len(alerts):,} alerts (aim < 2 s)")
    views.projection.close()
    app.store.close()

    commands = (
        (
            f"alerts --organisation {ORGANISATION}",
            ["alerts", "--organisation", ORGANISATION],
            "< 1 s",
        ),
        (
            f"caseload --mine --actor {counsellor}",
            ["caseload", "--mine", "--actor", counsellor],
            "< 1 s",
        ),
        ("alerts (the whole département)", ["alerts"], "< 2 s"),
    )
    startup = median_wall([*PATHWAYS, "--help"], runs)
    header(f"CLI start-up (`pathways --help`, no store); medians of {runs} runs, wall")
    # Today (the store ends before it): what a counsellor types each morning; each
    # youth's row keeps the situation of their whole timeline, judged on the day.
    # As of a past date, every youth with a later fact has their facts walked again.
    for when in ([], ["--as-of", as_of]):
        print(f"  {'today' if not when else 'as of ' + as_of}:")
        for label, command, aim in commands:
            found = json.loads(cli(*command, *when, "--json", store=store).stdout)
            wall = median_wall([*PATHWAYS, *command, *when], runs, store)
            row(
                f"{label} ({len(found):,})",
                duration(wall),
                duration(startup),
                f"{wall / startup:.1f}x",
                aim,
            )


def bench_memory(args: argparse.Namespace) -> None:
    youths = args.views_youths
    path = cohort_file(youths, VIEWS_YEARS)
    with path.open() as lines:
        count = sum(1 for _ in lines)
    banner(f"peak memory of `pathways import` of {count:,} events (one run, fresh store)")
    store = fresh(OUT / "memory.sqlite3")
    cli("init", store=store)
    done = cli("import", str(path), store=store)
    behind = lag(store)
    fresh(store)
    size = path.stat().st_size
    header("the size of the file imported")
    row(
        "max RSS of pathways import",
        megabytes(done.max_rss),
        megabytes(size),
        f"{done.max_rss / size:.1f}x",
        "< 1 GB",
    )
    row("  per event", f"{done.max_rss / count:,.0f} B")
    row("  its wall time", duration(done.wall))
    row("  its rate, end to end", rate(count / done.wall))
    row("  read-model lag after it", str(behind), aim="0")


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
    tabulate(found, ("territory",), RELEASE_INDICATORS, 5)
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
    period = ["--from", first.isoformat(), "--to", last.isoformat()]
    for command in (
        ["outcomes", *period, "--by", "territory"],
        ["compare", *period, "--by", "measure"],
    ):
        wall = median_wall([*PATHWAYS, *command, "--json"], 3, store)
        figure("pathways " + command[0] + " (wall)", wall, "s")


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
    out = OUT / "report.html"
    command = [*PATHWAYS, "report", "--from", "2025-01-01", "--to", "2026-06-30"]
    wall = median_wall([*command, "--out", str(out)], 3, store)
    size = out.stat().st_size / 1024
    figure("pathways report (wall)", wall, "s", f"{size:,.0f} KiB (aim < 10 s)")


BENCHES: dict[str, Callable[[argparse.Namespace], None]] = {
    "import": bench_import,
    "record": lambda a: bench_record(OUT / "import.sqlite3", a.runs, "the imported store"),
    "reimport": bench_reimport,
    "rebuild": lambda a: bench_rebuild(big_store(a.store_youths)),
    "views": bench_views,
    "memory": bench_memory,
    "outcomes": lambda a: bench_outcomes(big_store(a.store_youths)),
    "exports": lambda a: bench_exports(big_store(a.store_youths)),
    "report": lambda a: bench_report(big_store(a.store_youths)),
    "record-big": lambda a: bench_record(
        big_store(a.store_youths), a.runs, f"a store of {a.store_youths:,} youths"
    ),
    "postgres": lambda a: bench_postgres(a, import_file),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("which", nargs="*", choices=[*BENCHES, []], help="benchmarks to run")
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    parser.add_argument("--runs", type=int, default=11, help="runs of each cheap command")
    parser.add_argument("--clean", action="store_true", help="forget the stored inputs")
    args = parser.parse_args()
    # --quick: ~10,000 events to import, stores of ~40,000 events.
    args.import_events = 10_000 if args.quick else 100_000
    args.store_youths = 1_000 if args.quick else 25_000  # over two years: ~40 events a youth
    args.views_youths = 2_500 if args.quick else 64_000  # over 0.6 of a year: ~16 a youth
    if args.quick:
        args.runs = min(args.runs, 5)
    args.view_runs = min(args.runs, 3 if args.quick else 5)
    if args.clean and OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(exist_ok=True)
    os.environ["PATHWAYS_MASTER_KEY"] = KEY
    compile_tree()
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; "
        f"the CLI of {measured_tree()} (bytecode compiled); figures, not assertions"
    )
    selected = args.which or list(BENCHES)
    needs_import = {"record", "reimport"} & set(selected)
    if needs_import and "import" not in selected and not imported(args):
        selected.insert(0, "import")
    for name in selected:
        BENCHES[name](args)


if __name__ == "__main__":
    main()
