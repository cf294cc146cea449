"""The French catalogue is complete: every message of the code (extracted afresh, as
`make i18n` extracts it), every help of every command and option, every table
header, has a French translation, with the same placeholders; the compiled
catalogue is the one of the .po, and it ships with the package."""

from __future__ import annotations

import fnmatch
import gettext
import importlib
import re
import tomllib
from pathlib import Path

import click
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

import pathways
from pathways import i18n
from pathways.cli import COMMANDS, cli
from pathways.cli.localise import localise, texts, walk
from pathways.domain.alert_catalogue import ALERT_CODES, alert_label

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
LOCALE = Path(pathways.__file__).parent / "locale"
PO = LOCALE / "fr" / "LC_MESSAGES" / "pathways.po"
MO = LOCALE / "fr" / "LC_MESSAGES" / "pathways.mo"
#: The keywords of `make i18n` (Babel's defaults, plus NP_ for the contexts).
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "N_": None,
    "NP_": ((1, "c"), 2),
}
#: Translations that may be the English itself (a symbol, a code, a word shared).
SAME_IN_FRENCH = {
    "n",
    "k",
    "!",
    "Q1",
    "Q3",
    "id",
    "code",
    "type",
    "position",
    "pos",
    "Options",
    "options",
}
PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\([a-z]+\)s")


def catalogue() -> dict[tuple[str | None, str], object]:
    with PO.open("rb") as file:
        po = read_po(file, locale="fr")
    return {(m.context, m.id if isinstance(m.id, str) else m.id[0]): m for m in po if m.id}


def extracted() -> list[tuple[str | None, str, str]]:
    """(context, msgid, where) of every message, extracted as `make i18n` does."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = []
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(SRC), method_map, options_map, keywords=KEYWORDS
    ):
        msgid = message if isinstance(message, str) else message[0]
        found.append((context, msgid, f"{filename}:{lineno}"))
    return found


@pytest.fixture(scope="module")
def po() -> dict[tuple[str | None, str], object]:
    return catalogue()


def test_every_message_of_the_code_has_a_french_translation(po: dict) -> None:
    messages = extracted()
    assert len(messages) > 500  # the extraction found the code's messages
    missing = [
        f"{where}: {msgid!r}"
        for context, msgid, where in messages
        if (context, msgid) not in po
        or not all(_strings(po[context, msgid]))
        or "fuzzy" in po[context, msgid].flags  # type: ignore[attr-defined]
    ]
    assert missing == [], "run `make i18n` and translate:\n" + "\n".join(missing)


def _strings(message: object) -> list[str]:
    string = message.string  # type: ignore[attr-defined]
    return list(string) if isinstance(string, tuple) else [string]


def test_every_translation_keeps_the_placeholders(po: dict) -> None:
    """Each translation has its English's placeholders: a plural's forms those of the
    singular or of the plural (click's "is not {choice}" / "is not one of {choices}")."""
    wrong = []
    for (_context, msgid), message in po.items():
        ids = message.id if isinstance(message.id, tuple) else (msgid,)  # type: ignore[attr-defined]
        for form, string in enumerate(_strings(message)):
            # (French's form 0 is for one, the others for many: the English plural's)
            expected = sorted(PLACEHOLDER.findall(ids[min(form, len(ids) - 1)]))
            if string and sorted(PLACEHOLDER.findall(string)) != expected:
                wrong.append(f"{msgid!r} -> {string!r}")
    assert wrong == []


def test_the_compiled_catalogue_is_that_of_the_po(po: dict) -> None:
    with MO.open("rb") as file:
        compiled = gettext.GNUTranslations(file)
    stale = []
    for (context, msgid), message in po.items():
        string = _strings(message)[0]
        got = compiled.pgettext(context, msgid) if context else compiled.gettext(msgid)
        if string and got != string:
            stale.append(msgid)
    assert stale == [], "the .mo is older than the .po: run `make i18n`"


def test_the_catalogue_ships_with_the_package() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["pathways"]
    relative = MO.relative_to(Path(pathways.__file__).parent).as_posix()
    assert any(fnmatch.fnmatch(relative, pattern) for pattern in patterns)
    assert MO.exists()


def all_commands() -> list[tuple[str, click.Command]]:
    """Every command of the command line, subcommands included, with its path."""
    found: list[tuple[str, click.Command]] = [("pathways", cli)]
    for name, (module, attribute) in sorted(COMMANDS.items()):
        root: click.Command = getattr(importlib.import_module(module), attribute)
        for command in walk(root):
            path = f"pathways {name}" if command is root else f"pathways {name} {command.name}"
            found.append((path, command))
    return found


@pytest.mark.parametrize(("path", "command"), all_commands(), ids=str)
def test_every_command_and_option_help_translates(path: str, command: click.Command) -> None:
    untranslated = []
    with i18n.using("fr"):
        localise(command)
        for thing, attribute, english in texts(command):
            said = getattr(thing, attribute)
            if said == english or not said:
                untranslated.append(f"{path} {getattr(thing, 'name', '')}: {english[:60]!r}")
    with i18n.using("en"):
        localise(command)
        assert all(getattr(t, a) == e for t, a, e in texts(command))  # back to English
    assert untranslated == []
    assert command.help, f"{path} has no help"


def test_the_help_of_every_option_is_there() -> None:
    """An option without help would show nothing in either language."""
    bare = [
        f"{path} {param.opts[0]}"
        for path, command in all_commands()
        for param in command.params
        if isinstance(param, click.Option) and not param.hidden and not param.help
    ]
    assert bare == []


def test_every_table_header_and_alert_label_translates() -> None:
    from pathways import queries
    from pathways.cli import privacy, users
    from pathways.cli.output import header
    from pathways.cli.projections import STATUS_COLUMNS

    columns = {
        name
        for module in (queries, privacy, users)
        for attribute in dir(module)
        if attribute.endswith("COLUMNS")
        for name in getattr(module, attribute)
    } | set(STATUS_COLUMNS)
    with i18n.using("fr"):
        same = sorted(c for c in columns if header(c) == c and c not in SAME_IN_FRENCH)
        labels = {code: alert_label(code) for code in ALERT_CODES}
    assert same == []
    assert labels["dry-release"] == "Sortie sèche"
    assert all(labels[code] != alert_label(code, "en") for code in ALERT_CODES)


def test_the_language_is_chosen_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PATHWAYS_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    assert i18n.language() == "en"
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    assert i18n.language() == "fr"
    monkeypatch.setenv("LC_ALL", "C.UTF-8")  # LC_ALL wins over LANG, as in POSIX
    assert i18n.language() == "en"
    monkeypatch.setenv("PATHWAYS_LANG", "fr")
    assert i18n.language() == "fr"
    with i18n.using("en"):
        assert i18n.language() == "en"
        assert i18n._("Nothing was written.") == "Nothing was written."
    assert i18n._("Nothing was written.") == "Rien n'a été écrit."


def test_dates_in_prose() -> None:
    from datetime import date

    with i18n.using("fr"):
        assert i18n.long_date(date(2026, 12, 2)) == "2 décembre 2026"
        assert i18n.long_date("2026-03-01") == "1er mars 2026"
        assert i18n.long_date(date(2026, 11, 11)) == "11 novembre 2026"
    with i18n.using("en"):
        assert i18n.long_date(date(2026, 12, 2)) == "2026-12-02"
