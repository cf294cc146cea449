"""Pieces shared by the commands: opening the store, dates, the acting user, receipts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click

from pathways.application import Pathways, Receipt, default_actor

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


def actor_option(func: F) -> F:
    return click.option(
        "--actor",
        default=default_actor,
        show_default="your OS user name",
        help="Who is recording (the acting user).",
    )(func)


def open_app(ctx: click.Context) -> Pathways:
    from pathways.store import open_store

    root = ctx.find_root().obj or {}
    key_file = root.get("key_file")
    store = open_store(root.get("db"), Path(key_file) if key_file else None)
    ctx.call_on_close(store.close)
    return Pathways(store)


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
