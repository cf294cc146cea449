"""docs/deployment.md's roles and grants, run as written on a real server.

The SQL block of "Roles and grants" is read from the document itself (the names of
its roles and schema made unique here): its first statements by the server's admin,
then `pathways init` as the schema's owner, then the rest of the block as that owner.
Each role then does what the document says it does: the owner (who may not create
schemas in the database: only its own schema was made for it) creates the store and
writes a cohort; the offices' role records a step and reads the alerts with no worker
running (its write projects itself and its read catches up); the worker's role keeps
the read models level; the verifier's role checks the chain.
"""

from __future__ import annotations

import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from conftest import POSTGRES_URL, postgres_server
from shell import Shell

pytestmark = pytest.mark.postgres

DOC = Path(__file__).resolve().parents[2] / "docs" / "deployment.md"
BASE = POSTGRES_URL.split("?", 1)[0]
TAG = secrets.token_hex(4)
NAMES = {
    "pathways_owner": f"dep_{TAG}_owner",
    "pathways_worker": f"dep_{TAG}_worker",
    "pathways_app": f"dep_{TAG}_app",
    "pathways_verifier": f"dep_{TAG}_verifier",
    "dd35": f"dep_{TAG}_dd",
}
AFTER_INIT = "-- after `pathways --db"


def documented_grants() -> tuple[str, str]:
    """The SQL block of "Roles and grants": what comes before `init`, and after it."""
    section = DOC.read_text(encoding="utf-8").split("## Roles and grants", 1)[1]
    block = section.split("```sql\n", 1)[1].split("```", 1)[0]
    for name, unique in NAMES.items():
        block = block.replace(name, unique)
    before, after = block.split(AFTER_INIT, 1)
    return before, after.split("\n", 1)[1]


def psql(role: str | None, sql: str) -> None:
    """`sql` run by psql as `role` (None: the server's admin), stopping at an error."""
    params = conninfo_to_dict(BASE)
    conninfo = f"host={params.get('host', '127.0.0.1')} port={params.get('port', 5432)}"
    conninfo += f" dbname={params['dbname']}" + (f" user={role}" if role else "")
    command = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", conninfo]
    done = subprocess.run(
        command, input=sql, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr


def url(role: str) -> str:
    params = conninfo_to_dict(BASE)
    host, port = params.get("host", "127.0.0.1"), params.get("port", 5432)
    return f"postgresql://{role}@{host}:{port}/{params['dbname']}?schema={NAMES['dd35']}"


@pytest.fixture
def roles() -> Iterator[None]:
    postgres_server(psql=True)
    yield
    with psycopg.connect(BASE, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{NAMES["dd35"]}" CASCADE')
        for key in ("pathways_owner", "pathways_worker", "pathways_app", "pathways_verifier"):
            name = NAMES[key]
            if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone():
                conn.execute(f"DROP OWNED BY {name}")
                conn.execute(f"DROP ROLE {name}")


def test_the_documented_roles_each_do_their_part(roles: None, tmp_path: Path) -> None:
    before, after = documented_grants()
    psql(None, before)
    with psycopg.connect(BASE) as conn:  # the owner may not create schemas: only own one
        rights = conn.execute(
            "SELECT has_database_privilege(%s, current_database(), 'CREATE')",
            (NAMES["pathways_owner"],),
        ).fetchone()
    assert rights == (False,)
    owner = Shell(tmp_path, url(NAMES["pathways_owner"]))  # `pathways init` as the owner
    psql(NAMES["pathways_owner"], after)
    owner.ok("demo", "--youth", "5", "--end", "2026-11-30")
    youth = owner.ok("caseload", "--as-of", "2026-11-30", "--csv").splitlines()[1].split(",")[0]

    app = ["--db", url(NAMES["pathways_app"])]
    contact = ["record", "contact-made", youth, "--channel", "phone", "--on"]
    recorded = owner(*app, *contact, "2026-12-01")
    assert recorded.exit_code == 0, recorded.output
    # no worker runs: the offices' read catches the read models up itself
    status = owner(*app, "projections", "status", "--json")
    assert status.exit_code == 0, status.output
    read = owner(*app, "alerts", "--as-of", "2026-12-01")
    assert read.exit_code == 0, read.output
    history = owner(*app, "history", youth)
    assert history.exit_code == 0, history.output
    assert "2026-12-01" in history.output

    assert owner(*app, *contact, "2026-12-02").exit_code == 0
    # the worker as its unit runs it: an admin user of the store of its own, named by
    # PATHWAYS_ACTOR
    owner.ok("users", "add", "worker", "--role", "admin", "--organisation", "spip-35")
    worker = owner(
        "--db", url(NAMES["pathways_worker"]), "projections", "run",
        env={"PATHWAYS_ACTOR": "worker"},
    )  # fmt: skip
    assert worker.exit_code == 0, worker.output
    assert '"lag": 0' in owner(*app, "projections", "status", "--json").output

    verified = owner("--db", url(NAMES["pathways_verifier"]), "verify")
    assert verified.exit_code == 0, verified.output
    assert "the log is intact" in verified.output


def test_a_role_without_the_right_a_command_needs_is_told_so(roles: None, tmp_path: Path) -> None:
    """What a deployer meets (found by a walk through this document): `init` into a
    schema that was not made for the owner says which privilege is missing and where
    the roles are told, and leaves no key behind it; a role that may not append to the
    audit, running as an unknown user, reads its refusal, not only the audit's failure."""
    before, after = documented_grants()
    psql(None, before)
    owner = Shell(tmp_path, url(NAMES["pathways_owner"]))
    psql(NAMES["pathways_owner"], after)

    missing = url(NAMES["pathways_owner"]) + "_other"  # a schema no one made
    keys = tmp_path / "office.key"
    env = {"PATHWAYS_MASTER_KEY": "", "PATHWAYS_KEY_FILE": str(keys), "PATHWAYS_DB": missing}
    made = owner("init", env=env)
    assert made.exit_code == 1, made.output
    assert "permission denied for database" in made.output
    assert f"CREATE SCHEMA {NAMES['dd35']}_other AUTHORIZATION {NAMES['pathways_owner']}" in (
        made.output
    )
    assert not keys.exists()
    assert not keys.with_name("office.chain.key").exists()  # nothing left beside nothing
    assert "key written" not in made.output

    reader = f"dep_{TAG}_reader"  # a role that reads everything and appends nothing
    schema = NAMES["dd35"]
    psql(None, f"CREATE ROLE {reader} LOGIN; GRANT USAGE ON SCHEMA {schema} TO {reader};")
    try:
        psql(NAMES["pathways_owner"], f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {reader};")
        refused = owner("--db", url(reader), "alerts", env={"PATHWAYS_ACTOR": "nobody"})
    finally:
        psql(None, f"DROP OWNED BY {reader}; DROP ROLE {reader};")
    assert refused.exit_code == 1, refused.output
    assert "'nobody' is not a user of this store" in refused.output
    assert "could not be written to the audit log" in refused.output
    assert "permission denied for table" in refused.output
    # a command the role may not run says where the roles are told
    app = ["--db", url(NAMES["pathways_app"])]
    rebuilt = owner(*app, "projections", "rebuild")  # (the owner's: it creates tables)
    assert rebuilt.exit_code == 1, rebuilt.output
    assert "permission denied for schema" in rebuilt.output
    assert 'docs/deployment.md, "Roles and grants"' in rebuilt.output


def test_a_rebuild_keeps_the_grants_without_default_privileges(roles: None, tmp_path: Path) -> None:
    """The block is run once: the next generation's tables, which a rebuild creates, get
    the privileges the roles held on the current one's, and the views made again at
    the switch keep theirs; no default privileges are set, so a table made later (the
    audit's, by an upgrade) gives the offices' role no UPDATE nor DELETE."""
    before, after = documented_grants()
    psql(None, before)
    owner = Shell(tmp_path, url(NAMES["pathways_owner"]))
    psql(NAMES["pathways_owner"], after)
    owner.ok("demo", "--youth", "5", "--end", "2026-11-30")
    youth = owner.ok("caseload", "--as-of", "2026-11-30", "--csv").splitlines()[1].split(",")[0]
    schema, app_role = NAMES["dd35"], NAMES["pathways_app"]
    # a site's own reader, whose name holds what SQL parameters would misread, with a
    # grant on a whole table and one on a column only
    odd = f"dep_{TAG} bi%s?"
    psql(None, f'CREATE ROLE "{odd}"; GRANT USAGE ON SCHEMA {schema} TO "{odd}";')
    psql(
        NAMES["pathways_owner"],
        f'GRANT SELECT ON {schema}.pw1_log TO "{odd}";'
        f' GRANT SELECT (youth) ON {schema}.pw1_youth TO "{odd}";',
    )
    try:
        owner.ok("projections", "rebuild")
        owner.ok("projections", "rebuild")  # (the first generation is dropped by the second)
        with psycopg.connect(BASE) as conn:
            carried = conn.execute(
                "SELECT has_table_privilege(%s, %s, 'SELECT'),"
                " has_column_privilege(%s, %s, 'youth', 'SELECT'),"
                " has_column_privilege(%s, %s, 'organisation', 'SELECT')",
                (odd, f'"{schema}".pw3_log', *(odd, f'"{schema}".pw3_youth') * 2),
            ).fetchone()
    finally:
        psql(None, f'DROP OWNED BY "{odd}"; DROP ROLE "{odd}";')
    assert carried == (True, True, False)  # the whole table, the one column, no more

    def held(table: str) -> set[str]:
        with psycopg.connect(BASE) as conn:
            rows = conn.execute(
                "SELECT p FROM unnest(ARRAY['SELECT','INSERT','UPDATE','DELETE']) p"
                " WHERE has_table_privilege(%s, %s, p)",
                (app_role, f'"{schema}".{table}'),
            ).fetchall()
        return {p for (p,) in rows}

    with psycopg.connect(BASE) as conn:
        generation = conn.execute(
            f"SELECT generation FROM \"{schema}\".pw_tracking WHERE name = 'timelines'"
        ).fetchone()
        defaults = conn.execute(
            "SELECT count(*) FROM pg_default_acl d JOIN pg_namespace n"
            " ON n.oid = d.defaclnamespace WHERE n.nspname = %s",
            (schema,),
        ).fetchone()
    assert generation == (3,)
    assert defaults == (0,)
    for table in ("pw3_youth", "pw3_follower", "pw3_log"):
        assert held(table) == {"SELECT", "INSERT", "UPDATE", "DELETE"}, table
    assert held("pathways_youths") == {"SELECT"}  # (the views: as granted, not more)
    assert held("pathways_audit") == {"SELECT", "INSERT"}

    app = ["--db", url(app_role)]
    recorded = owner(
        *app, "record", "contact-made", youth, "--channel", "phone", "--on", "2026-12-01"
    )
    assert recorded.exit_code == 0, recorded.output
    read = owner(*app, "history", youth)  # (its catch-up writes the third generation)
    assert read.exit_code == 0, read.output
    assert "2026-12-01" in read.output
    assert '"lag": 0' in owner(*app, "projections", "status", "--json").output
