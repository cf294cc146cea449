"""What needs attention: `caseload`, `alerts`, `acknowledge`, and `projections`."""

from __future__ import annotations

from datetime import date
from typing import Any

import click

from pathways.cli.common import (
    DATE,
    actor_given,
    actor_option,
    open_app,
    open_views,
    print_receipt,
    read_actor_option,
    wait_for_option,
)
from pathways.cli.output import emit, output_options
from pathways.cli.read import known_at_option
from pathways.domain.alert_catalogue import ALERT_CODES


def _view_options(func: Any) -> Any:
    func = click.option("--counsellor", help="Only the youths of this counsellor.")(func)
    func = click.option("--organisation", help="Only the youths followed by this organisation.")(
        func
    )
    func = known_at_option(func)
    func = wait_for_option(func)
    return click.option(
        "--as-of", type=DATE, help="The state on that date (default: today, or T's date)."
    )(func)


def _followed(views: Any, point: Any, organisation: str | None, who: str | None) -> list[Any]:
    """The caseload lines on the point, for an organisation and a counsellor if given.

    The filters are checked like a write's fields: an unknown organisation is a usage
    error naming the valid codes; a counsellor nobody has is said, not an empty table."""
    if organisation is not None:
        valid = views.reference(point).organisations
        if organisation not in valid:
            msg = f"'{organisation}' is not a known organisation (valid: {', '.join(valid)})"
            raise click.BadParameter(msg, param_hint="--organisation")
    # Computed only for the youths such a filter may keep (a superset, found in SQL);
    # the exact filter follows.
    # (a counsellor's youths are found before the organisation's filter: whether anyone
    # has that counsellor is said whatever the organisation asked for)
    lines = views.lines(point, among=views.candidates(point, None if who else organisation, who))
    if who is not None and all(line.counsellor != who for line in lines):
        click.echo(f"Warning: no young person has counsellor {who} on that date", err=True)
    return [
        line
        for line in lines
        if (organisation is None or line.organisation == organisation)
        and (who is None or line.counsellor == who)
    ]


def _mine(ctx: click.Context, counsellor: str | None, mine: bool, actor: str) -> str | None:
    if mine and not actor_given(ctx):
        msg = "--mine needs to know who you are: give --actor or set PATHWAYS_ACTOR"
        raise click.UsageError(msg)
    if mine and counsellor and counsellor != actor:
        msg = "--mine and --counsellor name different counsellors"
        raise click.UsageError(msg)
    return actor if mine else counsellor


@click.command()
@_view_options
@click.option("--mine", is_flag=True, help="Only my youths (the counsellor code is --actor).")
@read_actor_option
@output_options
@click.pass_context
def caseload(
    ctx: click.Context,
    /,
    as_of: date | None,
    known_at: str | None,
    organisation: str | None,
    counsellor: str | None,
    mine: bool,
    actor: str,
    fmt: str | None,
    with_meta: bool,
) -> None:
    """The young people followed on a date: support, custody, last contact, open alerts.

    \b
    Example:
      pathways caseload --organisation we-ker
      pathways caseload --as-of 2026-03-31 --known-at 2026-04-15 --json --with-meta
    """
    from pathways.queries import CASELOAD_COLUMNS, caseload_rows, dicts

    views = open_views(ctx)
    point = views.point(as_of, known_at)
    lines = _followed(views, point, organisation, _mine(ctx, counsellor, mine, actor))
    rows = dicts(caseload_rows(lines))
    emit(rows, fmt, meta=point.meta(), with_meta=with_meta, columns=CASELOAD_COLUMNS)


@click.command()
@_view_options
@click.option("--alert", "code", type=click.Choice(ALERT_CODES), help="Only this alert.")
@click.option("--mine", is_flag=True, help="Only my youths (the counsellor code is --actor).")
@read_actor_option
@output_options
@click.pass_context
def alerts(
    ctx: click.Context,
    /,
    as_of: date | None,
    known_at: str | None,
    organisation: str | None,
    counsellor: str | None,
    code: str | None,
    mine: bool,
    actor: str,
    fmt: str | None,
    with_meta: bool,
) -> None:
    """Who needs attention and why: the open alerts ("ruptures de parcours") on a date.

    An alert stays open until what it asks for is recorded, or until it is
    acknowledged (`pathways acknowledge`). See docs/alerts.md.

    \b
    Example:
      pathways alerts --mine --actor c-wk-07
      pathways alerts --alert dry-release --as-of 2026-03-31 --csv
    """
    from pathways.queries import ALERT_COLUMNS, alert_rows, dicts

    views = open_views(ctx)
    point = views.point(as_of, known_at)
    lines = _followed(views, point, organisation, _mine(ctx, counsellor, mine, actor))
    rows = dicts(alert_rows(lines, code))
    emit(rows, fmt, meta=point.meta(), with_meta=with_meta, columns=ALERT_COLUMNS)


@click.command()
@click.argument("youth")
@click.argument("alert", type=click.Choice(ALERT_CODES), metavar="ALERT")
@click.option("--on", "on", type=DATE, help="Date of the acknowledgement (default: today).")
@click.option("--note", help="What was done (personal: encrypted with the youth's key).")
@actor_option
@click.pass_context
def acknowledge(
    ctx: click.Context, /, youth: str, alert: str, on: date | None, note: str | None, actor: str
) -> None:
    """Acknowledge an open alert: it disappears until its anchor changes.

    A new custody, a new release or a new contact raises it again.

    \b
    Example:
      pathways acknowledge Y-2026-0042 handover-pending --note "called ML Redon"
    """
    receipt = open_app(ctx).acknowledge(youth, alert, actor, on, note)
    print_receipt(receipt, verb="acknowledged")
