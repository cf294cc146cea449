"""The language of what pathways says: French or English, through gettext.

Every message for people (the command line's messages and help, the receipts,
the tables' headers, the alerts' reasons and labels, the errors, the report's
words) is written in English in the code, marked with `_()` (or `N_()` where
it is only declared, `pgettext()` where a word needs a context), and translated
by the catalogue `locale/fr/LC_MESSAGES/pathways.mo` (compiled from
`pathways.po` by Babel: `make i18n`). Codes stay codes; the names of the
reference data (territories, organisations, facilities) are data, in both
languages (`pathways.domain.reference`).

The language is, in this order: the one chosen for the moment (`use`, the
`--lang` option of the command line, or `using` for one piece of work such as a
report), else `$PATHWAYS_LANG`, else the locale (French when `LC_ALL`,
`LC_MESSAGES` or `LANG`, the first one set, starts with `fr`), else English.
"""

from __future__ import annotations

import gettext as _gettext
import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from functools import cache, lru_cache
from pathlib import Path

#: The languages pathways speaks; English is the language of the code (the msgids).
LANGUAGES: tuple[str, ...] = ("en", "fr")
DEFAULT = "en"
DOMAIN = "pathways"
LOCALE_DIR = Path(__file__).parent / "locale"
ENV = "PATHWAYS_LANG"

_chosen: ContextVar[str | None] = ContextVar("pathways_language", default=None)


def normalise(value: str | None) -> str | None:
    """`fr`, `fr_FR.UTF-8`, `FR` -> "fr"; a language pathways does not speak -> None."""
    if not value:
        return None
    head = value.strip().lower().replace("-", "_").split("_")[0].split(".")[0]
    return head if head in LANGUAGES else None


def from_locale(environ: dict[str, str] | None = None) -> str | None:
    """The language of the locale: the first of LC_ALL, LC_MESSAGES, LANG that is set
    (as POSIX reads them); French when it starts with `fr`, else None (C, POSIX,...)."""
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if value:
            return "fr" if value.lower().startswith("fr") else None
    return None


def language() -> str:
    """The language of messages now (see the module's docstring)."""
    chosen = _chosen.get()
    if chosen is not None:
        return chosen
    return normalise(os.environ.get(ENV)) or from_locale() or DEFAULT


def use(lang: str | None) -> None:
    """Choose the language of this context (None: back to $PATHWAYS_LANG and the locale)."""
    _chosen.set(normalise(lang) if lang is not None else None)


@contextmanager
def using(lang: str | None) -> Iterator[str]:
    """The language `lang` (None: the current one) for the time of a `with` block."""
    token = _chosen.set(normalise(lang) if lang is not None else language())
    try:
        yield language()
    finally:
        _chosen.reset(token)


@cache
def catalogue(lang: str) -> _gettext.NullTranslations:
    """The compiled catalogue of a language (English: the msgids themselves)."""
    if lang == DEFAULT:
        return _gettext.NullTranslations()
    return _gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang])


#: Each message as translated, by (language, message): a catalogue does not change once
#: read, and a list of alerts asks for the same few reasons again and again (a
#: catalogue's `gettext` costs several times this look-up).
_translated: dict[tuple[str, str], str] = {}


def _(message: str) -> str:
    """`message` (English) in the current language."""
    lang = language()
    found = _translated.get((lang, message))
    if found is None:
        if len(_translated) > 10_000:  # (a message made of data would grow it)
            _translated.clear()
        found = _translated[lang, message] = catalogue(lang).gettext(message)
    return found


gettext = _


def ngettext(singular: str, plural: str, n: int) -> str:
    return catalogue(language()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """`message` in a context: a word that is translated differently elsewhere."""
    return catalogue(language()).pgettext(context, message)


def N_(message: str) -> str:
    """Marks a message for the catalogue where it is declared; `_()` translates it
    where it is shown."""
    return message


def NP_(context: str, message: str) -> str:
    """`N_` with a context (translated by `pgettext(context, message)`)."""
    return message


def long_date(day: date | str) -> str:
    """A date in prose: 2 décembre 2026 in French (Babel, from CLDR), 2026-12-02 in
    English (the ISO form the English messages have always used)."""
    value = date.fromisoformat(day) if isinstance(day, str) else day
    lang = language()
    if lang == DEFAULT:
        return value.isoformat()
    return _long_date(value, lang)


@lru_cache(maxsize=4096)
def _long_date(value: date, lang: str) -> str:
    """`long_date` in a language other than English (a list of alerts says the same
    few hundred days again and again: Babel formats each once)."""
    from babel.dates import format_date

    text = format_date(value, format="long", locale=lang)
    if lang == "fr" and value.day == 1:  # le 1er mars (CLDR writes "1 mars")
        text = text.replace("1", "1er", 1)
    return text


def number(value: int) -> str:
    """A count in prose, grouped as the language groups it: 11,817 in English, 11 817 in
    French (a narrow no-break space, from CLDR through Babel)."""
    lang = language()
    if lang == DEFAULT:
        return f"{value:,}"
    from babel.numbers import format_decimal

    return format_decimal(value, locale=lang)


def decimal(value: float) -> str:
    """A number with decimals, to the tenth, as the language writes it: 0.4 in English,
    0,4 in French."""
    text = f"{value:.1f}"
    return text if language() == DEFAULT else text.replace(".", ",")


def whole_percent(value: float) -> int:
    """A rate as a whole percent, half away from zero: 7/40 = 17.5 % is 18 %, and so is
    0.175, whose binary value is a hair under it (Python's `round(0.175, 2)` gives 0.17,
    its `f"{0.175:.0%}"` 18 %: the report and the CLI, each rounding its way, said +17 %
    and +18 % of one difference). What is within a billionth of a half goes up; a
    difference that rounds to zero is 0, never -0."""
    shifted = abs(value) * 100 + 0.5 + 1e-9
    whole = int(shifted)  # (floor: shifted is positive)
    return -whole if value < 0 and whole else whole


def percent(value: float, *, signed: bool = True) -> str:
    """A rate (or, `signed`, a difference of rates) to the percent (`whole_percent`), as
    the language writes it: +14% or 14% in English, +14 % or 14 % in French (a narrow
    no-break space before the sign %)."""
    if not math.isfinite(value):  # (no rate is; said as it is rather than a crash)
        return f"{value}%"
    shown = f"{whole_percent(value):{'+' if signed else ''}d}"
    return f"{shown}%" if language() == DEFAULT else f"{shown}\u202f%"


__all__ = [
    "DEFAULT",
    "LANGUAGES",
    "NP_",
    "N_",
    "_",
    "catalogue",
    "decimal",
    "from_locale",
    "gettext",
    "language",
    "long_date",
    "ngettext",
    "normalise",
    "number",
    "percent",
    "pgettext",
    "use",
    "using",
    "whole_percent",
]
