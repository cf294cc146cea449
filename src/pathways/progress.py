"""How long work says how far it is: phases (read, check, write, catch up) and counts.

The application and the read models call a `Progress`; the command line gives
them one that draws a bar on a terminal. The default, `SILENT`, draws nothing:
a call is a no-op method, made once per page or per thousand lines, so it costs
nothing measurable.
"""

from __future__ import annotations

import sys
from typing import Protocol


class Progress(Protocol):
    def phase(self, name: str, total: int | None = None) -> None:
        """A new phase begins (the previous one is over); `total` if it is known."""

    def advance(self, n: int = 1) -> None:
        """`n` more units of the current phase are done."""

    def note(self, text: str) -> None:
        """A line for the user about a delay (e.g. a large catch-up)."""


class Silent:
    """No bar; a note still goes to standard error (it explains a wait)."""

    def phase(self, name: str, total: int | None = None) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass

    def note(self, text: str) -> None:
        print(text, file=sys.stderr, flush=True)


SILENT: Progress = Silent()
