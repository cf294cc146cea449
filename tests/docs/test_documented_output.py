"""What the README and docs/ show is what the program prints (issue 9, point 11).

A fenced block right after a `<!-- run: tour -->` comment is replayed in a fresh
store, the blocks of one file in their order; after `<!-- run: demo -->`, on the
demo store that `make demo` writes (300 young people, seed 35, period ending on
the fixed date of the Makefile). Each `$ ` line is run by bash with the
project's `pathways` first on the PATH; every line shown under it must be a line
of what it printed, in the same order. After `<!-- run: demo python -->`, the
block is Python run by the project's interpreter in the same folder, and the
block that follows it shows what it prints. `<!-- run: demo postgres -->` marks a
block that also needs the local PostgreSQL server of the tests: where none answers
its steps are skipped, said (failed under PATHWAYS_REQUIRE_POSTGRES=1). Only what
changes from run to run is masked: event ids, recording times, pseudonyms and
speeds; the folder the commands run in is shown as `/home/me/pathways-tour`, and
the OS user (the default acting user) is `me`. A shown line holding `...` is an
elision and is not compared. `export NAME=VALUE` lines set the environment of the commands
that follow.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAKEFILE = (ROOT / "Makefile").read_text()
DEMO_END = re.search(r"^DEMO_END \?= (\S+)$", MAKEFILE, re.M).group(1)  # type: ignore[union-attr]
DEMO_YOUTH = re.search(r"^YOUTH \?= (\d+)$", MAKEFILE, re.M).group(1)  # type: ignore[union-attr]
DOCUMENTS = ("README.md", "docs/analysts.md", "docs/alerts.md", "docs/tamper-evidence.md")
SHOWN_FOLDER = "/home/me/pathways-tour"
MARK = re.compile(r"<!-- run: (tour|demo)( python| postgres)? -->")
MASKS = (
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<id>"),
    (re.compile(r"P-[A-Z2-7]{16}"), "<pseudonym>"),  # keyed by the store's master key
    (
        re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?"),
        "<time>",
    ),
    # (numbers as each language writes them: 32,891 and 3.5 in English, 32\u202f891 and
    # 3,5 in French)
    (re.compile(r"\(?[\d,\u202f]+(\.\d+)?/s\)?"), "<rate>"),
    (re.compile(r"\d+([.,]\d+)? s\b"), "<seconds>"),
    (re.compile(r"\d[\d,\u202f]* Ki[Bo]"), "<size>"),  # Kio: the French of KiB
)


@dataclass
class Step:
    document: str
    line: int
    command: str
    shown: list[str]
    postgres: bool = False  # needs the local PostgreSQL server


def steps(document: str, store: str) -> list[Step]:
    """The commands shown in the marked blocks of a document, with what each shows."""
    lines = (ROOT / document).read_text().splitlines()
    found: list[Step] = []
    index = 0
    while index < len(lines):
        mark = MARK.fullmatch(lines[index].strip())
        index += 1
        if mark is None or mark.group(1) != store:
            continue
        assert lines[index].startswith("```"), f"{document}:{index}: a mark must precede a block"
        start = index + 1
        index = _end_of_block(lines, start)
        if mark.group(2) == " python":  # Python, and what it prints in the next block
            code = "\n".join(lines[start:index])
            index += 1
            while not lines[index].strip():
                index += 1
            assert lines[index].startswith("```"), f"{document}:{index}: no output block"
            shown_at = index + 1
            index = _end_of_block(lines, shown_at)
            found.append(Step(document, start, PYTHON + code, lines[shown_at:index]))
            continue
        for number in range(start, index):
            if lines[number].startswith("$ "):
                postgres = mark.group(2) == " postgres"
                found.append(Step(document, number + 1, lines[number][2:], [], postgres))
            elif found and found[-1].line - 1 >= start:
                found[-1].shown.append(lines[number])
    return found


PYTHON = "#python\n"


def _end_of_block(lines: list[str], start: int) -> int:
    index = start
    while not lines[index].startswith("```"):
        index += 1
    return index


def mask(text: str) -> str:
    for pattern, replacement in MASKS:
        text = pattern.sub(replacement, text)
    return " ".join(text.split())


def check(step: Step, output: str) -> None:
    printed = [mask(line) for line in output.splitlines()]
    at = 0
    for shown in step.shown:
        if "..." in shown or not shown.strip():
            continue
        wanted = mask(shown)
        try:
            at = printed.index(wanted, at) + 1
        except ValueError:
            where = f"{step.document}:{step.line}: `{step.command}`"
            pytest.fail(f"{where} does not print\n  {shown}\nIt printed:\n{output}")


class Shell:
    """Commands run one by one in a folder, as a reader types them."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        bin_dir = str(Path(sys.executable).parent)
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("PATHWAYS_")},
            "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            "PATHWAYS_LANG": "en",
            "PATHWAYS_KEY_FILE": str(folder / "no-such.key"),
            # The acting user defaults to the OS user name, shown in exports as `actor`:
            # the reader of the documents is `me`, as their folder is /home/me/...
            "LOGNAME": "me",
            "USER": "me",
            "COLUMNS": "200",
        }

    def run(self, command: str) -> str:
        if command.startswith(PYTHON):
            argv = [sys.executable, "-c", command.removeprefix(PYTHON)]
        else:
            argv = ["bash", "-o", "pipefail", "-c", command]
        if command.startswith("export "):
            for pair in command.removeprefix("export ").split():
                name, _, value = pair.partition("=")
                self.env[name] = value.replace("$PWD", str(self.folder))
            return ""
        done = subprocess.run(
            argv,
            cwd=self.folder,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=300,
            check=False,
        )
        return done.stdout.replace(str(self.folder), SHOWN_FOLDER)


@pytest.fixture(scope="module")
def demo_shell(tmp_path_factory: pytest.TempPathFactory) -> Shell:
    """A folder holding the store that `make demo` writes, in `.demo/`."""
    shell = Shell(tmp_path_factory.mktemp("demo"))
    shell.run("export PATHWAYS_DB=.demo/pathways.sqlite3 PATHWAYS_KEY_FILE=.demo/master.key")
    shell.run("pathways init")
    out = shell.run(f"pathways demo --youth {DEMO_YOUTH} --end {DEMO_END}")
    assert "demo cohort written" in out, out
    return shell


@pytest.mark.parametrize("document", DOCUMENTS)
def test_the_tour_prints_what_the_document_shows(document: str, tmp_path: Path) -> None:
    shell = Shell(tmp_path)
    for step in steps(document, "tour"):
        check(step, shell.run(step.command))


def no_postgres() -> str:
    """Why the PostgreSQL steps cannot run ("" when the tests' server answers)."""
    import psycopg

    from conftest import POSTGRES_URL

    try:
        psycopg.connect(POSTGRES_URL.split("?", 1)[0], connect_timeout=3).close()
    except psycopg.OperationalError as error:
        return f"PostgreSQL not reachable at {POSTGRES_URL}: {error}"
    return ""


@pytest.mark.parametrize("document", DOCUMENTS)
def test_the_demo_prints_what_the_document_shows(document: str, demo_shell: Shell) -> None:
    skipped = ""
    for step in steps(document, "demo"):
        if step.postgres and (skipped or (skipped := no_postgres())):
            continue
        check(step, demo_shell.run(step.command))
    if skipped:
        if os.environ.get("PATHWAYS_REQUIRE_POSTGRES"):
            pytest.fail(skipped)
        pytest.skip(f"{document}: its PostgreSQL steps did not run ({skipped})")


def test_every_document_has_checked_blocks() -> None:
    assert steps("README.md", "tour"), "the README's tour is not checked"
    assert steps("README.md", "demo"), "the README's demo figures are not checked"
    assert steps("docs/analysts.md", "demo"), "docs/analysts.md is not checked"
    assert steps("docs/alerts.md", "demo"), "docs/alerts.md is not checked"
    assert steps("docs/tamper-evidence.md", "tour"), "docs/tamper-evidence.md is not checked"


def test_a_wrong_figure_is_caught() -> None:
    step = Step("README.md", 1, "pathways info", ["events 12"])
    with pytest.raises(pytest.fail.Exception):
        check(step, "events 11\n")
    check(step, "store x\nevents 12\n")


def test_no_test_reads_a_path_outside_the_repository() -> None:
    """A clone with nothing beside it tests itself: the tests own their fixtures. Only the
    optional conformance tests (test_standards.py) look at the folder beside the
    repository, and skip without it."""
    beside = "sha" + "red"  # spelt apart, so that this test does not name it itself
    outside = re.compile(rf"""["']{beside}["']|\.\./{beside}|parents\[\d\]\.parent""")
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "tests").rglob("*.py")
        if path.name != "test_standards.py" and outside.search(path.read_text())
    ]
    assert offenders == []
