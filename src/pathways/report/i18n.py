"""The words of the report, in French (its audience) and English.

The names of territories, organisations and facilities are reference data
(`pathways.domain.reference`); the indicators' names and definitions are in
`pathways.report.glossary`.
"""

from __future__ import annotations

from pathways.domain.alert_catalogue import ALERT_LABELS
from pathways.report.glossary import INDICATORS, label

TEXT: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Dedans-Dehors — rapport d'évaluation",
        "subtitle": "Parcours des jeunes sous main de justice, Ille-et-Vilaine",
        "period": "Période",
        "as_of": "Situation au",
        "known_at": "Connu au",
        "position": "Position dans le journal",
        "suppression": "Secret statistique : pour les groupes de moins de {n}, les effectifs "
        "concernés, taux et intervalles sont masqués (« * ») ; quand un seul groupe l'est, le "
        "plus petit des autres l'est aussi, pour qu'on ne puisse pas le retrouver par "
        "soustraction ; les graphiques ne les montrent pas.",
        "generated": "Généré par pathways. Aucune donnée personnelle : ni référence, ni date de "
        "naissance, ni ligne individuelle.",
        "toc": "Sommaire",
        "cohort": "La cohorte",
        "cohort_intro": "Sorties de détention et débuts de suivi en milieu ouvert datés dans la "
        "période, par territoire, par trimestre et par mesure expérimentale.",
        "releases": "Sorties de détention",
        "community": "Débuts de suivi en milieu ouvert",
        "count_of": "{what} : {n}",
        "no_releases": "Aucune sortie de détention dans la période : rien à montrer.",
        "no_community": "Aucun début de suivi en milieu ouvert dans la période : rien à montrer.",
        "territory": "Territoire",
        "quarter": "Trimestre",
        "measure": "Mesure",
        "organisation": "Structure",
        "quarter_name": "T{quarter} {year}",
        "no_measure": "Sans mesure",
        "unknown": "Inconnu",
        "total": "Total",
        "size_by": "{what} par {by}",
        "days": "{n} jours",
        "windows": "Fenêtres de suivi complètes à la date de situation",
        "window": "Fenêtre",
        "complete": "Sorties dont la fenêtre est complète",
        "indicators": "Indicateurs par territoire",
        "indicators_intro": "Taux et intervalle de confiance à 95 % (Wilson) par territoire de "
        "sortie ; la ligne verticale est le taux du département.",
        "community_indicators": "Milieu ouvert : indicateurs par territoire",
        "community_intro": "Jeunes dont le suivi en milieu ouvert a commencé dans la période, "
        "par territoire de résidence. Il n'y a pas de sortie : les fenêtres comptent à partir "
        "du début du suivi, « Détention sous N jours » remplace le retour en détention, et les "
        "indicateurs propres à la sortie (préparation, aménagement, droits) ne s'appliquent pas.",
        "release_delays": "Du début de la détention au premier contact ; de la sortie à "
        "l'entrée en droit commun ; contacts des 180 jours après la sortie.",
        "community_delays": "En milieu ouvert, les délais et les contacts comptent à partir "
        "du début du suivi.",
        "department": "Département",
        "rate": "Taux",
        "ci": "IC 95 %",
        "n": "n",
        "k": "k",
        "survival": "Délais après la sortie (Kaplan-Meier)",
        "survival_intro": "Part des jeunes sortis qui n'ont pas encore connu l'événement, jour "
        "après jour. Les sorties sans événement sont censurées (à la date de situation, à une "
        "nouvelle détention ou à la fin de l'accompagnement) ; une courbe s'arrête au dernier "
        "jour où quelqu'un est encore suivi.",
        "to_mainstream": "Délai jusqu'à une entrée en droit commun",
        "to_custody": "Délai jusqu'à un retour en détention",
        "days_after": "Jours après la sortie",
        "share_without": "Part sans l'événement",
        "at_risk": "Effectifs à risque (jeunes encore suivis et sans l'événement) au jour :",
        "delays": "Délais (médiane et quartiles)",
        "indicator": "Indicateur",
        "median": "Médiane",
        "q1": "Q1",
        "q3": "Q3",
        "not_reached": "non atteinte",
        "trend": "Évolution par trimestre de sortie",
        "trend_intro": "Un petit graphique par indicateur : le taux de chaque trimestre de "
        "sortie et, en bande, son intervalle de confiance à 95 %. Un trimestre masqué est un "
        "trou dans la courbe.",
        "trend_left_out": "Sans graphique (tous les trimestres masqués) : {names}.",
        "comparisons": "Comparaison des mesures expérimentales",
        "comparisons_intro": "Chaque mesure comparée aux sorties sans mesure sur son "
        "territoire : différence de taux et intervalle à 95 % (Newcombe). Seules figurent ici "
        "les comparaisons qui comptent au moins {enough} sorties de chaque côté. « ! » : "
        "l'intervalle ne contient pas 0.",
        "no_comparisons": "Aucune sortie de la période n'est inscrite dans une mesure "
        "expérimentale : rien à comparer.",
        "comparisons_chart": "Différence de taux avec la référence : {names}",
        "difference_axis": "Différence de taux avec la référence (points)",
        "no_chart_comparisons": "Pas de tableau ni de graphique : aucune comparaison ne compte "
        "{enough} sorties de chaque côté.",
        "comparisons_others": "{others} autres comparaisons ont trop peu de sorties d'un côté "
        "pour conclure ({small} en ont moins de {enough}, {suppressed} moins de {n} et sont "
        "masquées) : elles figurent en annexe.",
        "chance": "{shown} comparaisons dans ce tableau, {flagged} signalées ; au seuil de "
        "95 %, environ {expected} le seraient par le seul hasard, même sans aucune différence "
        "réelle. Une différence signalée invite à regarder de plus près : ce n'est pas un effet "
        "prouvé de la mesure (les jeunes inscrits ne sont pas tirés au sort).",
        "reference": "Référence",
        "n_ref": "n réf.",
        "difference": "Différence",
        "flag": "!",
        "reason": "Pourquoi en annexe",
        "small": "moins de {enough} sorties d'un côté",
        "suppressed_comparison": "masquée : moins de {n} sorties d'un côté",
        "not_enrolled": "sans mesure, {territory}",
        "annex": "Annexe : comparaisons sans assez de sorties",
        "annex_intro": "Les comparaisons qui ne comptent pas {enough} sorties de chaque côté. "
        "Leurs différences sont trop incertaines pour conclure : elles ne sont pas signalées.",
        "caseload": "File active et alertes au {date}",
        "caseload_at_end": "Comptés au dernier jour de la période, le {date} (et non à la date "
        "de situation, le {as_of}) : jeunes suivis ce jour-là et alertes ouvertes, par "
        "structure d'accompagnement (aucune ligne individuelle).",
        "caseload_at_both": "Comptés le {date}, dernier jour de la période et date de "
        "situation : jeunes suivis et alertes ouvertes, par structure d'accompagnement (aucune "
        "ligne individuelle).",
        "caseload_at_as_of": "Comptés à la date de situation, le {date}, la période (jusqu'au "
        "{to}) n'étant pas finie : jeunes suivis et alertes ouvertes, par structure "
        "d'accompagnement (aucune ligne individuelle).",
        "no_caseload": "Aucun jeune suivi ce jour-là.",
        "followed": "Jeunes suivis",
        "open_alerts": "Alertes ouvertes",
        "none_org": "(sans accompagnement : pas encore, ou clos)",
        "no_chart_sizes": "Pas de graphique : chaque groupe compte moins de {n} cas (secret "
        "statistique).",
        "no_chart_rates": "Pas de graphique : les taux de chaque territoire sont masqués "
        "(moins de {n} sorties, ou masqués pour qu'on ne retrouve pas un petit groupe).",
        "no_chart_none": "Pas de graphique : aucune sortie n'entre dans ce calcul (aucune "
        "n'est concernée, ou sa fenêtre n'est pas encore écoulée à la date de situation).",
        "no_chart_curves": "Pas de courbe : moins de {n} sorties dans la période (secret "
        "statistique).",
        "no_chart_trend": "Pas de graphique : le taux de chaque trimestre est masqué (moins de "
        "{n} sorties).",
        "no_chart_caseload": "Pas de graphique : chaque structure suit moins de {n} jeunes "
        "(secret statistique).",
        "definitions": "Définitions",
        "reading": "Comment lire les tableaux",
        "indicator_list": "Les indicateurs",
    },
    "en": {
        "title": "Dedans-Dehors — evaluation report",
        "subtitle": "Pathways of young people under justice supervision, Ille-et-Vilaine",
        "period": "Period",
        "as_of": "As of",
        "known_at": "Known at",
        "position": "Log position",
        "suppression": "Small groups: for groups under {n}, the counts with the outcome, rates "
        "and intervals are withheld (“*”); when a single group is, the next smallest is too, "
        "so that it cannot be recovered by subtraction; charts leave them out.",
        "generated": "Generated by pathways. No personal data: no reference, no birth date, "
        "no individual row.",
        "toc": "Contents",
        "cohort": "The cohort",
        "cohort_intro": "Releases from custody and starts of community supervision dated in the "
        "period, by territory, quarter and pilot measure.",
        "releases": "Releases from custody",
        "community": "Starts of community supervision",
        "count_of": "{what}: {n}",
        "no_releases": "No release from custody in the period: nothing to show.",
        "no_community": "No start of community supervision in the period: nothing to show.",
        "territory": "Territory",
        "quarter": "Quarter",
        "measure": "Measure",
        "organisation": "Organisation",
        "quarter_name": "Q{quarter} {year}",
        "no_measure": "No measure",
        "unknown": "Unknown",
        "total": "Total",
        "size_by": "{what} by {by}",
        "days": "{n} days",
        "windows": "Follow-up windows complete at the as-of date",
        "window": "Window",
        "complete": "Releases whose window is complete",
        "indicators": "Indicators by territory",
        "indicators_intro": "Rates and 95 % Wilson intervals by territory of release; the "
        "vertical line is the rate of the whole département.",
        "community_indicators": "Community supervision: indicators by territory",
        "community_intro": "Young people whose community supervision began in the period, by "
        "territory of residence. There is no release: the windows count from the start of the "
        "supervision, “Custody within N days” stands for the return to custody, and the "
        "indicators of a release (planning, adjustment, rights) do not apply.",
        "release_delays": "From the start of the custody to the first contact; from the "
        "release to a mainstream scheme; contacts in the 180 days after the release.",
        "community_delays": "Under community supervision, the delays and the contacts count "
        "from the start of the supervision.",
        "department": "All territories",
        "rate": "Rate",
        "ci": "95 % CI",
        "n": "n",
        "k": "k",
        "survival": "Time after release (Kaplan-Meier)",
        "survival_intro": "Share of released young people who have not yet had the event, day "
        "by day. Releases without it are censored (at the as-of date, a new custody, or the "
        "end of the support); a curve stops on the last day someone is still followed.",
        "to_mainstream": "Time to a mainstream scheme",
        "to_custody": "Time to a return to custody",
        "days_after": "Days after release",
        "share_without": "Share without the event",
        "at_risk": "Number at risk (still followed, without the event) on day:",
        "delays": "Delays (median and quartiles)",
        "indicator": "Indicator",
        "median": "Median",
        "q1": "Q1",
        "q3": "Q3",
        "not_reached": "not reached",
        "trend": "Trend by quarter of release",
        "trend_intro": "One small chart per indicator: the rate of each quarter of release and, "
        "as a band, its 95 % confidence interval. A withheld quarter is a gap in the line.",
        "trend_left_out": "No chart (every quarter withheld): {names}.",
        "comparisons": "Comparison of pilot measures",
        "comparisons_intro": "Each measure against the releases with no measure on its "
        "territory: difference of rates and 95 % interval (Newcombe). Only the comparisons "
        "with at least {enough} releases on each side are listed here. “!”: the interval does "
        "not contain 0.",
        "no_comparisons": "No release of the period is enrolled in a pilot measure: nothing "
        "to compare.",
        "comparisons_chart": "Difference of rates with the reference: {names}",
        "difference_axis": "Difference of rates with the reference (points)",
        "no_chart_comparisons": "No table and no chart: no comparison has {enough} releases on "
        "each side.",
        "comparisons_others": "{others} other comparisons have too few releases on one side to "
        "conclude ({small} have fewer than {enough}, {suppressed} fewer than {n} and are "
        "withheld): they are listed in the annex.",
        "chance": "{shown} comparisons in this table, {flagged} flagged; at the 95 % level "
        "about {expected} would be flagged by chance alone even with no real difference. A "
        "flag is a reason to look closer, not a proven effect of the measure (enrolment is "
        "not random).",
        "reference": "Reference",
        "n_ref": "n ref.",
        "difference": "Difference",
        "flag": "!",
        "reason": "Why in the annex",
        "small": "fewer than {enough} releases on one side",
        "suppressed_comparison": "withheld: fewer than {n} releases on one side",
        "not_enrolled": "no measure, {territory}",
        "annex": "Annex: comparisons without enough releases",
        "annex_intro": "The comparisons without {enough} releases on each side. Their "
        "differences are too uncertain to conclude: they are not flagged.",
        "caseload": "Caseload and alerts on {date}",
        "caseload_at_end": "Counted on the last day of the period, {date} (not on the as-of "
        "date, {as_of}): young people followed that day and their open alerts, by supporting "
        "organisation (no individual rows).",
        "caseload_at_both": "Counted on {date}, the last day of the period and the as-of date: "
        "young people followed and open alerts, by supporting organisation (no individual "
        "rows).",
        "caseload_at_as_of": "Counted on the as-of date, {date}, as the period (to {to}) is not "
        "over: young people followed and open alerts, by supporting organisation (no "
        "individual rows).",
        "no_caseload": "No young person followed that day.",
        "followed": "Young people followed",
        "open_alerts": "Open alerts",
        "none_org": "(no support: not yet, or closed)",
        "no_chart_sizes": "No chart: every group has fewer than {n} cases (small groups are "
        "withheld).",
        "no_chart_rates": "No chart: the rate of every territory is withheld (fewer than {n} "
        "releases, or withheld so that a small group cannot be recovered).",
        "no_chart_none": "No chart: no release counts here (none concerned, or its window has "
        "not passed by the as-of date).",
        "no_chart_curves": "No curve: fewer than {n} releases in the period (small groups are "
        "withheld).",
        "no_chart_trend": "No chart: the rate of every quarter is withheld (fewer than {n} "
        "releases).",
        "no_chart_caseload": "No chart: every organisation follows fewer than {n} young people "
        "(small groups are withheld).",
        "definitions": "Definitions",
        "reading": "How to read the tables",
        "indicator_list": "The indicators",
    },
}

#: The labels of the alerts, from the alert catalogue.
ALERTS: dict[str, dict[str, str]] = ALERT_LABELS

__all__ = ["ALERTS", "INDICATORS", "TEXT", "label"]
