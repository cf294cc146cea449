"""Cases (DOMAIN.md section 7): one youth's effective facts, dated up to the as-of date,
turned into one case per release dated in the period (or, for the community cohort,
one per start of community supervision), with its groups, the outcome of every
indicator (None when the release is not in its denominator, e.g. a window not yet
complete), and its delays."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from pathways.domain.events import (
    CommunitySupervisionEnded,
    CommunitySupervisionStarted,
    ContactMade,
    CounsellorAssigned,
    CustodyStatusChanged,
    EnrolledInMeasure,
    Fact,
    HandoverAcknowledged,
    Incarcerated,
    ProgrammeEntered,
    Released,
    ReleasePlanValidated,
    RightObtained,
    SituationStarted,
    SupportClosed,
    SupportStarted,
    YouthRegistered,
)
from pathways.domain.outcomes.groups import age_band, quarter_of
from pathways.domain.reference import ReferenceData

#: The kinds of facts the indicators look at.
READS: tuple[type[Fact], ...] = (
    YouthRegistered.Fact,
    SupportStarted.Fact,
    SupportClosed.Fact,
    CounsellorAssigned.Fact,
    HandoverAcknowledged.Fact,
    EnrolledInMeasure.Fact,
    Incarcerated.Fact,
    CustodyStatusChanged.Fact,
    Released.Fact,
    CommunitySupervisionStarted.Fact,
    CommunitySupervisionEnded.Fact,
    ContactMade.Fact,
    ReleasePlanValidated.Fact,
    RightObtained.Fact,
    ProgrammeEntered.Fact,
    SituationStarted.Fact,
)
CONTACTS_WINDOW = 180


@dataclass
class Case:
    """One release (or one start of community supervision) and what followed."""

    youth: str
    day: int  # r (or the start of the supervision), a date ordinal
    groups: dict[str, str]
    outcomes: dict[str, bool | None]
    first_contact: int | None = None  # days from custody start to the first contact
    mainstream: tuple[int, bool] = (0, False)  # (days, observed) for Kaplan-Meier
    reincarceration: tuple[int, bool] = (0, False)
    contacts_per_month: float | None = None
    #: what ended the follow-up to a mainstream entry: entry, as-of, next-custody,
    #: support-closed (the censoring rule of DOMAIN.md section 7)
    mainstream_end: str = "as-of"


@dataclass
class _Youth:
    """A youth's facts, sorted into what the indicators ask about."""

    facts: Sequence[Fact]
    contacts: list[int] = field(default_factory=list)
    entries: list[int] = field(default_factory=list)  # programme or situation entries
    custodies: list[int] = field(default_factory=list)  # Incarcerated days
    acks: list[int] = field(default_factory=list)  # HandoverAcknowledged days
    closures: list[int] = field(default_factory=list)
    rights: dict[str, int] = field(default_factory=dict)  # right -> first day obtained
    support: list[tuple[int, int | None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        opened: int | None = None
        for fact in self.facts:
            match fact:
                case ContactMade.Fact():
                    self.contacts.append(fact.on)
                case ProgrammeEntered.Fact() | SituationStarted.Fact():
                    self.entries.append(fact.on)
                case Incarcerated.Fact():
                    self.custodies.append(fact.on)
                case HandoverAcknowledged.Fact():
                    self.acks.append(fact.on)
                case RightObtained.Fact(right=right) if right is not None:
                    self.rights.setdefault(right, fact.on)
                case SupportStarted.Fact() if opened is None:
                    opened = fact.on
                case SupportClosed.Fact():
                    self.closures.append(fact.on)
                    if opened is not None:
                        self.support.append((opened, fact.on))
                        opened = None
        if opened is not None:
            self.support.append((opened, None))
        for days in (self.contacts, self.entries, self.custodies, self.acks, self.closures):
            days.sort()

    def any_in(self, days: list[int], low: int, high: int) -> bool:
        """Whether a day of the sorted list lies in [low, high]."""
        index = bisect_left(days, low)
        return index < len(days) and days[index] <= high

    def first_in(self, days: list[int], low: int, high: int) -> int | None:
        index = bisect_left(days, low)
        return days[index] if index < len(days) and days[index] <= high else None

    def active_days(self, low: int, high: int) -> int:
        """Days of [low, high) during which the support was active."""
        total = 0
        for start, end in self.support:
            stop = high if end is None else min(end, high)
            total += max(0, stop - max(start, low))
        return total


def _support_on(facts: Sequence[Fact], day: int, *, acknowledged: bool = True) -> str | None:
    """The support organisation at the end of a day (DOMAIN.md section 6); with
    `acknowledged=False`, leaving out a handover acknowledged on that very day (the
    organisation that had the youth to hand over)."""
    organisation: str | None = None
    for fact in facts:
        if fact.on > day:
            break
        match fact:
            case HandoverAcknowledged.Fact() if not acknowledged and fact.on == day:
                continue
            case SupportStarted.Fact() | CounsellorAssigned.Fact() | HandoverAcknowledged.Fact():
                organisation = fact.organisation
            case SupportClosed.Fact():
                organisation = None
    return organisation


def cases(
    youth: str,
    facts: Sequence[Fact],
    as_of: date,
    first: date,
    last: date,
    ref: ReferenceData,
    *,
    sex: str | None = None,
    birth_year: int | None = None,
    residence: str | None = None,
    cohort: str = "releases",
) -> list[Case]:
    """The cases of one youth: `facts` in life order, effective, dated up to `as_of`."""
    d, low, high = as_of.toordinal(), first.toordinal(), last.toordinal()
    facts = [f for f in facts if f.on <= d]
    seen = _Youth(facts)
    found: list[Case] = []
    custody: Incarcerated.Fact | None = None
    supervision: CommunitySupervisionStarted.Fact | None = None
    # Every enrolment, whatever its recording order: one dated on the release day but
    # recorded after the release still lies within [s, r].
    enrolments = [f for f in facts if isinstance(f, EnrolledInMeasure.Fact)]
    for fact in facts:
        match fact:
            case Incarcerated.Fact() if custody is None:
                custody = fact
            case Released.Fact() if custody is not None:
                if cohort == "releases" and low <= fact.on <= high:
                    found.append(_release_case(youth, fact, custody, enrolments, seen, d, ref))
                custody = None
            case CommunitySupervisionStarted.Fact() if supervision is None:
                supervision = fact
            case CommunitySupervisionEnded.Fact() if supervision is not None:
                if cohort == "community" and low <= supervision.on <= high:
                    found.append(_community_case(youth, supervision, fact.on, enrolments, seen, d))
                supervision = None
    if cohort == "community" and supervision is not None and low <= supervision.on <= high:
        found.append(_community_case(youth, supervision, d, enrolments, seen, d))
    for case in found:
        case.groups["sex"] = sex or "unknown"
        # The band kept with the release (or the start of the supervision); else,
        # for an event stored without it and whose birth date is gone, the birth year.
        case.groups.setdefault("age-band", age_band(birth_year, case.day))
        if cohort == "community":
            case.groups["territory"] = residence or "unknown"
    return found


def _measure(enrolments: Sequence[EnrolledInMeasure.Fact], low: int, high: int) -> str:
    """The latest measure enrolled in within [low, high], or `none`."""
    within = [f for f in enrolments if low <= f.on <= high]
    if not within:
        return "none"
    return max(within, key=lambda f: (f.on, f.seq)).measure or "none"


def _release_case(
    youth: str,
    release: Released.Fact,
    custody: Incarcerated.Fact,
    enrolments: Sequence[EnrolledInMeasure.Fact],
    seen: _Youth,
    d: int,
    ref: ReferenceData,
) -> Case:
    r, s = release.on, custody.on
    destination = release.destination or "unknown"
    bands = [b for f in _statements(seen.facts, custody, r) if (b := f.sentence_band) is not None]
    plans = [f for f in seen.facts if isinstance(f, ReleasePlanValidated.Fact) and s <= f.on <= r]
    latest_plan = max(plans, key=lambda f: (f.on, f.seq)) if plans else None
    organisation = _support_on(seen.facts, r)
    # A handover acknowledged on r itself lies in [r, r + 30]: the release had to be
    # handed over by the organisation in charge before that acknowledgement.
    handing_over = _support_on(seen.facts, r, acknowledged=False)
    rights = seen.rights

    def window(days: int) -> bool:
        return r + days <= d

    handover: bool | None = None
    if handing_over is not None and not ref.serves(handing_over, destination) and window(30):
        handover = seen.any_in(seen.acks, r, r + 30)
    outcomes: dict[str, bool | None] = {
        "met-before-release": seen.any_in(seen.contacts, s, r),
        "planned-release": latest_plan is not None,
        "complete-plan-at-release": latest_plan is not None and latest_plan.complete,
        "adjusted-release": (
            None if release.kind == "remand-ended" else release.kind != "end-of-sentence"
        ),
        "rights-at-release": all(
            rights.get(right, r + 1) <= r for right in ("id-document", "health-insurance")
        ),
        "contact-within-30d": seen.any_in(seen.contacts, r, r + 30) if window(30) else None,
        "handover-within-30d": handover,
    }
    for days in (90, 180):
        outcomes[f"mainstream-within-{days}d"] = (
            seen.any_in(seen.entries, r, r + days) if window(days) else None
        )
    for days in (180, 365):
        outcomes[f"reincarcerated-within-{days}d"] = (
            seen.any_in(seen.custodies, r + 1, r + days) if window(days) else None
        )
    first_contact = seen.first_in(seen.contacts, s, r)
    case = Case(
        youth=youth,
        day=r,
        groups={
            "territory": destination,
            "measure": _measure(enrolments, s, r),
            "quarter": quarter_of(r),
            "organisation": organisation or "none",
            "sentence-band": bands[-1] if bands else "unknown",
            **_kept_band(release),
        },
        outcomes=outcomes,
        first_contact=None if first_contact is None else first_contact - s,
    )
    _follow_up(case, seen, r, d)
    return case


def _kept_band(start: Released.Fact | CommunitySupervisionStarted.Fact) -> dict[str, str]:
    """The exact age band kept with a release or a start of supervision."""
    return {"age-band": start.age_band} if start.age_band is not None else {}


def _statements(
    facts: Sequence[Fact], custody: Incarcerated.Fact, r: int
) -> list[Incarcerated.Fact | CustodyStatusChanged.Fact]:
    """What was stated of a custody from s to r: its `Incarcerated`, then the
    `CustodyStatusChanged` dated within it (both ends included, whatever their recording
    order), by date then recording order. A change dated r belongs to a new custody begun
    that day, if any."""
    renewed = any(
        isinstance(f, Incarcerated.Fact) and f.on == r and f is not custody for f in facts
    )
    changes: list[Incarcerated.Fact | CustodyStatusChanged.Fact] = [
        f
        for f in facts
        if isinstance(f, CustodyStatusChanged.Fact)
        and custody.on <= f.on <= r
        and not (renewed and f.on == r)
    ]
    return sorted([custody, *changes], key=lambda f: (f.on, f.seq))


def _community_case(
    youth: str,
    start: CommunitySupervisionStarted.Fact,
    end: int,
    enrolments: Sequence[EnrolledInMeasure.Fact],
    seen: _Youth,
    d: int,
) -> Case:
    v = start.on
    outcomes: dict[str, bool | None] = {
        "contact-within-30d": seen.any_in(seen.contacts, v, v + 30) if v + 30 <= d else None
    }
    for days in (90, 180):
        outcomes[f"mainstream-within-{days}d"] = (
            seen.any_in(seen.entries, v, v + days) if v + days <= d else None
        )
    for days in (180, 365):
        outcomes[f"incarcerated-within-{days}d"] = (
            seen.any_in(seen.custodies, v + 1, v + days) if v + days <= d else None
        )
    first_contact = seen.first_in(seen.contacts, v, end)
    case = Case(
        youth=youth,
        day=v,
        groups={
            "measure": _measure(enrolments, v, end),
            "quarter": quarter_of(v),
            "organisation": _support_on(seen.facts, v) or "none",
            "sentence-band": "n/a",
            **_kept_band(start),
        },
        outcomes=outcomes,
        first_contact=None if first_contact is None else first_contact - v,
    )
    _follow_up(case, seen, v, d)
    return case


def _follow_up(case: Case, seen: _Youth, r: int, d: int) -> None:
    """Delays after r: to a mainstream entry (censored), to a new custody, contacts."""
    next_custody = seen.first_in(seen.custodies, r + 1, d)
    closure = seen.first_in(seen.closures, r, d)
    censor = min(x for x in (d, next_custody, closure) if x is not None)
    entry = seen.first_in(seen.entries, r, censor)
    case.mainstream = (entry - r, True) if entry is not None else (censor - r, False)
    if entry is not None:
        case.mainstream_end = "entry"
    elif censor == next_custody:
        case.mainstream_end = "next-custody"
    elif censor == closure and closure != d:
        case.mainstream_end = "support-closed"
    case.reincarceration = (next_custody - r, True) if next_custody is not None else (d - r, False)
    if r + CONTACTS_WINDOW <= d:
        active = seen.active_days(r, r + CONTACTS_WINDOW)
        if active > 0:
            low = bisect_left(seen.contacts, r)
            high = bisect_right(seen.contacts, r + CONTACTS_WINDOW - 1)
            inside = [c for c in seen.contacts[low:high] if seen.active_days(c, c + 1) > 0]
            case.contacts_per_month = len(inside) * 30 / active
