"""The alerts, declared once: each alert's code, its thresholds (setting name and
default, in days) and its labels in English and French.

`events.AlertCode` (the codes an `AlertAcknowledged` accepts),
`reference.DEFAULT_THRESHOLDS` (the settings), the order of the alerts in a
caseload line and the report's labels are all derived from `ALERTS`. The rule
of each alert is in `pathways.domain.alerts`; its definition for readers in
docs/alerts.md. This module imports nothing of the domain: the catalogue of
events is built on it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AlertKind:
    """One alert: its code, its thresholds (setting name -> default) and labels; `spip`
    when it concerns the preparation of a release, which the probation service (SPIP)
    shares with the Mission Locale: its `alerts --organisation spip-35`."""

    code: str
    thresholds: dict[str, int]
    en: str
    fr: str
    spip: bool = False


ALERTS: tuple[AlertKind, ...] = (
    AlertKind(
        "no-first-contact",
        {"no-first-contact.days": 15},
        en="No first contact",
        fr="Pas de premier contact",
        spip=True,
    ),
    AlertKind(
        "release-unprepared",
        {"release-unprepared.days": 30},
        en="Release unprepared",
        fr="Sortie non préparée",
        spip=True,
    ),
    AlertKind(
        "release-overdue",
        {"release-overdue.days": 7},
        en="Release overdue",
        fr="Date de sortie dépassée",
        spip=True,
    ),
    AlertKind(
        "dry-release", {"dry-release.days": 30}, en="Dry release", fr="Sortie sèche", spip=True
    ),
    AlertKind(
        "no-contact-after-release",
        {"no-contact-after-release.days": 15, "no-contact-after-release.until": 90},
        en="No contact after release",
        fr="Pas de contact depuis la sortie",
    ),
    AlertKind("contact-lost", {"contact-lost.days": 60}, en="Contact lost", fr="Perte de contact"),
    AlertKind(
        "no-mainstream-entry",
        {"no-mainstream-entry.days": 90, "no-mainstream-entry.until": 365},
        en="No mainstream entry",
        fr="Pas d'entrée en droit commun",
    ),
    AlertKind("ageing-out", {"ageing-out.days": 60}, en="Ageing out", fr="Atteinte des 26 ans"),
    AlertKind(
        "handover-pending",
        {"handover-pending.days": 15},
        en="Handover pending",
        fr="Relais non pris",
    ),
    AlertKind(
        "no-support",
        {"no-support.days": 15},
        en="No Mission Locale support",
        fr="Sans accompagnement Mission Locale",
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
#: The labels of each alert (code -> language -> label).
ALERT_LABELS: dict[str, dict[str, str]] = {a.code: {"fr": a.fr, "en": a.en} for a in ALERTS}
