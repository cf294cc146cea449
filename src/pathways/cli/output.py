"""One way out for every read command: a table on a terminal, or JSON, JSON lines, CSV."""

from __future__ import annotations

import csv
import functools
import io
import json
import sys
from collections.abc import Callable, Sequence
from datetime import date
from operator import attrgetter
from typing import Any, TypeVar, cast

import click

from pathways.cli.table import table_of_columns
from pathways.i18n import NP_, _, decimal, pgettext
from pathways.perf import paused_gc

F = TypeVar("F", bound=Callable[..., Any])


FORMATS = {"json": "--json", "nl": "--nl", "csv": "--csv"}


def output_options(func: F) -> F:
    """Add --json / --nl / --csv (at most one of them) and --with-meta to a read command;
    the command gets `fmt`: "json", "nl", "csv" or None (a table).

    A read command runs with the cyclic garbage collector paused (`perf.paused_gc`): it
    builds its rows once, prints them and ends, and what it builds dies by reference
    counting. Its heavy part (`Caseloads.lines`...) already paused the collector; after
    it, the rows, the table and the audit, built while tens of thousands of lines are
    alive, made the collector walk them again and again (start-up's objects are frozen,
    so that the lines alone soon count as a quarter more than the old generation): the
    whole département's alerts, 2.00 -> 1.76 s of CPU (docs/performance.md)."""

    @functools.wraps(func)
    def chosen(*args: Any, **kwargs: Any) -> Any:
        given = [fmt for fmt in FORMATS if kwargs.pop(f"as_{fmt}")]
        if len(given) > 1:
            flags = _(" and ").join(FORMATS[fmt] for fmt in given)
            msg = _("{flags} cannot be used together: choose one output format").format(flags=flags)
            raise click.UsageError(msg)
        with paused_gc():
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
    rows: Sequence[Any],
    fmt: str | None,
    *,
    columns: Sequence[str] | None = None,
    meta: dict[str, Any] | None = None,
    with_meta: bool = False,
    table_columns: Sequence[str] | None = None,
) -> None:
    """Print rows in the chosen format; the meta (as-of, position) goes in a header.
    The rows are dicts, or typed rows (`pathways.queries`: `as_dict` is their JSON form),
    whose table is made from their attributes, column by column (no dict per row: a
    whole département's alerts are 31,000 rows)."""
    out = sys.stdout
    typed = bool(rows) and not isinstance(rows[0], dict)
    if typed and fmt is not None:
        rows = [row.as_dict() for row in rows]
    if fmt == "json":
        out.write(json_text(rows, (meta or {}) if with_meta else None) + "\n")
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
        if meta:
            click.echo(click.style(meta_line(meta), dim=True), err=not sys.stdout.isatty())
        names = list(table_columns or columns or _columns(rows))
        if not rows:
            out.write(_("(nothing)") + "\n")
            return
        if typed:
            cells = [_typed_column(rows, name) for name in names]
        else:
            cells = [
                [v if (v := row.get(name)).__class__ is str else _flat(v) for row in rows]
                for name in names
            ]
        headers = [header(name) for name in names]
        out.write(table_of_columns(cells, headers) + "\n")


def _typed_column(rows: Sequence[Any], name: str) -> list[Any]:
    """A column of typed rows as their `as_dict` shows it in a table (`_flat`): a date
    as ISO text, nothing as a blank."""
    column = list(map(attrgetter(name), rows))
    kinds = {value.__class__ for value in column}
    if kinds <= _AS_IS:
        return column
    if kinds <= _TEXT_OR_NOTHING:
        return ["" if value is None else value for value in column]
    if kinds <= _DAY_OR_NOTHING:
        return ["" if value is None else value.isoformat() for value in column]
    return [_flat(value.isoformat() if isinstance(value, date) else value) for value in column]


_AS_IS = frozenset({str, int})  # cells a table shows as they are
_TEXT_OR_NOTHING = frozenset({str, type(None)})
_DAY_OR_NOTHING = frozenset({date, type(None)})


def json_text(rows: Sequence[Any], meta: dict[str, Any] | None = None) -> str:
    """`json.dumps(rows, ensure_ascii=False, indent=1, default=str)` (with a meta:
    `{"meta": meta, "rows": rows}`), the same text. Python's encoder is written in
    Python when it indents (about a second for a whole département's alerts); a row
    whose values are not lists or objects is encoded in C, its items one to a line,
    then indented as `indent=1` indents it inside the list."""
    listed = "[]"
    if rows:
        listed = "[\n " + ",\n ".join(map(_json_row, rows)) + "\n]"
    if meta is None:
        return listed
    shown = _dumps(meta).replace("\n", "\n ")
    return '{\n "meta": ' + shown + ',\n "rows": ' + listed.replace("\n", "\n ") + "\n}"


_FLAT_ROW = json.JSONEncoder(ensure_ascii=False, default=str, separators=(",\n  ", ": "))


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1, default=str)


def _json_row(row: Any) -> str:
    """One item of the list, as `indent=1` writes it one level down."""
    flat = row.__class__ is dict and row
    if flat and not any(isinstance(v, dict | list | tuple) for v in row.values()):
        return "{\n  " + _FLAT_ROW.encode(row)[1:-1] + "\n }"
    return _dumps(row).replace("\n", "\n ")  # (no JSON text holds a raw newline)


def header(name: str) -> str:
    """A column's header in a table, in the user's language (JSON and CSV keep the
    names: they are read by programs)."""
    return pgettext("column", name)


def meta_line(meta: dict[str, Any]) -> str:
    """The line above a table that says how it was computed (as-of, position...); a
    number with decimals as the language writes it (0,4 in French)."""
    said = _("{name}: {value}")
    return "  ".join(
        said.format(name=meta_name(k), value=decimal(v) if isinstance(v, float) else v)
        for k, v in meta.items()
        if v is not None
    )


def meta_name(name: str) -> str:
    """A key of the meta line in the user's language: its own word where it differs from
    the column's (a count of comparisons is "signalées", a row's column "signalé")."""
    own = pgettext("meta", name)
    return own if own != name else header(name)


#: The keys of a meta line said otherwise than the column of the same name (`meta_name`).
META_NAMES = (NP_("meta", "flagged"),)


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
    NP_("column", "too_few"),
    # pathways outcomes --by (territory and organisation are above)
    NP_("column", "measure"),
    NP_("column", "quarter"),
    NP_("column", "sentence-band"),
    NP_("column", "sex"),
    NP_("column", "age-band"),
    # pathways info
    NP_("column", "store"),
    NP_("column", "backend"),
    NP_("column", "schema"),
    NP_("column", "master_key"),
    NP_("column", "chain_key"),
    NP_("column", "head_position"),
    NP_("column", "events"),
    NP_("column", "youths"),
    NP_("column", "erased"),
    NP_("column", "measures"),
    NP_("column", "name"),
    NP_("column", "head"),
    NP_("column", "lag"),
    NP_("column", "generation"),
    NP_("column", "worker"),
    NP_("column", "rebuild"),
    # pathways audit, retention, users list, access list
    NP_("column", "at (Paris)"),
    NP_("column", "command"),
    NP_("column", "outcome"),
    NP_("column", "options"),
    NP_("column", "days"),
    NP_("column", "registered_on"),
    NP_("column", "user"),
    NP_("column", "role"),
    NP_("column", "added"),
    NP_("column", "enabled"),
    NP_("column", "grant"),
    NP_("column", "until"),
    NP_("column", "status"),
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
