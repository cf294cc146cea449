"""The databases a store can live in, one module each (the port is `base.Backend`).

- `sqlite`: a SQLite file, the default (`--db PATH`);
- `postgres`: a PostgreSQL schema (`--db postgresql://user@host/db?schema=NAME`);
- `memory`: SQLite in memory, for tests and trials (`--db memory:` or `memory://NAME`).

A module of this package that defines `BACKEND` (a `Backend` subclass) is a
backend: its `schemes` say which `--db` values it opens (`scheme://...`, or
`scheme:` alone), and the one without a scheme takes file paths. Adding a
backend is adding such a module (and a test fixture).
"""

from __future__ import annotations

import importlib
import os
import pkgutil
from functools import cache
from pathlib import Path

from pathways.backends.base import Backend, Location, NoStore
from pathways.domain.errors import StoreError
from pathways.i18n import _

DB_ENV = "PATHWAYS_DB"


@cache
def backends() -> dict[str, type[Backend]]:
    """Every backend of this package, by name (importing a backend's module is cheap:
    its driver is imported when a store is opened)."""
    found: dict[str, type[Backend]] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        backend = getattr(module, "BACKEND", None)
        if isinstance(backend, type) and issubclass(backend, Backend):
            found[backend.name] = backend
    return found


def default_db_path() -> Path:
    import platformdirs  # (only when no --db is given: ~3 ms of each command)

    return Path(platformdirs.user_data_dir("pathways")) / "pathways.sqlite3"


def locate(db: str | None) -> Location:
    """A `--db` value (or $PATHWAYS_DB, or the default file) as a location."""
    value = db or os.environ.get(DB_ENV) or str(default_db_path())
    scheme = value.split("://", 1)[0] if "://" in value else value.removesuffix(":")
    paths = None
    for backend in backends().values():
        if scheme in backend.schemes:
            return backend.locate(value)
        if not backend.schemes:
            paths = backend
    if "://" in value or paths is None:
        known = ", ".join(f"{s}://" for b in backends().values() for s in b.schemes[:1])
        msg = _(
            "--db: '{value}' is neither a file path nor a URL of a known kind ({known})"
        ).format(value=value, known=known)
        raise StoreError(msg)
    return paths.locate(value)


def backend_for(location: Location) -> Backend:
    """The (unopened) backend of a location."""
    return backends()[location.backend](location)


__all__ = ["DB_ENV", "Backend", "Location", "NoStore", "backend_for", "default_db_path", "locate"]
