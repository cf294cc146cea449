"""Import: a whole JSON Lines file parsed, every bad line reported, then one batch."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sized

from pathways.application.commands import MAX_PROBLEMS, Commands, Item, Receipt
from pathways.domain.errors import (
    PathwaysError,
    RulesBroken,
)
from pathways.interchange import LineError, NotJson, parse_line
from pathways.perf import without_gc


class Imports(Commands):
    """Import: a whole JSON Lines file, every bad line reported, then one batch."""

    @without_gc
    def import_lines(
        self,
        lines: Iterable[str],
        actor: str,
        *,
        check_only: bool = False,
    ) -> Receipt:
        """Parse a whole file, report every bad line, then commit it as one batch."""
        items: list[Item] = []
        problems: list[str] = []
        count = 0
        self.progress.phase("read", len(lines) if isinstance(lines, Sized) else None)
        first: str | None = None  # the first line that is not blank
        first_is_json = True
        not_json = 0  # lines that are not JSON at all
        for number, text in enumerate(decoded(lines), start=1):
            count += 1
            if number % 1000 == 0:
                self.progress.advance(1000)
            if not text.strip():
                continue
            is_first = first is None
            if is_first:
                first = text.strip()
                if first.startswith("["):  # a JSON array: no need to read further
                    raise PathwaysError(_not_json_lines(first))
            try:
                event = parse_line(text)
            except NotJson as error:
                not_json += 1
                first_is_json = first_is_json and not is_first
                problems.append(f"line {number}: {error}")
                continue
            except LineError as error:
                problems.append(f"line {number}: {error}")
                continue
            items.append(Item(event, f"line {number}", number))
        self.progress.advance(count % 1000)
        if first is not None and not first_is_json and not_json * 2 > len(items) + len(problems):
            # Most lines are not JSON, the first among them: a file of another format.
            raise PathwaysError(_not_json_lines(first))
        if problems:
            # Report the rules broken by the lines that did parse too, in one run.
            if items:
                try:
                    self._prepare(items, check_only=True)
                except RulesBroken as broken:
                    problems.extend(broken.problems)
            problems.sort(key=_line_number)
            raise RulesBroken(problems[:MAX_PROBLEMS], total=len(problems))
        if not items:
            msg = "the file holds no event"
            raise PathwaysError(msg)
        return self.commit(items, actor, check_only=check_only)


JSON_LINES = (
    "`pathways import` reads JSON Lines: UTF-8 text, one JSON object per line, with no"
    " [ ] around the file and no comma between lines, e.g."
    ' {"type": "Released", "youth": "Y-2026-0042", "occurred_on": "2026-03-10",'
    ' "kind": "end-of-sentence", "destination": "rennes"}'
    " (`pathways history YOUTH --nl` writes this format)"
)


def _not_json_lines(first: str) -> str:
    """What a file of another format looks like, said once instead of at every line."""
    if first.startswith("["):
        what = "a JSON array ([ {...}, {...} ])"
    elif first.startswith("{"):
        what = "JSON spread over several lines (pretty-printed)"
    elif any(separator in first for separator in ",;\t"):
        what = "a CSV or spreadsheet file"
    else:
        what = "another format: most of its lines are not JSON"
    return f"this file is not JSON Lines: it looks like {what}. {JSON_LINES}. Nothing was written."


def decoded(lines: Iterable[str]) -> Iterator[str]:
    """The lines of a file, or a plain error if it is not UTF-8 text."""
    iterator = iter(lines)
    while True:
        try:
            text = next(iterator)
        except StopIteration:
            return
        except UnicodeDecodeError:
            msg = f"this file is not UTF-8 text. {JSON_LINES}. Nothing was written."
            raise PathwaysError(msg) from None
        yield text


def _line_number(problem: str) -> int:
    head = problem.split(":", 1)[0]
    number = head.removeprefix("line ")
    return int(number) if number.isdigit() else 0
