"""One young person at a glance: the pure walk `domain.card.card(facts, day)`.

No database: facts are built from interchange-format states with `fact_from_state`,
numbered in recording order, sorted in life order as the read models hand them over.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from conftest import worked_example_facts
from pathways.domain.alert_walk import situation
from pathways.domain.alerts import assess, supervised
from pathways.domain.card import RIGHTS, Custody, Dated, Handover, Plan, Release, card
from pathways.domain.facts import Fact, fact_from_state, in_life_order
from pathways.domain.reference import ReferenceData


class Facts:
    """A youth's facts, numbered in the order they are added (the recording order)."""

    def __init__(self, registered: date = date(2025, 12, 1), residence: str = "saint-malo"):
        self.facts: list[Fact] = []
        self.add("YouthRegistered", registered, residence=residence, birth_year=2004)

    def add(self, event_type: str, on: date, **fields: Any) -> Facts:
        state = {"occurred_on": on.isoformat()}
        state |= {k: v.isoformat() if isinstance(v, date) else v for k, v in fields.items()}
        self.facts.append(fact_from_state(event_type, state, len(self.facts) + 1))
        return self

    def card(self, day: date) -> Any:
        return card(in_life_order(self.facts), day)

    def support(self, on: date, organisation: str = "ml-saint-malo", who: str = "c-1") -> Facts:
        return self.add("SupportStarted", on, organisation=organisation, counsellor=who)

    def custody(self, on: date, status: str = "sentenced", **fields: Any) -> Facts:
        return self.add("Incarcerated", on, facility="ma-saint-malo", status=status, **fields)

    def release(self, on: date, destination: str = "saint-malo") -> Facts:
        return self.add("Released", on, kind="end-of-sentence", destination=destination)

    def plan(self, on: date, *, housing: bool = True, first: date | None = None) -> Facts:
        yes = {"income": True, "id_document": True, "health_cover": True}
        return self.add(
            "ReleasePlanValidated", on, housing=housing, first_appointment_on=first, **yes
        )


def worked_example() -> list[Fact]:
    return in_life_order(worked_example_facts())


# --- the worked example ---------------------------------------------------------------------


def test_the_worked_example_after_its_release() -> None:
    found = card(worked_example(), date(2026, 3, 31))
    assert found.custody is None
    assert found.last_release == Release(date(2026, 3, 10), "end-of-sentence", "rennes")
    assert (found.situation.residence, found.situation.territory) == ("saint-malo", "rennes")
    assert (found.situation.organisation, found.situation.counsellor) == (
        "ml-saint-malo",
        "c-sm-1",
    )
    assert found.organisation_since == found.counsellor_since == date(2026, 1, 14)
    assert found.plan is None  # a dry release
    assert found.rights == ()
    assert found.missing_rights == RIGHTS
    assert found.handover is None
    assert found.measure is None
    assert (found.programmes, found.situations, found.care_referrals) == ((), (), ())


def test_the_worked_example_in_custody_counts_the_days_to_the_expected_release() -> None:
    found = card(worked_example(), date(2026, 2, 20))
    # the change of 2026-02-25 is not dated yet on 2026-02-20
    assert found.custody == Custody(
        "ma-saint-malo", date(2026, 1, 5), "sentenced", None, date(2026, 3, 20), 28
    )
    assert found.last_release is None
    assert found.situation.territory == "saint-malo"  # not released yet: the residence
    later = card(worked_example(), date(2026, 3, 1))
    assert later.custody is not None
    assert (later.custody.expected_release_on, later.custody.days_left) == (
        date(2026, 3, 10),
        9,
    )


# --- custody, supervision, plan ---------------------------------------------------------------


def test_the_custody_shows_its_latest_status_and_band_and_an_overdue_release() -> None:
    life = Facts().custody(date(2026, 1, 5), "remand", expected_release_on=date(2026, 2, 1))
    life.add("CustodyStatusChanged", date(2026, 1, 20), status="sentenced", sentence_band=None)
    life.add(
        "CustodyStatusChanged",
        date(2026, 1, 25),
        status="sentenced",
        sentence_band="6-to-12-months",
    )
    life.add("CustodyStatusChanged", date(2026, 1, 28), status="sentenced")  # band not restated
    custody = life.card(date(2026, 2, 11)).custody
    assert custody is not None
    assert (custody.status, custody.sentence_band) == ("sentenced", "6-to-12-months")
    assert custody.days_left == -10  # passed, no release recorded
    assert life.card(date(2026, 1, 21)).custody.sentence_band is None
    assert life.card(date(2026, 1, 10)).custody.status == "remand"


def test_a_new_custody_forgets_the_status_and_plan_of_the_previous_one() -> None:
    life = Facts().custody(date(2025, 1, 5), sentence_band="over-2-years")
    life.plan(date(2025, 3, 1)).release(date(2025, 4, 1))
    assert life.card(date(2025, 4, 10)).plan == Plan(date(2025, 3, 1), True, True, True, True, None)
    life.custody(date(2026, 1, 5), "remand")
    found = life.card(date(2026, 1, 10))
    assert found.custody is not None
    assert (found.custody.status, found.custody.sentence_band) == ("remand", None)
    assert found.plan is None
    assert found.last_release == Release(date(2025, 4, 1), "end-of-sentence", "saint-malo")


def test_the_plan_is_the_latest_of_the_custody_and_a_plan_after_the_release_is_not() -> None:
    life = Facts().custody(date(2026, 1, 5)).plan(date(2026, 2, 1), housing=False)
    life.plan(date(2026, 2, 15), first=date(2026, 3, 2))
    in_custody = life.card(date(2026, 2, 10)).plan
    assert in_custody is not None
    assert (in_custody.validated_on, in_custody.complete) == (date(2026, 2, 1), False)
    life.release(date(2026, 3, 1)).plan(date(2026, 3, 5), housing=False)
    found = life.card(date(2026, 3, 10)).plan
    assert found == Plan(date(2026, 2, 15), True, True, True, True, date(2026, 3, 2))
    assert found.complete


def test_a_supervision_shows_its_measure_and_planned_end_until_it_ends() -> None:
    life = Facts().add(
        "CommunitySupervisionStarted",
        date(2026, 1, 5),
        measure="probation",
        ends_on=date(2026, 7, 5),
    )
    found = life.card(date(2026, 2, 1))
    assert found.supervision is not None
    assert (found.supervision.measure, found.supervision.ends_on) == (
        "probation",
        date(2026, 7, 5),
    )
    assert found.plan is None
    assert found.custody is None
    life.add("CommunitySupervisionEnded", date(2026, 3, 1))
    assert life.card(date(2026, 3, 1)).supervision is None


# --- rights, care, programmes, measure ----------------------------------------------------------


def test_the_rights_are_a_checklist_in_the_order_of_the_catalogue() -> None:
    life = Facts().add("RightObtained", date(2026, 1, 10), right="health-insurance")
    life.add("RightObtained", date(2026, 1, 12), right="id-document")
    life.add("RightObtained", date(2026, 2, 1), right="id-document")  # renewed: the latest
    life.add("RightObtained", date(2026, 5, 1), right="housing")  # after the day asked
    found = life.card(date(2026, 3, 1))
    assert found.rights == (
        Dated("id-document", date(2026, 2, 1)),
        Dated("health-insurance", date(2026, 1, 10)),
    )
    assert found.missing_rights == tuple(r for r in RIGHTS if r not in found_codes(found))
    assert "housing" in found.missing_rights


def found_codes(found: Any) -> set[str]:
    return {right.code for right in found.rights}


def test_care_referrals_programmes_situations_and_the_measure() -> None:
    life = Facts().add("CareReferralMade", date(2026, 1, 10), service="csapa")
    life.add("CareReferralMade", date(2026, 1, 20), service="gp")
    life.add("ProgrammeEntered", date(2026, 2, 1), programme="pacea")
    life.add("ProgrammeExited", date(2026, 2, 20), programme="pacea")
    life.add("ProgrammeEntered", date(2026, 3, 1), programme="cej")
    life.add("SituationStarted", date(2026, 3, 2), situation="training")
    life.add("SituationStarted", date(2026, 1, 2), situation="immersion")
    life.add("SituationEnded", date(2026, 1, 9), situation="immersion")
    life.add("EnrolledInMeasure", date(2026, 1, 3), measure="first")
    life.add("EnrolledInMeasure", date(2026, 2, 3), measure="second")
    found = life.card(date(2026, 3, 31))
    assert found.care_referrals == (
        Dated("csapa", date(2026, 1, 10)),
        Dated("gp", date(2026, 1, 20)),
    )
    assert found.programmes == (Dated("cej", date(2026, 3, 1)),)
    assert found.situations == (Dated("training", date(2026, 3, 2)),)
    assert found.measure == Dated("second", date(2026, 2, 3))
    earlier = life.card(date(2026, 2, 10))
    assert earlier.programmes == (Dated("pacea", date(2026, 2, 1)),)
    assert earlier.situations == ()


# --- who follows, handovers, territory ----------------------------------------------------------


def test_since_when_the_organisation_and_the_counsellor_follow() -> None:
    life = Facts().support(date(2026, 1, 10), who="c-1")
    life.add("CounsellorAssigned", date(2026, 2, 1), organisation="ml-saint-malo", counsellor="c-2")
    found = life.card(date(2026, 2, 10))
    assert (found.organisation_since, found.counsellor_since) == (
        date(2026, 1, 10),
        date(2026, 2, 1),
    )
    life.add("HandedOver", date(2026, 3, 1), to_organisation="we-ker", to_counsellor="c-wk-7")
    pending = life.card(date(2026, 3, 5))
    assert pending.handover == Handover("we-ker", "c-wk-7", date(2026, 3, 1))
    assert pending.situation.organisation == "ml-saint-malo"  # until it is acknowledged
    life.add("HandoverAcknowledged", date(2026, 3, 8), organisation="we-ker")
    found = life.card(date(2026, 3, 10))
    assert found.handover is None
    assert (found.situation.organisation, found.situation.counsellor) == ("we-ker", "c-wk-7")
    assert found.organisation_since == found.counsellor_since == date(2026, 3, 8)


def test_a_handover_acknowledged_the_same_day_but_recorded_first_is_not_pending() -> None:
    life = Facts().support(date(2026, 1, 10))
    life.add("HandoverAcknowledged", date(2026, 3, 1), organisation="we-ker")
    life.add("HandedOver", date(2026, 3, 1), to_organisation="we-ker", to_counsellor=None)
    found = life.card(date(2026, 3, 2))
    assert found.handover is None
    assert (found.situation.organisation, found.situation.counsellor) == ("we-ker", None)
    assert found.counsellor_since is None  # nobody named


def test_a_new_support_starts_both_dates_again() -> None:
    life = Facts().support(date(2026, 1, 10), who="c-1")
    life.add("SupportClosed", date(2026, 2, 1), reason="moved")
    life.support(date(2026, 4, 1), who="c-1")
    found = life.card(date(2026, 4, 2))
    assert found.organisation_since == found.counsellor_since == date(2026, 4, 1)


def test_the_territory_is_the_last_release_destination_else_the_residence() -> None:
    life = Facts(residence="redon").custody(date(2026, 1, 5))
    assert life.card(date(2026, 1, 6)).situation.territory == "redon"
    life.release(date(2026, 2, 1), destination="vitre").custody(date(2026, 3, 1))
    assert life.card(date(2026, 3, 2)).situation.territory == "vitre"  # back in custody


# --- the caseload line's new columns and the SPIP's line --------------------------------------


def test_a_caseload_line_says_where_in_custody_until_when_and_the_territory() -> None:
    life = Facts(residence="redon").support(date(2026, 1, 2))
    life.custody(date(2026, 1, 5), expected_release_on=date(2026, 6, 1))
    line = assess("Y-1", life.facts, date(2026, 1, 10), ReferenceData())
    assert line is not None
    assert (line.facility, line.expected_release_on, line.territory) == (
        "ma-saint-malo",
        date(2026, 6, 1),
        "redon",
    )
    life.release(date(2026, 5, 30), destination="vitre")
    line = assess("Y-1", life.facts, date(2026, 6, 2), ReferenceData())
    assert line is not None
    assert (line.facility, line.expected_release_on, line.territory) == (None, None, "vitre")


def test_the_spip_line_of_a_closed_support_in_custody_without_an_alert() -> None:
    life = Facts().support(date(2026, 1, 2)).custody(date(2026, 1, 5))
    life.add("SupportClosed", date(2026, 1, 20), reason="moved")
    facts = in_life_order(life.facts)
    day = date(2026, 1, 25)  # no-support opens after 15 days: not yet
    state = situation(facts)
    assert assess("Y-1", facts, day, ReferenceData()) is None  # no Mission Locale's list
    line = supervised("Y-1", state, day, ReferenceData())
    assert line is not None
    assert (line.support, line.organisation, line.custody, line.alerts) == (
        "closed",
        None,
        "in-custody",
        (),
    )
    life.release(date(2026, 1, 22))
    free = situation(in_life_order(life.facts))
    assert supervised("Y-1", free, day, ReferenceData()) is None  # neither inside nor supervised
