"""What the read commands print, made faster, is what it was, character for character:
a table (`pathways.cli.table.table`) is tabulate's "simple" table, laid out column by
column; `--json` (`json_text`) is Python's `json.dumps(..., indent=1)`."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import click
from hypothesis import given, settings
from hypothesis import strategies as st
from tabulate import tabulate

from pathways.cli.output import json_text
from pathways.cli.table import table

#: Texts tabulate takes for numbers, booleans or nothing, beside plain words and dates.
TRICKY = [
    "12",
    " 7 ",
    "1,000",
    "1e5",
    "-3.5",
    "1_000",
    "0x1f",
    "nan",
    "inf",
    "True",
    "False",
    "",
    " ",
    "2026-11-20",
    "Y-2026-0042",
    "2 décembre 2026",
    "a\tb",
    "two\nlines",
    "\x1b[31mred\x1b[0m",
]
WORDS = st.text(alphabet="abcdeéxyz0123456789 -.,+_:/", max_size=12)
NUMBERS = st.one_of(
    st.integers(-(10**6), 10**6),
    st.sampled_from([0.0, -0.0, 1.5, 2.25, 1e10, float("nan"), float("inf"), 3.0, 1.0]),
)
CELLS = st.one_of(st.none(), st.booleans(), NUMBERS, st.sampled_from(TRICKY), WORDS)
#: A column of numbers only, or of numbers written as text: not laid out as text.
NUMERIC = st.one_of(st.none(), st.just(""), st.integers(0, 999), st.sampled_from(["12", "1.5"]))


def same(body: list[list[Any]], headers: list[str]) -> None:
    assert table(body, headers) == tabulate(body, headers=headers, tablefmt="simple")


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_a_table_is_tabulates_simple_table(data: st.DataObject) -> None:
    width = data.draw(st.integers(1, 4))
    cells = data.draw(st.sampled_from([CELLS, NUMERIC]))
    body = data.draw(st.lists(st.lists(cells, min_size=width, max_size=width), min_size=1))
    headers = data.draw(st.lists(WORDS.filter(bool), min_size=width, max_size=width))
    same(body, headers)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_whole_numbers_and_words_are_tabulates_layout(data: st.DataObject) -> None:
    """The columns laid out without tabulate (whole numbers and blanks; texts no reading
    takes for a number), beside words that are numbers to it."""
    whole = st.one_of(st.none(), st.integers(-(10**7), 10**7))
    blank = st.sampled_from([None, ""])
    words = st.one_of(
        WORDS, st.sampled_from(TRICKY), st.from_regex(r"[A-Za-z][A-Za-z0-9 ,.-]{0,10}")
    )
    width = data.draw(st.integers(1, 3))
    kinds = st.sampled_from([whole, words, blank])
    columns = data.draw(st.lists(kinds, min_size=width, max_size=width))
    rows = data.draw(st.integers(1, 12))
    body = [[data.draw(column) for column in columns] for _ in range(rows)]
    headers = data.draw(st.lists(WORDS.filter(bool), min_size=width, max_size=width))
    same(body, headers)


def test_a_table_of_words_and_whole_numbers_does_not_import_tabulate() -> None:
    """tabulate (and the importlib.metadata it imports) costs a read ~30 ms of start-up."""
    script = (
        "import sys; from pathways.cli.table import table; "
        "print(table([['Y-2026-0001', 'no-contact', 12, None, None],"
        " ['Y-2026-0002', 'à voir', -3, 4, '']], ['youth', 'alert', 'days', 'n', 'counsellor']));"
        " print('tabulate' in sys.modules)"
    )
    shown = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert shown.splitlines()[-1] == "False"
    assert "\n".join(shown.splitlines()[:-1]) == tabulate(
        [["Y-2026-0001", "no-contact", 12, None, None], ["Y-2026-0002", "à voir", -3, 4, ""]],
        headers=["youth", "alert", "days", "n", "counsellor"],
        tablefmt="simple",
    )


def test_a_column_of_numbers_written_as_text_is_aligned_right() -> None:
    same([["Y-1", "12"], ["Y-2", "1,000"], ["Y-3", ""]], ["youth", "n"])


def test_a_long_list_repeats_its_values() -> None:
    body = [[f"Y-2026-{i:04}", "no-contact", "2026-11-20", None, i % 7] for i in range(2000)]
    same(body, ["youth", "alert", "since", "counsellor", "alerts"])


# --- --json ---------------------------------------------------------------------------

SCALARS = st.one_of(
    st.none(), st.booleans(), NUMBERS, st.text(max_size=8), st.dates(), st.sampled_from(TRICKY)
)
ROWS = st.lists(
    st.one_of(
        st.dictionaries(st.text(max_size=6), SCALARS, max_size=5),
        st.dictionaries(
            st.text(max_size=6),
            st.one_of(SCALARS, st.lists(SCALARS, max_size=3), st.dictionaries(WORDS, SCALARS)),
            max_size=4,
        ),
        SCALARS,
    ),
    max_size=6,
)


@settings(max_examples=400, deadline=None)
@given(ROWS, st.one_of(st.none(), st.dictionaries(WORDS, SCALARS, max_size=3)))
def test_json_is_pythons_indented_json(rows: list[Any], meta: dict[str, Any] | None) -> None:
    payload = rows if meta is None else {"meta": meta, "rows": rows}
    expected = json.dumps(payload, ensure_ascii=False, indent=1, default=str)
    assert json_text(rows, meta) == expected


def test_json_with_meta_keeps_an_empty_meta() -> None:
    """`--json --with-meta` on a read without meta (users list, projections status) is
    still `{"meta": {}, "rows": [...]}`, as before the hand-written encoder."""
    from click.testing import CliRunner

    from pathways.cli.output import emit

    rows = [{"name": "a", "n": 1}]

    @click.command()
    def show() -> None:
        emit(rows, "json", meta=None, with_meta=True)

    out = CliRunner().invoke(show).output
    assert json.loads(out) == {"meta": {}, "rows": rows}
    assert out == json.dumps({"meta": {}, "rows": rows}, ensure_ascii=False, indent=1) + "\n"


# --- typed rows -------------------------------------------------------------------------


def test_typed_rows_print_the_table_of_their_json_form(capsys: Any) -> None:
    """`emit` of typed rows (the alerts read: a table made from their attributes, column by
    column) prints what their `as_dict` rows print: dates as ISO text, nothing as blank."""
    from datetime import date

    from pathways.cli.output import emit
    from pathways.queries import ALERT_COLUMNS, CASELOAD_COLUMNS, AlertRow, CaseloadRow, dicts

    alerts = [
        AlertRow("Y-2", "contact-lost", date(2026, 3, 2), "we-ker", None, "no contact"),
        AlertRow("Y-1", "dry-release", date(2026, 3, 1), None, None, "released à Rennes"),
    ]
    lines = [
        CaseloadRow("Y-1", None, None, "active", "none", None, 0, None, None, None),
        CaseloadRow(
            "Y-2", "we-ker", "c-1", "active", "in-custody", date(2026, 3, 3), 2,
            "cp-rennes-vezin", date(2026, 4, 15), "rennes",
        ),
    ]  # fmt: skip
    for rows, columns in ((alerts, ALERT_COLUMNS), (lines, CASELOAD_COLUMNS)):
        emit(rows, None, columns=columns)
        typed = capsys.readouterr().out
        emit(dicts(rows), None, columns=columns)
        assert typed == capsys.readouterr().out
        assert "2026-03-0" in typed  # a date, as ISO text
        assert "None" not in typed
