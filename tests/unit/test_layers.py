"""Dependencies point inward: the read side and the domain do not import the write side."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest

import pathways
from pathways.domain.errors import PathwaysError
from pathways.domain.time import KnownAt, parse_known_at

SRC = Path(pathways.__file__).parent
READ_SIDE = ["domain", "projections", "report", "exports.py", "mining.py"]


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("part", READ_SIDE)
def test_the_read_side_does_not_import_the_write_side(part: str) -> None:
    root = SRC / part
    files = sorted(root.rglob("*.py")) if root.is_dir() else [root]
    offending = {
        str(f.relative_to(SRC)): sorted(
            m for m in _imports(f) if m.startswith("pathways.application")
        )
        for f in files
    }
    assert {k: v for k, v in offending.items() if v} == {}


def test_a_known_at_filters_by_position_only() -> None:
    assert parse_known_at("@7").upto == 7
    moment = parse_known_at("2026-03-01T09:30Z")
    assert moment.moment == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    with pytest.raises(PathwaysError, match="resolve it to a log position"):
        _ = moment.upto
    assert KnownAt(position=0).upto == 0
