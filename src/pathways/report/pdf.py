"""The report as a PDF: the same HTML page, printed by headless Chromium.

Chromium lays the page out with its print styles (A4, one section per page,
no chart or table row cut in two) exactly as a reader's "Print" would. It is
not a dependency: `find_browser` names it, or says plainly that there is none,
before anything is computed or written.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from pathways.domain.errors import PrintError
from pathways.i18n import _

#: Where the browser is looked for, in this order, when none is named.
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: A large report prints in a few seconds; a browser that hangs is stopped after this.
TIMEOUT = 120
FLAGS = (
    "--headless",
    # Chromium refuses to run as root without it; the page is our own file, under a
    # policy that forbids every load, and its only script reads the page.
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    "--no-pdf-header-footer",  # no date, file path or page title printed in the margins
    "--print-to-pdf-no-header",  # the same, for Chromium before 111
)


def find_browser(named: str | None = None) -> str:
    """The browser that prints: the one named (a path or a command), else the first of
    CANDIDATES on PATH. PrintError when there is none, saying what to do."""
    if named:
        found = shutil.which(named)
        if found is None:
            msg = _(
                "--chromium {named}: no such program (give the path of Chromium "
                "or Google Chrome, or a command on PATH). No report was written."
            ).format(named=named)
            raise PrintError(msg)
        return found
    for candidate in CANDIDATES:
        found = shutil.which(candidate)
        if found is not None:
            return found
    msg = _(
        "--format pdf needs Chromium (or Google Chrome) to print the report, and "
        "none was found on PATH ({join}). Install it (apt-get install chromium), "
        "or give its path with --chromium or $PATHWAYS_CHROMIUM; or write the "
        "HTML report and print it from a browser. No report was written."
    ).format(join=", ".join(CANDIDATES))
    raise PrintError(msg)


def print_pdf(document: str, browser: str, timeout: float = TIMEOUT) -> bytes:
    """The PDF of an HTML document, printed by `browser` with a fresh profile."""
    with tempfile.TemporaryDirectory(prefix="pathways-pdf-") as folder:
        page = Path(folder) / "report.html"
        page.write_text(document, encoding="utf-8")
        target = Path(folder) / "report.pdf"
        command = [
            browser,
            *FLAGS,
            f"--user-data-dir={Path(folder) / 'profile'}",
            f"--print-to-pdf={target}",
            page.as_uri(),
        ]
        stderr = _run(command, timeout, browser)
        printed = target.read_bytes() if target.exists() else b""
        if not printed.startswith(b"%PDF-"):
            last = stderr.strip().splitlines()[-1:] or ["no message"]
            msg = _("{browser} did not print the report ({value}). No report was written.").format(
                browser=browser, value=last[0]
            )
            raise PrintError(msg)
        return printed


def _run(command: list[str], timeout: float, browser: str) -> str:
    """Run the browser in its own process group, so that a timeout or an interruption
    stops it and every process it started."""
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        _, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(process)
        msg = _(
            "{browser} did not print the report within {timeout:.0f} s. No report was written."
        ).format(browser=browser, timeout=timeout)
        raise PrintError(msg) from None
    except BaseException:
        _stop(process)
        raise
    return stderr


def _stop(process: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate()
