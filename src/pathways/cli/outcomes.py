"""For evaluators: `outcomes` (indicators with their uncertainty) and `compare`."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import click

from pathways.cli.options import DATE, acting_option, wait_for_option
from pathways.cli.output import emit, output_options
from pathways.cli.read import known_at_option
from pathways.cli.session import open_views
from pathways.domain.outcomes import DIMENSIONS, ComparisonRow, conclusive
from pathways.domain.outcomes.comparisons import reference_label, warning_text
from pathways.domain.outcomes.indicators import COHORTS
from pathways.i18n import N_, NP_, _, decimal, percent, pgettext

#: The cohorts in a sentence ("71 releases in the period").
COHORT_WORDS = {"releases": N_("releases"), "community": N_("community")}

if TYPE_CHECKING:
    from pathways.queries import OutcomeRow


def _evaluation_options(func: Any) -> Any:
    func = click.option(
        "--min-n",
        type=click.IntRange(min=1),
        help="Suppress groups under this size (can raise the store's setting, never lower it).",
    )(func)
    func = known_at_option(func)
    func = wait_for_option(func)
    func = click.option("--as-of", type=DATE, help="Count only steps dated up to then.")(func)
    func = click.option(
        "--cohort",
        type=click.Choice(COHORTS),
        default="releases",
        show_default=True,
        help="Releases from custody, or starts of community supervision.",
    )(func)
    func = click.option("--to", "last", type=DATE, required=True, help="Last day of the period.")(
        func
    )
    return click.option(
        "--from", "first", type=DATE, required=True, help="First day of the period."
    )(func)


def _prepare(
    ctx: click.Context,
    first: date,
    last: date,
    cohort: str,
    as_of: date | None,
    known_at: str | None,
    min_n: int | None,
) -> tuple[Any, Any, int, dict[str, Any]]:
    if last < first:
        msg = _("--to {last} is before --from {first}").format(last=last, first=first)
        raise click.UsageError(msg)
    views = open_views(ctx)
    point = views.point(as_of, known_at)
    ref = views.reference(point)
    threshold = ref.suppression(min_n)
    found = views.cases(point, first, last, cohort)
    meta = {
        **point.meta(),
        "from": first.isoformat(),
        "to": last.isoformat(),
        "cohort": cohort,
        "min_n": threshold,
        "cases": len(found),
    }
    return ref, found, threshold, meta


@click.command()
@_evaluation_options
@click.option(
    "--by",
    "by",
    multiple=True,
    type=click.Choice(DIMENSIONS),
    help="Group by this (repeat it to cross groups).",
)
@output_options
@acting_option
@click.pass_context
def outcomes(
    ctx: click.Context,
    /,
    first: date,
    last: date,
    cohort: str,
    as_of: date | None,
    known_at: str | None,
    min_n: int | None,
    by: tuple[str, ...],
    fmt: str | None,
    with_meta: bool,
) -> None:
    """Indicators per group, with 95 % Wilson intervals, small groups suppressed.

    One row per group and indicator: n releases, k with the outcome, the rate
    and its interval. Window indicators count only releases whose window is
    complete by the as-of date. Delays come as median and quartiles. See
    docs/indicators.md.

    \b
    Example:
      pathways outcomes --from 2026-01-01 --to 2026-03-31 --by territory
      pathways outcomes --from 2025-01-01 --to 2025-12-31 --by measure --by quarter --json
    """
    from pathways.queries import dicts, outcome_rows

    _ref, found, threshold, meta = _prepare(ctx, first, last, cohort, as_of, known_at, min_n)
    rows = outcome_rows(found, by, cohort, threshold)
    if fmt is not None:
        emit(dicts(rows), fmt, meta=meta, with_meta=with_meta)
        return
    emit(_rate_table(rows, by), None, meta=meta)
    click.echo()
    emit(_delay_table(rows, by), None)
    click.echo(
        _("\n{cases} {cohort} in the period; rows with n < {threshold} are suppressed (*).").format(
            cases=meta["cases"], cohort=_(COHORT_WORDS[cohort]), threshold=threshold
        )
    )


#: The whole cohort's group, as a table says it (JSON keeps "all").
ALL = NP_("group", "all")


def _labels(row: OutcomeRow, by: tuple[str, ...]) -> dict[str, Any]:
    """A row's groups as a table shows them: the whole cohort said in words (JSON keeps
    "all")."""
    found = {dim: row.labels[dim] for dim in by} if by else {"group": row.group}
    return {dim: pgettext("group", ALL) if value == ALL else value for dim, value in found.items()}


def _rate_table(rows: list[OutcomeRow], by: tuple[str, ...]) -> list[dict[str, Any]]:
    from pathways.queries import RateRow

    table = []
    for row in rows:
        if not isinstance(row, RateRow):
            continue
        shown: dict[str, Any] = {**_labels(row, by), "indicator": row.indicator, "n": row.n}
        if row.suppressed:
            shown.update(k="*", rate="*", **{"95% CI": "*"})
        else:
            assert row.rate is not None
            assert row.ci_low is not None
            assert row.ci_high is not None
            shown.update(
                k=row.k,
                rate=percent(row.rate, signed=False),
                **{
                    "95% CI": (
                        f"{percent(row.ci_low, signed=False)} - "
                        f"{percent(row.ci_high, signed=False)}"
                    )
                },
            )
        table.append(shown)
    return table


def _delay_table(rows: list[OutcomeRow], by: tuple[str, ...]) -> list[dict[str, Any]]:
    from pathways.queries import DelayRow

    def number(value: float | None) -> str:
        return _("not reached") if value is None else decimal(value)

    table = []
    for row in rows:
        if not isinstance(row, DelayRow):
            continue
        n = "*" if row.n is None else row.n  # withheld with a suppressed count
        shown: dict[str, Any] = {**_labels(row, by), "delay": row.indicator, "n": n}
        if row.suppressed:
            shown.update(median="*", q1="*", q3="*")
        else:
            shown.update(median=number(row.median), q1=number(row.q1), q3=number(row.q3))
        table.append(shown)
    return table


@click.command()
@_evaluation_options
@click.option(
    "--by",
    type=click.Choice(["territory", "measure"]),
    required=True,
    help="Compare territories, or pilot measures.",
)
@click.option(
    "--reference",
    help="The group to compare with (default: for a territory, the rest of the "
    "département; for a measure, releases not enrolled in any, on its territory).",
)
@click.option("--within", help="Only releases to this territory.")
@output_options
@acting_option
@click.pass_context
def compare(
    ctx: click.Context,
    /,
    first: date,
    last: date,
    cohort: str,
    as_of: date | None,
    known_at: str | None,
    min_n: int | None,
    by: str,
    reference: str | None,
    within: str | None,
    fmt: str | None,
    with_meta: bool,
) -> None:
    """Each territory or measure against a reference: differences of rates, 95 % intervals.

    Intervals are Newcombe's hybrid score intervals; a difference is flagged
    (!) when its interval excludes 0 and both sides have enough releases (a row
    on too few says so and is never flagged). With many comparisons, some are
    flagged by chance alone: the note under the table says how many to expect.

    \b
    Example:
      pathways compare --from 2025-01-01 --to 2025-12-31 --by measure
      pathways compare --from 2025-01-01 --to 2025-12-31 --by territory --reference rennes
    """
    from pathways.queries import COMPARISON_COLUMNS, chance, comparison_rows, dicts

    # The reference data of the same point as the cases (not of a newer head).
    ref, found, threshold, meta = _prepare(ctx, first, last, cohort, as_of, known_at, min_n)
    territories = sorted(ref.territories)
    _check_known("--within", within, territories, N_("a territory"))
    if by == "measure":
        _check_known("--reference", reference, ["none", *sorted(ref.measures)], N_("a measure"))
    else:
        _check_known("--reference", reference, territories, N_("a territory"))
    if within is not None:
        found = [c for c in found if c.groups["territory"] == within]
        meta["within"] = within
    rows = comparison_rows(found, by, cohort, threshold, ref, reference)
    odds = chance(rows)
    note = odds.note()
    meta.update(
        comparisons=odds.shown,
        flagged=odds.flagged,
        expected_by_chance=odds.expected,
        too_few=odds.small,
    )
    if fmt is not None:
        emit(
            dicts(rows),
            fmt,
            meta={**meta, "note": note},
            with_meta=with_meta,
            columns=None if rows else list(COMPARISON_COLUMNS),
        )
        if not with_meta:
            click.echo(note, err=True)
        return
    emit([comparison_line(row) for row in rows], None, meta=meta)
    click.echo(f"\n{note}")


def _check_known(option: str, code: str | None, valid: list[str], what: str) -> None:
    """A group named by hand that the reference data does not know is refused: every
    comparison against it would be withheld (n ref 0), without a word."""
    if code is not None and code not in valid:
        msg = _("{option}: '{code}' is not {what} (valid: {valid})").format(
            option=option, code=code, what=_(what), valid=", ".join(valid)
        )
        raise click.UsageError(msg)


def comparison_line(row: ComparisonRow) -> dict[str, Any]:
    """A comparison as `compare` shows it in a table: flagged (!) only on enough releases
    on both sides (`outcomes.conclusive`), as the note on chance counts it."""
    line: dict[str, Any] = {
        "group": row.group,
        "reference": reference_label(row, _),
        "indicator": row.indicator,
        "n": row.n,
        "n ref": row.n_reference,
    }
    if row.suppressed:
        line.update(difference="*", **{"95% CI": "*"}, flag="", warning="")
        return line
    assert row.difference is not None
    assert row.ci_low is not None
    assert row.ci_high is not None
    line.update(
        difference=percent(row.difference),
        **{
            "95% CI": _("{low} to {high}").format(
                low=percent(row.ci_low), high=percent(row.ci_high)
            )
        },
        flag="!" if row.flagged and conclusive(row) else "",
        warning=warning_text(row, _) or "",
    )
    return line
