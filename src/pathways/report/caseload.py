"""The caseload and its open alerts, by organisation, on the last day of the period."""

from __future__ import annotations

from datetime import date

from pathways.domain.alert_catalogue import ALERT_CODES
from pathways.report.data import Inputs, Names
from pathways.report.i18n import ALERTS
from pathways.report.markup import (
    WITHHELD,
    charts,
    day,
    esc,
    figure,
    no_chart,
    paragraph,
    table,
)


def title(inputs: Inputs, t: dict[str, str], lang: str) -> str:
    return t["caseload"].format(date=day(inputs.caseload_on, lang))


def caseload(inputs: Inputs, names: Names, t: dict[str, str]) -> str:
    lang = names.lang
    parts = [paragraph(_dated(inputs, t, lang))]
    counts = inputs.caseload
    if not counts:
        return parts[0] + paragraph(t["no_caseload"])
    organisations = names.order("organisation", counts)
    visible = [o for o in organisations if counts[o]["followed"] >= inputs.min_n]
    # Only the alerts of organisations shown: a column would tell that a withheld
    # organisation has that alert.
    codes = [c for c in ALERT_CODES if any(counts[o][c] for o in visible)]
    rows = []
    for org in organisations:
        mine = counts[org]
        big = mine["followed"] >= inputs.min_n
        figures = (str(mine[c]) if big else WITHHELD for c in ("open_alerts", *codes))
        rows.append([esc(names.organisation(org)), str(mine["followed"]), *figures])
    if visible:
        svg = charts().bars(
            [names.organisation(o) for o in visible],
            [counts[o]["followed"] for o in visible],
            t["followed"],
        )
        parts.append(figure(svg, t["followed"]))
    else:
        parts.append(no_chart(t["no_chart_caseload"].format(n=inputs.min_n)))
    headers = [
        t["organisation"],
        t["followed"],
        t["open_alerts"],
        *(ALERTS[c][lang] for c in codes),
    ]
    parts.append(table(headers, rows))
    return "".join(parts)


def _dated(inputs: Inputs, t: dict[str, str], lang: str) -> str:
    """Which day the counts are of, and why that one."""
    on = day(inputs.caseload_on, lang)
    as_of = date.fromisoformat(inputs.meta["as_of"])
    if inputs.caseload_on < as_of:
        return t["caseload_at_end"].format(date=on, as_of=day(as_of, lang))
    if inputs.caseload_on.isoformat() == inputs.meta["to"]:
        return t["caseload_at_both"].format(date=on)
    return t["caseload_at_as_of"].format(date=on, to=day(inputs.meta["to"], lang))
