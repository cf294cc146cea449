"""The custody phase of a simulated pathway: terms, release, life inside, the plan."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from pathways.demo.pathway import Pathway
from pathways.demo.simulation import ML_MARK
from pathways.demo.tables import (
    ADJUSTED_KINDS,
    ADJUSTED_WEIGHTS,
    BAND_DAYS,
    BAND_WEIGHTS,
    FOLLOW_UP_SUPERVISION,
    SENTENCE_BANDS,
    SPIP,
)


class Custody(Pathway):
    """A custody: from its start to the release, and what follows it directly."""

    def custody(self, began: date, facility: str | None) -> tuple[date, str, bool] | None:
        """A custody from `began`; its release (day, destination, prepared), or None if ongoing."""
        rng = self.rng
        self.interrupt(began)
        facility = facility or self.facility(self.residence)
        released, kind, adjusted = self.imprison(began, facility)
        prepared = rng.random() < (0.62 if adjusted else 0.3 if kind == "end-of-sentence" else 0.25)
        prepared = self.inside(began, released, facility) or prepared
        if prepared:
            self.plan_release(began, released)
        if rng.random() < 0.78:
            destination = self.residence
        else:
            destination = rng.choices(self.c.territories, (30, 12, 10, 10, 10, 8, 8, 12))[0]
        if released > self.stop:
            return None
        self.add("Released", released, kind=kind, destination=destination)
        if kind in FOLLOW_UP_SUPERVISION and rng.random() < 0.6:
            ends_on = released + timedelta(days=rng.randint(60, 400))
            self.add(
                "CommunitySupervisionStarted",
                released,
                measure=FOLLOW_UP_SUPERVISION[kind],
                ends_on=ends_on.isoformat(),
            )
            self.supervision_open = True
            self.supervision_ends = ends_on
        return released, destination, prepared

    def interrupt(self, began: date) -> None:
        """A custody ends the supervision, the programmes and the situations under way."""
        if self.supervision_open:
            self.add("CommunitySupervisionEnded", began, reason="revoked")
            self.supervision_open = False
        for programme in list(self.open_programmes):
            self.add("ProgrammeExited", began, programme=programme, reason="incarcerated")
            del self.open_programmes[programme]
        for situation in list(self.open_situations):
            self.add("SituationEnded", began, situation=situation)
            del self.open_situations[situation]

    def imprison(self, began: date, facility: str) -> tuple[date, str, bool]:
        """The custody's terms: its release day and kind, whether it was adjusted."""
        rng = self.rng
        remand = rng.random() < 0.3
        band = rng.choices(SENTENCE_BANDS, BAND_WEIGHTS)[0]
        low, high = BAND_DAYS[band]
        sentence = rng.randint(low, high)
        fields: dict[str, Any] = {"facility": facility}
        status_change: date | None = None
        if remand:
            fields["status"] = "remand"
            remand_days = rng.randint(10, 240)
            if rng.random() < 0.45:  # tried and sentenced while in custody
                status_change = began + timedelta(days=max(1, remand_days // 2))
                planned = status_change + timedelta(days=max(10, sentence - remand_days // 2))
            else:
                planned = began + timedelta(days=remand_days)
        else:
            fields["status"] = "sentenced"
            fields["sentence_band"] = band
            planned = began + timedelta(days=sentence)
            fields["expected_release_on"] = planned.isoformat()
        adjusted = not (remand and status_change is None) and rng.random() < 0.52
        released = planned
        if adjusted:  # released before the end of the sentence
            released = planned - timedelta(days=rng.randint(0, max(1, (planned - began).days // 3)))
        released = max(released, began + timedelta(days=3))
        if status_change is not None:
            released = max(released, status_change + timedelta(days=7))
        self.add("Incarcerated", began, **fields)
        if status_change is not None:
            self.add("CustodyStatusChanged", status_change, status="sentenced", sentence_band=band)
            if rng.random() < 0.8:
                changed = min(
                    status_change + timedelta(days=rng.randint(0, 5)), released - timedelta(days=1)
                )
                self.add("ExpectedReleaseChanged", changed, expected_release_on=planned.isoformat())
        stated = planned
        earliest = began + timedelta(days=2)
        if status_change is not None:
            earliest = max(earliest, status_change + timedelta(days=6))
        room = (released - earliest).days - 2
        if (adjusted or rng.random() < 0.15) and room >= 0 and rng.random() < 0.75:
            changed = earliest + timedelta(days=rng.randint(0, room))
            stated = released + timedelta(days=rng.choice((0, 0, 0, -1, 2)))
            stated = max(stated, changed)
            self.add("ExpectedReleaseChanged", changed, expected_release_on=stated.isoformat())

        if remand and status_change is None:
            kind = "remand-ended"
        elif adjusted:
            kind = rng.choices(ADJUSTED_KINDS, ADJUSTED_WEIGHTS)[0]
        else:
            kind = "end-of-sentence"
        return released, kind, adjusted

    def inside(self, began: date, released: date, facility: str) -> bool:
        """Contacts, project, rights and measures in custody; True if a measure was taken up."""
        rng = self.rng
        stay = (released - began).days
        contact_from = max(began, self.support_on)
        if rng.random() < 0.88 and contact_from < released:
            day = contact_from + timedelta(
                days=rng.randint(1, 25) if rng.random() < 0.8 else rng.randint(26, 60)
            )
            while day < released:
                if rng.random() < 0.22:
                    self.add("ContactMade", day, channel="in-prison", organisation=SPIP)
                else:
                    self.add("ContactMade", day, channel="in-prison", organisation=ML_MARK)
                day += timedelta(days=rng.randint(6, 18))
        if stay > 10 and rng.random() < 0.55:
            self.add(
                "ProjectDrafted",
                self.within(contact_from, released),
                target=rng.choices(
                    ("employment", "training", "apprenticeship", "school", "other"),
                    (45, 35, 12, 3, 5),
                )[0],
            )
        for right, chance in (("id-document", 0.35), ("health-insurance", 0.45), ("css", 0.15)):
            if right not in self.rights and rng.random() < chance:
                self.add("RightObtained", self.within(began, released), right=right)
                self.rights.add(right)
        if rng.random() < 0.15:
            self.add(
                "CareReferralMade",
                self.within(began, released),
                service=rng.choice(("csapa", "cmp", "gp", "other")),
            )
        for plan, launched, ended, launch in self.c.measures:
            if facility not in plan.facilities:
                continue
            first = max(began, launched)
            last = min(released - timedelta(days=1), self.c.end)
            if ended is not None:
                last = min(last, ended - timedelta(days=1))
            if first <= last and rng.random() < 0.38:
                enrolment = self.add(
                    "EnrolledInMeasure",
                    self.within(first, last + timedelta(days=1)),
                    measure=plan.code,
                )
                enrolment.after = launch
                return rng.random() < 0.3
        return False

    def plan_release(self, began: date, released: date) -> None:
        rng = self.rng
        plan_on = max(began, released - timedelta(days=rng.randint(3, 45)))
        complete = rng.random() < 0.4
        plan_fields: dict[str, Any] = {
            "housing": complete or rng.random() < 0.6,
            "income": complete or rng.random() < 0.4,
            "id_document": complete or "id-document" in self.rights or rng.random() < 0.5,
            "health_cover": complete or "health-insurance" in self.rights or rng.random() < 0.6,
        }
        if rng.random() < 0.7:
            plan_fields["first_appointment_on"] = (
                released + timedelta(days=rng.randint(1, 14))
            ).isoformat()
        self.add("ReleasePlanValidated", plan_on, **plan_fields)
