"""What a command opens, once: the store, its application and read models, as the
acting user (known and enabled: `pathways.access`), and the key files it is given."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from pathways.access import USER_NAME, claimed
from pathways.application import Pathways, default_actor
from pathways.cli.progressbar import progress_for
from pathways.i18n import _

if TYPE_CHECKING:
    from pathways.access import Access
    from pathways.projections import Views
    from pathways.store import Store


ACTOR_PATTERN = USER_NAME


def open_app(ctx: click.Context, *, authenticate: bool = True, need_key: bool = True) -> Pathways:
    """The application on the chosen store (one per command). A write needs no more:
    the read side (SQLAlchemy, the read models) is loaded only by `open_views`.
    Without `need_key`, with no master key too (for what reads no personal data).

    The acting user (--actor, $PATHWAYS_ACTOR, else the OS user name) must be a known,
    enabled user of the store: otherwise `AccessRefused`, before anything but the users
    is read (`pathways.access`)."""
    from pathways.store import open_store

    root = ctx.find_root()
    settings = root.obj if isinstance(root.obj, dict) else {}
    if "app" not in settings:
        key_file, chain_key_file = key_files(settings)
        store = open_store(
            settings.get("db"), key_file, chain_key_file=chain_key_file, need_key=need_key
        )
        root.call_on_close(store.close)
        from pathways.projections.timelines import attach_inline

        attach_inline(store)  # a write projects its own events: no catch-up for the next read
        app = Pathways(store)
        app.progress = progress_for(ctx)
        if authenticate:
            app.access = _authenticate(ctx, app)
        settings["app"] = app
    found: Pathways = settings["app"]
    return found


def _claimed_user(ctx: click.Context) -> str:
    """The name the command claims to act as: --actor, else $PATHWAYS_ACTOR, else the
    OS user (not checked)."""
    import os

    root = ctx.find_root()
    settings = root.obj if isinstance(root.obj, dict) else {}
    return str(settings.get("actor") or os.environ.get("PATHWAYS_ACTOR") or default_actor())


def acting_user(ctx: click.Context) -> str:
    """The name the command acts as: --actor, else $PATHWAYS_ACTOR, else the OS user."""
    found = _claimed_user(ctx)
    if not ACTOR_PATTERN.fullmatch(found):
        msg = _("'{actor}' is not a user name (letters, digits, '.', '_', '@', '-')").format(
            actor=claimed(found)
        )
        raise click.UsageError(msg)
    return found


def command_name(ctx: click.Context) -> str:
    """The command as the audit names it ("record contact-made", "import")."""
    return " ".join(ctx.command_path.split()[1:]) or "pathways"


def sign_in(ctx: click.Context, store: Store) -> Access:
    """The acting user, known and enabled (`access.sign_in`: a refusal is audited); a
    forged name is a usage error."""
    from pathways import access
    from pathways.domain.errors import AccessRefused

    try:
        return access.sign_in(store, _claimed_user(ctx), command_name(ctx))
    except AccessRefused as refused:
        if refused.kind == access.FORGED:
            raise click.UsageError(str(refused)) from None
        raise


def _audit_forged(ctx: click.Context, name: str) -> None:
    """Audit a forged --actor (or $PATHWAYS_ACTOR) in the store the command names, if it
    can be opened (there is no store before `init`): nothing else of it is read."""
    from pathways import access
    from pathways.domain.errors import AccessRefused
    from pathways.store import open_store

    root = ctx.find_root()
    settings = root.obj if isinstance(root.obj, dict) else {}
    key_file, chain_key_file = key_files(settings)
    try:
        store = open_store(
            settings.get("db"), key_file, need_key=False, chain_key_file=chain_key_file
        )
    except Exception:  # no store to audit in, or none reachable: the usage error stands
        return
    try:
        access.sign_in(store, name, command_name(ctx))
    except AccessRefused:
        pass
    finally:
        store.close()


def _authenticate(ctx: click.Context, app: Pathways) -> Any:
    return sign_in(ctx, app.store)


def reopen_store(settings: dict[str, Any]) -> Store:
    """A new store on the command's --db and key (a worker's, after the database was
    lost); the caller closes it."""
    from pathways.store import open_store

    key_file, chain_key_file = key_files(settings)
    return open_store(settings.get("db"), key_file, chain_key_file=chain_key_file)


def key_files(settings: dict[str, Any]) -> tuple[Path | None, Path | None]:
    """The master key file and the chain key file given before the command (or None)."""
    key_file, chain_key_file = settings.get("key_file"), settings.get("chain_key_file")
    return (
        Path(key_file) if key_file else None,
        Path(chain_key_file) if chain_key_file else None,
    )


def open_views(ctx: click.Context) -> Views:
    """The read models of the command's application; reads catch them up first."""
    from pathways.projections import attach

    root = ctx.find_root()
    settings = root.obj if isinstance(root.obj, dict) else {}
    if "views" not in settings:
        views = attach(open_app(ctx))
        root.call_on_close(views.close)
        views.wait_for = settings.get("wait_for")
        settings["views"] = views
    found: Views = settings["views"]
    return found
