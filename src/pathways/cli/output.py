"""One way out for every read command: a table on a terminal, or JSON, JSON lines, CSV."""

from __future__ import annotations

import csv
import functools
import io
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

import click

from pathways.i18n import NP_, _, pgettext

F = TypeVar("F", bound=Callable[..., Any])


FORMATS = {"json": "--json", "nl": "--nl", "csv": "--csv"}


def output_options(func: F) -> F:
    """Add --json / --nl / --csv (at most one of them) and --with-meta to a read command;
    the command gets `fmt`: "json", "nl", "csv" or None (a table)."""

    @functools.wraps(func)
    def chosen(*args: Any, **kwargs: Any) -> Any:
        given = [fmt for fmt in FORMATS if kwargs.pop(f"as_{fmt}")]
        if len(given) > 1:
            flags = _(" and ").join(FORMATS[fmt] for fmt in given)
            msg = _("{flags} cannot be used together: choose one output format").format(flags=flags)
            raise click.UsageError(msg)
        return func(*args, fmt=given[0] if given else None, **kwargs)

    wrapped: Any = click.option(
        "--with-meta",
        is_flag=True,
        help="With --json: wrap the rows in an object that says how they were computed.",
    )(chosen)
    wrapped = click.option("--csv", "as_csv", is_flag=True, help="Output CSV.")(wrapped)
    wrapped = click.option("--nl", "as_nl", is_flag=True, help="Output one JSON object per line.")(
        wrapped
    )
    wrapped = click.option("--json", "as_json", is_flag=True, help="Output a JSON array.")(wrapped)
    return cast(F, wrapped)


def emit(
    rows: Sequence[dict[str, Any]],
    fmt: str | None,
    *,
    columns: Sequence[str] | None = None,
    meta: dict[str, Any] | None = None,
    with_meta: bool = False,
    table_columns: Sequence[str] | None = None,
) -> None:
    """Print rows in the chosen format; the meta (as-of, position) goes in a header."""
    out = sys.stdout
    if fmt == "json":
        payload: Any = {"meta": meta or {}, "rows": list(rows)} if with_meta else list(rows)
        out.write(json.dumps(payload, ensure_ascii=False, indent=1, default=str) + "\n")
    elif fmt == "nl":
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
    elif fmt == "csv":
        names = list(columns or _columns(rows))
        buffer = io.StringIO()
        writer = csv.DictWriter(
            buffer, fieldnames=names, extrasaction="ignore", lineterminator="\n"
        )
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _flat(v) for k, v in row.items()})
        out.write(buffer.getvalue())
    else:
        from tabulate import tabulate

        if meta:
            click.echo(click.style(meta_line(meta), dim=True), err=not sys.stdout.isatty())
        names = list(table_columns or columns or _columns(rows))
        body = [[_flat(row.get(name)) for name in names] for row in rows]
        if body:
            headers = [header(name) for name in names]
            out.write(tabulate(body, headers=headers, tablefmt="simple") + "\n")
        else:
            out.write(_("(nothing)") + "\n")


def header(name: str) -> str:
    """A column's header in a table, in the user's language (JSON and CSV keep the
    names: they are read by programs)."""
    return pgettext("column", name)


def meta_line(meta: dict[str, Any]) -> str:
    """The line above a table that says how it was computed (as-of, position...)."""
    said = _("{name}: {value}")
    return "  ".join(said.format(name=header(k), value=v) for k, v in meta.items() if v is not None)


#: The columns the tables show, for the catalogue (`header`); tests/unit/test_catalogue_fr
#: checks that every column of a read is here.
HEADERS = (
    NP_("column", "youth"),
    NP_("column", "alert"),
    NP_("column", "alerts"),
    NP_("column", "since"),
    NP_("column", "organisation"),
    NP_("column", "counsellor"),
    NP_("column", "reason"),
    NP_("column", "support"),
    NP_("column", "custody"),
    NP_("column", "last_contact_on"),
    NP_("column", "facility"),
    NP_("column", "expected_release_on"),
    NP_("column", "territory"),
    NP_("column", "indicator"),
    NP_("column", "group"),
    NP_("column", "reference"),
    NP_("column", "n"),
    NP_("column", "n_reference"),
    NP_("column", "rate"),
    NP_("column", "rate_reference"),
    NP_("column", "difference"),
    NP_("column", "ci_low"),
    NP_("column", "ci_high"),
    NP_("column", "flagged"),
    NP_("column", "suppressed"),
    NP_("column", "warning"),
    NP_("column", "type"),
    NP_("column", "occurred_on"),
    NP_("column", "id"),
    NP_("column", "recorded_at"),
    NP_("column", "recorded_by"),
    NP_("column", "actor"),
    NP_("column", "position"),
    NP_("column", "retracted"),
    NP_("column", "event"),
    NP_("column", "details"),
    NP_("column", "recorded (Paris)"),
    NP_("column", "by"),
    NP_("column", "pos"),
    NP_("column", "kind"),
    NP_("column", "code"),
    NP_("column", "detail"),
    NP_("column", "as_of"),
    NP_("column", "known_at"),
    NP_("column", "computed_at"),
    # pathways outcomes, compare
    NP_("column", "k"),
    NP_("column", "95% CI"),
    NP_("column", "delay"),
    NP_("column", "median"),
    NP_("column", "q1"),
    NP_("column", "q3"),
    NP_("column", "n ref"),
    NP_("column", "flag"),
    NP_("column", "from"),
    NP_("column", "to"),
    NP_("column", "cohort"),
    NP_("column", "min_n"),
    NP_("column", "cases"),
    NP_("column", "comparisons"),
    NP_("column", "expected_by_chance"),
    # pathways info
    NP_("column", "store"),
    NP_("column", "backend"),
    NP_("column", "schema"),
    NP_("column", "master_key"),
    NP_("column", "head_position"),
    NP_("column", "events"),
    NP_("column", "youths"),
    NP_("column", "erased"),
    NP_("column", "measures"),
)


def _columns(rows: Sequence[dict[str, Any]]) -> list[str]:
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    return list(names)


def _flat(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value
