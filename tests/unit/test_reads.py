"""The kinds of facts a read is handed are the kinds its walk names (issue 10).

The read models hand the alerts and the indicators only the kinds they declare
(`alerts.READS`, `outcomes.READS`): a kind that a walk matches but that is not
declared would make the command line answer wrong while the walk's own tests, which
hand it every fact, pass. So: every fact class named in the code of the walks (as
`Event.Fact`, in a `match`, an `isinstance` or an alias) is declared, and nothing
is declared that no walk names. A new alert or indicator that reads a new kind is
then its walk alone: the declaration follows (alerts) or this test says what to add
(outcomes)."""

from __future__ import annotations

import ast
import importlib
import inspect
from types import ModuleType

import pytest

from pathways.domain import alert_walk, alerts, outcomes
from pathways.domain.events import EVENT_TYPES, Fact

# (the package `outcomes` exports a function `cases`: the modules by their names)
cases, groups, indicators, comparisons = (
    importlib.import_module(f"pathways.domain.outcomes.{name}")
    for name in ("cases", "groups", "indicators", "comparisons")
)

#: The code that walks facts for each read, and what the read declares.
WALKS: dict[str, tuple[tuple[ModuleType, ...], frozenset[type[Fact]]]] = {
    "alerts": ((alert_walk, alerts), frozenset(alerts.READS) | {alerts.CONTACT}),
    "outcomes": ((cases, groups, indicators, comparisons), frozenset(outcomes.READS)),
}


def named_facts(module: ModuleType) -> set[type[Fact]]:
    """The fact classes that a module's code names as `Something.Fact`."""
    found: set[type[Fact]] = set()
    for node in ast.walk(ast.parse(inspect.getsource(module))):
        if not (isinstance(node, ast.Attribute) and node.attr == "Fact"):
            continue
        assert isinstance(node.value, ast.Name), ast.unparse(node)
        owner = getattr(module, node.value.id)
        found.add(owner.Fact)
    return found


@pytest.mark.parametrize("read", sorted(WALKS))
def test_a_read_declares_exactly_the_kinds_its_walk_names(read: str) -> None:
    modules, declared = WALKS[read]
    named = set().union(*(named_facts(m) for m in modules))
    missing = sorted(k.__qualname__ for k in named - declared)
    assert not missing, f"{read}: named by the walk but not declared (READS): {missing}"
    unused = sorted(k.__qualname__ for k in declared - named)
    assert not unused, f"{read}: declared but named by no walk: {unused}"


def test_the_finder_sees_every_form_of_naming() -> None:
    """`named_facts` finds aliases, `match` patterns and `isinstance` alike (so that the
    test above cannot pass by not seeing a form)."""
    assert {EVENT_TYPES["Released"].Fact, EVENT_TYPES["ContactMade"].Fact} <= named_facts(
        alert_walk
    )  # aliases
    assert EVENT_TYPES["RightObtained"].Fact in named_facts(cases)  # a `case` pattern
    assert EVENT_TYPES["EnrolledInMeasure"].Fact in named_facts(cases)  # an isinstance


def test_the_alerts_read_what_the_walk_names() -> None:
    assert set(alerts.READS) == set(alert_walk.WALKED) - {alerts.CONTACT}
    assert alerts.CONTACT in alert_walk.WALKED
