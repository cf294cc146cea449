"""The start-up of a command: what `pathways.cli.main` does before the command runs."""

from __future__ import annotations

import subprocess
import sys

REPORT_GC = (
    "import atexit, gc, sys\n"
    "atexit.register(lambda: print('GC', gc.isenabled(), gc.get_freeze_count() > 0))\n"
    "from pathways.cli import main\n"
    "sys.argv = ['pathways', *sys.argv[1:]]\n"
    "main()\n"
)


def _gc_after(*args: str, before: str = "") -> str:
    done = subprocess.run(
        [sys.executable, "-c", before + REPORT_GC, *args],
        check=False,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()[-1]


def test_the_collector_skips_what_start_up_built_and_runs_for_the_command() -> None:
    """Start-up (importing the command's modules) runs with the cyclic collector paused;
    what it built is frozen, and the collector runs again for the command itself."""
    assert _gc_after("record", "contact-made", "--help") == "GC True True"


def test_a_collector_paused_by_the_caller_stays_paused() -> None:
    assert _gc_after("record", "--help", before="import gc; gc.disable()\n") == "GC False False"


def test_a_read_command_runs_with_the_collector_paused_and_resumes_it_after() -> None:
    """A read (`output_options`) builds its rows once and ends: its whole body runs with
    the collector paused, which is resumed after it (an embedding program goes on)."""
    import gc

    import click
    from click.testing import CliRunner

    from pathways.cli.output import output_options

    seen: list[bool] = []

    @click.command()
    @output_options
    def read(fmt: str | None, with_meta: bool) -> None:
        seen.append(gc.isenabled())

    assert gc.isenabled()
    done = CliRunner().invoke(read, ["--json"])
    assert done.exit_code == 0, done.output
    assert seen == [False]
    assert gc.isenabled()


def test_a_read_that_fails_resumes_the_collector_and_one_paused_by_the_caller_stays_so() -> None:
    import gc

    import click
    from click.testing import CliRunner

    from pathways.cli.output import output_options

    seen: list[bool] = []

    @click.command()
    @output_options
    def read(fmt: str | None, with_meta: bool) -> None:
        seen.append(gc.isenabled())
        raise click.ClickException("refused")

    done = CliRunner().invoke(read, [])
    assert done.exit_code == 1
    assert "refused" in done.output
    assert seen == [False]
    assert gc.isenabled()
    gc.disable()
    try:
        CliRunner().invoke(read, [])
        assert seen == [False, False]
        assert not gc.isenabled()
    finally:
        gc.enable()


def _plugin_loader(value: str | None) -> str:
    """What loads pydantic's plugins after `no_pydantic_plugins`, with the variable set
    to `value` (None: not set), and whether `importlib.metadata` was imported."""
    import os

    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    if value is not None:
        env["PYDANTIC_DISABLE_PLUGINS"] = value
    code = (
        "import sys\n"
        "from pathways.perf import no_pydantic_plugins\n"
        "no_pydantic_plugins()\n"
        "from pydantic import BaseModel\n"
        "class Model(BaseModel):\n"
        "    x: int\n"
        "assert Model(x='1').x == 1\n"
        "from pydantic.plugin._loader import get_plugins\n"
        "print(tuple(get_plugins()), 'importlib.metadata' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_pydantic_loads_no_plugin_and_no_package_metadata() -> None:
    """pathways uses no pydantic plugin: its loader is not imported, nor
    `importlib.metadata` with it (~23 ms of each command)."""
    assert _plugin_loader(None) == "() False"
    assert _plugin_loader("__all__") == "() False"


def test_a_user_who_wants_pydantic_plugins_gets_pydantic_s_loader() -> None:
    assert _plugin_loader("") == "() True"
    assert _plugin_loader("some-plugin") == "() True"


def test_pydantic_itself_loads_no_plugin_with_these_values() -> None:
    """The values with which `no_pydantic_plugins` replaces the loader are those with
    which pydantic's own loader loads none (it reads the variable at every call)."""
    import os

    from pydantic.plugin import _loader

    from pathways.perf import NO_PLUGINS

    before = os.environ.get("PYDANTIC_DISABLE_PLUGINS")
    try:
        for value in NO_PLUGINS:
            os.environ["PYDANTIC_DISABLE_PLUGINS"] = value
            assert tuple(_loader.get_plugins()) == ()
    finally:
        if before is None:
            os.environ.pop("PYDANTIC_DISABLE_PLUGINS", None)
        else:
            os.environ["PYDANTIC_DISABLE_PLUGINS"] = before
