"""The check of a batch as a whole against the store: the replays skipped or refused
(rule 8), the registry's events in date order, each youth's stored and new events by
`rules.check_youth`, the ends of measures (rule 5); every problem located on its line,
or on the stored event that the batch makes break a rule. What passes becomes the
writes of the batch, in the order the read models apply them."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import date

from pathways import codec
from pathways.application.batch import MAX_PROBLEMS, Item, Receipt, said_where
from pathways.domain.ages import AGE_BAND_EVENTS, exact_age_band
from pathways.domain.errors import RulesBroken, Violation
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
from pathways.i18n import _, long_date
from pathways.interchange import content_id
from pathways.progress import Progress
from pathways.store import Recorded, Store, Write


class Checks:
    """A batch checked as a whole against the store, and made into its writes."""

    store: Store
    today: Callable[[], date]
    progress: Progress

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


def _stored_where(event: Event) -> str:
    """A stored event, as a message names it: its type, date and id."""
    return _("the {type} of {day} with id {id}").format(
        type=event.type_name(), day=long_date(event.occurred_on), id=event.id
    )


def _lines(items: Sequence[Item]) -> str:
    """The lines of a batch ("line 3, line 7 ..."), or "this command" when it has none."""
    lines = [said_where(i.where, in_sentence=True) for i in items if i.where.startswith("line ")]
    if not lines:
        return _("this command")
    return ", ".join(lines[:5]) + (" ..." if len(lines) > 5 else "")


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
        what = (
            _("a stored event")
            if event is None
            else _("a stored event, {event}").format(event=_stored_where(event))
        )
        said = _("{message} (this is {what}: it breaks the rule after {after})")
        located.append(
            (first, said.format(message=violation.message, what=what, after=_lines(items)))
        )
    return located


# rule 8: an id already stored (or earlier in the batch) --------------------------
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
            said = _(
                "this line has no id and is the same step as {earlier} but for its personal"
                ' fields ({fields}): give each of these lines its own "id"'
            )
            refuse(
                item,
                said.format(
                    earlier=said_where(earlier.where, in_sentence=True),
                    fields=_personal_names(item.event),
                ),
            )
        else:
            said = _("id {id} is also on {earlier}, with other content")
            earlier_said = said_where(earlier.where, in_sentence=True) or _("another line")
            refuse(item, said.format(id=item.event.id, earlier=earlier_said))
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
            said = _(
                "this line has no id and is the same step as one already stored ({stored},"
                " id {id}) but for its personal fields ({fields}): correct the stored one"
                ' with `pathways amend`, or give the line an "id" if it is another step'
            )
            refuse(
                item,
                said.format(
                    stored=_summary(existing),
                    id=existing.event.id,
                    fields=_personal_names(item.event),
                ),
            )
        else:
            said = _("id {id} is already stored with other content ({stored})")
            refuse(item, said.format(id=item.event.id, stored=_summary(existing)))
    return kept


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


def _summary(recorded: Recorded) -> str:
    event = recorded.event
    if isinstance(event, YouthEvent):
        said = _("{type} on {day} for {youth}, position {position}")
    else:
        said = _("{type} on {day}, position {position}")
    return said.format(
        type=event.type_name(),
        day=long_date(event.occurred_on),
        youth=getattr(event, "youth", ""),
        position=recorded.position,
    )
