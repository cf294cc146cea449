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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any
from xml.sax.saxutils import quoteattr

from pathways import codec
from pathways.domain.events import (
    AlertAcknowledged,
    CustodyStatusChanged,
    EnrolledInMeasure,
    ExpectedReleaseChanged,
    Fact,
    Incarcerated,
    MeasureLaunched,
    ProgrammeEntered,
    ProgrammeExited,
    Released,
    YouthRegistered,
)
from pathways.domain.outcomes import Case, age_band
from pathways.exports import Privacy, Pseudonyms
from pathways.perf import without_gc
from pathways.store import Store

CASE_ATTRIBUTES = ("residence", "measure", "sex", "age_band")
#: The steps of a custody, linked to its OCEL object.
CUSTODY_FACTS = (
    Incarcerated.Fact,
    Released.Fact,
    CustodyStatusChanged.Fact,
    ExpectedReleaseChanged.Fact,
)
PROGRAMME_FACTS = (ProgrammeEntered.Fact, ProgrammeExited.Fact)


@dataclass
class Step:
    id: str
    kind: str
    day: str
    resource: str
    position: int
    fields: dict[str, Any]  # its clear fields (those set)
    fact: Fact


@dataclass
class Pathway:
    case: str
    attributes: dict[str, str] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)


@without_gc
def pathways(store: Store, privacy: Privacy) -> tuple[list[Pathway], dict[str, dict[str, Any]]]:
    """Every youth's effective steps in life order, and the pilot measures.

    The steps of a pathway are its facts, corrections (acknowledgements) left out."""
    retracted = codec.retracted_ids(store.clear_states)
    pseudonym = Pseudonyms(store, privacy)
    found: dict[str, Pathway] = {}
    measures: dict[str, dict[str, Any]] = {}
    for position, topic, blob in store.iter_raw():
        stored = codec.read(position, topic, blob)
        if stored.kind == LAUNCHED:
            clear = stored.clear
            measures[clear["code"]] = {"name": clear["name"], "territory": clear["territory"]}
        fact = stored.fact()
        if (
            stored.youth is None
            or fact is None
            or isinstance(fact, AlertAcknowledged.Fact)
            or stored.id in retracted
        ):
            continue
        pathway = found.get(stored.youth)
        if pathway is None:
            pathway = found[stored.youth] = Pathway(pseudonym(stored.youth))
        step = Step(
            stored.id,
            stored.kind,
            stored.occurred_on.isoformat(),
            stored.recorded_by or stored.actor,
            position,
            {k: v for k, v in stored.clear.items() if v is not None},
            fact,
        )
        pathway.steps.append(step)
        _attributes(pathway, step.fact)
    for pathway in found.values():
        pathway.steps.sort(key=lambda s: (s.day, s.position))
        pathway.attributes.setdefault("measure", "none")
    return list(found.values()), measures


LAUNCHED = MeasureLaunched.type_name()


def _attributes(pathway: Pathway, fact: Fact) -> None:
    # The exact age band on the registration date is a derived fact, stored beside its
    # fields: a case attribute, not an event attribute.
    match fact:
        case YouthRegistered.Fact():
            pathway.attributes["residence"] = fact.residence or "unknown"
            pathway.attributes["sex"] = fact.sex or "unknown"
            band = fact.age_band
            if band is None:  # stored before the band was: from the birth year (approximate)
                band = age_band(fact.birth_year, fact.on)
            pathway.attributes["age_band"] = band
        case EnrolledInMeasure.Fact():
            pathway.attributes["measure"] = fact.measure


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
            fact = step.fact
            if isinstance(fact, Incarcerated.Fact) and custody is None:
                custodies += 1
                custody = f"custody:{pathway.case}:{custodies}"
                objects.append(_object(custody, "custody", time, {"facility": fact.facility}))
                youth_links.append({"objectId": custody, "qualifier": "custody"})
            if isinstance(fact, CUSTODY_FACTS) and custody is not None:
                links.append({"objectId": custody, "qualifier": "custody"})
            if isinstance(fact, Released.Fact):
                custody = None
            if isinstance(fact, PROGRAMME_FACTS):
                name = fact.programme
                if isinstance(fact, ProgrammeEntered.Fact) or name not in programmes:
                    counts[name] = counts.get(name, 0) + 1
                    programmes[name] = f"programme:{pathway.case}:{name}:{counts[name]}"
                    objects.append(
                        _object(programmes[name], "programme", time, {"programme": name})
                    )
                    youth_links.append({"objectId": programmes[name], "qualifier": "programme"})
                links.append({"objectId": programmes[name], "qualifier": "programme"})
            if isinstance(fact, EnrolledInMeasure.Fact) and fact.measure in measures:
                measure = f"measure:{fact.measure}"
                links.append({"objectId": measure, "qualifier": "measure"})
                youth_links.append({"objectId": measure, "qualifier": "enrolled in"})
            # Only clear fields (the personal ones are sealed; the derived birth year and
            # age band are not fields). `reason` stays: a code, e.g. why a support closed.
            attributes = [{"name": k, "value": str(v)} for k, v in step.fields.items()]
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
