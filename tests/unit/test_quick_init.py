"""`perf.quick_init`: a frozen dataclass built quicker is the same dataclass."""

import dataclasses
import inspect
from datetime import date

import pytest

from pathways.domain.alerts import Alert, CaseloadLine
from pathways.perf import quick_init
from pathways.queries import AlertRow, CaseloadRow


@quick_init
@dataclasses.dataclass(frozen=True)
class Pair:
    first: str
    second: int | None = None


@dataclasses.dataclass(frozen=True)
class Plain:
    first: str
    second: int | None = None


def test_a_quick_frozen_dataclass_behaves_as_a_frozen_dataclass() -> None:
    assert inspect.signature(Pair) == inspect.signature(Plain)
    assert Pair("a") == Pair("a", None) == Pair(first="a")
    assert Pair("a", 2) != Pair("a", 3)
    assert hash(Pair("a", 2)) == hash(Pair("a", 2))
    assert repr(Pair("a", 2)) == "Pair(first='a', second=2)"
    assert dataclasses.asdict(Pair("a", 2)) == {"first": "a", "second": 2}
    assert dataclasses.replace(Pair("a", 2), second=5) == Pair("a", 5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        Pair("a").first = "b"  # type: ignore[misc]
    with pytest.raises(TypeError):
        Pair()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Pair("a", 2, 3)  # type: ignore[call-arg]


def test_the_alerts_and_their_rows_are_quick_to_build() -> None:
    for cls in (Alert, CaseloadLine, AlertRow, CaseloadRow):
        assert cls.__init__.__qualname__ == f"{cls.__qualname__}.__init__"
        assert "d = self.__dict__" not in inspect.getsource(cls)  # made, not written
    day = date(2026, 3, 1)
    alert = Alert("Y-1", "contact-lost", day, day, "why")
    assert vars(alert) == {
        "youth": "Y-1",
        "alert": "contact-lost",
        "since": day,
        "anchor": day,
        "reason": "why",
    }


def test_a_dataclass_with_slots_or_factories_is_refused() -> None:
    with pytest.raises(TypeError):
        quick_init(dataclasses.dataclass(frozen=True, slots=True)(type("S", (), {})))

    @dataclasses.dataclass(frozen=True)
    class Listed:
        items: list[int] = dataclasses.field(default_factory=list)

    with pytest.raises(TypeError):
        quick_init(Listed)
