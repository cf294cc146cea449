"""`pathways users` and `pathways access`: who may act, and break-the-glass grants.

Both are an admin's commands (`write_scope.check_writes` refuses the events to anyone
else); the users are events of the registry, replayed by `--known-at` like the
settings, and a grant is an event of the youth it opens.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import click

from pathways.cli.options import acting_option, actor_option
from pathways.cli.output import emit, output_options
from pathways.cli.receipts import print_receipt
from pathways.cli.session import acting_user, open_app
from pathways.domain.events import ROLES
from pathways.i18n import _

#: The columns of `users list` and `access list`.
USER_COLUMNS = ("user", "organisation", "role", "enabled")
GRANT_COLUMNS = ("grant", "youth", "user", "until", "by", "status")


@click.group()
def users() -> None:
    """The users of the store: who may act, for which organisation, in which role.

    Every command acts as a known, enabled user (--actor, $PATHWAYS_ACTOR, else
    your OS user name). A counsellor reads the youths of their Mission Locale, a
    CPIP (spip-35) those in custody or under community supervision, an analyst
    aggregates and pseudonymised exports, an admin everything, and manages users,
    grants and erasure (docs/access.md).

    \b
    Example:
      pathways users add c-sm-1 --organisation ml-saint-malo --role counsellor
      pathways users list
      pathways users disable c-sm-1
    """


@users.command("add")
@click.argument("name")
@click.option("--organisation", required=True, help="The organisation the user works for.")
@click.option("--role", required=True, type=click.Choice(ROLES), help="What the user may read.")
@actor_option
@click.pass_context
def add(ctx: click.Context, /, name: str, organisation: str, role: str, actor: str) -> None:
    """Add a user (an admin's act). On a store with no user yet (made before users
    existed), the first admin may be added by whoever holds the store and its key.

    \b
    Example:
      pathways users add c-sm-1 --organisation ml-saint-malo --role counsellor
      pathways users add cpip-1 --organisation spip-35 --role cpip
    """
    _check_name(name)
    app = open_app(ctx, authenticate=False)
    if app.reference().users:
        from pathways.cli.session import _authenticate

        app.access = _authenticate(ctx, app)
    elif role != "admin":
        msg = _(
            "this store has no users yet: add its first admin first "
            "(users add {actor} --role admin ...)"
        ).format(actor=actor)
        raise click.UsageError(msg)
    receipt = app.add_user(name, organisation, role, actor)
    click.echo(
        _("user {name} added: {role} of {organisation}").format(
            name=name, role=role, organisation=organisation
        )
    )
    print_receipt(receipt)


def _check_name(name: str) -> None:
    if not re.fullmatch(r"[A-Za-z0-9._@-]{1,60}", name):
        msg = _("'{name}' is not a user name (letters, digits, '.', '_', '@', '-'; up to 60)")
        msg = msg.format(name=name)
        raise click.BadParameter(msg, param_hint="NAME")


@users.command("list")
@output_options
@acting_option
@click.pass_context
def list_(ctx: click.Context, /, fmt: str | None, with_meta: bool) -> None:
    """The users, their organisation, role and whether they may act (admins only).

    \b
    Example:
      pathways users list --json
    """
    app = open_app(ctx)
    if app.access is not None:
        app.access.require({"admin"}, _("the list of users"))
    rows = [
        {"user": u.name, "organisation": u.organisation, "role": u.role, "enabled": u.enabled}
        for u in app.users()
    ]
    emit(rows, fmt, columns=list(USER_COLUMNS), with_meta=with_meta)


@users.command("disable")
@click.argument("name")
@actor_option
@click.pass_context
def disable(ctx: click.Context, /, name: str, actor: str) -> None:
    """Disable a user: they can no longer act; their past events still name them.

    \b
    Example:
      pathways users disable c-sm-1
    """
    _check_name(name)
    print_receipt(open_app(ctx).disable_user(name, actor))


@users.command("enable")
@click.argument("name")
@actor_option
@click.pass_context
def enable(ctx: click.Context, /, name: str, actor: str) -> None:
    """Enable a disabled user again.

    \b
    Example:
      pathways users enable c-sm-1
    """
    _check_name(name)
    print_receipt(open_app(ctx).disable_user(name, actor, enable=True))


@click.group()
def access() -> None:
    """Break the glass: let a counsellor read one youth of another organisation, for a
    stated reason, until a time (24 hours by default); it ends by itself and can be
    revoked (admins only).

    \b
    Example:
      pathways access grant c-wk-1 Y-2026-0042 --reason "urgent housing" --hours 4
      pathways access list
      pathways access revoke GRANT_ID
    """


@access.command("grant")
@click.argument("user")
@click.argument("youth")
@click.option("--reason", required=True, help="Why (personal: encrypted with the youth's key).")
@click.option("--until", "until_", help="When it ends (ISO date-time with its zone).")
@click.option("--hours", type=click.IntRange(1, 720), help="How long it lasts (default: 24 hours).")
@actor_option
@click.pass_context
def grant(
    ctx: click.Context, /, user: str, youth: str, reason: str, until_: str | None,
    hours: int | None, actor: str,
) -> None:  # fmt: skip
    """Grant a counsellor access to one youth of another organisation until a time
    (24 hours by default, 30 days at most).

    \b
    Example:
      pathways access grant c-wk-1 Y-2026-0042 --reason "on call" --hours 4
      pathways access grant c-wk-1 Y-2026-0042 --reason "court" --until 2026-12-04T18:00+01:00
    """
    from pathways.worklists import reference_problem

    _check_name(user)
    problem = reference_problem(youth)
    if problem is not None:
        raise click.BadParameter(problem, param_hint="YOUTH")
    if until_ is not None and hours is not None:
        raise click.UsageError(_("--until and --hours cannot be used together"))
    if until_ is not None:
        try:
            until = datetime.fromisoformat(until_)
        except ValueError:
            msg = _("'{value}' is not a date-time (e.g. 2026-12-01T18:00+01:00)").format(
                value=until_
            )
            raise click.BadParameter(msg, param_hint="--until") from None
    else:
        until = datetime.now(UTC) + timedelta(hours=hours or 24)
    app = open_app(ctx)
    receipt = app.grant(user, youth, reason, until, actor)
    click.echo(
        _("granted: {user} may read {youth} until {until} UTC").format(
            user=user, youth=youth, until=f"{until.astimezone(UTC):%Y-%m-%d %H:%M}"
        )
    )
    click.echo("  " + _("grant id {id} (pathways access revoke {id})").format(id=receipt.first_id))
    print_receipt(receipt)


@access.command("revoke")
@click.argument("grant_id", type=click.UUID)
@actor_option
@click.pass_context
def revoke(ctx: click.Context, /, grant_id: uuid.UUID, actor: str) -> None:
    """End a grant before its time.

    \b
    Example:
      pathways access revoke 3f2a9c1e-0d7b-4e55-9a61-2b8f0c4d7e19
    """
    print_receipt(open_app(ctx).revoke(grant_id, actor))


@access.command("list")
@output_options
@acting_option
@click.pass_context
def list_grants(ctx: click.Context, /, fmt: str | None, with_meta: bool) -> None:
    """Every grant: its id, youth, user, end, who granted it, and whether it is active,
    expired or revoked (admins only; the reasons are not shown).

    \b
    Example:
      pathways access list --json
    """
    app = open_app(ctx)
    if app.access is not None:
        app.access.require({"admin"}, _("the list of grants"))
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = [
        {
            "grant": g.id,
            "youth": g.youth,
            "user": g.user,
            "until": g.until.astimezone(UTC).isoformat(timespec="minutes"),
            "by": g.by,
            "status": g.status(now),
        }
        for g in app.grants()
    ]
    emit(rows, fmt, columns=list(GRANT_COLUMNS), with_meta=with_meta)


__all__ = ["access", "acting_user", "users"]
