"""Reads: `history`, `info`, `settings`."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from pathways.domain.time import KnownAt

from pathways.cli.auditing import audited, reason_option
from pathways.cli.options import DATE, acting_option, actor_option, reader_option
from pathways.cli.output import emit, header, output_options
from pathways.cli.receipts import print_receipt
from pathways.cli.session import open_app, open_views
from pathways.i18n import _, long_date


def resolve_known_at(ctx: click.Context, known_at: str | None) -> KnownAt | None:
    """`--known-at T` as a log position: the last event recorded at or before T."""
    return None if known_at is None else open_views(ctx).known_at(known_at)


def _known_at(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Check `--known-at` when it is parsed: a bad value is a usage error (exit 2)."""
    from pathways.domain.errors import PathwaysError
    from pathways.domain.time import parse_known_at

    if value is not None:
        try:
            parse_known_at(value)
        except PathwaysError as error:
            raise click.BadParameter(str(error), ctx=ctx, param=param) from None
    return value


def known_at_option(func: Any) -> Any:
    return click.option(
        "--known-at",
        metavar="T",
        callback=_known_at,
        help="Only what was recorded up to T: a date (end of day, Paris), a date-time "
        "(Paris time, or with an offset: +01:00, Z) or @N (a log position).",
    )(func)


@click.command()
@click.argument("youth")
@click.option(
    "--as-of", type=DATE, help="The pathway as it stood on that date (retracted steps left out)."
)
@known_at_option
@reader_option
@reason_option
@output_options
@click.pass_context
def history(
    ctx: click.Context,
    youth: str,
    as_of: date | None,
    known_at: str | None,
    actor: str,
    reason: str | None,
    fmt: str | None,
    with_meta: bool,
) -> None:
    """A young person's pathway, sorted by the date of each step.

    Each event comes with its id, who recorded it, when, and its log position;
    retracted events are marked. `--json` / `--nl` give the interchange format,
    which `pathways import` reads back. It is the whole record: personal fields
    (birth date, name) are shown in clear, unlike the card (`pathways youth`,
    whose `--with-personal` adds them), and every read is audited.

    \b
    Example:
      pathways history Y-2026-0042
      pathways history Y-2026-0042 --as-of 2026-03-31 --known-at 2026-04-15
      pathways history Y-2026-0042 --nl > y42.jsonl
    """
    from pathways.queries import HISTORY_COLUMNS, history
    from pathways.worklists import reference_problem

    options = {"as_of": as_of, "known_at": known_at, "format": fmt}
    with audited(ctx, "history", options, actor=actor, reason=reason) as trail:
        problem = reference_problem(youth)
        if problem is not None:
            raise click.BadParameter(problem, param_hint="YOUTH")
        trail.saw([youth])
        at = resolve_known_at(ctx, known_at)
        found = history(open_app(ctx), youth, as_of, at)
    rows = [row.as_dict() for row in found.rows]
    if fmt is None:
        rows = [_table_row(row) for row in rows]
    columns = list(HISTORY_COLUMNS) if not rows and fmt == "csv" else None
    emit(rows, fmt, meta=found.meta(), with_meta=with_meta, columns=columns)


def _paris(stamp: str) -> str:
    from datetime import datetime

    from pathways.domain.time import PARIS

    return datetime.fromisoformat(stamp).astimezone(PARIS).strftime("%Y-%m-%d %H:%M")


def _table_row(row: dict[str, Any]) -> dict[str, Any]:
    from pathways.queries import HISTORY_COLUMNS

    skip = {*HISTORY_COLUMNS, "withheld"}
    hidden = set(row.get("withheld", ()))
    word = _("withheld")
    details = ", ".join(
        f"{k}={word if k in hidden else v}" for k, v in row.items() if k not in skip
    )
    return {
        "occurred_on": row["occurred_on"],
        "event": row["type"] + (" " + _("(retracted)") if row["retracted"] else ""),
        "details": details,
        "recorded (Paris)": _paris(row["recorded_at"]),
        "by": row["recorded_by"],
        "pos": row["position"],
        "id": row["id"],
    }


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Output one JSON object.")
@acting_option
@click.pass_context
def info(ctx: click.Context, as_json: bool) -> None:
    """Where the store is, its backend, its log head, and what it holds.

    Needs no master key: without one it says so, and shows the rest (and so for
    the chain key, which writes and `pathways verify` need).

    \b
    Example:
      pathways info
      pathways --db postgresql://127.0.0.1/test info --json
    """
    import json

    from pathways import migrations
    from pathways.application import Pathways
    from pathways.cli.session import key_files
    from pathways.store import open_store

    settings = ctx.find_root().obj or {}
    key_file, chain_key_file = key_files(settings)
    store = open_store(
        settings.get("db"),
        key_file,
        need_key=False,
        check_schema=False,
        chain_key_file=chain_key_file,
    )
    ctx.find_root().call_on_close(store.close)
    from pathways.cli.session import sign_in

    ref = Pathways(store).reference()
    if ref.users:  # (a store made before users existed says what it is, to upgrade it)
        sign_in(ctx, store)  # a known user (a refusal audited)
    registered = store.count_registered()
    version = migrations.version(store.backend)
    row = {
        "store": store.location.display,
        "backend": store.location.backend,
        "schema": version
        if version == migrations.CURRENT
        else _("{version} (this program: {current}; see `pathways db status`)").format(
            version=version, current=migrations.CURRENT
        ),
        "master_key": _("opens this store") if store.has_key else store.key_problem,
        "chain_key": (
            _("matches this store's chain")
            if store.chain_checked
            else store.chain_problem or _("given, not checked: the store has no chain yet")
        ),
        "head_position": store.head(),
        "events": store.count_events(),
        "youths": registered,
        "erased": registered - store.count_youths(),
        "measures": len(Pathways(store).reference().measures),
    }
    if as_json:
        click.echo(json.dumps(row, ensure_ascii=False, indent=1))
        return
    width = max(14, *(len(header(key)) + 1 for key in row))
    for key, value in row.items():
        click.echo(f"{header(key):{width}} {value}")


@click.group(invoke_without_command=True)
@known_at_option
@output_options
@acting_option
@click.pass_context
def settings(ctx: click.Context, known_at: str | None, fmt: str | None, with_meta: bool) -> None:
    """The settings in force: territories and their Missions Locales, facilities,
    pilot measures, alert thresholds and the suppression threshold.

    The defaults are those of Ille-et-Vilaine; every change is an event, so
    `--known-at` shows the settings of that time.

    \b
    Example:
      pathways settings
      pathways settings --known-at 2026-01-01 --json
      pathways settings set no-first-contact.days 21
    """
    if ctx.invoked_subcommand is not None:
        return
    from pathways.domain.reference import PROBATION_SERVICE

    at = resolve_known_at(ctx, known_at)
    app = open_app(ctx)
    ref = app.reference(at)
    rows: list[dict[str, Any]] = []
    for territory, org in ref.territories.items():
        rows.append(
            {
                "kind": "territory",
                "code": territory,
                "detail": _("served by {organisation}").format(organisation=org or _("(none)")),
            }
        )
    rows.append(
        {
            "kind": "organisation",
            "code": PROBATION_SERVICE,
            "detail": _("probation service (not a support organisation)"),
        }
    )
    for facility in ref.facilities:
        rows.append({"kind": "facility", "code": facility, "detail": ""})
    for measure in ref.measures.values():
        span = (
            _("from {launched} to {ended}").format(
                launched=long_date(measure.launched_on), ended=long_date(measure.ended_on)
            )
            if measure.ended_on
            else _("from {launched}").format(launched=long_date(measure.launched_on))
        )
        rows.append(
            {
                "kind": "measure",
                "code": measure.code,
                "detail": f"{measure.name} ({measure.territory}, {span})",
            }
        )
    for name, value in ref.thresholds.items():
        rows.append({"kind": "threshold", "code": name, "detail": str(value)})
    for name, day in ref.dates.items():
        rows.append({"kind": "setting", "code": name, "detail": day.isoformat()})
    position = at.position if at and at.position is not None else app.store.head()
    meta = {"known_at": at.text if at else None, "position": position}
    emit(rows, fmt, meta=meta, with_meta=with_meta, columns=["kind", "code", "detail"])


class _NegativeValue(click.Command):
    """A command whose VALUE may be a negative number (`settings set NAME -4`: click took
    -4 for an option, "No such option '-4'", and the rule was never said): such a token
    is given after `--`, as the last argument."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        negative = [a for a in args if re.fullmatch(r"-\d+(\.\d+)?", a)]
        if negative and "--" not in args:
            args = [a for a in args if a not in negative] + ["--", *negative]
        return super().parse_args(ctx, args)


@settings.command("set", cls=_NegativeValue)
@click.argument("name")
@click.argument("value")
@click.option(
    "--on",
    "on",
    type=DATE,
    help="The date of the decision (default: today). A setting applies to every "
    "read made after it is recorded; --known-at before that shows the old value.",
)
@actor_option
@click.pass_context
def set_(ctx: click.Context, /, name: str, value: str, on: date | None, actor: str) -> None:
    """Change a setting, by recording an event (nothing is overwritten).

    NAME is an alert threshold in days (e.g. no-first-contact.days), the
    suppression threshold (suppression.min-n, never below 5), the earliest
    date a store accepts (dates.floor, a date), or territory.<code> with an
    organisation code (or `none`) as VALUE.

    \b
    Example:
      pathways settings set contact-lost.days 45
      pathways settings set territory.redon ml-redon
    """
    from pathways.domain.errors import UnknownSetting

    try:
        receipt = open_app(ctx).change_setting(name, value, actor, on)
    except UnknownSetting as error:
        raise click.UsageError(str(error)) from None
    print_receipt(receipt, verb="changed")
