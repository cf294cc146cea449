"""The options and parameter types the commands share: dates (`DATE`), the acting
user (`--actor`, checked against the store by `session`) and `--wait-for`."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

import click

from pathways.access import claimed
from pathways.application import default_actor
from pathways.cli.session import ACTOR_PATTERN, _audit_forged
from pathways.i18n import _

F = TypeVar("F", bound=Callable[..., Any])


class DateType(click.ParamType[date]):
    """An ISO date (YYYY-MM-DD)."""

    name = "date"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError as error:
            if re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])-\d{2}", str(value)):  # a month with no such day
                self.fail(
                    _("'{value}' is not a day of the calendar ({error})").format(
                        value=value, error=error
                    ),
                    param,
                    ctx,
                )
            self.fail(_("'{value}' is not a date (YYYY-MM-DD)").format(value=value), param, ctx)


DATE = DateType()


def _actor(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """A user name or code (it is stored in clear: no free text). Kept for `open_app`,
    which refuses an actor who is not a known, enabled user of the store. A forged
    name is a usage error, audited when the store can be opened."""
    if not ACTOR_PATTERN.fullmatch(value):
        _audit_forged(ctx, value)
        msg = _("'{value}' is not a user name (letters, digits, '.', '_', '@', '-')").format(
            value=claimed(value)
        )
        raise click.BadParameter(msg, ctx=ctx, param=param)
    root = ctx.find_root()
    if isinstance(root.obj, dict):
        root.obj["actor"] = value
    return value


def acting_option(func: F) -> F:
    """`--actor` on a command that does not otherwise use it: who is acting (`open_app`
    checks that it is a known, enabled user)."""
    return click.option(
        "--actor",
        envvar="PATHWAYS_ACTOR",
        default=default_actor,
        callback=_actor,
        expose_value=False,
        show_default="$PATHWAYS_ACTOR, else your OS user name",
        help="The acting user (a user of the store: pathways users list).",
    )(func)


def actor_option(func: F) -> F:
    """`--actor` on a write: $PATHWAYS_ACTOR, else the OS user name."""
    return _actor_option(func, "Who is recording (the acting user).")


def read_actor_option(func: F) -> F:
    """`--actor` on a read: the acting user (the counsellor code of --mine, where the
    read has it)."""
    return _actor_option(func, "The acting user (with --mine, your counsellor code).")


def reader_option(func: F) -> F:
    """`--actor` on a read without --mine (history, youth, exports)."""
    return _actor_option(func, "The acting user (a user of the store: pathways users list).")


def _actor_option(func: F, text: str) -> F:
    return click.option(
        "--actor",
        envvar="PATHWAYS_ACTOR",
        default=default_actor,
        callback=_actor,
        show_default="$PATHWAYS_ACTOR, else your OS user name",
        help=text,
    )(func)


def actor_given(ctx: click.Context) -> bool:
    """Whether the acting user was named (--actor or $PATHWAYS_ACTOR), not guessed."""
    source = ctx.get_parameter_source("actor")
    return source in (
        click.core.ParameterSource.COMMANDLINE,
        click.core.ParameterSource.ENVIRONMENT,
    )


def _wait_for(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is None:
        return
    text = value.removeprefix("@")
    if not text.isdigit():
        msg = _("'{value}' is not a log position (@N, as a write's receipt prints it)").format(
            value=value
        )
        raise click.BadParameter(msg, ctx=ctx, param=param)
    root = ctx.find_root()
    if isinstance(root.obj, dict):
        root.obj["wait_for"] = int(text)


def wait_for_option(func: F) -> F:
    """`--wait-for @N` on a read of the read models: read once they have reached N."""
    return click.option(
        "--wait-for",
        metavar="@N",
        expose_value=False,
        callback=_wait_for,
        help="Read once the read models have reached log position N (a write's receipt "
        "gives it): while a worker keeps them level, a read waits for it.",
    )(func)
