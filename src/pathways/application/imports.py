"""Import: a whole JSON Lines file parsed, every bad line reported, then one batch."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sized
from dataclasses import dataclass

from pathways.application.batch import line_where, located
from pathways.application.commands import MAX_PROBLEMS, Commands, Item, Receipt, line_number
from pathways.domain.errors import (
    AccessRefused,
    PathwaysError,
    RulesBroken,
)
from pathways.domain.events import YouthEvent
from pathways.i18n import _
from pathways.interchange import LineError, NotJson, parse_line
from pathways.perf import without_gc

#: Lines kept as parsed events while a file is read; those after are kept as their text
#: and parsed again when their part is written (an event takes ~1.4 KB, its line ~0.2).
#: (100,000 rather than 150,000: the 1,000,000-event import of issue 10 peaked at 981 MB
#: with 150,000 kept, 935 MB with 100,000, for the same CPU time; a line parsed again
#: gives the same event, so what is stored does not change.)
KEEP = 100_000
#: Events per part of a long file (each youth's events in one part): a part is checked
#: and written in the import's one transaction, then let go.
PART = 100_000


@dataclass(slots=True)
class _Line:
    number: int
    item: Item | None  # None once let go: `text` is parsed again
    text: str | None


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
        """Parse a whole file, report every bad line, then commit it as one batch: in
        one transaction, part after part (see `commit_parts`), so that a long file is
        never held whole in memory as events."""
        self.progress.phase("read", len(lines) if isinstance(lines, Sized) else None)
        reading = _Reading()
        for number, text in enumerate(decoded(lines), start=1):
            if number % 1000 == 0:
                self.progress.advance(1000)
            reading.take(number, text)
        self.progress.advance(reading.count % 1000)
        reading.check_format()
        by_youth, problems = reading.by_youth, reading.problems
        if problems:
            # Report the rules broken by the lines that did parse too, in one run, and
            # a line the user may not write among them (audited by commit_parts).
            if by_youth:
                try:
                    self.commit_parts(_parts(by_youth), actor, check_only=True)
                except RulesBroken as broken:
                    problems.extend(broken.problems)
                except AccessRefused as refused:
                    if not refused.problems:  # the user may not write at all: said alone
                        raise
                    problems.extend(refused.problems)
            problems.sort(key=line_number)
            raise RulesBroken(problems[:MAX_PROBLEMS], total=len(problems))
        if not by_youth:
            msg = _("the file holds no event")
            raise PathwaysError(msg)
        return self.commit_parts(_parts(by_youth), actor, check_only=check_only)


class _Reading:
    """The lines of a file as they are read: parsed, each bad one named, grouped by youth."""

    def __init__(self) -> None:
        self.by_youth: dict[str | None, list[_Line]] = {}
        self.problems: list[str] = []
        self.count = self.kept = 0
        self.first: str | None = None  # the first line that is not blank
        self.first_is_json = True
        self.not_json = 0  # lines that are not JSON at all

    def take(self, number: int, text: str) -> None:
        self.count += 1
        if not text or text.isspace():  # (a blank line; no stripped copy of every line)
            return
        is_first = self.first is None
        if is_first:
            self.first = text.strip()
            if self.first.startswith("["):  # a JSON array: no need to read further
                raise PathwaysError(_not_json_lines(self.first))
        try:
            event = parse_line(text)
        except NotJson as error:
            self.not_json += 1
            self.first_is_json = self.first_is_json and not is_first
            self.problems.append(located(line_where(number), str(error)))
            return
        except LineError as error:
            self.problems.append(located(line_where(number), str(error)))
            return
        youth = event.youth if isinstance(event, YouthEvent) else None
        if self.kept < KEEP:
            line = _Line(number, Item(event, line_where(number), number), None)
            self.kept += 1
        else:
            line = _Line(number, None, text)
        found = self.by_youth.get(youth)
        if found is None:
            self.by_youth[youth] = [line]
        else:
            found.append(line)

    def check_format(self) -> None:
        """Most lines are not JSON, the first among them: a file of another format."""
        parsed = sum(len(found) for found in self.by_youth.values())
        first = self.first
        mostly_not_json = self.not_json * 2 > parsed + len(self.problems)
        if first is not None and not self.first_is_json and mostly_not_json:
            raise PathwaysError(_not_json_lines(first))


def _parts(by_youth: dict[str | None, list[_Line]]) -> Iterator[list[Item]]:
    """The file's events in parts of about PART events, each youth's in one part (the
    registry's, measures and settings, in the first), in the order of the file within a
    part. A line let go is parsed again here."""
    part: list[_Line] = list(by_youth.get(None, ()))
    for youth, found in by_youth.items():
        if youth is not None:
            part.extend(found)
        if len(part) >= PART:
            yield _items(part)
            part = []
    if part:
        yield _items(part)


def _items(lines: list[_Line]) -> list[Item]:
    """The items of a part's lines, which let them go (a part is held once)."""
    lines.sort(key=lambda line: line.number)
    items = []
    for line in lines:
        if line.item is None:
            assert line.text is not None
            items.append(Item(parse_line(line.text), line_where(line.number), line.number))
        else:
            items.append(line.item)
        line.item = line.text = None
    return items


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
    try:
        yield from lines  # (the file's own iterator: no Python step per line)
    except UnicodeDecodeError:
        msg = _("this file is not UTF-8 text. {JSON_LINES}. Nothing was written.").format(
            JSON_LINES=JSON_LINES
        )
        raise PathwaysError(msg) from None
