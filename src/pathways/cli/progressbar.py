"""The progress of a long command: a bar per phase on standard error when it is a
terminal (`Bar`), else nothing."""

from __future__ import annotations

import sys
import time

import click

from pathways.progress import SILENT, Progress


def interactive() -> bool:
    """Whether standard error is a terminal (progress bars are drawn only there)."""
    return sys.stderr.isatty()


def progress_for(ctx: click.Context) -> Progress:
    """The command's progress: a bar on a terminal, else nothing (one per command)."""
    root = ctx.find_root()
    settings = root.obj if isinstance(root.obj, dict) else {}
    if "progress" not in settings:
        settings["progress"] = Bar() if interactive() else SILENT
    found: Progress = settings["progress"]
    return found


def finish_progress(ctx: click.Context) -> None:
    """End the bar being drawn, if any (before a final message)."""
    root = ctx.find_root()
    found = root.obj.get("progress") if isinstance(root.obj, dict) else None
    if isinstance(found, Bar):
        found.finish()


#: The unit counted by each phase.
UNITS = {
    "read": "lines",
    "check": "youths",
    "write": "events",
    "catch up": "events",
    "rebuild": "events",
    "load": "events",
    "copy": "events",
    "verify": "events",
}


class Bar:
    """Each phase drawn on one line of standard error: a bar, the count and the rate.

    Nothing is drawn for work that ends within `DELAY` seconds (a single `record`
    has its phases too, and needs no bar). (click.progressbar needs a known length
    and shows no rate; this is all we need.)"""

    WIDTH = 24
    DELAY = 0.5

    def __init__(self) -> None:
        self.name = ""
        self.total: int | None = None
        self.done = 0
        self.started = 0.0
        self.drawn = 0.0
        self.born: float | None = None  # when the first phase began
        self.visible = False  # whether this phase's line is on the screen

    def phase(self, name: str, total: int | None = None) -> None:
        self.finish()
        if total == 0:
            return
        self.name, self.total, self.done = name, total, 0
        self.started = time.perf_counter()
        if self.born is None:
            self.born = self.started
        self.drawn = 0.0
        self._draw()

    def advance(self, n: int = 1) -> None:
        if not self.name:
            return
        self.done += n
        now = time.perf_counter()
        if now - self.drawn >= 0.1:
            self._draw(now)

    def note(self, text: str) -> None:
        self.finish()
        click.echo(text, err=True)

    def finish(self) -> None:
        if self.name and self.visible:
            self._draw(force=True)
            click.echo("", err=True)
        self.name = ""
        self.visible = False

    def _draw(self, now: float | None = None, *, force: bool = False) -> None:
        now = time.perf_counter() if now is None else now
        if not force and now - (self.born or now) < self.DELAY:
            return
        self.visible = True
        self.drawn = now
        seconds = now - self.started
        rate = f"{self.done / seconds:,.0f}/s" if seconds > 0 and self.done else ""
        unit = UNITS.get(self.name, "")
        if self.total:
            filled = min(self.WIDTH, self.WIDTH * self.done // self.total)
            bar = "[" + "#" * filled + "-" * (self.WIDTH - filled) + "]"
            count = f"{self.done:,}/{self.total:,} {unit}"
        else:
            bar, count = "", f"{self.done:,} {unit}"
        line = "  ".join(part for part in (f"{self.name:<9}", bar, count.strip(), rate) if part)
        import shutil  # (drawn on a terminal only: ~2.5 ms to import, with bz2 and lzma)

        width = shutil.get_terminal_size((100, 20)).columns - 1
        click.echo("\r" + line[:width].ljust(width), nl=False, err=True)
