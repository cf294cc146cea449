"""What a walk through a youth's timeline learns for the alerts and the caseload line
(`pathways.domain.alerts`): the support, the custody, the supervision, the last release,
contact and entry, the expected release, the plans, the acknowledgements and the
registered residence (with the last release's destination, the youth's territory).

`situation(facts)` is that walk; its `Situation` holds all that `alerts.judge` needs
on any day on or after the last fact walked, so a read model can keep it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from pathways.domain.events import (
    AlertAcknowledged,
    CommunitySupervisionEnded,
    CommunitySupervisionStarted,
    ContactMade,
    CounsellorAssigned,
    ExpectedReleaseChanged,
    Fact,
    HandedOver,
    HandoverAcknowledged,
    Incarcerated,
    ProgrammeEntered,
    Released,
    ReleasePlanValidated,
    SituationStarted,
    SupportClosed,
    SupportStarted,
    YouthRegistered,
)

#: What the release dates of a custody are read from.
_Statement = Incarcerated.Fact | ExpectedReleaseChanged.Fact


@dataclass(slots=True)
class Situation:
    """What a walk through a youth's timeline learns (`situation`): everything the
    alerts and the caseload line need on a day on or after the last fact walked. A
    read model keeps the situation of each youth's whole timeline, so that a read on
    a later day judges it (`judge`) without walking the facts again."""

    registered: bool = False
    support_open: bool = False
    support_since: int | None = None
    support_closed_on: int | None = None  # the last closure
    organisation: str | None = None
    counsellor: str | None = None
    custody_since: int | None = None
    facility: str | None = None
    supervision_since: int | None = None
    release_on: int | None = None  # the last release
    release_to: str | None = None  # its destination
    release_custody_since: int | None = None
    last_contact: int | None = None
    last_entry: int | None = None  # ProgrammeEntered or SituationStarted
    last_handover_ack: int | None = None
    #: the expected release of the current custody (its latest statement)
    expected: int | None = None
    plans: list[int] = field(default_factory=list)  # days of ReleasePlanValidated
    acks: dict[str, int] = field(default_factory=dict)  # alert code -> latest day
    residence: str | None = None  # the registered residence

    @property
    def territory(self) -> str | None:
        """The territory a counsellor means by the young person's: where the last release
        sent them (the latest address the pathway knows), else the registered residence."""
        return self.release_to if self.release_to is not None else self.residence

    def dump(self) -> list[Any]:
        """A compact JSON-able form (the fields in order)."""
        return [getattr(self, name) for name in SITUATION_FIELDS]

    @classmethod
    def load(cls, values: Sequence[Any]) -> Situation:
        return cls(*values)


SITUATION_FIELDS = tuple(f.name for f in fields(Situation))


def handed_to(
    facts: Sequence[Fact], ack: HandoverAcknowledged.Fact, handed: dict[str, str | None]
) -> str | None:
    """The counsellor named by the handover an acknowledgement answers. A handover
    recorded after its acknowledgement of the same day still counts (as in the rules)."""
    same_day = [
        f
        for f in facts
        if isinstance(f, HandedOver.Fact)
        and f.on == ack.on
        and f.to_organisation == ack.organisation
    ]
    if same_day:
        return same_day[-1].to_counsellor
    return handed.get(ack.organisation or "")


# The fact classes under plain names: `type(fact) is X` on a module global is several
# times faster than `match` or a dotted name, and a read walks every fact of every youth.
_Contact = ContactMade.Fact
_Registered = YouthRegistered.Fact
_Incarcerated = Incarcerated.Fact
_Released = Released.Fact
_ExpectedRelease = ExpectedReleaseChanged.Fact
_Plan = ReleasePlanValidated.Fact
_SupportStarted = SupportStarted.Fact
_Assigned = CounsellorAssigned.Fact
_SupportClosed = SupportClosed.Fact
_HandedOver = HandedOver.Fact
_HandoverAcknowledged = HandoverAcknowledged.Fact
_SupervisionStarted = CommunitySupervisionStarted.Fact
_SupervisionEnded = CommunitySupervisionEnded.Fact
_ProgrammeEntered = ProgrammeEntered.Fact
_SituationStarted = SituationStarted.Fact
_Acknowledged = AlertAcknowledged.Fact

#: The kinds of facts the walk looks at: every fact class it names above. The read
#: model hands a situation these kinds, and the latest contact (`alerts.READS`);
#: tests/unit/test_reads.py fails if the walk names a fact class that is not here.
WALKED: tuple[type[Fact], ...] = tuple(
    value
    for name, value in list(globals().items())
    if name.startswith("_") and isinstance(value, type) and issubclass(value, Fact)
)


def situation(facts: Sequence[Fact]) -> Situation:
    """Walk a youth's effective facts, in life order (`in_life_order`)."""
    state = Situation()
    statements: list[_Statement] = []
    plans, acks = state.plans, state.acks
    handed: dict[str, str | None] = {}  # organisation -> its to_counsellor
    for fact in facts:
        if type(fact) is _Contact:
            state.last_contact = fact.on
        elif type(fact) is _Registered:
            state.registered, state.residence = True, fact.residence
        elif type(fact) is _Incarcerated:
            state.custody_since, state.facility = fact.on, fact.facility
            statements.append(fact)
        elif type(fact) is _Released:
            state.release_on, state.release_to = fact.on, fact.destination
            state.release_custody_since = state.custody_since
            state.custody_since = None
        elif type(fact) is _ExpectedRelease:
            statements.append(fact)
        elif type(fact) is _Plan:
            plans.append(fact.on)
        elif type(fact) is _SupportStarted:
            state.support_open, state.support_since = True, fact.on
            state.organisation, state.counsellor = fact.organisation, fact.counsellor
        elif type(fact) is _Assigned:
            state.organisation, state.counsellor = fact.organisation, fact.counsellor
        elif type(fact) is _SupportClosed:
            state.support_open, state.support_closed_on = False, fact.on
        elif type(fact) is _HandedOver:
            handed[fact.to_organisation or ""] = fact.to_counsellor
        elif type(fact) is _HandoverAcknowledged:
            state.last_handover_ack = fact.on
            state.organisation = fact.organisation
            state.counsellor = handed_to(facts, fact, handed)
        elif type(fact) is _SupervisionStarted:
            state.supervision_since = fact.on
        elif type(fact) is _SupervisionEnded:
            state.supervision_since = None
        elif type(fact) is _ProgrammeEntered or type(fact) is _SituationStarted:
            state.last_entry = fact.on
        elif type(fact) is _Acknowledged and fact.alert is not None:
            acks[fact.alert] = max(acks.get(fact.alert, fact.on), fact.on)
    s = state.custody_since
    if s is not None:
        current = [f for f in statements if f.on >= s]
        if current:
            state.expected = max(current, key=lambda f: (f.on, f.seq)).expected_release_on
    return state
