"""The Babel extraction method of the command line's help (`babel.cfg`, `make i18n`).

The help of the commands and their options is written in the click decorators and
the docstrings, which Babel's Python extractor does not see; `localise` translates
it at run time. This method collects those same texts, from the commands themselves
(every command of `COMMANDS`, subcommands included, and the root group), and the
marked messages of `pathways/cli/__init__.py` (Babel's own Python extraction).
It is only run by `pybabel extract`: Babel is a dependency of the package.
"""

from __future__ import annotations

import importlib
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

#: (line number, function, message(s), comments[, context]), as Babel's methods yield.
Found = tuple[Any, ...]


def extract_commands(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: dict[str, Any],
) -> Iterator[Found]:
    from babel.messages.extract import extract_python

    yield from extract_python(fileobj, keywords, comment_tags, options)  # type: ignore[arg-type]
    for path, text in command_texts():
        yield 1, None, text, [f"help of {path}"]


def command_texts() -> Iterator[tuple[str, str]]:
    """("pathways COMMAND [--option]", English help) of every command and option."""
    import click

    from pathways.cli import COMMANDS, cli
    from pathways.cli.localise import texts, walk

    roots: list[tuple[str, click.Command]] = [("pathways", cli)]
    for name, (module, attribute) in sorted(COMMANDS.items()):
        roots.append((f"pathways {name}", getattr(importlib.import_module(module), attribute)))
    for prefix, root in roots:
        for command in walk(root):
            path = prefix if command is root else f"{prefix} {command.name}"
            for thing, _attribute, text in texts(command):
                where = path
                if isinstance(thing, click.Parameter):
                    where = f"{path} {thing.opts[0] if thing.opts else thing.name}"
                yield where, text
