"""What the report tests share: reading the HTML, and running headless Chromium.

Chromium is Debian's `chromium` ($PATHWAYS_CHROMIUM to point elsewhere); the browser
tests are skipped when it is missing, unless $PATHWAYS_REQUIRE_BROWSER is set (CI), in
which case they fail.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("PATHWAYS_CHROMIUM", "/usr/bin/chromium"))
BROWSER_TIMEOUT = 60


class Page(HTMLParser):
    """The report as blocks in document order (headings, tables, figures, paragraphs),
    every tag, and the text a reader sees (neither scripts, styles nor code)."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.blocks: list[tuple[str, Any]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.styles: list[str] = []
        self.visible: list[str] = []
        self._open: dict[str, list[Any]] = {}
        self._attrs: dict[str, str | None] = {}
        self._hidden = 0  # inside a script, a style or a code element
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag in ("h1", "h2", "h3", "td", "th", "text", "script", "style", "table", "figure", "p"):
            self._open[tag] = []
        elif tag == "tr" and "table" in self._open:
            self._open["table"].append([])
        if tag == "script":
            self._attrs = attributes
        if tag in ("script", "style", "code"):
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "code"):
            self._hidden -= 1
        if tag not in self._open:
            return
        content = self._open.pop(tag)
        text = "".join(content).strip() if tag not in ("table", "figure") else ""
        if tag in ("h1", "h2", "h3"):
            self.blocks.append((tag, text))
        elif tag in ("td", "th") and "table" in self._open:
            self._open["table"][-1].append(text)
        elif tag == "text" and "figure" in self._open:
            self._open["figure"].append(text)
        elif tag in ("table", "figure"):
            self.blocks.append((tag, content))
        elif tag == "p":
            self.blocks.append(("p", text))
        elif tag == "script":
            self.scripts.append((self._attrs, "".join(content)))
        elif tag == "style":
            self.styles.append(text)

    def handle_data(self, data: str) -> None:
        for tag in ("h1", "h2", "h3", "td", "th", "text", "script", "style", "p"):
            if tag in self._open:
                self._open[tag].append(data)
        if not self._hidden:
            self.visible.append(data)

    def text(self) -> str:
        """Everything a reader sees, charts' text included."""
        return " ".join(" ".join(self.visible).split())

    def island(self) -> dict[str, Any]:
        found = [(a, s) for a, s in self.scripts if a.get("id") == "pathways-figures"]
        assert len(found) == 1
        assert found[0][0] == {"type": "application/json", "id": "pathways-figures"}
        data: dict[str, Any] = json.loads(found[0][1])
        return data

    def section(self, title: str) -> list[tuple[str, Any]]:
        """The blocks under the h2 `title`, up to the next h2."""
        start = self.blocks.index(("h2", title))
        rest = self.blocks[start + 1 :]
        end = next((i for i, (kind, _) in enumerate(rest) if kind == "h2"), len(rest))
        return rest[:end]

    def by_heading(self, title: str) -> dict[str, dict[str, Any]]:
        """In a section: h3 -> its first table (as {first cell: row}) and figure texts."""
        found: dict[str, dict[str, Any]] = {}
        current = None
        for kind, content in self.section(title):
            if kind == "h3":
                current = found.setdefault(content, {})
            elif current is not None and kind not in current:
                current[kind] = {row[0]: row for row in content[1:]} if kind == "table" else content
        return found

    def h2(self) -> list[str]:
        return [text for kind, text in self.blocks if kind == "h2"]


@dataclass
class Browsed:
    returncode: int
    stdout: str
    stderr: str

    def console(self) -> list[str]:
        """What the page wrote to the console (chromium logs it as `INFO:CONSOLE...`).

        Chromium's own noise (D-Bus, GPU, sandbox warnings) never carries these markers.
        """
        return [
            line for line in self.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line
        ]


def chromium() -> Path:
    """The browser, or the test is skipped (failed under $PATHWAYS_REQUIRE_BROWSER)."""
    if not CHROMIUM.exists():
        message = f"no browser at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("PATHWAYS_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


def browse(browser: Path, profile: Path, *args: str) -> Browsed:
    """Run headless Chromium once, with a fresh profile; killed (all of it) after 60 s."""
    command = [
        str(browser),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
        f"--user-data-dir={profile}",
        *args,
    ]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=BROWSER_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        pytest.fail(f"chromium did not finish in {BROWSER_TIMEOUT} s:\n{stderr[-3000:]}")
    assert process.returncode == 0, stderr[-3000:]
    return Browsed(process.returncode, stdout, stderr)


class Dom(HTMLParser):
    """A page as Chromium left it (`--dump-dom`): its elements and their attributes."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def root(self) -> dict[str, str | None]:
        return next(attributes for tag, attributes in self.elements if tag == "html")
