"""What the indicators are: their codes and windows, the delays, the dimensions that
group them (DOMAIN.md section 7)."""

from __future__ import annotations

RELEASE_INDICATORS: dict[str, int | None] = {  # code -> window in days (None: at release)
    "met-before-release": None,
    "planned-release": None,
    "complete-plan-at-release": None,
    "adjusted-release": None,
    "rights-at-release": None,
    "contact-within-30d": 30,
    "mainstream-within-90d": 90,
    "mainstream-within-180d": 180,
    "reincarcerated-within-180d": 180,
    "reincarcerated-within-365d": 365,
    "handover-within-30d": 30,
}
COMMUNITY_INDICATORS: dict[str, int | None] = {
    "contact-within-30d": 30,
    "mainstream-within-90d": 90,
    "mainstream-within-180d": 180,
    "incarcerated-within-180d": 180,
    "incarcerated-within-365d": 365,
}
COHORTS = ("releases", "community")


def indicators_for(cohort: str) -> dict[str, int | None]:
    """The indicators of a cohort: of releases from custody, or of starts of community
    supervision."""
    return RELEASE_INDICATORS if cohort == "releases" else COMMUNITY_INDICATORS


DELAYS = ("days-to-first-contact", "days-to-mainstream", "contacts-per-month")
DIMENSIONS = ("territory", "measure", "quarter", "organisation", "sentence-band", "sex", "age-band")
