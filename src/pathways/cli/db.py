"""`pathways db`: the schema version of a store, and its upgrade."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from pathways.cli.options import acting_option
from pathways.cli.progressbar import finish_progress, progress_for
from pathways.i18n import _

if TYPE_CHECKING:
    from pathways.application import Pathways
    from pathways.store import Store


def _open(ctx: click.Context, *, need_key: bool = True) -> Store:
    """The store, whatever its schema version (these commands are for that); without
    `need_key`, with no master key too (`db status` reads no personal data: a
    monitoring job need not hold the key)."""
    from pathways.cli.session import key_files
    from pathways.store import open_store

    settings = ctx.find_root().obj or {}
    key_file, chain_key_file = key_files(settings)
    store = open_store(
        settings.get("db"),
        key_file,
        check_schema=False,
        chain_key_file=chain_key_file,
        need_key=need_key,
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

    store = _open(ctx, need_key=False)
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
    from pathways.cli.init import write_chain_key
    from pathways.cli.session import key_files
    from pathways.crypto import master_key_absent

    # With no key at all, an up-to-date store is said so (as `db status` says it); a
    # key given but wrong or malformed is said, whatever the store's version.
    files = key_files(ctx.find_root().obj or {})
    absent = master_key_absent(files[0])
    store = _open(ctx, need_key=not absent)
    if not store.has_key:
        if _nothing_to_do(store):
            click.echo(
                _("the store is at schema version {before}: nothing to do").format(
                    before=migrations.version(store.backend)
                )
            )
            return
        store = _open(ctx)  # the missing key, said
    if store.chain_problem and any(m.chain for m in migrations.pending(store)):
        write_chain_key(*files)  # if there is none yet
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


def _nothing_to_do(store: Store) -> bool:
    """Whether `upgrade` would change nothing but bring the read models level: no
    migration pending, the read models' layout this program's, a user in the store."""
    from pathways import migrations
    from pathways.application import Pathways
    from pathways.projections.layout import LAYOUT
    from pathways.projections.timelines import TimelinesProjection

    if migrations.version(store.backend) != migrations.CURRENT or migrations.pending(store):
        return False
    if TimelinesProjection(store).current().layout != LAYOUT:
        return False
    return bool(Pathways(store).reference().users)


def _first_admin(ctx: click.Context, store: Store) -> None:
    """A store with no user (made before users existed) gets the acting user as its
    first admin: whoever holds the store and its key, as for `init`."""
    from pathways.application import Pathways
    from pathways.cli.session import acting_user
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


@db.group()
def roles() -> None:
    """The organisations' database roles (PostgreSQL): direct SQL reads of the read
    models, limited by row-level security to the organisation's young people.

    \b
    Example:
      pathways db roles add ml_redon_bi --organisation ml-redon
      pathways db roles list
      pathways db roles remove ml_redon_bi
    """


def _admin_app(ctx: click.Context) -> Pathways:
    from pathways.cli.session import open_app
    from pathways.guard import require_admin

    app = open_app(ctx)
    assert app.access is not None
    require_admin(app.access.actor, store=app.store, purpose="db roles")
    return app


@roles.command("add")
@click.argument("role")
@click.option("--organisation", required=True, help="The organisation whose rows it reads.")
@acting_option
@click.pass_context
def roles_add(ctx: click.Context, /, role: str, organisation: str) -> None:
    """Map a database ROLE to an organisation: it may then read, with SQL, the views
    pathways_youths and pathways_followers (and the current generation's tables),
    limited by row-level security to the young people whose support organisation is
    that one (spip-35: those in custody or under supervision), without their sealed
    personal fields; never the event log, the keys, the chain nor the audit. The role
    is created (LOGIN, no password) if it does not exist: give it a password or your
    site's authentication. An admin's act.

    \b
    Example:
      pathways db roles add ml_redon_bi --organisation ml-redon
      pathways db roles list
    """
    from datetime import UTC, datetime

    from pathways import row_security

    app = _admin_app(ctx)
    known = app.reference().organisations
    if organisation not in known:
        msg = _("unknown organisation '{organisation}' (one of: {known})").format(
            organisation=organisation, known=", ".join(known)
        )
        raise click.BadParameter(msg, param_hint="--organisation")
    assert app.access is not None
    now = datetime.now(UTC).isoformat(timespec="seconds")
    created = row_security.add(app.store, role, organisation, app.access.actor, now)
    if created:
        click.echo(
            _(
                "created database role {role} (LOGIN, no password: set one with "
                "ALTER ROLE {role} PASSWORD …, or your site's authentication)"
            ).format(role=role)
        )
    click.echo(
        _("database role {role} reads the rows of {organisation}").format(
            role=role, organisation=organisation
        )
    )


@roles.command("list")
@click.option("--json", "as_json", is_flag=True, help="Output JSON lines.")
@acting_option
@click.pass_context
def roles_list(ctx: click.Context, /, as_json: bool) -> None:
    """The database roles mapped to an organisation.

    \b
    Example:
      pathways db roles list
    """
    from dataclasses import asdict

    from pathways import row_security
    from pathways.cli.output import header

    app = _admin_app(ctx)
    found = row_security.listed(app.store)
    if found and not as_json:
        click.echo(f"{header('role'):<24} {header('organisation'):<16} {header('added')}")
    for r in found:
        if as_json:
            click.echo(json.dumps(asdict(r), ensure_ascii=False))
            continue
        state = "" if r.exists else "  " + _("(no such role in the server)")
        if r.exists and not r.login:
            state = "  " + _("(cannot log in)")
        added = _("added {at} by {by}").format(at=r.added_at, by=r.added_by)
        click.echo(f"{r.role:<24} {r.organisation:<16} {added}{state}")
    if not found and not as_json:
        click.echo(_("no database role is mapped (pathways db roles add)"))


@roles.command("remove")
@click.argument("role")
@acting_option
@click.pass_context
def roles_remove(ctx: click.Context, /, role: str) -> None:
    """Unmap a database ROLE and take back its privileges in the store's schema (the
    role itself stays: drop it with DROP ROLE if nothing else uses it).

    \b
    Example:
      pathways db roles remove ml_redon_bi
    """
    from pathways import row_security

    app = _admin_app(ctx)
    row_security.remove(app.store, role)
    click.echo(_("database role {role} reads nothing of this store any more").format(role=role))
