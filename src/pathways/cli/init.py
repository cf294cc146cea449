"""`pathways init`: the one command that creates a store (and a master key if needed)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from pathways.i18n import _


@click.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create a store (and a master key, if none exists yet).

    The store is made where --db (or $PATHWAYS_DB) points.

    No other command creates a store: a mistyped path is refused, never taken
    for an empty store. A SQLite file is created readable by you only, like the
    key. Run again on an existing store, it changes nothing.

    \b
    Example:
      pathways init
      pathways --db ~/pathways/ml-redon.sqlite3 init
      pathways --db "postgresql://pathways@db.example/pathways?schema=dd35" init
    """
    from pathways.crypto import KEY_ENV, KEY_FILE_ENV, default_key_file, write_key_file
    from pathways.domain.errors import MasterKeyError
    from pathways.store import NoStore, open_store

    settings = ctx.find_root().obj or {}
    db = settings.get("db")
    key_file = Path(settings["key_file"]) if settings.get("key_file") else None
    try:
        store = open_store(db, key_file, need_key=False)
    except NoStore:
        made = _missing_folder(db)
        key_path = key_file or Path(os.environ.get(KEY_FILE_ENV) or default_key_file())
        if not os.environ.get(KEY_ENV) and not key_path.exists():
            write_key_file(key_path)
            click.echo(
                _("master key written to {key_path} (readable by you only): keep it out of").format(
                    key_path=key_path
                )
            )
            click.echo(
                _("  the database and its backups; without it no personal field can be read")
            )
        store = open_store(db, key_file, create=True)
        created = True
        if made is not None:  # said, so that a typo in a folder name does not go unseen
            click.echo(_("created the folder {made}").format(made=made))
    else:
        created = False
        if not store.has_key:  # an existing store, and no key (or the wrong one) for it
            store.close()
            raise MasterKeyError(store.key_problem)
    try:
        where = store.location.display
        if not created:
            click.echo(
                _("a store already exists at {where} (its master key opens it): unchanged").format(
                    where=where
                )
            )
            return
        click.echo(
            _("store created at {where} ({description})").format(
                where=where, description=store.backend.description
            )
        )
        if not settings.get("db") and not os.environ.get("PATHWAYS_DB"):
            click.echo(_("  (the default store; --db or $PATHWAYS_DB chooses another)"))
    finally:
        store.close()


def _missing_folder(db: str | None) -> Path | None:
    """The folder of a new SQLite store, when it does not exist yet (init makes it)."""
    from pathways.store import locate

    location = locate(db)
    if location.backend != "sqlite":
        return None
    folder = Path(location.target).parent
    return None if folder.is_dir() else folder
