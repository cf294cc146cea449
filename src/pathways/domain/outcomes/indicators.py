"""What the indicators are: their codes and windows, their words for readers, the
delays, the dimensions that group them (DOMAIN.md section 7).

Each indicator is declared once here: its code, window and cohorts, its label and
plain definition (the report's glossary, translated by the catalogue) and its
formal definition (docs/indicators.md's table, written by `make docs`). Its
outcome is computed in `cases.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

from pathways.i18n import N_

RELEASES, COMMUNITY = "releases", "community"
COHORTS = (RELEASES, COMMUNITY)


@dataclass(frozen=True)
class Indicator:
    """A rate: the share of releases (or starts of supervision) with an outcome."""

    code: str
    window: int | None  # in days after the release; None: at release
    label: str  # in English (N_), translated by the catalogue
    words: str  # its definition in plain words, for the report (N_)
    french: str  # its French name, for docs/indicators.md
    outcome: str  # its outcome, formally, for docs/indicators.md ({window})
    denominator: str  # which releases count, for docs/indicators.md
    cohorts: tuple[str, ...] = (RELEASES,)


@dataclass(frozen=True)
class Delay:
    """A delay or an intensity: a distribution over the releases."""

    code: str
    label: str
    words: str
    what: str  # for docs/indicators.md
    how: str


_WINDOW_PASSED = "releases whose window has passed"

INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "met-before-release",
        None,
        N_("Met before release"),
        N_(
            "At least one contact with the young person during the custody, from its first day "
            "to the day of release, both included."
        ),
        "rencontré avant la sortie",
        "a contact dated in [s, r]",
        "all releases",
    ),
    Indicator(
        "planned-release",
        None,
        N_("Planned release"),
        N_(
            "A release plan validated during the custody, from its first day to the day of release."
        ),
        "sortie préparée",
        "a release plan validated in [s, r]",
        "all releases",
    ),
    Indicator(
        "complete-plan-at-release",
        None,
        N_("Complete plan at release"),
        N_(
            "The latest plan validated during the custody has housing, income, an ID document "
            "and health cover."
        ),
        "plan complet",
        "the latest plan in [s, r] has housing, income, ID and health cover",
        "all releases",
    ),
    Indicator(
        "adjusted-release",
        None,
        N_("Adjusted release"),
        N_(
            "The release is adjusted (conditional release, release under constraint, home "
            "detention, outside placement, semi-liberty), not an end of sentence. Ends of remand "
            "are not counted: they cannot be adjusted."
        ),
        "aménagement de peine",
        "the release kind is not end-of-sentence",
        "releases that are not remand-ended (an end of remand cannot be adjusted)",
    ),
    Indicator(
        "rights-at-release",
        None,
        N_("Rights at release"),
        N_("An ID document and health insurance obtained by the day of release."),
        "droits ouverts",
        "both an ID document and health insurance obtained on or before r",
        "all releases",
    ),
    Indicator(
        "contact-within-30d",
        30,
        N_("Contact within 30 days"),
        N_(
            "At least one contact from the day of release to the 30th day after it. Only the "
            "releases whose 30 days have passed by the as-of date count."
        ),
        "contact dans les 30 jours",
        "a contact dated in [r, r+{window}]",
        "releases with r+30 ≤ as-of",
        COHORTS,
    ),
    Indicator(
        "mainstream-within-90d",
        90,
        N_("Mainstream within 90 days"),
        N_(
            "A programme (CEJ, PACEA, E2C, EPIDE…) or a situation (work, training, "
            "apprenticeship…) entered from the day of release to the 90th day after it, among "
            "the releases whose 90 days have passed."
        ),
        "entrée en droit commun",
        "a programme entry (CEJ, PACEA, E2C, EPIDE...) or a situation (job, training...) "
        "started in [r, r+{window}]",
        _WINDOW_PASSED,
        COHORTS,
    ),
    Indicator(
        "mainstream-within-180d",
        180,
        N_("Mainstream within 180 days"),
        N_("The same, within the 180 days after it."),
        "entrée en droit commun",
        "the same, started in [r, r+{window}]",
        _WINDOW_PASSED,
        COHORTS,
    ),
    Indicator(
        "reincarcerated-within-180d",
        180,
        N_("Back in custody within 180 days"),
        N_(
            "A new custody (remand included) begun after the day of release and by the 180th day "
            "after it. It is not a reconviction rate."
        ),
        "réincarcération",
        "a new custody (remand included) dated in (r, r+{window}] — **not** a reconviction rate",
        _WINDOW_PASSED,
    ),
    Indicator(
        "reincarcerated-within-365d",
        365,
        N_("Back in custody within 365 days"),
        N_("The same, within the 365 days after it."),
        "réincarcération",
        "the same, dated in (r, r+{window}]",
        _WINDOW_PASSED,
    ),
    Indicator(
        "incarcerated-within-180d",
        180,
        N_("Custody within 180 days"),
        N_(
            "Community supervision: a custody (remand included) begun after the start of the "
            "supervision and by the 180th day after it. It is not a reconviction rate."
        ),
        "incarcération",
        "community cohort: a custody (remand included) dated in (c, c+{window}] after the "
        "start c of the supervision — **not** a reconviction rate",
        "starts of supervision whose window has passed",
        (COMMUNITY,),
    ),
    Indicator(
        "incarcerated-within-365d",
        365,
        N_("Custody within 365 days"),
        N_("The same, within the 365 days after it."),
        "incarcération",
        "the same, dated in (c, c+{window}]",
        "starts of supervision whose window has passed",
        (COMMUNITY,),
    ),
    Indicator(
        "handover-within-30d",
        30,
        N_("Handover within 30 days"),
        N_(
            "Among releases to a territory that the young person's Mission Locale does not "
            "serve: the Mission Locale of that territory acknowledged the handover within the 30 "
            "days after the release."
        ),
        "relais pris",
        "a handover acknowledged in [r, r+{window}]",
        "releases to a territory that the supporting Mission Locale does not serve, window passed",
    ),
)

DELAY_KINDS: tuple[Delay, ...] = (
    Delay(
        "days-to-first-contact",
        N_("Days to first contact"),
        N_(
            "From the first day of the custody to the first contact during it, among the "
            "releases that had one (community supervision: from the start of the supervision)."
        ),
        "from the custody start s to the first contact in [s, r]",
        "median and quartiles, over the releases that had one",
    ),
    Delay(
        "days-to-mainstream",
        N_("Days to mainstream"),
        N_(
            "From the release to the first programme or situation. A release with none yet "
            "counts up to the as-of date, a new custody or the end of the support (Kaplan-Meier "
            "estimate)."
        ),
        "from r to the first programme or situation",
        "a **Kaplan-Meier** estimate: a release with no entry yet is *censored* at the "
        "earliest of the as-of date, the next custody and the closure of the support; the "
        "median is the first time the curve falls to 0.5 (`not reached` when fewer than half "
        "had an entry)",
    ),
    Delay(
        "contacts-per-month",
        N_("Contacts per month"),
        N_("Contacts per 30 days of active support, in the 180 days after the release."),
        "the intensity of the reinforced support: contacts per 30 days while the support is "
        "active, in the 180 days after r",
        "median and quartiles, over releases whose 180 days have passed",
    ),
)

#: code -> window in days (None: at release), for each cohort.
RELEASE_INDICATORS: dict[str, int | None] = {
    i.code: i.window for i in INDICATORS if RELEASES in i.cohorts
}
COMMUNITY_INDICATORS: dict[str, int | None] = {
    i.code: i.window for i in INDICATORS if COMMUNITY in i.cohorts
}


def indicators_for(cohort: str) -> dict[str, int | None]:
    """The indicators of a cohort: of releases from custody, or of starts of community
    supervision."""
    return RELEASE_INDICATORS if cohort == RELEASES else COMMUNITY_INDICATORS


DELAYS = tuple(d.code for d in DELAY_KINDS)
DIMENSIONS = ("territory", "measure", "quarter", "organisation", "sentence-band", "sex", "age-band")
