"""After a youth's simulation: organisations and recorders of each line, the recording
order that keeps every weekly batch valid, and now and then a mistake corrected later."""

from __future__ import annotations

from datetime import date, timedelta

from pathways.demo.simulation import JUDICIAL, ML_MARK, Ev, batch_day, family_of
from pathways.demo.tables import CORRECTION_REASONS, OFFICE_CHANNELS, SPIP
from pathways.demo.youth import Youth


def finish(youth: Youth, end: date) -> list[Ev]:
    """Organisations, recorders, recording order; then maybe a corrected mistake."""
    events = sorted(youth.events, key=lambda e: e.occ)
    org = ""
    counsellor = ""
    handed: dict[str, str | None] = {}
    first = next((e for e in events if e.data["type"] == "SupportStarted"), None)
    first_counsellor = youth.counsellor if first is None else first.data["counsellor"]
    registration = next(e for e in events if e.data["type"] == "YouthRegistered")
    last_of: dict[str, Ev] = {}
    custody: Ev | None = None
    for ev in events:
        data = ev.data
        kind = data["type"]
        if kind in ("SupportStarted", "CounsellorAssigned"):
            org, counsellor = data["organisation"], data["counsellor"]
        elif kind == "HandedOver":
            handed[data["to_organisation"]] = data.get("to_counsellor")
        elif kind == "HandoverAcknowledged":
            org = data["organisation"]
            counsellor = handed.pop(org, None) or youth.c.counsellor(org)
        if data.get("organisation") == ML_MARK:
            data["organisation"] = org or youth.org
        if (
            kind in JUDICIAL
            or data.get("organisation") == SPIP
            or (kind == "ReferralReceived" and data["source"] in ("spip", "prison", "court"))
        ):
            data["recorded_by"] = SPIP
        elif kind in ("YouthRegistered", "ReferralReceived"):
            data["recorded_by"] = first_counsellor
        else:
            data["recorded_by"] = counsellor or youth.counsellor
        # recording order (DOMAIN rules 1, 4 and 5 hold in every batch)
        ev.rec = min(ev.rec, end)
        if ev is not registration and ev.rec < registration.rec:
            ev.rec = registration.rec
        fam = family_of(data)
        if fam is not None:
            previous = last_of.get(fam)
            if previous is not None and ev.rec < previous.rec:
                ev.rec = previous.rec
            last_of[fam] = ev
        if kind == "Incarcerated":
            custody = ev
        elif kind in ("ExpectedReleaseChanged", "CustodyStatusChanged") and custody is not None:
            ev.rec = max(ev.rec, custody.rec)
        if ev.after is not None and ev.rec < ev.after.rec:
            ev.rec = ev.after.rec
    if youth.rng.random() < 0.05:
        _mistake(youth, events, end)
    return events


def _mistake(youth: Youth, events: list[Ev], end: date) -> None:
    """A step recorded wrongly, then retracted and recorded again weeks later."""
    rng = youth.rng
    candidates = [
        e
        for e in events
        if e.data["type"] in ("ContactMade", "RightObtained", "Released")
        and batch_day(e.rec + timedelta(days=7), end) > batch_day(e.rec, end)
    ]
    if not candidates:
        return
    true = rng.choice(candidates)
    wrong = dict(true.data)
    wrong["id"] = youth.c.new_id()
    kind = true.data["type"]
    if kind == "Released":
        what = "destination"
        wrong["destination"] = rng.choice(
            [t for t in youth.c.territories if t != true.data["destination"]]
        )
    elif kind == "RightObtained":
        what = "right"
        wrong["right"] = rng.choice(
            [
                r
                for r in ("id-document", "health-insurance", "css", "bank-account")
                if r != true.data["right"]
            ]
        )
    elif rng.random() < 0.6 and true.rec > true.occ:
        what = "date"
        shift = rng.choice([d for d in range(-12, (true.rec - true.occ).days + 1) if d != 0])
        wrong["occurred_on"] = (true.occ + timedelta(days=shift)).isoformat()
    else:
        what = "channel"
        wrong["channel"] = rng.choice([c for c in OFFICE_CHANNELS if c != true.data["channel"]])
    noticed = min(end, true.rec + timedelta(days=rng.randint(7, 50)))
    mistaken = Ev(date.fromisoformat(wrong["occurred_on"]), true.rec, wrong)
    retraction = Ev(
        noticed,
        noticed,
        {
            "type": "EventRetracted",
            "youth": youth.ref,
            "occurred_on": noticed.isoformat(),
            "id": youth.c.new_id(),
            "event_id": wrong["id"],
            "reason": CORRECTION_REASONS[what],
            "recorded_by": true.data["recorded_by"],
        },
    )
    true.rec = noticed
    # The mistaken line comes first in the log, the correction after the retraction.
    events.insert(events.index(true), mistaken)
    events.insert(events.index(true), retraction)
