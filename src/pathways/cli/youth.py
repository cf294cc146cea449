"""`pathways youth`: one young person at a glance (the query `queries.youth_card`).

The table is a list of labelled lines, written here and only here; `--json` gives the
card's own object (`YouthCard.as_dict`).
"""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Any

import click

from pathways.cli.common import DATE, acting_option, open_views
from pathways.cli.read import known_at_option

if TYPE_CHECKING:
    from pathways.queries import YouthCard

#: The width of the labels of the table.
LABEL = 14


@click.command()
@click.argument("reference", metavar="YOUTH")
@click.option("--as-of", type=DATE, help="The state on that date (default: today, or T's date).")
@known_at_option
@click.option(
    "--with-personal",
    is_flag=True,
    help="Add the personal fields (birth date, name) and the exact age, decrypted with "
    "the young person's key.",
)
@click.option("--json", "as_json", is_flag=True, help="Output one JSON object.")
@acting_option
@click.pass_context
def youth(
    ctx: click.Context,
    /,
    reference: str,
    as_of: date | None,
    known_at: str | None,
    with_personal: bool,
    as_json: bool,
) -> None:
    """One young person at a glance: residence, age, support, custody or supervision,
    release plan, rights obtained and missing, care referrals, programme or situation
    in progress, pilot measure, last contact, open alerts, pending handover.

    Without --with-personal the age comes from the birth year alone (which stays
    in clear), so it is given within a year.

    \b
    Example:
      pathways youth Y-2026-0042
      pathways youth Y-2026-0042 --as-of 2026-03-31 --known-at 2026-04-15 --json
    """
    from pathways.queries import youth_card
    from pathways.worklists import reference_problem

    problem = reference_problem(reference)
    if problem is not None:
        raise click.BadParameter(problem, param_hint="YOUTH")
    views = open_views(ctx)
    found = youth_card(views, views.point(as_of, known_at), reference, with_personal=with_personal)
    if as_json:
        click.echo(json.dumps(found.as_dict(), ensure_ascii=False, indent=1))
        return
    meta = "  ".join(f"{k}: {v}" for k, v in found.point.meta().items() if v is not None)
    click.echo(click.style(meta, dim=True), err=not _is_tty())
    for label, lines in _sections(found):
        for index, line in enumerate(lines):
            click.echo(f"{label if index == 0 else '':{LABEL}} {line}")


def _is_tty() -> bool:
    import sys

    return sys.stdout.isatty()


def _sections(found: YouthCard) -> list[tuple[str, list[str]]]:
    data = found.as_dict()
    return [
        ("youth", [found.youth]),
        ("registered", [_registered(data)]),
        ("age", [_age(found)]),
        *(
            [("birth date", [data["birth_date"]]), ("name", [data["name"] or "(not kept)"])]
            if found.personal is not None
            else []
        ),
        ("support", [_support(data["support"])]),
        ("custody", [_custody(data)]),
        ("supervision", [_supervision(data["supervision"])]),
        ("release plan", [_plan(data)]),
        ("rights", _rights(data)),
        ("care", [_dated(data["care_referrals"], "service", "on")]),
        ("in progress", [_in_progress(data)]),
        ("measure", [_measure(data["measure"])]),
        ("last contact", [_contact(data)]),
        ("alerts", _alerts(data["alerts"])),
        ("handover", [_handover(data["handover_pending"])]),
    ]


def _registered(data: dict[str, Any]) -> str:
    text = f"{data['registered_on']}, residence {data['residence']}"
    if data["territory"] != data["residence"]:
        text += f" (territory now {data['territory']}, where the last release went)"
    return text


def _age(found: YouthCard) -> str:
    if found.age is not None:
        return str(found.age)
    if found.birth_year is None:
        return "unknown"
    reached = found.point.as_of.year - found.birth_year
    return f"{reached - 1} or {reached} (born in {found.birth_year})"


def _support(support: dict[str, Any]) -> str:
    who = support["organisation"] or "no Mission Locale"
    counsellor = support["counsellor"]
    named = (
        f"counsellor {counsellor} since {support['counsellor_since']}"
        if counsellor
        else "no counsellor named"
    )
    if support["status"] == "not-started":
        return "not started: no Mission Locale follows the young person"
    if support["status"] == "closed":
        return f"closed on {support['closed_on']} (was {who}, {named})"
    return f"active: {who} since {support['organisation_since']}, {named}"


def _custody(data: dict[str, Any]) -> str:
    custody, release = data["custody"], data["last_release"]
    if custody is None:
        if release is None:
            return "none"
        return f"none; released {release['on']} ({release['kind']}) to {release['destination']}"
    band = f", {custody['sentence_band']}" if custody["sentence_band"] else ""
    text = f"{custody['facility']} since {custody['since']}, {custody['status']}{band}"
    expected, left = custody["expected_release_on"], custody["days_left"]
    if expected is None:
        return text + "; no expected release stated"
    when = f"in {left} days" if left >= 0 else f"passed {-left} days ago, release not recorded"
    return text + f"; expected release {expected} ({when})"


def _supervision(supervision: dict[str, Any] | None) -> str:
    if supervision is None:
        return "none"
    end = f", until {supervision['ends_on']}" if supervision["ends_on"] else ""
    return f"{supervision['measure']} since {supervision['since']}{end}"


def _plan(data: dict[str, Any]) -> str:
    plan = data["release_plan"]
    if plan is None:
        if data["custody"] is not None:
            return "none validated for this custody"
        if data["last_release"] is not None:
            return "none validated before the last release"
        return "none (no custody)"
    parts = ", ".join(
        f"{label} {'yes' if plan[key] else 'no'}"
        for key, label in (
            ("housing", "housing"),
            ("income", "income"),
            ("id_document", "ID"),
            ("health_cover", "health cover"),
        )
    )
    first = plan["first_appointment_on"]
    appointment = f"; first appointment {first}" if first else "; no first appointment set"
    complete = "complete" if plan["complete"] else "incomplete"
    return f"validated {plan['validated_on']} ({complete}): {parts}{appointment}"


def _rights(data: dict[str, Any]) -> list[str]:
    obtained = _dated(data["rights_obtained"], "right", "on")
    missing = ", ".join(data["rights_missing"]) or "none"
    return [f"obtained: {obtained}", f"missing: {missing}"]


def _dated(items: list[dict[str, Any]], what: str, when: str) -> str:
    return ", ".join(f"{item[what]} ({item[when]})" for item in items) or "none"


def _in_progress(data: dict[str, Any]) -> str:
    found = [f"{p['programme']} since {p['since']}" for p in data["programmes"]]
    found += [f"{s['situation']} since {s['since']}" for s in data["situations"]]
    return ", ".join(found) or "no programme nor situation"


def _measure(measure: dict[str, Any] | None) -> str:
    if measure is None:
        return "none"
    return f"{measure['measure']} ({measure['name']}) since {measure['since']}"


def _contact(data: dict[str, Any]) -> str:
    if data["last_contact_on"] is None:
        return "none yet"
    return f"{data['last_contact_on']} ({data['days_since_contact']} days ago)"


def _alerts(alerts: list[dict[str, Any]]) -> list[str]:
    return [f"{a['alert']} since {a['since']}: {a['reason']}" for a in alerts] or ["none"]


def _handover(handover: dict[str, Any] | None) -> str:
    if handover is None:
        return "none pending"
    to = handover["to_organisation"]
    counsellor = f" (counsellor {handover['to_counsellor']})" if handover["to_counsellor"] else ""
    return f"to {to}{counsellor} on {handover['on']}, not acknowledged yet"
