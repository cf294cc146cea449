"""`pathways export ...`: the data in formats analysts' tools read untouched."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any, TypeVar

import click

from pathways.access import check_export
from pathways.audit import EVERY_YOUTH
from pathways.cli.auditing import audited, reason_option
from pathways.cli.options import DATE, reader_option, wait_for_option
from pathways.cli.progressbar import finish_progress
from pathways.cli.read import known_at_option, resolve_known_at
from pathways.cli.session import open_app, open_views
from pathways.i18n import _, ngettext, number
from pathways.progress import SILENT, Progress

T = TypeVar("T")


def _privacy_options(func: Any) -> Any:
    func = click.option(
        "--with-references",
        is_flag=True,
        help="Keep the youths' references (default: a keyed pseudonym, stable in this store).",
    )(func)
    return click.option(
        "--with-personal",
        is_flag=True,
        help="Include personal fields (birth date, name, notes), decrypted. Handle with care.",
    )(func)


def _output_option(func: Any) -> Any:
    """`--output`, and who exports and why (every export is audited: `pathways audit`)."""
    func = reason_option(reader_option(func))
    return click.option(
        "--output",
        "-o",
        type=click.Path(dir_okay=False, writable=True),
        help="The file to write (default: standard output; required for Parquet).",
    )(func)


def _audited(ctx: click.Context, what: str, options: dict[str, Any], **given: Any) -> Any:
    """The audit of an export: every youth of the log (up to the position it reads)."""
    return audited(
        ctx,
        f"export {what}",
        options,
        actor=given["actor"],
        reason=given["reason"],
        youths=[EVERY_YOUTH],
    )


@contextmanager
def _opened(output: str | None, private: bool = False) -> Any:
    """The output file; readable by its owner only when it holds personal data."""
    if output is None:
        yield sys.stdout
        return
    if private:
        handle = os.fdopen(_owner_only(output), "w", encoding="utf-8", newline="")
    else:
        handle = open(output, "w", encoding="utf-8", newline="")  # noqa: SIM115
    with handle:
        yield handle


def _owner_only(output: str) -> int:
    """Open (create, or empty) a file readable by its owner only, whatever mode it had:
    `O_CREAT`'s mode applies to a new file only, so an existing 0644 file is narrowed
    before anything is written into it. The open descriptor."""
    descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(descriptor, 0o600)
    except OSError:
        os.close(descriptor)
        raise
    return descriptor


def _counted(rows: Iterator[T], progress: Progress, total: int | None) -> Iterator[T]:
    """The rows, counted on the progress bar as they are written (untouched without one)."""
    if progress is SILENT:
        return rows

    def counting() -> Iterator[T]:
        progress.phase("write", total)
        step = 0
        for row in rows:
            yield row
            step += 1
            if step == 1000:
                progress.advance(step)
                step = 0
        progress.advance(step)

    return counting()


def _done(count: int, start: float, output: str | None, what: str) -> None:
    finish_progress(click.get_current_context())
    seconds = time.perf_counter() - start
    rate = count / seconds if seconds else 0.0
    where = output or _("standard output")
    said = (
        ngettext(
            "{count} event written to {where} ({rate}/s)",
            "{count} events written to {where} ({rate}/s)",
            count,
        )
        if what == "events"
        else ngettext(
            "{count} row written to {where} ({rate}/s)",
            "{count} rows written to {where} ({rate}/s)",
            count,
        )
    )
    click.echo(said.format(count=number(count), where=where, rate=number(round(rate))), err=True)


@click.group()
def export() -> None:
    """Export the event log, a process-mining log, OCEL 2.0, or a survival table.

    Personal fields are left out and references replaced by pseudonyms
    unless --with-personal / --with-references say otherwise.

    \b
    Example:
      pathways export events --format parquet --output events.parquet
      pathways export survival --outcome mainstream --output survival.csv
    """


@export.command("events")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "csv", "parquet"]),
    default="jsonl",
    show_default=True,
    help="JSON Lines (the import format), CSV, or Parquet.",
)
@click.option("--as-of", type=DATE, help="Only steps dated up to then (retracted ones left out).")
@known_at_option
@_privacy_options
@_output_option
@click.pass_context
def events(
    ctx: click.Context,
    /,
    fmt: str,
    as_of: date | None,
    known_at: str | None,
    with_personal: bool,
    with_references: bool,
    output: str | None,
    actor: str,
    reason: str | None,
) -> None:
    """The event log: every event with its id, type, fields, recorded at/by and position.

    The JSON Lines form is the import format: with --with-personal and
    --with-references, importing it into a new store gives the same histories.

    \b
    Example:
      pathways export events --output events.jsonl
      pathways export events --format csv --known-at 2026-04-01 --output q1.csv
    """
    from pathways.exports import (
        Privacy,
        iter_log,
        log_columns,
        write_csv,
        write_jsonl,
        write_parquet,
    )

    options: dict[str, Any] = {
        "format": fmt,
        "as_of": as_of,
        "known_at": known_at,
        "with_personal": with_personal,
        "with_references": with_references,
    }
    with _audited(ctx, "events", options, actor=actor, reason=reason):
        at = resolve_known_at(ctx, known_at)
        app = open_app(ctx)
        check_export(app.access, app.reference(at), with_personal, with_references)
        privacy = Privacy(personal=with_personal, references=with_references)
        if fmt == "parquet" and output is None:
            msg = _("--output is required for Parquet")
            raise click.UsageError(msg)
        options["upto"] = at.upto if at is not None else app.store.head()
    whole = at is None and as_of is None and app.progress is not SILENT
    total = app.store.count_events() if whole else None
    rows = _counted(iter_log(app.store, privacy, at, as_of), app.progress, total)
    start = time.perf_counter()
    if fmt == "parquet":
        assert output is not None
        if with_personal:
            os.close(_owner_only(output))  # before a byte of personal data is written
        count = write_parquet(rows, output, log_columns(privacy))
    else:
        with _opened(output, private=with_personal) as handle:
            if fmt == "jsonl":
                count = write_jsonl(rows, handle)
            else:
                count = write_csv(rows, handle, log_columns(privacy))
    _done(count, start, output, "events")


@export.command("process-log")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xes"]),
    default="csv",
    show_default=True,
    help="CSV (pm4py.format_dataframe) or XES.",
)
@click.option("--with-references", is_flag=True, help="Cases named by reference, not pseudonym.")
@_output_option
@click.pass_context
def process_log(
    ctx: click.Context,
    /,
    fmt: str,
    with_references: bool,
    output: str | None,
    actor: str,
    reason: str | None,
) -> None:
    """A process-mining event log: one row per step, one case per young person.

    Columns case:concept:name, concept:name (the event type), time:timestamp
    (the date it happened, UTC midnight), org:resource (who recorded it) and
    case attributes (residence, pilot measure, sex, age band).

    \b
    Example:
      pathways export process-log --format xes --output pathways.xes
    """
    from pathways.exports import Privacy
    from pathways.mining import pathways, write_process_csv, write_xes

    options: dict[str, Any] = {"format": fmt, "with_references": with_references}
    with _audited(ctx, "process-log", options, actor=actor, reason=reason):
        app = open_app(ctx)
        check_export(app.access, app.reference(), False, with_references)
        start = time.perf_counter()
        privacy = Privacy(references=with_references)
        found, _measures = _read(app, lambda: pathways(app.store, privacy))
        options["upto"] = app.store.head()
    app.progress.phase("write", None)
    with _opened(output) as handle:
        count = (write_xes if fmt == "xes" else write_process_csv)(found, handle)
    app.progress.advance(count)
    _done(count, start, output, "events")


@export.command("ocel")
@click.option("--with-references", is_flag=True, help="Youths named by reference, not pseudonym.")
@_output_option
@click.pass_context
def ocel_(
    ctx: click.Context,
    /,
    with_references: bool,
    output: str | None,
    actor: str,
    reason: str | None,
) -> None:
    """An object-centric event log (OCEL 2.0 JSON): youths, custodies, programmes, measures.

    \b
    Example:
      pathways export ocel --output pathways.jsonocel
    """
    import json

    from pathways.exports import Privacy
    from pathways.mining import ocel, pathways

    options: dict[str, Any] = {"with_references": with_references}
    with _audited(ctx, "ocel", options, actor=actor, reason=reason):
        app = open_app(ctx)
        check_export(app.access, app.reference(), False, with_references)
        start = time.perf_counter()
        privacy = Privacy(references=with_references)
        found, measures = _read(app, lambda: pathways(app.store, privacy))
        options["upto"] = app.store.head()
    app.progress.phase("write", None)
    document = ocel(found, measures)
    # json.dumps, not json.dump: only the one-shot encoder is the C one (3x faster).
    text = json.dumps(document, ensure_ascii=False)
    with _opened(output) as handle:
        handle.write(text + "\n")
    app.progress.advance(len(document["events"]))
    _done(len(document["events"]), start, output, "events")


def _read(app: Any, work: Any) -> Any:
    """Reading the whole log into pathways, as one phase of the bar."""
    if app.progress is SILENT:
        return work()
    total = app.store.count_events()
    app.progress.phase("load", total)
    found = work()
    app.progress.advance(total)
    return found


@export.command("survival")
@click.option(
    "--outcome",
    type=click.Choice(["mainstream", "reincarceration"]),
    default="mainstream",
    show_default=True,
    help="Time to a mainstream entry, or to a return to custody.",
)
@click.option(
    "--cohort",
    type=click.Choice(["releases", "community"]),
    default="releases",
    show_default=True,
    help="Releases from custody, or starts of community supervision.",
)
@click.option("--from", "first", type=DATE, default="2000-01-01", help="First day of the period.")
@click.option("--to", "last", type=DATE, help="Last day of the period (default: the as-of date).")
@click.option("--as-of", type=DATE, help="Follow-up up to then (default: today).")
@known_at_option
@wait_for_option
@click.option("--with-references", is_flag=True, help="Cases named by reference, not pseudonym.")
@_output_option
@click.pass_context
def survival(
    ctx: click.Context,
    /,
    outcome: str,
    cohort: str,
    first: date,
    last: date | None,
    as_of: date | None,
    known_at: str | None,
    with_references: bool,
    output: str | None,
    actor: str,
    reason: str | None,
) -> None:
    """A survival table for lifelines: one row per release, a duration and an observed flag.

    A release without the outcome is censored at the earliest of the as-of
    date, the next custody and the end of the support (for a mainstream entry),
    or at the as-of date (for a return to custody); `censored_by` says which.

    \b
    Example:
      pathways export survival --outcome reincarceration --output reincarceration.csv
    """
    from pathways.exports import Privacy, Pseudonyms
    from pathways.mining import SURVIVAL_COLUMNS, survival_rows

    options: dict[str, Any] = {
        "outcome": outcome,
        "cohort": cohort,
        "from": first,
        "to": last,
        "as_of": as_of,
        "known_at": known_at,
        "with_references": with_references,
    }
    with _audited(ctx, "survival", options, actor=actor, reason=reason):
        views = open_views(ctx)
        point = views.point(as_of, known_at)
        check_export(views.app.access, views.reference(point), False, with_references)
        start = time.perf_counter()
        cases = views.cases(point, first, last or point.as_of, cohort)
        options["upto"] = point.position
    pseudonym = Pseudonyms(views.app.store, Privacy(references=with_references))
    rows = _counted(survival_rows(cases, outcome, cohort, pseudonym), views.app.progress, None)
    with _opened(output) as handle:
        from pathways.exports import write_csv

        count = write_csv(rows, handle, list(SURVIVAL_COLUMNS))
    _done(count, start, output, "rows")
