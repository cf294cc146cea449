"""Every indicator the program computes is explained where a reader looks for it
(issue 10): a row of docs/indicators.md naming its code, and a glossary entry of the
report in each language; nothing is explained that the program does not compute."""

from __future__ import annotations

import re
from pathlib import Path

from pathways.domain.outcomes.indicators import COMMUNITY_INDICATORS, DELAYS, RELEASE_INDICATORS
from pathways.i18n import LANGUAGES
from pathways.report import glossary

DOC = Path(__file__).resolve().parents[2] / "docs" / "indicators.md"
CODES = {*RELEASE_INDICATORS, *COMMUNITY_INDICATORS, *DELAYS}


def test_every_indicator_has_its_row_in_the_docs() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = sorted(code for code in CODES if f"`{code}`" not in text)
    assert not missing, f"docs/indicators.md does not name: {missing}"
    # and every code-like name of an indicator in the docs is one the program computes
    named = set(re.findall(r"`((?:[a-z]+-)+within-\d+d|days-to-[a-z-]+|contacts-per-month)`", text))
    assert named <= CODES, sorted(named - CODES)


def test_every_indicator_has_a_glossary_entry_in_each_language() -> None:
    assert set(glossary.INDICATORS) == CODES
    assert set(glossary.ORDER) == CODES
    for code in CODES:
        for lang in LANGUAGES:
            name, definition = glossary.INDICATORS[code][lang]
            assert name.strip(), (code, lang)
            assert definition.strip(), (code, lang)
