"""Pieces shared by the commands: opening the store, dates, the acting user, receipts,
progress bars and what an interrupted command says it stored."""

from __future__ import annotations

import re
import shutil
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from pathways.access import USER_NAME, claimed
from pathways.application import Pathways, Receipt, default_actor
from pathways.i18n import N_, _
from pathways.progress import SILENT, Progress

if TYPE_CHECKING:
    from pathways.access import Access
    from pathways.projections import Views
    from pathways.store import Store

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


ACTOR_PATTERN = USER_NAME


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
    """`--actor` on a read: the acting user (the counsellor code of --mine)."""
    return _actor_option(func, "The acting user (with --mine, your counsellor code).")


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


def open_app(ctx: click.Context, *, authenticate: bool = True) -> Pathways:
    """The application on the chosen store (one per command). A write needs no more:
    the read side (SQLAlchemy, the read models) is loaded only by `open_views`.

    The acting user (--actor, $PATHWAYS_ACTOR, else the OS user name) must be a known,
    enabled user of the store: otherwise `AccessRefused`, before anything but the users
    is read (`pathways.access`)."""
    from pathways.store import open_store

    root = ctx.find_root()
    settings = root.obj if isinstance(root.obj, dict) else {}
    if "app" not in settings:
        key_file, chain_key_file = key_files(settings)
        store = open_store(settings.get("db"), key_file, chain_key_file=chain_key_file)
        root.call_on_close(store.close)
        from pathways.projections.timelines import attach_inline

        attach_inline(store)  # a write projects its own events: no catch-up for the next read
        app = Pathways(store)
        app.progress = progress_for(ctx)
        if authenticate:
            app.access = _authenticate(ctx, app)
        settings["app"] = app
    found: Pathways = settings["app"]
    return found


def _claimed_user(ctx: click.Context) -> str:
    """The name the command claims to act as: --actor, else $PATHWAYS_ACTOR, else the
    OS user (not checked)."""
    import os

    root = ctx.find_root()
    settings = root.obj if isinstance(root.obj, dict) else {}
    return str(settings.get("actor") or os.environ.get("PATHWAYS_ACTOR") or default_actor())


def acting_user(ctx: click.Context) -> str:
    """The name the command acts as: --actor, else $PATHWAYS_ACTOR, else the OS user."""
    found = _claimed_user(ctx)
    if not ACTOR_PATTERN.fullmatch(found):
        msg = f"'{claimed(found)}' is not a user name (letters, digits, '.', '_', '@', '-')"
        raise click.UsageError(msg)
    return found


def command_name(ctx: click.Context) -> str:
    """The command as the audit names it ("record contact-made", "import")."""
    return " ".join(ctx.command_path.split()[1:]) or "pathways"


def sign_in(ctx: click.Context, store: Store) -> Access:
    """The acting user, known and enabled (`access.sign_in`: a refusal is audited); a
    forged name is a usage error."""
    from pathways import access
    from pathways.domain.errors import AccessRefused

    try:
        return access.sign_in(store, _claimed_user(ctx), command_name(ctx))
    except AccessRefused as refused:
        if refused.kind == access.FORGED:
            raise click.UsageError(str(refused)) from None
        raise


def _audit_forged(ctx: click.Context, name: str) -> None:
    """Audit a forged --actor (or $PATHWAYS_ACTOR) in the store the command names, if it
    can be opened (there is no store before `init`): nothing else of it is read."""
    from pathways import access
    from pathways.domain.errors import AccessRefused
    from pathways.store import open_store

    root = ctx.find_root()
    settings = root.obj if isinstance(root.obj, dict) else {}
    key_file, chain_key_file = key_files(settings)
    try:
        store = open_store(
            settings.get("db"), key_file, need_key=False, chain_key_file=chain_key_file
        )
    except Exception:  # no store to audit in, or none reachable: the usage error stands
        return
    try:
        access.sign_in(store, name, command_name(ctx))
    except AccessRefused:
        pass
    finally:
        store.close()


def _authenticate(ctx: click.Context, app: Pathways) -> Any:
    return sign_in(ctx, app.store)


def reopen_store(settings: dict[str, Any]) -> Store:
    """A new store on the command's --db and key (a worker's, after the database was
    lost); the caller closes it."""
    from pathways.store import open_store

    key_file, chain_key_file = key_files(settings)
    return open_store(settings.get("db"), key_file, chain_key_file=chain_key_file)


def key_files(settings: dict[str, Any]) -> tuple[Path | None, Path | None]:
    """The master key file and the chain key file given before the command (or None)."""
    key_file, chain_key_file = settings.get("key_file"), settings.get("chain_key_file")
    return (
        Path(key_file) if key_file else None,
        Path(chain_key_file) if chain_key_file else None,
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


def open_views(ctx: click.Context) -> Views:
    """The read models of the command's application; reads catch them up first."""
    from pathways.projections import attach

    root = ctx.find_root()
    settings = root.obj if isinstance(root.obj, dict) else {}
    if "views" not in settings:
        views = attach(open_app(ctx))
        root.call_on_close(views.close)
        views.wait_for = settings.get("wait_for")
        settings["views"] = views
    found: Views = settings["views"]
    return found


def interactive() -> bool:
    """Whether standard error is a terminal (progress bars are drawn only there)."""
    return sys.stderr.isatty()


def progress_for(ctx: click.Context) -> Progress:
    """The command's progress: a bar on a terminal, else nothing (one per command)."""
    root = ctx.find_root()
    settings = root.obj if isinstance(root.obj, dict) else {}
    if "progress" not in settings:
        settings["progress"] = Bar() if interactive() else SILENT
    found: Progress = settings["progress"]
    return found


def finish_progress(ctx: click.Context) -> None:
    """End the bar being drawn, if any (before a final message)."""
    root = ctx.find_root()
    found = root.obj.get("progress") if isinstance(root.obj, dict) else None
    if isinstance(found, Bar):
        found.finish()


#: The unit counted by each phase.
UNITS = {
    "read": "lines",
    "check": "youths",
    "write": "events",
    "catch up": "events",
    "rebuild": "events",
    "load": "events",
    "copy": "events",
    "verify": "events",
}


class Bar:
    """Each phase drawn on one line of standard error: a bar, the count and the rate.

    Nothing is drawn for work that ends within `DELAY` seconds (a single `record`
    has its phases too, and needs no bar). (click.progressbar needs a known length
    and shows no rate; this is all we need.)"""

    WIDTH = 24
    DELAY = 0.5

    def __init__(self) -> None:
        self.name = ""
        self.total: int | None = None
        self.done = 0
        self.started = 0.0
        self.drawn = 0.0
        self.born: float | None = None  # when the first phase began
        self.visible = False  # whether this phase's line is on the screen

    def phase(self, name: str, total: int | None = None) -> None:
        self.finish()
        if total == 0:
            return
        self.name, self.total, self.done = name, total, 0
        self.started = time.perf_counter()
        if self.born is None:
            self.born = self.started
        self.drawn = 0.0
        self._draw()

    def advance(self, n: int = 1) -> None:
        if not self.name:
            return
        self.done += n
        now = time.perf_counter()
        if now - self.drawn >= 0.1:
            self._draw(now)

    def note(self, text: str) -> None:
        self.finish()
        click.echo(text, err=True)

    def finish(self) -> None:
        if self.name and self.visible:
            self._draw(force=True)
            click.echo("", err=True)
        self.name = ""
        self.visible = False

    def _draw(self, now: float | None = None, *, force: bool = False) -> None:
        now = time.perf_counter() if now is None else now
        if not force and now - (self.born or now) < self.DELAY:
            return
        self.visible = True
        self.drawn = now
        seconds = now - self.started
        rate = f"{self.done / seconds:,.0f}/s" if seconds > 0 and self.done else ""
        unit = UNITS.get(self.name, "")
        if self.total:
            filled = min(self.WIDTH, self.WIDTH * self.done // self.total)
            bar = "[" + "#" * filled + "-" * (self.WIDTH - filled) + "]"
            count = f"{self.done:,}/{self.total:,} {unit}"
        else:
            bar, count = "", f"{self.done:,} {unit}"
        line = "  ".join(part for part in (f"{self.name:<9}", bar, count.strip(), rate) if part)
        width = shutil.get_terminal_size((100, 20)).columns - 1
        click.echo("\r" + line[:width].ljust(width), nl=False, err=True)


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
    ).format(what=_(what), n=f"{receipt.stored:,}", where=where)


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
