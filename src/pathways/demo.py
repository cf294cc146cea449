"""A synthetic, realistic cohort of young people under justice supervision.

`generate(youth, seed, end)` simulates the pathways of N young people over the
years before `end` (DOMAIN.md section 1): custodies at CP Rennes-Vezin, the
women's CP of Rennes or the maison d'arrêt of Saint-Malo, short sentences,
changes of the expected release, prepared and unprepared releases, adjusted
ones, community supervisions, contacts (and their absence), rights, CEJ and
PACEA, jobs and trainings, re-incarcerations, handovers between Missions
Locales, pilot measures, closures, and a few mistakes corrected later. It is
deterministic for a seed, and fast (plain dicts, no validation): the
benchmarks use it for files of a hundred thousand events and stores of a
million.

Every event is in the interchange format (`pathways.interchange`) and carries
its original recorder (`recorded_by`: a counsellor code such as `c-wk-03`, or
`spip-35`). Counsellors record late, so each event gets a **simulated
recording time**: the date it occurred plus a lag (mostly 0-3 days, sometimes
weeks). Events are grouped into weekly batches by recording time (a batch is
what a week's recording adds to the store), and the batches are ordered so
that each one is valid when imported after the previous ones: the
registration comes no later than anything else of that youth, an opener no
later than its closer, a handover no later than its acknowledgement, a
launch no later than its enrolments.

`write_demo` imports the batches one by one with the store's clock set to the
batch's simulated recording time (not the real time of the import), so that
the log looks like two years of real recording: `--known-at` replays over those
two years are meaningful (what was known at the end of a quarter misses what
was recorded late), and so are retractions (a mistake and its correction are
recorded weeks apart).

`write_jsonl` writes every line of every batch into one JSON Lines file, which
also imports in one go (the rules are checked on the whole batch).
"""

from __future__ import annotations

import json
import random
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from pathways.application import Pathways

PARIS = ZoneInfo("Europe/Paris")
_T = TypeVar("_T")
SPIP = "spip-35"
DEFAULT_YOUTH = 300
DEFAULT_SEED = 35
DEFAULT_YEARS = 2.0

# --- reference data of the simulation ---------------------------------------------

#: Territory -> (weight of residence, Mission Locale serving it).
TERRITORIES: dict[str, tuple[int, str | None]] = {
    "rennes": (40, "we-ker"),
    "saint-malo": (20, "ml-saint-malo"),
    "fougeres": (8, "ml-fougeres"),
    "vitre": (7, "ml-vitre"),
    "redon": (7, "ml-redon"),
    "broceliande": (6, "ml-broceliande"),
    "vallons-de-vilaine": (6, "ml-vallons-de-vilaine"),
    "outside-35": (3, None),
}
#: Mission Locale -> (prefix of its counsellor codes, number of counsellors).
COUNSELLORS: dict[str, tuple[str, int]] = {
    "we-ker": ("c-wk", 9),
    "ml-saint-malo": ("c-sm", 5),
    "ml-fougeres": ("c-fg", 2),
    "ml-vitre": ("c-vt", 2),
    "ml-redon": ("c-rd", 2),
    "ml-broceliande": ("c-bc", 2),
    "ml-vallons-de-vilaine": ("c-vv", 2),
}
#: Facility -> the Mission Locale that works inside it.
FACILITY_ML = {
    "cp-rennes-vezin": "we-ker",
    "cp-femmes-rennes": "we-ker",
    "ma-saint-malo": "ml-saint-malo",
}
AGES = (16, 17, 18, 19, 20, 21, 22, 23, 24, 25)
AGE_WEIGHTS = (2, 4, 10, 13, 14, 14, 13, 11, 10, 9)
SENTENCE_BANDS = ("under-6-months", "6-to-12-months", "1-to-2-years", "over-2-years")
BAND_WEIGHTS = (58, 24, 12, 6)
BAND_DAYS = {
    "under-6-months": (20, 180),
    "6-to-12-months": (180, 365),
    "1-to-2-years": (365, 730),
    "over-2-years": (730, 1300),
}
ADJUSTED_KINDS = (
    "conditional-release",
    "release-under-constraint",
    "electronic-home-detention",
    "outside-placement",
    "semi-liberty",
)
ADJUSTED_WEIGHTS = (20, 30, 30, 8, 12)
#: After an adjusted release, the supervision in the community that follows it.
FOLLOW_UP_SUPERVISION = {
    "conditional-release": "conditional-release",
    "release-under-constraint": "probation",
    "electronic-home-detention": "electronic-monitoring",
    "outside-placement": "other",
    "semi-liberty": "other",
}
SUPERVISIONS = (
    "probation",
    "community-service",
    "electronic-monitoring",
    "conditional-release",
    "other",
)
SUPERVISION_WEIGHTS = (50, 22, 15, 5, 8)
SITUATIONS = ("employment", "training", "apprenticeship", "immersion", "volunteering", "school")
SITUATION_WEIGHTS = (30, 30, 10, 22, 5, 3)
SITUATION_DAYS = {
    "employment": (20, 300),
    "training": (30, 240),
    "apprenticeship": (120, 400),
    "immersion": (3, 20),
    "volunteering": (30, 180),
    "school": (60, 280),
}
OFFICE_CHANNELS = ("office", "phone", "video", "home", "other")
OFFICE_WEIGHTS = (55, 30, 6, 7, 2)
FIRST_NAMES = (
    "Lucas", "Enzo", "Nathan", "Mathis", "Yanis", "Kylian", "Noah", "Rayan", "Théo", "Maël",
    "Ewen", "Dylan", "Kevin", "Mohamed", "Bilal", "Killian", "Jordan", "Loïc", "Erwan", "Axel",
    "Léa", "Manon", "Chloé", "Inès", "Jade", "Océane", "Maëlys", "Lina", "Sarah", "Nolwenn",
)  # fmt: skip
LAST_NAMES = (
    "Le Gall", "Le Goff", "Le Bihan", "Guillou", "Tanguy", "Morvan", "Le Roux", "Kerbrat",
    "Riou", "Le Floch", "Hamon", "Jézéquel", "Prigent", "Le Guen", "Caradec", "Martin",
    "Bernard", "Petit", "Durand", "Moreau", "Benali", "Diallo", "Traoré", "Lefebvre",
)  # fmt: skip
CORRECTION_REASONS = {
    "date": "wrong date",
    "channel": "wrong channel",
    "right": "wrong right recorded",
    "destination": "wrong destination",
}


@dataclass(frozen=True)
class MeasurePlan:
    """A pilot measure of the demo, placed in the simulated period."""

    code: str
    name: str
    territory: str
    facilities: tuple[str, ...]
    starts: float  # fraction of the period when it is launched
    ends: float | None = None  # fraction of the period when it ends


MEASURES = (
    MeasurePlan(
        "job-dating-vezin",
        "Job dating at CP Rennes-Vezin",
        "rennes",
        ("cp-rennes-vezin", "cp-femmes-rennes"),
        0.10,
    ),
    MeasurePlan(
        "passerelle-saint-malo",
        "Passerelle emploi Saint-Malo",
        "saint-malo",
        ("ma-saint-malo",),
        0.25,
    ),
    MeasurePlan(
        "code-de-la-route-vezin",
        "Driving theory course in custody",
        "rennes",
        ("cp-rennes-vezin",),
        0.20,
        0.70,
    ),
)


@dataclass(frozen=True)
class Batch:
    """What one simulated week of recording adds: its recording time (UTC) and its lines."""

    recorded_at: datetime
    events: list[dict[str, Any]]

    @property
    def day(self) -> date:
        return self.recorded_at.astimezone(PARIS).date()


# --- the simulation -------------------------------------------------------------------


class _Ev:
    """An event being simulated: its dates, its line, what its recording waits for."""

    __slots__ = ("after", "data", "occ", "rec")

    def __init__(self, occ: date, rec: date, data: dict[str, Any]) -> None:
        self.occ = occ
        self.rec = rec
        self.data = data
        self.after: _Ev | None = None  # recorded no earlier than this one


def _years_later(day: date, years: int) -> date:
    """The same day `years` later (29 February -> 1 March)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def _age_on(birth: date, day: date) -> int:
    years = day.year - birth.year
    if (day.month, day.day) < (birth.month, birth.day):
        years -= 1
    return years


def _family(data: dict[str, Any]) -> str | None:
    kind: str = data["type"]
    if kind in ("Incarcerated", "Released"):
        return "custody"
    if kind in ("SupportStarted", "SupportClosed"):
        return "support"
    if kind in ("CommunitySupervisionStarted", "CommunitySupervisionEnded"):
        return "supervision"
    if kind in ("ProgrammeEntered", "ProgrammeExited"):
        return f"programme:{data['programme']}"
    if kind in ("SituationStarted", "SituationEnded"):
        return f"situation:{data['situation']}"
    return None


JUDICIAL = frozenset(
    {
        "Incarcerated",
        "Released",
        "CustodyStatusChanged",
        "ExpectedReleaseChanged",
        "CommunitySupervisionStarted",
        "CommunitySupervisionEnded",
    }
)
ML_MARK = "\x00ml"  # placeholder: the support organisation on the day of the contact


class _Cohort:
    """The state shared by all youths of one simulation."""

    def __init__(self, rng: random.Random, start: date, end: date) -> None:
        self.rng = rng
        self.start = start
        self.end = end
        self.measures: list[tuple[MeasurePlan, date, date | None, _Ev]] = []
        self.territories = list(TERRITORIES)
        self.residence_weights = [w for w, _ in TERRITORIES.values()]

    def new_id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def lag(self) -> int:
        """Days between a step and its recording."""
        x = self.rng.random()
        if x < 0.62:
            return self.rng.randint(0, 3)
        if x < 0.86:
            return self.rng.randint(4, 10)
        if x < 0.97:
            return self.rng.randint(11, 30)
        return self.rng.randint(31, 80)

    def counsellor(self, organisation: str) -> str:
        prefix, count = COUNSELLORS[organisation]
        return f"{prefix}-{self.rng.randint(1, count):02d}"

    def launch_measures(self) -> list[_Ev]:
        span = (self.end - self.start).days
        events = []
        for plan in MEASURES:
            launched = self.start + timedelta(days=int(span * plan.starts))
            if launched > self.end:
                continue
            ended = (
                self.start + timedelta(days=int(span * plan.ends))
                if plan.ends is not None
                else None
            )
            if ended is not None and ended > self.end:
                ended = None
            data = {
                "type": "MeasureLaunched",
                "occurred_on": launched.isoformat(),
                "id": self.new_id(),
                "code": plan.code,
                "name": plan.name,
                "territory": plan.territory,
                "recorded_by": SPIP,
            }
            launch = _Ev(
                launched, min(self.end, launched + timedelta(days=self.rng.randint(0, 5))), data
            )
            events.append(launch)
            self.measures.append((plan, launched, ended, launch))
            if ended is not None:
                data = {
                    "type": "MeasureEnded",
                    "occurred_on": ended.isoformat(),
                    "id": self.new_id(),
                    "code": plan.code,
                    "recorded_by": SPIP,
                }
                closing = _Ev(
                    ended, min(self.end, ended + timedelta(days=self.rng.randint(0, 10))), data
                )
                closing.after = launch
                events.append(closing)
        return events


class _Youth:
    """One young person's simulated pathway."""

    def __init__(self, cohort: _Cohort, reference: str, registered: date) -> None:
        self.c = cohort
        self.rng = cohort.rng
        self.ref = reference
        self.reg = registered
        self.events: list[_Ev] = []
        self.stop = cohort.end  # the last day of the pathway in the action
        self.closure: tuple[date, str] | None = None
        self.open_programmes: dict[str, date] = {}
        self.open_situations: dict[str, date] = {}
        self.rights: set[str] = set()
        self.supervision_open = False
        self.pending_handovers: list[_Ev] = []
        rng = self.rng
        self.sex = rng.choices(("male", "female", "other"), (88, 11, 1))[0]
        self.residence = rng.choices(cohort.territories, cohort.residence_weights)[0]
        self.age = rng.choices(AGES, AGE_WEIGHTS)[0]
        latest = _years_later(registered, -self.age)
        # A 25-year-old is still more than three months from their 26th birthday.
        span = 270 if self.age == 25 else 364
        birth = latest - timedelta(days=rng.randint(0, span))
        while _age_on(birth, registered) < self.age:  # registered on a 29 February
            birth -= timedelta(days=1)
        self.birth = birth
        self.turns_26 = _years_later(birth, 26)

    # recording ------------------------------------------------------------------
    def add(self, type_: str, day: date, **fields: Any) -> _Ev:
        data: dict[str, Any] = {
            "type": type_,
            "youth": self.ref,
            "occurred_on": day.isoformat(),
            "id": self.c.new_id(),
        }
        data.update(fields)
        ev = _Ev(day, day + timedelta(days=self.c.lag()), data)
        self.events.append(ev)
        return ev

    def organisation_of(self, territory: str) -> str | None:
        return TERRITORIES[territory][1]

    def facility(self, territory: str) -> str:
        rng = self.rng
        if rng.random() < 0.04:
            return "other"
        if self.sex == "female":
            return "cp-femmes-rennes"
        if territory == "saint-malo" and rng.random() < 0.85:
            return "ma-saint-malo"
        if territory in ("fougeres", "vitre") and rng.random() < 0.1:
            return "ma-saint-malo"
        return "cp-rennes-vezin"

    # the pathway -----------------------------------------------------------------
    def simulate(self) -> list[_Ev]:
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

    def close_support(self, day: date, reason: str) -> None:
        """The support ends: the pathway in the action stops there."""
        if day < self.stop and day > self.support_on:
            self.closure = (day, reason)
            self.stop = day

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

    def within(self, first: date, last: date) -> date:
        """A day in [first, last) (first when the span is empty)."""
        days = (last - first).days
        return first + timedelta(days=self.rng.randint(0, days - 1)) if days > 1 else first

    # after the simulation --------------------------------------------------------
    def finish(self, end: date) -> list[_Ev]:
        """Organisations, recorders, recording order; then maybe a corrected mistake."""
        events = sorted(self.events, key=lambda e: e.occ)
        org = ""
        counsellor = ""
        handed: dict[str, str | None] = {}
        first = next((e for e in events if e.data["type"] == "SupportStarted"), None)
        first_counsellor = self.counsellor if first is None else first.data["counsellor"]
        registration = next(e for e in events if e.data["type"] == "YouthRegistered")
        last_of: dict[str, _Ev] = {}
        custody: _Ev | None = None
        for ev in events:
            data = ev.data
            kind = data["type"]
            if kind in ("SupportStarted", "CounsellorAssigned"):
                org, counsellor = data["organisation"], data["counsellor"]
            elif kind == "HandedOver":
                handed[data["to_organisation"]] = data.get("to_counsellor")
            elif kind == "HandoverAcknowledged":
                org = data["organisation"]
                counsellor = handed.pop(org, None) or self.c.counsellor(org)
            if data.get("organisation") == ML_MARK:
                data["organisation"] = org or self.org
            if (
                kind in JUDICIAL
                or data.get("organisation") == SPIP
                or (kind == "ReferralReceived" and data["source"] in ("spip", "prison", "court"))
            ):
                data["recorded_by"] = SPIP
            elif kind in ("YouthRegistered", "ReferralReceived"):
                data["recorded_by"] = first_counsellor
            else:
                data["recorded_by"] = counsellor or self.counsellor
            # recording order (DOMAIN rules 1, 4 and 5 hold in every batch)
            ev.rec = min(ev.rec, end)
            if ev is not registration and ev.rec < registration.rec:
                ev.rec = registration.rec
            fam = _family(data)
            if fam is not None:
                previous = last_of.get(fam)
                if previous is not None and ev.rec < previous.rec:
                    ev.rec = previous.rec
                last_of[fam] = ev
            if kind == "Incarcerated":
                custody = ev
            elif kind in ("ExpectedReleaseChanged", "CustodyStatusChanged") and custody is not None:
                ev.rec = max(ev.rec, custody.rec)
            if ev.after is not None and ev.rec < ev.after.rec:
                ev.rec = ev.after.rec
        if self.rng.random() < 0.05:
            self.mistake(events, end)
        return events

    def mistake(self, events: list[_Ev], end: date) -> None:
        """A step recorded wrongly, then retracted and recorded again weeks later."""
        rng = self.rng
        candidates = [
            e
            for e in events
            if e.data["type"] in ("ContactMade", "RightObtained", "Released")
            and _batch_day(e.rec + timedelta(days=7), end) > _batch_day(e.rec, end)
        ]
        if not candidates:
            return
        true = rng.choice(candidates)
        wrong = dict(true.data)
        wrong["id"] = self.c.new_id()
        kind = true.data["type"]
        if kind == "Released":
            what = "destination"
            wrong["destination"] = rng.choice(
                [t for t in self.c.territories if t != true.data["destination"]]
            )
        elif kind == "RightObtained":
            what = "right"
            wrong["right"] = rng.choice(
                [
                    r
                    for r in ("id-document", "health-insurance", "css", "bank-account")
                    if r != true.data["right"]
                ]
            )
        elif rng.random() < 0.6 and true.rec > true.occ:
            what = "date"
            shift = rng.choice([d for d in range(-12, (true.rec - true.occ).days + 1) if d != 0])
            wrong["occurred_on"] = (true.occ + timedelta(days=shift)).isoformat()
        else:
            what = "channel"
            wrong["channel"] = rng.choice([c for c in OFFICE_CHANNELS if c != true.data["channel"]])
        noticed = min(end, true.rec + timedelta(days=rng.randint(7, 50)))
        mistaken = _Ev(date.fromisoformat(wrong["occurred_on"]), true.rec, wrong)
        retraction = _Ev(
            noticed,
            noticed,
            {
                "type": "EventRetracted",
                "youth": self.ref,
                "occurred_on": noticed.isoformat(),
                "id": self.c.new_id(),
                "event_id": wrong["id"],
                "reason": CORRECTION_REASONS[what],
                "recorded_by": true.data["recorded_by"],
            },
        )
        true.rec = noticed
        # The mistaken line comes first in the log, the correction after the retraction.
        events.insert(events.index(true), mistaken)
        events.insert(events.index(true), retraction)


def _batch_day(day: date, end: date) -> date:
    """The weekly batch that records a day's entries: the next Friday, or the end."""
    return min(end, day + timedelta(days=(4 - day.weekday()) % 7))


def period_start(end: date, years: float) -> date:
    return end - timedelta(days=round(years * 365.25))


def today_in_paris() -> date:
    return datetime.now(PARIS).date()


def generate(
    youth: int, seed: int, end: date | None = None, years: float = DEFAULT_YEARS
) -> list[Batch]:
    """A cohort of `youth` young people over `years` ending on `end`, as weekly batches.

    Deterministic for a seed (and an end). Each batch is valid when imported
    after the previous ones, and all of them together are valid as one batch.
    """
    if youth < 1:
        msg = "youth must be at least 1"
        raise ValueError(msg)
    if years <= 0:
        msg = "years must be more than 0"
        raise ValueError(msg)
    end = end or today_in_paris()
    rng = random.Random(seed)
    start = period_start(end, years)
    cohort = _Cohort(rng, start, end)
    everything: list[_Ev] = cohort.launch_measures()
    span = (end - start).days
    registrations = sorted(start + timedelta(days=rng.randint(0, span)) for _ in range(youth))
    numbers: Counter[int] = Counter()
    for registered in registrations:
        numbers[registered.year] += 1
        reference = f"Y-{registered.year}-{numbers[registered.year]:04d}"
        person = _Youth(cohort, reference, registered)
        person.simulate()
        everything.extend(person.finish(end))

    by_day: dict[date, list[dict[str, Any]]] = {}
    # A stable sort keeps each youth's lines in the order `finish` left them.
    for ev in sorted(everything, key=lambda e: e.rec):
        by_day.setdefault(_batch_day(ev.rec, end), []).append(ev.data)
    batches = []
    for day in sorted(by_day):
        at = time(16, 0) if day == end else time(17, 0)
        moment = datetime.combine(day, at, PARIS) + timedelta(minutes=rng.randint(0, 90))
        lines = by_day[day]
        lines.sort(key=lambda d: d["type"] != "MeasureLaunched")
        batches.append(Batch(moment.astimezone(UTC), lines))
    return batches


# --- what a cohort holds ----------------------------------------------------------------


@dataclass
class Summary:
    """What a demo cohort holds (from its lines: retracted events left out)."""

    youths: int = 0
    events: int = 0
    batches: int = 0
    by_type: Counter[str] = field(default_factory=Counter)
    releases: int = 0
    prepared: int = 0
    adjusted: int = 0
    adjustable: int = 0
    reincarcerated_365: int = 0
    retractions: int = 0
    first_recorded: datetime | None = None
    last_recorded: datetime | None = None
    example: str | None = None  # a reference with an interesting pathway
    references: list[str] = field(default_factory=list)
    measures: list[str] = field(default_factory=list)
    head: int = 0
    skipped: int = 0


INTERESTING = frozenset(
    {
        "HandoverAcknowledged",
        "EnrolledInMeasure",
        "ProgrammeEntered",
        "ExpectedReleaseChanged",
        "SituationStarted",
        "ReleasePlanValidated",
        "CommunitySupervisionStarted",
    }
)


def summarize(batches: Sequence[Batch]) -> Summary:
    summary = Summary(batches=len(batches))
    lines = [line for batch in batches for line in batch.events]
    if batches:
        summary.first_recorded = batches[0].recorded_at
        summary.last_recorded = batches[-1].recorded_at
    retracted = {line["event_id"] for line in lines if line["type"] == "EventRetracted"}
    per_youth: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        summary.events += 1
        summary.by_type[line["type"]] += 1
        if line["type"] == "MeasureLaunched":
            summary.measures.append(line["code"])
        if "youth" in line and line["id"] not in retracted and line["type"] != "EventRetracted":
            per_youth.setdefault(line["youth"], []).append(line)
    summary.retractions = len(retracted)
    summary.youths = len(per_youth)
    summary.references = list(per_youth)
    best = -1
    corrected = {line["youth"] for line in lines if line["type"] == "EventRetracted"}
    for reference, events in per_youth.items():
        events.sort(key=lambda e: e["occurred_on"])
        began: str | None = None
        releases: list[str] = []
        kinds = set()
        for event in events:
            kind = event["type"]
            kinds.add(kind)
            if kind == "Incarcerated":
                began = event["occurred_on"]
            elif kind == "Released" and began is not None:
                released = event["occurred_on"]
                summary.releases += 1
                releases.append(released)
                if any(
                    e["type"] == "ReleasePlanValidated" and began <= e["occurred_on"] <= released
                    for e in events
                ):
                    summary.prepared += 1
                if event["kind"] != "remand-ended":
                    summary.adjustable += 1
                    summary.adjusted += event["kind"] != "end-of-sentence"
                began = None
        for release in releases:
            limit = (date.fromisoformat(release) + timedelta(days=365)).isoformat()
            if any(
                e["type"] == "Incarcerated" and release < e["occurred_on"] <= limit for e in events
            ):
                summary.reincarcerated_365 += 1
        score = 2 * len(releases) + len(kinds & INTERESTING) + 2 * (reference in corrected)
        if score > best:
            best, summary.example = score, reference
    return summary


# --- writing ----------------------------------------------------------------------------


def write_jsonl(batches: Iterable[Batch], path: Path | str) -> int:
    """Every line of every batch into one JSON Lines file; the number of lines."""
    count = 0
    with open(path, "w", encoding="utf-8") as handle:
        for batch in batches:
            for line in batch.events:
                handle.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
                count += 1
    return count


def conflicts(app: Pathways, batches: Sequence[Batch]) -> list[str]:
    """What the store already holds of this cohort (references, measures): nothing to write."""
    problems = []
    known = app.reference().measures
    for batch in batches:
        for line in batch.events:
            if line["type"] == "MeasureLaunched" and line["code"] in known:
                problems.append(f"measure {line['code']}")
    if app.store.count_youths() == 0:
        return problems
    references = sorted({line["youth"] for b in batches for line in b.events if "youth" in line})
    for reference in references:
        if app.store.load(app.store.stream_id(reference)):
            problems.append(reference)
    return problems


def write_demo(
    app: Pathways,
    youth: int = DEFAULT_YOUTH,
    seed: int = DEFAULT_SEED,
    end: date | None = None,
    progress: Callable[[int], None] | None = None,
    *,
    years: float = DEFAULT_YEARS,
    actor: str = "demo",
    batches: Sequence[Batch] | None = None,
) -> Summary:
    """Generate a cohort and import it batch by batch, at its simulated recording times.

    The store's clock (and the application's "today") are set to each batch's
    recording time, so the log spans the simulated years; they are restored
    afterwards. A recording time still in the future (the end day is today)
    is brought back to now. Writes nothing if the store already holds one of
    the cohort's references or measures (a PathwaysError says which).
    """
    from pathways.application import Item
    from pathways.domain.errors import PathwaysError
    from pathways.interchange import from_dict

    if batches is None:
        batches = generate(youth, seed, end, years)
    found = conflicts(app, batches)
    if found:
        shown = ", ".join(found[:5]) + (f" and {len(found) - 5} more" if len(found) > 5 else "")
        msg = (
            f"this store already holds {len(found)} of the demo cohort's references or measures"
            f" ({shown}): nothing was written. Write the demo into a new store (--db)."
        )
        raise PathwaysError(msg)
    summary = summarize(batches)
    store = app.store
    clock, today = store.clock, app.today
    try:
        for batch in batches:
            moment = min(batch.recorded_at, datetime.now(UTC))
            day = moment.astimezone(PARIS).date()
            store.clock = _constant(moment)
            app.today = _constant(day)
            items = [
                Item(from_dict(line), f"{batch.day} line {number}", number)
                for number, line in enumerate(batch.events, start=1)
            ]
            receipt = app.commit(items, actor)
            summary.skipped += receipt.skipped
            if progress is not None:
                progress(len(batch.events))
    finally:
        store.clock, app.today = clock, today
    summary.head = store.head()
    return summary


def _constant(value: _T) -> Callable[[], _T]:
    return lambda: value
