"""`pathways report`: the evaluation report, written whole to one HTML (or PDF) file."""

from __future__ import annotations

from datetime import date

import click

from pathways.cli.options import DATE, acting_option, wait_for_option
from pathways.cli.progressbar import finish_progress
from pathways.cli.read import known_at_option
from pathways.cli.receipts import on_interrupt
from pathways.cli.session import open_views
from pathways.i18n import _, decimal, language, number, use


@click.command()
@click.option("--from", "first", type=DATE, required=True, help="First day of the period.")
@click.option("--to", "last", type=DATE, required=True, help="Last day of the period.")
@click.option("--as-of", type=DATE, help="Count only steps dated up to then.")
@known_at_option
@wait_for_option
@click.option(
    "--min-n",
    type=click.IntRange(min=1),
    help="Suppress groups under this size (can raise the store's setting, never lower it).",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True),
    help="Where to write the report.  [default: report.html, or report.pdf with --format pdf]",
)
@click.option(
    "--out", "out", type=click.Path(dir_okay=False, writable=True), hidden=True
)  # the old name of --output, still accepted
@click.option(
    "--lang",
    type=click.Choice(["fr", "en"], case_sensitive=False),
    help="The report's language (default: the command line's: pathways --lang, "
    "$PATHWAYS_LANG, else the locale).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "pdf"]),
    default="html",
    show_default=True,
    help="HTML (opens offline in any browser) or PDF (printed by headless Chromium).",
)
@click.option(
    "--chromium",
    envvar="PATHWAYS_CHROMIUM",
    metavar="PATH",
    help="The browser that prints the PDF (default: $PATHWAYS_CHROMIUM, else chromium or "
    "google-chrome on PATH).",
)
@acting_option
@click.pass_context
def report(
    ctx: click.Context,
    /,
    first: date,
    last: date,
    as_of: date | None,
    known_at: str | None,
    min_n: int | None,
    output: str | None,
    out: str | None,
    lang: str | None,
    fmt: str,
    chromium: str | None,
) -> None:
    """Write the evaluation report: one HTML file, with charts, that opens offline.

    The cohort, every indicator per territory with its interval (releases, and
    community supervision), Kaplan-Meier curves, the trend by quarter, the
    comparison of pilot measures, the caseload and alerts by organisation on the
    last day of the period, and the definitions; names, not codes. In the language
    of the command line, or --lang. No personal data, no individual row; small groups withheld.
    `--format pdf` prints the same page to PDF with headless Chromium.

    \b
    Example:
      pathways report --from 2025-01-01 --to 2025-12-31 -o rapport-2025.html
      pathways report --from 2025-01-01 --to 2025-12-31 --known-at 2026-01-15 --lang en
      pathways report --from 2025-01-01 --to 2025-12-31 --format pdf -o rapport-2025.pdf
    """
    import time

    from pathways.report import gather, render

    if lang is not None:  # the report's language is that of its messages too
        use(lang)
    if last < first:
        msg = _("--to {last} is before --from {first}").format(last=last, first=first)
        raise click.UsageError(msg)
    if out is not None:
        if output is not None:
            raise click.UsageError(_("give --output or --out (its old name), not both"))
        output = out
    output = output or f"report.{fmt}"
    browser = None
    if fmt == "pdf":  # before any work: without a browser there is nothing to write
        from pathways.report.pdf import find_browser

        browser = find_browser(chromium)
    views = open_views(ctx)
    on_interrupt(ctx, lambda: _("no report was written"))
    progress = views.app.progress
    start = time.perf_counter()
    inputs = gather(views, first, last, as_of, known_at, min_n, progress)
    progress.phase("render", 1)
    page = render(inputs, (lang or language()).lower())
    document: str | bytes = page
    if browser is not None:
        from pathways.report.pdf import print_pdf

        document = print_pdf(page, browser)
    progress.advance()
    finish_progress(ctx)
    _write_whole(output, document)
    size = len(document if isinstance(document, bytes) else document.encode()) / 1024
    seconds = time.perf_counter() - start
    click.echo(
        _("report written to {output} ({size} KiB, {seconds} s)").format(
            output=output, size=number(round(size)), seconds=decimal(seconds)
        )
    )


def _write_whole(path: str, content: str | bytes) -> None:
    """Write a file in one go: a temporary file beside it, renamed over it when complete,
    so that an interruption leaves the previous file (or none), never half a report."""
    import os
    import tempfile
    from pathlib import Path

    target = Path(path)
    try:
        descriptor, temporary = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
        )
    except OSError as error:  # name the file asked for, not the temporary one
        raise type(error)(error.errno, error.strerror, path) from None
    try:
        data = content.encode() if isinstance(content, str) else content
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.chmod(temporary, 0o644 & ~_umask())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask
