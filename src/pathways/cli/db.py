"""`pathways db`: the schema version of a store, and its upgrade."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from pathways.cli.common import acting_option, finish_progress, progress_for
from pathways.i18n import _

if TYPE_CHECKING:
    from pathways.store import Store


def _open(ctx: click.Context) -> Store:
    """The store, whatever its schema version (these commands are for that)."""
    from pathways.cli.common import key_files
    from pathways.store import open_store

    settings = ctx.find_root().obj or {}
    key_file, chain_key_file = key_files(settings)
    store = open_store(
        settings.get("db"), key_file, check_schema=False, chain_key_file=chain_key_file
    )
    ctx.find_root().call_on_close(store.close)
    return store


@click.group()
def db() -> None:
    """The store's schema: its version, and the migrations to this program's.

    \b
    Example:
      pathways db status
      pathways db upgrade
    """


@db.command()
@click.option("--json", "as_json", is_flag=True, help="Output one JSON object.")
@click.pass_context
def status(ctx: click.Context, /, as_json: bool) -> None:
    """The store's schema version, this program's, and the migrations pending.

    \b
    Example:
      pathways db status --json
    """
    from pathways import migrations

    store = _open(ctx)
    found = migrations.version(store.backend)
    pending = migrations.pending(store)
    row = {
        "store": store.location.display,
        "version": found,
        "program": migrations.CURRENT,
        "pending": [f"{m.version}: {m.description}" for m in pending],
        "applied": [
            {"version": v, "applied_at": at, "description": what}
            for v, at, what in migrations.history(store.backend)
        ],
    }
    if as_json:
        click.echo(json.dumps(row, ensure_ascii=False, indent=1))
        return
    click.echo(_("store          {store}").format(store=row["store"]))
    click.echo(
        _("schema         version {found} (this program: {CURRENT})").format(
            found=found, CURRENT=migrations.CURRENT
        )
    )
    if found > migrations.CURRENT:
        click.echo(_("               newer than this program: use the pathways that upgraded it"))
    for version, at, what in migrations.history(store.backend):
        click.echo(
            _("  applied      {version}  {at}  {what}").format(version=version, at=at, what=what)
        )
    for migration in pending:
        click.echo(
            _("  pending      {version}  {description}").format(
                version=migration.version, description=migration.description
            )
        )
    if not pending and found == migrations.CURRENT:
        click.echo(_("               up to date"))


@db.command()
@acting_option
@click.pass_context
def upgrade(ctx: click.Context, /) -> None:
    """Apply the pending migrations (back the store up first), then rebuild the read
    models if a migration changed them. Run again, it does nothing; interrupted, it
    goes on from the first migration not applied. A store made before users existed
    gets its first admin: the acting user (--actor, else your OS user name).

    \b
    Example:
      pathways db upgrade
    """
    from pathways import migrations
    from pathways.cli.common import key_files
    from pathways.cli.init import write_chain_key

    store = _open(ctx)
    if store.chain_problem and any(m.chain for m in migrations.pending(store)):
        write_chain_key(*key_files(ctx.find_root().obj or {}))  # if there is none yet
        store.close()
        store = _open(ctx)
    before = migrations.version(store.backend)
    progress = progress_for(ctx)
    progress.phase("catch up", store.head())
    applied = migrations.upgrade(store, progress.advance)
    finish_progress(ctx)
    _first_admin(ctx, store)
    if not applied:
        click.echo(
            _("the store is at schema version {before}: nothing to do").format(before=before)
        )
        return
    for migration in applied:
        click.echo(
            _("applied {version}: {description}").format(
                version=migration.version, description=migration.description
            )
        )
    click.echo(
        _("the store is at schema version {version}").format(
            version=migrations.version(store.backend)
        )
    )


def _first_admin(ctx: click.Context, store: Store) -> None:
    """A store with no user (made before users existed) gets the acting user as its
    first admin: whoever holds the store and its key, as for `init`."""
    from pathways.application import Pathways
    from pathways.cli.common import acting_user
    from pathways.projections.timelines import attach_inline

    app = Pathways(store)
    if app.reference().users:
        return
    name = acting_user(ctx)
    attach_inline(store)
    app.add_user(name, "spip-35", "admin", name)
    click.echo(
        _("first admin: {name} (spip-35): the store had no users (pathways users)").format(
            name=name
        )
    )
