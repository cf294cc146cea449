"""The registry of the département, with no young person: pilot measures and settings."""

from typing import ClassVar

from pathways.domain.events.base import RegistryEvent
from pathways.domain.events.fields import Code, describe

__all__ = [
    "MeasureEnded",
    "MeasureLaunched",
    "SettingChanged",
]


class MeasureLaunched(RegistryEvent):
    """A local pilot measure starts on a territory (occurred_on is its start)."""

    phase: ClassVar[str] = "measures"
    code: Code = describe("Code of the measure.")
    name: str = describe("Its name, for people.", min_length=1, max_length=200)
    territory: Code = describe("The territory where it runs.")


class MeasureEnded(RegistryEvent):
    """A local pilot measure ends."""

    phase: ClassVar[str] = "measures"
    code: Code = describe("Code of the measure.")


class SettingChanged(RegistryEvent):
    """A setting changes: an alert threshold, the suppression threshold, the earliest
    date an event may carry (`dates.floor`), or which Mission Locale serves a territory
    (`territory.<code>`, value an organisation code or `none`). Kept as an event so
    that replays use the settings of their time."""

    phase: ClassVar[str] = "settings"
    name: str = describe(
        "The setting, e.g. no-first-contact.days or territory.redon.",
        pattern=r"^[a-z0-9-]+(\.[a-z0-9-]+)?$",
        max_length=80,
    )
    value: str = describe(
        "Its new value (a whole number of days, a date or a code).", max_length=80
    )
