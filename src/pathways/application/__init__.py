"""The write side and the simple reads: commands in, events out (a package:
`commands` with `batch` and `checks`, `imports`, `corrections`, `users`, and `Pathways`
here).

Every write (one `record`, an `amend`, a whole import file) goes through
`Pathways.commit`: load the streams the batch touches, check each youth's
timeline as a whole with the pure rules of `pathways.domain.rules`, then append
everything in one transaction. A concurrent writer on the same youth makes the
append fail on its version; the batch is then re-checked against the fresh
streams and tried again, so nothing is lost and no rule is bypassed.
"""

from __future__ import annotations

import getpass
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from pathways.access import check_stream, moment_at
from pathways.application.batch import Item, Receipt
from pathways.application.commands import Commands
from pathways.application.corrections import Corrections
from pathways.application.imports import Imports, decoded
from pathways.application.users import Users
from pathways.domain.errors import AccessRefused, RulesBroken, UnknownEvent, UnknownSetting
from pathways.domain.events import (
    AlertAcknowledged,
    EventRetracted,
    SettingChanged,
    YouthErased,
    YouthEvent,
)
from pathways.domain.events.fields import CODE_PATTERN, MAX_CODE
from pathways.domain.ordering import Pair, life_order
from pathways.domain.reference import DEFAULT_THRESHOLDS, ReferenceData
from pathways.domain.time import PARIS, KnownAt, today_in_paris
from pathways.domain.timeline import pair_of
from pathways.i18n import _
from pathways.store import Recorded, Store

__all__ = [
    "Commands",
    "HistoryLine",
    "Item",
    "Pathways",
    "Receipt",
    "decoded",
    "default_actor",
]


def default_actor() -> str:
    try:
        return getpass.getuser()
    except Exception:  # pragma: no cover - no user name on this system
        return "unknown"


@dataclass(frozen=True)
class HistoryLine:
    recorded: Recorded
    retracted: bool


class Pathways(Imports, Corrections, Users):
    """The application: one store, its rules, its clock. Writing (`commit`, `record`)
    is in `commands`, `import_lines` in `imports`, `retract` and `amend` in
    `corrections`; here the services of the other commands, and the simple reads."""

    def __init__(self, store: Store, today: Callable[[], date] = today_in_paris) -> None:
        self.store = store
        self.today = today

    # services: the writes of the commands that are not a plain `record` -------------
    def erase(self, youth: str, reason: str, actor: str, on: date | None = None) -> Receipt:
        """Erase a youth's personal data for good: YouthErased, and the data key destroyed
        in the same transaction (crypto-shredding)."""
        return self.commit([Item(self.erasure(youth, reason, on), "")], actor)

    def erasure(self, youth: str, reason: str, on: date | None = None) -> YouthErased:
        """The erasure of a registered youth, for a reason given as a code; otherwise
        `RulesBroken` saying what is wrong (`erase` asks before it confirms)."""
        if not re.fullmatch(CODE_PATTERN, reason) or len(reason) > MAX_CODE:
            msg = _(
                "--reason: {reason} is not a reason code (lowercase words joined by '-', "
                "e.g. request, retention-expired): no free text, which would stay in the "
                "log after the erasure"
            ).format(reason=repr(reason[:60]))
            raise RulesBroken([msg])
        if not self.store.load(self.store.stream_id(youth)):
            msg = _("{youth} is not registered in this store: nothing to erase").format(youth=youth)
            raise RulesBroken([msg])
        return YouthErased(youth=youth, occurred_on=on or self.today(), reason=reason)

    def acknowledge(
        self,
        youth: str,
        alert: str,
        actor: str,
        on: date | None = None,
        note: str | None = None,
    ) -> Receipt:
        """Acknowledge an alert open on that date (a write rule: `rules.check_youth`)."""
        day = on or self.today()
        recorded = self.store.load(self.store.stream_id(youth))
        if not recorded:
            msg = _("{youth} is not registered in this store").format(youth=youth)
            raise RulesBroken([msg])
        try:
            check_stream(self.access, self.reference(), youth, recorded, day)
        except AccessRefused as refused:
            self.refused(refused)  # the Python API's acknowledge is audited too
            raise
        event = AlertAcknowledged(youth=youth, occurred_on=day, alert=alert, note=note)
        return self.commit([Item(event, "")], actor)

    def change_setting(self, name: str, value: str, actor: str, on: date | None = None) -> Receipt:
        """Change a setting by recording SettingChanged (nothing is overwritten)."""
        try:
            event = SettingChanged(name=name, value=value, occurred_on=on or self.today())
        except ValueError:
            valid = ", ".join([*DEFAULT_THRESHOLDS, "territory.<code>"])
            msg = _("'{name}' is not a setting name (valid: {valid})").format(
                name=name, valid=valid
            )
            raise UnknownSetting(msg) from None
        return self.commit([Item(event, "")], actor)

    # reading ------------------------------------------------------------------
    def history(
        self, youth: str, as_of: date | None = None, known_at: KnownAt | None = None
    ) -> list[HistoryLine]:
        """A pathway sorted by occurred_on; as of a date, the retracted events are left out."""
        recorded = self.store.load(self.store.stream_id(youth))
        if not recorded:
            msg = _("{youth} is not registered in this store").format(youth=youth)
            raise UnknownEvent(msg)
        if known_at is not None:
            upto = known_at.upto
            recorded = [r for r in recorded if r.position <= upto]
        if self.access is not None:
            at = None if known_at is None else moment_at(self.store, known_at.text, known_at.upto)
            day = as_of or (at.astimezone(PARIS).date() if at else self.today())
            check_stream(self.access, self.reference(known_at), youth, recorded, day, at)
        retracted = {r.event.event_id for r in recorded if isinstance(r.event, EventRetracted)}
        lines = [HistoryLine(r, r.event.id in retracted) for r in recorded]
        if as_of is not None:
            lines = [
                line
                for line in lines
                if line.recorded.event.occurred_on <= as_of
                and not line.retracted
                and not isinstance(line.recorded.event, EventRetracted)
            ]
        return life_order(
            lines, lambda line: (line.recorded.event.occurred_on, line.recorded.position), _pair
        )

    def reference(self, known_at: KnownAt | None = None) -> ReferenceData:
        registry = self.store.load(self.store.stream_id(None))
        if known_at is not None:
            upto = known_at.upto
            registry = [r for r in registry if r.position <= upto]
        return ReferenceData.replay(r.event for r in registry)


def _pair(line: HistoryLine) -> Pair | None:
    event = line.recorded.event
    return pair_of(event) if isinstance(event, YouthEvent) else None
