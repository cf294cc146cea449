"""Data protection: `pathways audit` (who read whom) and `pathways retention` (who is
kept too long), both for admins and the data-protection officer (`guard`)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import click

from pathways.application import default_actor
from pathways.cli.auditing import audited, reason_option
from pathways.cli.options import DATE, actor_option
from pathways.cli.receipts import print_receipt
from pathways.cli.session import ACTOR_PATTERN, open_app, open_views
from pathways.i18n import NP_, _, long_date, pgettext

#: References shown per row of the table (the rest counted; --json gives them all).
SHOWN = 3


def acting_user() -> str:
    """Who runs an admin command whose --actor is a filter: $PATHWAYS_ACTOR, else the
    OS user name."""
    import os

    return os.environ.get("PATHWAYS_ACTOR") or default_actor()


def _name(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not ACTOR_PATTERN.fullmatch(value):
        msg = _("'{actor}' is not a user name (letters, digits, '.', '_', '@', '-')").format(
            actor=value
        )
        raise click.BadParameter(msg, ctx=ctx, param=param)
    return value


def _youth(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from pathways.worklists import reference_problem

    problem = None if value is None else reference_problem(value)
    if problem is not None:
        raise click.BadParameter(problem, ctx=ctx, param=param)
    return value


@click.command()
@click.option("--actor", "who", callback=_name, help="Only the reads of this user.")
@click.option(
    "--youth", metavar="REF", callback=_youth, help="Only the reads that showed this youth."
)
@click.option("--since", type=DATE, help="Only the reads on or after that day (Paris time).")
@click.option("--json", "as_json", is_flag=True, help="Output a JSON array (every reference).")
@reason_option
@click.pass_context
def audit(
    ctx: click.Context,
    /,
    who: str | None,
    youth: str | None,
    since: date | None,
    as_json: bool,
    reason: str | None,
) -> None:
    """Who read which young people's pathways or personal data, when, how and why.

    Every read that shows a young person (history, youth, caseload, alerts,
    acknowledge, every export, and the Python API's) adds one row, even when it
    is refused; so do a refused write and a refused acting user (unknown,
    disabled, forged). The log is append-only, in the database itself. For
    admins and the data-protection officer; this read is audited too. The acting
    user is $PATHWAYS_ACTOR (else your OS user name): --actor here is a filter.

    \b
    Example:
      pathways audit --youth Y-2026-0042
      pathways audit --actor c-sm-1 --since 2026-11-01 --json
    """
    from pathways import audit as log
    from pathways.guard import require_admin

    actor = acting_user()
    store = open_app(ctx).store
    options = {"actor": who, "youth": youth, "since": since}
    with audited(
        ctx, "audit", options, actor=actor, reason=reason, youths=[youth] if youth else []
    ):
        require_admin(actor, store=store, purpose="audit")
        found = log.entries(store, actor=who, youth=youth, since=since)
    if as_json:
        click.echo(json.dumps([e.as_dict() for e in found], ensure_ascii=False, indent=1))
        return
    from pathways.cli.output import emit

    emit([_row(entry) for entry in found], None, columns=list(COLUMNS))


COLUMNS = ("at (Paris)", "actor", "command", "outcome", "youths", "reason", "options")
#: The columns of `retention`'s table.
RETENTION_COLUMNS = ("youth", "last_contact_on", "days", "registered_on")


#: An audit row's outcomes, for the catalogue (the code in English; `--json` keeps it).
OUTCOMES = (
    NP_("outcome", "shown"),
    NP_("outcome", "refused"),
    NP_("outcome", "erased"),
    NP_("outcome", "copied"),
)


def _row(entry: Any) -> dict[str, Any]:
    from pathways.audit import EVERY_YOUTH
    from pathways.domain.time import PARIS

    youths = entry.youths
    if youths == [EVERY_YOUTH]:
        shown = _("all (up to @{position})").format(position=entry.options.get("upto", "?"))
    else:
        shown = ", ".join(youths[:SHOWN])
        if len(youths) > SHOWN:
            shown += " " + _("and {n} more").format(n=len(youths) - SHOWN)
    at = datetime.fromisoformat(entry.at).astimezone(PARIS).strftime("%Y-%m-%d %H:%M:%S")
    outcome = pgettext("outcome", entry.outcome) + (f" ({entry.detail})" if entry.detail else "")
    options = " ".join(
        f"--{k.replace('_', '-')}" if v is True else f"--{k.replace('_', '-')}={v}"
        for k, v in entry.options.items()
        if k != "upto"
    )
    return {
        "at (Paris)": at,
        "actor": entry.actor,
        "command": entry.command,
        "outcome": outcome,
        "youths": shown,
        "reason": entry.reason or "",
        "options": options,
    }


@click.command()
@click.option("--as-of", type=DATE, help="The day the retention is judged on (default: today).")
@click.option("--apply", "apply_", is_flag=True, help="Erase the youths listed, after a prompt.")
@click.option("--yes", is_flag=True, help="With --apply: do not ask for confirmation.")
@click.option("--json", "as_json", is_flag=True, help="Output a JSON array.")
@actor_option
@click.pass_context
def retention(
    ctx: click.Context, /, as_of: date | None, apply_: bool, yes: bool, as_json: bool, actor: str
) -> None:
    """The young people whose last contact is older than the retention period, and
    their erasure (--apply).

    The last contact is the date of the latest step of the pathway recorded by an
    organisation (every event but corrections, acknowledgements and the erasure;
    retracted steps do not count). A young person in custody or under community
    supervision on the day is never listed: the pathway is still under way. The
    period is the setting retention.days (default 730 days, two years: the
    French social-sector guidance), e.g. `pathways settings set retention.days
    1095`. --apply erases each one listed (as `pathways erase`, reason
    retention-expired), each erasure audited.

    \b
    Example:
      pathways retention
      pathways retention --apply --yes
    """
    from pathways import audit as log
    from pathways.guard import require_admin
    from pathways.retention import due

    app = open_app(ctx)
    require_admin(actor, store=app.store, purpose="retention")
    views = open_views(ctx)
    day = as_of or app.today()
    with audited(ctx, "retention", {"as_of": day}, actor=actor, reason=None) as trail:
        found = due(views, day)
        trail.saw(row.youth for row in found)
    rows = [row.as_dict() for row in found]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
    elif not apply_ or rows:
        from pathways.cli.output import emit

        period = found.days
        said = _("retention: {days} days, judged on {day}: {due} due")
        click.echo(said.format(days=period, day=long_date(day), due=len(rows)), err=True)
        emit(rows, None, columns=list(RETENTION_COLUMNS))
    if not apply_ or not rows:
        return
    if not yes:
        click.confirm(
            f"Erase the personal data of these {len(rows)} young people for good?",
            abort=True,
            err=True,
        )
    for row in found:
        with log.reading(
            app.store,
            actor=actor,
            command="retention --apply",
            options={"as_of": day, "last_contact_on": row.last_contact_on},
            reason="retention-expired",
            youths=[row.youth],
            outcome="erased",
        ):
            receipt = app.erase(row.youth, "retention-expired", actor)
        print_receipt(receipt, verb=f"erased {row.youth}")
    if app.store.erasure_pending:
        from pathways.backends.sqlite import PENDING_MESSAGE

        pending = _(PENDING_MESSAGE).format(path=app.store.location.display)
        click.echo(_("warning: {message}").format(message=pending), err=True)
