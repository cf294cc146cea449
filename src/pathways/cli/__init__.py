"""The `pathways` command line.

The root group loads its subcommands lazily, so that `pathways --help` and the
commands that do not need the whole stack start fast. Library code raises
typed errors (`PathwaysError`); `PathwaysGroup` turns them, and the expected
failures of input and environment (`is_expected`), into a plain message and exit
code 1, with no traceback. Any other exception is a bug: its traceback goes to a
crash log readable by its owner only, whose path the message gives (with
PATHWAYS_DEBUG=1 it is raised, traceback on standard error). Ctrl-C (SIGINT) and
SIGTERM end a command with 130 / 143 and a line that says what was stored; a
closed pipe (`pathways export ... | head`) ends it quietly.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Any

import click

from pathways.cli.localise import language_in, localise, root_language, speak_click
from pathways.i18n import _, use, using

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
    "report": ("pathways.cli.outcomes", "report"),
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

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attribute = COMMANDS[cmd_name]
        command: click.Command = getattr(importlib.import_module(module), attribute)
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
            from pathways.cli.common import finish_progress, interrupted_message

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
            if is_expected(error):
                raise click.ClickException(expected_failure(error, ctx)) from None
            if os.environ.get(DEBUG_ENV, "") not in ("", "0"):
                raise  # the whole traceback on standard error
            from pathways.cli.common import finish_progress

            finish_progress(ctx)
            raise click.ClickException(unexpected_failure(ctx, error)) from None
        finally:
            from pathways.cli.common import finish_progress

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


DEBUG_ENV = "PATHWAYS_DEBUG"
#: The options of the root group (before the command), and their variables.
ROOT_OPTIONS = {
    "--db": "PATHWAYS_DB",
    "--key-file": "PATHWAYS_KEY_FILE",
    "--chain-key-file": "PATHWAYS_CHAIN_KEY_FILE",
}


def is_expected(error: Exception) -> bool:
    """Whether a failure is one of input or of the environment, told by a plain message:
    refused input (pydantic's ValidationError, a file that is not UTF-8), a file or
    folder that cannot be used (OSError), a database that fails to work (locked,
    full, unreachable: the drivers' OperationalError; or that refuses the store's
    user: PostgreSQL's permission denied). Anything else is a bug."""
    from pydantic import ValidationError

    if isinstance(error, ValidationError | UnicodeDecodeError | OSError):
        return True
    return _database_failure(error)


def _database_failure(error: BaseException) -> bool:
    """A driver's "it failed to work" error, or one wrapped in it (SQLAlchemy's `orig`,
    eventsourcing's cause)."""
    failures = _operational_errors()
    seen: set[int] = set()
    found: BaseException | None = error
    while found is not None and id(found) not in seen:
        if isinstance(found, failures):
            return True
        seen.add(id(found))
        inner = getattr(found, "orig", None) or found.__cause__
        found = inner if isinstance(inner, BaseException) else None
    return False


def _operational_errors() -> tuple[type[BaseException], ...]:
    """The database drivers' "it failed to work" errors, of the drivers imported (an
    error of a driver not imported cannot have been raised)."""
    found: list[type[BaseException]] = []
    for module, name in (
        ("sqlite3", "OperationalError"),
        ("eventsourcing.persistence", "OperationalError"),
        ("sqlalchemy.exc", "OperationalError"),
        ("psycopg", "OperationalError"),
        ("psycopg.errors", "InsufficientPrivilege"),
    ):
        cls = getattr(sys.modules.get(module), name, None)
        if isinstance(cls, type) and issubclass(cls, BaseException):
            found.append(cls)
    return tuple(found)


def crash_dir() -> Path:
    """Where crash logs go: the user's log directory (e.g. ~/.local/state/pathways/log)."""
    import platformdirs

    return Path(platformdirs.user_log_dir("pathways"))


def write_crash_log(error: BaseException, command: str | None) -> Path:
    """The traceback of an unexpected exception, in a new file readable by its owner only.

    It may hold data (a value in a message), never the local variables; nor the
    command line, whose options may be personal (a note, a name)."""
    import platform
    import traceback
    from datetime import UTC, datetime
    from importlib.metadata import PackageNotFoundError, version

    try:
        ours = version("pathways")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree
        ours = "unknown"
    folder = crash_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    moment = datetime.now(UTC)
    path = folder / f"pathways-crash-{moment:%Y%m%dT%H%M%S.%fZ}-{os.getpid()}.log"
    text = (
        f"pathways {ours}, Python {platform.python_version()}, {platform.platform()}\n"
        f"command: pathways {command or '?'}\nat: {moment.isoformat()}\n\n"
        + "".join(traceback.format_exception(error))
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
    return path


def unexpected_failure(ctx: click.Context, error: Exception) -> str:
    """The one-line message for a bug: what it is, where its traceback is, and what was
    stored. The exception's own message is not shown: it may hold data."""
    stored = what_was_stored(ctx)
    try:
        where = _("its traceback is in {path}").format(
            path=write_crash_log(error, ctx.invoked_subcommand)
        )
    except OSError as problem:
        import traceback

        traceback.print_exception(error)
        where = _("no crash log could be written ({reason}): the traceback is above").format(
            reason=problem.strerror
        )
    return _(
        "unexpected {error}: this is a bug in pathways, please report it; "
        "{where} (it may hold data of the store: share it with care). {stored}."
    ).format(error=type(error).__name__, where=where, stored=stored)


def what_was_stored(ctx: click.Context) -> str:
    """What the failed command stored, as a sentence ("Nothing was stored")."""
    from pathways.cli.common import interrupted_message

    try:
        stored = interrupted_message(ctx)
    except Exception:
        stored = _("whether anything was stored is unknown (`pathways history` shows it)")
    return stored[:1].upper() + stored[1:]


def expected_failure(error: Exception, ctx: click.Context | None = None) -> str:
    """A plain message for failures of the environment or of input (no traceback).

    Values are not repeated: a refused field may be personal (a note, a reason). A
    database's failure says which database and the driver's one-line reason, never
    the SQL or its parameters (SQLAlchemy's text holds both: youth references)."""
    from pydantic import ValidationError

    if isinstance(error, ValidationError):
        problems = "; ".join(
            f"{'.'.join(str(p) for p in item['loc']) or 'value'}: {item['msg']}"
            for item in error.errors(include_url=False, include_input=False)
        )
        return _("{title}: {problems}. Nothing was written.").format(
            title=error.title, problems=problems
        )
    if isinstance(error, UnicodeDecodeError):  # (an import file says so itself: decoded())
        return _(
            "a file this command reads is not UTF-8 text ({reason}). Nothing was written."
        ).format(reason=error.reason)
    if isinstance(error, OSError):
        if error.filename:
            return _("cannot use {file}: {reason}").format(
                file=error.filename, reason=error.strerror or error
            )
        return _("cannot use: {reason}").format(reason=error.strerror or error)
    # a database that failed to work (see `is_expected`)
    from pathways.backends.base import driver_reason

    failed = _("the store failed ({error}: {reason})").format(
        error=type(error).__name__, reason=driver_reason(error)
    )
    if ctx is None:
        return _("{failed}. Nothing was written unless a line above says so.").format(failed=failed)
    return f"{failed}{_on_database(ctx)}. {what_was_stored(ctx)}."


def _on_database(ctx: click.Context) -> str:
    """' on DATABASE' (the store's location, without its password), or nothing."""
    from pathways.backends import locate

    root = ctx.find_root()
    settings = root.obj if isinstance(root.obj, dict) else {}
    try:
        return " " + _("on {store}").format(store=locate(settings.get("db")).display)
    except Exception:  # (a --db value that failed to parse said so before)
        return ""


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
    type=click.Choice(["fr", "en"], case_sensitive=False),
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
    _on_sigterm(_terminate)
    plain_warnings()
    # pydantic looks for plugins in every installed package's metadata the first time
    # a model is built (tens of milliseconds of each command); pathways uses none.
    # A user who wants one sets the variable (to "" or a list) themselves.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
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
