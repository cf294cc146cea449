"""Running the `pathways` CLI of this checkout as a user runs it: wall time, peak memory, lag.

Each command is a new process (interpreter start-up, imports, read-model catch-up
included), so the figures are what a user waits for. The CLI is started from this
checkout's `src/` (PYTHONPATH), not from whatever `pathways` the virtual
environment would run, so that the figures are those of the tree being measured.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent
SRC = ROOT.parent / "src"
OUT = ROOT / "out"
KEY = "dzF3FARcJctDKg_07xJEn1XseUeYvzxz-MhHunf-zQ8="  # a fixed key for benchmark stores only
CHAIN_KEY = "Yl8xZnF3c3R1dnd4eXphYmNkZWZnaGlqa2xtbm9wcXI="  # their chain key (pathways verify)
ACTOR = "bench"  # the admin of every benchmark store
# the benchmark's own process opens the stores too (built in process, baselines)
os.environ.update(PATHWAYS_MASTER_KEY=KEY, PATHWAYS_CHAIN_KEY=CHAIN_KEY, PATHWAYS_ACTOR=ACTOR)
PATHWAYS = [
    sys.executable,
    "-c",
    "import sys; from pathways.cli import main; sys.argv[0] = 'pathways'; sys.exit(main())",
]
PASS = [sys.executable, "-c", "pass"]


def environment(store: Path | str | None = None) -> dict[str, str]:
    """The environment of a child: this checkout first on the path, the benchmark key."""
    paths = [str(SRC), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(paths),
        "PATHWAYS_MASTER_KEY": KEY,
        "PATHWAYS_CHAIN_KEY": CHAIN_KEY,
        "PATHWAYS_ACTOR": ACTOR,
    }
    if store is not None:
        env["PATHWAYS_DB"] = str(store)
    return env


@dataclass(frozen=True)
class Run:
    wall: float  # seconds
    max_rss: int  # bytes: the peak resident set of this child alone
    stdout: str


def run(command: list[str], store: Path | str | None = None, *, check: bool = True) -> Run:
    """Run one command to its end; its wall time and its own peak memory (wait4)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(command, stdout=out, stderr=err, env=environment(store), cwd=OUT)
        _pid, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if check and child.returncode != 0:
        shown = " ".join(command[3:] if command[:3] == PATHWAYS else command)
        msg = f"`{shown}` failed ({child.returncode}):\n{stderr}{stdout}"
        raise RuntimeError(msg)
    return Run(wall, usage.ru_maxrss * 1024, stdout)  # ru_maxrss is in KiB on Linux


def cli(*args: str, store: Path | str | None = None) -> Run:
    return run([*PATHWAYS, *args], store)


def median_wall(command: list[str], runs: int, store: Path | str | None = None) -> float:
    return statistics.median(run(command, store).wall for _ in range(runs))


def lag(store: Path | str) -> int:
    """How far the read models are behind the log (`projections status` does not catch up)."""
    rows = json.loads(cli("projections", "status", "--json", store=store).stdout)
    return int(rows[0]["lag"])


def compile_tree() -> None:
    """Compile the measured tree's modules to bytecode, as installing a package does.

    A child started with PYTHONDONTWRITEBYTECODE set (it is on the development
    machine) never writes the `__pycache__` of this checkout, so every command would
    compile every module of pathways it imports again, 100-150 ms of each, which no
    installed copy pays. It still reads bytecode that is there."""
    import compileall

    compileall.compile_dir(SRC, quiet=1)


def measured_tree() -> str:
    """Where the children import `pathways` from (to show the checkout measured)."""
    code = "import pathways, pathlib; print(pathlib.Path(pathways.__file__).parents[1])"
    return run([sys.executable, "-c", code]).stdout.strip()


# -- printing: figure, baseline, ratio, aim ---------------------------------------------


def rate(value: float) -> str:
    return f"{value:,.2f}/s" if value < 10 else f"{value:,.0f}/s"


def duration(value: float) -> str:
    if value < 0.1:  # (a baseline of a few milliseconds: its ratios need the decimal)
        return f"{value * 1000:,.1f} ms"
    return f"{value * 1000:,.0f} ms" if value < 1 else f"{value:,.2f} s"


def megabytes(value: float) -> str:
    return f"{value / 1e6:,.0f} MB"


def header(baseline: str) -> None:
    print(f"  baseline: {baseline}")
    print(f"  {'':<46} {'figure':>14} {'baseline':>14} {'ratio':>8}  (aim)")


def row(label: str, value: str, base: str = "", ratio: str = "", aim: str = "") -> None:
    print(f"  {label:<46} {value:>14} {base:>14} {ratio:>8}  {f'({aim})' if aim else ''}".rstrip())
