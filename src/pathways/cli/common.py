"""Pieces shared by the commands: opening the store, dates, the acting user, receipts."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from pathways.application import Pathways, Receipt, default_actor

if TYPE_CHECKING:
    from pathways.projections import Views

F = TypeVar("F", bound=Callable[..., Any])


class DateType(click.ParamType[date]):
    """An ISO date (YYYY-MM-DD)."""

    name = "date"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"'{value}' is not a date (YYYY-MM-DD)", param, ctx)


DATE = DateType()


ACTOR_PATTERN = re.compile(r"[A-Za-z0-9._@-]{1,60}")


def _actor(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """A user name or code (it is stored in clear: no free text)."""
    if not ACTOR_PATTERN.fullmatch(value):
        msg = f"'{value}' is not a user name (letters, digits, '.', '_', '@', '-')"
        raise click.BadParameter(msg, ctx=ctx, param=param)
    return value


def actor_option(func: F) -> F:
    return click.option(
        "--actor",
        default=default_actor,
        callback=_actor,
        show_default="your OS user name",
        help="Who is recording (the acting user).",
    )(func)


def open_app(ctx: click.Context) -> Pathways:
    """The application on the chosen store; its writes bring the read models up to date."""
    return open_views(ctx).app


def open_views(ctx: click.Context) -> Views:
    from pathways.projections import attach
    from pathways.store import open_store

    root = ctx.find_root()
    settings = root.obj if isinstance(root.obj, dict) else {}
    if "views" not in settings:
        key_file = settings.get("key_file")
        store = open_store(settings.get("db"), Path(key_file) if key_file else None)
        views = attach(Pathways(store))
        root.call_on_close(views.projection.close)
        root.call_on_close(store.close)
        settings["views"] = views
    found: Views = settings["views"]
    return found


def print_receipt(receipt: Receipt, *, verb: str = "stored") -> None:
    if receipt.checked_only:
        click.echo(
            f"checked: {receipt.stored} event(s) would be stored, "
            f"{receipt.skipped} skipped as already stored; nothing was written"
        )
    else:
        where = ""
        if receipt.positions:
            first, last = receipt.positions[0], receipt.positions[-1]
            where = f" at position {first}" if first == last else f" at positions {first}-{last}"
        click.echo(
            f"{verb}: {receipt.stored} event(s){where}; "
            f"skipped as already stored: {receipt.skipped}"
        )
    for name, count in sorted(receipt.by_type.items()):
        click.echo(f"  {name}: {count}")
