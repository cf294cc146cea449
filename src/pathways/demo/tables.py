"""The reference data of the simulation: who lives where, sentences, releases,
supervisions, situations, channels, names, and the pilot measures of the demo.

The territories and the Missions Locales serving them are the reference's
(`domain.reference`); only their weights belong here.
"""

from __future__ import annotations

from dataclasses import dataclass

from pathways.domain.reference import PROBATION_SERVICE

SPIP = PROBATION_SERVICE

#: Territory -> weight of residence (the Missions Locales serving them: the reference's).
RESIDENCE_WEIGHTS: dict[str, int] = {
    "rennes": 40,
    "saint-malo": 20,
    "fougeres": 8,
    "vitre": 7,
    "redon": 7,
    "broceliande": 6,
    "vallons-de-vilaine": 6,
    "outside-35": 3,
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
        "Job dating au CP de Rennes-Vezin",
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
        "Code de la route en détention",
        "rennes",
        ("cp-rennes-vezin",),
        0.20,
        0.70,
    ),
)
