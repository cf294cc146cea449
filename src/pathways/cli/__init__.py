"""The `pathways` command line.

The root group loads its subcommands lazily, so that `pathways --help` and the
commands that do not need the whole stack start fast. Library code raises
typed errors (`PathwaysError`); `PathwaysGroup` turns them, and the expected
failures of input and environment (`is_expected`), into a plain message and exit
code 1, with no traceback. Any other exception is a bug: its traceback goes to a
crash log readable by its owner only, whose path the message gives (with
PATHWAYS_DEBUG=1 it is raised, traceback on standard error). Ctrl-C (SIGINT) and
SIGTERM end a command with 130 / 143 and a line that says what was stored; a
closed pipe (`pathways export ... | head`) ends it quietly. A failure's message is
worded by `cli.errors`; what the commands share is in `cli.options`, `cli.session`,
`cli.receipts` and `cli.progressbar`.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
from types import FrameType
from typing import Any

import click

from pathways.cli.localise import (
    Context,
    Language,
    language_in,
    localise,
    root_language,
    speak_click,
)
from pathways.i18n import _, use, using
from pathways.perf import no_pydantic_plugins, pause_for_startup, startup_done

# name -> (module, attribute)
COMMANDS: dict[str, tuple[str, str]] = {
    "record": ("pathways.cli.record", "record"),
    "amend": ("pathways.cli.write", "amend"),
    "retract": ("pathways.cli.write", "retract"),
    "erase": ("pathways.cli.write", "erase"),
    "import": ("pathways.cli.write", "import_"),
    "history": ("pathways.cli.read", "history"),
    "youth": ("pathways.cli.youth", "youth"),
    "info": ("pathways.cli.read", "info"),
    "settings": ("pathways.cli.read", "settings"),
    "init": ("pathways.cli.init", "init"),
    "keygen": ("pathways.cli.admin", "keygen"),
    "caseload": ("pathways.cli.views", "caseload"),
    "alerts": ("pathways.cli.views", "alerts"),
    "acknowledge": ("pathways.cli.views", "acknowledge"),
    "projections": ("pathways.cli.projections", "projections"),
    "outcomes": ("pathways.cli.outcomes", "outcomes"),
    "compare": ("pathways.cli.outcomes", "compare"),
    "report": ("pathways.cli.report", "report"),
    "export": ("pathways.cli.export", "export"),
    "demo": ("pathways.cli.admin", "demo"),
    "db": ("pathways.cli.db", "db"),
    "migrate": ("pathways.cli.migrate", "migrate"),
    "verify": ("pathways.cli.verify", "verify"),
    "audit": ("pathways.cli.privacy", "audit"),
    "retention": ("pathways.cli.privacy", "retention"),
    "keys": ("pathways.cli.keys", "keys"),
    "users": ("pathways.cli.users", "users"),
    "access": ("pathways.cli.users", "access"),
}


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that every layer unwinds the same way (a write's
    transaction rolls back, or has committed; `Exception` handlers let it through)."""


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise Terminated


class PathwaysGroup(click.Group):
    """Lazy subcommands; domain errors become clear messages."""

    context_class = Context

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attribute = COMMANDS[cmd_name]
        command: click.Command = getattr(importlib.import_module(module), attribute)
        startup_done()
        return localise(command)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """The language first (`--lang`, before the command), so that everything is said
        in it, `pathways --help --lang fr` included; the option validates it after."""
        use(language_in(args, COMMANDS))
        speak_click()
        localise(self)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        from pathways.domain.errors import PathwaysError

        previous = _on_sigterm(_terminate)
        try:
            # the language is fixed for the command: every message, reason and date of
            # a long list would otherwise read the environment again (`i18n.language`)
            with using(None):
                return super().invoke(ctx)
        except KeyboardInterrupt as interrupt:
            from pathways.cli.progressbar import finish_progress
            from pathways.cli.receipts import interrupted_message

            finish_progress(ctx)
            click.echo(
                "\n" + _("interrupted: {what}").format(what=interrupted_message(ctx)), err=True
            )
            raise click.exceptions.Exit(143 if isinstance(interrupt, Terminated) else 130) from None
        except BrokenPipeError:
            _quiet_stdout()
            raise click.exceptions.Exit(1) from None
        except PathwaysError as error:
            raise click.ClickException(str(error)) from None
        except click.NoSuchOption as error:
            if error.option_name in ROOT_OPTIONS:
                # `pathways alerts --db X`: the most natural thing to type
                name = error.option_name
                env = ROOT_OPTIONS[name]
                command = ctx.invoked_subcommand or "COMMAND"
                msg = _(
                    "{name} goes before the command: pathways {name} VALUE {command} ..."
                    " (or set ${env})"
                ).format(name=name, command=command, env=env)
                raise click.UsageError(msg, ctx=error.ctx) from None
            raise
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as error:
            from pathways.cli.errors import (
                DEBUG_ENV,
                expected_failure,
                is_expected,
                unexpected_failure,
            )

            if is_expected(error):
                raise click.ClickException(expected_failure(error, ctx)) from None
            if os.environ.get(DEBUG_ENV, "") not in ("", "0"):
                raise  # the whole traceback on standard error
            from pathways.cli.progressbar import finish_progress

            finish_progress(ctx)
            raise click.ClickException(unexpected_failure(ctx, error)) from None
        finally:
            from pathways.cli.progressbar import finish_progress

            finish_progress(ctx)
            _on_sigterm(previous)


def _on_sigterm(handler: Any) -> Any:
    """Install a SIGTERM handler; the previous one (None off the main thread)."""
    if handler is None:
        return None
    try:
        return signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread (an embedding program's worker)
        return None


def _quiet_stdout() -> None:
    """The reader of standard output has gone (`| head`): as the Python docs advise,
    point stdout at devnull so that the interpreter's last flush does not fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # not a real file (a test runner's buffer)
        pass


#: The options of the root group (before the command), and their variables.
ROOT_OPTIONS = {
    "--db": "PATHWAYS_DB",
    "--key-file": "PATHWAYS_KEY_FILE",
    "--chain-key-file": "PATHWAYS_CHAIN_KEY_FILE",
}


@click.group(cls=PathwaysGroup)
@click.option(
    "--db",
    envvar="PATHWAYS_DB",
    metavar="PATH|URL",
    help="The store: a SQLite file path, a postgresql:// URL, or memory: (memory://NAME), "
    "a store in memory that lives as long as the process, for tests "
    "(default: $PATHWAYS_DB, else a file in your data directory).",
)
@click.option(
    "--key-file",
    envvar="PATHWAYS_KEY_FILE",
    type=click.Path(dir_okay=False),
    help="The master key file (default: $PATHWAYS_KEY_FILE, else in your config directory; "
    "$PATHWAYS_MASTER_KEY wins over both).",
)
@click.option(
    "--chain-key-file",
    envvar="PATHWAYS_CHAIN_KEY_FILE",
    type=click.Path(dir_okay=False),
    help="The chain key file, which appends and `verify` need (default: "
    "$PATHWAYS_CHAIN_KEY_FILE, else NAME.chain.key beside the master key file NAME.key; "
    "$PATHWAYS_CHAIN_KEY wins over both).",
)
@click.option(
    "--lang",
    envvar="PATHWAYS_LANG",
    type=Language(["fr", "en"], case_sensitive=False),
    is_eager=True,
    expose_value=False,
    callback=root_language,
    help="The language of messages, help and reports: fr or en (default: $PATHWAYS_LANG, "
    "else French when the locale is French, else English).",
)
@click.version_option(package_name="pathways")
@click.pass_context
def cli(
    ctx: click.Context, db: str | None, key_file: str | None, chain_key_file: str | None
) -> None:
    """Track the pathways of young people under justice supervision (Dedans-Dehors, 35).

    Every step is an immutable event; personal fields are encrypted with a key
    of each young person.

    \b
    Example:
      pathways record released Y-2026-0042 --on 2026-03-01 \\
        --kind end-of-sentence --destination rennes
      pathways alerts --organisation we-ker
    """
    ctx.obj = {"db": db, "key_file": key_file, "chain_key_file": chain_key_file}


def plain_warnings() -> None:
    """A library's warning is one line on standard error, "warning: MESSAGE" (its first
    line), instead of Python's default, which adds the file, the line number and
    that line of source: a message is for the user, and says no more."""
    import warnings

    def show(message: Warning | str, *_args: object, **_kwargs: object) -> None:
        lines = str(message).strip().splitlines() or [""]
        click.echo(_("warning: {message}").format(message=lines[0]), err=True)

    warnings.showwarning = show


def main() -> None:
    """The `pathways` command. click's own handling, but for an interrupt that comes
    before a command has begun (while Python loads it), which click would call
    "Aborted!": it is said plainly, with the exit code of the signal."""
    pause_for_startup()
    _on_sigterm(_terminate)
    plain_warnings()
    no_pydantic_plugins()  # (tens of milliseconds of each command; pathways uses none)
    try:
        code = cli.main(prog_name="pathways", standalone_mode=False)
    except click.exceptions.Abort as abort:
        interrupt = abort.__cause__ or abort.__context__
        if isinstance(interrupt, KeyboardInterrupt):
            said = _("interrupted: nothing was stored (the command had not begun)")
            click.echo("\n" + said, err=True)
            sys.exit(143 if isinstance(interrupt, Terminated) else 130)
        click.echo(_("Aborted!"), err=True)  # a prompt answered no, as click says it
        sys.exit(1)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except BrokenPipeError:  # while click itself was writing (help, usage errors)
        _quiet_stdout()
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
