"""A CliRunner bound to one store and one master key: the CLI tests' shell.

The store is created the way a user creates one, with `pathways init`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from pathways.cli import cli
from pathways.crypto import new_master_key

#: The first admin of the tests' stores, the acting user of their commands.
ADMIN = "tester"


class Shell:
    def __init__(self, tmp_path: Path, db: str | None = None) -> None:
        """A new store: a SQLite file in tmp_path, or `db` (a PostgreSQL URL)."""
        self.tmp_path = tmp_path
        self.db = db or str(tmp_path / "store.sqlite3")
        self.env = {
            "PATHWAYS_DB": self.db,
            "PATHWAYS_MASTER_KEY": new_master_key(),
            "PATHWAYS_KEY_FILE": str(tmp_path / "no.key"),
            # every command acts as a known user: the tests act as the store's first admin
            "PATHWAYS_ACTOR": ADMIN,
        }
        self.runner = CliRunner()
        created = self.runner.invoke(cli, ["init", "--admin", ADMIN], env=self.env)
        assert created.exit_code == 0, created.output
        self.baseline = int(json.loads(self.ok("info", "--json"))["events"])

    def add_partners(self) -> None:
        """The users of the access tests: a counsellor of Saint-Malo (c-sm-1) and of We
        Ker (c-wk-1), a CPIP (cp-1) and an analyst (an-1) of the SPIP."""
        self.add_user("c-sm-1", "ml-saint-malo")
        self.add_user("c-wk-1", "we-ker")
        self.add_user("cp-1", "spip-35", "cpip")
        self.add_user("an-1", "spip-35", "analyst")

    def add_user(self, name: str, organisation: str, role: str = "counsellor") -> None:
        """A user of the store (added by the admin)."""
        self.ok("users", "add", name, "--organisation", organisation, "--role", role)
        self.baseline += 1

    def __call__(
        self, *args: str, stdin: str | None = None, env: dict[str, str] | None = None
    ) -> Result:
        return self.runner.invoke(cli, list(args), input=stdin, env={**self.env, **(env or {})})

    def ok(self, *args: str, stdin: str | None = None) -> str:
        result = self(*args, stdin=stdin)
        assert result.exit_code == 0, result.output
        return result.output

    def json(self, *args: str) -> Any:
        return json.loads(self.ok(*args, "--json"))

    def fails(self, *args: str, code: int = 1) -> str:
        result = self(*args)
        assert result.exit_code == code, result.output
        return result.output

    def events(self) -> int:
        """The events stored since the store was made (its users left out)."""
        return int(json.loads(self.ok("info", "--json"))["events"]) - self.baseline

    def load(self, path: Path) -> None:
        self.ok("import", str(path))

    def load_rows(self, rows: list[dict[str, Any]]) -> None:
        path = self.tmp_path / "others.jsonl"
        path.write_text("".join(json.dumps(row) + "\n" for row in rows))
        self.load(path)


def as_(sh: Shell, actor: str, *args: str) -> tuple[int, str]:
    """A command run as another user: its exit code and output."""
    result = sh(*args, env={"PATHWAYS_ACTOR": actor})
    return result.exit_code, result.output
