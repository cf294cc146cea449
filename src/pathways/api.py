"""The Python API for notebooks: `pathways.open(...)`, then histories, caseloads,
alerts and outcomes as pydantic models, or pandas DataFrames.

    import pathways
    store = pathways.open(".demo/pathways.sqlite3", key_file=".demo/master.key")
    store.alerts(as_of="2026-03-31", known_at="2026-04-15").to_pandas()

It runs the same code as the command line: the same rules, the same read
models, the same suppression of small groups.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from pathways.application import Pathways, default_actor
from pathways.domain.errors import UnknownYouth
from pathways.domain.events.fields import CODE_PATTERN
from pathways.i18n import _
from pathways.projections import Views, attach, attach_inline
from pathways.store import open_store

if TYPE_CHECKING:
    from pathways.audit import Trail
    from pathways.queries import YouthCard

M = TypeVar("M", bound=BaseModel)


class Rows(list[M], Generic[M]):
    """A list of rows (pydantic models) that also becomes a DataFrame."""

    def __init__(self, rows: Iterable[M] = (), model: type[M] | None = None) -> None:
        super().__init__(rows)
        self.model = model

    def to_pandas(self) -> Any:
        """A DataFrame: the model's columns first (even with no row), then extra fields."""
        try:
            import pandas as pd
        except ImportError:  # pragma: no cover - depends on the environment
            msg = _("to_pandas() needs pandas: pip install 'pathways[analysis]'")
            raise ImportError(msg) from None
        records = [row.model_dump() for row in self]
        names: dict[str, None] = dict.fromkeys(self.model.model_fields if self.model else ())
        for record in records:
            names.update(dict.fromkeys(record))
        return pd.DataFrame.from_records(records, columns=list(names))


class Row(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")


class HistoryEvent(Row):
    """One event of a pathway (its fields are extra attributes: `kind`, `destination`...)."""

    type: str
    youth: str
    occurred_on: date
    id: str
    recorded_at: str
    recorded_by: str
    position: int
    retracted: bool


class CaseloadRow(Row):
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


class AlertRow(Row):
    youth: str
    alert: str
    since: date
    organisation: str | None
    counsellor: str | None
    reason: str


class OutcomeRow(Row):
    """A rate row (n, k, rate, ci_low, ci_high) or a delay row (n, median, q1, q3)."""

    indicator: str
    group: str
    n: int | None  # None when even the size would give a withheld count away
    suppressed: bool
    k: int | None = None
    rate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    median: float | None = None
    q1: float | None = None
    q3: float | None = None


def _day(value: date | str | None) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _moment(value: date | datetime | str | None) -> str | None:
    """A `known_at` as the command line takes it: a date, a Paris date-time, or `@N`."""
    return value.isoformat() if isinstance(value, date | datetime) else value


class Store:
    """A store opened for analysis (and for writing, through `app`).

    Every read of youths' pathways (`history`, `caseload`, `alerts`, `youth`, `youths`)
    is audited as the command line's are (`pathways audit`): by `actor`, with the
    `reason` given to the call, if any."""

    def __init__(self, app: Pathways, views: Views, actor: str | None = None) -> None:
        self.app = app
        self.views = views
        self.actor = actor or default_actor()

    def _audited(
        self, what: str, options: dict[str, Any], reason: str | None, youths: Sequence[str] = ()
    ) -> AbstractContextManager[Trail]:
        from pathways import audit

        if reason is not None and not re.fullmatch(CODE_PATTERN, reason):
            msg = f"reason '{reason}' is not a short code (e.g. urgent-court-request)"
            raise ValueError(msg)
        return audit.reading(
            self.app.store,
            actor=self.actor,
            command=f"api {what}",
            options=options,
            reason=reason,
            youths=youths,
        )

    def close(self) -> None:
        self.views.close()
        self.app.store.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def history(
        self,
        youth: str,
        as_of: date | str | None = None,
        known_at: date | datetime | str | None = None,
        *,
        reason: str | None = None,
    ) -> Rows[HistoryEvent]:
        from pathways import queries
        from pathways.worklists import reference_problem

        options = {"as_of": _day(as_of), "known_at": _moment(known_at)}
        with self._audited("history", options, reason) as trail:
            problem = reference_problem(youth)
            if problem is not None:
                raise UnknownYouth(problem)
            trail.saw([youth])
            at = self.views.known_at(_moment(known_at))
            found = queries.history(self.app, youth, _day(as_of), at)
        rows: Rows[HistoryEvent] = Rows(model=HistoryEvent)
        for row in found.rows:
            data = row.as_dict()
            if data.pop("erased", False):
                data["erased"] = True  # the last extra field, after `actor`
            rows.append(HistoryEvent(**data))
        return rows

    def caseload(
        self,
        as_of: date | str | None = None,
        known_at: date | datetime | str | None = None,
        organisation: str | None = None,
        *,
        counsellor: str | None = None,
        youth: str | None = None,
        releasing_within: int | None = None,
        no_counsellor: bool = False,
        facility: str | None = None,
        territory: str | None = None,
        reason: str | None = None,
    ) -> Rows[CaseloadRow]:
        """The caseload of a work list, as `pathways caseload --json` gives it (the
        filters of `pathways.queries.WorkList`, which combine; one that cannot hold
        raises `BadFilter`). `organisation="spip-35"` is the probation service's list."""
        from pathways.queries import WorkList, caseload

        work = WorkList(
            organisation, counsellor, youth, releasing_within, no_counsellor, facility, territory
        )
        options = {"as_of": _day(as_of), "known_at": _moment(known_at), **_filters(work)}
        with self._audited("caseload", options, reason) as trail:
            point = self.views.point(_day(as_of), _moment(known_at))
            rows = caseload(self.views, point, work).rows
            trail.saw(row.youth for row in rows)
        return Rows((CaseloadRow(**row.as_dict()) for row in rows), CaseloadRow)

    def alerts(
        self,
        as_of: date | str | None = None,
        known_at: date | datetime | str | None = None,
        alert: str | None = None,
        *,
        since: date | str | None = None,
        organisation: str | None = None,
        counsellor: str | None = None,
        youth: str | None = None,
        releasing_within: int | None = None,
        no_counsellor: bool = False,
        facility: str | None = None,
        territory: str | None = None,
        reason: str | None = None,
    ) -> Rows[AlertRow]:
        """The open alerts of a work list, most urgent first, as `pathways alerts --json`
        gives them (the filters of `caseload`, and `since`: open since that day or later)."""
        from pathways.queries import WorkList, alerts

        work = WorkList(
            organisation,
            counsellor,
            youth,
            releasing_within,
            no_counsellor,
            facility,
            territory,
            since=_day(since),
            alert=alert,
        )
        options = {"as_of": _day(as_of), "known_at": _moment(known_at), **_filters(work)}
        with self._audited("alerts", options, reason) as trail:
            point = self.views.point(_day(as_of), _moment(known_at))
            rows = alerts(self.views, point, work).rows
            trail.saw(row.youth for row in rows)
        return Rows((AlertRow(**row.as_dict()) for row in rows), AlertRow)

    def youth(
        self,
        youth: str,
        as_of: date | str | None = None,
        known_at: date | datetime | str | None = None,
        *,
        with_personal: bool = False,
        reason: str | None = None,
    ) -> YouthCard:
        """One young person at a glance (`pathways youth`): `.as_dict()` is what
        `--json` prints; `UnknownYouth` if no view shows them at that point."""
        from pathways.queries import youth_card
        from pathways.worklists import reference_problem

        options = {
            "as_of": _day(as_of),
            "known_at": _moment(known_at),
            "with_personal": with_personal,
        }
        with self._audited("youth", options, reason) as trail:
            problem = reference_problem(youth)
            if problem is not None:
                raise UnknownYouth(problem)
            trail.saw([youth])
            point = self.views.point(_day(as_of), _moment(known_at))
            return youth_card(self.views, point, youth, with_personal=with_personal)

    def outcomes(
        self,
        first: date | str,
        last: date | str,
        by: Sequence[str] | str = (),
        *,
        cohort: str = "releases",
        as_of: date | str | None = None,
        known_at: date | datetime | str | None = None,
        min_n: int | None = None,
    ) -> Rows[OutcomeRow]:
        """Every indicator per group, as `pathways outcomes --json` gives them."""
        from pathways.queries import outcome_rows

        point = self.views.point(_day(as_of), _moment(known_at))
        threshold = self.views.reference(point).suppression(min_n)
        start, end = _day(first), _day(last)
        assert start is not None
        assert end is not None
        dimensions = (by,) if isinstance(by, str) else tuple(by)
        cases = self.views.cases(point, start, end, cohort)
        rows = outcome_rows(cases, dimensions, cohort, threshold)
        return Rows((OutcomeRow(**row.as_dict()) for row in rows), OutcomeRow)

    def youths(self, *, reason: str | None = None) -> list[str]:
        """The references of the registered youths (as known now)."""
        with self._audited("youths", {}, reason) as trail:
            found = sorted(self.views.youths(self.views.point(), for_statistics=True))
            trail.saw(found)
        return found


def _filters(work: Any) -> dict[str, Any]:
    """The filters of a work list, as the audit keeps them."""
    from dataclasses import asdict

    from pathways.worklists import reference_problem

    found = {k: v for k, v in asdict(work).items() if v not in (None, False)}
    if "youth" in found and reference_problem(found["youth"]) is not None:
        found["youth"] = "(not a reference)"  # maybe a name: not kept
    return found


def open(
    db: str | Path | None = None,
    key_file: str | Path | None = None,
    chain_key_file: str | Path | None = None,
    *,
    actor: str | None = None,
) -> Store:
    """Open a store (a SQLite file or a postgresql:// URL; default as the CLI's). Writes
    need the chain key too (by default beside the master key file). `actor` is who
    reads (default: $PATHWAYS_ACTOR, else the OS user name): every read is scoped to
    that user's rights, as on the command line (`pathways.access`), and audited; an
    unknown, disabled or forged user raises `AccessRefused` before anything else is
    read (the refusal audited). Writes (`store.app.record(...)`, `import_lines`...)
    are scoped to the user's youths as on the command line."""
    from pathways.access import sign_in

    store = open_store(
        None if db is None else str(db),
        None if key_file is None else Path(key_file),
        chain_key_file=None if chain_key_file is None else Path(chain_key_file),
    )
    try:
        app = Pathways(store)
        name = actor or os.environ.get("PATHWAYS_ACTOR") or default_actor()
        app.access = sign_in(store, name, "api")  # a refusal is audited
    except BaseException:
        store.close()
        raise
    attach_inline(store)
    return Store(app, attach(app), name)


def references(rows: Iterable[BaseModel]) -> list[str]:
    """The youths named in rows (e.g. to pick one for `history`)."""
    return sorted({getattr(row, "youth", "") for row in rows} - {""})
