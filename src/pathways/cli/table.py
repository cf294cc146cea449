"""A table as tabulate's "simple" format writes it, laid out column by column (see
`table_of_columns`): the tables of every read command (`pathways.cli.output`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any


def table(body: list[list[Any]], headers: list[str]) -> str:
    """`tabulate(body, headers=headers, tablefmt="simple")`, the same text (see
    `table_of_columns`)."""
    return table_of_columns([[row[j] for row in body] for j in range(len(headers))], headers)


def table_of_columns(cells: list[list[Any]], headers: list[str]) -> str:
    """`tabulate(body, headers=headers, tablefmt="simple")`, the same text, column by
    column: tabulate infers the type of every cell (a number? a date?) and pads each,
    2-3 seconds for the 190,000 cells of a whole département's alerts.

    Every choice tabulate makes about a column (its type, its width, the decimals it
    aligns) depends only on the set of its values, and a cell's text only on its value
    and those choices: so each column's distinct values are laid out once, by tabulate
    itself, and the text of each value is reused for every cell that holds it. A column
    with a value tabulate lays out as text (left-aligned and unchanged) is a text column:
    tabulate writes each of its cells as `f"{value}"`, stripped and padded to the
    widest, and so does this, without asking it again. What could make a column's
    layout depend on the others (colour codes, several lines in a cell, characters
    wider than one column) is left to tabulate whole: it decides for the whole table.

    Columns of whole numbers, and text columns told by a value no reading takes for a
    number (`_surely_text`), are laid out here without importing tabulate (~30 ms of
    a read's start-up); the others ask it, as above."""
    tabulate = _tabulate

    def whole() -> str:
        body = [list(row) for row in zip(*cells, strict=True)]
        return str(tabulate(body, headers=headers, tablefmt="simple"))

    # column by column: each cell's key (`_cell_keys`), and a value of each key (the
    # cells of one key are all laid out alike: any of them will do)
    keys = [_cell_keys(column) for column in cells]
    try:
        columns = [dict(zip(k, c, strict=True)) for k, c in zip(keys, cells, strict=True)]
    except TypeError:  # a value that cannot be a key: no shortcut
        return whole()
    if not all(_plain(value) for column in columns for value in column.values()) or not all(
        _plain(name) for name in headers
    ):
        return whole()
    widths: list[int] = []
    heads: list[str] = []
    texts: list[dict[Any, str]] = []
    for name, column in zip(headers, columns, strict=True):
        values = list(column.values())
        if _whole_numbers(values):  # right-aligned, as tabulate's "decimal" does them
            shown = {key: "" if v is None else str(v) for key, v in column.items()}
            width = max(len(name) + 2, *map(len, shown.values()))
            heads.append(name.rjust(width))
            texts.append({key: cell.rjust(width) for key, cell in shown.items()})
        elif all(v is None or v == "" for v in values):  # blank throughout (tabulate's
            width = len(name) + 2  # "missing" type: a left-aligned header, blank cells)
            heads.append(name.ljust(width))
            texts.append(dict.fromkeys(column, " " * width))
        elif _text_column(values, tabulate):
            shown = {key: ("" if v is None else f"{v}").strip() for key, v in column.items()}
            width = max(len(name) + 2, *map(len, shown.values()))
            heads.append(name.ljust(width))
            texts.append({key: cell.ljust(width) for key, cell in shown.items()})
        else:  # numbers (or only blanks): tabulate lays out the distinct values
            laid = tabulate([[v] for v in values], headers=[name], tablefmt="simple")
            lines = str(laid).split("\n")
            width = len(lines[1])
            heads.append(lines[0].ljust(width))
            texts.append(
                {key: line.ljust(width) for key, line in zip(column, lines[2:], strict=True)}
            )
        widths.append(width)
    lines = ["  ".join(heads).rstrip(), "  ".join("-" * w for w in widths)]
    laid = [list(map(t.__getitem__, k)) for t, k in zip(texts, keys, strict=True)]
    lines += ["  ".join(row).rstrip() for row in zip(*laid, strict=True)]
    return "\n".join(lines)


#: The kinds of cells that are their own key: no two of them are equal unless written
#: alike (unlike 1, 1.0 and True; 0.0 and -0.0).
_OWN_KEYS = frozenset({str, int})


def _cell_keys(cells: list[Any]) -> list[Any]:
    """What tells the cells of a column apart (`_key`): the cells themselves when they
    are all texts and integers, as they mostly are (a key per cell costs more than the
    layout of a whole département's alerts)."""
    if {cell.__class__ for cell in cells} <= _OWN_KEYS:
        return cells
    return [_key(cell) for cell in cells]


def _key(value: Any) -> tuple[type, Any]:
    """What tells two cells apart: 1, 1.0 and True are equal but not written alike, nor
    are 0.0 and -0.0."""
    kind = value.__class__
    return (kind, repr(value)) if kind is float else (kind, value)


def _plain(value: Any) -> bool:
    """A value whose cell tabulate lays out the same whatever the other columns hold:
    a number, nothing, or text on one line, with no control character, each character
    one column wide (as Python counts them, unless tabulate counts with `wcwidth`)."""
    if value is None or value.__class__ in (int, float, bool):
        return True
    if value.__class__ is not str or not value.isprintable():
        return False
    return value.isascii() or _one_column_each(value)


def _one_column_each(text: str) -> bool:
    try:
        import wcwidth  # type: ignore[import-not-found]  # tabulate uses it if installed
    except ImportError:
        return True
    return bool(wcwidth.wcswidth(text) == len(text))


def _tabulate(*args: Any, **kwargs: Any) -> Any:
    """tabulate's `tabulate`, imported when first asked (it imports importlib.metadata)."""
    from tabulate import tabulate

    return tabulate(*args, **kwargs)


def _whole_numbers(values: list[Any]) -> bool:
    """Integers (not booleans) and blanks (None), at least one integer: a column
    tabulate aligns right, each cell `str(value)`, its header too."""
    kinds = {value.__class__ for value in values}
    return int in kinds and kinds <= {int, type(None)}


#: tabulate's number with thousands separators (`_float_with_thousands_separators`).
_THOUSANDS = re.compile(r"^(([+-]?[0-9]{1,3})(?:,([0-9]{3}))*)?(?(1)\.[0-9]*|\.[0-9]+)?$")


def _surely_text(value: str) -> bool:
    """A text tabulate takes for text whatever the others of its column (it is then
    left as it is): not blank, no space around it, not a boolean, not a number to
    `float` nor with thousands separators (tabulate's `_type` and `_isnumber`)."""
    if not value or value != value.strip() or value in ("True", "False"):
        return False
    try:
        float(value)
    except ValueError:
        return _THOUSANDS.match(value) is None
    return False


def _text_column(values: list[Any], tabulate: Callable[..., Any]) -> bool:
    """Whether tabulate lays out this column as text: one of its values is (a text
    that tabulate leaves as it is, aligned left, under a wider header). A few values are
    tried: a column of numbers written as text is not a text column."""
    tried = 0
    for value in values:
        if value.__class__ is not str:
            continue
        if _surely_text(value):
            return True
        shown = value.strip()
        if not shown or shown in ("True", "False"):
            continue
        laid = str(tabulate([[value]], headers=["-" * (len(value) + 2)], tablefmt="simple"))
        if laid.split("\n")[2] == shown:
            return True
        tried += 1
        if tried == 20:
            break
    return False
