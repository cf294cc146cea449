"""The alerts, declared once: each alert's code, its thresholds (setting name and
default, in days) and its label (in English; the catalogue translates it:
`alert_label`).

`events.AlertCode` (the codes an `AlertAcknowledged` accepts),
`reference.DEFAULT_THRESHOLDS` (the settings), the order of the alerts in a
caseload line and the report's labels are all derived from `ALERTS`. The rule
of each alert is in `pathways.domain.alerts`; its definition for readers in
docs/alerts.md. This module imports nothing of the domain (only `pathways.i18n`):
the catalogue of events is built on it.
"""

from __future__ import annotations

from dataclasses import dataclass

from pathways.i18n import N_, _, using


@dataclass(frozen=True)
class AlertKind:
    """One alert: its code, its thresholds (setting name -> default) and labels; `spip`
    when it concerns the preparation of a release, which the probation service (SPIP)
    shares with the Mission Locale: its `alerts --organisation spip-35`."""

    code: str
    thresholds: dict[str, int]
    label: str  # in English, translated by the catalogue (`alert_label`)
    spip: bool = False


ALERTS: tuple[AlertKind, ...] = (
    AlertKind(
        "no-first-contact",
        {"no-first-contact.days": 15},
        N_("No first contact"),
        spip=True,
    ),
    AlertKind(
        "release-unprepared",
        {"release-unprepared.days": 30},
        N_("Release unprepared"),
        spip=True,
    ),
    AlertKind(
        "release-overdue",
        {"release-overdue.days": 7},
        N_("Release overdue"),
        spip=True,
    ),
    AlertKind("dry-release", {"dry-release.days": 30}, N_("Dry release"), spip=True),
    AlertKind(
        "no-contact-after-release",
        {"no-contact-after-release.days": 15, "no-contact-after-release.until": 90},
        N_("No contact after release"),
    ),
    AlertKind("contact-lost", {"contact-lost.days": 60}, N_("Contact lost")),
    AlertKind(
        "no-mainstream-entry",
        {"no-mainstream-entry.days": 90, "no-mainstream-entry.until": 365},
        N_("No mainstream entry"),
    ),
    AlertKind("ageing-out", {"ageing-out.days": 60}, N_("Ageing out")),
    AlertKind(
        "handover-pending",
        {"handover-pending.days": 15},
        N_("Handover pending"),
    ),
    AlertKind(
        "no-support",
        {"no-support.days": 15},
        N_("No Mission Locale support"),
        spip=True,
    ),
)

#: The codes, in the order of a caseload line's alerts on the same day.
ALERT_CODES: tuple[str, ...] = tuple(a.code for a in ALERTS)
#: The alerts of the probation service's list (`spip`), in the order of the catalogue.
SPIP_ALERTS: tuple[str, ...] = tuple(a.code for a in ALERTS if a.spip)
#: Every alert threshold (setting name -> default), in the order of the alerts.
ALERT_THRESHOLDS: dict[str, int] = {
    name: days for alert in ALERTS for name, days in alert.thresholds.items()
}


def alert_label(code: str, lang: str | None = None) -> str:
    """The label of an alert for people, in a language (default: the current one)."""
    label = next((a.label for a in ALERTS if a.code == code), code)
    with using(lang):
        return _(label)
