"""Who may see whom, in the database too (issue 12 item 3): an organisation's database
role, connected with psql, reads the read models' rows of its own young people and
nothing else: no other organisation's row, no event, no key, no chain, no audit, no
sealed field; the boundary follows a change of Mission Locale and a rebuild.

The expected rows are worked out from each youth's event stream (the program's own
boundary, `access.situation_at`), not from the read model the roles read."""

from __future__ import annotations

import json
import secrets
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from conftest import POSTGRES_URL, _drop_schema, _postgres_url, postgres_server
from pathways.access import situation_at
from pathways.domain.reference import PROBATION_SERVICE
from pathways.store import open_store
from shell import Shell

pytestmark = pytest.mark.postgres

BASE = POSTGRES_URL.split("?", 1)[0]
TAG = secrets.token_hex(4)
#: the organisations given a database role here, and their roles
ROLES = {
    "ml-redon": f"rls_{TAG}_redon",
    "we-ker": f"rls_{TAG}_weker",
    PROBATION_SERVICE: f"rls_{TAG}_spip",
}
#: the other roles the tests make (dropped at the end)
EXTRA = ("super", "x", "user", "member", "reader", "gone")
FORBIDDEN = (
    "stored_events",
    "pathways_keys",
    "pathways_chain",
    "pathways_audit",
    "pathways_meta",
    "pathways_event_ids",
    "pathways_schema",
)


def _drop_roles(names: list[str]) -> None:
    with psycopg.connect(BASE, autocommit=True) as conn:
        for name in names:
            if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone():
                conn.execute(f"DROP OWNED BY {name}")
                conn.execute(f"DROP ROLE {name}")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Shell, str]]:
    """A PostgreSQL store with a demo cohort of 60 youths, and a role per organisation."""
    postgres_server(psql=True)
    schema = f"t_rls_{TAG}"
    sh = Shell(tmp_path_factory.mktemp("rls"), _postgres_url(schema))
    try:
        sh.ok("demo", "--youth", "60", "--end", "2026-11-30")
        for organisation, role in ROLES.items():
            out = sh.ok("db", "roles", "add", role, "--organisation", organisation)
            assert f"database role {role} reads the rows of {organisation}" in out
        yield sh, schema
    finally:
        _drop_schema(schema)
        _drop_roles([*ROLES.values(), *(f"rls_{TAG}_{x}" for x in EXTRA)])


def psql(role: str, sql: str) -> subprocess.CompletedProcess[str]:
    """`sql` run by psql, connected as `role` (trust authentication here)."""
    params = conninfo_to_dict(BASE)
    conninfo = (
        f"host={params.get('host', '127.0.0.1')} port={params.get('port', 5432)} "
        f"dbname={params['dbname']} user={role}"
    )
    command = ["psql", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", conninfo, "-c", sql]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def seen(role: str, sql: str) -> list[str]:
    found = psql(role, sql)
    assert found.returncode == 0, found.stderr
    return [line for line in found.stdout.splitlines() if line]


def expected(sh: Shell, schema: str) -> dict[str, set[str]]:
    """The youths each organisation's role may read, from the event streams: the
    support organisation of a youth's whole timeline (a Mission Locale), in custody or
    under supervision (the SPIP)."""
    with psycopg.connect(BASE) as conn:  # the youths of the store (as its owner)
        youths = [r[0] for r in conn.execute(f"SELECT youth FROM {schema}.pathways_youths")]
    found: dict[str, set[str]] = {organisation: set() for organisation in ROLES}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATHWAYS_MASTER_KEY", sh.env["PATHWAYS_MASTER_KEY"])
        store = open_store(sh.db, create=False)
    try:
        for youth in youths:
            state = situation_at(store.load(store.stream_id(youth)), date(2100, 1, 1))
            if state.organisation in found:
                found[state.organisation].add(youth)
            if state.custody_since is not None or state.supervision_since is not None:
                found[PROBATION_SERVICE].add(youth)
    finally:
        store.close()
    return found


def test_each_role_reads_exactly_its_organisations_youths(store: tuple[Shell, str]) -> None:
    sh, schema = store
    want = expected(sh, schema)
    for organisation, role in ROLES.items():
        got = set(seen(role, f"SELECT youth FROM {schema}.pathways_youths"))
        assert want[organisation], organisation  # the demo gives each some youths
        assert got == want[organisation], organisation
        followers = set(seen(role, f"SELECT DISTINCT youth FROM {schema}.pathways_followers"))
        assert followers
        assert followers <= got
    assert not want["ml-redon"] & want["we-ker"]


def test_a_role_reads_no_event_key_chain_audit_nor_sealed_field(store: tuple[Shell, str]) -> None:
    _, schema = store
    role = ROLES["ml-redon"]
    generation = seen(role, f"SELECT generation FROM {schema}.pw_tracking")[0]
    for table in FORBIDDEN:
        refused = psql(role, f"SELECT * FROM {schema}.{table} LIMIT 1")
        assert refused.returncode != 0, table
        assert "permission denied" in refused.stderr, table
    for sql in (
        f"SELECT sealed FROM {schema}.pw{generation}_youth",
        f"SELECT event_id FROM {schema}.pw{generation}_youth",
        f"UPDATE {schema}.pw{generation}_youth SET organisation = 'ml-redon'",
        f"DELETE FROM {schema}.pw{generation}_follower",
        f"INSERT INTO {schema}.pathways_db_roles VALUES ('x', 'we-ker', 'now', 'me')",
        f"UPDATE {schema}.pathways_db_roles SET organisation = 'we-ker'",
        "SET ROLE pathways_app",
    ):
        refused = psql(role, sql)
        assert refused.returncode != 0, sql
    # turning row security off is refused to a role it applies to, not ignored
    off = psql(role, f"SET row_security = off; SELECT count(*) FROM {schema}.pathways_youths")
    assert off.returncode != 0
    assert "row-level security" in off.stderr
    # the tables of the current generation hold the same boundary as the views
    direct = set(seen(role, f"SELECT youth FROM {schema}.pw{generation}_youth"))
    assert direct == set(seen(role, f"SELECT youth FROM {schema}.pathways_youths"))


def test_the_boundary_follows_a_change_of_mission_locale_and_a_rebuild(
    store: tuple[Shell, str],
) -> None:
    sh, schema = store
    redon, weker = ROLES["ml-redon"], ROLES["we-ker"]
    moved = sorted(seen(redon, f"SELECT youth FROM {schema}.pathways_youths"))[0]
    sh.ok(
        "record", "counsellor-assigned", moved, "--on", "2026-11-30",
        "--organisation", "we-ker", "--counsellor", "c-wk-01",
    )  # fmt: skip
    assert moved not in seen(redon, f"SELECT youth FROM {schema}.pathways_youths")
    assert moved in seen(weker, f"SELECT youth FROM {schema}.pathways_youths")
    before = {
        role: set(seen(role, f"SELECT youth FROM {schema}.pathways_youths"))
        for role in ROLES.values()
    }
    sh.ok("projections", "rebuild")
    sh.ok("projections", "rebuild")  # the generation before the previous one is dropped
    for role, youths in before.items():
        assert set(seen(role, f"SELECT youth FROM {schema}.pathways_youths")) == youths
    assert before == {ROLES[o]: y for o, y in expected(sh, schema).items()}


def test_a_removed_role_reads_nothing(store: tuple[Shell, str]) -> None:
    sh, schema = store
    role = f"rls_{TAG}_x"
    sh.ok("db", "roles", "add", role, "--organisation", "ml-vitre")
    assert seen(role, f"SELECT count(*) FROM {schema}.pathways_youths") != ["0"]
    listed = [json.loads(line) for line in sh.ok("db", "roles", "list", "--json").splitlines()]
    assert {"role": role, "organisation": "ml-vitre"}.items() <= next(
        r for r in listed if r["role"] == role
    ).items()
    assert "reads nothing of this store" in sh.ok("db", "roles", "remove", role)
    refused = psql(role, f"SELECT count(*) FROM {schema}.pathways_youths")
    assert refused.returncode != 0
    assert "permission denied" in refused.stderr
    assert role not in sh.ok("db", "roles", "list")


@pytest.mark.parametrize(
    ("role", "organisation", "code", "message"),
    [
        ("x; DROP TABLE y", "ml-redon", 1, "lowercase letters, digits and underscores"),
        ('x"y', "ml-redon", 1, "lowercase letters, digits and underscores"),
        ("pathways_app", "ml-redon", 1, "the program's own"),
        ("postgres", "ml-redon", 1, "the program's own"),
        (f"rls_{TAG}_y", "nowhere", 2, "unknown organisation 'nowhere'"),
    ],
)
def test_a_bad_role_or_organisation_is_refused_and_nothing_changes(
    store: tuple[Shell, str], role: str, organisation: str, code: int, message: str
) -> None:
    sh, _ = store
    before = sh.ok("db", "roles", "list"), _roles(role)
    out = sh.fails("db", "roles", "add", role, "--organisation", organisation, code=code)
    assert message in out
    assert (sh.ok("db", "roles", "list"), _roles(role)) == before


def _roles(role: str) -> list[str]:
    """The roles of this module and the role named (none created, none dropped by a
    refusal); other test runs may share the server and make roles of their own."""
    with psycopg.connect(BASE) as conn:
        rows = conn.execute(
            "SELECT rolname FROM pg_roles WHERE rolname = %s OR rolname LIKE %s ORDER BY 1",
            (role, f"rls_{TAG}_%"),
        )
        return [r[0] for r in rows]


def test_a_role_that_bypasses_row_security_is_refused(store: tuple[Shell, str]) -> None:
    sh, _ = store
    role = f"rls_{TAG}_super"
    with psycopg.connect(BASE, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN BYPASSRLS")
    out = sh.fails("db", "roles", "add", role, "--organisation", "ml-redon")
    assert "bypasses row-level security" in out
    assert role not in sh.ok("db", "roles", "list")


def test_only_an_admin_maps_roles(store: tuple[Shell, str]) -> None:
    sh, _ = store
    sh.add_user(f"c-{TAG}", "ml-redon")
    refused = sh("db", "roles", "add", f"rls_{TAG}_z", "--organisation", "ml-redon",
                 env={"PATHWAYS_ACTOR": f"c-{TAG}"})  # fmt: skip
    assert refused.exit_code != 0
    assert "`pathways db roles`" in refused.output
    assert f"rls_{TAG}_z" not in sh.ok("db", "roles", "list")


def test_a_sqlite_store_has_no_database_roles(tmp_path: Path) -> None:
    sh = Shell(tmp_path)
    out = sh.fails("db", "roles", "add", "ml_redon_bi", "--organisation", "ml-redon")
    assert "database roles are for a store on PostgreSQL" in out


def test_a_database_role_that_is_a_user_acts_as_that_user(store: tuple[Shell, str]) -> None:
    """On PostgreSQL the database role maps to the user (issue 12 item 1): connected as a
    role that is a user of the store, one acts as that user and no other, audited."""
    sh, schema = store
    role = f"rls_{TAG}_user"
    sh.add_user(role, "we-ker")
    with psycopg.connect(BASE, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN")
        conn.execute(f"GRANT USAGE ON SCHEMA {schema} TO {role}")
        conn.execute(f"GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA {schema} TO {role}")
        conn.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {role}")
    url = sh.db.replace("postgres@", f"{role}@", 1)
    assert f"{role}@" in url
    refused = sh(
        "caseload", "--organisation", "we-ker", "--actor", "tester", env={"PATHWAYS_DB": url}
    )
    assert refused.exit_code != 0
    assert f"you are connected to the database as '{role}', a user of this store" in refused.output
    mine = sh("caseload", "--organisation", "we-ker", "--actor", role, env={"PATHWAYS_DB": url})
    assert mine.exit_code == 0, mine.output
    rows = json.loads(sh.ok("audit", "--actor", "tester", "--json"))
    assert [r for r in rows if r["detail"] == "AccessRefused: another database user"]


def test_a_member_of_a_mapped_role_reads_as_that_role(store: tuple[Shell, str]) -> None:
    """`GRANT ml_redon_bi TO alice`: alice inherits the role's privileges, and its
    boundary with them, never every row (review finding)."""
    sh, schema = store
    member = f"rls_{TAG}_member"
    with psycopg.connect(BASE, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {member} LOGIN IN ROLE {ROLES['ml-redon']}")
    mine = set(seen(member, f"SELECT youth FROM {schema}.pathways_youths"))
    assert mine == set(seen(ROLES["ml-redon"], f"SELECT youth FROM {schema}.pathways_youths"))
    assert mine == expected(sh, schema)["ml-redon"]


def test_a_role_that_reads_the_log_is_not_mapped(store: tuple[Shell, str]) -> None:
    sh, schema = store
    role = f"rls_{TAG}_reader"
    with psycopg.connect(BASE, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN")
        conn.execute(f"GRANT USAGE ON SCHEMA {schema} TO {role}")
        conn.execute(f"GRANT SELECT ON {schema}.stored_events TO {role}")
    out = sh.fails("db", "roles", "add", role, "--organisation", "ml-redon")
    assert "reads the event log" in out
    assert role not in sh.ok("db", "roles", "list")


def test_a_mapped_role_dropped_from_the_server_does_not_stop_a_rebuild(
    store: tuple[Shell, str],
) -> None:
    sh, schema = store
    role = f"rls_{TAG}_gone"
    sh.ok("db", "roles", "add", role, "--organisation", "ml-vitre")
    _drop_roles([role])
    sh.ok("projections", "rebuild")
    listed = sh.ok("db", "roles", "list")
    assert "(no such role in the server)" in listed
    assert listed.splitlines()[0].split() == ["role", "organisation", "added"]  # a header
    for organisation, mapped in ROLES.items():  # the others read as before
        got = set(seen(mapped, f"SELECT youth FROM {schema}.pathways_youths"))
        assert got == expected(sh, schema)[organisation]
    sh.ok("db", "roles", "remove", role)
