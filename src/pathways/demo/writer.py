"""Writing a cohort: to a JSON Lines file, or into a store batch by batch at the
simulated recording times."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from pathways.demo.cohort import DEFAULT_YEARS, PARIS, Batch, generate
from pathways.demo.summary import Summary, summarize

if TYPE_CHECKING:
    from pathways.application import Pathways

_T = TypeVar("_T")
DEFAULT_YOUTH = 300
DEFAULT_SEED = 35


def write_jsonl(batches: Iterable[Batch], path: Path | str) -> int:
    """Every line of every batch into one JSON Lines file; the number of lines."""
    import os

    count = 0
    # Readable by its owner only, like any file with personal fields (names, birth dates)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        for batch in batches:
            for line in batch.events:
                handle.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
                count += 1
    return count


def conflicts(app: Pathways, batches: Sequence[Batch]) -> list[str]:
    """What the store already holds of this cohort (references, measures): nothing to write."""
    problems = []
    known = app.reference().measures
    for batch in batches:
        for line in batch.events:
            if line["type"] == "MeasureLaunched" and line["code"] in known:
                problems.append(f"measure {line['code']}")
    if app.store.count_youths() == 0:
        return problems
    references = sorted({line["youth"] for b in batches for line in b.events if "youth" in line})
    for reference in references:
        if app.store.load(app.store.stream_id(reference)):
            problems.append(reference)
    return problems


def write_demo(
    app: Pathways,
    youth: int = DEFAULT_YOUTH,
    seed: int = DEFAULT_SEED,
    end: date | None = None,
    progress: Callable[[int], None] | None = None,
    *,
    years: float = DEFAULT_YEARS,
    actor: str = "demo",
    batches: Sequence[Batch] | None = None,
) -> Summary:
    """Generate a cohort and import it batch by batch, at its simulated recording times.

    The store's clock (and the application's "today") are set to each batch's
    recording time, so the log spans the simulated years; they are restored
    afterwards. A recording time still in the future (the end day is today)
    is brought back to now. Writes nothing if the store already holds one of
    the cohort's references or measures (a PathwaysError says which).
    """
    from pathways.application import Item
    from pathways.domain.errors import PathwaysError
    from pathways.interchange import from_dict

    if batches is None:
        batches = generate(youth, seed, end, years)
    found = conflicts(app, batches)
    if found:
        shown = ", ".join(found[:5]) + (f" and {len(found) - 5} more" if len(found) > 5 else "")
        msg = (
            f"this store already holds {len(found)} of the demo cohort's references or measures"
            f" ({shown}): nothing was written. Write the demo into a new store (--db)."
        )
        raise PathwaysError(msg)
    summary = summarize(batches)
    store = app.store
    clock, today = store.clock, app.today
    try:
        for batch in batches:
            moment = min(batch.recorded_at, datetime.now(UTC))
            day = moment.astimezone(PARIS).date()
            store.clock = _constant(moment)
            app.today = _constant(day)
            items = [
                Item(from_dict(line), f"{batch.day} line {number}", number)
                for number, line in enumerate(batch.events, start=1)
            ]
            receipt = app.commit(items, actor)
            summary.skipped += receipt.skipped
            if progress is not None:
                progress(len(batch.events))
    finally:
        store.clock, app.today = clock, today
    summary.head = store.head()
    return summary


def _constant(value: _T) -> Callable[[], _T]:
    return lambda: value


def demo_users() -> list[tuple[str, str, str]]:
    """The users of the demo (name, organisation, role): the first counsellor of each
    Mission Locale (their codes are those of the cohort, so `--mine` finds their
    youths), a CPIP of the SPIP and an analyst."""
    from pathways.demo.tables import COUNSELLORS

    found = [(f"{prefix}-01", org, "counsellor") for org, (prefix, _) in COUNSELLORS.items()]
    return [*found, ("cpip-01", "spip-35", "cpip"), ("analyst-01", "spip-35", "analyst")]


def add_demo_users(app: Pathways, actor: str) -> list[tuple[str, str, str]]:
    """Add the demo's users the store does not know yet, in one batch (an admin's act)."""
    from pathways.application import Item
    from pathways.domain.events import UserAdded

    known = app.reference().users
    today = app.today()
    missing = [user for user in demo_users() if user[0] not in known]
    items = [
        Item(UserAdded(user=name, organisation=org, role=role, occurred_on=today), "")
        for name, org, role in missing
    ]
    if items:
        app.commit(items, actor)
    return missing
