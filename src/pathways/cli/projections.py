"""`pathways projections`: the read models' state, a rebuild, and the worker."""

from __future__ import annotations

import time
from typing import Any

import click

from pathways.cli.options import acting_option
from pathways.cli.output import emit, output_options
from pathways.cli.progressbar import finish_progress, progress_for
from pathways.cli.receipts import on_interrupt
from pathways.cli.session import open_app, open_views
from pathways.i18n import _, decimal, number


@click.group()
def projections() -> None:
    """The read models: how far behind the log they are, rebuilding them, and the
    worker that keeps them level.

    \b
    Example:
      pathways projections status
      pathways projections rebuild
      pathways projections run --follow
    """


@projections.command()
@output_options
@acting_option
@click.pass_context
def status(ctx: click.Context, /, fmt: str | None, with_meta: bool) -> None:
    """Each read model's position against the head of the log, the worker that keeps
    it level (if one runs) and a rebuild under way (if any).

    \b
    Example:
      pathways projections status --json
    """
    from pathways.projections.timelines import REBUILD, STALE, WORKER, TimelinesProjection

    # (no master key needed: positions, a lag, who runs the worker; a monitoring job
    # need not hold the key)
    projection = TimelinesProjection(open_app(ctx, need_key=False).store)
    found = projection.status()
    with projection.store.session(write=False) as session:
        worker = projection.presence(session, WORKER)
        rebuild = projection.presence(session, REBUILD)
    now = time.time()
    row: dict[str, Any] = {
        "name": found.name,
        "position": found.position,
        "head": found.head,
        "lag": found.lag,
        "generation": found.generation,
        "worker": None if worker is None else _seen(worker.owner, worker.seen_at, now),
        "rebuild": None
        if rebuild is None
        else _("@{position} of {head}, ").format(position=rebuild.position, head=found.head)
        + _seen(rebuild.owner, rebuild.seen_at, now),
    }
    if worker is not None and not worker.alive(now):
        lately = now - worker.seen_at < STALE  # (then its process here has ended)
        row["worker"] += (
            _(" (gone: its process has ended)") if lately else _(" (gone: not seen lately)")
        )
    emit([row], fmt, with_meta=with_meta, columns=STATUS_COLUMNS)


#: The columns of `projections status` (their headers are in the catalogue: `HEADERS`).
STATUS_COLUMNS = ("name", "position", "head", "lag", "generation", "worker", "rebuild")


def _seen(owner: str, seen_at: float, now: float) -> str:
    return _("{owner}, seen {seconds} s ago").format(
        owner=owner, seconds=f"{max(0.0, now - seen_at):.0f}"
    )


@projections.command()
@click.argument("name", required=False, type=click.Choice(["timelines"]))
@acting_option
@click.pass_context
def rebuild(ctx: click.Context, /, name: str | None) -> None:
    """Rebuild a read model (all of them by default) from the first event.

    The new tables are filled beside the current ones, a page at a time: readers
    keep reading the current ones, writers are not held, and the switch happens at
    the end, at once.

    \b
    Example:
      pathways projections rebuild timelines
    """
    _admin(ctx, _("a rebuild"))
    views = open_views(ctx)
    on_interrupt(ctx, lambda: "the rebuild was cancelled; the previous read models are unchanged")
    progress = views.app.progress
    start = time.perf_counter()
    progress.phase("rebuild", views.app.store.head())
    count = views.projection.rebuild(progress.advance)
    finish_progress(ctx)
    seconds = time.perf_counter() - start
    rate = count / seconds if seconds > 0 else 0.0
    click.echo(
        _("timelines: {count} events in {seconds} s ({rate} events/s)").format(
            count=number(count), seconds=decimal(seconds), rate=number(round(rate))
        )
    )


@projections.command()
@click.option("--follow", is_flag=True, help="Keep running: wait for new events, apply them.")
@click.option(
    "--interval",
    type=click.FloatRange(0.1, 60),
    default=2.0,
    show_default=True,
    help="Seconds between two looks at the log when nothing is notified.",
)
@acting_option
@click.pass_context
def run(ctx: click.Context, /, follow: bool, interval: float) -> None:
    """Keep the read models level with the log: a worker.

    Without --follow, it catches up once and stops. With --follow it runs until
    SIGTERM or Ctrl-C (it finishes the page under way, then stops); on PostgreSQL it
    is woken by each append, and looks anyway every --interval seconds. While it
    runs, writes leave the read models to it and reads wait for it. After a crash it
    starts again where it stopped; a lost database is waited out.

    \b
    Example:
      pathways projections run --follow
    """
    from pathways.backends import locate
    from pathways.cli.session import reopen_store
    from pathways.projections.worker import Worker

    _admin(ctx, _("the worker"))
    settings = ctx.find_root().obj or {}
    progress = progress_for(ctx)
    worker = Worker(
        lambda: reopen_store(settings),
        follow=follow,
        interval=interval,
        say=lambda text: click.echo(text, err=True),
        progress=progress.advance,
    )
    on_interrupt(ctx, lambda: f"the worker stopped after {worker.applied:,} events")
    if follow:
        where = locate(settings.get("db")).display
        click.echo(
            _("worker {me} keeping the read models of {where} level").format(
                me=worker.me, where=where
            ),
            err=True,
        )
    applied = worker.run()
    finish_progress(ctx)
    click.echo(
        _("applied {applied} events; the read models are at @{position}").format(
            applied=number(applied), position=_position(ctx)
        )
    )


def _admin(ctx: click.Context, what: str) -> None:
    """Refuse unless the acting user is an admin (a service of the whole store)."""
    from pathways.cli.session import open_app

    access = open_app(ctx).access
    if access is not None:
        access.require({"admin"}, what)


def _position(ctx: click.Context) -> int:
    from pathways.cli.session import reopen_store
    from pathways.projections.timelines import TimelinesProjection

    store = reopen_store(ctx.find_root().obj or {})
    try:
        return TimelinesProjection(store).position()
    finally:
        store.close()
