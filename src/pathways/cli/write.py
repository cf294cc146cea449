"""Corrections and imports: `amend`, `retract`, `import`."""

from __future__ import annotations

import re
import uuid
from datetime import date
from functools import partial
from typing import Any

import click

from pathways.application import decoded
from pathways.backends.sqlite import PENDING_MESSAGE
from pathways.cli.auditing import audited
from pathways.cli.options import DATE, actor_option
from pathways.cli.progressbar import finish_progress
from pathways.cli.receipts import on_interrupt, print_receipt, stored_message
from pathways.cli.record import option_label
from pathways.cli.session import open_app, open_views
from pathways.domain.events import EVENT_TYPES, SPECIAL_TYPES
from pathways.domain.events.fields import CODE_PATTERN
from pathways.i18n import N_, _
from pathways.progress import SILENT

# Every field that some recordable type has: amend accepts them all and the
# target event's schema decides which apply.
AMENDABLE = sorted(
    {
        name
        for cls in EVENT_TYPES.values()
        if cls.type_name() not in SPECIAL_TYPES
        for name in cls.domain_fields()
    }
)
#: `--reason` is why the event is corrected (as for retract and erase): the event's
#: own `reason` field is changed with `--new-reason`.
RENAMED = {"reason": "new-reason"}


def _option(name: str) -> str:
    """The amend option that changes a field."""
    return "--" + RENAMED.get(name, name.replace("_", "-"))


def _amend_options(func: Any) -> Any:
    for name in reversed(AMENDABLE):
        func = click.option(
            _option(name),
            name,
            default=None,
            metavar="VALUE",
            help=f"New value of {name} (for the types that have it).",
        )(func)
    return func


@click.command()
@click.argument("event_id", type=click.UUID)
@click.option("--on", "on", type=DATE, help="The corrected date of the step.")
@click.option(
    "--reason",
    "why_text",
    default=None,
    help="Why the event is corrected (kept encrypted: it may name a person; "
    "the event's own reason field is changed with --new-reason).  [default: corrected]",
)
@click.option("--why", default=None, hidden=True, help="Deprecated name of --reason.")
@_amend_options
@actor_option
@click.pass_context
def amend(
    ctx: click.Context,
    /,
    event_id: uuid.UUID,
    on: date | None,
    why_text: str | None,
    why: str | None,
    actor: str,
    **fields: str | None,
) -> None:
    """Correct an event: retract it and record the corrected one, in one step.

    The corrected event gets a new id; the old one stays in the log, retracted.

    \b
    Example:
      pathways amend 0b6f3c1e-8f1a-4d7e-9a57-3c2b1d0e9f10 --on 2026-03-02
      pathways amend 0b6f3c1e-8f1a-4d7e-9a57-3c2b1d0e9f10 --destination saint-malo
    """
    from pathways.interchange import LineError, explain

    if why is not None:
        click.echo(_("--why is deprecated: use --reason"), err=True)
        if why_text is None:
            why_text = why
    app = open_app(ctx)
    target = app.find(event_id)
    cls = type(target.event)
    changes: dict[str, Any] = {k: v for k, v in fields.items() if v is not None}
    foreign = sorted(set(changes) - set(cls.domain_fields()))
    if foreign:
        names = ", ".join(_option(f) for f in foreign)
        valid = ", ".join(_option(f) for f in cls.domain_fields()) or "(none)"
        msg = _("{names}: not a field of {type_name} (its fields: {valid})").format(
            names=names, type_name=cls.type_name(), valid=valid
        )
        raise click.UsageError(msg)
    if on is not None:
        changes["occurred_on"] = on
    from pydantic import ValidationError

    try:
        receipt = app.amend(event_id, changes, why_text or "corrected", actor)
    except ValidationError as error:
        raise LineError(explain(cls, error, partial(option_label, renamed=RENAMED))) from None
    # A retraction is written after every event it may name: the corrected event first.
    print_receipt(receipt, verb="amended")
    click.echo(_("retracted: {event_id}").format(event_id=event_id))
    click.echo(_("new id: {first_id}").format(first_id=receipt.first_id))


@click.command()
@click.argument("event_id", type=click.UUID)
@click.option("--reason", required=True, help="Why it should never have been recorded (encrypted).")
@click.option("--on", "on", type=DATE, help="Date of the retraction (default: today).")
@actor_option
@click.pass_context
def retract(
    ctx: click.Context, event_id: uuid.UUID, reason: str, on: date | None, actor: str
) -> None:
    """Retract an event that should never have been recorded.

    It stays in the log (nothing is ever lost) but no longer counts from any
    date; `--known-at` before the retraction shows it again.

    \b
    Example:
      pathways retract 0b6f3c1e-8f1a-4d7e-9a57-3c2b1d0e9f10 --reason "wrong young person"
    """
    app = open_app(ctx)
    receipt = app.retract(event_id, reason, actor, on)
    print_receipt(receipt, verb="retracted")


@click.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option("--check", is_flag=True, help="Check the whole file but write nothing.")
@actor_option
@click.pass_context
def import_(ctx: click.Context, file: Any, check: bool, actor: str) -> None:
    """Import a JSON Lines file of events (`-` for standard input), all or nothing.

    The file is checked as a whole: its lines may come in any order. Lines whose
    id is already stored with the same content are skipped, so importing twice
    adds nothing. Every bad line is reported, and then nothing is written.

    \b
    Example:
      pathways import steps.jsonl
      pathways history Y-2026-0042 --nl | pathways --db other.sqlite3 import -
    """
    app = open_app(ctx)
    on_interrupt(ctx, lambda: stored_message(app, N_("the whole file was")))
    # On a terminal the lines are counted first, for the bar's length.
    lines = file if app.progress is SILENT else list(decoded(file))
    receipt = app.import_lines(lines, actor, check_only=check)
    if not check:
        # A file is long work: the read models come level with it now (even when it
        # stored nothing new, after an interrupted catch-up), not at the next read.
        # Its own transaction projected it (inline) when they were level before: then
        # the read side (SQLAlchemy and the views: ~0.3 s to import) is not loaded.
        from pathways.projections.timelines import TimelinesProjection

        status = TimelinesProjection(app.store).status()
        if status.position < status.head:
            open_views(ctx).catch_up(notice=False)
    finish_progress(ctx)
    print_receipt(receipt)


@click.command()
@click.argument("youth", required=False)
@click.option(
    "--reason",
    help="Why, as a short code (e.g. request, retention-expired); no free text. Required.",
)
@click.option("--on", "on", type=DATE, help="Date of the erasure (default: today).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--finish",
    is_flag=True,
    help="Finish a pending erasure (whose key's bytes a reader kept in the write-ahead "
    "log), waiting up to 30 s for the readers; no YOUTH.",
)
@actor_option
@click.pass_context
def erase(
    ctx: click.Context,
    /,
    youth: str | None,
    reason: str | None,
    on: date | None,
    yes: bool,
    finish: bool,
    actor: str,
) -> None:
    """Erase a young person's personal data for good (crypto-shredding).

    Their data key is destroyed in the same transaction as the YouthErased
    event: birth date, name and notes can no longer be read in the store. A
    backup taken before still holds the key, until the master key is rotated
    (`pathways keys rotate`) and the old one destroyed. The non-personal steps
    stay, and still count in anonymous statistics. Nothing can be recorded for
    them afterwards. The erasure is audited. If another connection is reading
    the store, the key's last bytes stay in SQLite's write-ahead log until it
    ends: the erasure says it is pending, and the next command (or --finish)
    completes it.

    \b
    Example:
      pathways erase Y-2026-0042 --reason request
      pathways erase --finish
    """
    from pathways.guard import require_admin

    if finish:
        _finish(ctx, youth)
        return
    if youth is None or reason is None:
        missing = "YOUTH" if youth is None else "--reason"
        msg = _("missing {missing}: pathways erase YOUTH --reason CODE (or --finish)").format(
            missing=missing
        )
        raise click.UsageError(msg)
    app = open_app(ctx)
    require_admin(actor, store=app.store, purpose="erase")
    # (a reason in free text may name someone: the audit keeps codes only)
    kept = reason if re.fullmatch(CODE_PATTERN, reason) else "(not a code)"
    with audited(
        ctx, "erase", {"on": on}, actor=actor, reason=kept, youths=[youth], outcome="erased"
    ):
        app.erasure(youth, reason, on)  # (a bad reason, an unknown youth: said before asking)
        if not yes:
            click.confirm(
                _("Destroy {youth}'s personal data for good?").format(youth=youth),
                abort=True,
                err=True,
            )
        receipt = app.erase(youth, reason, actor, on)
    print_receipt(receipt, verb="erased")
    if app.store.erasure_pending:
        pending = _(PENDING_MESSAGE).format(path=app.store.location.display)
        click.echo(_("warning: {message}").format(message=pending), err=True)


#: Seconds `erase --finish` waits for the readers that keep an erasure pending.
FINISH_WAIT = 30.0


def _finish(ctx: click.Context, youth: str | None) -> None:
    """`erase --finish`: the pending erasure's checkpoint, waiting for the readers."""
    if youth is not None:
        msg = _("--finish takes no YOUTH: it finishes the erasures already recorded")
        raise click.UsageError(msg)
    backend = open_app(ctx).store.backend
    if not backend.erasure_pending():
        click.echo(_("no erasure is pending"))
        return
    if not backend.after_erasure(wait=FINISH_WAIT):
        msg = _(
            "the erasure is still pending: a connection has been reading the store for "
            "more than {seconds:.0f} s; end it (a long export, an open sqlite3 shell?) "
            "and try again"
        ).format(seconds=FINISH_WAIT)
        raise click.ClickException(msg)
    click.echo(_("the pending erasure is finished: no copy of the destroyed keys remains"))
