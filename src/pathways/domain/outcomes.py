"""Indicators for evaluators (DOMAIN.md section 7), as pure functions of facts.

`cases(...)` turns one youth's effective facts (dated up to the as-of date)
into *cases*: one per release dated in the period (or, for the community
cohort, one per start of community supervision), each with its groups, the
outcome of every indicator (None when the release is not in its denominator,
e.g. a window not yet complete), and its delays. `tabulate(...)` counts them
per group with Wilson intervals and applies the suppression rule;
`compare(...)` sets groups against a reference with Newcombe intervals.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import product
from typing import Any

from pathways.domain.events import (
    EVENT_TYPES,
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
from pathways.domain.reference import ReferenceData
from pathways.domain.rules import age_on
from pathways.domain.stats import kaplan_meier, newcombe, quartiles, wilson

RELEASE_INDICATORS: dict[str, int | None] = {  # code -> window in days (None: at release)
    "met-before-release": None,
    "planned-release": None,
    "complete-plan-at-release": None,
    "adjusted-release": None,
    "rights-at-release": None,
    "contact-within-30d": 30,
    "mainstream-within-90d": 90,
    "mainstream-within-180d": 180,
    "reincarcerated-within-180d": 180,
    "reincarcerated-within-365d": 365,
    "handover-within-30d": 30,
}
COMMUNITY_INDICATORS: dict[str, int | None] = {
    "contact-within-30d": 30,
    "mainstream-within-90d": 90,
    "mainstream-within-180d": 180,
    "incarcerated-within-180d": 180,
    "incarcerated-within-365d": 365,
}
DELAYS = ("days-to-first-contact", "days-to-mainstream", "contacts-per-month")
DIMENSIONS = ("territory", "measure", "quarter", "organisation", "sentence-band", "sex", "age-band")
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


def quarter_of(ordinal: int) -> str:
    day = date.fromordinal(ordinal)
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


#: The events whose stored form keeps the age band reached on their date, computed from
#: the birth date when they are written (the registration's band is the process-mining
#: case attribute; the others group the two cohorts).
AGE_BAND_EVENTS = frozenset(k for k, cls in EVENT_TYPES.items() if "age_band" in cls.derived)


def band_of(age: int) -> str:
    """The age band of an age in full years: 16-17, 18-20, 21-25 or 26+."""
    if age < 18:
        return "16-17"
    if age <= 20:
        return "18-20"
    if age <= 25:
        return "21-25"
    return "26+"


def exact_age_band(birth: date, day: date) -> str:
    """The band of the exact age on a day. The birth date is personal: this is computed
    while the youth's key exists, and the band (not personal) is kept with the event."""
    return band_of(age_on(birth, day))


def age_band(birth_year: int | None, ordinal: int) -> str:
    """From the birth year alone: the age reached that year (up to a year too old). The
    fallback for events stored before their band was kept with them, once the birth date
    can no longer be read."""
    if birth_year is None:
        return "unknown"
    return band_of(date.fromordinal(ordinal).year - birth_year)


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


# --- tables -------------------------------------------------------------------------------


def group_key(case: Case, by: Sequence[str]) -> tuple[str, ...]:
    return tuple(case.groups[dimension] for dimension in by)


def tabulate(
    found: Iterable[Case],
    by: Sequence[str],
    indicators: dict[str, int | None],
    min_n: int,
) -> list[dict[str, Any]]:
    """Rate and delay rows per group (and for the whole cohort, group `all`)."""
    everything = list(found)
    groups: dict[tuple[str, ...], list[Case]] = {}
    for case in everything:
        groups.setdefault(group_key(case, by), []).append(case)
    ordered = [(("all",) * max(1, len(by)), everything, True)]
    if by:
        ordered += [(key, groups[key], False) for key in sorted(groups)]
    rows: list[dict[str, Any]] = []
    for key, members, whole in ordered:
        labels = {"group": "all" if whole else "/".join(key)}
        labels.update(
            {
                dim: ("all" if whole else value)
                for dim, value in zip(by, key[: len(by)], strict=True)
            }
        )
        for indicator, days in indicators.items():
            rows.append(rate_row(indicator, days, members, labels, min_n))
        for delay in DELAYS:
            rows.append(delay_row(delay, members, labels, min_n))
    _suppress_complements(rows)
    _withhold_contact_counts(rows)
    return rows


def _withhold_contact_counts(rows: list[dict[str, Any]]) -> None:
    """The n of `days-to-first-contact` is the k of `met-before-release` (the releases with
    a contact in [s, r]) of the same group: when that k is withheld, so is that n."""
    withheld = {
        row["group"]
        for row in rows
        if row["indicator"] == "met-before-release" and row["suppressed"]
    }
    for row in rows:
        if row["indicator"] == "days-to-first-contact" and row["group"] in withheld:
            if not row["suppressed"]:
                row["secondary"] = True
            row.update(n=None, median=None, q1=None, q3=None, suppressed=True)


def _suppress_complements(rows: list[dict[str, Any]]) -> None:
    """Secondary suppression: when a single group of an indicator is suppressed, the
    total minus the other groups would give it away, so the next smallest group is
    withheld too."""
    by_indicator: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if row["group"] != "all" and "rate" in row:
            by_indicator.setdefault(row["indicator"], []).append(row)
    for members in by_indicator.values():
        hidden = [r for r in members if r["suppressed"] and r["n"] > 0]
        shown = [r for r in members if not r["suppressed"]]
        if len(hidden) == 1 and shown:
            smallest = min(shown, key=lambda r: r["n"])
            smallest.update(k=None, rate=None, ci_low=None, ci_high=None, suppressed=True)
            smallest["secondary"] = True


def rate_row(
    indicator: str,
    window: int | None,
    members: Sequence[Case],
    labels: dict[str, str],
    min_n: int,
) -> dict[str, Any]:
    values = [c.outcomes.get(indicator) for c in members]
    n = sum(v is not None for v in values)
    k = sum(v is True for v in values)
    row: dict[str, Any] = {"indicator": indicator, **labels, "n": n, "window_days": window}
    if n < min_n:
        row.update(k=None, rate=None, ci_low=None, ci_high=None, suppressed=True)
    else:
        low, high = wilson(k, n)
        row.update(k=k, rate=k / n, ci_low=low, ci_high=high, suppressed=False)
    return row


def delay_row(
    delay: str, members: Sequence[Case], labels: dict[str, str], min_n: int
) -> dict[str, Any]:
    row: dict[str, Any] = {"indicator": delay, **labels}
    median = q1 = q3 = None
    censored = None
    if delay == "days-to-mainstream":
        n = len(members)
        if n >= min_n:
            curve = kaplan_meier(
                [c.mainstream[0] for c in members], [c.mainstream[1] for c in members]
            )
            q1, median, q3 = curve.quantile(0.75), curve.quantile(0.5), curve.quantile(0.25)
        censored = sum(not c.mainstream[1] for c in members)
    else:
        values = [
            v
            for v in (
                c.first_contact if delay == "days-to-first-contact" else c.contacts_per_month
                for c in members
            )
            if v is not None
        ]
        n = len(values)
        if n >= min_n:
            q1, median, q3 = quartiles(values)
    row.update(n=n, median=median, q1=q1, q3=q3, suppressed=n < min_n)
    if censored is not None:
        row["censored"] = censored if n >= min_n else None
    return row


# --- comparisons ----------------------------------------------------------------------------


def compare(
    found: Sequence[Case],
    by: str,
    indicators: dict[str, int | None],
    min_n: int,
    reference: str | None,
    measure_territories: dict[str, str],
    small: int = 20,
) -> list[dict[str, Any]]:
    """Each group against its reference, for each indicator (Newcombe hybrid intervals).

    Territories: each against `reference` (a territory), or the rest of the
    département. Measures: enrolled against not enrolled, on the measure's
    territory (release destination), unless `reference` names another group.
    """
    values = sorted({c.groups[by] for c in found} - ({"none"} if by == "measure" else set()))
    rows: list[dict[str, Any]] = []
    for value, indicator in product(values, indicators):
        if value == reference:
            continue
        group = [c for c in found if c.groups[by] == value]
        if reference is not None:
            against = [c for c in found if c.groups[by] == reference]
            label = reference
        elif by == "measure":
            territory = measure_territories.get(value)
            against = [
                c
                for c in found
                if c.groups["measure"] == "none" and c.groups["territory"] == territory
            ]
            label = f"none ({territory})"
        else:
            against = [c for c in found if c.groups[by] != value]
            label = f"not {value}"
        rows.append(_comparison(indicator, value, label, group, against, min_n, small))
    return rows


def _comparison(
    indicator: str,
    value: str,
    label: str,
    group: Sequence[Case],
    against: Sequence[Case],
    min_n: int,
    small: int,
) -> dict[str, Any]:
    def counts(members: Sequence[Case]) -> tuple[int, int]:
        outcomes = [c.outcomes.get(indicator) for c in members]
        return sum(o is True for o in outcomes), sum(o is not None for o in outcomes)

    k1, n1 = counts(group)
    k2, n2 = counts(against)
    row: dict[str, Any] = {
        "indicator": indicator,
        "group": value,
        "reference": label,
        "n": n1,
        "n_reference": n2,
    }
    if n1 < min_n or n2 < min_n:
        row.update(
            rate=None, rate_reference=None, difference=None, ci_low=None, ci_high=None,
            flagged=False, suppressed=True, warning="suppressed: fewer than "
            f"{min_n} releases on one side",
        )  # fmt: skip
        return row
    difference, low, high = newcombe(k1, n1, k2, n2)
    warning = (
        f"too few releases to say anything (n < {small} on one side)"
        if min(n1, n2) < small
        else None
    )
    row.update(
        rate=k1 / n1,
        rate_reference=k2 / n2,
        difference=difference,
        ci_low=low,
        ci_high=high,
        flagged=low > 0 or high < 0,
        suppressed=False,
        warning=warning,
    )
    return row
