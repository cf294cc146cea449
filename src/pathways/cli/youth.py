"""`pathways youth`: one young person at a glance (the query `queries.youth_card`).

The table is a list of labelled lines, written here and only here; `--json` gives the
card's own object (`YouthCard.as_dict`).
"""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Any

import click

from pathways.cli.auditing import audited, reason_option
from pathways.cli.options import DATE, reader_option
from pathways.cli.output import meta_line
from pathways.cli.read import known_at_option
from pathways.cli.session import open_views
from pathways.i18n import N_, NP_, _, long_date, ngettext, pgettext

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
@reader_option
@reason_option
@click.pass_context
def youth(
    ctx: click.Context,
    /,
    reference: str,
    as_of: date | None,
    known_at: str | None,
    with_personal: bool,
    as_json: bool,
    actor: str,
    reason: str | None,
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

    options = {"as_of": as_of, "known_at": known_at, "with_personal": with_personal}
    with audited(ctx, "youth", options, actor=actor, reason=reason) as trail:
        problem = reference_problem(reference)
        if problem is not None:
            raise click.BadParameter(problem, param_hint="YOUTH")
        trail.saw([reference])
        views = open_views(ctx)
        point = views.point(as_of, known_at)
        found = youth_card(views, point, reference, with_personal=with_personal)
    if as_json:
        click.echo(json.dumps(found.as_dict(), ensure_ascii=False, indent=1))
        return
    meta = meta_line(found.point.meta())
    click.echo(click.style(meta, dim=True), err=not _is_tty())
    sections = [(pgettext("card", label), lines) for label, lines in _sections(found)]
    width = max(LABEL, *(len(label) + 1 for label, _lines in sections))
    for label, lines in sections:
        for index, line in enumerate(lines):
            click.echo(f"{label if index == 0 else '':{width}} {line}")


def _is_tty() -> bool:
    import sys

    return sys.stdout.isatty()


def _sections(found: YouthCard) -> list[tuple[str, list[str]]]:
    data = found.as_dict()
    return [
        (NP_("card", "youth"), [found.youth]),
        (NP_("card", "registered"), [_registered(data)]),
        (NP_("card", "age"), [_age(found)]),
        *(
            [
                (NP_("card", "birth date"), [data["birth_date"]]),
                (NP_("card", "name"), [data["name"] or _("(not kept)")]),
            ]
            if found.personal is not None
            else []
        ),
        (NP_("card", "support"), [_support(data["support"])]),
        (NP_("card", "custody"), [_custody(data)]),
        (NP_("card", "supervision"), [_supervision(data["supervision"])]),
        (NP_("card", "release plan"), [_plan(data)]),
        (NP_("card", "rights"), _rights(data)),
        (NP_("card", "care"), [_dated(data["care_referrals"], "service", "on")]),
        (NP_("card", "in progress"), [_in_progress(data)]),
        (NP_("card", "measure"), [_measure(data["measure"])]),
        (NP_("card", "last contact"), [_contact(data)]),
        (NP_("card", "alerts"), _alerts(data["alerts"])),
        (NP_("card", "handover"), [_handover(data["handover_pending"])]),
    ]


def _registered(data: dict[str, Any]) -> str:
    text = _("{registered_on}, residence {residence}").format(
        registered_on=long_date(data["registered_on"]), residence=data["residence"]
    )
    if data["territory"] != data["residence"]:
        text += _(" (territory now {territory}, where the last release went)").format(
            territory=data["territory"]
        )
    return text


def _age(found: YouthCard) -> str:
    if found.age is not None:
        return str(found.age)
    if found.birth_year is None:
        return _("unknown")
    reached = found.point.as_of.year - found.birth_year
    return _("{value} or {reached} (born in {birth_year})").format(
        value=reached - 1, reached=reached, birth_year=found.birth_year
    )


def _support(support: dict[str, Any]) -> str:
    who = support["organisation"] or _("no Mission Locale")
    counsellor = support["counsellor"]
    named = (
        _("counsellor {counsellor} since {counsellor_since}").format(
            counsellor=counsellor, counsellor_since=long_date(support["counsellor_since"])
        )
        if counsellor
        else _("no counsellor named")
    )
    if support["status"] == "not-started":
        return _("not started: no Mission Locale follows the young person")
    if support["status"] == "closed":
        return _("closed on {closed_on} (was {who}, {named})").format(
            closed_on=long_date(support["closed_on"]), who=who, named=named
        )
    return _("active: {who} since {organisation_since}, {named}").format(
        who=who, organisation_since=long_date(support["organisation_since"]), named=named
    )


def _custody(data: dict[str, Any]) -> str:
    custody, release = data["custody"], data["last_release"]
    if custody is None:
        if release is None:
            return pgettext("card", "none")
        return _("none; released {on} ({kind}) to {destination}").format(
            on=long_date(release["on"]), kind=release["kind"], destination=release["destination"]
        )
    band = f", {custody['sentence_band']}" if custody["sentence_band"] else ""
    text = _("{facility} since {since}, {status}{band}").format(
        facility=custody["facility"],
        since=long_date(custody["since"]),
        status=custody["status"],
        band=band,
    )
    expected, left = custody["expected_release_on"], custody["days_left"]
    if expected is None:
        return text + _("; no expected release stated")
    when = (
        ngettext("in {left} day", "in {left} days", left).format(left=left)
        if left >= 0
        else ngettext(
            "passed {value} day ago, release not recorded",
            "passed {value} days ago, release not recorded",
            -left,
        ).format(value=-left)
    )
    return text + _("; expected release {expected} ({when})").format(
        expected=long_date(expected), when=when
    )


def _supervision(supervision: dict[str, Any] | None) -> str:
    if supervision is None:
        return pgettext("card", "none")
    end = (
        _(", until {ends_on}").format(ends_on=long_date(supervision["ends_on"]))
        if supervision["ends_on"]
        else ""
    )
    return _("{measure} since {since}{end}").format(
        measure=supervision["measure"], since=long_date(supervision["since"]), end=end
    )


def _plan(data: dict[str, Any]) -> str:
    plan = data["release_plan"]
    if plan is None:
        if data["custody"] is not None:
            return _("none validated for this custody")
        if data["last_release"] is not None:
            return _("none validated before the last release")
        return _("none (no custody)")
    yes, no = _("yes"), _("no")  # (outside the f-string, where Babel finds them)
    parts = ", ".join(
        f"{_(label)} {yes if plan[key] else no}"
        for key, label in (
            ("housing", N_("housing")),
            ("income", N_("income")),
            ("id_document", N_("ID")),
            ("health_cover", N_("health cover")),
        )
    )
    first = plan["first_appointment_on"]
    appointment = (
        _("; first appointment {first}").format(first=long_date(first))
        if first
        else _("; no first appointment set")
    )
    complete = _("complete") if plan[_("complete")] else _("incomplete")
    return _("validated {validated_on} ({complete}): {parts}{appointment}").format(
        validated_on=long_date(plan["validated_on"]),
        complete=complete,
        parts=parts,
        appointment=appointment,
    )


def _rights(data: dict[str, Any]) -> list[str]:
    obtained = _dated(data["rights_obtained"], "right", "on")
    missing = ", ".join(data["rights_missing"]) or pgettext("card", "none")
    return [
        _("obtained: {obtained}").format(obtained=obtained),
        _("missing: {missing}").format(missing=missing),
    ]


def _dated(items: list[dict[str, Any]], what: str, when: str) -> str:
    return ", ".join(f"{item[what]} ({long_date(item[when])})" for item in items) or pgettext(
        "card", "none"
    )


def _in_progress(data: dict[str, Any]) -> str:
    found = [
        _("{programme} since {since}").format(programme=p["programme"], since=long_date(p["since"]))
        for p in data["programmes"]
    ]
    found += [
        _("{situation} since {since}").format(situation=s["situation"], since=long_date(s["since"]))
        for s in data["situations"]
    ]
    return ", ".join(found) or _("no programme nor situation")


def _measure(measure: dict[str, Any] | None) -> str:
    if measure is None:
        return pgettext("card", "none")
    return _("{measure} ({name}) since {since}").format(
        measure=measure["measure"], name=measure["name"], since=long_date(measure["since"])
    )


def _contact(data: dict[str, Any]) -> str:
    if data["last_contact_on"] is None:
        return _("none yet")
    return ngettext(
        "{last_contact_on} ({days_since_contact} day ago)",
        "{last_contact_on} ({days_since_contact} days ago)",
        data["days_since_contact"],
    ).format(
        last_contact_on=long_date(data["last_contact_on"]),
        days_since_contact=data["days_since_contact"],
    )


def _alerts(alerts: list[dict[str, Any]]) -> list[str]:
    return [
        _("{alert} since {since}: {reason}").format(
            alert=a["alert"], since=long_date(a["since"]), reason=a["reason"]
        )
        for a in alerts
    ] or [pgettext("card", "none")]


def _handover(handover: dict[str, Any] | None) -> str:
    if handover is None:
        return _("none pending")
    to = handover["to_organisation"]
    counsellor = (
        _(" (counsellor {to_counsellor})").format(to_counsellor=handover["to_counsellor"])
        if handover["to_counsellor"]
        else ""
    )
    return _("to {to}{counsellor} on {on}, not acknowledged yet").format(
        to=to, counsellor=counsellor, on=long_date(handover["on"])
    )
