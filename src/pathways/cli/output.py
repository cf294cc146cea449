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

F = TypeVar("F", bound=Callable[..., Any])


FORMATS = {"json": "--json", "nl": "--nl", "csv": "--csv"}


def output_options(func: F) -> F:
    """Add --json / --nl / --csv (at most one of them) and --with-meta to a read command;
    the command gets `fmt`: "json", "nl", "csv" or None (a table)."""

    @functools.wraps(func)
    def chosen(*args: Any, **kwargs: Any) -> Any:
        given = [fmt for fmt in FORMATS if kwargs.pop(f"as_{fmt}")]
        if len(given) > 1:
            flags = " and ".join(FORMATS[fmt] for fmt in given)
            msg = f"{flags} cannot be used together: choose one output format"
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
            header = "  ".join(f"{k}: {v}" for k, v in meta.items() if v is not None)
            click.echo(click.style(header, dim=True), err=not sys.stdout.isatty())
        names = list(table_columns or columns or _columns(rows))
        body = [[_flat(row.get(name)) for name in names] for row in rows]
        if body:
            out.write(tabulate(body, headers=names, tablefmt="simple") + "\n")
        else:
            out.write("(nothing)\n")


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
