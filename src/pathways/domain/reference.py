"""Reference data: territories, the Missions Locales that serve them, facilities, measures.

The defaults are those of Ille-et-Vilaine (DOMAIN.md section 8). Pilot measures
are not defaults: they come from `MeasureLaunched` / `MeasureEnded` events, so
that a replay "as known at" a past time sees the measures known then.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from pathways.domain.alert_catalogue import ALERT_THRESHOLDS
from pathways.domain.events import (
    CODE_PATTERN,
    Event,
    MeasureEnded,
    MeasureLaunched,
    SettingChanged,
)
from pathways.domain.users import User, apply_user_event
from pathways.i18n import _

DEFAULT_TERRITORIES: dict[str, str | None] = {
    "rennes": "we-ker",
    "saint-malo": "ml-saint-malo",
    "fougeres": "ml-fougeres",
    "vitre": "ml-vitre",
    "redon": "ml-redon",
    "broceliande": "ml-broceliande",
    "vallons-de-vilaine": "ml-vallons-de-vilaine",
    "outside-35": None,
}
PROBATION_SERVICE = "spip-35"
DEFAULT_FACILITIES: tuple[str, ...] = (
    "cp-rennes-vezin",
    "cp-femmes-rennes",
    "ma-saint-malo",
    "other",
)

#: The languages in which the reference data names its codes.
LANGUAGES = ("fr", "en")
#: The names of the codes shipped by default, for people (code -> language -> name).
#: Proper names are the same in both languages. A code with no name (a territory added
#: by a setting) is shown as the code itself: see `name_of`.
TERRITORY_NAMES: dict[str, dict[str, str]] = {
    "rennes": {"fr": "Rennes", "en": "Rennes"},
    "saint-malo": {"fr": "Saint-Malo", "en": "Saint-Malo"},
    "fougeres": {"fr": "Fougères", "en": "Fougères"},
    "vitre": {"fr": "Vitré", "en": "Vitré"},
    "redon": {"fr": "Redon", "en": "Redon"},
    "broceliande": {"fr": "Brocéliande", "en": "Brocéliande"},
    "vallons-de-vilaine": {"fr": "Vallons de Vilaine", "en": "Vallons de Vilaine"},
    "outside-35": {"fr": "Hors Ille-et-Vilaine", "en": "Outside Ille-et-Vilaine"},
}
ORGANISATION_NAMES: dict[str, dict[str, str]] = {
    code: {"fr": name, "en": name}
    for code, name in {
        "we-ker": "We Ker",
        "ml-saint-malo": "Mission Locale du Pays de Saint-Malo",
        "ml-fougeres": "Mission Locale du Pays de Fougères",
        # Vitré's Mission Locale is called "Porte de Bretagne": the town keeps it recognisable.
        "ml-vitre": "Mission Locale Porte de Bretagne (Vitré)",
        "ml-redon": "Mission Locale du Pays de Redon et de Vilaine",
        "ml-broceliande": "Mission Locale du Pays de Brocéliande",
        "ml-vallons-de-vilaine": "Mission Locale des Vallons de Vilaine",
        "spip-35": "SPIP 35",
    }.items()
}
FACILITY_NAMES: dict[str, dict[str, str]] = {
    "cp-rennes-vezin": {
        "fr": "Centre pénitentiaire de Rennes-Vezin",
        "en": "Centre pénitentiaire de Rennes-Vezin",
    },
    "cp-femmes-rennes": {
        "fr": "Centre pénitentiaire pour femmes de Rennes",
        "en": "Centre pénitentiaire pour femmes de Rennes",
    },
    "ma-saint-malo": {"fr": "Maison d'arrêt de Saint-Malo", "en": "Maison d'arrêt de Saint-Malo"},
    "other": {"fr": "Autre établissement", "en": "Other facility"},
}


def name_of(names: dict[str, dict[str, str]], code: str, lang: str) -> str:
    """The name of a code for people, in a language; a code with no name is its own name."""
    return names.get(code, {}).get(lang, code)


#: Thresholds in days (DOMAIN.md section 6) and the suppression threshold (section 7).
#: The alerts' thresholds come from the alert catalogue (domain.alert_catalogue).
#: `retention.days`: how long a young person's data is kept after their last contact
#: (two years, the French social-sector guidance; `pathways retention`).
DEFAULT_THRESHOLDS: dict[str, int] = {
    **ALERT_THRESHOLDS,
    "suppression.min-n": 5,
    "retention.days": 730,
}
#: Date settings: no date of an event (but a birth date) may be before `dates.floor`,
#: so that a pathway shifted to the year 0001 by a broken export is refused.
DEFAULT_DATES: dict[str, date] = {"dates.floor": date(2000, 1, 1)}
#: The floor itself cannot go further back than this.
EARLIEST_FLOOR = date(1900, 1, 1)
#: The suppression threshold can be raised, never set below this floor.
MIN_SUPPRESSION = 5
TERRITORY_PREFIX = "territory."


@dataclass(frozen=True)
class Measure:
    code: str
    name: str
    territory: str
    launched_on: date
    ended_on: date | None = None

    def open_on(self, day: date) -> bool:
        """Enrolment is possible on or after the launch and before the end."""
        return self.launched_on <= day and (self.ended_on is None or day < self.ended_on)


@dataclass
class ReferenceData:
    """The codes in force; every code in an event must be known here."""

    territories: dict[str, str | None] = field(default_factory=lambda: dict(DEFAULT_TERRITORIES))
    facilities: tuple[str, ...] = DEFAULT_FACILITIES
    measures: dict[str, Measure] = field(default_factory=dict)
    thresholds: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    dates: dict[str, date] = field(default_factory=lambda: dict(DEFAULT_DATES))
    #: The users of the store (`domain.users`), by name.
    users: dict[str, User] = field(default_factory=dict)

    @property
    def date_floor(self) -> date:
        """The earliest date an event may carry (setting dates.floor)."""
        return self.dates["dates.floor"]

    @property
    def missions_locales(self) -> list[str]:
        """Support organisations: the Missions Locales that serve a territory."""
        return sorted({org for org in self.territories.values() if org is not None})

    @property
    def organisations(self) -> list[str]:
        """Every organisation that may meet a young person (the SPIP included)."""
        return [*self.missions_locales, PROBATION_SERVICE]

    def is_organisation(self, code: str) -> bool:
        """Whether `code` is in `organisations`, without making the list (asked for every
        contact of an import)."""
        return code == PROBATION_SERVICE or code in self.territories.values()

    def territory_name(self, code: str, lang: str) -> str:
        return name_of(TERRITORY_NAMES, code, lang)

    def organisation_name(self, code: str, lang: str) -> str:
        return name_of(ORGANISATION_NAMES, code, lang)

    def facility_name(self, code: str, lang: str) -> str:
        return name_of(FACILITY_NAMES, code, lang)

    def measure_name(self, code: str) -> str:
        """The name a measure was launched with (its code, if it is unknown here)."""
        measure = self.measures.get(code)
        return code if measure is None else measure.name

    def serves(self, organisation: str, territory: str) -> bool:
        return self.territories.get(territory) == organisation

    def apply(self, event: Event) -> None:
        """Fold one registry event into the reference data (already validated)."""
        if apply_user_event(self.users, event):
            return
        if isinstance(event, MeasureLaunched):
            self.measures[event.code] = Measure(
                event.code, event.name, event.territory, event.occurred_on
            )
        elif isinstance(event, MeasureEnded):
            old = self.measures[event.code]
            self.measures[event.code] = Measure(
                old.code, old.name, old.territory, old.launched_on, event.occurred_on
            )
        elif isinstance(event, SettingChanged):
            if event.name.startswith(TERRITORY_PREFIX):
                territory = event.name.removeprefix(TERRITORY_PREFIX)
                self.territories[territory] = None if event.value == "none" else event.value
            elif event.name in self.dates:
                self.dates[event.name] = date.fromisoformat(event.value)
            else:
                self.thresholds[event.name] = int(event.value)

    def suppression(self, min_n: int | None = None) -> int:
        """The suppression threshold of a table: the store's, or a higher one asked for."""
        floor = self.thresholds["suppression.min-n"]
        if min_n is not None and min_n < floor:
            from pathways.domain.errors import PathwaysError

            msg = _(
                "--min-n {min_n}: groups under {floor} are always suppressed in this store"
            ).format(min_n=min_n, floor=floor)
            raise PathwaysError(msg)
        return max(min_n or floor, floor)

    def check_setting(self, name: str, value: str, today: date | None = None) -> str | None:
        """Why a setting cannot take that value, or None when it can."""
        if name.startswith(TERRITORY_PREFIX):
            territory = name.removeprefix(TERRITORY_PREFIX)
            if not re.match(CODE_PATTERN, territory) or not re.match(CODE_PATTERN, value):
                return _(
                    "{name} = {value}: territory and organisation must be lowercase codes"
                ).format(name=name, value=value)
            if value == PROBATION_SERVICE:
                return _(
                    "{name} = {value}: the probation service does not serve a territory"
                ).format(name=name, value=value)
            return None
        if name in self.dates:
            return _check_date_setting(name, value, today)
        if name not in self.thresholds:
            valid = ", ".join([*sorted([*self.thresholds, *self.dates]), "territory.<code>"])
            return _("unknown setting '{name}' (valid: {valid})").format(name=name, valid=valid)
        if not re.fullmatch(r"[0-9]{1,4}", value) or not 1 <= int(value) <= 3650:
            return _("{name} = {value}: expected a whole number of days, from 1 to 3650").format(
                name=name, value=value
            )
        if name == "suppression.min-n" and int(value) < MIN_SUPPRESSION:
            return _("{name} = {value}: small counts are suppressed below {floor} at least").format(
                name=name, value=value, floor=MIN_SUPPRESSION
            )
        stem, _dot, part = name.rpartition(".")
        if part == "until" and int(value) <= self.thresholds[f"{stem}.days"]:
            days = self.thresholds[f"{stem}.days"]
            return _("{name} = {value}: must be more than {stem}.days ({days})").format(
                name=name, value=value, stem=stem, days=days
            )
        if part == "days" and f"{stem}.until" in self.thresholds:
            until = self.thresholds[f"{stem}.until"]
            if int(value) >= until:
                return _("{name} = {value}: must be less than {stem}.until ({until})").format(
                    name=name, value=value, stem=stem, until=until
                )
        return None

    @classmethod
    def replay(cls, events: Iterable[Event]) -> ReferenceData:
        data = cls()
        for event in events:
            data.apply(event)
        return data


def _check_date_setting(name: str, value: str, today: date | None) -> str | None:
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            raise ValueError
        day = date.fromisoformat(value)
    except ValueError:
        return f"{name} = {value}: expected a date (YYYY-MM-DD)"
    if day < EARLIEST_FLOOR:
        return f"{name} = {value}: must be on or after {EARLIEST_FLOOR}"
    if today is not None and day > today:
        return f"{name} = {value}: must not be after today ({today})"
    return None
