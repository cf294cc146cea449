"""Work lists: which caseload lines a `caseload` or an `alerts` read keeps.

Every filter is optional and they combine (all must hold). Each is checked against the
reference data of the read's point, like a write's fields: an unknown code names the
valid ones (`BadFilter`, a usage error on the command line). The query layer
(`pathways.queries`) turns the lines kept into rows; the command line and the Python
API both come through here. Definitions for readers: docs/alerts.md, "Work lists".

`--organisation spip-35` is the probation service's list: the SPIP records custodies
and supervisions but follows nobody as a Mission Locale does, so its caseload is every
youth in custody or under community supervision on the date, followed or not
(`alerts.supervised`), and its alerts those that concern the preparation of a release
(`alert_catalogue.SPIP_ALERTS`), whoever follows the youth.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING

from pathways.access import ADMIN, COUNSELLOR, CPIP
from pathways.domain.alert_catalogue import ALERT_CODES, SPIP_ALERTS
from pathways.domain.alert_walk import situation
from pathways.domain.alerts import CaseloadLine
from pathways.domain.errors import BadFilter
from pathways.domain.events import REFERENCE_PATTERN
from pathways.domain.reference import PROBATION_SERVICE, ReferenceData
from pathways.i18n import N_, _

if TYPE_CHECKING:
    from pathways.projections.reads import Point, YouthRecord
    from pathways.projections.views import Views


#: What a filter naming an unknown code says, by kind of code.
UNKNOWN = {
    "organisation": N_("'{code}' is not a known organisation (valid: {valid})"),
    "facility": N_("'{code}' is not a known facility (valid: {valid})"),
    "territory": N_("'{code}' is not a known territory (valid: {valid})"),
    "alert": N_("'{code}' is not a known alert (valid: {valid})"),
}


@dataclass(frozen=True)
class WorkList:
    """The filters of a caseload or alerts read (None / False: no filter)."""

    organisation: str | None = None  # a Mission Locale, or spip-35 (see the module)
    counsellor: str | None = None
    youth: str | None = None
    releasing_within: int | None = None  # days: in custody, expected release by then
    no_counsellor: bool = False  # followed (support not closed), no counsellor named
    facility: str | None = None  # in custody there on the date
    territory: str | None = None  # `Situation.territory`
    since: date | None = None  # alerts only: open since that day or later
    alert: str | None = None  # alerts only: of that code

    @property
    def spip(self) -> bool:
        """The probation service's list (see the module)."""
        return self.organisation == PROBATION_SERVICE

    def check(self, ref: ReferenceData, point: Point) -> None:
        """Raise `BadFilter` for the first filter that cannot hold at the point."""
        for option, code, valid, message in (
            ("organisation", self.organisation, ref.organisations, UNKNOWN["organisation"]),
            ("facility", self.facility, list(ref.facilities), UNKNOWN["facility"]),
            ("territory", self.territory, sorted(ref.territories), UNKNOWN["territory"]),
            ("alert", self.alert, list(ALERT_CODES), UNKNOWN["alert"]),
        ):
            if code is not None and code not in valid:
                msg = _(message).format(code=code, valid=", ".join(valid))
                raise BadFilter(option, msg)
        self.check_spip_alert()
        if self.releasing_within is not None and self.releasing_within < 0:
            msg = _("{n} days: expected a number of days, 0 or more").format(
                n=self.releasing_within
            )
            raise BadFilter("releasing-within", msg)
        if self.since is not None and self.since > point.as_of:
            msg = _("{since} is after the as-of date {as_of}: nothing can be open since").format(
                since=self.since, as_of=point.as_of
            )
            raise BadFilter("since", msg)
        problem = None if self.youth is None else reference_problem(self.youth)
        if problem is not None:
            raise BadFilter("youth", problem)

    def check_spip_alert(self) -> None:
        """The probation service's list has only its own alerts (`SPIP_ALERTS`): asked of
        the list as given, and again once scoped (a CPIP's list is the SPIP's)."""
        if self.spip and self.alert is not None and self.alert not in SPIP_ALERTS:
            msg = _(
                "'{code}' is not one of the probation service's alerts (its alerts: {valid})"
            ).format(code=self.alert, valid=", ".join(SPIP_ALERTS))
            raise BadFilter("alert", msg)

    def keeps(self, line: CaseloadLine, day: date) -> bool:
        """Whether a line passes every filter on a line (`since` and `alert` are filters
        on its alerts: `queries.alert_rows`)."""
        mission_locale = None if self.spip else self.organisation
        if mission_locale is not None and line.organisation != mission_locale:
            return False
        if self.counsellor is not None and line.counsellor != self.counsellor:
            return False
        if self.no_counsellor and (line.support == "closed" or line.counsellor is not None):
            return False
        if self.facility is not None and line.facility != self.facility:
            return False
        if self.territory is not None and line.territory != self.territory:
            return False
        if self.releasing_within is not None:
            expected = line.expected_release_on
            if expected is None or (expected - day).days > self.releasing_within:
                return False
        return self.youth is None or line.youth == self.youth


@dataclass(frozen=True)
class Selection:
    """The lines a work list keeps, in its order, and what the reader should be told."""

    lines: list[CaseloadLine]
    #: the work list within the acting user's rights (`scoped`): a CPIP's is the SPIP's
    work: WorkList
    warnings: tuple[str, ...] = ()


def reference_problem(youth: str) -> str | None:
    """Why a text is not a young person's reference, or None when it is one."""
    if re.match(REFERENCE_PATTERN, youth) and len(youth) <= 40:
        return None
    return _("'{youth}' is not a young person's reference (e.g. Y-2026-0042)").format(youth=youth)


def youth_problem(youth: str, record: YouthRecord | None, point: Point) -> str | None:
    """Why no read shows a youth at the point, or None when it can."""
    if record is None:
        if point.known_at:
            return _("{youth} is not registered in this store as known at {known_at}").format(
                youth=youth, known_at=point.known_at
            )
        return _("{youth} is not registered in this store").format(youth=youth)
    if record.erased:
        return _("{youth} was erased: no view shows them any more").format(youth=youth)
    if record.registered_on > point.as_of:
        return _("{youth} was registered on {on}, after {as_of}").format(
            youth=youth, on=record.registered_on, as_of=point.as_of
        )
    return None


def select(views: Views, point: Point, work: WorkList, *, for_alerts: bool = False) -> Selection:
    """The caseload lines of the work list at the point (`for_alerts`: the lines whose
    alerts an alerts read lists, which for the SPIP is everyone's, not only the youths
    in custody or supervision). A work list on expected releases is sorted by the
    expected release, then the youth; any other by the youth."""
    ref = views.reference(point)
    work.check(ref, point)
    if work.youth is not None:
        problem = youth_problem(work.youth, views.record(point, work.youth), point)
        if problem is not None:
            raise BadFilter("youth", problem)
    work = scoped(views, point, ref, work)
    work.check_spip_alert()
    youths = None if work.youth is None else [work.youth]
    who = work.counsellor
    if work.spip:
        lines = views.lines(point, youths, supervised_only=not for_alerts)
    else:
        # Computed only for the youths such a filter may keep (a superset, found in SQL);
        # the exact filter follows. A counsellor's youths are found before the
        # organisation's filter: whether anyone has that counsellor is said whatever
        # the organisation asked for.
        among = views.candidates(point, None if who else work.organisation, who)
        # An alerts read lists the lines with an open alert: the others are not built,
        # but for a counsellor's list (whether anyone has them is said, alerts or not).
        lines = views.lines(point, youths, among=among, alerting=for_alerts and who is None)
    warnings: tuple[str, ...] = ()
    everyone = youths is None and not work.spip  # the lines of all the counsellor's youths
    if who is not None and everyone and all(line.counsellor != who for line in lines):
        warnings = (_("no young person has counsellor {who} on that date").format(who=who),)
    kept = [line for line in lines if work.keeps(line, point.as_of)]
    if work.releasing_within is not None:
        kept.sort(key=lambda line: (line.expected_release_on or date.max, line.youth))
    return Selection(kept, work, warnings)


def scoped(views: Views, point: Point, ref: ReferenceData, work: WorkList) -> WorkList:
    """The work list within the acting user's rights (`pathways.access`): a counsellor's
    is their organisation's (and a youth granted to them), a CPIP's the probation
    service's; an analyst reads no list; another organisation's list is refused."""
    access = getattr(views.app, "access", None)
    if access is None:
        return work
    user = access.at(ref)
    if user.role == ADMIN:
        return work
    if user.role not in (COUNSELLOR, CPIP):
        msg = _(
            "caseloads and alerts name youths: analysts read aggregates and pseudonymised "
            "exports; you are {user}"
        ).format(user=user.name)
        raise access.refused(msg, work.youth)
    own = user.organisation if user.role == COUNSELLOR else PROBATION_SERVICE
    if work.organisation not in (None, own):
        msg = _(
            "--organisation {organisation} is another organisation's list; you are {own}"
        ).format(organisation=work.organisation, own=own)
        raise access.refused(msg, work.youth)
    if work.youth is not None:
        record = views.record(point, work.youth)
        assert record is not None  # (youth_problem said so otherwise)
        from pathways.youth_card import scope

        scope(views, point, ref, work.youth, situation(record.facts))  # or refused
        if user.role == COUNSELLOR and situation(record.facts).organisation != own:
            return replace(work, organisation=None)  # a youth granted to them
    return replace(work, organisation=own)


__all__ = ["Selection", "WorkList", "reference_problem", "scoped", "select", "youth_problem"]
