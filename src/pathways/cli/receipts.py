"""What a command says it stored: the receipt of a write, and what an interrupted
or failed command stored."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from pathways.cli.progressbar import finish_progress
from pathways.i18n import N_, _, number

if TYPE_CHECKING:
    from pathways.application import Pathways, Receipt


def stored_message(app: Pathways | None, what: str = N_("the events were")) -> str:
    """What an interrupted write stored: the store commits a batch whole or not at all."""
    receipt = app.last_receipt if app is not None else None
    if receipt is None or receipt.checked_only or receipt.first_id is None:
        return _("nothing was stored")
    positions = receipt.positions
    if not positions:
        # Interrupted inside the append: it committed as a whole or not at all. Before
        # its commit (a server gone away in the middle of it), not at all: the store
        # need not (and may no longer) be asked.
        if app.store.backend.rolled_back:  # type: ignore[union-attr]
            return _("nothing was stored")
        first, last = receipt.first_id, receipt.last_id or receipt.first_id
        if not app.store.find_streams([first]):  # type: ignore[union-attr]
            return _("nothing was stored")
        positions = [app.find(first).position, app.find(last).position]  # type: ignore[union-attr]
    first_at, last_at = positions[0], positions[-1]
    where = _positions(first_at, last_at)
    return _(
        "{what} stored ({n} events at {where}); the read models will catch up on the next command"
    ).format(what=_(what), n=number(receipt.stored), where=where)


def _positions(first: int, last: int) -> str:
    if first == last:
        return _("position {first}").format(first=first)
    return _("positions {first}-{last}").format(first=first, last=last)


#: The verbs of the receipts (`print_receipt(..., verb=)`), for the catalogue.
VERBS = (
    N_("stored"),
    N_("changed"),
    N_("acknowledged"),
    N_("amended"),
    N_("retracted"),
    N_("erased"),
)


def on_interrupt(ctx: click.Context, message: Callable[[], str]) -> None:
    """What the command says if it is interrupted from now on ("interrupted: ...")."""
    root = ctx.find_root()
    if isinstance(root.obj, dict):
        root.obj["on_interrupt"] = message


def interrupted_message(ctx: click.Context) -> str:
    root = ctx.find_root()
    settings = root.obj if isinstance(root.obj, dict) else {}
    message = settings.get("on_interrupt")
    if message is not None:
        return str(message())
    return stored_message(settings.get("app"))


def print_receipt(receipt: Receipt, *, verb: str = "stored") -> None:
    context = click.get_current_context(silent=True)
    if context is not None:
        finish_progress(context)  # the receipt never lands inside a bar's line
    if receipt.checked_only:
        click.echo(
            _(
                "checked: {stored} event(s) would be stored, {skipped} skipped as already "
                "stored; nothing was written"
            ).format(stored=receipt.stored, skipped=receipt.skipped)
        )
    else:
        where = ""
        if receipt.positions:
            first, last = receipt.positions[0], receipt.positions[-1]
            where = " " + _("at {where}").format(where=_positions(first, last))
        click.echo(
            _("{verb}: {stored} event(s){where}; skipped as already stored: {skipped}").format(
                verb=_(verb), stored=receipt.stored, where=where, skipped=receipt.skipped
            )
        )
    for name, count in sorted(receipt.by_type.items()):
        click.echo(f"  {name}: {count}")
