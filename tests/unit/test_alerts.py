"""Alerts ("ruptures de parcours"), DOMAIN.md section 6: the pure `assess`, at every edge.

No database: facts are built from interchange-format states with `fact_from_state`,
numbered in recording order, and handed to `assess` as of a date.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from itertools import permutations
from typing import Any

import pytest

from conftest import FIXTURES, worked_example_facts
from pathways.domain.alerts import ALERT_CODES, Alert, CaseloadLine, assess, birthday_26
from pathways.domain.events import SettingChanged
from pathways.domain.facts import Fact, fact_from_state
from pathways.domain.reference import ReferenceData

EXAMPLES = FIXTURES
YOUTH = "Y-2026-0042"
BORN = date(2004, 6, 15)  # 26 on 2030-06-15: far from every date below
S = date(2026, 1, 5)  # the start of the custody (or of the supervision) in most tests

DEFAULTS: dict[str, dict[str, Any]] = {
    "YouthRegistered": {"residence": "saint-malo"},
    "SupportStarted": {"organisation": "ml-saint-malo", "counsellor": "c-sm-1"},
    "CounsellorAssigned": {"organisation": "ml-saint-malo", "counsellor": "c-sm-2"},
    "SupportClosed": {"reason": "moved"},
    "HandedOver": {"to_organisation": "we-ker", "to_counsellor": "c-wk-7"},
    "HandoverAcknowledged": {"organisation": "we-ker"},
    "Incarcerated": {"facility": "ma-saint-malo", "status": "sentenced"},
    "ExpectedReleaseChanged": {},
    "Released": {"kind": "end-of-sentence", "destination": "saint-malo"},
    "CommunitySupervisionStarted": {"measure": "probation"},
    "CommunitySupervisionEnded": {},
    "ContactMade": {"channel": "in-prison"},
    "ReleasePlanValidated": {
        "housing": True,
        "income": True,
        "id_document": True,
        "health_cover": True,
    },
    "ProgrammeEntered": {"programme": "cej"},
    "SituationStarted": {"situation": "training"},
    "AlertAcknowledged": {},
}


def plus(day: date, days: int) -> date:
    return day + timedelta(days=days)


class Life:
    """One youth's facts, numbered in the order they are added (the recording order)."""

    def __init__(
        self,
        registered: date = date(2025, 12, 1),
        born: date = BORN,
        *,
        youth: str = YOUTH,
    ) -> None:
        self.youth = youth
        self.born = born
        self.facts: list[Fact] = []
        self.add("YouthRegistered", registered, birth_year=born.year)

    def add(self, kind: str, on: date, *, seq: int | None = None, **fields: Any) -> Fact:
        state: dict[str, Any] = {"occurred_on": on.isoformat(), **DEFAULTS[kind]}
        for name, value in fields.items():
            state[name] = value.isoformat() if isinstance(value, date) else value
        fact = fact_from_state(kind, state, seq if seq is not None else len(self.facts) + 1)
        self.facts.append(fact)
        return fact

    # shortcuts for the usual steps
    def support(self, on: date, **fields: Any) -> Life:
        self.add("SupportStarted", on, **fields)
        return self

    def custody(self, s: date, expected: date | None = None, **fields: Any) -> Life:
        if expected is not None:
            fields["expected_release_on"] = expected
        self.add("Incarcerated", s, **fields)
        return self

    def release(self, r: date, destination: str = "saint-malo") -> Life:
        self.add("Released", r, destination=destination)
        return self

    def contact(self, on: date) -> Life:
        self.add("ContactMade", on)
        return self

    def plan(self, on: date) -> Life:
        self.add("ReleasePlanValidated", on)
        return self

    def ack(self, code: str, on: date) -> Life:
        self.add("AlertAcknowledged", on, alert=code)
        return self

    def line(self, day: date, ref: ReferenceData | None = None) -> CaseloadLine | None:
        return assess(self.youth, self.facts, day, ref or ReferenceData(), self.born)

    def alerts(self, day: date, ref: ReferenceData | None = None) -> dict[str, date]:
        """The open alerts as of the day: code -> since."""
        line = self.line(day, ref)
        assert line is not None, "the youth is not followed on that day"
        return {alert.alert: alert.since for alert in line.alerts}


# --- the worked example -------------------------------------------------------------


EXPECTED = json.loads((EXAMPLES / "worked-example.alerts.json").read_text())


@pytest.mark.parametrize("as_of", sorted(EXPECTED))
def test_the_worked_example_gives_exactly_the_expected_alerts(as_of: str) -> None:
    line = assess(
        "EX-1",
        worked_example_facts(),
        date.fromisoformat(as_of),
        ReferenceData(),
        date(2005, 2, 10),
    )
    assert line is not None
    found = sorted((a.youth, a.alert, a.since.isoformat()) for a in line.alerts)
    expected = sorted((e["youth"], e["alert"], e["since"]) for e in EXPECTED[as_of])
    assert found == expected


def test_the_worked_example_caseload_line_on_31_march() -> None:
    line = assess("EX-1", worked_example_facts(), date(2026, 3, 31), ReferenceData())
    assert line is not None
    assert (line.organisation, line.counsellor, line.support, line.custody) == (
        "ml-saint-malo",
        "c-sm-1",
        "active",
        "none",
    )
    assert line.last_contact_on is None
    reasons = {a.alert: a.reason for a in line.alerts}
    assert "we-ker" in reasons["handover-pending"]


def test_assess_does_not_depend_on_the_order_of_its_input() -> None:
    facts = worked_example_facts()
    expected = assess("EX-1", facts, date(2026, 3, 31), ReferenceData(), date(2005, 2, 10))
    shuffler = random.Random(35)
    for _ in range(10):
        shuffled = facts[:]
        shuffler.shuffle(shuffled)
        found = assess("EX-1", shuffled, date(2026, 3, 31), ReferenceData(), date(2005, 2, 10))
        assert found == expected


def test_alerts_are_sorted_by_since_then_by_the_catalogue_order() -> None:
    line = assess("EX-1", worked_example_facts(), date(2026, 3, 31), ReferenceData())
    assert line is not None
    keys = [(a.since, ALERT_CODES.index(a.alert)) for a in line.alerts]
    assert keys == sorted(keys)


# --- no-first-contact -------------------------------------------------------------------


def test_no_first_contact_in_custody_is_raised_on_day_16_not_on_day_15() -> None:
    life = Life().custody(S)
    assert "no-first-contact" not in life.alerts(plus(S, 15))
    assert life.alerts(plus(S, 16))["no-first-contact"] == plus(S, 16)
    assert life.alerts(plus(S, 200))["no-first-contact"] == plus(S, 16)


def test_no_first_contact_under_community_supervision_has_the_same_edges() -> None:
    life = Life()
    life.add("CommunitySupervisionStarted", S)
    assert "no-first-contact" not in life.alerts(plus(S, 15))
    assert life.alerts(plus(S, 16))["no-first-contact"] == plus(S, 16)
    line = life.line(plus(S, 16))
    assert line is not None
    assert line.custody == "community"
    assert "community supervision" in line.alerts[0].reason


def test_no_first_contact_is_not_raised_after_the_supervision_ended() -> None:
    life = Life()
    life.add("CommunitySupervisionStarted", S)
    life.add("CommunitySupervisionEnded", plus(S, 10))
    assert "no-first-contact" not in life.alerts(plus(S, 30))


def test_the_custody_gives_the_no_first_contact_anchor_when_both_run() -> None:
    life = Life()
    life.add("CommunitySupervisionStarted", plus(S, -40))
    life.custody(S)
    # under supervision for 50 days, but in custody for 10 only: no alert yet
    assert "no-first-contact" not in life.alerts(plus(S, 10))
    assert life.alerts(plus(S, 16))["no-first-contact"] == plus(S, 16)
    line = life.line(plus(S, 16))
    assert line is not None
    assert line.custody == "in-custody"
    assert line.alerts[0].anchor == S


def test_a_contact_on_the_first_day_of_custody_counts() -> None:
    life = Life().custody(S).contact(S)
    assert "no-first-contact" not in life.alerts(plus(S, 60))


def test_a_contact_on_the_day_itself_counts() -> None:
    life = Life().custody(S).contact(plus(S, 20))
    assert "no-first-contact" in life.alerts(plus(S, 19))
    assert "no-first-contact" not in life.alerts(plus(S, 20))


def test_a_contact_before_the_custody_does_not_count() -> None:
    life = Life().contact(plus(S, -1)).custody(S)
    assert life.alerts(plus(S, 16))["no-first-contact"] == plus(S, 16)


# --- release-unprepared and release-overdue -----------------------------------------------


E = plus(S, 100)  # the expected release


@pytest.mark.parametrize(
    ("days_before", "raised"),
    [(31, False), (30, True), (29, True), (1, True), (0, True), (-1, False)],
)
def test_release_unprepared_is_raised_from_30_days_before_the_expected_release(
    days_before: int, raised: bool
) -> None:
    life = Life().custody(S, E).contact(S)
    found = life.alerts(plus(E, -days_before))
    assert ("release-unprepared" in found) is raised
    if raised:
        assert found["release-unprepared"] == plus(E, -30)
        line = life.line(plus(E, -days_before))
        assert line is not None
        reason = next(a.reason for a in line.alerts if a.alert == "release-unprepared")
        # the days left said as a person says them (it said "in 1 days")
        left = {1: "(tomorrow)", 0: "(today)"}.get(days_before, f"(in {days_before} days)")
        assert f"expected release {E.isoformat()} {left}, no release plan validated" == reason


def test_a_release_tomorrow_is_said_so_in_french_too() -> None:
    from pathways import i18n

    life = Life().custody(S, E).contact(S)
    with i18n.using("fr"):
        line = life.line(plus(E, -1))
        assert line is not None
        reason = next(a.reason for a in line.alerts if a.alert == "release-unprepared")
    assert "(demain), aucun plan de sortie validé" in reason


def test_release_unprepared_since_is_the_custody_start_for_a_short_custody() -> None:
    life = Life().custody(S, plus(S, 20)).contact(S)
    assert life.alerts(plus(S, 1))["release-unprepared"] == S


def test_a_plan_validated_within_the_custody_silences_release_unprepared() -> None:
    life = Life().custody(S, E).contact(S).plan(plus(S, 10))
    assert "release-unprepared" not in life.alerts(plus(E, -10))


def test_a_plan_validated_on_the_first_day_of_custody_counts() -> None:
    life = Life().custody(S, E).contact(S).plan(S)
    assert "release-unprepared" not in life.alerts(plus(E, -10))


def test_a_plan_validated_later_than_the_day_does_not_count_yet() -> None:
    life = Life().custody(S, E).contact(S).plan(plus(E, -5))
    assert "release-unprepared" in life.alerts(plus(E, -10))
    assert "release-unprepared" not in life.alerts(plus(E, -5))


def test_a_plan_from_a_previous_custody_does_not_silence_release_unprepared() -> None:
    s0 = date(2025, 6, 1)
    life = Life(registered=date(2025, 5, 1)).custody(s0).contact(s0).plan(plus(s0, 5))
    life.release(plus(s0, 30))
    life.custody(S, E).contact(S)
    assert life.alerts(plus(E, -10))["release-unprepared"] == plus(E, -30)


def test_no_expected_release_means_no_release_alert() -> None:
    life = Life().custody(S).contact(S)
    found = life.alerts(plus(S, 400))
    assert "release-unprepared" not in found
    assert "release-overdue" not in found


@pytest.mark.parametrize(("days_after", "raised"), [(0, False), (7, False), (8, True), (60, True)])
def test_release_overdue_is_raised_more_than_7_days_after_the_expected_release(
    days_after: int, raised: bool
) -> None:
    life = Life().custody(S, E).contact(S).plan(S)
    found = life.alerts(plus(E, days_after))
    assert ("release-overdue" in found) is raised
    if raised:
        assert found["release-overdue"] == plus(E, 8)
        line = life.line(plus(E, days_after))
        assert line is not None
        assert line.alerts[-1].anchor == E


def test_release_overdue_is_not_raised_once_the_release_is_recorded() -> None:
    life = Life().custody(S, E).contact(S).plan(S).release(plus(E, 20))
    assert "release-overdue" not in life.alerts(plus(E, 25))
    assert "release-overdue" in life.alerts(plus(E, 19))


def test_the_expected_release_is_that_of_the_latest_dated_statement() -> None:
    later = plus(S, 60)
    life = Life().custody(S, E).contact(S)
    life.add("ExpectedReleaseChanged", plus(S, 40), expected_release_on=later)
    # before the change is dated, the Incarcerated's date holds
    assert "release-unprepared" not in life.alerts(plus(S, 20))
    assert life.alerts(plus(S, 40))["release-unprepared"] == plus(later, -30)
    assert life.alerts(plus(later, 8))["release-overdue"] == plus(later, 8)


def test_a_statement_dated_later_wins_over_one_recorded_later() -> None:
    first, second = plus(S, 50), plus(S, 70)
    life = Life().custody(S, E).contact(S)
    life.add("ExpectedReleaseChanged", plus(S, 30), expected_release_on=second)
    life.add("ExpectedReleaseChanged", plus(S, 20), expected_release_on=first)  # a late entry
    assert life.alerts(plus(S, 45))["release-unprepared"] == plus(second, -30)


def test_between_statements_of_one_day_the_latest_recorded_wins() -> None:
    first, second = plus(S, 50), plus(S, 70)
    life = Life().custody(S, E).contact(S)
    life.add("ExpectedReleaseChanged", plus(S, 30), expected_release_on=second, seq=11)
    life.add("ExpectedReleaseChanged", plus(S, 30), expected_release_on=first, seq=10)
    assert life.alerts(plus(S, 45))["release-unprepared"] == plus(second, -30)
    assert "release-overdue" not in life.alerts(plus(first, 8))


def test_a_change_on_the_first_day_of_custody_overrides_the_incarcerated() -> None:
    sooner = plus(S, 25)
    life = Life().custody(S, E).contact(S)
    life.add("ExpectedReleaseChanged", S, expected_release_on=sooner)
    assert life.alerts(plus(S, 1))["release-unprepared"] == S
    assert life.alerts(plus(sooner, 8))["release-overdue"] == plus(sooner, 8)


def test_a_change_from_a_previous_custody_does_not_count() -> None:
    s0 = date(2025, 6, 1)
    life = Life(registered=date(2025, 5, 1)).custody(s0, plus(s0, 40)).contact(s0).plan(s0)
    life.add("ExpectedReleaseChanged", plus(s0, 10), expected_release_on=plus(s0, 20))
    life.release(plus(s0, 20))
    life.custody(S).contact(S)  # no expected release for this custody
    found = life.alerts(plus(S, 30))
    assert "release-unprepared" not in found
    assert "release-overdue" not in found


# --- dry-release -------------------------------------------------------------------------


R = date(2026, 4, 10)  # a release date


def released_life(plan_on: date | None = None, destination: str = "saint-malo") -> Life:
    life = Life().support(plus(S, 1)).custody(S).contact(S)
    if plan_on is not None:
        life.plan(plan_on)
    return life.release(R, destination)


@pytest.mark.parametrize(("days_after", "raised"), [(0, True), (1, True), (30, True), (31, False)])
def test_dry_release_is_raised_from_the_release_day_for_30_days(
    days_after: int, raised: bool
) -> None:
    found = released_life().alerts(plus(R, days_after))
    assert ("dry-release" in found) is raised
    if raised:
        assert found["dry-release"] == R


@pytest.mark.parametrize("plan_on", [S, plus(S, 30), R])
def test_a_plan_dated_within_the_custody_or_on_the_release_day_prevents_dry_release(
    plan_on: date,
) -> None:
    assert "dry-release" not in released_life(plan_on).alerts(R)


def test_a_plan_before_the_custody_does_not_prevent_dry_release() -> None:
    life = Life().support(plus(S, -10)).plan(plus(S, -1)).custody(S).release(R)
    assert life.alerts(plus(R, 5))["dry-release"] == R


def test_a_plan_after_the_release_does_not_prevent_dry_release() -> None:
    life = Life().support(plus(S, -10)).custody(S).release(R).plan(plus(R, 1))
    assert life.alerts(plus(R, 5))["dry-release"] == R


# --- no-contact-after-release -------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_after", "raised"), [(15, False), (16, True), (90, True), (91, False)]
)
def test_no_contact_after_release_runs_from_day_16_to_day_90(days_after: int, raised: bool) -> None:
    found = released_life(S).alerts(plus(R, days_after))
    assert ("no-contact-after-release" in found) is raised
    if raised:
        assert found["no-contact-after-release"] == plus(R, 16)


def test_a_contact_on_the_release_day_counts_after_release() -> None:
    life = released_life(S).contact(R)
    assert "no-contact-after-release" not in life.alerts(plus(R, 30))


def test_a_contact_in_custody_does_not_count_after_release() -> None:
    life = released_life(S)
    life.contact(plus(R, -1))
    assert "no-contact-after-release" in life.alerts(plus(R, 30))


# --- contact-lost -------------------------------------------------------------------------


A = date(2026, 2, 1)  # the start of the support


@pytest.mark.parametrize(("days_after", "raised"), [(60, False), (61, True)])
def test_contact_lost_is_raised_61_days_after_the_support_began(
    days_after: int, raised: bool
) -> None:
    life = Life().support(A)
    found = life.alerts(plus(A, days_after))
    assert ("contact-lost" in found) is raised
    if raised:
        assert found["contact-lost"] == plus(A, 61)


@pytest.mark.parametrize(("days_after", "raised"), [(60, False), (61, True)])
def test_contact_lost_counts_from_the_last_contact(days_after: int, raised: bool) -> None:
    c = plus(A, 20)
    life = Life().support(A).contact(plus(A, 5)).contact(c)
    found = life.alerts(plus(c, days_after))
    assert ("contact-lost" in found) is raised
    if raised:
        assert found["contact-lost"] == plus(c, 61)


def test_contact_lost_counts_from_the_support_start_when_the_contact_is_older() -> None:
    life = Life().contact(plus(A, -30)).support(A)
    assert "contact-lost" not in life.alerts(plus(A, 60))
    assert life.alerts(plus(A, 61))["contact-lost"] == plus(A, 61)


def test_contact_lost_counts_from_the_latest_support_start() -> None:
    life = Life().support(plus(A, -200))
    life.add("SupportClosed", plus(A, -100))
    life.support(A)
    assert "contact-lost" not in life.alerts(plus(A, 60))
    assert life.alerts(plus(A, 61))["contact-lost"] == plus(A, 61)


def test_no_contact_lost_without_support() -> None:
    assert "contact-lost" not in Life().alerts(plus(A, 400))


# --- no-mainstream-entry ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_after", "raised"), [(90, False), (91, True), (365, True), (366, False)]
)
def test_no_mainstream_entry_runs_from_day_91_to_day_365(days_after: int, raised: bool) -> None:
    life = released_life(S)
    life.contact(plus(R, days_after))  # keeps the other alerts quiet
    found = life.alerts(plus(R, days_after))
    assert ("no-mainstream-entry" in found) is raised
    if raised:
        assert found["no-mainstream-entry"] == plus(R, 91)


@pytest.mark.parametrize(
    ("kind", "days_after"),
    [("ProgrammeEntered", 0), ("ProgrammeEntered", 95), ("SituationStarted", 50)],
)
def test_a_programme_or_a_situation_after_release_prevents_no_mainstream_entry(
    kind: str, days_after: int
) -> None:
    life = released_life(S)
    life.add(kind, plus(R, days_after))
    assert "no-mainstream-entry" not in life.alerts(plus(R, 100))


def test_a_programme_entered_before_the_release_does_not_count() -> None:
    life = Life().support(plus(S, 1)).custody(S).contact(S).plan(S)
    life.add("ProgrammeEntered", plus(S, 3))
    life.release(R)
    assert life.alerts(plus(R, 100))["no-mainstream-entry"] == plus(R, 91)


# --- ageing-out ---------------------------------------------------------------------------


def test_ageing_out_is_raised_60_days_before_the_26th_birthday() -> None:
    born = date(2001, 7, 20)
    b = date(2027, 7, 20)
    life = Life(registered=date(2026, 1, 10), born=born)
    assert "ageing-out" not in life.alerts(plus(b, -61))
    assert life.alerts(plus(b, -60))["ageing-out"] == plus(b, -60)
    line = life.line(plus(b, -60))
    assert line is not None
    assert "within 60 days" in line.alerts[0].reason


def test_the_26th_birthday_of_a_29_february_birth_is_1_march() -> None:
    born = date(2004, 2, 29)
    assert birthday_26(born) == date(2030, 3, 1)
    assert birthday_26(date(2004, 3, 1)) == date(2030, 3, 1)
    life = Life(registered=date(2026, 1, 10), born=born)
    edge = date(2030, 3, 1) - timedelta(days=60)
    assert "ageing-out" not in life.alerts(plus(edge, -1))
    assert life.alerts(edge)["ageing-out"] == edge


def test_a_youth_already_26_and_still_followed_has_ageing_out() -> None:
    born = date(2000, 5, 2)
    life = Life(registered=date(2025, 12, 1), born=born)
    line = life.line(date(2026, 11, 1))
    assert line is not None
    assert [a.alert for a in line.alerts] == ["ageing-out"]
    assert line.alerts[0].since == date(2026, 5, 2) - timedelta(days=60)
    assert "is 26" in line.alerts[0].reason


def test_no_ageing_out_without_a_birth_date() -> None:
    life = Life(registered=date(2025, 12, 1), born=date(2000, 5, 2))
    line = assess(YOUTH, life.facts, date(2026, 11, 1), ReferenceData(), None)
    assert line is not None
    assert line.alerts == ()


# --- handover-pending ---------------------------------------------------------------------


@pytest.mark.parametrize(("days_after", "raised"), [(15, False), (16, True), (200, True)])
def test_handover_pending_after_a_release_to_a_territory_the_organisation_does_not_serve(
    days_after: int, raised: bool
) -> None:
    life = released_life(S, destination="rennes")
    found = life.alerts(plus(R, days_after))
    assert ("handover-pending" in found) is raised
    if raised:
        assert found["handover-pending"] == plus(R, 16)


@pytest.mark.parametrize("ack_after", [0, 10, 30])
def test_a_handover_acknowledged_after_the_release_silences_handover_pending(
    ack_after: int,
) -> None:
    life = released_life(S, destination="rennes")
    life.add("HandedOver", R)
    life.add("HandoverAcknowledged", plus(R, ack_after))
    if ack_after > 16:
        assert "handover-pending" in life.alerts(plus(R, ack_after - 1))
    assert "handover-pending" not in life.alerts(plus(R, ack_after + 40))
    line = life.line(plus(R, ack_after))
    assert line is not None
    assert (line.organisation, line.counsellor) == ("we-ker", "c-wk-7")


def test_a_handover_acknowledged_before_the_release_does_not_count() -> None:
    life = Life().support(plus(S, 1)).custody(S).contact(S).plan(S)
    life.add("HandedOver", plus(S, 2), to_organisation="ml-fougeres", to_counsellor=None)
    life.add("HandoverAcknowledged", plus(S, 3), organisation="ml-fougeres")
    life.release(R, "rennes")
    line = life.line(plus(R, 20))
    assert line is not None
    assert (line.organisation, line.counsellor) == ("ml-fougeres", None)
    assert {a.alert: a.since for a in line.alerts}["handover-pending"] == plus(R, 16)


def test_no_handover_pending_when_the_organisation_serves_the_destination() -> None:
    life = released_life(S, destination="saint-malo")
    assert "handover-pending" not in life.alerts(plus(R, 20))


def test_a_release_outside_the_departement_needs_a_handover() -> None:
    life = released_life(S, destination="outside-35")
    assert "handover-pending" in life.alerts(plus(R, 20))


def test_no_handover_pending_without_a_support_organisation() -> None:
    life = Life().custody(S).contact(S).plan(S).release(R, "rennes")
    assert "handover-pending" not in life.alerts(plus(R, 20))


# --- no-support -----------------------------------------------------------------------------


def no_support(life: Life, day: date, ref: ReferenceData | None = None) -> Alert | None:
    line = life.line(day, ref)
    assert line is not None, "the youth has no line on that day"
    return next((a for a in line.alerts if a.alert == "no-support"), None)


def test_no_support_in_custody_is_raised_on_day_16_not_on_day_15() -> None:
    life = Life().custody(S).contact(S)
    assert no_support(life, plus(S, 15)) is None
    found = no_support(life, plus(S, 16))
    assert found is not None
    assert (found.since, found.anchor) == (plus(S, 16), S)
    assert found.reason == "in custody since 2026-01-05 (ma-saint-malo), no Mission Locale support"
    assert life.alerts(plus(S, 300))["no-support"] == plus(S, 16)


@pytest.mark.parametrize("started", [1, 15, 16, 40])
def test_a_support_started_closes_no_support_from_its_day(started: int) -> None:
    life = Life().custody(S).contact(S).support(plus(S, started))
    for day in range(16, 60):
        found = no_support(life, plus(S, day))
        assert (found is not None) is (day < started), day


def test_a_support_closed_while_in_custody_leaves_the_youth_without_support_from_that_day() -> None:
    c = plus(S, 40)
    life = Life(born=date(2001, 1, 1)).support(plus(S, -30)).custody(S, plus(S, 20)).contact(S)
    life.add("SupportClosed", c)
    assert life.line(c) is None  # not followed, and not yet more than 15 days
    assert life.line(plus(c, 15)) is None
    line = life.line(plus(c, 16))
    assert line is not None
    assert (line.support, line.organisation, line.counsellor, line.custody) == (
        "closed",
        None,
        None,
        "in-custody",
    )
    assert line.last_contact_on == S
    # the other alerts are for followed youths only: release-overdue and ageing-out
    # would be open on a followed youth's line
    assert [(a.alert, a.since, a.anchor) for a in line.alerts] == [("no-support", plus(c, 16), c)]
    assert line.alerts[0].reason == (
        "in custody since 2026-01-05 (ma-saint-malo), support closed on 2026-02-14"
    )


def test_a_support_closed_before_the_custody_counts_from_the_custody() -> None:
    life = Life().support(plus(S, -60))
    life.add("SupportClosed", plus(S, -50))
    life.custody(S)
    assert life.line(plus(S, 15)) is None
    assert no_support(life, plus(S, 16)) == no_support(life, plus(S, 100))
    line = life.line(plus(S, 16))
    assert line is not None
    assert (line.support, [a.alert for a in line.alerts]) == ("closed", ["no-support"])
    assert line.alerts[0].anchor == S


def test_a_youth_whose_support_is_closed_has_no_line_once_released() -> None:
    life = Life().support(plus(S, -60))
    life.add("SupportClosed", plus(S, -50))
    life.custody(S).release(plus(S, 30))
    assert life.line(plus(S, 29)) is not None
    assert life.line(plus(S, 30)) is None


def test_a_support_started_again_gives_the_followed_line_back() -> None:
    life = Life().support(plus(S, -60))
    life.add("SupportClosed", plus(S, -50))
    life.custody(S).contact(S).support(plus(S, 30), organisation="we-ker", counsellor="c-wk-1")
    assert no_support(life, plus(S, 29)) is not None
    line = life.line(plus(S, 30))
    assert line is not None
    assert (line.support, line.organisation, line.alerts) == ("active", "we-ker", ())


def test_no_support_under_community_supervision_without_custody() -> None:
    life = Life().contact(S)
    life.add("CommunitySupervisionStarted", S)
    assert no_support(life, plus(S, 15)) is None
    found = no_support(life, plus(S, 16))
    assert found is not None
    assert (found.since, found.anchor) == (plus(S, 16), S)
    assert found.reason == "under community supervision since 2026-01-05, no Mission Locale support"
    life.add("CommunitySupervisionEnded", plus(S, 20))
    assert no_support(life, plus(S, 20)) is None


def test_a_support_closed_under_supervision_counts_from_the_closure() -> None:
    life = Life().support(plus(S, -10)).contact(S)
    life.add("CommunitySupervisionStarted", S)
    life.add("SupportClosed", plus(S, 5))
    assert life.line(plus(S, 20)) is None
    line = life.line(plus(S, 21))
    assert line is not None
    assert (line.support, line.custody) == ("closed", "community")
    assert [(a.alert, a.since) for a in line.alerts] == [("no-support", plus(S, 21))]


def test_the_custody_gives_the_no_support_anchor_when_both_run() -> None:
    life = Life().contact(S)
    life.add("CommunitySupervisionStarted", plus(S, -40))
    life.custody(S)
    assert no_support(life, plus(S, 15)) is None
    found = no_support(life, plus(S, 16))
    assert found is not None
    assert found.anchor == S
    # released, still under supervision: counted from the supervision's start again
    life.release(plus(S, 20))
    after = no_support(life, plus(S, 20))
    assert after is not None
    assert (after.anchor, after.since) == (plus(S, -40), plus(S, -24))


def test_no_support_is_silenced_by_an_acknowledgement_on_or_after_its_anchor() -> None:
    life = Life().custody(S).contact(S).ack("no-support", plus(S, 20))
    assert no_support(life, plus(S, 19)) is not None
    assert no_support(life, plus(S, 20)) is None
    assert no_support(life, plus(S, 300)) is None


def test_an_acknowledged_no_support_comes_back_when_a_support_closes_later() -> None:
    life = Life().custody(S).contact(S).ack("no-support", plus(S, 20))
    life.support(plus(S, 30))
    life.add("SupportClosed", plus(S, 40))
    assert life.line(plus(S, 55)) is None
    assert life.alerts(plus(S, 56)) == {"no-support": plus(S, 56)}


def test_an_acknowledged_no_support_of_a_closed_support_leaves_no_line() -> None:
    life = Life().support(plus(S, -60))
    life.add("SupportClosed", plus(S, -50))
    life.custody(S).ack("no-support", plus(S, 16))
    assert life.line(plus(S, 15)) is None
    assert life.line(plus(S, 16)) is None


def test_a_changed_threshold_moves_the_edge_of_no_support() -> None:
    ref = ReferenceData()
    ref.thresholds["no-support.days"] = 30
    life = Life().custody(S).contact(S)
    assert no_support(life, plus(S, 30), ref) is None
    assert life.alerts(plus(S, 31), ref)["no-support"] == plus(S, 31)


# --- a release and a new custody on one day -----------------------------------------------


@pytest.mark.parametrize("order", list(permutations(range(3))))
def test_a_release_and_a_new_custody_on_one_day_leave_the_youth_in_custody(
    order: tuple[int, ...],
) -> None:
    steps = [
        ("Incarcerated", S, {}),
        ("Released", R, {"destination": "rennes"}),
        ("Incarcerated", R, {"expected_release_on": plus(R, 30)}),
    ]
    life = Life().support(plus(S, -1))
    life.contact(S).plan(S)
    for seq, index in enumerate(order, start=10):
        kind, on, fields = steps[index]
        life.add(kind, on, seq=seq, **fields)
    line = life.line(plus(R, 16))
    assert line is not None
    assert line.custody == "in-custody"
    found = {a.alert: a for a in line.alerts}
    assert "dry-release" not in found
    assert "handover-pending" not in found
    assert "no-contact-after-release" not in found
    assert found["no-first-contact"].since == plus(R, 16)
    assert found["no-first-contact"].anchor == R
    assert found["release-unprepared"].since == R


# --- acknowledgement ----------------------------------------------------------------------


def test_an_acknowledgement_dated_on_the_anchor_silences_the_alert() -> None:
    life = Life().custody(S).ack("no-first-contact", S)
    assert "no-first-contact" not in life.alerts(plus(S, 30))


def test_an_acknowledgement_dated_after_the_alert_silences_it_from_its_date() -> None:
    life = Life().custody(S).ack("no-first-contact", plus(S, 20))
    assert "no-first-contact" in life.alerts(plus(S, 19))
    assert "no-first-contact" not in life.alerts(plus(S, 20))


def test_an_acknowledgement_dated_before_the_anchor_does_not_silence() -> None:
    life = Life().ack("no-first-contact", plus(S, -1)).custody(S)
    assert "no-first-contact" in life.alerts(plus(S, 20))


def test_an_acknowledgement_of_another_code_does_not_silence() -> None:
    life = Life().custody(S).ack("dry-release", plus(S, 20))
    assert "no-first-contact" in life.alerts(plus(S, 20))


def test_a_new_custody_raises_an_acknowledged_alert_again() -> None:
    life = Life().custody(S).ack("no-first-contact", plus(S, 20))
    life.plan(plus(S, 21)).release(plus(S, 30))
    s2 = plus(S, 100)
    life.custody(s2)
    assert "no-first-contact" not in life.alerts(plus(s2, 15))
    assert life.alerts(plus(s2, 16))["no-first-contact"] == plus(s2, 16)


def test_a_new_release_raises_an_acknowledged_dry_release_again() -> None:
    life = Life().custody(S).contact(S).release(R).ack("dry-release", R)
    assert "dry-release" not in life.alerts(plus(R, 5))
    s2, r2 = plus(R, 40), plus(R, 60)
    life.custody(s2).contact(s2).release(r2)
    assert life.alerts(r2)["dry-release"] == r2


def test_a_new_contact_raises_an_acknowledged_contact_lost_again() -> None:
    life = Life().support(A).ack("contact-lost", plus(A, 61))
    assert "contact-lost" not in life.alerts(plus(A, 100))
    c = plus(A, 100)
    life.contact(c)
    assert "contact-lost" not in life.alerts(plus(c, 60))
    assert life.alerts(plus(c, 61))["contact-lost"] == plus(c, 61)


# --- who is followed ----------------------------------------------------------------------


def test_a_youth_whose_support_is_closed_is_not_followed() -> None:
    # (in custody, such a youth has a line for no-support alone: see that section)
    life = Life().support(A)
    life.add("SupportClosed", plus(A, 10))
    assert life.line(plus(A, 9)) is not None
    assert life.line(plus(A, 10)) is None
    assert life.line(plus(A, 300)) is None


def test_a_youth_whose_support_restarted_is_followed_again() -> None:
    life = Life().support(A)
    life.add("SupportClosed", plus(A, 10))
    life.support(plus(A, 50), organisation="we-ker", counsellor="c-wk-1")
    assert life.line(plus(A, 49)) is None
    line = life.line(plus(A, 50))
    assert line is not None
    assert (line.organisation, line.counsellor, line.support) == ("we-ker", "c-wk-1", "active")


def test_a_youth_with_no_support_yet_is_followed() -> None:
    line = Life().custody(S).line(plus(S, 1))
    assert line is not None
    assert (line.support, line.organisation, line.custody) == ("not-started", None, "in-custody")


def test_a_youth_registered_after_the_day_is_not_followed() -> None:
    life = Life(registered=date(2026, 2, 1)).custody(S)
    assert life.line(date(2026, 1, 31)) is None
    assert life.line(date(2026, 2, 1)) is not None


def test_the_caseload_line_follows_counsellor_changes_and_contacts() -> None:
    life = Life().support(A).contact(plus(A, 3))
    life.add("CounsellorAssigned", plus(A, 5))
    line = life.line(plus(A, 6))
    assert line is not None
    assert (line.organisation, line.counsellor, line.last_contact_on) == (
        "ml-saint-malo",
        "c-sm-2",
        plus(A, 3),
    )


# --- thresholds ---------------------------------------------------------------------------


def test_a_changed_threshold_moves_the_edge_of_no_first_contact() -> None:
    ref = ReferenceData()
    ref.thresholds["no-first-contact.days"] = 21
    life = Life().custody(S)
    assert "no-first-contact" not in life.alerts(plus(S, 21), ref)
    assert life.alerts(plus(S, 22), ref)["no-first-contact"] == plus(S, 22)


def test_a_setting_changed_event_moves_the_edge_of_contact_lost() -> None:
    ref = ReferenceData.replay(
        [SettingChanged(name="contact-lost.days", value="45", occurred_on=date(2026, 1, 1))]
    )
    life = Life().support(A)
    assert "contact-lost" not in life.alerts(plus(A, 45), ref)
    assert life.alerts(plus(A, 46), ref)["contact-lost"] == plus(A, 46)


@pytest.mark.parametrize(
    ("name", "value", "code", "edge", "since"),
    [
        ("release-unprepared.days", 10, "release-unprepared", -10, -10),
        ("release-overdue.days", 2, "release-overdue", 3, 3),
    ],
)
def test_changed_thresholds_move_the_edges_around_the_expected_release(
    name: str, value: int, code: str, edge: int, since: int
) -> None:
    ref = ReferenceData()
    ref.thresholds[name] = value
    life = Life().custody(S, E).contact(S)
    assert code not in life.alerts(plus(E, edge - 1), ref)
    assert life.alerts(plus(E, edge), ref)[code] == plus(E, since)


def test_changed_thresholds_move_the_edges_after_release() -> None:
    ref = ReferenceData()
    ref.thresholds.update(
        {
            "dry-release.days": 5,
            "no-contact-after-release.days": 7,
            "no-contact-after-release.until": 20,
            "no-mainstream-entry.days": 30,
            "no-mainstream-entry.until": 40,
            "handover-pending.days": 3,
            "contact-lost.days": 1000,
        }
    )
    life = released_life(destination="rennes")
    assert set(life.alerts(plus(R, 3), ref)) == {"dry-release"}
    assert set(life.alerts(plus(R, 4), ref)) == {"dry-release", "handover-pending"}
    assert set(life.alerts(plus(R, 6), ref)) == {"handover-pending"}
    assert life.alerts(plus(R, 8), ref)["no-contact-after-release"] == plus(R, 8)
    assert "no-contact-after-release" not in life.alerts(plus(R, 21), ref)
    assert "no-mainstream-entry" not in life.alerts(plus(R, 30), ref)
    assert life.alerts(plus(R, 31), ref)["no-mainstream-entry"] == plus(R, 31)
    assert "no-mainstream-entry" not in life.alerts(plus(R, 41), ref)


def test_a_changed_ageing_out_threshold_moves_its_edge() -> None:
    ref = ReferenceData()
    ref.thresholds["ageing-out.days"] = 90
    born = date(2001, 7, 20)
    b = date(2027, 7, 20)
    life = Life(registered=date(2026, 1, 10), born=born)
    assert "ageing-out" not in life.alerts(plus(b, -91), ref)
    assert life.alerts(plus(b, -90), ref)["ageing-out"] == plus(b, -90)


def test_a_changed_territory_setting_changes_handover_pending() -> None:
    ref = ReferenceData.replay(
        [SettingChanged(name="territory.rennes", value="ml-saint-malo", occurred_on=S)]
    )
    life = released_life(S, destination="rennes")
    assert "handover-pending" in life.alerts(plus(R, 20))
    assert "handover-pending" not in life.alerts(plus(R, 20), ref)
