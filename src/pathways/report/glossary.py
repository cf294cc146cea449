"""The indicators' names and definitions, in words (no notation a reader must decode),
and how to read the report's tables: in English, translated by the catalogue
(`pathways.i18n`) like every message of pathways."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from html import escape
from typing import Generic, TypeVar

from pathways.domain.outcomes.indicators import (
    COMMUNITY_INDICATORS,
    DELAY_KINDS,
    DELAYS,
    RELEASE_INDICATORS,
)
from pathways.domain.outcomes.indicators import INDICATORS as INDICATOR_KINDS
from pathways.i18n import LANGUAGES, N_, _, using

T = TypeVar("T")

#: code -> (label, definition), in English: as each indicator and delay declares them
#: (`domain.outcomes.indicators`).
ENGLISH: dict[str, tuple[str, str]] = {
    **{kind.code: (kind.label, kind.words) for kind in INDICATOR_KINDS},
    **{kind.code: (kind.label, kind.words) for kind in DELAY_KINDS},
}

#: The symbols and abbreviations of the tables, in words ({n}: the suppression threshold).
READING_ENGLISH: list[tuple[str, str]] = [
    (
        N_("n"),
        N_(
            "the number of releases (or starts of supervision) counted for the indicator; a "
            "release whose window has not passed yet is not among them."
        ),
    ),
    (
        N_("k"),
        N_("among them, the number with the outcome described."),
    ),
    (
        N_("Rate"),
        N_("k divided by n."),
    ),
    (
        N_("95 % CI"),
        N_(
            "the 95 % confidence interval (Wilson's method): the rates compatible with what is "
            "observed; the smaller n, the wider it is."
        ),
    ),
    (
        N_("*"),
        N_(
            "a figure withheld for confidentiality: fewer than {n} in the group, or withheld so "
            "that a small group cannot be recovered by subtraction."
        ),
    ),
    (
        N_("–"),
        N_("no figure (no release concerned, or a withheld comparison)."),
    ),
    (
        N_("Median, Q1, Q3"),
        N_(
            "half of the values are below the median, a quarter below Q1, three quarters below "
            "Q3; “not reached”: fewer than half (or a quarter) had the event."
        ),
    ),
    (
        N_("Difference"),
        N_(
            "the rate of the measure minus that of the reference, in percentage points, with its "
            "95 % interval (Newcombe's method); “!”: the interval does not contain 0."
        ),
    ),
]


class _InLanguages(Mapping[str, T], Generic[T]):
    """`thing[lang]`: something in one of the languages, translated when asked."""

    def __init__(self, make: Callable[[], T]) -> None:
        self._make = make

    def __getitem__(self, lang: str) -> T:
        if lang not in LANGUAGES:
            raise KeyError(lang)
        with using(lang):
            return self._make()

    def __iter__(self) -> Iterator[str]:
        return iter(LANGUAGES)

    def __len__(self) -> int:
        return len(LANGUAGES)


def _pair(words: tuple[str, str]) -> Callable[[], tuple[str, str]]:
    return lambda: (_(words[0]), _(words[1]))


#: code -> language -> (label, definition).
INDICATORS: dict[str, _InLanguages[tuple[str, str]]] = {
    code: _InLanguages(_pair(words)) for code, words in ENGLISH.items()
}
#: language -> the symbols of the tables and their meaning.
READING: _InLanguages[list[tuple[str, str]]] = _InLanguages(
    lambda: [(_(symbol), _(text)) for symbol, text in READING_ENGLISH]
)

#: The order of the definitions: the release indicators, the community ones, the delays
#: (as `domain.outcomes.indicators` declares them).
ORDER = tuple(dict.fromkeys((*RELEASE_INDICATORS, *COMMUNITY_INDICATORS, *DELAYS)))


def label(code: str, lang: str) -> str:
    """The name of an indicator in a language (an unknown code is its own name)."""
    return INDICATORS[code][lang][0] if code in INDICATORS else code


def definitions(lang: str, t: dict[str, str], min_n: int) -> str:
    """The definitions section: how to read the tables, then every indicator in words
    (with its code, as `pathways outcomes` prints it)."""
    reading = "".join(
        f"<dt>{escape(symbol)}</dt><dd>{escape(text.format(n=min_n))}</dd>"
        for symbol, text in READING[lang]
    )
    items = "".join(
        f"<dt>{escape(INDICATORS[code][lang][0])} <code>{code}</code></dt>"
        f"<dd>{escape(INDICATORS[code][lang][1])}</dd>"
        for code in ORDER
    )
    return (
        f"<h3>{escape(t['reading'])}</h3><dl class='reading'>{reading}</dl>"
        f"<h3>{escape(t['indicator_list'])}</h3><dl class='definitions'>{items}</dl>"
    )
