"""Caseloads and alerts as of a date, as known at a time: a query plus a small
computation per youth, never a replay of the log.

`Caseloads.lines(point)` selects the facts recorded up to the point's position, dated
up to its as-of date and not retracted by then, and hands each followed youth's
situation to the pure `domain.alerts` rules.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from pathways.domain.alerts import CaseloadLine, Situation, judge, situation, supervised
from pathways.domain.reference import ReferenceData
from pathways.i18n import using
from pathways.perf import without_gc
from pathways.projections import packing
from pathways.projections.apply import SITUATION_KINDS
from pathways.projections.reads import Point, Reads, YouthRow


@dataclass(frozen=True)
class Among:
    """A condition on the rows of `pw{g}_youth` (SQL with `?` and `{p}`, see
    `Session.sql`), with its parameters: the youths a filter may keep (`candidates`)."""

    sql: str
    params: tuple[Any, ...] = ()


class Caseloads(Reads):
    """The caseload lines and alerts of a point (`lines`), of the youths an organisation
    or a counsellor may follow (`candidates`), with the birth dates the ageing-out rule
    needs (`birth_dates`)."""

    def birth_dates(self, rows: Iterable[YouthRow], point: Point, window: int) -> dict[str, date]:
        """Decrypt birth dates only for those who may turn 26 within the window: born
        in `_last_ageing_year` or before (`alerts.judge`'s ageing-out)."""
        latest = _last_ageing_year(point, window)
        return self._births(
            (r.youth, r.event_id, r.sealed)
            for r in rows
            if r.sealed and r.birth_year and r.birth_year <= latest
        )

    def _births(self, sealed: Iterable[tuple[str, str, str]]) -> dict[str, date]:
        """The birth dates of these (youth, event id, sealed personal fields)."""
        found: dict[str, date] = {}
        for youth, personal in self.app.store.unseal_many(sealed).items():
            if personal is not None and "birth_date" in personal:
                found[youth] = date.fromisoformat(personal["birth_date"])
        return found

    def candidates(
        self, point: Point, organisation: str | None = None, counsellor: str | None = None
    ) -> Among | None:
        """The youths who may be followed by an organisation (or a counsellor), as a SQL
        condition: those with a support step that ever named it. A superset (the support
        may have moved on, or not begun by the date; a closed support's line,
        `no-support`, names no organisation), so that SQL reads and the computation runs
        for them only, not for the whole département; None when there is no filter.

        Of an organisation's, those whose kept situation is the point's (see `lines`)
        are read only if it names the organisation (the row's `organisation`): their
        line names it or no one."""
        if organisation is None and counsellor is None:
            return None
        f = self._table(point.generation, "follower")
        where: list[str] = []
        params: list[Any] = []
        for kind, code in (("o", organisation), ("c", counsellor)):
            if code is not None:
                where.append(f"youth IN (SELECT youth FROM {f} WHERE kind = ? AND code = ?)")
                params += [kind, code]
        if organisation is not None:
            where.append("(last_day > ? OR last_pos > ? OR organisation = ?)")
            params += [point.as_of.toordinal(), point.position, organisation]
        return Among(" AND ".join(where), tuple(params))

    def _lines_query(
        self, point: Point, ref: ReferenceData, among: Among | None, keep: set[str] | None
    ) -> tuple[str, list[Any]]:
        """What `lines` reads of each youth: the reference; the event id and sealed
        personal fields of those who may be ageing out (`birth_dates`); the situation
        the row keeps; and the facts of the youths whose kept situation is not the
        point's (a fact dated after the as-of date, or recorded after the position)."""
        known, params = self._known(point)
        latest = _last_ageing_year(point, ref.thresholds["ageing-out.days"])
        query = (
            "SELECT youth, CASE WHEN birth_year <= ? THEN event_id ELSE NULL END,"
            " CASE WHEN birth_year <= ? THEN sealed ELSE NULL END, situation,"
            " CASE WHEN last_day > ? OR last_pos > ? THEN facts ELSE NULL END"
            f" FROM {self._table(point.generation, 'youth')} WHERE {known}"
        )
        params = [latest, latest, point.as_of.toordinal(), point.position, *params]
        if among is not None:
            query += f" AND {among.sql}"
            params += among.params
        if keep is not None and len(keep) <= 500:
            query += f" AND youth IN ({', '.join('?' * len(keep))})"
            params += sorted(keep)
        return query, params

    @without_gc
    def lines(
        self,
        point: Point,
        youths: Iterable[str] | None = None,
        *,
        among: Among | None = None,
        supervised_only: bool = False,
        alerting: bool = False,
    ) -> list[CaseloadLine]:
        """The caseload line (with its open alerts) of every youth followed on the date,
        and of those whose support is closed who have `no-support` (of the given youths;
        of those of the `among` condition, see `candidates`). With `supervised_only`, the
        line of every youth in custody or under community supervision on the date,
        followed or not, and of no one else (`alerts.supervised`: the SPIP's list).
        With `alerting`, only the lines with an open alert (what an alerts read lists).

        A youth whose whole timeline is dated by then and known at the position is
        judged from the situation its row keeps; the others' facts are walked."""
        rule = supervised if supervised_only else judge
        only = {"alerting": True} if alerting and not supervised_only else {}
        ref = self.reference(point)
        d, p = point.as_of.toordinal(), point.position
        keep = None if youths is None else set(youths)
        query, params = self._lines_query(point, ref, among, keep)
        read: list[str] = []
        ageing: list[tuple[str, str, str]] = []
        situations: dict[str, Situation] = {}
        # JSON texts are decoded many at once, as one array: a decoder call per youth
        # costs more than the decoding itself. The situations kept are small: all of
        # them; the facts walked again (as of a past date), WALKED youths at a time.
        kept_by: list[str] = []
        kept_texts: list[str] = []
        walked_by: list[str] = []
        walked_texts: list[str] = []

        def walk() -> None:
            for youth, facts in zip(walked_by, _decoded(walked_texts), strict=True):
                timeline = packing.effective(
                    facts, SITUATION_KINDS, upto=p, day=d, latest_contact=True
                )
                situations[youth] = situation(timeline)
            walked_by.clear()
            walked_texts.clear()

        with self._query(query, params) as found:
            for youth, event_id, sealed, kept, facts in found:
                if keep is not None and youth not in keep:
                    continue
                read.append(youth)
                if sealed:
                    ageing.append((youth, event_id, sealed))
                if facts is None:
                    kept_by.append(youth)
                    kept_texts.append(kept)
                else:
                    walked_by.append(youth)
                    walked_texts.append(facts)
                    if len(walked_by) == WALKED:
                        walk()
        walk()
        load = Situation.load
        for youth, values in zip(kept_by, _decoded(kept_texts), strict=True):
            situations[youth] = load(values)
        # a birth date is read only where `judge` looks at it: a followed youth's line
        births = self._births(a for a in ageing if _followed(situations[a[0]]))
        lines = []
        with using(None):  # the reasons' language, read once (not once per reason)
            for youth in sorted(read):
                line = rule(youth, situations[youth], point.as_of, ref, births.get(youth), **only)
                if line is not None:
                    lines.append(line)
        return lines


def _last_ageing_year(point: Point, window: int) -> int:
    """The last birth year of a youth who may turn 26 within the window of the as-of
    date: whose 26th birthday, on 1 January at the earliest, is on or before the as-of
    date + the window."""
    return date.fromordinal(point.as_of.toordinal() + window).year - 26


def _followed(state: Situation) -> bool:
    """Whether `judge` may raise ageing-out (registered, support not closed)."""
    return state.registered and (state.support_open or state.support_since is None)


#: How many youths' facts `Views.lines` decodes at once (a bounded memory).
WALKED = 1000


def _decoded(texts: list[str]) -> list[Any]:
    """The JSON values of these texts (each a JSON array or object), decoded at once."""
    found: list[Any] = json.loads(f"[{','.join(texts)}]")
    return found


def caseload_rows(lines: Iterable[CaseloadLine]) -> list[Any]:
    """`pathways.queries.caseload_rows` (the typed rows), still found here by the
    benchmarks."""
    from pathways.queries import caseload_rows as rows

    return list(rows(lines))


def alert_rows(lines: Iterable[CaseloadLine], code: str | None = None) -> list[Any]:
    """`pathways.queries.alert_rows` (the typed rows), still found here by the benchmarks."""
    from pathways.queries import alert_rows as rows

    return list(rows(lines, code))
