"""What needs attention: `caseload`, `alerts` (and their work lists), `acknowledge`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import click

from pathways.cli.auditing import audited, reason_option
from pathways.cli.options import DATE, actor_given, actor_option, read_actor_option, wait_for_option
from pathways.cli.output import emit, output_options
from pathways.cli.read import known_at_option
from pathways.cli.receipts import print_receipt
from pathways.cli.session import open_app, open_views
from pathways.domain.alert_catalogue import ALERT_CODES
from pathways.i18n import N_, NP_, _, pgettext
from pathways.worklists import reference_problem

#: What a caseload table shows for a youth no Mission Locale follows.
NONE = N_("none")
#: The states of a caseload's support and custody columns, as a table says them (the
#: codes in English, in JSON and CSV always).
STATES = (
    NP_("support", "active"),
    NP_("support", "not-started"),
    NP_("support", "closed"),
    NP_("custody", "in-custody"),
    NP_("custody", "community"),
    NP_("custody", "none"),
)


def _view_options(func: Any) -> Any:
    """The filters of a work list, shared by `caseload` and `alerts` (all combine)."""
    options: list[Callable[[Any], Any]] = [
        click.option(
            "--as-of", type=DATE, help="The state on that date (default: today, or T's date)."
        ),
        known_at_option,
        wait_for_option,
        click.option(
            "--organisation",
            help="Only the youths followed by this organisation; spip-35: the probation "
            "service's list (see docs/alerts.md).",
        ),
        click.option("--counsellor", help="Only the youths of this counsellor."),
        click.option("--youth", metavar="REF", help="Only this young person."),
        click.option(
            "--releasing-within",
            type=click.IntRange(min=0),
            metavar="DAYS",
            help="Only the youths in custody whose expected release is within DAYS days "
            "(or has passed unrecorded), sorted by that date.",
        ),
        click.option(
            "--no-counsellor",
            is_flag=True,
            help="Only the followed youths with no named counsellor.",
        ),
        click.option("--facility", help="Only the youths in custody in this facility."),
        click.option(
            "--territory",
            help="Only the youths of this territory: where their last release sent them, "
            "else their registered residence.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _work_list(ctx: click.Context, options: dict[str, Any], actor: str, **more: Any) -> Any:
    """The work list the options describe (`--mine` is the acting user's counsellor code)."""
    from pathways.queries import WorkList

    mine = options.pop("mine")
    options["counsellor"] = _mine(ctx, options["counsellor"], mine, actor)
    return WorkList(**options, **more)


def _read(views: Any, point: Any, query: Any, work: Any) -> list[Any]:
    """Run a work-list query; a filter that cannot hold is a usage error naming its
    option, and what the reader should be told goes to standard error."""
    from pathways.domain.errors import BadFilter

    try:
        listed = query(views, point, work)
    except BadFilter as error:
        raise click.BadParameter(str(error), param_hint=f"--{error.option}") from None
    for warning in listed.warnings:
        click.echo(_("Warning: {warning}").format(warning=warning), err=True)
    return list(listed.rows)


def _mine(ctx: click.Context, counsellor: str | None, mine: bool, actor: str) -> str | None:
    if mine and not actor_given(ctx):
        msg = _("--mine needs to know who you are: give --actor or set PATHWAYS_ACTOR")
        raise click.UsageError(msg)
    if mine and counsellor and counsellor != actor:
        msg = _("--mine and --counsellor name different counsellors")
        raise click.UsageError(msg)
    return actor if mine else counsellor


@click.command()
@_view_options
@click.option("--mine", is_flag=True, help="Only my youths (the counsellor code is --actor).")
@read_actor_option
@reason_option
@output_options
@click.pass_context
def caseload(
    ctx: click.Context,
    /,
    as_of: date | None,
    known_at: str | None,
    actor: str,
    reason: str | None,
    fmt: str | None,
    with_meta: bool,
    **filters: Any,
) -> None:
    """The young people followed on a date: support, custody, last contact, open alerts,
    and in custody where and until when.

    Sorted by young person; with --releasing-within, by expected release. With
    `--organisation spip-35`, the probation service's list: every young person in
    custody or under community supervision, followed or not (organisation: none).

    \b
    Example:
      pathways caseload --organisation we-ker
      pathways caseload --releasing-within 30 --facility cp-rennes-vezin
      pathways caseload --organisation spip-35 --facility ma-saint-malo
      pathways caseload --as-of 2026-03-31 --known-at 2026-04-15 --json --with-meta
    """
    from pathways.queries import CASELOAD_COLUMNS, caseload, dicts

    options = {"as_of": as_of, "known_at": known_at, **filters}
    work = _work_list(ctx, filters, actor)  # (a usage error before the store is opened)
    with audited(ctx, "caseload", options, actor=actor, reason=reason) as trail:
        views = open_views(ctx)
        point = views.point(as_of, known_at)
        listed = _read(views, point, caseload, work)
        trail.saw(row.youth for row in listed)
    rows = dicts(listed)
    if fmt is None:  # a table names the youths no Mission Locale follows, states in words
        rows = [
            {
                **row,
                "organisation": row["organisation"] or _(NONE),
                "support": pgettext("support", row["support"]),
                "custody": pgettext("custody", row["custody"]),
            }
            for row in rows
        ]
    emit(rows, fmt, meta=point.meta(), with_meta=with_meta, columns=CASELOAD_COLUMNS)


@click.command()
@_view_options
@click.option(
    "--since",
    type=DATE,
    metavar="DATE",
    help="Only the alerts open since that date or later (new since your last look).",
)
@click.option("--alert", "code", type=click.Choice(ALERT_CODES), help="Only this alert.")
@click.option("--mine", is_flag=True, help="Only my youths (the counsellor code is --actor).")
@read_actor_option
@reason_option
@output_options
@click.pass_context
def alerts(
    ctx: click.Context,
    /,
    as_of: date | None,
    known_at: str | None,
    since: date | None,
    code: str | None,
    actor: str,
    reason: str | None,
    fmt: str | None,
    with_meta: bool,
    **filters: Any,
) -> None:
    """Who needs attention and why: the open alerts ("ruptures de parcours") on a date,
    most urgent first (open the longest first).

    An alert stays open until what it asks for is recorded, or until it is
    acknowledged (`pathways acknowledge`). With `--organisation spip-35`, the
    alerts about the preparation of releases, whoever follows the young person.
    See docs/alerts.md.

    \b
    Example:
      pathways alerts --mine --actor c-wk-07 --since 2026-11-23
      pathways alerts --alert dry-release --as-of 2026-03-31 --csv
      pathways alerts --organisation spip-35 --facility cp-rennes-vezin
    """
    from pathways.queries import ALERT_COLUMNS, alerts

    options = {"as_of": as_of, "known_at": known_at, "since": since, "alert": code, **filters}
    work = _work_list(ctx, filters, actor, since=since, alert=code)  # (usage errors first)
    with audited(ctx, "alerts", options, actor=actor, reason=reason) as trail:
        views = open_views(ctx)
        point = views.point(as_of, known_at)
        listed = _read(views, point, alerts, work)
        trail.saw(row.youth for row in listed)
    emit(listed, fmt, meta=point.meta(), with_meta=with_meta, columns=ALERT_COLUMNS)


@click.command()
@click.argument("youth")
@click.argument("alert", type=click.Choice(ALERT_CODES), metavar="ALERT")
@click.option("--on", "on", type=DATE, help="Date of the acknowledgement (default: today).")
@click.option("--note", help="What was done (personal: encrypted with the youth's key).")
@actor_option
@reason_option
@click.pass_context
def acknowledge(
    ctx: click.Context,
    /,
    youth: str,
    alert: str,
    on: date | None,
    note: str | None,
    actor: str,
    reason: str | None,
) -> None:
    """Acknowledge an open alert: it disappears until its anchor changes.

    A new custody, a new release or a new contact raises it again.

    \b
    Example:
      pathways acknowledge Y-2026-0042 handover-pending --note "called ML Redon"
    """
    # the note is personal: the audit says only that one was given
    options = {"alert": alert, "on": on, "note": "given" if note else None}
    with audited(ctx, "acknowledge", options, actor=actor, reason=reason) as trail:
        problem = reference_problem(youth)
        if problem is not None:
            raise click.BadParameter(problem, param_hint="YOUTH")
        trail.saw([youth])
        receipt = open_app(ctx).acknowledge(youth, alert, actor, on, note)
    print_receipt(receipt, verb="acknowledged")
