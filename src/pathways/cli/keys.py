"""`pathways keys rotate`: a new master key for the store (`pathways.rotation`)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from pathways.cli.options import actor_option
from pathways.cli.session import open_app
from pathways.i18n import _


@click.group()
def keys() -> None:
    """The master key of the store: its rotation.

    \b
    Example:
      pathways keys rotate
    """


@keys.command()
@actor_option
@click.pass_context
def rotate(ctx: click.Context, /, actor: str) -> None:
    """Re-wrap every young person's data key under a new master key.

    The new key replaces the key file (readable by you only); the old one is
    kept beside it as KEYFILE.old. Then destroy the old key and every backup
    taken before the rotation: an erased young person's key, still in those
    backups, can no longer be opened by anyone. Nothing else changes (stream
    ids, export pseudonyms). All the store's data keys change in one
    transaction; writers wait for it.

    \b
    Example:
      pathways keys rotate && shred -u ~/.config/pathways/master.key.old
    """
    from pathways.crypto import KEY_ENV, KEY_FILE_ENV, default_key_file
    from pathways.guard import require_admin
    from pathways.rotation import rotate as rotate_key

    if os.environ.get(KEY_ENV):
        msg = _(
            "the master key comes from ${env}: a rotation writes the new key to a key "
            "file. Put the key in a file readable by you only, unset ${env}, and give "
            "the file (--key-file or ${file_env})"
        ).format(env=KEY_ENV, file_env=KEY_FILE_ENV)
        raise click.UsageError(msg)
    given = (ctx.find_root().obj or {}).get("key_file")
    path = Path(given or os.environ.get(KEY_FILE_ENV) or default_key_file()).absolute()
    app = open_app(ctx)
    require_admin(actor, store=app.store, purpose="keys rotate")
    done = rotate_key(app.store, path)
    said = _("rotated: {count} data key(s) re-wrapped under a new master key")
    click.echo(said.format(count=done.rewrapped))
    click.echo(_("new key: {path} (readable by you only)").format(path=done.key_file))
    click.echo(
        _(
            "old key: {path}: destroy it, with every backup taken before now "
            "(e.g. shred -u {path}); until then those backups can still be read"
        ).format(path=done.old_key_file)
    )
