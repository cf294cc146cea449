"""An import cut off, by SIGKILL at any moment or by a database that goes away, stores all
of its file or nothing; a rerun stores exactly the file (issue 11)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import psycopg
import pytest

from conftest import POSTGRES_URL
from pathways import demo
from pathways.store import open_store

MAIN = "from pathways.cli import main; main()"
END = date(2026, 11, 30)
APP = "pathways-test-import"


def _env(db: str, master_key: str) -> dict[str, str]:
    return {
        **os.environ,
        "PATHWAYS_DB": db,
        "PATHWAYS_MASTER_KEY": master_key,
        "PYTHONPATH": os.pathsep.join(sys.path),
    }


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", MAIN, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _stored(db: str) -> int:
    store = open_store(db)
    try:
        return store.count_events()
    finally:
        store.close()


@pytest.fixture
def cohort(tmp_path: Path) -> tuple[Path, int]:
    path = tmp_path / "cohort.jsonl"
    return path, demo.write_jsonl(demo.generate(300, 35, END), path)


@pytest.mark.parametrize(
    "db_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_an_import_killed_at_any_moment_stores_all_or_nothing(
    db_url: str, master_key: str, cohort: tuple[Path, int]
) -> None:
    path, lines = cohort
    env = _env(db_url, master_key)
    assert _run(env, "init").returncode == 0
    seen = set()
    for delay in (0.3, 0.8, 1.5, 2.5, 4.0):
        child = subprocess.Popen(
            [sys.executable, "-c", MAIN, "import", str(path)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait(60)
        stored = _stored(db_url)
        assert stored in (1, 1 + lines), (delay, stored)  # (1: the first admin)
        seen.add(stored)
        if stored > 1:
            break
    again = _run(env, "import", str(path))
    assert again.returncode == 0, again.stderr
    assert _stored(db_url) == 1 + lines  # the admin and exactly the file, nothing doubled
    assert _run(env, "projections", "status", "--json").returncode == 0


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_an_import_whose_database_goes_away_fails_cleanly_and_a_rerun_stores_the_file(
    db_url: str, master_key: str, cohort: tuple[Path, int]
) -> None:
    path, lines = cohort
    env = _env(db_url, master_key)
    assert _run(env, "init").returncode == 0
    child = subprocess.Popen(
        [sys.executable, "-c", MAIN, "--db", f"{db_url}&application_name={APP}", "import",
         str(path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    base = POSTGRES_URL.split("?", 1)[0]
    cut = []
    with psycopg.connect(base, autocommit=True) as conn:
        deadline = time.monotonic() + 120
        while not cut and time.monotonic() < deadline and child.poll() is None:
            # its writing session: a transaction that holds the store's append lock
            cut = conn.execute(
                "SELECT pg_terminate_backend(a.pid) FROM pg_stat_activity a "
                "JOIN pg_locks l ON l.pid = a.pid WHERE a.application_name = %s "
                "AND l.locktype = 'advisory' AND l.granted",
                (APP,),
            ).fetchall()
            time.sleep(0.02)
    out, err = child.communicate(timeout=300)
    assert cut, "the import never held the lock (it ended first?)"
    assert child.returncode == 1, (out, err)
    assert "Traceback" not in err
    assert err.startswith("Error: "), err
    assert "Nothing was stored" in err or "nothing was stored" in err, err
    assert _stored(db_url) == 1  # the first admin only
    again = _run(env, "import", str(path))
    assert again.returncode == 0, again.stderr
    assert _stored(db_url) == 1 + lines
    assert "stored: 0 event(s)" in _run(env, "import", str(path)).stdout
