"""Set-up commands: `keygen` (a master key) and `demo` (a synthetic cohort)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pathways.cli.options import DATE, actor_option
from pathways.cli.progressbar import finish_progress
from pathways.cli.receipts import on_interrupt
from pathways.cli.session import open_app, open_views
from pathways.i18n import _, whole_percent
from pathways.progress import SILENT

if TYPE_CHECKING:
    from pathways.application import Pathways, Receipt
    from pathways.demo import Batch, Summary


@click.command()
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the key (default: $PATHWAYS_KEY_FILE, else your config directory).",
)
@click.option(
    "--print", "print_", is_flag=True, help="Print a new key instead (for $PATHWAYS_MASTER_KEY)."
)
@click.pass_context
def keygen(ctx: click.Context, output: Path | None, print_: bool) -> None:
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
    given = (ctx.find_root().obj or {}).get("key_file")  # pathways --key-file X keygen
    path = output or Path(given or os.environ.get(KEY_FILE_ENV) or default_key_file())
    if path.exists():
        click.echo(_("a master key already exists at {path}; keeping it").format(path=path))
        return
    write_key_file(path)
    click.echo(_("master key written to {path} (readable by you only)").format(path=path))


@click.command()
@click.option(
    "--youth",
    "youth",
    default=300,
    show_default=True,
    type=click.IntRange(min=1),
    help="How many young people.",
)
@click.option(
    "--seed",
    default=35,
    show_default=True,
    type=int,
    help="The random seed: the same seed gives the same cohort.",
)
@click.option(
    "--years",
    default=2.0,
    show_default=True,
    type=click.FloatRange(min=0.1, max=8),
    help="How many years of pathways, up to --end.",
)
@click.option(
    "--end", "end", type=DATE, help="The last day of the simulated period (default: today)."
)
@click.option(
    "--output",
    "-o",
    "--jsonl",  # its first name, still accepted
    "jsonl",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the cohort to this JSON Lines file instead of the store.",
)
@actor_option
@click.pass_context
def demo(
    ctx: click.Context,
    youth: int,
    seed: int,
    years: float,
    end: date | None,
    jsonl: Path | None,
    actor: str,
) -> None:
    """Write a synthetic cohort of young people into the store (or a file).

    The pathways are realistic (custodies at Rennes-Vezin and Saint-Malo,
    prepared and unprepared releases, community supervisions, contacts,
    rights, CEJ and PACEA, re-incarcerations, handovers between Missions
    Locales, pilot measures, corrections) and fictitious. Each week of the
    period is imported as one batch at its simulated recording time, so that
    `--known-at` replays over the period show what was known then. Personal
    fields are encrypted as for real data. Nothing is written if the store
    already holds one of the cohort's references. It adds the demo's users: the
    first counsellor of each Mission Locale (c-wk-01, c-sm-01...), a CPIP
    (cpip-01) and an analyst (analyst-01). An admin's act (it launches measures).

    \b
    Example:
      pathways --db demo.sqlite3 demo
      pathways --db demo.sqlite3 demo --youth 1000 --seed 7
      pathways demo --youth 2500 --output cohort.jsonl
    """
    from pathways import demo as cohort

    last = end or cohort.today_in_paris()
    if last > cohort.today_in_paris():
        raise click.BadParameter(_("the period cannot end in the future"), param_hint="--end")
    batches = cohort.generate(youth, seed, last, years)
    if jsonl is not None:
        count = cohort.write_jsonl(batches, jsonl)
        summary = cohort.summarize(batches)
        click.echo(
            _("wrote {count} events of {youths} young people to {jsonl}").format(
                count=count, youths=summary.youths, jsonl=jsonl
            )
        )
        click.echo(_("import it in one go with: pathways import {jsonl}").format(jsonl=jsonl))
        return
    app = open_app(ctx)
    # A hundred weekly batches touch the same youths again and again: the read models
    # are brought level once, at the end, rather than by each batch.
    app.store.projectors.clear()
    # One bar for the whole cohort, not the phases of each weekly batch.
    progress, app.progress = app.progress, SILENT
    stored: list[Receipt] = []

    def batch_done(events: int) -> None:
        receipt = app.last_receipt
        if receipt is not None and receipt.positions and (not stored or stored[-1] is not receipt):
            stored.append(receipt)
        progress.advance(events)

    def said() -> str:
        receipts = list(stored)
        last_one = app.last_receipt
        if last_one is not None and last_one.positions and all(r is not last_one for r in stored):
            receipts.append(last_one)  # stored, interrupted while the read models caught up
        if not receipts:
            return "nothing was stored"
        count = sum(r.stored for r in receipts)
        first_at, last_at = receipts[0].positions[0], receipts[-1].positions[-1]
        return (
            f"{len(receipts)} of {len(batches)} weekly batches were stored ({count:,} events "
            f"at positions {first_at}-{last_at}); the read models will catch up on the next "
            "command"
        )

    on_interrupt(ctx, said)
    progress.phase("write", sum(len(batch.events) for batch in batches))
    summary = cohort.write_demo(
        app, youth, seed, last, batch_done, years=years, actor=actor, batches=batches
    )
    app.progress = progress
    added = cohort.add_demo_users(app, actor)
    open_views(ctx).catch_up(notice=False)  # once, at the end: the next read is instant
    finish_progress(ctx)
    _print_summary(app, summary, batches)
    if added:
        click.echo(_("users added (act as one with --actor NAME or $PATHWAYS_ACTOR):"))
        for name, org, role in added:
            click.echo(f"  {name:11} {role:10} {org}")


def _print_summary(app: Pathways, summary: Summary, batches: Sequence[Batch]) -> None:
    store = app.store
    first, last = batches[0].day, batches[-1].day
    click.echo(_("demo cohort written to {display}").format(display=store.location.display))
    click.echo(
        _("  recorded in {batches} weekly batches, from {first} to {last}").format(
            batches=summary.batches, first=first, last=last
        )
    )
    click.echo(
        _(
            "  the store now holds {count_youths} young people and {count_events} "
            "events (log head: {head})"
        ).format(
            count_youths=store.count_youths(), count_events=store.count_events(), head=store.head()
        )
    )
    click.echo(
        _(
            "  this cohort: {youths} young people, {events} events, {len} pilot measures ({join})"
        ).format(
            youths=summary.youths,
            events=summary.events,
            len=len(summary.measures),
            join=", ".join(summary.measures),
        )
    )
    if summary.releases:
        rate = whole_percent(summary.prepared / summary.releases)
        click.echo(
            _(
                "  releases: {releases}, prepared (a release plan validated in "
                "custody): {prepared} ({rate} %)"
            ).format(releases=summary.releases, prepared=summary.prepared, rate=rate)
        )
    if summary.adjustable:
        rate = whole_percent(summary.adjusted / summary.adjustable)
        click.echo(
            _("  adjusted releases: {adjusted} of {adjustable} sentences ({rate} %)").format(
                adjusted=summary.adjusted, adjustable=summary.adjustable, rate=rate
            )
        )
    click.echo(
        _("  corrections: {retractions} events retracted and recorded again").format(
            retractions=summary.retractions
        )
    )
    click.echo(_("events by type:"))
    width = max(len(name) for name in summary.by_type)
    for name, count in sorted(summary.by_type.items(), key=lambda item: (-item[1], item[0])):
        click.echo(f"  {name:{width}}  {count:>7}")
    example = summary.example or summary.references[0]
    middle = batches[len(batches) // 2].day
    click.echo(_("next:"))
    click.echo(_("  pathways history {example}").format(example=example))
    click.echo(
        _("  pathways history {example} --known-at {middle}").format(example=example, middle=middle)
    )
    click.echo(_("  pathways info"))
