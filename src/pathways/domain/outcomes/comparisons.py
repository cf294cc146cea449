"""Comparisons: each group against a reference, with Newcombe hybrid intervals.

The rows are typed (`ComparisonRow`); `as_dict()` gives the row as
`pathways compare --json` prints it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import product
from typing import Any, Literal

from pathways.domain.outcomes.cases import Case
from pathways.domain.stats import newcombe
from pathways.i18n import N_, decimal, ngettext

#: The 95 % level: the share of comparisons flagged by chance alone with no real difference.
CHANCE = 0.05
#: Under this many cases on one side, a comparison carries the warning that it is too small
#: to say anything (it is still computed when both sides reach the suppression threshold).
ENOUGH = 20


#: What a group is compared with: the group named by `--reference` ("group", its code in
#: `reference_code`), every other group ("others": "not rennes"), or the youths of the
#: measure's territory with no measure ("no-measure": "none (rennes)").
ReferenceKind = Literal["group", "others", "no-measure"]
#: Why a difference says little: fewer than `threshold` releases on one side, so that it
#: is withheld ("suppressed"), or shown but on fewer than `threshold` ("too-few").
WarningKind = Literal["suppressed", "too-few"]
#: The reference and the warnings as JSON gives them (in English, whatever the language
#: of messages: figures do not depend on it); a table says them in the language of
#: messages from the same templates (`reference_label`, `warning_text`).
REFERENCE_LABELS: dict[str, str] = {
    "group": "{code}",
    "others": N_("not {group}"),
    "no-measure": N_("none ({territory})"),
}
WARNINGS: dict[str, str] = {
    "suppressed": N_("suppressed: fewer than {min_n} releases on one side"),
    "too-few": N_("too few releases to say anything (n < {small} on one side)"),
}


@dataclass(frozen=True, slots=True)
class ComparisonRow:
    """A group against its reference for one indicator: the difference of the rates and
    its 95 % interval, flagged when the interval excludes 0."""

    indicator: str
    group: str
    reference_kind: ReferenceKind
    reference_code: str
    n: int
    n_reference: int
    rate: float | None
    rate_reference: float | None
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    flagged: bool
    suppressed: bool
    warning_kind: WarningKind | None = None
    threshold: int | None = None  # of the warning

    @property
    def reference(self) -> str:
        """The reference as JSON gives it: "rennes", "not rennes", "none (rennes)"."""
        return reference_label(self, translate=lambda text: text)

    @property
    def warning(self) -> str | None:
        """The warning as JSON gives it, in English (None without one)."""
        return warning_text(self, translate=lambda text: text)

    def as_dict(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in COMPARISON_COLUMNS}


#: The columns of `compare --json`: the kinds above are said by `reference` and `warning`.
COMPARISON_COLUMNS = (
    "indicator",
    "group",
    "reference",
    "n",
    "n_reference",
    "rate",
    "rate_reference",
    "difference",
    "ci_low",
    "ci_high",
    "flagged",
    "suppressed",
    "warning",
)


def reference_label(row: ComparisonRow, translate: Callable[[str], str]) -> str:
    """The reference of a comparison, its template passed through `translate`."""
    code = row.reference_code
    return translate(REFERENCE_LABELS[row.reference_kind]).format(
        code=code, group=code, territory=code
    )


def warning_text(row: ComparisonRow, translate: Callable[[str], str]) -> str | None:
    """The warning of a comparison, its template passed through `translate`."""
    if row.warning_kind is None:
        return None
    return translate(WARNINGS[row.warning_kind]).format(min_n=row.threshold, small=row.threshold)


@dataclass(frozen=True)
class Chance:
    """What chance alone would flag: with many comparisons, some are flagged even with no
    real difference (the note under every table of comparisons)."""

    shown: int  # the comparisons with enough releases on both sides (`ENOUGH`)
    flagged: int  # of those
    small: int = 0  # shown too, on too few releases: never flagged (nor counted above)

    @property
    def expected(self) -> float:
        return CHANCE * self.shown

    def note(self) -> str:
        said = ngettext(
            "{shown} comparison on enough releases, {flagged} flagged; at the 95 % level "
            "about {expected} would be flagged by chance alone even with no real "
            "difference.",
            "{shown} comparisons on enough releases, {flagged} flagged; at the 95 % level "
            "about {expected} would be flagged by chance alone even with no real "
            "difference.",
            self.shown,
        ).format(shown=self.shown, flagged=self.flagged, expected=decimal(self.expected))
        if self.small:
            said += " " + ngettext(
                "{small} more, on too few releases, is not flagged: nothing can be "
                "concluded from it.",
                "{small} more, on too few releases, are not flagged: nothing can be "
                "concluded from them.",
                self.small,
            ).format(small=self.small)
        return said


def conclusive(row: ComparisonRow) -> bool:
    """A comparison with enough releases on both sides to flag it or not (as the report's
    main table): neither suppressed nor on too few releases."""
    return not row.suppressed and row.warning_kind is None


def chance(rows: Iterable[ComparisonRow]) -> Chance:
    """The comparisons with enough releases, those flagged, and those on too few (the
    report's main table and annex, the note under `compare`)."""
    rows = list(rows)
    enough = [r for r in rows if conclusive(r)]
    small = sum(not r.suppressed for r in rows) - len(enough)
    return Chance(len(enough), sum(r.flagged for r in enough), small)


def compare(
    found: Sequence[Case],
    by: str,
    indicators: dict[str, int | None],
    min_n: int,
    reference: str | None,
    measure_territories: dict[str, str],
    small: int = ENOUGH,
) -> list[ComparisonRow]:
    """Each group against its reference, for each indicator (Newcombe hybrid intervals).

    Territories: each against `reference` (a territory), or the rest of the
    département. Measures: enrolled against not enrolled, on the measure's
    territory (release destination), unless `reference` names another group.
    """
    values = sorted({c.groups[by] for c in found} - ({"none"} if by == "measure" else set()))
    rows: list[ComparisonRow] = []
    for value, indicator in product(values, indicators):
        if value == reference:
            continue
        group = [c for c in found if c.groups[by] == value]
        kind: ReferenceKind
        if reference is not None:
            against = [c for c in found if c.groups[by] == reference]
            kind, code = "group", reference
        elif by == "measure":
            territory = measure_territories.get(value)
            against = [
                c
                for c in found
                if c.groups["measure"] == "none" and c.groups["territory"] == territory
            ]
            kind, code = "no-measure", str(territory)
        else:
            against = [c for c in found if c.groups[by] != value]
            kind, code = "others", value
        rows.append(_comparison(indicator, value, (kind, code), group, against, min_n, small))
    return rows


def _comparison(
    indicator: str,
    value: str,
    reference: tuple[ReferenceKind, str],
    group: Sequence[Case],
    against: Sequence[Case],
    min_n: int,
    small: int,
) -> ComparisonRow:
    def counts(members: Sequence[Case]) -> tuple[int, int]:
        outcomes = [c.outcomes.get(indicator) for c in members]
        return sum(o is True for o in outcomes), sum(o is not None for o in outcomes)

    k1, n1 = counts(group)
    k2, n2 = counts(against)
    kind, code = reference
    if n1 < min_n or n2 < min_n:
        return ComparisonRow(
            indicator, value, kind, code, n1, n2, None, None, None, None, None, False, True,
            warning_kind="suppressed", threshold=min_n,
        )  # fmt: skip
    difference, low, high = newcombe(k1, n1, k2, n2)
    few = min(n1, n2) < small
    return ComparisonRow(
        indicator,
        value,
        kind,
        code,
        n1,
        n2,
        rate=k1 / n1,
        rate_reference=k2 / n2,
        difference=difference,
        ci_low=low,
        ci_high=high,
        flagged=low > 0 or high < 0,
        suppressed=False,
        warning_kind="too-few" if few else None,
        threshold=small if few else None,
    )
