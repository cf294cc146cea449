"""The audit of the reads of the command line (`pathways.audit`): `--reason` and
`audited`, with which a command computes what it shows, has it audited, then shows it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import click

from pathways.audit import Trail
from pathways.cli.session import open_app
from pathways.domain.events.fields import CODE_PATTERN

F = TypeVar("F", bound=Callable[..., Any])


def _reason(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not (re.fullmatch(CODE_PATTERN, value) and len(value) <= 60):
        msg = (
            f"'{value}' is not a short code (lowercase letters, digits and '-', e.g. "
            "urgent-court-request): the reason is kept in clear in the audit log, so no "
            "free text"
        )
        raise click.BadParameter(msg, ctx=ctx, param=param)
    return value


def reason_option(func: F) -> F:
    """`--reason CODE` on a read: why it was needed (break-glass), kept in the audit."""
    found: F = click.option(
        "--reason",
        metavar="CODE",
        callback=_reason,
        help="Why you need this read, as a short code (e.g. urgent-court-request): kept "
        "with it in the audit log (optional).",
    )(func)
    return found


@contextmanager
def audited(
    ctx: click.Context,
    command: str,
    options: Mapping[str, Any],
    *,
    actor: str,
    reason: str | None,
    youths: Sequence[str] = (),
    outcome: str = "shown",
) -> Iterator[Trail]:
    """Audit the read computed in the block (`audit.reading`): one row when it ends, or
    a `refused` row if it raised a refusal (a domain error, a bad filter). Show what it
    computed after the block: a read whose audit cannot be written shows nothing."""
    from pathways import audit
    from pathways.domain.errors import PathwaysError
    from pathways.worklists import reference_problem

    store = open_app(ctx).store
    youth = options.get("youth")
    if isinstance(youth, str) and reference_problem(youth) is not None:
        options = {**options, "youth": "(not a reference)"}  # maybe a name: not kept
    with audit.reading(
        store,
        actor=actor,
        command=command,
        options=options,
        reason=reason,
        youths=youths,
        refusals=(PathwaysError, click.ClickException),
        outcome=outcome,
    ) as trail:
        yield trail
