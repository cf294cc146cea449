"""Typed errors of the domain. Messages are written for a counsellor, not a developer."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from pathways.i18n import _


class PathwaysError(Exception):
    """Any expected failure: bad input, a broken rule, a missing key."""


@dataclass(frozen=True)
class Violation:
    """One broken rule, tied to the event that breaks it."""

    event_id: uuid.UUID | None
    message: str


class RulesBroken(PathwaysError):
    """A write would break the rules; nothing was written."""

    def __init__(self, problems: list[str], total: int | None = None) -> None:
        self.problems = problems
        self.total = total if total is not None else len(problems)
        shown = "\n".join(problems)
        more = self.total - len(problems)
        suffix = "\n" + _("... and {n} more problem(s)").format(n=more) if more > 0 else ""
        super().__init__(f"{shown}{suffix}\n" + _("Nothing was written."))


class UnknownSetting(PathwaysError):
    """No setting has that name (a usage error on the command line)."""


class UnknownEvent(PathwaysError):
    """No stored event has that id."""


class MasterKeyError(PathwaysError):
    """The master key is missing, malformed, or does not open this store."""


class StoreError(PathwaysError):
    """The store cannot be opened or reached."""


class Tampered(StoreError):
    """A stored event is not as pathways stores it: the log was changed outside the
    program (`pathways verify` says every change)."""


class AuditUnwritable(StoreError):
    """A refusal whose row the audit log would not take (the database role may not
    append to it): said with the refusal. `audited`: no caller tries to write it again."""

    audited = True


class Unreachable(StoreError):
    """The database does not answer (down, restarting, a connection cut) or is busy past
    the wait: trying again later may work."""


class PrintError(PathwaysError):
    """The report cannot be printed to PDF: no browser to print it, or the browser failed."""


class BadFilter(PathwaysError):
    """A filter of a read (`caseload`, `alerts`) names what does not exist, or cannot
    hold: a usage error on the command line, where `option` is the option's name."""

    def __init__(self, option: str, message: str) -> None:
        self.option = option
        super().__init__(message)


class UnknownYouth(PathwaysError):
    """No young person of that reference is known at the point of a read."""


class AccessRefused(PathwaysError):
    """The acting user may not do this: unknown, disabled, or outside their rights. It
    carries who asked, by which command, and for which youth (an audit log records it):
    `kind` names the refusal for the audit (e.g. "unknown user"), `options` what was
    refused (never a personal value), and `audited` is set once its row is written, so
    that a caller that audits refusals too does not write a second one. `problems`: the
    refused lines of an import as a problem each ("line 7: ..."), to be named among its
    other bad lines."""

    def __init__(
        self,
        message: str,
        *,
        actor: str,
        command: str,
        youth: str | None = None,
        kind: str | None = None,
        options: dict[str, str] | None = None,
    ):
        self.actor, self.command, self.youth = actor, command, youth
        self.kind = kind
        self.options = options or {}
        self.audited = False
        self.problems: list[str] = []
        super().__init__(message)
