"""`pathways migrate --to postgresql://…`: copy an office's SQLite store into PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from pathways.cli.progressbar import finish_progress, progress_for

if TYPE_CHECKING:
    from pathways.migrate import Check


@click.command()
@click.option(
    "--to",
    "url",
    required=True,
    metavar="URL",
    help="The PostgreSQL store to copy into (postgresql://user@host:5432/db?schema=NAME).",
)
@click.option("--verify-only", is_flag=True, help="Only compare the two stores; write nothing.")
@click.option(
    "--chunk",
    type=click.IntRange(1, 1_000_000),
    default=5_000,
    show_default=True,
    help="Events per transaction of the copy (an interruption loses at most one).",
)
@click.pass_context
def migrate(ctx: click.Context, url: str, verify_only: bool, chunk: int) -> None:
    """Copy this SQLite store (--db) into a PostgreSQL store, then verify the copy.

    The events keep their positions, streams, recording times and recorders; the
    wrapped keys of the young people, the event-id index and the store's settings
    are copied as they are (the same master key opens both). The target is created
    as `pathways init` creates it if it does not exist; one holding other events
    is refused. Its read models are rebuilt, then both stores are compared: the
    rows of every table, and a SHA-256 of the log computed on each side; it says
    it succeeded only if they agree.

    Run again, it copies only what is new ("already copied: 0 new events").
    Interrupted (Ctrl-C, a lost connection, a killed process), it goes on from
    the last chunk stored. Stop writing to the SQLite store while it runs.

    \b
    Example:
      pathways --db ml-redon.sqlite3 migrate --to "postgresql://db.example/dd35?schema=ml_redon"
      pathways --db ml-redon.sqlite3 migrate --verify-only \\
        --to "postgresql://db.example/dd35?schema=ml_redon"
    """
    from pathways import migrate as migration
    from pathways.store import open_store

    settings = ctx.find_root().obj or {}
    key_file = Path(settings["key_file"]) if settings.get("key_file") else None
    source = open_store(settings.get("db"), key_file)
    ctx.find_root().call_on_close(source.close)
    migration.Source.check(source)  # before the target is made
    target = migration.open_target(url, key_file, create=not verify_only)
    ctx.find_root().call_on_close(target.close)
    where = target.location.display
    progress = progress_for(ctx)
    if verify_only:
        check = migration.compare(source, target, progress)
        finish_progress(ctx)
        _report(check)
        if not check.exact:
            raise click.ClickException(f"the stores differ: {'; '.join(check.differences)}")
        click.echo(f"the copy in {where} is exact")
        return
    reached = [target.head()]

    def interrupted() -> str:
        return (
            f"the target holds the source's events up to @{reached[0]} (each chunk is "
            "copied whole or not at all); run the same command again to go on"
        )

    settings["on_interrupt"] = interrupted
    click.echo(f"copying {source.location.display} into {where}")
    result = migration.migrate(
        source, target, chunk=chunk, progress=progress, on_chunk=lambda n: reached.__setitem__(0, n)
    )
    finish_progress(ctx)
    if result.copied:
        click.echo(
            f"copied: {result.copied:,} new events at positions {result.first:,}-{result.last:,} "
            f"({result.before:,} were already there)"
        )
    else:
        click.echo(f"already copied: 0 new events ({result.before:,} in the target)")
    click.echo(f"tables copied: {', '.join(result.tables)}")
    if result.rebuilt:
        click.echo(f"read models rebuilt: {result.rebuilt:,} events")
    _report(result.check)
    if not result.check.exact:
        msg = f"the copy does not verify: {'; '.join(result.check.differences)}"
        raise click.ClickException(msg)
    click.echo(f"verified: the copy in {where} is exact")


def _report(check: Check) -> None:
    for table, (source, target) in check.counts.items():
        click.echo(f"  {table:<20} {source:>12,} rows in the source {target:>12,} in the target")
    click.echo(f"  log SHA-256, source  {check.source_checksum}")
    click.echo(f"  log SHA-256, target  {check.target_checksum}")
