"""`pathways init`: the one command that creates a store (and a master key if needed)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pathways.i18n import _

if TYPE_CHECKING:
    from pathways.store import Store


@click.command()
@click.option(
    "--admin",
    envvar="PATHWAYS_ACTOR",
    callback=lambda ctx, param, value: _admin_name(value),
    show_default="$PATHWAYS_ACTOR, else your OS user name",
    help="The name of the store's first admin (a user who manages the users).",
)
@click.option(
    "--admin-organisation",
    default="spip-35",
    show_default=True,
    help="The organisation of the first admin.",
)
@click.pass_context
def init(ctx: click.Context, admin: str, admin_organisation: str) -> None:
    """Create a store (and a master key and a chain key, if none exists yet).

    The store is made where --db (or $PATHWAYS_DB) points.

    No other command creates a store: a mistyped path is refused, never taken
    for an empty store. A SQLite file is created readable by you only, like the
    key. The chain key (`NAME.chain.key` beside the master key file `NAME.key`)
    makes the log tamper-evident (`pathways verify`). Run again on an existing
    store, it changes nothing.

    \b
    Example:
      pathways init
      pathways --db ~/pathways/ml-redon.sqlite3 init
      pathways --db "postgresql://pathways@db.example/pathways?schema=dd35" init
    """
    from pathways.cli.session import key_files
    from pathways.domain.errors import MasterKeyError
    from pathways.store import NoStore, open_store

    settings = ctx.find_root().obj or {}
    db = settings.get("db")
    key_file, chain_key_file = key_files(settings)
    try:
        store = open_store(db, key_file, need_key=False, chain_key_file=chain_key_file)
    except NoStore:
        made = _missing_folder(db)
        store = _create(db, key_file, chain_key_file)
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
        from pathways.application import Pathways
        from pathways.projections.timelines import attach_inline

        attach_inline(store)  # the read models stay level with the log
        Pathways(store).add_user(admin, admin_organisation, "admin", admin)
        click.echo(
            _("store created at {where} ({description})").format(
                where=where, description=store.backend.description
            )
        )
        click.echo(
            _("  first admin: {admin} ({organisation}); add users with pathways users add").format(
                admin=admin, organisation=admin_organisation
            )
        )
        if not settings.get("db") and not os.environ.get("PATHWAYS_DB"):
            click.echo(_("  (the default store; --db or $PATHWAYS_DB chooses another)"))
    finally:
        store.close()


def _create(db: str | None, key_file: Path | None, chain_key_file: Path | None) -> Store:
    """A new store, with a master key and a chain key written if there are none; the keys
    written here are removed again if the store cannot be made (nothing is left)."""
    from pathways.crypto import key_path as master_key_path
    from pathways.crypto import master_key_absent, write_key_file
    from pathways.store import open_store

    key_path = master_key_path(key_file)
    master = None
    if master_key_absent(key_file):
        write_key_file(key_path)
        master = key_path
    chain = write_chain_key(key_file, chain_key_file, say=False)
    try:
        store = open_store(db, key_file, create=True, chain_key_file=chain_key_file)
    except BaseException:
        for written in (master, chain):
            if written is not None:
                written.unlink(missing_ok=True)
        raise
    if master is not None:
        click.echo(
            _("master key written to {key_path} (readable by you only): keep it out of").format(
                key_path=master
            )
        )
        click.echo(_("  the database and its backups; without it no personal field can be read"))
    if chain is not None:
        say_chain_key(chain)
    return store


def write_chain_key(
    key_file: Path | None, chain_key_file: Path | None, *, say: bool = True
) -> Path | None:
    """Write a chain key where one is looked for, if there is none (and say so, unless
    `say` is false); the file written, if any."""
    from pathways.chain import chain_key_in_environment, chain_key_path
    from pathways.crypto import write_key_file

    path = chain_key_path(chain_key_file, key_file)
    if chain_key_in_environment() or path.exists():
        return None
    write_key_file(path)
    if say:
        say_chain_key(path)
    return path


def say_chain_key(path: Path) -> None:
    click.echo(
        _("chain key written to {path} (readable by you only): keep it apart from").format(
            path=path
        )
    )
    click.echo(_("  the database and the master key; `pathways verify` needs it"))


def _admin_name(value: str | None) -> str:
    import re

    from pathways.application import default_actor

    name = value or default_actor()
    if not re.fullmatch(r"[A-Za-z0-9._@-]{1,60}", name):
        msg = _("'{actor}' is not a user name (letters, digits, '.', '_', '@', '-')").format(
            actor=name
        )
        raise click.BadParameter(msg, param_hint="--admin")
    return name


def _missing_folder(db: str | None) -> Path | None:
    """The folder of a new SQLite store, when it does not exist yet (init makes it)."""
    from pathways.store import locate

    location = locate(db)
    if location.backend != "sqlite":
        return None
    folder = Path(location.target).parent
    return None if folder.is_dir() else folder
