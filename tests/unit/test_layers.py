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


#: What `pathways record` does not import (modules and packages): the read side (the
#: views, SQLAlchemy); `importlib.metadata` (pydantic's plugin loader imports it:
#: `perf.no_pydantic_plugins`); platformdirs, when the store and the key are given;
#: socket (asked only when a worker is met), shutil (progress bars) and difflib (the
#: names suggested for a mistyped one).
NOT_FOR_A_WRITE = (
    "pathways.projections.views",
    "pathways.projections.caseload",
    "pathways.projections.reads",
    "sqlalchemy",
    "importlib.metadata",
    "platformdirs",
    "socket",
    "shutil",
    "difflib",
)


def _new_store(tmp_path: Path) -> dict[str, str]:
    """A store made by `pathways init` in tmp_path; the environment of a child that
    uses it (as `tester`, its first admin)."""
    import subprocess
    import sys

    from cryptography.fernet import Fernet

    key = tmp_path / "master.key"
    key.write_bytes(Fernet.generate_key())
    key.chmod(0o600)
    env = {
        "PATHWAYS_DB": str(tmp_path / "s.sqlite3"),
        "PATHWAYS_KEY_FILE": str(key),
        "PATHWAYS_ACTOR": "tester",
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path),
    }
    init = [sys.executable, "-c", "from pathways.cli import main; main()", "init"]
    assert subprocess.run(init, check=False, env=env, capture_output=True).returncode == 0
    return env


def test_a_write_does_not_load_the_read_side(tmp_path: Path) -> None:
    """`pathways record` must stay quick to start: opening the store (its schema and
    read-model layout check) and recording import nothing of NOT_FOR_A_WRITE, nor
    derive the layout of every kind of fact."""
    import subprocess
    import sys

    env = _new_store(tmp_path)
    script = (
        "import sys\n"
        "from pathways.cli import main\n"
        "sys.argv = ['pathways', 'record', 'youth-registered', 'Y-2026-0001', '--on',"
        " '2026-01-05', '--birth-date', '2004-02-03', '--residence', 'saint-malo']\n"
        "try:\n"
        "    main()\n"
        "finally:\n"
        f"    loaded = sorted(m for m in sys.modules for n in {NOT_FOR_A_WRITE!r}"
        " if m == n or m.startswith(n + '.'))\n"
        "    print('LOADED', loaded)\n"
        "    from pathways.domain.facts import layout\n"
        "    print('LAYOUTS', layout.cache_info().currsize)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], check=False, env=env, capture_output=True, text=True
    )
    assert "stored: 1 event" in done.stdout, done.stdout + done.stderr
    assert "LOADED []" in done.stdout
    # the read-model layouts of the kinds it writes and walks only, not of every kind
    # of fact (`projections.apply.BANDED`)
    from pathways.domain.events import FACT_TYPES

    derived = int(done.stdout.split("LAYOUTS ")[1].split()[0])
    assert 0 < derived < len(FACT_TYPES) / 2


def test_the_catalogue_s_annotations_are_objects_not_text() -> None:
    """The event modules do not postpone their annotations (`pathways.domain.events`):
    pydantic and the read-model layouts would evaluate them from their text again."""
    import pathways.domain.events as catalogue

    classes = [*catalogue.EVENT_TYPES.values(), *catalogue.FACT_TYPES.values()]
    texts = {
        f"{cls.__module__}.{cls.__qualname__}.{name}"
        for cls in classes
        for name, annotation in vars(cls).get("__annotations__", {}).items()
        if isinstance(annotation, str)
    }
    assert texts == set()


def test_a_caseload_or_alerts_read_loads_neither_sqlalchemy_nor_the_indicators(
    tmp_path: Path,
) -> None:
    """`pathways alerts` and `caseload` must stay quick to start: their queries are
    plain SQL (`projections.views`), and they need neither the indicators nor the youth
    card."""
    import subprocess
    import sys

    env = _new_store(tmp_path)
    script = (
        "import sys\n"
        "from pathways.cli import cli\n"
        "for read in (['record', 'youth-registered', 'Y-2026-0001', '--on', '2026-01-05',"
        " '--birth-date', '2004-02-03', '--residence', 'saint-malo'],"
        " ['caseload', '--as-of', '2026-02-01'], ['alerts', '--as-of', '2026-12-01']):\n"
        "    cli.main(read, standalone_mode=False)\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('sqlalchemy',"
        " 'pathways.domain.outcomes', 'pathways.youth_card')))\n"
        "print('LOADED', loaded)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], check=False, env=env, capture_output=True, text=True
    )
    assert "Y-2026-0001" in done.stdout, done.stdout + done.stderr
    assert "LOADED []" in done.stdout, done.stdout + done.stderr
