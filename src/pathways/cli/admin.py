"""Set-up commands: `keygen` (a master key) and `demo` (a synthetic cohort)."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the key (default: $PATHWAYS_KEY_FILE, else your config directory).",
)
@click.option("--print", "print_", is_flag=True, help="Print a new key instead (for $PATHWAYS_MASTER_KEY).")
def keygen(output: Path | None, print_: bool) -> None:
    """Create a master key: it opens every young person's data key.

    Keep it out of the database and of its backups; without it, no personal
    field can be read or written. An existing key file is never overwritten.

    \b
    Example:
      pathways keygen
      export PATHWAYS_MASTER_KEY=$(pathways keygen --print)
    """
    import os

    from pathways.crypto import KEY_FILE_ENV, default_key_file, new_master_key, write_key_file

    if print_:
        click.echo(new_master_key())
        return
    path = output or Path(os.environ.get(KEY_FILE_ENV) or default_key_file())
    if path.exists():
        click.echo(f"a master key already exists at {path}; keeping it")
        return
    write_key_file(path)
    click.echo(f"master key written to {path} (readable by you only)")
