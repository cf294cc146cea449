"""Shared fixtures: a master key, a store (in memory, a SQLite file or a PostgreSQL
schema), an app.

Also the hypothesis strategy that draws a valid-by-schema event of any type of
the catalogue (`events_of`), offered as the session fixture `event_strategies`
so that the unit and the store tests use the same one.
"""

from __future__ import annotations

import os
import secrets
import sys
import types
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import pytest
from annotated_types import Ge, Le, MaxLen, MinLen
from hypothesis import strategies as st
from pydantic import StringConstraints

import pathways.crypto
from pathways.application import Pathways
from pathways.domain.events import Event
from pathways.store import Store, open_store

TODAY = date(2026, 11, 27)
# Files the tests read (the worked example of DOMAIN.md section 6): see fixtures/README.md.
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def worked_example_facts() -> list[Any]:
    """The facts of the worked example, numbered in the order of its file (recording
    order), its birth year derived as the store derives it."""
    import json

    from pathways.domain.facts import fact_from_state

    facts = []
    lines = (FIXTURES / "worked-example.jsonl").read_text().splitlines()
    for position, text in enumerate(lines, start=1):
        state = json.loads(text)
        if state["type"] == "YouthRegistered":
            state["birth_year"] = int(state["birth_date"][:4])
        facts.append(fact_from_state(state["type"], state, position))
    return facts


POSTGRES_URL = os.environ.get("PATHWAYS_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


# --- the language ----------------------------------------------------------------


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test speaks English unless it chooses French: a machine whose locale is
    French (LANG=fr_FR.UTF-8) runs the suite as any other; the language chosen by a
    command (`--lang`) does not leak into the next test."""
    from pathways import i18n

    monkeypatch.setenv("PATHWAYS_LANG", "en")
    i18n.use(None)
    yield
    i18n.use(None)
    if "pathways.cli" in sys.modules:  # the group's own help, localised when it parses
        from pathways.cli import cli
        from pathways.cli.localise import localise

        localise(cli)


# --- keys and stores -----------------------------------------------------------

#: The chain key of every store the tests make (`pathways.chain`): apart from the master
#: key like in use, the same for the whole session so that module-wide stores take writes.
CHAIN_KEY = pathways.crypto.new_master_key()


@pytest.fixture(scope="session", autouse=True)
def isolated_keys(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No test reads or writes the user's own key files: the config directory (where the
    default master and chain key files are) is a temporary one, and the chain key comes
    from $PATHWAYS_CHAIN_KEY (a test of key files removes it)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))
        patch.setenv("PATHWAYS_CHAIN_KEY", CHAIN_KEY)
        patch.delenv("PATHWAYS_CHAIN_KEY_FILE", raising=False)
        yield


@pytest.fixture
def master_key(monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh master key, given to the store through $PATHWAYS_MASTER_KEY."""
    key = pathways.crypto.new_master_key()
    monkeypatch.setenv("PATHWAYS_MASTER_KEY", key)
    monkeypatch.delenv("PATHWAYS_KEY_FILE", raising=False)
    monkeypatch.setenv("PATHWAYS_ACTOR", ADMIN)  # the CLI and the API act as the admin
    return key


@pytest.fixture
def app(master_key: str, tmp_path: Path) -> Iterator[Pathways]:
    """The application on a fresh SQLite file, on 27 November 2026."""
    store = open_store(str(tmp_path / "s.sqlite3"), create=True)
    yield Pathways(store, today=lambda: TODAY)
    store.close()


#: The first admin of the stores the tests make through `pathways init` or `add_admin`.
ADMIN = "tester"


def add_admin(app: Pathways, name: str = ADMIN) -> None:
    """Make a store made in-process usable by the command line and the Python API: its
    first admin (who acts through $PATHWAYS_ACTOR, set by the `master_key` fixture)."""
    from pathways.domain.events import UserAdded

    event = UserAdded(user=name, organisation="spip-35", role="admin", occurred_on=date(2020, 1, 1))
    from pathways.application import Item

    app.commit([Item(event, "")], name)


def stored_events(target: Pathways | Store) -> int:
    """How many events the store holds (every stream, the registry included)."""
    store = target.store if isinstance(target, Pathways) else target
    return store.count_events()


@pytest.fixture
def count_events() -> Callable[[Pathways | Store], int]:
    return stored_events


def postgres_server(*, psql: bool = False) -> None:
    """Skip the test, saying why, where no PostgreSQL server answers (or, with `psql`,
    where the psql client is not installed); under PATHWAYS_REQUIRE_POSTGRES (CI), fail
    instead: never skip silently."""
    import shutil

    import psycopg

    try:
        psycopg.connect(POSTGRES_URL.split("?", 1)[0], connect_timeout=3).close()
        missing = None
    except psycopg.OperationalError as error:  # pragma: no cover - no server here
        missing = f"PostgreSQL not reachable at {POSTGRES_URL}: {error}"
    if missing is None and psql and shutil.which("psql") is None:  # pragma: no cover
        missing = "psql is not installed: these tests speak to the server as a user would"
    if missing is not None:  # pragma: no cover
        if os.environ.get("PATHWAYS_REQUIRE_POSTGRES"):
            pytest.fail(missing)
        pytest.skip(missing)


def _postgres_url(schema: str) -> str:
    separator = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{separator}schema={schema}"


def _drop_schema(schema: str) -> None:
    import psycopg

    base = POSTGRES_URL.split("?", 1)[0]
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(
    params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A `--db` value: a memory store, a SQLite file in tmp_path, or a fresh PostgreSQL
    schema. Each backend is one branch here and one module in `pathways.backends`."""
    if request.param == "memory":
        from pathways.backends import memory

        name = f"t-{secrets.token_hex(6)}"
        try:
            yield f"memory://{name}"
        finally:
            memory.drop(name)
        return
    if request.param == "sqlite":
        yield str(tmp_path / "s.sqlite3")
        return
    postgres_server()
    schema = f"t_{secrets.token_hex(6)}"
    try:
        yield _postgres_url(schema)
    finally:
        _drop_schema(schema)


@pytest.fixture
def make_app(master_key: str, db_url: str) -> Iterator[Callable[..., Pathways]]:
    """Open (and close after the test) apps on the test's store; all share one file/schema."""
    opened: list[Store] = []

    def make(today: Callable[[], date] = lambda: TODAY) -> Pathways:
        store = open_store(db_url, create=True)
        opened.append(store)
        return Pathways(store, today=today)

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def store_app(make_app: Callable[..., Pathways]) -> Pathways:
    """The application on the parametrized store (memory, SQLite and PostgreSQL)."""
    return make_app()


# --- a hypothesis strategy for every event type ---------------------------------


def _strategy(annotation: Any, metadata: list[Any]) -> st.SearchStrategy[Any]:
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = get_args(annotation)
        inner = [a for a in args if a is not type(None)]
        assert len(inner) == 1, annotation
        found = _strategy(inner[0], metadata)
        return st.none() | found if len(inner) < len(args) else found
    if origin is Annotated:
        base, *extra = get_args(annotation)
        return _strategy(base, [*metadata, *extra])
    if origin is Literal:
        return st.sampled_from(get_args(annotation))
    if annotation is datetime:
        return st.datetimes(datetime(1990, 1, 1), datetime(2030, 12, 31), timezones=st.just(UTC))
    if annotation is date:
        return st.dates(date(1990, 1, 1), date(2030, 12, 31))
    if annotation is uuid.UUID:
        return st.uuids()
    if annotation is bool:
        return st.booleans()
    if annotation is int:
        low = next((m.ge for m in metadata if isinstance(m, Ge)), 0)
        high = next((m.le for m in metadata if isinstance(m, Le)), 10_000)
        return st.integers(min_value=int(low), max_value=int(high))
    if annotation is str:
        pattern = next((p for m in metadata if (p := getattr(m, "pattern", None))), None)
        longest = min(
            [
                m.max_length
                for m in metadata
                if isinstance(m, MaxLen | StringConstraints) and m.max_length is not None
            ]
            or [80]
        )
        shortest = max([m.min_length for m in metadata if isinstance(m, MinLen)] or [0])
        if pattern is not None:
            return st.from_regex(pattern, fullmatch=True).filter(lambda s: len(s) <= longest)
        return st.text(min_size=shortest, max_size=min(longest, 80))
    msg = f"no strategy for the annotation {annotation!r}: extend tests/conftest.py"
    raise NotImplementedError(msg)


def events_of(cls: type[Event]) -> st.SearchStrategy[Event]:
    """Events of one type whose every field is drawn from its schema (no rule applied)."""
    fields = {
        name: _strategy(info.annotation, list(info.metadata))
        for name, info in cls.model_fields.items()
    }
    return st.fixed_dictionaries(fields).map(cls.model_validate)


@pytest.fixture(scope="session")
def event_strategies() -> Callable[[type[Event]], st.SearchStrategy[Event]]:
    return events_of
