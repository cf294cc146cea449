"""A database that fails says which one and the driver's one-line reason: never the
SQL nor its parameters, which hold youth references (issue 12).

The failures are real and deterministic: a lock held by another connection past the
store's `lock_timeout` (set through libpq's PGOPTIONS), and a user refused the read
models' tables.
"""

from __future__ import annotations

import json
import secrets
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from click.testing import CliRunner, Result

from pathways import demo
from pathways.cli import cli

END = date(2026, 11, 30)
#: What the failures once printed: SQLAlchemy's statement and its bound rows.
SQL_WORDS = ("INSERT", "SELECT", "UPDATE", "[SQL", "[parameters", "%(", "::BIGINT")


@pytest.fixture
def store(db_url: str, master_key: str, tmp_path: Path) -> tuple[str, Path]:
    """A PostgreSQL store made by `pathways init`, and a file of 20 youths for it."""
    assert run(db_url, "init").exit_code == 0
    path = tmp_path / "cohort.jsonl"
    demo.write_jsonl(demo.generate(20, 35, END), path)
    return db_url, path


def run(db: str, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["--db", db, *args], env=env)


def schema_of(db_url: str) -> str:
    return db_url.rsplit("schema=", 1)[1]


def youths(path: Path) -> set[str]:
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    return {row["youth"] for row in rows if "youth" in row}


def assert_no_data(output: str, path: Path) -> None:
    assert not [word for word in SQL_WORDS if word in output], output
    assert not [youth for youth in youths(path) if youth in output], output


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_a_lock_timeout_while_catching_up_names_the_database_and_no_data(
    store: tuple[str, Path],
) -> None:
    db_url, path = store
    timeout = {"PGOPTIONS": "-c lock_timeout=200"}
    with psycopg.connect(db_url.split("?", 1)[0]) as conn:
        # Readers may read, the catch-up cannot write, until this transaction ends.
        conn.execute(f'LOCK TABLE "{schema_of(db_url)}".pw1_youth IN EXCLUSIVE MODE')
        imported = run(db_url, "import", str(path), env=timeout)
        read = run(db_url, "caseload", env=timeout)
    assert imported.exit_code == 1
    (message,) = imported.output.splitlines()
    assert message.startswith(
        "Error: the store failed (OperationalError: canceling statement due to lock timeout) "
        f"on postgresql://{urlsplit(db_url).hostname}"
    )
    # The events were stored (the write's own projection gave way to the lock) before the
    # read models failed to follow: it says so.
    assert message.endswith("; the read models will catch up on the next command.")
    lines = len(path.read_text().splitlines())
    assert f"The whole file was stored ({lines} events at positions 2-{lines + 1})" in message
    assert_no_data(imported.output, path)
    assert read.exit_code == 1
    assert "canceling statement due to lock timeout" in read.output
    assert read.output.rstrip().endswith("Nothing was stored.")
    assert_no_data(read.output, path)
    caught_up = run(db_url, "caseload")
    assert caught_up.exit_code == 0, caught_up.output
    assert "Y-2024-0001" in caught_up.output


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_a_user_refused_the_read_models_is_told_so_without_data(
    store: tuple[str, Path],
) -> None:
    db_url, path = store
    assert run(db_url, "import", str(path)).exit_code == 0
    schema = schema_of(db_url)
    role = f"pw_reader_{secrets.token_hex(4)}"
    base = db_url.split("?", 1)[0]
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN")
        conn.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO {role}')
        conn.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO {role}')
        conn.execute(f'REVOKE SELECT ON "{schema}".pw1_youth FROM {role}')
    parsed = urlsplit(db_url)
    as_role = parsed._replace(netloc=f"{role}@{parsed.netloc.rsplit('@', 1)[-1]}").geturl()
    try:
        result = run(as_role, "alerts")
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"DROP OWNED BY {role}")
            conn.execute(f"DROP ROLE {role}")
    assert result.exit_code == 1
    (message,) = result.output.splitlines()
    assert message.startswith("Error: the store failed (ProgrammingError: permission denied")
    assert "bug" not in message
    assert message.endswith("Nothing was stored.")
    assert_no_data(result.output, path)
