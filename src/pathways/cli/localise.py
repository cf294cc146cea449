"""The command line in the user's language, translated in one place.

The help of the commands (their docstrings) and of their options is written in
English in the decorators; `localise` passes each of them through the catalogue
when a command is loaded (`PathwaysGroup.get_command`), subgroups included, so
that the command modules need no marker. The English text is kept aside: a
command can be shown in one language, then in the other (tests, an embedding
program). `pathways.cli.extract` collects the same texts for the catalogue.

click's own words ("Usage:", "Options:", "Missing option") go through gettext's
global domain; `speak_click` points click's modules at our catalogue instead, so
that they follow `--lang` like the rest. The ones a user meets are listed below
for the catalogue (`CLICK_MESSAGES`); any other stays in English.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Collection, Iterator
from typing import Any

import click

from pathways.i18n import N_, _, ngettext

#: The English of a command's and its parameters' help (id of the object -> text).
_ENGLISH_ATTR = "_pathways_english"


def texts(command: click.Command) -> Iterator[tuple[object, str, str]]:
    """(object, attribute, English text) of every help of a command and its parameters,
    the texts as click shows them (docstrings cleaned of their indentation)."""
    for attribute in ("help", "short_help", "epilog"):
        english = _english(command, attribute)
        if english:
            yield command, attribute, english
    for param in command.params:
        for attribute in ("help", "show_default"):  # (a default said in words: a str)
            english = _english(param, attribute)
            if english:
                yield param, attribute, english


def _english(thing: object, attribute: str) -> str | None:
    kept: dict[str, str | None] = thing.__dict__.setdefault(_ENGLISH_ATTR, {})
    if attribute not in kept:
        value = getattr(thing, attribute, None)
        kept[attribute] = inspect.cleandoc(value) if isinstance(value, str) and value else None
    return kept[attribute]


def walk(command: click.Command) -> Iterator[click.Command]:
    """A command and, for a group, every command under it."""
    yield command
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            yield from walk(sub)


def localise(command: click.Command) -> click.Command:
    """The command (and its subcommands), its help and its options' help in the current
    language."""
    for each in walk(command):
        for thing, attribute, english in texts(each):
            setattr(thing, attribute, _(english))
        for param in each.params:
            if isinstance(param.type, click.Path):  # its metavar (FILE), named when built
                param.type.name = _(_path_word(param.type))
        if getattr(each, "_help_option", None) is not None:
            each._help_option = None  # click keeps --help, said in the language of its time
        each.context_class = Context  # (its help's headings: "Options :" in French)
    return command


class Formatter(click.HelpFormatter):
    """click's help, its headings with the language's colon ("Options :" in French)."""

    def write_heading(self, heading: str) -> None:
        said = _("{heading}:").format(heading=heading)
        self.write(f"{'':>{self.current_indent}}{said}\n")


class Context(click.Context):
    """The context of every command of pathways: its help is laid out by `Formatter`."""

    formatter_class = Formatter


def _path_word(path: click.Path) -> str:
    """What click names a path parameter (`click.Path.__init__`), in English: a
    command module imported while another language was chosen keeps that language's
    word in the parameter's type until it is localised again."""
    if path.file_okay and not path.dir_okay:
        return "file"
    if path.dir_okay and not path.file_okay:
        return "directory"
    return "path"


def speak_click() -> None:
    """Make click's own messages go through our catalogue (see the module's docstring)."""
    for name in ("core", "exceptions", "formatting", "types", "parser", "decorators", "termui"):
        module = sys.modules.get(f"click.{name}")
        if module is None:
            continue
        if hasattr(module, "_"):
            module._ = _  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]


#: The words of click a user of pathways meets (the catalogue translates them).
CLICK_MESSAGES: tuple[str, ...] = (
    N_("Usage:"),
    N_("Options"),
    N_("Commands"),
    N_("Show this message and exit."),
    N_("Show the version and exit."),
    N_("Error: {message}"),
    N_("Try '{command} {option}' for help."),
    N_("Missing argument"),
    N_("Missing option"),
    N_("Choose from:\n\t{choices}"),
    N_("Missing parameter"),
    N_("Missing command."),
    N_("Invalid value for {param_hint}: {message}"),
    N_("Invalid value: {message}"),
    N_("No such command {name!r}."),
    N_("No such option {name!r}."),
    N_("Option {name!r} does not take a value."),
    N_("{value!r} is not a valid {number_type}."),
    N_("{value!r} is not a valid boolean. Recognized values: {states}"),
    N_("{value} is not in the range {range}."),
    N_("{name} {filename!r} does not exist."),
    N_("{name} {filename!r} is a directory."),
    N_("{name} {filename!r} is a file."),
    N_("{name} {filename!r} is not readable."),
    N_("{name} {filename!r} is not writable."),
    N_("Could not open file {filename!r}: {message}"),
    N_("default: {default}"),
    N_("env var: {var}"),
    N_("required"),
    N_("file"),
    N_("directory"),
    N_("path"),
    N_("integer"),
    N_("Aborted!"),
    N_("Do you want to continue?"),
    N_("Repeat for confirmation"),
    N_("Error: The two entered values do not match."),
    N_("Error: invalid input"),
    N_("%(prog)s, version %(version)s"),
)


def _click_plurals() -> None:  # pragma: no cover - never called
    """The messages click asks with `ngettext` (a choice not among the valid ones, a
    mistyped option...), for the catalogue: each is a pair (one, many), which plain
    markers would file as two unrelated messages that click never finds."""
    ngettext("{value!r} is not {choice}.", "{value!r} is not one of {choices}.", 2)
    ngettext("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)", 2)
    ngettext("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})", 2)
    ngettext(
        "Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments.", 2
    )
    ngettext(
        "{value!r} does not match the format {format}.",
        "{value!r} does not match the formats {formats}.",
        2,
    )


def language_in(args: list[str], commands: Collection[str]) -> str | None:
    """The value of the root `--lang` in a command line (None: not given before the
    command)."""
    for index, arg in enumerate(args):
        if arg == "--lang" and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith("--lang="):
            return arg.partition("=")[2]
        if arg in commands:
            break
    return None


class Language(click.Choice[str]):
    """fr or en; a bad $PATHWAYS_LANG is named as such (click said "Invalid value for
    '--lang'" to a user who had typed no --lang)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from click.core import ParameterSource

        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            name = param.name if param is not None else None
            if ctx is None or name is None:
                raise
            if ctx.get_parameter_source(name) is not ParameterSource.ENVIRONMENT:
                raise
            msg = _("$PATHWAYS_LANG is {value!r}: the languages are {choices}").format(
                value=value, choices=", ".join(self.choices)
            )
            raise click.UsageError(msg, ctx) from None


def root_language(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """The root `--lang` (or $PATHWAYS_LANG): chosen before anything is said, help
    included (an eager option)."""
    from pathways.i18n import use

    use(value)
    speak_click()
    return value
