"""What a walk through a youth's timeline learns for the alerts and the caseload line
(`pathways.domain.alerts`): the support, the custody, the supervision, the last release,
contact and entry, the release statements, the plans and the acknowledgements.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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
Statement = Incarcerated.Fact | ExpectedReleaseChanged.Fact


@dataclass
class State:
    """What a walk through the timeline learns, as of the day (days as ordinals)."""

    registered: bool = False
    support_open: bool = False
    support_since: int | None = None
    support_closed_on: int | None = None  # the last closure
    organisation: str | None = None
    counsellor: str | None = None
    custody_since: int | None = None
    facility: str | None = None
    supervision_since: int | None = None
    release: Released.Fact | None = None  # the last release
    release_custody_since: int | None = None
    last_contact: int | None = None
    last_entry: int | None = None  # ProgrammeEntered or SituationStarted
    last_handover_ack: int | None = None


def _handed_to(
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


def walk(
    facts: Sequence[Fact],
) -> tuple[State, list[Statement], list[ReleasePlanValidated.Fact], dict[str, int]]:
    state = State()
    statements: list[Statement] = []
    plans: list[ReleasePlanValidated.Fact] = []
    acks: dict[str, int] = {}
    handed: dict[str, str | None] = {}  # organisation -> its to_counsellor
    for fact in facts:
        if type(fact) is _Contact:
            state.last_contact = fact.on
        elif type(fact) is _Registered:
            state.registered = True
        elif type(fact) is _Incarcerated:
            state.custody_since, state.facility = fact.on, fact.facility
            statements.append(fact)
        elif type(fact) is _Released:
            state.release, state.release_custody_since = fact, state.custody_since
            state.custody_since = None
        elif type(fact) is _ExpectedRelease:
            statements.append(fact)
        elif type(fact) is _Plan:
            plans.append(fact)
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
            state.counsellor = _handed_to(facts, fact, handed)
        elif type(fact) is _SupervisionStarted:
            state.supervision_since = fact.on
        elif type(fact) is _SupervisionEnded:
            state.supervision_since = None
        elif type(fact) is _ProgrammeEntered or type(fact) is _SituationStarted:
            state.last_entry = fact.on
        elif type(fact) is _Acknowledged and fact.alert is not None:
            acks[fact.alert] = max(acks.get(fact.alert, fact.on), fact.on)
    return state, statements, plans, acks
