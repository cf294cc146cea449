"""A simulated young person: registration, support, then custodies and life outside
until the pathway ends (closure, the 26th birthday or the end of the period)."""

from __future__ import annotations

from datetime import date, timedelta

from pathways.demo.custody import Custody
from pathways.demo.outside import Outside
from pathways.demo.simulation import Ev
from pathways.demo.tables import FACILITY_ML, FIRST_NAMES, LAST_NAMES


class Youth(Custody, Outside):
    """One young person's simulated pathway (its phases: `Custody`, `Outside`)."""

    def simulate(self) -> list[Ev]:
        rng = self.rng
        reg = self.reg
        in_custody = rng.random() < 0.66
        name = None
        if rng.random() < 0.4:
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        registration = self.add(
            "YouthRegistered",
            reg,
            birth_date=self.birth.isoformat(),
            residence=self.residence,
            **({"sex": self.sex} if rng.random() < 0.95 else {}),
            **({"name": name} if name else {}),
        )
        registration.rec = reg + timedelta(days=rng.randint(0, 3))
        if in_custody:
            began = reg - timedelta(
                days=rng.randint(0, 7) if rng.random() < 0.3 else rng.randint(8, 60)
            )
            facility = self.facility(self.residence)
            home = self.organisation_of(self.residence)
            if home is not None and (rng.random() < 0.4 or facility == "other"):
                self.org = home
            else:
                self.org = FACILITY_ML.get(facility, "we-ker")
            source = rng.choices(("spip", "prison", "mission-locale", "court"), (50, 30, 15, 5))[0]
            referral_on = reg - timedelta(days=rng.randint(0, min(5, (reg - began).days)))
            self.add("ReferralReceived", referral_on, source=source, custody="closed")
        else:
            began = reg - timedelta(days=rng.randint(0, 60))
            self.org = self.organisation_of(self.residence) or "we-ker"
            source = rng.choices(
                ("spip", "mission-locale", "court", "self", "other"), (55, 20, 10, 10, 5)
            )[0]
            self.add(
                "ReferralReceived",
                reg - timedelta(days=rng.randint(0, 5)),
                source=source,
                custody="open",
            )
        self.counsellor = self.c.counsellor(self.org)
        support_on = reg + timedelta(
            days=rng.randint(0, 10) if rng.random() < 0.85 else rng.randint(11, 30)
        )
        self.add("SupportStarted", support_on, organisation=self.org, counsellor=self.counsellor)
        self.support_on = support_on
        if rng.random() < 0.08:
            self.add(
                "CounsellorAssigned",
                support_on + timedelta(days=rng.randint(30, 300)),
                organisation=self.org,
                counsellor=self.c.counsellor(self.org),
            )

        if in_custody:
            day: date | None = began
            facility_first: str | None = facility
        else:
            day = self.community(began)
            facility_first = None
        while day is not None and day <= self.stop:
            released = self.custody(day, facility_first)
            facility_first = None
            if released is None:
                break
            day = self.outside(*released)
        self.close()
        return self.events

    def close(self) -> None:
        """Cut the pathway at its end (closure, 26th birthday, the end of the period)."""
        rng = self.rng
        ageing = self.turns_26 - timedelta(days=rng.randint(0, 40))
        self.close_support(ageing, "aged-out")
        if self.closure is None and rng.random() < 0.01:
            self.close_support(self.support_on + timedelta(days=rng.randint(5, 60)), "refused")
        if self.closure is not None:
            day, reason = self.closure
            self.add("SupportClosed", day, reason=reason)
        stop = self.stop
        self.events = [e for e in self.events if e.occ <= stop]
