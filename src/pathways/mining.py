"""Process-mining and survival exports: what pm4py, lifelines and friends read untouched.

- `process_log`: one row per step of a pathway (retracted steps and corrections
  left out), with `case:concept:name` (the youth's pseudonym), `concept:name`
  (the event type), `time:timestamp` (the date it happened, UTC midnight),
  `org:resource` (who recorded it) and case attributes (residence, pilot
  measure, sex, age band), as CSV or XES;
- `ocel`: OCEL 2.0 JSON with objects youth, custody, programme and measure;
- `survival_rows`: one row per release (or start of community supervision)
  with a duration, an observed flag, what censored it, and covariates.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any
from xml.sax.saxutils import quoteattr

from pathways.domain.events import EVENT_TYPES
from pathways.domain.outcomes import Case, age_band
from pathways.exports import Privacy, Pseudonyms
from pathways.perf import without_gc
from pathways.store import TOPIC_PREFIX, Store

#: Steps that are not part of a pathway: corrections and erasure.
LEFT_OUT = frozenset({"EventRetracted", "AlertAcknowledged", "YouthErased"})
CASE_ATTRIBUTES = ("residence", "measure", "sex", "age_band")
CUSTODY_EVENTS = frozenset(
    {"Incarcerated", "Released", "CustodyStatusChanged", "ExpectedReleaseChanged"}
)
PROGRAMME_EVENTS = frozenset({"ProgrammeEntered", "ProgrammeExited"})


@dataclass
class Step:
    id: str
    kind: str
    day: str
    resource: str
    position: int
    fields: dict[str, Any]


@dataclass
class Pathway:
    case: str
    attributes: dict[str, str] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)


@without_gc
def pathways(store: Store, privacy: Privacy) -> tuple[list[Pathway], dict[str, dict[str, Any]]]:
    """Every youth's effective steps in life order, and the pilot measures."""
    retracted = {s["event_id"] for s in store.clear_states(["EventRetracted"])}
    pseudonym = Pseudonyms(store, privacy)
    found: dict[str, Pathway] = {}
    measures: dict[str, dict[str, Any]] = {}
    for position, topic, blob in store.iter_raw():
        state = json.loads(blob)
        kind = topic[len(TOPIC_PREFIX) :]
        if kind == "MeasureLaunched":
            measures[state["code"]] = {"name": state["name"], "territory": state["territory"]}
        youth = state.get("youth")
        if youth is None or kind in LEFT_OUT or state["id"] in retracted:
            continue
        pathway = found.get(youth)
        if pathway is None:
            pathway = found[youth] = Pathway(pseudonym(youth))
        meta = state["meta"]
        clear = {
            k: v
            for k, v in state.items()
            if k not in ("meta", "personal", "youth", "id", "occurred_on", "recorded_by")
            and v is not None
        }
        step = Step(
            state["id"],
            kind,
            state["occurred_on"],
            state.get("recorded_by") or meta["actor"],
            position,
            clear,
        )
        pathway.steps.append(step)
        _attributes(pathway, step)
    for pathway in found.values():
        pathway.steps.sort(key=lambda s: (s.day, s.position))
        pathway.attributes.setdefault("measure", "none")
    return list(found.values()), measures


def _attributes(pathway: Pathway, step: Step) -> None:
    # The exact age band on the step's date, stored beside its fields: a derived fact,
    # not a field of the event, so not an event attribute.
    band = step.fields.pop("age_band", None)
    if step.kind == "YouthRegistered":
        pathway.attributes["residence"] = step.fields.get("residence", "unknown")
        pathway.attributes["sex"] = step.fields.get("sex") or "unknown"
        if band is None:  # stored before the band was: from the birth year (approximate)
            registered = date.fromisoformat(step.day).toordinal()
            band = age_band(step.fields.get("birth_year"), registered)
        pathway.attributes["age_band"] = band
    elif step.kind == "EnrolledInMeasure":
        pathway.attributes["measure"] = step.fields["measure"]


# --- process log --------------------------------------------------------------------------


def process_rows(found: Iterable[Pathway]) -> Iterator[dict[str, str]]:
    for pathway in found:
        for step in pathway.steps:
            yield {
                "case:concept:name": pathway.case,
                "concept:name": step.kind,
                "time:timestamp": f"{step.day}T00:00:00+00:00",
                "org:resource": step.resource,
                **{
                    f"case:{name}": pathway.attributes.get(name, "unknown")
                    for name in CASE_ATTRIBUTES
                },
            }


@without_gc
def write_process_csv(found: Iterable[Pathway], out: IO[str]) -> int:
    columns = [
        "case:concept:name",
        "concept:name",
        "time:timestamp",
        "org:resource",
        *(f"case:{name}" for name in CASE_ATTRIBUTES),
    ]
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    count = 0
    for row in process_rows(found):
        writer.writerow(row)
        count += 1
    return count


@without_gc
def write_xes(found: Iterable[Pathway], out: IO[str]) -> int:
    """IEEE XES 1849-2016, with the concept, time and organizational extensions.

    Valid against the standard's XSD, which types `xes.version` as `xs:decimal`:
    the standard's name "1849-2016" is refused there, so the version is written
    "1849.2016", a decimal that names the standard and that the schema accepts (pm4py
    itself writes "1849-2016", which the XSD refuses; OpenXES writes "1.0"). pm4py
    reads it untouched.
    """
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write('<log xes.version="1849.2016" xes.features="nested-attributes" '
              'xmlns="http://www.xes-standard.org/">\n')  # fmt: skip
    for name, prefix in (("Concept", "concept"), ("Time", "time"), ("Organizational", "org")):
        uri = f"http://www.xes-standard.org/{prefix}.xesext"
        out.write(f'  <extension name="{name}" prefix="{prefix}" uri="{uri}"/>\n')
    count = 0
    for pathway in found:
        out.write(f'  <trace>\n    <string key="concept:name" value={quoteattr(pathway.case)}/>\n')
        for name in CASE_ATTRIBUTES:
            value = quoteattr(pathway.attributes.get(name, "unknown"))
            out.write(f'    <string key="{name}" value={value}/>\n')
        for step in pathway.steps:
            out.write(
                "    <event>\n"
                f'      <string key="concept:name" value={quoteattr(step.kind)}/>\n'
                f'      <date key="time:timestamp" value="{step.day}T00:00:00.000+00:00"/>\n'
                f'      <string key="org:resource" value={quoteattr(step.resource)}/>\n'
                "    </event>\n"
            )
            count += 1
        out.write("  </trace>\n")
    out.write("</log>\n")
    return count


# --- OCEL 2.0 -----------------------------------------------------------------------------


@without_gc
def ocel(found: Iterable[Pathway], measures: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Objects youth, custody, programme and measure; every step an event linked to them."""
    objects: list[dict[str, Any]] = [
        {
            "id": f"measure:{code}",
            "type": "measure",
            "attributes": [
                {"name": "name", "time": "1970-01-01T00:00:00Z", "value": info["name"]},
                {"name": "territory", "time": "1970-01-01T00:00:00Z", "value": info["territory"]},
            ],
            "relationships": [],
        }
        for code, info in sorted(measures.items())
    ]
    events: list[dict[str, Any]] = []
    event_attributes: dict[str, set[str]] = {}
    for pathway in found:
        youth_id = f"youth:{pathway.case}"
        youth_links: list[dict[str, str]] = []
        youth: dict[str, Any] = {
            "id": youth_id,
            "type": "youth",
            "attributes": [
                {
                    "name": name,
                    "time": "1970-01-01T00:00:00Z",
                    "value": pathway.attributes.get(name, "unknown"),
                }
                for name in CASE_ATTRIBUTES
            ],
            "relationships": youth_links,
        }
        objects.append(youth)
        custody: str | None = None
        custodies = 0
        programmes: dict[str, str] = {}
        counts: dict[str, int] = {}
        for step in pathway.steps:
            time = f"{step.day}T00:00:00Z"
            links = [{"objectId": youth_id, "qualifier": "youth"}]
            if step.kind == "Incarcerated" and custody is None:
                custodies += 1
                custody = f"custody:{pathway.case}:{custodies}"
                objects.append(
                    _object(custody, "custody", time, {"facility": step.fields.get("facility")})
                )
                youth_links.append({"objectId": custody, "qualifier": "custody"})
            if step.kind in CUSTODY_EVENTS and custody is not None:
                links.append({"objectId": custody, "qualifier": "custody"})
            if step.kind == "Released":
                custody = None
            if step.kind in PROGRAMME_EVENTS:
                name = step.fields["programme"]
                if step.kind == "ProgrammeEntered" or name not in programmes:
                    counts[name] = counts.get(name, 0) + 1
                    programmes[name] = f"programme:{pathway.case}:{name}:{counts[name]}"
                    objects.append(
                        _object(programmes[name], "programme", time, {"programme": name})
                    )
                    youth_links.append({"objectId": programmes[name], "qualifier": "programme"})
                links.append({"objectId": programmes[name], "qualifier": "programme"})
            if step.kind == "EnrolledInMeasure" and step.fields["measure"] in measures:
                measure = f"measure:{step.fields['measure']}"
                links.append({"objectId": measure, "qualifier": "measure"})
                youth_links.append({"objectId": measure, "qualifier": "enrolled in"})
            # The clear fields hold no personal one (those are sealed); the birth year
            # is left out too. `reason` stays: a code, e.g. why a support closed.
            hidden = EVENT_TYPES[step.kind].personal_fields() | {"birth_year"}
            attributes = [
                {"name": k, "value": str(v)} for k, v in step.fields.items() if k not in hidden
            ]
            event_attributes.setdefault(step.kind, set()).update(a["name"] for a in attributes)
            events.append(
                {
                    "id": step.id,
                    "type": step.kind,
                    "time": time,
                    "attributes": attributes,
                    "relationships": links,
                }
            )
    object_types = [
        {"name": "youth", "attributes": [{"name": n, "type": "string"} for n in CASE_ATTRIBUTES]},
        {"name": "custody", "attributes": [{"name": "facility", "type": "string"}]},
        {"name": "programme", "attributes": [{"name": "programme", "type": "string"}]},
        {
            "name": "measure",
            "attributes": [
                {"name": "name", "type": "string"},
                {"name": "territory", "type": "string"},
            ],
        },
    ]
    event_types = [
        {"name": kind, "attributes": [{"name": n, "type": "string"} for n in sorted(names)]}
        for kind, names in sorted(event_attributes.items())
    ]
    return {
        "objectTypes": object_types,
        "eventTypes": event_types,
        "objects": objects,
        "events": events,
    }


def _object(identifier: str, kind: str, time: str, attributes: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": identifier,
        "type": kind,
        "attributes": [
            {"name": k, "time": time, "value": str(v)}
            for k, v in attributes.items()
            if v is not None
        ],
        "relationships": [],
    }


# --- survival -----------------------------------------------------------------------------

SURVIVAL_COLUMNS = (
    "case",
    "start",
    "cohort",
    "duration",
    "observed",
    "censored_by",
    "territory",
    "measure",
    "quarter",
    "sex",
    "age_band",
    "sentence_band",
)


def survival_rows(
    cases: Iterable[Case], outcome: str, cohort: str, pseudonym: Pseudonyms
) -> Iterator[dict[str, Any]]:
    """One row per case: days to the outcome, or to what censored the follow-up."""
    for case in cases:
        if outcome == "mainstream":
            duration, observed = case.mainstream
            ended = case.mainstream_end
        else:
            duration, observed = case.reincarceration
            ended = "entry" if observed else "as-of"
        yield {
            "case": pseudonym(case.youth),
            "start": date.fromordinal(case.day).isoformat(),
            "cohort": cohort,
            "duration": duration,
            "observed": int(observed),
            "censored_by": "" if observed else ended,
            "territory": case.groups["territory"],
            "measure": case.groups["measure"],
            "quarter": case.groups["quarter"],
            "sex": case.groups["sex"],
            "age_band": case.groups["age-band"],
            "sentence_band": case.groups["sentence-band"],
        }
