"""What a failed command says. An expected failure of input or of the environment
(`is_expected`) is one plain message (`expected_failure`); any other exception is
a bug (`unexpected_failure`): its traceback goes to a crash log readable by its
owner only (`write_crash_log`), unless PATHWAYS_DEBUG=1. `PathwaysGroup.invoke`
(`pathways.cli`) calls on them, and imports this module only when a command fails."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from pathways.i18n import _

DEBUG_ENV = "PATHWAYS_DEBUG"


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
    from pathways.cli.receipts import interrupted_message

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
    from pathways.backends.session import driver_reason, privilege_denied

    failed = _("the store failed ({error}: {reason})").format(
        error=type(error).__name__, reason=driver_reason(error)
    )
    if privilege_denied(error):
        failed += _(
            " (the database role of this connection may not do this: docs/deployment.md,"
            ' "Roles and grants", says which role runs which command, and that a schema is'
            " made beforehand, owned by the role that runs init or migrate)"
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
