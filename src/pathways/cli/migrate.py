"""`pathways migrate --to postgresql://…`: copy an office's SQLite store into PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from pathways.cli.options import reader_option
from pathways.cli.progressbar import finish_progress, progress_for

if TYPE_CHECKING:
    from pathways.migrate import Check
    from pathways.store import Store


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
@reader_option
@click.pass_context
def migrate(ctx: click.Context, url: str, verify_only: bool, chunk: int, actor: str) -> None:
    """Copy this SQLite store (--db) into a PostgreSQL store, then verify the copy.

    The events keep their positions, streams, recording times and recorders; the
    wrapped keys of the young people, the event-id index and the store's settings
    are copied as they are (the same master key opens both). The target is created
    as `pathways init` creates it if it does not exist; one holding other events
    is refused. Its read models are rebuilt, then both stores are compared: the
    rows of every table, and a SHA-256 of the log computed on each side; it says
    it succeeded only if they agree.

    It is for an admin of the SQLite store (--actor). A copy is in the audit of
    both stores: who copied every young person's steps, and where to.

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
    from pathways.guard import require_admin
    from pathways.i18n import _, number
    from pathways.store import open_store

    settings = ctx.find_root().obj or {}
    key_file = Path(settings["key_file"]) if settings.get("key_file") else None
    source = open_store(settings.get("db"), key_file)
    ctx.find_root().call_on_close(source.close)
    migration.Source.check(source)  # before the target is made
    require_admin(actor, store=source, purpose="migrate")
    where = migration.target_location(url).display
    if not verify_only:
        # in the source's audit before the target is made or a row copied (if it cannot
        # be written, nothing is); in the target's once the copy is made
        _audit(source, actor, {"to": where, "upto": source.head()})
    target = migration.open_target(url, key_file, create=not verify_only)
    ctx.find_root().call_on_close(target.close)
    progress = progress_for(ctx)
    if verify_only:
        check = migration.compare(source, target, progress)
        finish_progress(ctx)
        _report(check)
        if not check.exact:
            msg = _("the stores differ: {differences}").format(
                differences="; ".join(check.differences)
            )
            raise click.ClickException(msg)
        click.echo(_("the copy in {where} is exact").format(where=where))
        return
    reached = [target.head()]

    def interrupted() -> str:
        return _(
            "the target holds the source's events up to @{position} (each chunk is "
            "copied whole or not at all); run the same command again to go on"
        ).format(position=reached[0])

    settings["on_interrupt"] = interrupted
    click.echo(
        _("copying {source} into {where}").format(source=source.location.display, where=where)
    )
    result = migration.migrate(
        source, target, chunk=chunk, progress=progress, on_chunk=lambda n: reached.__setitem__(0, n)
    )
    finish_progress(ctx)
    _audit(target, actor, {"from": source.location.display, "upto": target.head()})
    if result.copied:
        click.echo(
            _(
                "copied: {copied} new events at positions {first}-{last} "
                "({before} were already there)"
            ).format(
                copied=number(result.copied),
                first=number(result.first),
                last=number(result.last),
                before=number(result.before),
            )
        )
    else:
        click.echo(
            _("already copied: 0 new events ({before} in the target)").format(
                before=number(result.before)
            )
        )
    click.echo(_("tables copied: {tables}").format(tables=", ".join(result.tables)))
    if result.rebuilt:
        click.echo(_("read models rebuilt: {count} events").format(count=number(result.rebuilt)))
    _report(result.check)
    if not result.check.exact:
        msg = _("the copy does not verify: {differences}").format(
            differences="; ".join(result.check.differences)
        )
        raise click.ClickException(msg)
    click.echo(_("verified: the copy in {where} is exact").format(where=where))


def _audit(store: Store, actor: str, options: dict[str, object]) -> None:
    """A copy of the whole store (every youth's steps), in a store's audit."""
    from pathways import audit

    audit.record(
        store,
        actor=actor,
        command="migrate",
        options=options,
        youths=[audit.EVERY_YOUTH],
        reason=None,
        outcome="copied",
    )


def _report(check: Check) -> None:
    from pathways.i18n import _, number

    for table, (source, target) in check.counts.items():
        click.echo(
            "  "
            + _("{table} {source} rows in the source {target} in the target").format(
                table=f"{table:<20}", source=f"{number(source):>12}", target=f"{number(target):>12}"
            )
        )
    click.echo("  " + _("log SHA-256, source  {checksum}").format(checksum=check.source_checksum))
    click.echo("  " + _("log SHA-256, target  {checksum}").format(checksum=check.target_checksum))
