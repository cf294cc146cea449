"""What a demo cohort holds: counts, releases, an interesting example pathway."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from pathways.demo.cohort import Batch


@dataclass
class Summary:
    """What a demo cohort holds (from its lines: retracted events left out)."""

    youths: int = 0
    events: int = 0
    batches: int = 0
    by_type: Counter[str] = field(default_factory=Counter)
    releases: int = 0
    prepared: int = 0
    adjusted: int = 0
    adjustable: int = 0
    reincarcerated_365: int = 0
    retractions: int = 0
    first_recorded: datetime | None = None
    last_recorded: datetime | None = None
    example: str | None = None  # a reference with an interesting pathway
    references: list[str] = field(default_factory=list)
    measures: list[str] = field(default_factory=list)
    head: int = 0
    skipped: int = 0


INTERESTING = frozenset(
    {
        "HandoverAcknowledged",
        "EnrolledInMeasure",
        "ProgrammeEntered",
        "ExpectedReleaseChanged",
        "SituationStarted",
        "ReleasePlanValidated",
        "CommunitySupervisionStarted",
    }
)


def summarize(batches: Sequence[Batch]) -> Summary:
    summary = Summary(batches=len(batches))
    lines = [line for batch in batches for line in batch.events]
    if batches:
        summary.first_recorded = batches[0].recorded_at
        summary.last_recorded = batches[-1].recorded_at
    retracted = {line["event_id"] for line in lines if line["type"] == "EventRetracted"}
    per_youth: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        summary.events += 1
        summary.by_type[line["type"]] += 1
        if line["type"] == "MeasureLaunched":
            summary.measures.append(line["code"])
        if "youth" in line and line["id"] not in retracted and line["type"] != "EventRetracted":
            per_youth.setdefault(line["youth"], []).append(line)
    summary.retractions = len(retracted)
    summary.youths = len(per_youth)
    summary.references = list(per_youth)
    best = -1
    corrected = {line["youth"] for line in lines if line["type"] == "EventRetracted"}
    for reference, events in per_youth.items():
        events.sort(key=lambda e: e["occurred_on"])
        began: str | None = None
        releases: list[str] = []
        kinds = set()
        for event in events:
            kind = event["type"]
            kinds.add(kind)
            if kind == "Incarcerated":
                began = event["occurred_on"]
            elif kind == "Released" and began is not None:
                released = event["occurred_on"]
                summary.releases += 1
                releases.append(released)
                if any(
                    e["type"] == "ReleasePlanValidated" and began <= e["occurred_on"] <= released
                    for e in events
                ):
                    summary.prepared += 1
                if event["kind"] != "remand-ended":
                    summary.adjustable += 1
                    summary.adjusted += event["kind"] != "end-of-sentence"
                began = None
        for release in releases:
            limit = (date.fromisoformat(release) + timedelta(days=365)).isoformat()
            if any(
                e["type"] == "Incarcerated" and release < e["occurred_on"] <= limit for e in events
            ):
                summary.reincarcerated_365 += 1
        score = 2 * len(releases) + len(kinds & INTERESTING) + 2 * (reference in corrected)
        if score > best:
            best, summary.example = score, reference
    return summary
