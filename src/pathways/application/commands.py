"""Writing: `commit`, the path every write takes (see the package's docstring): in one
session of the store, the writes the acting user may make, the batch checked as a
whole (`checks`), then appended, all of it or nothing. The batch's items and receipt
are in `batch` (and named here too)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date

from pathways.access import ADMIN, Access, audit_refusal, claimed
from pathways.application.batch import MAX_PROBLEMS, Item, Receipt, line_number
from pathways.application.checks import Checks
from pathways.domain.errors import AccessRefused, RulesBroken
from pathways.domain.events import Event, YouthEvent
from pathways.i18n import _
from pathways.perf import without_gc
from pathways.progress import SILENT, Progress
from pathways.store import Store
from pathways.write_scope import WRITE_KIND, check_writes, write_refusals

__all__ = ["MAX_PROBLEMS", "Commands", "Item", "Receipt", "line_number"]


class Commands(Checks):
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
        refusal: AccessRefused | None = None
        with self.store.session(write=not check_only):
            for given in parts:
                part = given
                # an event type the user may not write at all (an erasure by a
                # counsellor...) stops the whole batch, said alone
                check_writes(self.access, {item.event.type_name() for item in given})
                # an event for a youth outside the user's scope stops the writing (the
                # session rolls back what earlier parts wrote); the other youths' lines
                # are still checked, so that every bad line is named at once
                scope = self._scope_refusal(given)
                if scope is not None:
                    error, youths = scope
                    if refusal is None:
                        refusal = error
                    else:
                        refusal.problems.extend(error.problems)
                    part = [i for i in given if _youth_of(i) not in youths]
                stopped = bool(problems) or refusal is not None
                try:
                    found, writes = self._prepare(part, check_only=check_only or stopped)
                except RulesBroken as broken:
                    problems.extend(broken.problems)
                    total += broken.total
                    if len(problems) >= MAX_PROBLEMS:
                        break
                    continue
                receipt.add(found)
                if writes and not stopped and not check_only:
                    self.last_receipt = receipt
                    self.progress.phase("write", len(writes))
                    positions.extend(self.store.append(writes, actor))
                    self.progress.advance(len(writes))
            if refusal is not None:
                raise _among(refusal, problems, total)
            if problems:
                problems.sort(key=line_number)
                raise RulesBroken(problems[:MAX_PROBLEMS], total=total)
        receipt.positions = positions  # committed: stored, whatever happens next
        return receipt

    def _scope_refusal(self, items: Sequence[Item]) -> tuple[AccessRefused, set[str | None]] | None:
        """The refusal of a part with events for youths outside the user's scope of
        writes (`write_scope.write_refusals`), naming the first such line (and how many
        more), and those youths; None when there are none."""
        access = self.access
        if access is None or access.user.role == ADMIN:
            return None
        by_youth: dict[str, list[Item]] = {}
        for item in items:
            if isinstance(item.event, YouthEvent):
                by_youth.setdefault(item.event.youth, []).append(item)
        if not by_youth:
            return None
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
            return None
        refused.sort(key=lambda pair: pair[0].order)
        first, message = refused[0]
        more = len(refused) - 1
        also = " " + _("(and {more} more event(s) refused)").format(more=more) if more else ""
        event = first.event
        assert isinstance(event, YouthEvent)
        options = {"event": event.type_name()}
        if first.where:
            options["where"] = first.where
        error = access.refused(
            f"{first.at(message)}{also}. " + _("Nothing was written."),
            event.youth,
            kind=WRITE_KIND,
            options=options,
        )
        error.problems = [f"{first.at(message)}{also}"]
        return error, {_youth_of(item) for item, _message in refused}

    def record(self, event: Event, actor: str) -> Receipt:
        return self.commit([Item(event, "")], actor)


def _youth_of(item: Item) -> str | None:
    return item.event.youth if isinstance(item.event, YouthEvent) else None


def _among(refusal: AccessRefused, problems: list[str], total: int) -> AccessRefused:
    """A refusal, said among the rules the batch's other lines break (if any), in the
    order of the lines, as `RulesBroken` lists them: the lines a user may not write and
    the lines that are wrong, named at once."""
    if not problems:
        return refusal
    listed = sorted([*refusal.problems, *problems], key=line_number)
    said = RulesBroken(listed[:MAX_PROBLEMS], total=total + len(refusal.problems))
    combined = AccessRefused(
        str(said),
        actor=refusal.actor,
        command=refusal.command,
        youth=refusal.youth,
        kind=refusal.kind,
        options=refusal.options,
    )
    combined.problems = listed
    return combined
