"""A PostgreSQL `--db` URL means what it says (issue 11): libpq's parameters are
honoured by every connection of the store, `schema` names a schema of the store,
and anything else is refused with a message naming it, before anything is written.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import text

from pathways.backends import locate
from pathways.cli import cli
from pathways.store import open_store

SERVER = "postgresql://postgres@127.0.0.1:5432/test"  # never reached by the refusals


def init(db: str, tmp_path: Path) -> Result:
    """`pathways init` on `db`, with a key file that does not exist yet."""
    env = {"PATHWAYS_DB": db, "PATHWAYS_MASTER_KEY": "", "PATHWAYS_KEY_FILE": ""}
    return CliRunner().invoke(cli, ["--key-file", str(tmp_path / "new.key"), "init"], env=env)


def schema_exists(db_url: str, schema: str) -> bool:
    import psycopg

    with psycopg.connect(db_url.split("?", 1)[0]) as conn:
        found = conn.execute(
            "SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", (schema,)
        ).fetchone()
    return found is not None


@pytest.mark.parametrize(
    ("schema", "says"),
    [
        ("", "schema= is empty"),
        ("information_schema", "schema 'information_schema' is one of PostgreSQL's own"),
        ("pg_catalog", "schema 'pg_catalog' is one of PostgreSQL's own"),
        ("pg_temp", "schema 'pg_temp' is one of PostgreSQL's own"),
        ("PG_toast", "schema 'PG_toast' is one of PostgreSQL's own"),
    ],
)
def test_an_empty_or_a_system_schema_is_refused(schema: str, says: str, tmp_path: Path) -> None:
    result = init(f"{SERVER}?schema={schema}", tmp_path)
    assert result.exit_code == 1
    assert f"--db: {says}" in result.output
    assert not (tmp_path / "new.key").exists()


def test_unknown_parameters_are_refused_and_named(tmp_path: Path) -> None:
    result = init(f"{SERVER}?schema=pathways&sslmod=require&timeout=3", tmp_path)
    assert result.exit_code == 1
    assert "--db: unknown parameter(s) 'sslmod', 'timeout' in the PostgreSQL URL" in result.output
    assert not (tmp_path / "new.key").exists()


def test_the_schema_is_given_once(tmp_path: Path) -> None:
    result = init(f"{SERVER}?schema=a&schema=b", tmp_path)
    assert result.exit_code == 1
    assert "--db: schema= is given more than once" in result.output


def test_the_shown_location_has_no_password_in_any_part() -> None:
    url = "postgresql://u:pw1@h/db?schema=x&password=pw2&sslmode=verify-full&sslpassword=pw3"
    assert locate(url).display == "postgresql://h/db?schema=x&sslmode=verify-full"


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_sslmode_require_fails_on_a_server_without_ssl(db_url: str, tmp_path: Path) -> None:
    # The test server has no SSL: a store that must be reached over SSL is not.
    result = init(f"{db_url}&sslmode=require", tmp_path)
    assert result.exit_code == 1
    assert "cannot connect to PostgreSQL at postgresql://" in result.output
    assert "SSL was required" in result.output
    assert not schema_exists(db_url, db_url.rsplit("schema=", 1)[1])
    assert not (tmp_path / "new.key").exists()


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_every_connection_of_the_store_has_the_application_name_of_the_url(
    db_url: str, master_key: str
) -> None:
    name = f"pathways-test-{secrets.token_hex(4)}"
    store = open_store(f"{db_url}&application_name={name}", create=True)
    mine = "SELECT application_name AS name FROM pg_stat_activity WHERE pid = pg_backend_pid()"
    try:
        assert [row["name"] for row in store.backend.rows(mine)] == [name]
        reader = store.backend.engine()
        with reader.connect() as conn:
            assert conn.execute(text(mine)).scalar_one() == name
        reader.dispose()
    finally:
        store.close()


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_a_list_of_hosts_is_tried_in_turn_by_every_connection(db_url: str, master_key: str) -> None:
    parsed = urlsplit(db_url)
    # Port 1 of the loopback refuses at once: libpq goes on to the real server.
    hosts = f"127.0.0.1:1,{parsed.hostname}:{parsed.port or 5432}"
    user = f"{parsed.username}@" if parsed.username else ""
    url = parsed._replace(netloc=f"{user}{hosts}").geturl()
    store = open_store(url, create=True)
    try:
        assert store.count_events() == 0
        reader = store.backend.engine()
        with reader.connect() as conn:
            assert conn.execute(text("SELECT 1")).scalar_one() == 1
        reader.dispose()
    finally:
        store.close()


def test_a_url_libpq_cannot_read_is_refused(tmp_path: Path) -> None:
    result = init("postgresql://postgres@[::1/test?schema=x", tmp_path)
    assert result.exit_code == 1
    assert "--db: not a URL PostgreSQL can read" in result.output


def test_init_writes_a_key_where_the_refusals_write_none(tmp_path: Path) -> None:
    """The control of the refusals above: their `init` would have written one."""
    from pathways.backends import memory

    try:
        assert init("memory://url-test", tmp_path).exit_code == 0
    finally:
        memory.drop("url-test")
    assert (tmp_path / "new.key").exists()
