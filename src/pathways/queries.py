"""The queries: typed rows that the command line, the Python API (`pathways.api`) and
the report all read, each built once.

A row knows its columns (`*_COLUMNS`, the header of an empty CSV) and gives the dict
that `--json` prints (`as_dict`, keys in the order of the columns).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pathways.access import notes_of, withholds_notes
from pathways.domain.alert_catalogue import SPIP_ALERTS
from pathways.domain.alerts import CaseloadLine
from pathways.domain.reference import ReferenceData
from pathways.domain.time import KnownAt
from pathways.perf import lazy_names, quick_init
from pathways.worklists import WorkList, select

if TYPE_CHECKING:
    from pathways.application import Pathways
    from pathways.domain.outcomes import (
        COMPARISON_COLUMNS,
        Case,
        Chance,
        ComparisonRow,
        DelayRow,
        OutcomeRow,
        RateRow,
        chance,
    )
    from pathways.projections.reads import Point
    from pathways.projections.views import Views
    from pathways.store import Recorded
    from pathways.youth_card import YouthCard, youth_card

#: Names loaded on first use: a caseload or an alerts read imports neither the
#: indicators (`domain.outcomes`) nor the youth card.
_LAZY = {
    "COMPARISON_COLUMNS": "pathways.domain.outcomes",
    "Case": "pathways.domain.outcomes",
    "Chance": "pathways.domain.outcomes",
    "ComparisonRow": "pathways.domain.outcomes",
    "DelayRow": "pathways.domain.outcomes",
    "OutcomeRow": "pathways.domain.outcomes",
    "RateRow": "pathways.domain.outcomes",
    "chance": "pathways.domain.outcomes",
    "YouthCard": "pathways.youth_card",
    "youth_card": "pathways.youth_card",
}


__getattr__ = lazy_names(__name__, _LAZY)


def dicts(rows: Iterable[Any]) -> list[dict[str, Any]]:
    """Typed rows as `--json` prints them (`outcomes.dicts`)."""
    return [row.as_dict() for row in rows]


R = TypeVar("R")


# --- history ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One event of a pathway, with what the store knows of it."""

    recorded: Recorded
    retracted: bool
    #: Fields shown as "withheld": a Mission Locale's notes read by a CPIP (`access`).
    withheld: frozenset[str] = frozenset()

    def as_dict(self) -> dict[str, Any]:
        """The interchange format of the event (what `pathways import` reads back), then
        `erased` (once erased), recorded_at, recorded_by, actor, position, retracted."""
        from pathways.interchange import to_dict

        r = self.recorded
        row = to_dict(r.event)
        hidden = sorted(name for name in self.withheld if row.get(name) is not None)
        for name in hidden:
            row[name] = WITHHELD
        if r.erased:
            row["erased"] = True
        row["recorded_at"] = r.recorded_at.isoformat()
        row["recorded_by"] = r.event.recorded_by or r.actor
        row["actor"] = r.actor
        row["position"] = r.position
        row["retracted"] = self.retracted
        if hidden:  # (`pathways import` refuses such a line: it holds no recorded note)
            row["withheld"] = hidden
        return row


#: What stands in for a field the reader may not see.
WITHHELD = "withheld"

#: The columns of every history row (an empty history in CSV has this header; the event
#: fields vary with the types).
HISTORY_COLUMNS: tuple[str, ...] = ("type", "youth", "occurred_on", "id", "recorded_at")
HISTORY_COLUMNS += ("recorded_by", "actor", "position", "retracted")


@dataclass(frozen=True)
class History:
    """A pathway sorted by the date of each step, and where the read stands."""

    youth: str
    as_of: date | None
    known_at: KnownAt | None
    position: int
    rows: list[HistoryRow]

    def meta(self) -> dict[str, Any]:
        return {
            "youth": self.youth,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "known_at": self.known_at.text if self.known_at else None,
            "position": self.position,
        }


def history(
    app: Pathways, youth: str, as_of: date | None = None, known_at: KnownAt | None = None
) -> History:
    """A youth's pathway (`known_at` resolved to a position: `Views.known_at`)."""
    lines = app.history(youth, as_of=as_of, known_at=known_at)  # refuses outside the scope
    position = known_at.upto if known_at is not None else app.store.head()
    users = app.reference().users if withholds_notes(app.access, app.reference(known_at)) else None
    rows = [
        HistoryRow(
            line.recorded,
            line.retracted,
            frozenset() if users is None else notes_of(line.recorded, users),
        )
        for line in lines
    ]
    return History(youth, as_of, known_at, position, rows)


# --- caseload and alerts --------------------------------------------------------------------


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


@quick_init
@dataclass(frozen=True)
class CaseloadRow:
    """A youth followed on the date: support, custody, last contact, open alerts; in
    custody, where and the expected release; the youth's territory (`Situation.territory`).
    The columns added since the first version come last, so that a CSV read by
    position keeps its meaning."""

    youth: str
    organisation: str | None
    counsellor: str | None
    support: str
    custody: str
    last_contact_on: date | None
    alerts: int
    facility: str | None = None
    expected_release_on: date | None = None
    territory: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "youth": self.youth,
            "organisation": self.organisation,
            "counsellor": self.counsellor,
            "support": self.support,
            "custody": self.custody,
            "last_contact_on": _iso(self.last_contact_on),
            "alerts": self.alerts,
            "facility": self.facility,
            "expected_release_on": _iso(self.expected_release_on),
            "territory": self.territory,
        }


@quick_init
@dataclass(frozen=True)
class AlertRow:
    """An open alert of a youth followed on the date."""

    youth: str
    alert: str
    since: date
    organisation: str | None
    counsellor: str | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "youth": self.youth,
            "alert": self.alert,
            "since": self.since.isoformat(),
            "organisation": self.organisation,
            "counsellor": self.counsellor,
            "reason": self.reason,
        }


CASELOAD_COLUMNS = tuple(f.name for f in fields(CaseloadRow))
ALERT_COLUMNS = tuple(f.name for f in fields(AlertRow))


def caseload_rows(
    lines: Iterable[CaseloadLine], codes: Collection[str] | None = None
) -> list[CaseloadRow]:
    """The rows of caseload lines; `alerts` counts the open alerts (of these codes: the
    SPIP's list counts its own, as its `alerts` lists them)."""
    return [
        CaseloadRow(
            line.youth,
            line.organisation,
            line.counsellor,
            line.support,
            line.custody,
            line.last_contact_on,
            len(line.alerts)
            if codes is None
            else sum(alert.alert in codes for alert in line.alerts),
            line.facility,
            line.expected_release_on,
            line.territory,
        )
        for line in lines
    ]


def alert_rows(
    lines: Iterable[CaseloadLine],
    code: str | None = None,
    *,
    since: date | None = None,
    codes: Collection[str] | None = None,
) -> list[AlertRow]:
    """The open alerts (of one code if given; of these codes; open since a day or later),
    most urgent first: the one open the longest first (the earliest `since`), then by
    youth and code, as the first version listed them (docs/alerts.md)."""
    everyone = code is None and codes is None and since is None
    rows = [
        AlertRow(line.youth, a.alert, a.since, line.organisation, line.counsellor, a.reason)
        for line in lines
        for a in line.alerts
        if everyone
        or (
            (code is None or a.alert == code)
            and (codes is None or a.alert in codes)
            and (since is None or a.since >= since)
        )
    ]
    rows.sort(key=attrgetter("since", "youth", "alert"))  # (a lambda costs more)
    return rows


def caseload(views: Views, point: Point, work: WorkList) -> Listed[CaseloadRow]:
    """The caseload of a work list (`worklists`): by youth, or by expected release."""
    selection = select(views, point, work)
    codes = SPIP_ALERTS if selection.work.spip else None
    return Listed(caseload_rows(selection.lines, codes), selection.warnings)


def alerts(views: Views, point: Point, work: WorkList) -> Listed[AlertRow]:
    """The open alerts of a work list, most urgent first (`alert_rows`); the probation
    service's are those of `SPIP_ALERTS`."""
    selection = select(views, point, work, for_alerts=True)
    # (the scoped list: a CPIP's alerts are the SPIP's, with or without --organisation)
    codes = SPIP_ALERTS if selection.work.spip else None
    rows = alert_rows(selection.lines, work.alert, since=work.since, codes=codes)
    return Listed(rows, selection.warnings)


@dataclass(frozen=True)
class Listed(Generic[R]):
    """The rows of a read, and what the reader should be told about them."""

    rows: list[R]
    warnings: tuple[str, ...] = ()


# --- outcomes and comparisons -------------------------------------------------------------


def outcome_rows(
    found: Iterable[Case], by: Sequence[str], cohort: str, min_n: int
) -> list[OutcomeRow]:
    """Every indicator of the cohort (and every delay) per group, small groups withheld."""
    from pathways.domain.outcomes import indicators_for, tabulate

    return tabulate(found, by, indicators_for(cohort), min_n)


def comparison_rows(
    found: Sequence[Case],
    by: str,
    cohort: str,
    min_n: int,
    ref: ReferenceData,
    reference: str | None = None,
) -> list[ComparisonRow]:
    """Each territory or measure against its reference, for every indicator of the cohort
    (a measure's reference is on its territory, in the reference data of the same point)."""
    from pathways.domain.outcomes import compare, indicators_for

    territories = {code: m.territory for code, m in ref.measures.items()}
    return compare(found, by, indicators_for(cohort), min_n, reference, territories)


__all__ = [
    "ALERT_COLUMNS",
    "CASELOAD_COLUMNS",
    "COMPARISON_COLUMNS",
    "HISTORY_COLUMNS",
    "AlertRow",
    "CaseloadRow",
    "Chance",
    "ComparisonRow",
    "DelayRow",
    "History",
    "HistoryRow",
    "Listed",
    "OutcomeRow",
    "RateRow",
    "WorkList",
    "YouthCard",
    "alert_rows",
    "alerts",
    "caseload",
    "caseload_rows",
    "chance",
    "comparison_rows",
    "dicts",
    "history",
    "outcome_rows",
    "youth_card",
]
