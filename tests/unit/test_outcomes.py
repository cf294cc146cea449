"""Indicators for evaluators (DOMAIN.md section 7): the pure `cases`, `tabulate`, `compare`.

No database: facts are built from interchange-format states with `fact_from_state`,
numbered in recording order, put in life order with `in_life_order`, and handed to
`outcomes.cases` as of a date. A retracted step is simply absent from the facts
(the read model leaves it out). Tables and comparisons are checked on cases built
by hand, so that every count is known.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest

from pathways.domain import outcomes
from pathways.domain.facts import Fact, fact_from_state, in_life_order
from pathways.domain.outcomes import (
    COMMUNITY_INDICATORS,
    DELAYS,
    RELEASE_INDICATORS,
    Case,
    compare,
    delay_row,
    dicts,
    rate_row,
    tabulate,
)
from pathways.domain.reference import ReferenceData
from pathways.domain.stats import kaplan_meier, newcombe, quartiles, wilson

YOUTH = "Y-2026-0042"
REF = ReferenceData()
S = date(2026, 1, 10)  # the start of the custody in most tests
R = date(2026, 3, 10)  # its release
FIRST, LAST = date(2026, 1, 1), date(2026, 3, 31)  # the period (2026-Q1)
FAR = date(2027, 6, 30)  # an as-of date after every window of a release on R
SUPPORTED = date(2026, 1, 12)  # the support by we-ker begins (S + 2)

DEFAULTS: dict[str, dict[str, Any]] = {
    "YouthRegistered": {"residence": "rennes", "sex": "male"},
    "SupportStarted": {"organisation": "we-ker", "counsellor": "c-wk-01"},
    "SupportClosed": {"reason": "autonomy"},
    "CounsellorAssigned": {"organisation": "we-ker", "counsellor": "c-wk-02"},
    "HandedOver": {"to_organisation": "ml-saint-malo"},
    "HandoverAcknowledged": {"organisation": "ml-saint-malo"},
    "EnrolledInMeasure": {"measure": "job-dating-vezin"},
    "Incarcerated": {
        "facility": "cp-rennes-vezin",
        "status": "sentenced",
        "sentence_band": "under-6-months",
    },
    "CustodyStatusChanged": {"status": "sentenced"},
    "Released": {"kind": "end-of-sentence", "destination": "rennes"},
    "CommunitySupervisionStarted": {"measure": "probation"},
    "CommunitySupervisionEnded": {},
    "ContactMade": {"channel": "in-prison", "organisation": "we-ker"},
    "ReleasePlanValidated": {
        "housing": True,
        "income": True,
        "id_document": True,
        "health_cover": True,
    },
    "RightObtained": {"right": "id-document"},
    "ProgrammeEntered": {"programme": "cej"},
    "SituationStarted": {"situation": "training"},
}
INCOMPLETE_PLAN = {"housing": True, "income": False, "id_document": True, "health_cover": True}


def plus(day: date, days: int) -> date:
    return day + timedelta(days=days)


class Life:
    """One youth's facts, numbered in the order they are added (the recording order)."""

    def __init__(
        self,
        *,
        birth_year: int | None = 2004,
        residence: str = "rennes",
        sex: str | None = "male",
        support: date | None = SUPPORTED,
        youth: str = YOUTH,
    ) -> None:
        self.youth = youth
        self.birth_year = birth_year
        self.residence = residence
        self.sex = sex
        self.facts: list[Fact] = []
        registration: dict[str, Any] = {"residence": residence}
        if sex is not None:
            registration["sex"] = sex
        if birth_year is not None:
            registration["birth_year"] = birth_year
        self.add("YouthRegistered", date(2025, 12, 1), **registration)
        if support is not None:
            self.add("SupportStarted", support)

    def add(self, kind: str, on: date, /, **fields: Any) -> Fact:
        state: dict[str, Any] = {
            "type": kind,
            "youth": self.youth,
            "occurred_on": on.isoformat(),
            "id": str(uuid.uuid4()),
            **DEFAULTS[kind],
        }
        for name, value in fields.items():
            if value is None:
                state.pop(name, None)
            else:
                state[name] = value.isoformat() if isinstance(value, date) else value
        fact = fact_from_state(kind, state, len(self.facts) + 1)
        self.facts.append(fact)
        return fact

    def custody(self, s: date = S, r: date = R, **released: Any) -> Life:
        self.add("Incarcerated", s)
        self.add("Released", r, **released)
        return self

    def cases(
        self,
        as_of: date = FAR,
        first: date = FIRST,
        last: date = LAST,
        *,
        cohort: str = "releases",
        without: tuple[Fact, ...] = (),
    ) -> list[Case]:
        facts = [f for f in self.facts if all(f is not gone for gone in without)]
        return outcomes.cases(
            self.youth,
            in_life_order(facts),
            as_of,
            first,
            last,
            REF,
            sex=self.sex,
            birth_year=self.birth_year,
            residence=self.residence,
            cohort=cohort,
        )

    def case(self, as_of: date = FAR, **options: Any) -> Case:
        found = self.cases(as_of, **options)
        assert len(found) == 1, found
        return found[0]


def released(**fields: Any) -> Life:
    """A youth supported by we-ker, in custody from S, released on R."""
    return Life().custody(**fields)


def n_of(indicator: str, found: list[Case]) -> int:
    return rate_row(indicator, None, found, {"group": "all"}, 1).as_dict()["n"]


# --- the cohort ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("release", "counted"),
    [
        (FIRST, True),
        (LAST, True),
        (plus(FIRST, -1), False),
        (plus(LAST, 1), False),
    ],
)
def test_a_release_counts_on_the_first_and_the_last_day_of_the_period(
    release: date, counted: bool
) -> None:
    life = Life(support=None).custody(plus(release, -40), release)
    found = life.cases()
    assert len(found) == int(counted)
    if counted:
        assert found[0].day == release.toordinal()
        assert found[0].youth == YOUTH


def test_each_release_is_a_case_and_only_those_dated_up_to_the_as_of_date() -> None:
    life = released().custody(plus(R, 5), plus(R, 15))
    assert [c.day for c in life.cases()] == [R.toordinal(), plus(R, 15).toordinal()]
    # As of the day before the second release, the second custody is still open.
    assert [c.day for c in life.cases(plus(R, 14))] == [R.toordinal()]
    # A release after the as-of date is not known yet.
    assert life.cases(plus(R, -1)) == []


def test_a_release_case_has_every_release_indicator_and_no_community_one() -> None:
    case = released().case()
    assert set(case.outcomes) == set(RELEASE_INDICATORS)
    assert "incarcerated-within-180d" not in case.outcomes


# --- window indicators ---------------------------------------------------------------------


def _contact(life: Life, on: date) -> None:
    life.add("ContactMade", on, channel="office")


def _entry(life: Life, on: date) -> None:
    life.add("ProgrammeEntered", on)


def _custody(life: Life, on: date) -> None:
    life.add("Incarcerated", on)


def _ack(life: Life, on: date) -> None:
    life.add("HandedOver", plus(R, -3))
    life.add("HandoverAcknowledged", on)


WINDOWS = [
    ("contact-within-30d", 30, _contact),
    ("mainstream-within-90d", 90, _entry),
    ("mainstream-within-180d", 180, _entry),
    ("reincarcerated-within-180d", 180, _custody),
    ("reincarcerated-within-365d", 365, _custody),
    ("handover-within-30d", 30, _ack),
]


@pytest.mark.parametrize(("indicator", "window", "step"), WINDOWS)
def test_a_window_counts_when_it_ends_on_the_as_of_date_not_one_day_before(
    indicator: str, window: int, step: Any
) -> None:
    life = released(destination="saint-malo")
    assert RELEASE_INDICATORS[indicator] == window
    end = plus(R, window)
    step(life, end)  # the outcome on the last day of the window
    complete = life.case(end)
    assert complete.outcomes[indicator] is True
    assert n_of(indicator, [complete]) == 1
    short = life.case(plus(end, -1))
    assert short.outcomes[indicator] is None
    assert n_of(indicator, [short]) == 0
    # Without the outcome, a complete window is a release without it (in n, not in k).
    bare = released(destination="saint-malo").case(end)
    assert bare.outcomes[indicator] is False
    row = rate_row(indicator, window, [bare, complete, short], {"group": "all"}, 1).as_dict()
    assert (row["n"], row["k"]) == (2, 1)


@pytest.mark.parametrize(("indicator", "window", "step"), WINDOWS)
def test_an_outcome_one_day_after_the_window_does_not_count(
    indicator: str, window: int, step: Any
) -> None:
    life = released(destination="saint-malo")
    step(life, plus(R, window + 1))
    assert life.case().outcomes[indicator] is False


@pytest.mark.parametrize(("indicator", "window", "step"), WINDOWS[:3])
def test_a_contact_or_an_entry_on_the_day_of_release_counts(
    indicator: str, window: int, step: Any
) -> None:
    life = released()
    step(life, R)
    assert life.case().outcomes[indicator] is True


def test_reincarceration_on_r_plus_180_counts_for_180_days_on_r_plus_181_only_for_365() -> None:
    on_180 = released()
    on_180.add("Incarcerated", plus(R, 180))
    assert on_180.case().outcomes["reincarcerated-within-180d"] is True
    assert on_180.case().outcomes["reincarcerated-within-365d"] is True
    on_181 = released()
    on_181.add("Incarcerated", plus(R, 181))
    assert on_181.case().outcomes["reincarcerated-within-180d"] is False
    assert on_181.case().outcomes["reincarcerated-within-365d"] is True
    on_366 = released()
    on_366.add("Incarcerated", plus(R, 366))
    assert on_366.case().outcomes["reincarcerated-within-365d"] is False


@pytest.mark.parametrize("recorded_first", [True, False])
def test_a_new_custody_on_the_day_of_release_is_not_a_reincarceration(
    recorded_first: bool,
) -> None:
    """The interval is (r, r + N]: a release and a new custody on one day (the release
    first, whatever the recording order) is a transfer, not a return."""
    life = Life()
    life.add("Incarcerated", S)
    if recorded_first:
        life.add("Incarcerated", R)
        life.add("Released", R)
    else:
        life.add("Released", R)
        life.add("Incarcerated", R)
    case = life.case()
    assert case.day == R.toordinal()
    assert case.outcomes["reincarcerated-within-180d"] is False
    assert case.outcomes["reincarcerated-within-365d"] is False
    assert case.reincarceration == (FAR.toordinal() - R.toordinal(), False)


# --- indicators at release -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "expected"),
    [("s-1", False), ("s", True), ("s+1", True), ("r", True), ("r+1", False)],
)
@pytest.mark.parametrize(
    ("kind", "indicator"),
    [("ContactMade", "met-before-release"), ("ReleasePlanValidated", "planned-release")],
)
def test_met_before_release_and_planned_release_look_at_s_to_r_inclusive(
    offset: str, expected: bool, kind: str, indicator: str
) -> None:
    day = {"s-1": plus(S, -1), "s": S, "s+1": plus(S, 1), "r": R, "r+1": plus(R, 1)}[offset]
    life = released()
    life.add(kind, day)
    assert life.case().outcomes[indicator] is expected


def test_a_retracted_contact_does_not_count() -> None:
    life = released()
    before = life.add("ContactMade", plus(S, 3))
    after = life.add("ContactMade", plus(R, 3), channel="office")
    case = life.case()
    assert case.outcomes["met-before-release"] is True
    assert case.outcomes["contact-within-30d"] is True
    assert case.first_contact == 3
    gone = life.case(without=(before, after))
    assert gone.outcomes["met-before-release"] is False
    assert gone.outcomes["contact-within-30d"] is False
    assert gone.first_contact is None


def test_a_contact_of_an_earlier_custody_is_not_met_before_this_release() -> None:
    life = Life()
    life.add("Incarcerated", date(2025, 6, 1))
    life.add("ContactMade", date(2025, 6, 10))
    life.add("Released", date(2025, 8, 1))
    life.custody()
    case = life.case()
    assert case.outcomes["met-before-release"] is False
    assert case.outcomes["planned-release"] is False


@pytest.mark.parametrize(
    ("plans", "complete"),
    [
        ([(plus(S, 5), None), (plus(S, 20), INCOMPLETE_PLAN)], False),
        ([(plus(S, 5), INCOMPLETE_PLAN), (plus(S, 20), None)], True),
        ([(S, INCOMPLETE_PLAN), (R, None)], True),
        ([(R, None), (R, INCOMPLETE_PLAN)], False),  # same day: the one recorded last
        ([(R, INCOMPLETE_PLAN), (R, None)], True),
        ([(plus(S, 5), INCOMPLETE_PLAN), (plus(R, 1), None)], False),  # after r: not looked at
        ([(plus(S, -1), None)], False),  # before s: another custody's business
    ],
)
def test_complete_plan_at_release_uses_the_latest_plan_in_s_to_r(
    plans: list[tuple[date, dict[str, bool] | None]], complete: bool
) -> None:
    life = released()
    for day, parts in plans:
        life.add("ReleasePlanValidated", day, **(parts or {}))
    case = life.case()
    assert case.outcomes["complete-plan-at-release"] is complete
    assert case.outcomes["planned-release"] is any(S <= day <= R for day, _ in plans)


@pytest.mark.parametrize("part", ["housing", "income", "id_document", "health_cover"])
def test_a_plan_missing_one_part_is_not_complete(part: str) -> None:
    life = released()
    life.add("ReleasePlanValidated", plus(S, 3), **{part: False})
    assert life.case().outcomes["complete-plan-at-release"] is False
    assert life.case().outcomes["planned-release"] is True


@pytest.mark.parametrize(
    ("kind", "adjusted"),
    [
        ("end-of-sentence", False),
        ("conditional-release", True),
        ("release-under-constraint", True),
        ("electronic-home-detention", True),
        ("outside-placement", True),
        ("semi-liberty", True),
        ("remand-ended", None),
    ],
)
def test_adjusted_release_leaves_remand_ended_releases_out_of_n(
    kind: str, adjusted: bool | None
) -> None:
    assert released(kind=kind).case().outcomes["adjusted-release"] is adjusted


def test_adjusted_release_counts_over_releases_that_could_be_adjusted() -> None:
    found = [
        released(kind=kind).case()
        for kind in ("end-of-sentence", "conditional-release", "remand-ended", "remand-ended")
    ]
    row = rate_row("adjusted-release", None, found, {"group": "all"}, 1).as_dict()
    assert (row["n"], row["k"], row["rate"]) == (2, 1, 0.5)
    # Every other indicator keeps the remand-ended releases in its n.
    assert n_of("met-before-release", found) == 4


@pytest.mark.parametrize(
    ("rights", "expected"),
    [
        ([("id-document", S), ("health-insurance", S)], True),
        ([("id-document", date(2024, 1, 1)), ("health-insurance", R)], True),
        ([("id-document", S)], False),
        ([("health-insurance", S)], False),
        ([("id-document", S), ("health-insurance", plus(R, 1))], False),
        ([("id-document", S), ("css", S), ("bank-account", S)], False),
        ([("health-insurance", plus(R, 1)), ("id-document", plus(R, 1))], False),
    ],
)
def test_rights_at_release_needs_both_id_and_health_insurance_by_r(
    rights: list[tuple[str, date]], expected: bool
) -> None:
    life = released()
    for right, day in rights:
        life.add("RightObtained", day, right=right)
    assert life.case().outcomes["rights-at-release"] is expected


# --- handover ------------------------------------------------------------------------------


def test_handover_counts_only_releases_to_a_territory_the_organisation_does_not_serve() -> None:
    served = released(destination="rennes")  # we-ker serves rennes
    assert served.case().outcomes["handover-within-30d"] is None
    elsewhere = released(destination="saint-malo")
    assert elsewhere.case().outcomes["handover-within-30d"] is False
    outside = released(destination="outside-35")  # served by nobody
    assert outside.case().outcomes["handover-within-30d"] is False
    unsupported = Life(support=None).custody(destination="saint-malo")
    assert unsupported.case().outcomes["handover-within-30d"] is None
    found = [served.case(), elsewhere.case(), outside.case(), unsupported.case()]
    assert n_of("handover-within-30d", found) == 2


@pytest.mark.parametrize(
    ("ack", "expected"),
    [(-1, False), (0, True), (1, True), (30, True), (31, False)],
)
def test_handover_within_30d_is_an_acknowledgement_in_r_to_r_plus_30(
    ack: int, expected: bool
) -> None:
    """An acknowledgement on the day of release counts (its organisation is the new one by
    the end of that day, but the release was still to be handed over)."""
    life = Life()
    life.add("Incarcerated", S)
    life.add("HandedOver", plus(R, -5))
    life.add("HandoverAcknowledged", plus(R, ack))
    life.add("Released", R, destination="saint-malo")
    case = life.case()
    if ack < 0:
        # Acknowledged before the release: the organisation on the release date serves
        # the destination, nothing left to hand over.
        assert case.outcomes["handover-within-30d"] is None
        assert case.groups["organisation"] == "ml-saint-malo"
    else:
        assert case.outcomes["handover-within-30d"] is expected
        assert case.groups["organisation"] == ("ml-saint-malo" if ack == 0 else "we-ker")


# --- groups --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("enrolments", "measure"),
    [
        ([], "none"),
        ([(plus(S, 3), "job-dating-vezin")], "job-dating-vezin"),
        ([(S, "job-dating-vezin")], "job-dating-vezin"),
        ([(R, "job-dating-vezin")], "job-dating-vezin"),
        ([(plus(S, -1), "job-dating-vezin")], "none"),
        ([(plus(R, 1), "job-dating-vezin")], "none"),  # after release: not credited
        ([(plus(S, 3), "job-dating-vezin"), (plus(S, 9), "code-de-la-route")], "code-de-la-route"),
        ([(plus(S, 9), "code-de-la-route"), (plus(S, 3), "job-dating-vezin")], "code-de-la-route"),
        ([(plus(S, 3), "code-de-la-route"), (plus(R, 2), "job-dating-vezin")], "code-de-la-route"),
    ],
)
def test_the_measure_is_the_latest_enrolment_within_the_custody(
    enrolments: list[tuple[date, str]], measure: str
) -> None:
    life = released()
    for day, code in enrolments:
        life.add("EnrolledInMeasure", day, measure=code)
    assert life.case().groups["measure"] == measure


def test_an_enrolment_on_the_day_of_release_recorded_after_it_is_credited() -> None:
    """[s, r] whatever the recording order: a late entry dated r still belongs to the custody."""
    life = released()
    life.add("EnrolledInMeasure", R, measure="job-dating-vezin")
    assert life.case().groups["measure"] == "job-dating-vezin"


def test_an_enrolment_of_an_earlier_custody_is_not_credited_to_the_next() -> None:
    life = Life()
    life.add("Incarcerated", date(2025, 6, 1))
    life.add("EnrolledInMeasure", date(2025, 6, 10))
    life.add("Released", date(2025, 8, 1))
    life.custody()
    assert life.case().groups["measure"] == "none"
    assert life.case(first=date(2025, 8, 1), last=date(2025, 8, 1)).groups["measure"] == (
        "job-dating-vezin"
    )


def test_the_sentence_band_is_the_latest_stated_during_the_custody() -> None:
    assert released().case().groups["sentence-band"] == "under-6-months"
    unknown = Life()
    unknown.add("Incarcerated", S, status="remand", sentence_band=None)
    unknown.add("Released", R)
    assert unknown.case().groups["sentence-band"] == "unknown"
    changed = Life()
    changed.add("Incarcerated", S, status="remand", sentence_band=None)
    changed.add("CustodyStatusChanged", plus(S, 30), sentence_band="6-to-12-months")
    changed.add("CustodyStatusChanged", plus(S, 40), status="remand")  # no band: keeps it
    changed.add("Released", R)
    assert changed.case().groups["sentence-band"] == "6-to-12-months"
    # The next custody starts with its own band.
    changed.add("Incarcerated", plus(R, 10), sentence_band="1-to-2-years")
    changed.add("Released", plus(R, 20))
    assert [c.groups["sentence-band"] for c in changed.cases()] == [
        "6-to-12-months",
        "1-to-2-years",
    ]


def test_a_status_change_dated_on_the_release_day_recorded_later_sets_the_band() -> None:
    """A change dated within the custody (both ends included) counts whatever the
    recording order."""
    life = Life()
    life.add("Incarcerated", S, status="remand", sentence_band=None)
    life.add("Released", R)
    life.add("CustodyStatusChanged", R, sentence_band="6-to-12-months")
    assert life.case().groups["sentence-band"] == "6-to-12-months"


@pytest.mark.parametrize(
    ("birth_year", "band"),
    [
        (2010, "16-17"),
        (2009, "16-17"),
        (2008, "18-20"),
        (2006, "18-20"),
        (2005, "21-25"),
        (2001, "21-25"),
        (2000, "26+"),
        (None, "unknown"),
    ],
)
def test_the_age_band_at_release_comes_from_the_birth_year(
    birth_year: int | None, band: str
) -> None:
    life = Life(birth_year=birth_year).custody()  # released in 2026
    assert life.case().groups["age-band"] == band


#: (birth date, day, band of the exact age that day): each band's lower boundary, the
#: day before and the birthday itself (a 29 February birthday counts from 1 March).
EXACT_BANDS = [
    (date(2000, 6, 15), date(2026, 6, 14), "21-25"),  # 25 the day before turning 26
    (date(2000, 6, 15), date(2026, 6, 15), "26+"),
    (date(2008, 3, 1), date(2026, 2, 28), "16-17"),
    (date(2008, 3, 1), date(2026, 3, 1), "18-20"),
    (date(2005, 3, 1), date(2026, 2, 28), "18-20"),
    (date(2005, 3, 1), date(2026, 3, 1), "21-25"),
    (date(2008, 2, 29), date(2026, 2, 28), "16-17"),
    (date(2008, 2, 29), date(2026, 3, 1), "18-20"),
    (date(2008, 12, 31), date(2026, 1, 1), "16-17"),  # 17: the year alone says 18
]


@pytest.mark.parametrize(("birth", "day", "band"), EXACT_BANDS)
def test_the_age_band_is_that_of_the_exact_age_on_the_day(
    birth: date, day: date, band: str
) -> None:
    assert outcomes.exact_age_band(birth, day) == band


@pytest.mark.parametrize(("birth", "r", "band"), EXACT_BANDS)
def test_the_age_band_at_release_is_the_one_kept_with_the_release(
    birth: date, r: date, band: str
) -> None:
    """The store keeps the exact band with the release (computed from the birth date when
    it is written); it wins over the birth year, which is all that survives an erasure."""
    life = Life(birth_year=birth.year).custody(
        plus(r, -30), r, age_band=outcomes.exact_age_band(birth, r)
    )
    case = life.case(first=plus(r, -1), last=r)
    assert case.groups["age-band"] == band


@pytest.mark.parametrize(("birth", "v", "band"), EXACT_BANDS)
def test_the_age_band_of_the_community_cohort_is_that_of_the_start_of_supervision(
    birth: date, v: date, band: str
) -> None:
    life = Life(birth_year=birth.year, support=None)
    life.add("CommunitySupervisionStarted", v, age_band=outcomes.exact_age_band(birth, v))
    life.add("CommunitySupervisionEnded", plus(v, 200))
    case = life.case(cohort="community", first=plus(v, -1), last=v)
    assert case.groups["age-band"] == band


def test_a_release_without_a_kept_band_falls_back_to_the_birth_year() -> None:
    """A release stored before the band was kept with it, its birth date since erased:
    the age reached in the year of release (here a year too old)."""
    life = Life(birth_year=2000).custody(date(2026, 5, 1), date(2026, 6, 14))
    assert life.case(first=FIRST, last=date(2026, 6, 30)).groups["age-band"] == "26+"


@pytest.mark.parametrize(
    ("release", "quarter"),
    [
        (date(2026, 1, 1), "2026-Q1"),
        (date(2026, 3, 31), "2026-Q1"),
        (date(2026, 4, 1), "2026-Q2"),
        (date(2026, 9, 30), "2026-Q3"),
        (date(2026, 12, 31), "2026-Q4"),
    ],
)
def test_the_quarter_of_the_release(release: date, quarter: str) -> None:
    life = Life().custody(plus(release, -30), release)
    case = life.case(date(2027, 1, 31), first=date(2026, 1, 1), last=date(2026, 12, 31))
    assert case.groups["quarter"] == quarter


def test_the_other_groups_of_a_release() -> None:
    life = Life(sex=None, residence="redon").custody(destination="vitre")
    case = life.case()
    assert case.groups["territory"] == "vitre"  # the destination, not the residence
    assert case.groups["sex"] == "unknown"
    assert case.groups["organisation"] == "we-ker"
    assert set(case.groups) == set(outcomes.DIMENSIONS)
    assert Life(support=None).custody().case().groups["organisation"] == "none"
    closed = Life()
    closed.add("SupportClosed", plus(S, 5))
    closed.custody()
    assert closed.case().groups["organisation"] == "none"
    assert Life(sex="female").custody().case().groups["sex"] == "female"


# --- delays --------------------------------------------------------------------------------


def test_days_to_first_contact_from_the_custody_start() -> None:
    life = released()
    life.add("ContactMade", plus(S, -3))  # before the custody: not this one's
    life.add("ContactMade", plus(S, 12))
    life.add("ContactMade", plus(S, 7))  # recorded late, dated earlier
    assert life.case().first_contact == 7
    assert released().case().first_contact is None
    on_start = released()
    on_start.add("ContactMade", S)
    assert on_start.case().first_contact == 0


def test_days_to_mainstream_is_observed_at_the_first_entry() -> None:
    life = released()
    life.add("SituationStarted", plus(R, 40))
    life.add("ProgrammeEntered", plus(R, 20))
    life.add("ProgrammeEntered", plus(R, -5), programme="pacea")  # before release
    assert life.case().mainstream == (20, True)
    on_release = released()
    on_release.add("ProgrammeEntered", R)
    assert on_release.case().mainstream == (0, True)


def test_days_to_mainstream_is_censored_at_the_earliest_of_as_of_custody_and_closure() -> None:
    as_of = plus(R, 100)
    assert released().case(as_of).mainstream == (100, False)
    custody = released()
    custody.add("Incarcerated", plus(R, 50))
    custody.add("ProgrammeEntered", plus(R, 60))  # after the next custody began
    assert custody.case(as_of).mainstream == (50, False)
    closure = released()
    closure.add("SupportClosed", plus(R, 40))
    closure.add("Incarcerated", plus(R, 50))
    assert closure.case(as_of).mainstream == (40, False)
    both = released()
    both.add("Incarcerated", plus(R, 30))
    both.add("SupportClosed", plus(R, 45))
    assert both.case(as_of).mainstream == (30, False)
    # An entry after the as-of date is not known yet.
    late = released()
    late.add("ProgrammeEntered", plus(R, 120))
    assert late.case(as_of).mainstream == (100, False)
    assert late.case().mainstream == (120, True)


def test_contacts_per_month_over_the_180_days_after_release() -> None:
    life = released()
    for day in range(0, 180, 30):  # six contacts in [r, r + 180)
        life.add("ContactMade", plus(R, day), channel="office")
    life.add("ContactMade", plus(R, 180), channel="phone")  # outside the window
    assert life.case().contacts_per_month == pytest.approx(1.0)
    assert life.case(plus(R, 179)).contacts_per_month is None
    assert Life(support=None).custody().case().contacts_per_month is None


# --- the community cohort ------------------------------------------------------------------


def test_the_community_cohort_is_the_starts_of_supervision_in_the_period() -> None:
    v = date(2026, 2, 1)
    life = Life(residence="fougeres", support=plus(v, 2))
    life.add("CommunitySupervisionStarted", v)
    life.add("ContactMade", plus(v, 30), channel="office")
    life.add("SituationStarted", plus(v, 91))
    life.add("EnrolledInMeasure", plus(v, 5), measure="passerelle")
    life.add("Incarcerated", plus(v, 180))
    life.add("CommunitySupervisionEnded", plus(v, 180))
    life.add("Released", plus(v, 200), destination="rennes")
    found = life.cases(cohort="community")
    assert len(found) == 1
    case = found[0]
    assert case.day == v.toordinal()
    assert set(case.outcomes) == set(COMMUNITY_INDICATORS)
    assert case.outcomes == {
        "contact-within-30d": True,
        "mainstream-within-90d": False,
        "mainstream-within-180d": True,
        "incarcerated-within-180d": True,
        "incarcerated-within-365d": True,
    }
    assert case.groups["territory"] == "fougeres"  # the residence
    assert case.groups["measure"] == "passerelle"
    assert case.groups["quarter"] == "2026-Q1"
    assert case.groups["sentence-band"] == "n/a"
    assert case.first_contact == 30
    assert case.mainstream == (91, True)
    # The release of the custody is not in the community cohort, nor the start in the
    # release cohort.
    assert life.cases(last=date(2026, 12, 31)) != []
    assert life.cases() == []


def test_community_windows_count_from_the_start_and_need_to_be_complete() -> None:
    v = date(2026, 2, 1)
    life = Life(support=None)
    life.add("CommunitySupervisionStarted", v)
    life.add("Incarcerated", plus(v, 181))
    early = life.case(plus(v, 29), cohort="community")
    assert all(value is None for value in early.outcomes.values())
    at_180 = life.case(plus(v, 180), cohort="community")
    assert at_180.outcomes["incarcerated-within-180d"] is False
    assert at_180.outcomes["incarcerated-within-365d"] is None
    at_365 = life.case(plus(v, 365), cohort="community")
    assert at_365.outcomes["incarcerated-within-180d"] is False
    assert at_365.outcomes["incarcerated-within-365d"] is True
    # Still under supervision on the as-of date: a case all the same.
    assert life.cases(plus(v, 1), cohort="community")[0].day == v.toordinal()
    # Out of the period: no case.
    assert life.cases(first=plus(v, 1), cohort="community") == []


# --- tables --------------------------------------------------------------------------------


def make_case(n: int = 0, *, youth: str = "Y", **groups: str) -> Case:
    base = {
        "territory": "rennes",
        "measure": "none",
        "quarter": "2026-Q1",
        "organisation": "we-ker",
        "sentence-band": "under-6-months",
        "sex": "male",
        "age-band": "18-20",
    }
    return Case(youth=f"{youth}-{n}", day=R.toordinal(), groups={**base, **groups}, outcomes={})


def cohort(spec: dict[tuple[str, ...], tuple[int, int]], by: tuple[str, ...]) -> list[Case]:
    """Cases per group: (n, k) of `met-before-release`; a window still open for one more."""
    found = []
    for key, (n, k) in spec.items():
        for i in range(n):
            case = make_case(i, youth="/".join(key), **dict(zip(by, key, strict=True)))
            case.outcomes = {
                "met-before-release": i < k,
                "contact-within-30d": None if i == 0 else i < k,
            }
            case.first_contact = i if i < k else None
            case.mainstream = (10 * (i + 1), i % 2 == 0)
            found.append(case)
    return found


INDICATORS = {"met-before-release": None, "contact-within-30d": 30}


def row_of(rows: list[dict[str, Any]], indicator: str, group: str) -> dict[str, Any]:
    found = [r for r in rows if r["indicator"] == indicator and r["group"] == group]
    assert len(found) == 1, (indicator, group)
    return found[0]


def test_tabulate_gives_the_whole_cohort_as_group_all_then_each_group() -> None:
    by = ("territory",)
    found = cohort({("rennes",): (12, 9), ("saint-malo",): (8, 2)}, by)
    rows = dicts(tabulate(found, by, INDICATORS, 5))
    assert [r["group"] for r in rows] == ["all"] * 5 + ["rennes"] * 5 + ["saint-malo"] * 5
    assert [r["indicator"] for r in rows[:5]] == [*INDICATORS, *DELAYS]
    whole = row_of(rows, "met-before-release", "all")
    assert whole["territory"] == "all"
    assert (whole["n"], whole["k"]) == (20, 11)
    assert whole["rate"] == pytest.approx(11 / 20)
    assert (whole["ci_low"], whole["ci_high"]) == pytest.approx(wilson(11, 20))
    assert whole["suppressed"] is False
    rennes = row_of(rows, "met-before-release", "rennes")
    assert (rennes["territory"], rennes["n"], rennes["k"]) == ("rennes", 12, 9)
    window = row_of(rows, "contact-within-30d", "saint-malo")
    assert (window["n"], window["k"], window["window_days"]) == (7, 1, 30)


def test_tabulate_without_groups_gives_only_the_whole_cohort() -> None:
    found = cohort({("rennes",): (6, 3)}, ("territory",))
    rows = dicts(tabulate(found, (), INDICATORS, 5))
    assert {r["group"] for r in rows} == {"all"}
    assert len(rows) == len(INDICATORS) + len(DELAYS)
    assert dicts(tabulate([], (), INDICATORS, 5))[0] == {
        "indicator": "met-before-release",
        "group": "all",
        "n": 0,
        "window_days": None,
        "k": None,
        "rate": None,
        "ci_low": None,
        "ci_high": None,
        "suppressed": True,
    }


def test_rows_under_min_n_are_suppressed() -> None:
    by = ("territory",)
    spec = {("rennes",): (5, 2), ("redon",): (4, 4), ("vitre",): (6, 1), ("fougeres",): (2, 1)}
    found = cohort(spec, by)  # two groups under 5: no secondary suppression
    rows = dicts(tabulate(found, by, INDICATORS, 5))
    redon = row_of(rows, "met-before-release", "redon")
    assert redon["n"] == 4
    assert redon["suppressed"] is True
    assert (redon["k"], redon["rate"], redon["ci_low"], redon["ci_high"]) == (None,) * 4
    rennes = row_of(rows, "met-before-release", "rennes")  # n == min_n: shown
    assert rennes["suppressed"] is False
    assert (rennes["k"], rennes["rate"]) == (2, 0.4)
    # The window leaves one release out: 4 < 5 for rennes' contact-within-30d.
    assert row_of(rows, "contact-within-30d", "rennes")["suppressed"] is True
    delay = row_of(rows, "days-to-mainstream", "redon")
    assert delay["suppressed"] is True
    assert (delay["median"], delay["q1"], delay["q3"], delay["censored"]) == (None,) * 4


def test_one_suppressed_group_withholds_the_next_smallest_too() -> None:
    by = ("territory",)
    found = cohort({("rennes",): (20, 10), ("vitre",): (7, 3), ("redon",): (3, 1)}, by)
    rows = dicts(tabulate(found, by, INDICATORS, 5))
    assert row_of(rows, "met-before-release", "redon")["suppressed"] is True
    vitre = row_of(rows, "met-before-release", "vitre")
    assert vitre["suppressed"] is True
    assert vitre.get("secondary") is True
    assert (vitre["k"], vitre["rate"], vitre["ci_low"], vitre["ci_high"]) == (None,) * 4
    assert row_of(rows, "met-before-release", "rennes")["suppressed"] is False
    assert row_of(rows, "met-before-release", "all")["suppressed"] is False


def test_secondary_suppression_is_not_needed_when_two_groups_are_hidden() -> None:
    by = ("territory",)
    spec = {("rennes",): (20, 10), ("vitre",): (7, 3), ("redon",): (3, 1), ("fougeres",): (2, 2)}
    rows = dicts(tabulate(cohort(spec, by), by, INDICATORS, 5))
    vitre = row_of(rows, "met-before-release", "vitre")
    assert vitre["suppressed"] is False
    assert "secondary" not in vitre


def test_hidden_groups_that_would_give_their_members_away_withhold_another() -> None:
    """The hidden groups together are the total less the groups shown: two groups of one
    (fewer than min_n together), or hidden groups whose members all had the outcome (or
    none did), would tell each member's outcome (found by a newcomer's walk: 4 - 1 - 1 = 2
    of 2 re-incarcerated); the smallest group shown is withheld too."""
    by = ("territory",)
    for hidden in ({("redon",): (1, 1), ("fougeres",): (1, 1)},  # two of one, both k
                   {("redon",): (3, 3), ("fougeres",): (2, 2)},  # five, all k
                   {("redon",): (3, 0), ("fougeres",): (2, 0)}):  # five, none  # fmt: skip
        spec = {("rennes",): (20, 10), ("vitre",): (7, 3), **hidden}
        rows = dicts(tabulate(cohort(spec, by), by, INDICATORS, 5))
        vitre = row_of(rows, "met-before-release", "vitre")
        assert vitre["suppressed"] is True, hidden
        assert vitre.get("secondary") is True
        assert row_of(rows, "met-before-release", "rennes")["suppressed"] is False
        # what the table still shows cannot pin the hidden groups down
        shown = [r for r in rows if r["indicator"] == "met-before-release" and r["group"] != "all"]
        total = row_of(rows, "met-before-release", "all")
        n = sum(r["n"] for r in shown if r["suppressed"])
        k = total["k"] - sum(r["k"] for r in shown if not r["suppressed"])
        assert n >= 5
        assert 0 < k < n


def test_a_group_withheld_in_one_window_is_withheld_in_the_longer_one_too() -> None:
    """Back in custody within 180 days implies within 365: a group withheld at 180 days
    to protect two groups of one, but shown at 365 (0 of 6), gave its 180-day k (0) and
    so theirs (8 - 6 - 0 = 2 of 2) away (found by the review)."""
    cases = []

    def add(territory: str, n: int, k180: int, k365: int | None) -> None:
        for i in range(n):
            case = make_case(i, youth=territory, territory=territory)
            case.outcomes = {
                "reincarcerated-within-180d": i < k180,
                "reincarcerated-within-365d": None if k365 is None else i < k365,
            }
            cases.append(case)

    add("rennes", 30, 6, 9)
    add("vitre", 6, 0, 0)
    add("redon", 1, 1, None)  # (the year not passed yet)
    add("dol", 1, 1, None)
    windows = {"reincarcerated-within-180d": 180, "reincarcerated-within-365d": 365}
    rows = dicts(tabulate(cases, ("territory",), windows, 5))
    for indicator in windows:
        assert row_of(rows, indicator, "vitre")["suppressed"] is True, indicator


def test_secondary_suppression_picks_a_group_that_protects_and_spares_what_cannot() -> None:
    """A rare outcome: withholding the small groups that show 0 would not help (the hidden
    ones would still be all 0); the group holding the one case does. And when the total
    itself says everyone's outcome (none), nothing more is withheld."""
    by = ("territory",)
    spec = {("rennes",): (40, 1), ("vitre",): (30, 0), ("redon",): (12, 0),
            ("fougeres",): (3, 0), ("dol",): (3, 0)}  # fmt: skip
    rows = dicts(tabulate(cohort(spec, by), by, INDICATORS, 5))
    shown = {r["group"] for r in rows if r["indicator"] == "met-before-release"
             and not r["suppressed"]}  # fmt: skip
    assert shown == {"all", "vitre", "redon"}
    spec = {("rennes",): (20, 0), ("vitre",): (7, 0), ("redon",): (8, 0), ("fougeres",): (2, 0)}
    rows = dicts(tabulate(cohort(spec, by), by, INDICATORS, 5))
    assert not row_of(rows, "met-before-release", "vitre")["suppressed"]


def test_a_suppressed_group_does_not_show_its_count_through_days_to_first_contact() -> None:
    """The n of days-to-first-contact is the k of met-before-release (the releases with a
    contact in [s, r]): when that k is withheld, so is that n."""
    by = ("territory",)
    found = cohort({("rennes",): (20, 10), ("vitre",): (7, 3), ("redon",): (3, 1)}, by)
    rows = dicts(tabulate(found, by, INDICATORS, 5))
    for group in ("vitre", "redon"):
        assert row_of(rows, "met-before-release", group)["k"] is None
        delay = row_of(rows, "days-to-first-contact", group)
        assert delay["n"] is None
        assert delay["suppressed"] is True
        assert (delay["median"], delay["q1"], delay["q3"]) == (None, None, None)
    shown = row_of(rows, "days-to-first-contact", "rennes")
    assert shown["n"] == row_of(rows, "met-before-release", "rennes")["k"] == 10
    assert row_of(rows, "days-to-first-contact", "all")["n"] == 14


def test_two_dimensions_are_crossed() -> None:
    by = ("territory", "measure")
    spec = {
        ("rennes", "job-dating-vezin"): (6, 4),
        ("rennes", "none"): (9, 3),
        ("saint-malo", "none"): (5, 5),
    }
    rows = dicts(tabulate(cohort(spec, by), by, INDICATORS, 5))
    groups = [r["group"] for r in rows if r["indicator"] == "met-before-release"]
    assert groups == ["all", "rennes/job-dating-vezin", "rennes/none", "saint-malo/none"]
    crossed = row_of(rows, "met-before-release", "rennes/none")
    assert (crossed["territory"], crossed["measure"], crossed["n"], crossed["k"]) == (
        "rennes",
        "none",
        9,
        3,
    )
    whole = row_of(rows, "met-before-release", "all")
    assert (whole["territory"], whole["measure"], whole["n"], whole["k"]) == ("all", "all", 20, 12)


def test_delay_rows_give_median_and_quartiles() -> None:
    found = cohort({("rennes",): (9, 7)}, ("territory",))
    rows = dicts(tabulate(found, (), INDICATORS, 5))
    first = row_of(rows, "days-to-first-contact", "all")
    assert first["n"] == 7
    assert (first["q1"], first["median"], first["q3"]) == pytest.approx(quartiles(range(7)))
    mainstream = row_of(rows, "days-to-mainstream", "all")
    curve = kaplan_meier([c.mainstream[0] for c in found], [c.mainstream[1] for c in found])
    assert mainstream["n"] == 9
    assert mainstream["censored"] == 4
    assert mainstream["median"] == curve.quantile(0.5)
    assert (mainstream["q1"], mainstream["q3"]) == (curve.quantile(0.75), curve.quantile(0.25))
    perms = row_of(rows, "contacts-per-month", "all")
    assert (perms["n"], perms["median"], perms["suppressed"]) == (0, None, True)
    assert (
        delay_row("days-to-mainstream", found[:4], {"group": "x"}, 5).as_dict()["censored"] is None
    )


# --- comparisons ---------------------------------------------------------------------------


def rated(
    group: dict[str, str], n: int, k: int, indicator: str = "met-before-release"
) -> list[Case]:
    found = []
    for i in range(n):
        case = make_case(i, youth="/".join(group.values()), **group)
        case.outcomes = {indicator: i < k}
        found.append(case)
    return found


ONE = {"met-before-release": None}


def test_a_territory_is_compared_with_the_rest_of_the_departement() -> None:
    found = [
        *rated({"territory": "rennes"}, 40, 30),
        *rated({"territory": "saint-malo"}, 30, 10),
        *rated({"territory": "vitre"}, 20, 10),
    ]
    rows = dicts(compare(found, "territory", ONE, 5, None, {}))
    assert [r["group"] for r in rows] == ["rennes", "saint-malo", "vitre"]
    rennes = rows[0]
    assert rennes["reference"] == "not rennes"
    assert (rennes["n"], rennes["n_reference"]) == (40, 50)
    assert rennes["rate"] == pytest.approx(30 / 40)
    assert rennes["rate_reference"] == pytest.approx(20 / 50)
    difference, low, high = newcombe(30, 40, 20, 50)
    assert (rennes["difference"], rennes["ci_low"], rennes["ci_high"]) == pytest.approx(
        (difference, low, high)
    )
    assert rennes["flagged"] is (low > 0)
    assert rennes["flagged"] is True
    assert rennes["suppressed"] is False
    against = dicts(compare(found, "territory", ONE, 5, "saint-malo", {}))
    assert [(r["group"], r["reference"]) for r in against] == [
        ("rennes", "saint-malo"),
        ("vitre", "saint-malo"),
    ]
    assert against[0]["n_reference"] == 30


def test_a_measure_is_compared_with_releases_in_none_on_its_territory() -> None:
    found = [
        *rated({"territory": "rennes", "measure": "job-dating-vezin"}, 25, 20),
        *rated({"territory": "saint-malo", "measure": "job-dating-vezin"}, 3, 0),
        *rated({"territory": "rennes", "measure": "none"}, 30, 12),
        *rated({"territory": "saint-malo", "measure": "none"}, 50, 50),
    ]
    rows = dicts(compare(found, "measure", ONE, 5, None, {"job-dating-vezin": "rennes"}))
    assert len(rows) == 1  # no row for "none" against itself
    row = rows[0]
    assert (row["group"], row["reference"]) == ("job-dating-vezin", "none (rennes)")
    assert (row["n"], row["n_reference"]) == (28, 30)
    assert row["rate_reference"] == pytest.approx(12 / 30)
    assert (row["difference"], row["ci_low"], row["ci_high"]) == pytest.approx(
        newcombe(20, 28, 12, 30)
    )
    assert row["warning"] is None


def test_a_difference_is_flagged_only_when_its_interval_excludes_zero() -> None:
    same = [
        *rated({"territory": "rennes"}, 30, 15),
        *rated({"territory": "vitre"}, 30, 15),
    ]
    rows = dicts(compare(same, "territory", ONE, 5, None, {}))
    assert all(r["difference"] == 0 and r["ci_low"] < 0 < r["ci_high"] for r in rows)
    assert not any(r["flagged"] for r in rows)
    apart = [
        *rated({"territory": "rennes"}, 30, 3),
        *rated({"territory": "vitre"}, 30, 27),
    ]
    rows = dicts(compare(apart, "territory", ONE, 5, None, {}))
    assert all(r["flagged"] for r in rows)
    assert rows[0]["ci_high"] < 0 < rows[1]["ci_low"]


def test_a_difference_on_too_few_releases_is_not_counted_as_flagged() -> None:
    """Its interval may exclude 0 (the row's `flagged` says so), but the note under
    `compare` counts it apart, as the report's annex does: nothing is concluded from it."""
    found = [
        *rated({"territory": "rennes"}, 40, 4),
        *rated({"territory": "vitre"}, 8, 8),  # 8 releases: under ENOUGH (20)
        *rated({"territory": "redon"}, 40, 36),
    ]
    rows = compare(found, "territory", ONE, 5, "rennes", {})
    small = next(r for r in rows if r.group == "vitre")
    assert small.flagged
    assert small.warning is not None
    enough = next(r for r in rows if r.group == "redon")
    assert enough.flagged
    assert enough.warning is None
    odds = outcomes.chance(rows)
    assert (odds.shown, odds.flagged, odds.small) == (1, 1, 1)
    assert odds.note().startswith("1 comparison on enough releases, 1 flagged")
    assert "1 more, on too few releases, is not flagged" in odds.note()
    from pathways.cli.outcomes import comparison_line

    assert comparison_line(small)["flag"] == ""
    assert comparison_line(small)["warning"] == small.warning
    assert comparison_line(enough)["flag"] == "!"


def test_a_comparison_says_its_reference_and_warning_from_its_kinds() -> None:
    """JSON gives the reference and the warning in English; a table says the same in
    the language of messages, from the row's kinds and threshold (not by reading the
    English back)."""
    from pathways.cli.outcomes import comparison_line
    from pathways.i18n import using

    found = [
        *rated({"territory": "rennes", "measure": "none"}, 40, 4),
        *rated({"territory": "rennes", "measure": "m-1"}, 8, 8),
        *rated({"territory": "vitre", "measure": "none"}, 3, 1),
    ]
    by_territory = {r.group: r for r in compare(found, "territory", ONE, 5, None, {})}
    small = by_territory["rennes"]
    assert (small.reference_kind, small.reference_code) == ("others", "rennes")
    assert (small.warning_kind, small.threshold) == ("suppressed", 5)
    assert small.as_dict()["reference"] == "not rennes"
    assert small.as_dict()["warning"] == "suppressed: fewer than 5 releases on one side"
    [measure] = compare(found, "measure", ONE, 5, None, {"m-1": "rennes"})
    assert (measure.reference_kind, measure.reference_code) == ("no-measure", "rennes")
    assert (measure.warning_kind, measure.threshold) == ("too-few", 20)
    assert measure.as_dict()["reference"] == "none (rennes)"
    assert measure.as_dict()["warning"] == "too few releases to say anything (n < 20 on one side)"
    [named] = compare(found, "territory", ONE, 2, "vitre", {})
    assert (named.reference_kind, named.reference, named.group) == ("group", "vitre", "rennes")
    with using("fr"):
        assert comparison_line(measure)["reference"] == "aucune (rennes)"
        assert comparison_line(measure)["warning"] == (
            "trop peu de sorties pour conclure (n < 20 d'un côté)"
        )
        assert comparison_line(small)["reference"] == "hors rennes"
        assert comparison_line(named)["reference"] == "vitre"
    assert measure.as_dict()["warning"].startswith("too few")  # JSON: English still


def test_a_comparison_with_a_side_under_min_n_is_suppressed() -> None:
    found = [*rated({"territory": "rennes"}, 30, 15), *rated({"territory": "vitre"}, 4, 4)]
    rows = dicts(compare(found, "territory", ONE, 5, None, {}))
    assert all(r["suppressed"] for r in rows)
    for row in rows:
        assert row["flagged"] is False
        assert (row["rate"], row["difference"], row["ci_low"], row["ci_high"]) == (None,) * 4
    small = [*rated({"territory": "rennes"}, 30, 15), *rated({"territory": "vitre"}, 8, 4)]
    rows = dicts(compare(small, "territory", ONE, 5, None, {}))
    assert not any(r["suppressed"] for r in rows)
    assert all(r["warning"] and "n < 20" in r["warning"] for r in rows)
    unknown = dicts(compare(small, "measure", ONE, 5, None, {}))
    assert unknown == []  # only "none": nothing to compare
