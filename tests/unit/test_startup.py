"""The start-up of a command: what `pathways.cli.main` does before the command runs."""

from __future__ import annotations

import subprocess
import sys

REPORT_GC = (
    "import atexit, gc, sys\n"
    "atexit.register(lambda: print('GC', gc.isenabled(), gc.get_freeze_count() > 0))\n"
    "from pathways.cli import main\n"
    "sys.argv = ['pathways', *sys.argv[1:]]\n"
    "main()\n"
)


def _gc_after(*args: str, before: str = "") -> str:
    done = subprocess.run(
        [sys.executable, "-c", before + REPORT_GC, *args],
        check=False,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()[-1]


def test_the_collector_skips_what_start_up_built_and_runs_for_the_command() -> None:
    """Start-up (importing the command's modules) runs with the cyclic collector paused;
    what it built is frozen, and the collector runs again for the command itself."""
    assert _gc_after("record", "contact-made", "--help") == "GC True True"


def test_a_collector_paused_by_the_caller_stays_paused() -> None:
    assert _gc_after("record", "--help", before="import gc; gc.disable()\n") == "GC False False"
