"""Life outside of a simulated pathway: supervision, contacts, rights, programmes,
situations, and perhaps a new custody."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from pathways.demo.pathway import Pathway
from pathways.demo.simulation import ML_MARK
from pathways.demo.tables import (
    OFFICE_CHANNELS,
    OFFICE_WEIGHTS,
    SITUATION_DAYS,
    SITUATION_WEIGHTS,
    SITUATIONS,
    SPIP,
    SUPERVISION_WEIGHTS,
    SUPERVISIONS,
)


class Outside(Pathway):
    """A youth outside: after a release, or supervised in the community."""

    def community(self, began: date) -> date | None:
        """A youth supervised in the community only; the day of a custody, if any."""
        rng = self.rng
        measure = rng.choices(SUPERVISIONS, SUPERVISION_WEIGHTS)[0]
        ends_on = began + timedelta(days=rng.randint(120, 730))
        fields: dict[str, Any] = {"measure": measure}
        if rng.random() < 0.8:
            fields["ends_on"] = ends_on.isoformat()
        self.add("CommunitySupervisionStarted", began, **fields)
        self.supervision_open = True
        self.supervision_ends = ends_on
        return self.follow(max(began, self.support_on), reincarceration=0.14, first_contact=0.9)

    def outside(self, released: date, destination: str, prepared: bool) -> date | None:
        """After a release; the day of the next custody, if any."""
        rng = self.rng
        new_org = self.organisation_of(destination)
        if new_org is not None and new_org != self.org and self.closure is None:
            handed = released + timedelta(
                days=-rng.randint(0, 10) if prepared and rng.random() < 0.5 else rng.randint(0, 20)
            )
            handed = max(handed, self.support_on)
            to_counsellor = self.c.counsellor(new_org)
            fields: dict[str, Any] = {"to_organisation": new_org}
            if rng.random() < 0.5:
                fields["to_counsellor"] = to_counsellor
            handover = self.add("HandedOver", handed, **fields)
            if rng.random() < 0.78:
                acknowledged = max(handed, released) + timedelta(days=rng.randint(1, 30))
                ack = self.add("HandoverAcknowledged", acknowledged, organisation=new_org)
                ack.after = handover
                self.org = new_org
                self.counsellor = to_counsellor
        elif new_org is None and rng.random() < 0.5:
            self.close_support(released + timedelta(days=rng.randint(10, 60)), "moved")
        return self.follow(released, reincarceration=0.28, first_contact=0.92 if prepared else 0.72)

    def follow(self, since: date, *, reincarceration: float, first_contact: float) -> date | None:
        """Life outside from `since`: contacts, rights, programmes, situations; a new custody?"""
        rng = self.rng
        back: date | None = None
        if rng.random() < reincarceration:
            back = since + timedelta(days=int(rng.triangular(8, 365, 60)))
        elif rng.random() < 0.1:
            back = since + timedelta(days=rng.randint(366, 700))
        until = min(self.stop, back - timedelta(days=1) if back else self.stop)
        if self.supervision_open and self.supervision_ends <= until:
            self.add("CommunitySupervisionEnded", self.supervision_ends, reason="completed")
            self.supervision_open = False
        if rng.random() < first_contact:
            self.contacts(since, until)
        self.rights_outside(since)
        self.programme(since, until)
        self.situations(since, until)
        if back is not None and back <= self.stop:
            return back
        return None

    def contacts(self, since: date, until: date) -> None:
        """Contacts and missed appointments outside; perhaps the contact is lost."""
        rng = self.rng
        day = since + timedelta(
            days=rng.randint(0, 14) if rng.random() < 0.7 else rng.randint(15, 60)
        )
        lost_after = rng.randint(3, 25) if rng.random() < 0.16 else None
        count = 0
        while day <= until:
            if rng.random() < 0.14:
                self.add("AppointmentMissed", day)
            elif rng.random() < 0.1:
                self.add(
                    "ContactMade",
                    day,
                    channel=rng.choices(OFFICE_CHANNELS, OFFICE_WEIGHTS)[0],
                    organisation=SPIP,
                )
            else:
                self.add(
                    "ContactMade",
                    day,
                    channel=rng.choices(OFFICE_CHANNELS, OFFICE_WEIGHTS)[0],
                    organisation=ML_MARK,
                )
            count += 1
            if lost_after is not None and count >= lost_after:
                lost = day + timedelta(days=rng.randint(20, 60))
                if lost <= until:
                    self.add(
                        "ContactLost",
                        lost,
                        **({"attempts": rng.randint(2, 6)} if rng.random() < 0.8 else {}),
                    )
                    if rng.random() < 0.6:
                        self.close_support(
                            lost + timedelta(days=rng.randint(15, 90)), "lost-contact"
                        )
                break
            day += timedelta(days=rng.randint(4, 12))

    def rights_outside(self, since: date) -> None:
        rng = self.rng
        for right, chance in (
            ("france-travail", 0.5),
            ("health-insurance", 0.5),
            ("id-document", 0.45),
            ("bank-account", 0.3),
            ("css", 0.2),
            ("allowance", 0.2),
            ("housing", 0.15),
            ("domiciliation", 0.1),
        ):
            if right not in self.rights and rng.random() < chance:
                self.add(
                    "RightObtained",
                    self.within(since, since + timedelta(days=rng.randint(5, 200))),
                    right=right,
                )
                self.rights.add(right)
        if rng.random() < 0.08:
            self.add(
                "CareReferralMade",
                self.within(since, since + timedelta(days=120)),
                service=rng.choice(("csapa", "cmp", "gp")),
            )

    def programme(self, since: date, until: date) -> None:
        """A mainstream programme: CEJ, PACEA..."""
        rng = self.rng
        if not self.open_programmes and rng.random() < 0.68:
            programme = rng.choices(("cej", "pacea", "e2c", "epide", "other"), (60, 28, 6, 3, 3))[0]
            entered = since + timedelta(days=rng.randint(10, 150))
            if entered <= until:
                self.add("ProgrammeEntered", entered, programme=programme)
                length = rng.randint(150, 365) if programme == "cej" else rng.randint(60, 540)
                exited = entered + timedelta(days=length)
                if exited <= until:
                    reason = rng.choices(
                        ("completed", "dropped-out", "employment", "other"), (45, 25, 20, 10)
                    )[0]
                    self.add("ProgrammeExited", exited, programme=programme, reason=reason)
                else:
                    self.open_programmes[programme] = entered

    def situations(self, since: date, until: date) -> None:
        """Jobs, trainings, immersions, one after the other."""
        rng = self.rng
        day = since + timedelta(days=rng.randint(20, 200))
        for _ in range(rng.choices((0, 1, 2, 3, 4), (22, 30, 24, 14, 10))[0]):
            if day > until:
                break
            situation = rng.choices(SITUATIONS, SITUATION_WEIGHTS)[0]
            low, high = SITUATION_DAYS[situation]
            ended = day + timedelta(days=rng.randint(low, high))
            self.add("SituationStarted", day, situation=situation)
            if ended <= until:
                self.add("SituationEnded", ended, situation=situation)
                if situation == "employment" and (ended - day).days > 150 and rng.random() < 0.5:
                    self.close_support(ended + timedelta(days=rng.randint(0, 30)), "autonomy")
                day = ended + timedelta(days=rng.randint(1, 90))
            else:
                self.open_situations[situation] = day
                break
