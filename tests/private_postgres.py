"""A PostgreSQL cluster of the tests' own, that they may stop and start again.

The shared server (PATHWAYS_TEST_POSTGRES) serves other tests at the same time: a test
that restarts the server needs one that nobody else uses. `PrivateServer` makes one
with `initdb` in a temporary folder (trust authentication, a free port on 127.0.0.1,
its socket in that folder), runs it with `pg_ctl`, and removes it at the end.

PostgreSQL refuses to run as root: as root, `initdb`, `pg_ctl` (and the server they
start) run as the `postgres` user, through `runuser`, in a folder that user owns.
Where the programs, or that user, are missing, `PrivateServer.unavailable()` says why
(the tests then skip; under PATHWAYS_REQUIRE_POSTGRES=1 they fail instead).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

#: Seconds `pg_ctl` waits for the server to start or to stop.
WAIT = 60
#: The OS user that runs the server when the tests run as root.
OS_USER = "postgres"


def _bin_dir() -> Path | None:
    """Where `initdb` and `pg_ctl` are: on the PATH, else Debian's newest
    /usr/lib/postgresql/N/bin."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda path: (
            int(Path(path).parent.parent.name) if Path(path).parent.parent.name.isdigit() else 0
        ),
    )
    if versions and (Path(versions[-1]).parent / "pg_ctl").exists():
        return Path(versions[-1]).parent
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PrivateServer:
    """One cluster: `start()`, `stop(mode)`, `url(schema)`, `remove()`."""

    def __init__(self) -> None:
        bin_dir = _bin_dir()
        assert bin_dir is not None, PrivateServer.unavailable()
        self.bin = bin_dir
        self.as_root = os.geteuid() == 0
        # /tmp rather than pytest's tmp_path: as root that one is in a folder (mode 0700)
        # that the postgres user cannot enter; and the socket's path must stay short.
        self.home = Path(tempfile.mkdtemp(prefix="pw-pg-", dir="/tmp" if self.as_root else None))
        if self.as_root:
            user = pwd.getpwnam(OS_USER)
            os.chown(self.home, user.pw_uid, user.pw_gid)
        self.data = self.home / "data"
        self.log = self.home / "server.log"
        self.port = _free_port()
        self.running = False
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust",
            "-E", "UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip

    @staticmethod
    def unavailable() -> str | None:
        """Why no private cluster can be made here (None: one can)."""
        if _bin_dir() is None:
            return "no initdb and pg_ctl (on the PATH or in /usr/lib/postgresql/*/bin)"
        if os.geteuid() == 0:
            if shutil.which("runuser") is None:
                return "running as root, and no runuser to run initdb as another user"
            try:
                pwd.getpwnam(OS_USER)
            except KeyError:
                return f"running as root, and no {OS_USER!r} user to run initdb as"
        return None

    def url(self, schema: str, **params: str) -> str:
        """A `--db` URL of a store in `schema` of this cluster's `postgres` database."""
        extra = "".join(f"&{name}={value}" for name, value in params.items())
        return f"{self.base}?schema={schema}{extra}"

    def display(self, url: str) -> str:
        """How the program names a URL of this cluster (without its user)."""
        return url.replace("postgresql://postgres@", "postgresql://", 1)

    @property
    def base(self) -> str:
        """The connection string of its `postgres` database (for psycopg)."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.home} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off"  # (a test's cluster: nothing to keep)
        )
        self._run(
            "pg_ctl", "start", "-D", str(self.data), "-l", str(self.log), "-w",
            "-t", str(WAIT), "-o", options,
        )  # fmt: skip
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        """`pg_ctl stop -m MODE`: `fast` ends the sessions and shuts down cleanly;
        `immediate` quits at once, as a crash does (the next start recovers from the
        write-ahead log)."""
        self._run("pg_ctl", "stop", "-D", str(self.data), "-m", mode, "-w", "-t", str(WAIT))
        self.running = False

    def remove(self) -> None:
        if self.running:
            with contextlib.suppress(Exception):
                self.stop("immediate")
        shutil.rmtree(self.home, ignore_errors=True)

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin / program), *args]
        if self.as_root:
            command = ["runuser", "-u", OS_USER, "--", *command]
        done = subprocess.run(
            command,
            cwd=self.home,  # (a folder the postgres user may enter)
            capture_output=True,
            text=True,
            timeout=WAIT + 30,
            check=False,
        )
        if done.returncode != 0:
            log = self.log.read_text()[-2000:] if self.log.exists() else ""
            msg = f"{' '.join(command)} failed ({done.returncode}): {done.stderr}\n{log}"
            raise RuntimeError(msg)
