"""The command line in French: chosen by `--lang`, $PATHWAYS_LANG or the locale; English
by default. On a demo-like store (a small synthetic cohort, `pathways demo`)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pathways.domain.alert_catalogue import ALERT_CODES
from shell import Shell

END = "2026-11-30"
AS_OF = ("--as-of", END)
#: The environment of a user who chose nothing: no $PATHWAYS_LANG, no locale.
NOTHING_CHOSEN = {"PATHWAYS_LANG": None, "LC_ALL": None, "LC_MESSAGES": None, "LANG": None}
FRENCH_MONTHS = (
    "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
)


@pytest.fixture(scope="module")
def sh(tmp_path_factory: pytest.TempPathFactory) -> Shell:
    shell = Shell(tmp_path_factory.mktemp("french"))
    shell.ok("demo", "--youth", "60", "--end", END)
    return shell


def header(output: str) -> list[str]:
    """The words of a table's header line (the line above the dashes)."""
    lines = output.splitlines()
    dashes = next(i for i, line in enumerate(lines) if re.fullmatch(r"[- ]+", line))
    return lines[dashes - 1].split()


def test_alerts_in_french_with_lang(sh: Shell) -> None:
    result = sh("--lang", "fr", "alerts", *AS_OF)
    assert result.exit_code == 0, result.output
    assert header(result.output) == [
        "jeune",
        "alerte",
        "depuis",
        "structure",
        "conseiller",
        "motif",
    ]
    rows = [line for line in result.output.splitlines() if line.startswith("Y-")]
    assert rows, result.output
    for row in rows:
        assert any(code in row for code in ALERT_CODES)  # codes stay codes
    reasons = "\n".join(rows)
    # the reasons are French, their dates in words (12 février 2026), no English left
    assert re.search(rf"\b\d{{1,2}}(er)? ({FRENCH_MONTHS}) 20\d\d\b", reasons), reasons
    assert re.search(r"depuis le|sorti\(e\) le|aucun contact", reasons), reasons
    for english in (" since ", "released ", "no contact", "in custody", "expected release"):
        assert english not in reasons
    assert "situation au : " + END in result.output  # the meta line, in French


def test_pathways_lang_and_the_locale_choose_french(sh: Shell) -> None:
    by_env = sh("alerts", *AS_OF, env={**NOTHING_CHOSEN, "PATHWAYS_LANG": "fr"})
    by_locale = sh("alerts", *AS_OF, env={**NOTHING_CHOSEN, "LANG": "fr_FR.UTF-8"})
    by_lc_all = sh("alerts", *AS_OF, env={**NOTHING_CHOSEN, "LC_ALL": "fr_BE.UTF-8"})
    for result in (by_env, by_locale, by_lc_all):
        assert result.exit_code == 0, result.output
        assert header(result.output)[:2] == ["jeune", "alerte"]
    assert by_env.output == by_locale.output == by_lc_all.output


def test_english_is_the_default_and_wins_when_asked(sh: Shell) -> None:
    plain = sh("alerts", *AS_OF, env=NOTHING_CHOSEN)
    c_locale = sh("alerts", *AS_OF, env={**NOTHING_CHOSEN, "LC_ALL": "C", "LANG": "fr_FR.UTF-8"})
    asked = sh("--lang", "en", "alerts", *AS_OF, env={**NOTHING_CHOSEN, "PATHWAYS_LANG": "fr"})
    for result in (plain, c_locale, asked):
        assert result.exit_code == 0, result.output
        assert header(result.output) == ["youth", "alert", "since", "organisation", "counsellor",
                                         "reason"]  # fmt: skip
    assert plain.output == c_locale.output == asked.output


def test_machine_formats_keep_their_keys(sh: Shell) -> None:
    english = sh.json("alerts", *AS_OF)
    french = sh("--lang", "fr", "alerts", *AS_OF, "--csv")
    assert french.output.splitlines()[0] == ",".join(english[0])


def test_an_error_in_french(sh: Shell) -> None:
    result = sh("--lang", "fr", "alerts", "--organisation", "nowhere")
    assert result.exit_code == 2
    assert "Erreur : Valeur invalide pour --organisation : « nowhere » n'est pas une structure " \
        "connue (valides : " in result.output  # fmt: skip
    assert re.search(r"Essayez « \S+ alerts --help » pour l'aide\.", result.output)
    unknown = sh("--lang", "fr", "youth", "Y-1999-0001")
    assert unknown.exit_code != 0
    assert "n'est pas inscrit(e) dans cette base" in unknown.output


def test_an_imports_bad_lines_in_french(sh: Shell, tmp_path: Path) -> None:
    """A counsellor's file refused in French: each line's problem (they were in English)."""
    good = {"type": "ContactMade", "youth": "Y-2026-0042", "occurred_on": "2026-02-01"}
    lines = [
        {**good, "occurred_on": "2026-02-31", "channel": "office"},
        {**good, "type": "ContactMeade", "channel": "office"},
        {**good, "channel": "office", "chanel": "phone"},
        {**good, "channel": "pigeon"},
        {**good},
    ]
    path = tmp_path / "steps.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines) + '{"type": \n')
    out = sh("--lang", "fr", "import", str(path)).output
    assert "ligne 6 : JSON invalide (valeur attendue à la colonne 10)" in out
    assert "ligne 1 : ContactMade : champ « occurred_on » : '2026-02-31' n'est pas une date" in out
    assert "ligne 2 : type d'événement inconnu 'ContactMeade' (vouliez-vous dire ContactMade" in out
    assert "ligne 3 : ContactMade : champ inconnu 'chanel' (vouliez-vous" in out
    assert "ligne 4 : ContactMade : champ « channel » : 'pigeon' n'est pas l'une des valeurs" in out
    assert "'home' ou 'other'" in out
    assert "ligne 5 : ContactMade : champ « channel » manquant" in out
    assert "Rien n'a été écrit." in out
    # in the order of the file (the line of each problem read back in French)
    places = [out.index(f"ligne {n} : ") for n in range(1, 7)]
    assert places == sorted(places)
    assert "line " not in out


def test_an_id_on_two_lines_is_said_in_french(sh: Shell, tmp_path: Path) -> None:
    """Rule 8 (an id twice, with other content) names the other line in French."""
    step = {"type": "ContactMade", "youth": "Y-2026-0042", "occurred_on": "2026-02-01",
            "channel": "office", "id": "6f1c1b7e-8d0c-4b5e-9a53-3f0f0b7b8a11"}  # fmt: skip
    path = tmp_path / "twice.jsonl"
    path.write_text(json.dumps(step) + "\n" + json.dumps({**step, "channel": "phone"}) + "\n")
    out = sh("--lang", "fr", "import", str(path)).output
    assert (
        "ligne 2 : l'identifiant 6f1c1b7e-8d0c-4b5e-9a53-3f0f0b7b8a11 figure aussi sur"
        " la ligne 1, avec un autre contenu"
    ) in out
    assert "line " not in out


def test_problems_of_reading_and_of_rules_in_the_order_of_the_file_in_french(
    sh: Shell, tmp_path: Path
) -> None:
    """A rule broken on line 1 (told after reading) comes before a line 2 that is not
    JSON: problems are sorted by the line they name, as French names it."""
    step = {"type": "ContactMade", "youth": "Y-2099-0001", "occurred_on": "2026-02-01",
            "channel": "office"}  # fmt: skip
    path = tmp_path / "mixed.jsonl"
    path.write_text(json.dumps(step) + '\n{"type": \n')
    out = sh("--lang", "fr", "import", str(path)).output
    assert "ligne 1 : " in out
    assert "ligne 2 : JSON invalide" in out
    assert out.index("ligne 1 : ") < out.index("ligne 2 : ")


def test_a_code_refused_on_amend_is_said_with_french_colons(sh: Shell) -> None:
    """'Released du 17 juin 2026 pour Y-...: destination: ...' had English colons in
    the middle of French."""
    released = next(
        row
        for youth in (r["youth"] for r in sh.json("caseload", "--as-of", END))
        for row in sh.json("history", youth)
        if row["type"] == "Released"
    )
    out = sh("--lang", "fr", "amend", str(released["id"]), "--destination", "paris",
             "--reason", "typo").output  # fmt: skip
    assert f"pour {released['youth']} : destination : « paris » n'est pas" in out, out
    assert ": destination:" not in out


def test_a_rule_broken_says_its_dates_in_words_in_french(sh: Shell) -> None:
    """A refused step names its days as French writes them (it said 2027-11-30)."""
    youth = sh.json("caseload", "--as-of", END)[0]["youth"]
    out = sh("--lang", "fr", "record", "contact-made", youth, "--on", "2099-03-01",
             "--channel", "phone").output  # fmt: skip
    assert "ContactMade du 1er mars 2099 pour " in out
    assert "est dans le futur (nous sommes le " in out
    assert "2099-03-01" not in out
    out = sh("--lang", "fr", "acknowledge", youth, "dry-release", "--on", "2026-11-02").output
    assert "n'a pas d'alerte « dry-release » ouverte le 2 novembre 2026" in out


def test_a_caseload_says_its_states_in_french(sh: Shell) -> None:
    """Support and custody in words (they were the codes active, in-custody, none);
    JSON keeps the codes."""
    table = sh("--lang", "fr", "caseload", "--as-of", END).output
    assert " en cours " in table
    assert " active " not in table
    assert " in-custody " not in table
    assert {row["support"] for row in sh.json("caseload", "--as-of", END)} <= {
        "active",
        "not-started",
        "closed",
    }


def test_an_export_and_a_near_release_said_in_french(sh: Shell, tmp_path: Path) -> None:
    """The export's receipt names what it wrote in French (it said "events écrits"), and a
    release tomorrow is not "in 1 days"."""
    out = sh("--lang", "fr", "export", "events", "--output", str(tmp_path / "e.csv")).output
    assert re.search(r"\d[\d\u202f]* événements écrits dans ", out), out
    assert "events" not in out


def test_outcomes_groups_in_french(sh: Shell) -> None:
    """The group columns and the whole cohort in French (they were measure, sex, all)."""
    table = sh("--lang", "fr", "outcomes", "--from", "2025-01-01", "--to", END, "--by", "sex")
    assert any(line.split()[:2] == ["sexe", "indicateur"] for line in table.output.splitlines())
    assert "\nensemble " in table.output
    assert "\nall " not in table.output


def test_the_admins_tables_in_french(sh: Shell) -> None:
    """The headers and words of `users list` and `audit` (they stayed in English)."""
    users = sh("--lang", "fr", "users", "list").output.splitlines()
    assert users[0].split() == ["utilisateur", "structure", "rôle", "actif"]
    sh.ok("alerts")
    audit = sh("--lang", "fr", "audit").output.splitlines()
    assert audit[0].split()[:4] == ["date", "(Paris)", "acteur", "commande"]
    assert any(" montré " in line for line in audit[2:])


def test_an_admins_writes_in_french(sh: Shell) -> None:
    """What an admin reads when adding users and finishing an erasure (they stayed in
    English: found by a deployer's walk)."""
    role = ("--role", "counsellor")
    added = sh("--lang", "fr", "users", "add", "c-fr-1", "--organisation", "ml-fougeres", *role)
    assert "utilisateur c-fr-1 ajouté : counsellor de ml-fougeres" in added.output
    again = sh("--lang", "fr", "users", "add", "c-fr-1", "--organisation", "ml-fougeres", *role)
    assert "l'utilisateur « c-fr-1 » existe déjà" in again.output
    cpip = sh(
        "--lang", "fr", "users", "add", "cp-x", "--organisation", "ml-vitre", "--role", "cpip"
    )
    assert "un CPIP travaille pour spip-35, pas pour « ml-vitre »" in cpip.output
    nobody = sh("--lang", "fr", "users", "disable", "personne")
    assert "aucun utilisateur ne s'appelle « personne »" in nobody.output
    assert "aucun effacement n'est en attente" in sh("--lang", "fr", "erase", "--finish").output
    # click's own list of choices, when a required one is missing
    missing = sh("--lang", "fr", "users", "add", "c-fr-2", "--organisation", "ml-fougeres")
    assert "Option manquante '--role'. Choisissez parmi :" in missing.output
    for result in (added, again, cpip, nobody):
        assert "user" not in result.output.replace("users ", "").replace("utilisateur", "")


def test_clicks_plural_messages_in_french(sh: Shell) -> None:
    """A value not among the choices, a mistyped option, an extra argument: click asks
    them with ngettext, which the catalogue filed as unrelated messages (English)."""
    out = sh("--lang", "fr", "alerts", "--alert", "contact-lsot").output
    assert "'contact-lsot' n'est pas l'une des valeurs 'no-first-contact'" in out
    assert (
        "Pas d'option '--alret'. Vouliez-vous dire '--alert' ?"
        in sh("--lang", "fr", "alerts", "--alret", "x").output
    )
    assert "Argument supplémentaire inattendu (x)" in sh("--lang", "fr", "alerts", "x").output


def test_a_bad_language_is_refused(sh: Shell) -> None:
    result = sh("--lang", "de", "alerts")
    assert result.exit_code == 2
    assert "Invalid value for '--lang'" in result.output


def test_help_in_french(sh: Shell) -> None:
    root = sh("--lang", "fr", "--help")
    assert root.exit_code == 0, root.output
    assert re.match(r"Utilisation : \S+ \[OPTIONS\] COMMAND \[ARGS\]\.\.\.", root.output)
    assert "Suivre les parcours des jeunes sous main de justice" in root.output
    assert "Afficher ce message et quitter." in root.output
    alerts = sh("alerts", "--help", env={**NOTHING_CHOSEN, "LANG": "fr_FR.UTF-8"})
    assert "Qui a besoin d'attention, et pourquoi" in alerts.output
    assert "Seulement les jeunes suivis sans conseiller nommé." in " ".join(alerts.output.split())
    assert "Exemple :" in alerts.output
    # click's headings with the French colon (it wrote "Options:"), the root's too
    assert "\nOptions :\n" in alerts.output
    assert "\nOptions :\n" in root.output
    assert "Commandes :" in root.output
    assert "Options:" not in alerts.output
    # a subgroup's command, and the same help in English right after
    status = sh("--lang", "fr", "projections", "status", "--help")
    assert "La position de chaque vue face à la tête du journal" in " ".join(status.output.split())
    english = sh("projections", "status", "--help", env=NOTHING_CHOSEN)
    assert "Each read model's position against the head of the log" in " ".join(
        english.output.split()
    )
    assert "\nOptions:\n" in english.output  # (and English keeps its own)
    late = sh("--help", "--lang", "fr")  # the option after --help counts too
    assert "Afficher ce message et quitter." in late.output
    # a path's metavar, named by click when the option is built, follows too, both ways
    french = sh("--lang", "fr", "export", "events", "--help")
    assert "--output FICHIER" in french.output
    english = sh("export", "events", "--help", env=NOTHING_CHOSEN)
    assert "--output FILE " in english.output


def test_a_receipt_and_a_youth_in_french(sh: Shell) -> None:
    reference = "Y-2026-0001"
    record = sh(
        "--lang", "fr", "record", "contact-made", reference, "--on", END, "--channel", "phone",
        "--actor", "c-wk-01",
    )  # fmt: skip
    assert record.exit_code == 0, record.output
    assert re.search(r"^enregistré : 1 événement\(s\) en position \d+ ; ignorés car déjà "
                     r"enregistrés : 0$", record.output, re.M), record.output  # fmt: skip
    card = sh("--lang", "fr", "youth", reference, *AS_OF)
    assert card.exit_code == 0, card.output
    assert re.search(r"^dernier contact +30 novembre 2026 \(il y a 0 jour\)$", card.output, re.M)
    assert re.search(r"^inscrit le +\d{1,2}(er)? \w+ 20\d\d, résidence ", card.output, re.M)


def test_the_report_in_both_languages(sh: Shell, tmp_path: Path) -> None:
    period = ("--from", "2026-01-01", "--to", "2026-06-30", *AS_OF)
    french, english = tmp_path / "rapport.html", tmp_path / "report.html"
    said = sh("--lang", "fr", "report", *period, "-o", str(french))
    assert said.exit_code == 0, said.output
    assert said.output.startswith(f"rapport écrit dans {french} (")
    sh.ok("--lang", "fr", "report", *period, "--lang", "en", "-o", str(english))
    page, other = french.read_text(), english.read_text()
    assert '<html lang="fr"' in page
    assert "Dedans-Dehors — rapport d&#x27;évaluation" in page
    assert '<html lang="en"' in other
    assert "Dedans-Dehors — evaluation report" in other
    assert "30 juin 2026" in page  # dates in words
    by_env = tmp_path / "env.html"
    sh("report", *period, "-o", str(by_env), env={**NOTHING_CHOSEN, "PATHWAYS_LANG": "fr"})
    assert "Dedans-Dehors — rapport d&#x27;évaluation" in by_env.read_text()
