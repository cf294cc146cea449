"""The indicators' names and definitions, in words (no notation a reader must decode),
and how to read the report's tables."""

from __future__ import annotations

from html import escape

INDICATORS: dict[str, dict[str, tuple[str, str]]] = {
    # code -> language -> (label, definition)
    "met-before-release": {
        "fr": (
            "Rencontré avant la sortie",
            "Au moins un contact avec le jeune pendant la détention, entre son premier jour "
            "et le jour de la sortie, inclus.",
        ),
        "en": (
            "Met before release",
            "At least one contact with the young person during the custody, from its first "
            "day to the day of release, both included.",
        ),
    },
    "planned-release": {
        "fr": (
            "Sortie préparée",
            "Un plan de sortie validé pendant la détention, entre son premier jour et le jour "
            "de la sortie.",
        ),
        "en": (
            "Planned release",
            "A release plan validated during the custody, from its first day to the day of "
            "release.",
        ),
    },
    "complete-plan-at-release": {
        "fr": (
            "Plan de sortie complet",
            "Le dernier plan validé pendant la détention prévoit logement, ressources, pièce "
            "d'identité et couverture santé.",
        ),
        "en": (
            "Complete plan at release",
            "The latest plan validated during the custody has housing, income, an ID document "
            "and health cover.",
        ),
    },
    "adjusted-release": {
        "fr": (
            "Sortie aménagée",
            "La sortie est aménagée (libération conditionnelle ou sous contrainte, détention à "
            "domicile, placement extérieur, semi-liberté) et non une fin de peine. Les fins de "
            "détention provisoire ne sont pas comptées : elles ne peuvent pas être aménagées.",
        ),
        "en": (
            "Adjusted release",
            "The release is adjusted (conditional release, release under constraint, home "
            "detention, outside placement, semi-liberty), not an end of sentence. Ends of "
            "remand are not counted: they cannot be adjusted.",
        ),
    },
    "rights-at-release": {
        "fr": (
            "Droits ouverts à la sortie",
            "Pièce d'identité et assurance maladie obtenues au plus tard le jour de la sortie.",
        ),
        "en": (
            "Rights at release",
            "An ID document and health insurance obtained by the day of release.",
        ),
    },
    "contact-within-30d": {
        "fr": (
            "Contact sous 30 jours",
            "Au moins un contact entre le jour de la sortie et le 30e jour qui suit. Seules "
            "comptent les sorties dont ces 30 jours sont écoulés à la date de situation.",
        ),
        "en": (
            "Contact within 30 days",
            "At least one contact from the day of release to the 30th day after it. Only the "
            "releases whose 30 days have passed by the as-of date count.",
        ),
    },
    "mainstream-within-90d": {
        "fr": (
            "Droit commun sous 90 jours",
            "Une entrée en dispositif (CEJ, PACEA, E2C, EPIDE…) ou en situation (emploi, "
            "formation, apprentissage…) entre le jour de la sortie et le 90e jour qui suit, "
            "parmi les sorties dont ces 90 jours sont écoulés.",
        ),
        "en": (
            "Mainstream within 90 days",
            "A programme (CEJ, PACEA, E2C, EPIDE…) or a situation (work, training, "
            "apprenticeship…) entered from the day of release to the 90th day after it, among "
            "the releases whose 90 days have passed.",
        ),
    },
    "mainstream-within-180d": {
        "fr": ("Droit commun sous 180 jours", "De même, dans les 180 jours qui suivent."),
        "en": ("Mainstream within 180 days", "The same, within the 180 days after it."),
    },
    "reincarcerated-within-180d": {
        "fr": (
            "Retour en détention sous 180 jours",
            "Une nouvelle détention (provisoire comprise) commencée après le jour de la sortie "
            "et au plus tard le 180e jour qui suit. Ce n'est pas un taux de récidive.",
        ),
        "en": (
            "Back in custody within 180 days",
            "A new custody (remand included) begun after the day of release and by the 180th "
            "day after it. It is not a reconviction rate.",
        ),
    },
    "reincarcerated-within-365d": {
        "fr": ("Retour en détention sous 365 jours", "De même, dans les 365 jours qui suivent."),
        "en": ("Back in custody within 365 days", "The same, within the 365 days after it."),
    },
    "incarcerated-within-180d": {
        "fr": (
            "Détention sous 180 jours",
            "Milieu ouvert : une détention (provisoire comprise) commencée après le début du "
            "suivi et au plus tard le 180e jour qui suit. Ce n'est pas un taux de récidive.",
        ),
        "en": (
            "Custody within 180 days",
            "Community supervision: a custody (remand included) begun after the start of the "
            "supervision and by the 180th day after it. It is not a reconviction rate.",
        ),
    },
    "incarcerated-within-365d": {
        "fr": ("Détention sous 365 jours", "De même, dans les 365 jours qui suivent."),
        "en": ("Custody within 365 days", "The same, within the 365 days after it."),
    },
    "handover-within-30d": {
        "fr": (
            "Relais pris sous 30 jours",
            "Parmi les sorties vers un territoire que la Mission Locale qui accompagne le "
            "jeune ne couvre pas : la Mission Locale du territoire a accusé le relais dans les "
            "30 jours qui suivent la sortie.",
        ),
        "en": (
            "Handover within 30 days",
            "Among releases to a territory that the young person's Mission Locale does not "
            "serve: the Mission Locale of that territory acknowledged the handover within the "
            "30 days after the release.",
        ),
    },
    "days-to-first-contact": {
        "fr": (
            "Jours jusqu'au premier contact",
            "Du premier jour de la détention au premier contact pendant celle-ci, parmi les "
            "sorties qui en ont eu un (en milieu ouvert : depuis le début du suivi).",
        ),
        "en": (
            "Days to first contact",
            "From the first day of the custody to the first contact during it, among the "
            "releases that had one (community supervision: from the start of the supervision).",
        ),
    },
    "days-to-mainstream": {
        "fr": (
            "Jours jusqu'au droit commun",
            "De la sortie à la première entrée en dispositif ou en situation. Une sortie qui "
            "n'en a pas encore eu compte jusqu'à la date de situation, à une nouvelle détention "
            "ou à la fin de l'accompagnement (estimation de Kaplan-Meier).",
        ),
        "en": (
            "Days to mainstream",
            "From the release to the first programme or situation. A release with none yet "
            "counts up to the as-of date, a new custody or the end of the support (Kaplan-Meier "
            "estimate).",
        ),
    },
    "contacts-per-month": {
        "fr": (
            "Contacts par mois",
            "Nombre de contacts par tranche de 30 jours d'accompagnement actif, dans les 180 "
            "jours qui suivent la sortie.",
        ),
        "en": (
            "Contacts per month",
            "Contacts per 30 days of active support, in the 180 days after the release.",
        ),
    },
}

#: The symbols and abbreviations of the tables, in words ({n}: the suppression threshold).
READING: dict[str, list[tuple[str, str]]] = {
    "fr": [
        ("n", "le nombre de sorties (ou de débuts de suivi) comptées pour l'indicateur ; une "
         "sortie dont la fenêtre n'est pas encore écoulée n'y est pas."),
        ("k", "parmi elles, le nombre de celles qui ont l'issue décrite."),
        ("Taux", "k divisé par n."),
        ("IC 95 %", "l'intervalle de confiance à 95 % (méthode de Wilson) : les taux "
         "compatibles avec ce qui est observé ; il est d'autant plus large que n est petit."),
        ("*", "un chiffre masqué par le secret statistique : moins de {n} dans le groupe, ou "
         "masqué pour qu'on ne retrouve pas un petit groupe par soustraction."),
        ("–", "pas de chiffre (aucune sortie concernée, ou comparaison masquée)."),
        ("Médiane, Q1, Q3", "la moitié des valeurs est sous la médiane, un quart sous Q1, "
         "trois quarts sous Q3 ; « non atteinte » : moins de la moitié (ou du quart) a connu "
         "l'événement."),
        ("Différence", "le taux de la mesure moins celui de la référence, en points de "
         "pourcentage, avec son intervalle à 95 % (méthode de Newcombe) ; « ! » : "
         "l'intervalle ne contient pas 0."),
    ],
    "en": [
        ("n", "the number of releases (or starts of supervision) counted for the indicator; "
         "a release whose window has not passed yet is not among them."),
        ("k", "among them, the number with the outcome described."),
        ("Rate", "k divided by n."),
        ("95 % CI", "the 95 % confidence interval (Wilson's method): the rates compatible "
         "with what is observed; the smaller n, the wider it is."),
        ("*", "a figure withheld for confidentiality: fewer than {n} in the group, or withheld "
         "so that a small group cannot be recovered by subtraction."),
        ("–", "no figure (no release concerned, or a withheld comparison)."),
        ("Median, Q1, Q3", "half of the values are below the median, a quarter below Q1, "
         "three quarters below Q3; “not reached”: fewer than half (or a quarter) had the "
         "event."),
        ("Difference", "the rate of the measure minus that of the reference, in percentage "
         "points, with its 95 % interval (Newcombe's method); “!”: the interval does not "
         "contain 0."),
    ],
}  # fmt: skip

#: The order of the definitions: the release indicators, the community ones, the delays.
ORDER = (
    "met-before-release", "planned-release", "complete-plan-at-release", "adjusted-release",
    "rights-at-release", "contact-within-30d", "mainstream-within-90d",
    "mainstream-within-180d", "reincarcerated-within-180d", "reincarcerated-within-365d",
    "handover-within-30d", "incarcerated-within-180d", "incarcerated-within-365d",
    "days-to-first-contact", "days-to-mainstream", "contacts-per-month",
)  # fmt: skip


def label(code: str, lang: str) -> str:
    return INDICATORS.get(code, {}).get(lang, (code, ""))[0]


def definitions(lang: str, t: dict[str, str], min_n: int) -> str:
    """The definitions section: how to read the tables, then every indicator in words
    (with its code, as `pathways outcomes` prints it)."""
    reading = "".join(
        f"<dt>{escape(symbol)}</dt><dd>{escape(text.format(n=min_n))}</dd>"
        for symbol, text in READING[lang]
    )
    items = "".join(
        f"<dt>{escape(INDICATORS[code][lang][0])} <code>{code}</code></dt>"
        f"<dd>{escape(INDICATORS[code][lang][1])}</dd>"
        for code in ORDER
    )
    return (
        f"<h3>{escape(t['reading'])}</h3><dl class='reading'>{reading}</dl>"
        f"<h3>{escape(t['indicator_list'])}</h3><dl class='definitions'>{items}</dl>"
    )
