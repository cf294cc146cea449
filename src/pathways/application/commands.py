"""Writing: `commit` and the check of a batch as a whole (see the package's docstring
for the path every write takes)."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from pathways import codec
from pathways.access import ADMIN, Access, audit_refusal, claimed
from pathways.domain.ages import AGE_BAND_EVENTS, exact_age_band
from pathways.domain.errors import (
    AccessRefused,
    RulesBroken,
    Violation,
)
from pathways.domain.events import (
    EnrolledInMeasure,
    Event,
    EventRetracted,
    MeasureEnded,
    RegistryEvent,
    YouthErased,
    YouthEvent,
    YouthRegistered,
)
from pathways.domain.reference import ReferenceData
from pathways.domain.rules import (
    Enrolment,
    check_measure_ends,
    check_registry_event,
    check_youth,
)
from pathways.domain.timeline import Entry
from pathways.interchange import content_id
from pathways.perf import without_gc
from pathways.progress import SILENT, Progress
from pathways.store import Recorded, Store, Write
from pathways.write_scope import WRITE_KIND, check_writes, write_refusals

MAX_PROBLEMS = 50


class Item(NamedTuple):
    """An event to write, and where it came from (for messages). (A named tuple: an
    import makes one per line, and a frozen dataclass's `__init__` costs several times
    a tuple's.)"""

    event: Event
    where: str  # "line 18"; empty for a single command
    order: int = 0

    def at(self, message: str) -> str:
        """A message prefixed with where the event came from, if anywhere."""
        return f"{self.where}: {message}" if self.where else message


@dataclass
class Receipt:
    """What a write did."""

    stored: int = 0
    skipped: int = 0
    by_type: Counter[str] = field(default_factory=Counter)
    positions: list[int] = field(default_factory=list)
    checked_only: bool = False
    #: the ids of the first and the last event sent to the store (an interrupted
    #: command looks them up to say whether they were stored)
    first_id: uuid.UUID | None = None
    last_id: uuid.UUID | None = None

    def add(self, other: Receipt) -> None:
        """Count another part of the same batch (an import written in chunks)."""
        self.stored += other.stored
        self.skipped += other.skipped
        self.by_type.update(other.by_type)
        self.positions.extend(other.positions)
        self.first_id = self.first_id or other.first_id
        self.last_id = other.last_id or self.last_id


class Commands:
    """Writing: a batch checked as a whole against the store, then all of it or nothing."""

    #: Told the phases of long work (the command line draws them on a terminal).
    progress: Progress = SILENT
    #: The receipt of the last batch sent to the store: once `positions` is set, it is
    #: stored, whatever happens next (an interrupted command says so).
    last_receipt: Receipt | None = None
    store: Store
    today: Callable[[], date]
    #: The acting user (`pathways.access`); None: the program itself, unrestricted.
    access: Access | None = None

    @without_gc
    def commit(self, items: Sequence[Item], actor: str, *, check_only: bool = False) -> Receipt:
        """Check a batch as a whole against the store, then write all of it or nothing."""
        return self.commit_parts([items], actor, check_only=check_only)

    def commit_parts(
        self, parts: Iterable[Sequence[Item]], actor: str, *, check_only: bool = False
    ) -> Receipt:
        """Check and write a batch given in parts, all or nothing: one session of the
        store, holding the append lock from its start (but for `check_only`), so that
        what the batch is checked against cannot change before it commits. Each part
        is checked as a whole against the store *and the parts before it*; a youth's
        events must all be in one part (a long import file is written in parts, so
        that it is never all in memory at once). A part that breaks a rule stops the
        writing; the parts after it are still checked, so that every bad line (up to
        MAX_PROBLEMS) is named; then nothing at all is stored."""
        try:
            self._check_recorder(actor)
            return self._commit_parts(parts, actor, check_only=check_only)
        except AccessRefused as refused:
            self.refused(refused)
            raise

    def _check_recorder(self, actor: str) -> None:
        """A write is recorded by the acting user, never under another name (the Python
        API takes the recorder as an argument; the original recorder of a copied step
        is its `recorded_by` field)."""
        access = self.access
        if access is not None and actor != access.actor:
            msg = (
                f"a write is recorded by the acting user ({access.actor}), not by "
                f"'{claimed(actor)}' (the original recorder of a copied step is its "
                f"recorded_by field). Nothing was written."
            )
            raise access.refused(msg, kind="another recorder")

    def refused(self, error: AccessRefused) -> None:
        """Append a refusal of the acting user to the audit log (once), after the
        transaction of the write was rolled back."""
        if self.access is not None:
            audit_refusal(self.store, error)

    def _commit_parts(
        self, parts: Iterable[Sequence[Item]], actor: str, *, check_only: bool
    ) -> Receipt:
        receipt = Receipt(checked_only=check_only)
        problems: list[str] = []
        total = 0
        positions: list[int] = []
        with self.store.session(write=not check_only):
            for part in parts:
                # an event the user may not write (an erasure, another organisation's
                # youth...) stops the whole batch: the session rolls back what earlier
                # parts wrote
                check_writes(self.access, {item.event.type_name() for item in part})
                self._check_scope(part)
                try:
                    found, writes = self._prepare(part, check_only=check_only or bool(problems))
                except RulesBroken as broken:
                    problems.extend(broken.problems)
                    total += broken.total
                    if len(problems) >= MAX_PROBLEMS:
                        break
                    continue
                receipt.add(found)
                if writes and not problems and not check_only:
                    self.last_receipt = receipt
                    self.progress.phase("write", len(writes))
                    positions.extend(self.store.append(writes, actor))
                    self.progress.advance(len(writes))
            if problems:
                problems.sort(key=line_number)
                raise RulesBroken(problems[:MAX_PROBLEMS], total=total)
        receipt.positions = positions  # committed: stored, whatever happens next
        return receipt

    def _check_scope(self, items: Sequence[Item]) -> None:
        """Refuse a part with an event for a youth outside the user's scope of writes
        (`write_scope.write_refusals`), naming the first such line (and how many more)."""
        access = self.access
        if access is None or access.user.role == ADMIN:
            return
        by_youth: dict[str, list[Item]] = {}
        for item in items:
            if isinstance(item.event, YouthEvent):
                by_youth.setdefault(item.event.youth, []).append(item)
        if not by_youth:
            return
        streams = {youth: self.store.stream_id(youth) for youth in by_youth}
        loaded = self.store.load_many(streams.values())
        today = self.today()
        refused: list[tuple[Item, str]] = []
        for youth, found in by_youth.items():
            batch = [(i.event, i.where) for i in found if isinstance(i.event, YouthEvent)]
            for index, message in write_refusals(
                access, youth, loaded[streams[youth]], batch, today
            ):
                refused.append((found[index], message))
        if not refused:
            return
        refused.sort(key=lambda pair: pair[0].order)
        first, message = refused[0]
        more = len(refused) - 1
        also = f" (and {more} more event(s) refused)" if more else ""
        event = first.event
        assert isinstance(event, YouthEvent)
        options = {"event": event.type_name()}
        if first.where:
            options["where"] = first.where
        raise access.refused(
            f"{first.at(message)}{also}. Nothing was written.",
            event.youth,
            kind=WRITE_KIND,
            options=options,
        )

    def _prepare(self, items: Sequence[Item], *, check_only: bool) -> tuple[Receipt, list[Write]]:
        receipt = Receipt(checked_only=check_only)
        problems: list[tuple[int, str]] = []
        fresh = _drop_replays(self.store, items, receipt, problems)

        registry = self.store.load(self.store.stream_id(None))
        ref = ReferenceData.replay(r.event for r in registry)
        today = self.today()
        writes: list[tuple[tuple[int, int], Write]] = []
        version = registry[-1].version if registry else 0
        # A file may list a measure's end above its launch (rule 7): check them in date order.
        registry_items = sorted(
            (i for i in fresh if isinstance(i.event, RegistryEvent)),
            key=lambda i: (i.event.occurred_on, REGISTRY_RANK.get(i.event.type_name(), 0), i.order),
        )
        for item in registry_items:
            if isinstance(item.event, RegistryEvent):
                found = check_registry_event(item.event, ref, today)
                problems.extend((item.order, item.at(p)) for p in found)
                if not found:
                    ref.apply(item.event)
                    version += 1
                    writes.append(
                        (_write_order(item), Write(self.store.stream_id(None), version, item.event))
                    )

        by_youth: dict[str, list[Item]] = {}
        for item in fresh:
            if isinstance(item.event, YouthEvent):
                by_youth.setdefault(item.event.youth, []).append(item)
        head = self.store.head()
        streams = {youth: self.store.stream_id(youth) for youth in by_youth}
        loaded = self.store.load_many(streams.values())
        self.progress.phase("check", len(by_youth))
        for youth, youth_items in by_youth.items():
            self.progress.advance()
            stream = streams[youth]
            stored = loaded[stream]
            # (messages name a stored event by `_stored_where`, only when one breaks a rule)
            stored_entries = [
                Entry(r.event, r.position) for r in stored if isinstance(r.event, YouthEvent)
            ]
            new_entries = [
                Entry(i.event, head + 1 + i.order, i.where)
                for i in youth_items
                if isinstance(i.event, YouthEvent)
            ]
            check = check_youth(youth, stored_entries, new_entries, ref, today)
            problems.extend(_locate(check.violations, youth_items, stored_entries))
            version = stored[-1].version if stored else 0
            birth = _birth_date([*stored_entries, *new_entries])
            ranked = sorted(((_write_order(i), i) for i in youth_items), key=_first)
            for rank, item in ranked:
                version += 1
                writes.append(
                    (rank, Write(stream, version, item.event, _derived(item.event, birth)))
                )

        problems.extend(self._check_measure_ends(registry_items, fresh))
        if problems:
            problems.sort(key=lambda p: p[0])
            shown = [text for _, text in problems[:MAX_PROBLEMS]]
            raise RulesBroken(shown, total=len(problems))
        # Keep the order of the file, so that log positions follow the lines; but a
        # retraction goes after every event it may name (a file may list it first),
        # and an erasure last: the read models apply the log in that order.
        writes.sort(key=_first)
        receipt.stored += len(writes)
        receipt.by_type.update(write.event.type_name() for _, write in writes)
        if writes:
            receipt.first_id, receipt.last_id = writes[0][1].event.id, writes[-1][1].event.id
        return receipt, [write for _, write in writes]

    def _check_measure_ends(
        self, registry_items: Sequence[Item], fresh: Sequence[Item]
    ) -> list[tuple[int, str]]:
        """Rule 5 (`rules.check_measure_ends`) on the stored and new enrolments."""
        ends = [i for i in registry_items if isinstance(i.event, MeasureEnded)]
        if not ends:
            return []
        enrolments: dict[uuid.UUID, Enrolment] = {}
        enrolled = EnrolledInMeasure.type_name()
        for state in self.store.clear_states([enrolled]):
            stored = codec.from_state(enrolled, state)
            fact = stored.fact()
            if isinstance(fact, EnrolledInMeasure.Fact) and stored.youth is not None:
                event_id = uuid.UUID(stored.id)
                enrolments[event_id] = Enrolment(event_id, fact.measure, fact.day, stored.youth)
        retracted = {uuid.UUID(i) for i in codec.retracted_ids(self.store.clear_states)}
        for item in fresh:
            event = item.event
            if isinstance(event, EnrolledInMeasure):
                enrolments[event.id] = Enrolment(
                    event.id, event.measure, event.occurred_on, event.youth
                )
            elif isinstance(event, EventRetracted):
                retracted.add(event.event_id)
        by_id = {i.event.id: i for i in ends}
        found = check_measure_ends(
            enrolments.values(),
            retracted,
            [i.event for i in ends if isinstance(i.event, MeasureEnded)],
        )
        return [
            (by_id[v.event_id].order, by_id[v.event_id].at(v.message)) for v in found if v.event_id
        ]

    def record(self, event: Event, actor: str) -> Receipt:
        return self.commit([Item(event, "")], actor)


def line_number(problem: str) -> int:
    """The line a problem names ("line 18: ..."), 0 for one that names none."""
    head = problem.split(":", 1)[0]
    number = head.removeprefix("line ")
    return int(number) if number.isdigit() else 0


def _birth_date(entries: Iterable[Entry]) -> date | None:
    """The birth date of the registration among a youth's events (None once erased)."""
    for entry in entries:
        if isinstance(entry.event, YouthRegistered):
            return entry.event.birth_date
    return None


def _derived(event: Event, birth: date | None) -> dict[str, str] | None:
    """The clear facts to store with an event, derived from the birth date while the
    youth's key exists: the exact age band on the date of a registration, a release or a
    start of community supervision. It outlives an erasure (crypto-shredding), so that
    the evaluators' age bands stay exact; an `amend` records it anew with the new date."""
    if birth is None or event.type_name() not in AGE_BAND_EVENTS:
        return None
    return {"age_band": exact_age_band(birth, event.occurred_on)}


def _first(pair: tuple[tuple[int, int], object]) -> tuple[int, int]:
    return pair[0]


def _write_order(item: Item) -> tuple[int, int]:
    rank = 2 if isinstance(item.event, YouthErased) else int(isinstance(item.event, EventRetracted))
    return rank, item.order


REGISTRY_RANK = {"MeasureLaunched": 0, "SettingChanged": 1, "MeasureEnded": 2}


def _same_step(existing: Recorded, event: Event) -> bool:
    """Rule 8's "same content"; once erased, the personal fields cannot be compared
    (and a replay must not bring them back)."""
    if not existing.erased:
        return existing.event.content() == event.content()
    personal = type(event).personal_fields()
    mine = {k: v for k, v in event.content().items() if k not in personal}
    theirs = {k: v for k, v in existing.event.content().items() if k not in personal}
    return mine == theirs


def _derived_id(event: Event) -> bool:
    """Whether the event's id was derived from its content (its line had no id)."""
    return event.id.version == 5 and event.id == content_id(event)


def _personal_names(event: Event) -> str:
    return ", ".join(sorted(type(event).personal_fields()))


def _stored_where(event: Event) -> str:
    """A stored event, as a message names it: its type, date and id."""
    return f"the {event.type_name()} of {event.occurred_on} with id {event.id}"


def _lines(items: Sequence[Item]) -> str:
    """The lines of a batch ("line 3, line 7 ..."), or "this command" when it has none."""
    lines = [i.where for i in items if "line " in i.where]
    if not lines:
        return "this command"
    return ", ".join(lines[:5]) + (" ..." if len(lines) > 5 else "")


def _summary(recorded: Recorded) -> str:
    event = recorded.event
    who = f" for {event.youth}" if isinstance(event, YouthEvent) else ""
    return f"{event.type_name()} on {event.occurred_on}{who}, position {recorded.position}"


def _locate(
    violations: list[Violation], items: list[Item], stored: Sequence[Entry] = ()
) -> list[tuple[int, str]]:
    """Each violation with where it comes from: the line (or command) of a new event,
    or, for a stored event that the batch makes break a rule, that stored event and
    the lines that did it."""
    if not violations:
        return []
    by_id = {i.event.id: i for i in items}
    located = []
    first = min(i.order for i in items)
    stored_by_id: dict[uuid.UUID, YouthEvent] | None = None
    for violation in violations:
        item = by_id.get(violation.event_id) if violation.event_id else None
        if item is not None:
            located.append((item.order, item.at(violation.message)))
            continue
        if stored_by_id is None:
            stored_by_id = {e.event.id: e.event for e in stored}
        event = stored_by_id.get(violation.event_id) if violation.event_id else None
        what = "a stored event" if event is None else f"a stored event, {_stored_where(event)}"
        after = _lines(items)
        located.append(
            (first, f"{violation.message} (this is {what}: it breaks the rule after {after})")
        )
    return located


def _drop_replays(
    store: Store, items: Sequence[Item], receipt: Receipt, problems: list[tuple[int, str]]
) -> list[Item]:
    """Rule 8: an id already stored (or earlier in the batch) with the same content is
    skipped; with other content it is an error naming both."""

    def refuse(item: Item, message: str) -> None:
        problems.append((item.order, item.at(message)))

    first_seen: dict[uuid.UUID, Item] = {}
    fresh: list[Item] = []
    for item in items:
        earlier = first_seen.get(item.event.id)
        if earlier is None:
            first_seen[item.event.id] = item
            fresh.append(item)
        elif earlier.event.content() == item.event.content():
            receipt.skipped += 1
        elif _derived_id(item.event):
            refuse(
                item,
                f"this line has no id and is the same step as {earlier.where} but"
                f" for its personal fields ({_personal_names(item.event)}): give"
                ' each of these lines its own "id"',
            )
        else:
            refuse(
                item,
                f"id {item.event.id} is also on {earlier.where or 'another line'}, "
                "with other content",
            )
    streams = store.find_streams(first_seen)
    if not streams:
        return fresh
    stored: dict[uuid.UUID, Recorded] = {}
    for records in store.load_many(set(streams.values())).values():
        for recorded in records:
            stored[recorded.event.id] = recorded
    kept = []
    for item in fresh:
        existing = stored.get(item.event.id)
        if existing is None:
            kept.append(item)
        elif _same_step(existing, item.event):
            receipt.skipped += 1
        elif _derived_id(item.event):
            refuse(
                item,
                f"this line has no id and is the same step as one already stored"
                f" ({_summary(existing)}, id {existing.event.id}) but for its personal"
                f" fields ({_personal_names(item.event)}): correct the stored one"
                ' with `pathways amend`, or give the line an "id" if it is another'
                " step",
            )
        else:
            refuse(
                item,
                f"id {item.event.id} is already stored with other content ({_summary(existing)})",
            )
    return kept
