"""The organisations' database roles, and row-level security on the read models
(PostgreSQL; `pathways db roles`).

The program keeps who may see whom in its query layer (`pathways.access`). On
PostgreSQL the boundary also holds for someone with only database access (an
organisation's analyst with psql or a BI tool): an organisation's database role,
mapped to its organisation in `pathways_db_roles`, reads

- the rows of the read models (`pw{g}_youth`, `pw{g}_follower`, through the views
  `pathways_youths` and `pathways_followers`, which always name the current
  generation) of the young people whose support organisation is its own; the SPIP's
  role (`spip-35`) those in custody or under community supervision;
- without their sealed personal fields (column privileges);
- never the event log, the keys, the chain or the audit (no privilege at all).

Row-level security is enabled on every generation's tables when they are created,
with two permissive policies: the program's own roles (any role not in the mapping:
the owner, `pathways_app`, `pathways_worker`) see every row, a mapped role the rows
of its organisation. The policies read the mapping once per statement (an init
plan), so they cost nothing per row. A SQLite store is one file: whoever can read
it reads everything, so this is PostgreSQL's only.

The read model keeps, for each youth, the support organisation and whether they
are in custody or under supervision *as the log knows them now* (the situation
walked from all the youth's facts): the same boundary as the program's reads of
today, not of a `--known-at` replay (a replay is the program's, with the rights of
its time).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pathways.domain.errors import PathwaysError
from pathways.domain.reference import PROBATION_SERVICE
from pathways.i18n import _
from pathways.projections.apply import YOUTH_COLUMNS as APPLIED_COLUMNS
from pathways.projections.apply import table_names

if TYPE_CHECKING:
    from pathways.backends.session import Session
    from pathways.store import Store

TABLE = "pathways_db_roles"
#: The stable names a database user reads (views over the current generation).
VIEWS = {"youth": "pathways_youths", "follower": "pathways_followers"}
#: The youth columns a mapped role may read: all but `sealed` (the personal fields,
#: encrypted) and `event_id` (the registration's id in the log).
YOUTH_COLUMNS = tuple(c for c in APPLIED_COLUMNS if c not in ("sealed", "event_id"))
#: A role name we create or grant to: a plain lowercase SQL identifier (nothing to quote,
#: nothing to inject).
ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
#: Roles that are the program's own or PostgreSQL's: never mapped to an organisation.
RESERVED = re.compile(r"pg_.*|pathways_(owner|app|worker|verifier)|postgres|public")


class RoleError(PathwaysError):
    """A database role that cannot be mapped or unmapped."""


@dataclass(frozen=True)
class DbRole:
    role: str
    organisation: str
    added_at: str
    added_by: str
    exists: bool  # the role exists in the server
    login: bool  # it may log in


def supported(session_or_store: Session | Store) -> bool:
    return session_or_store.backend.name == "postgresql"


def create_table(session: Session) -> None:
    """The mapping of database roles to organisations (PostgreSQL only)."""
    if not supported(session):
        return
    session.execute(
        f"CREATE TABLE IF NOT EXISTS {{p}}{TABLE} ("
        " role TEXT PRIMARY KEY, organisation TEXT NOT NULL,"
        " added_at TEXT NOT NULL, added_by TEXT NOT NULL)"
    )


def _names(session: Session, generation: int) -> dict[str, str]:
    return table_names(session.backend.prefix, generation)


def secure_generation(session: Session, generation: int) -> None:
    """Row-level security on a new generation's tables, and the mapped roles' grants."""
    if not supported(session):
        return
    create_table(session)  # a store upgraded from before the roles: the policies read it
    p = session.backend.prefix
    names = _names(session, generation)
    youth, follower = names["youth"], names["follower"]
    # The organisations of the mapped roles the current user is (or is a member of: a
    # role granted a mapped role reads as that role, never more); a mapped role since
    # dropped from the server counts for nobody.
    mine = (
        f"SELECT r.organisation FROM {p}{TABLE} r JOIN pg_catalog.pg_roles g "
        f"ON g.rolname = r.role WHERE pg_has_role(current_user, g.oid, 'MEMBER')"
    )
    for table in (youth, follower):
        session.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        session.execute(
            f"CREATE POLICY pathways_program ON {table} USING (NOT EXISTS ({mine})) "
            f"WITH CHECK (true)"
        )
    session.execute(
        f"CREATE POLICY pathways_organisation ON {youth} FOR SELECT USING ("
        f"organisation IN ({mine}) OR (justice AND '{PROBATION_SERVICE}' IN ({mine})))"
    )
    session.execute(
        f"CREATE POLICY pathways_organisation ON {follower} FOR SELECT USING ("
        f"youth IN (SELECT y.youth FROM {youth} y))"
    )
    for role in _mapped(session):
        _grant_generation(session, role, generation)
    if generation > 1:  # the program's roles keep on the next generation what they had
        before = table_names("", generation - 1)
        for kind, name in table_names("", generation).items():
            _grant_as(session, _grants(session, before[kind]), name)


#: A held privilege: (grantee, None for PUBLIC; privilege; with grant option; the
#: columns it is on, () for the whole table).
Grant = tuple[str | None, str, bool, tuple[str, ...]]
#: What `aclexplode` names on a table or view (and on a column: the first four).
PRIVILEGES = frozenset(
    ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
)


def _grants(session: Session, name: str) -> list[Grant]:
    """The privileges held on one of the schema's tables or views (`name`, bare) by
    roles other than its owner, on the whole of it and on its columns; none when it
    does not exist."""
    table = (
        " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace{join}"
        " WHERE n.nspname = COALESCE(?, current_schema()) AND c.relname = ?"
    )
    rows = session.rows(
        "SELECT g.rolname AS grantee, a.privilege_type AS privilege,"
        " a.is_grantable AS grantable, a.col FROM ("
        " SELECT c.relowner, NULL::name AS col, (aclexplode(c.relacl)).*"
        + table.format(join="")
        + " UNION ALL SELECT c.relowner, t.attname, (aclexplode(t.attacl)).*"
        + table.format(join=" JOIN pg_attribute t ON t.attrelid = c.oid")
        + " AND t.attnum > 0 AND NOT t.attisdropped) a"
        " LEFT JOIN pg_roles g ON g.oid = a.grantee WHERE a.grantee <> a.relowner"
        " ORDER BY a.col",
        (session.backend.schema, name) * 2,
    )
    found: dict[tuple[str | None, str, bool, bool], list[str]] = {}
    for r in rows:  # a privilege on the whole, or on some columns (then gathered)
        key = (r["grantee"], r["privilege"], r["grantable"], r["col"] is None)
        found.setdefault(key, []).extend([] if r["col"] is None else [r["col"]])
    return [(who, what, option, tuple(cols)) for (who, what, option, _), cols in found.items()]


def _grant_as(session: Session, grants: list[Grant], name: str) -> None:
    """`_grants` of another table or view, granted on `name` (bare, in the store's
    schema). Names are quoted as identifiers and sent as they are: a role's name may
    hold any character, `%` and `?` included, which parameters would misread."""
    from psycopg import sql

    schema = session.backend.schema
    target = sql.Identifier(schema, name) if schema else sql.Identifier(name)
    for grantee, privilege, grantable, columns in grants:
        if privilege not in PRIVILEGES:  # (aclexplode's names only: never data)
            continue
        statement = sql.SQL("GRANT {privilege}{columns} ON {target} TO {grantee}{option}").format(
            privilege=sql.SQL(privilege),
            columns=sql.SQL(" ({})").format(sql.SQL(", ").join(map(sql.Identifier, columns)))
            if columns
            else sql.SQL(""),
            target=target,
            grantee=sql.SQL("PUBLIC") if grantee is None else sql.Identifier(grantee),
            option=sql.SQL(" WITH GRANT OPTION" if grantable else ""),
        )
        session.cursor.execute(statement)


def point_views(session: Session, generation: int) -> None:
    """Point the stable views at a generation (when the read models switch to it);
    their invoker's privileges and row-level security apply."""
    if not supported(session):
        return
    p = session.backend.prefix
    names = _names(session, generation)
    for kind, view in VIEWS.items():
        held = _grants(session, view)  # (made again: its grants are given again)
        session.execute(f"DROP VIEW IF EXISTS {p}{view}")
        session.execute(
            f"CREATE VIEW {p}{view} WITH (security_invoker = true) AS "
            f"SELECT {_columns(kind)} FROM {names[kind]}"
        )
        _grant_as(session, held, view)
    for role in _mapped(session):  # (a role mapped while a rebuild ran gets this one too)
        _grant_generation(session, role, generation)
        session.execute(f"GRANT SELECT ON {p}{VIEWS['youth']}, {p}{VIEWS['follower']} TO {role}")


def _columns(kind: str) -> str:
    return ", ".join(YOUTH_COLUMNS) if kind == "youth" else "kind, code, youth"


def _mapped(session: Session) -> list[str]:
    """The mapped roles that exist in the server (one dropped since is granted nothing)."""
    rows = session.rows(
        f"SELECT r.role FROM {{p}}{TABLE} r JOIN pg_catalog.pg_roles g ON g.rolname = r.role "
        f"ORDER BY r.role"
    )
    return [r["role"] for r in rows]


def _grant_generation(session: Session, role: str, generation: int) -> None:
    names = _names(session, generation)
    session.execute(f"GRANT SELECT ({', '.join(YOUTH_COLUMNS)}) ON {names['youth']} TO {role}")
    session.execute(f"GRANT SELECT ON {names['follower']}, {names['log']} TO {role}")


def _current_generation(session: Session) -> int:
    found = session.rows("SELECT generation FROM {p}pw_tracking WHERE name = 'timelines'")
    return int(found[0]["generation"])


def check_role(role: str) -> None:
    if not ROLE_NAME.fullmatch(role):
        msg = _(
            "database role '{role}': a role name here is lowercase letters, digits and "
            "underscores, beginning with a letter or an underscore (at most 63)"
        ).format(role=role)
        raise RoleError(msg)
    if RESERVED.fullmatch(role):
        msg = _(
            "database role '{role}' is PostgreSQL's or the program's own: an organisation "
            "gets a role of its own"
        ).format(role=role)
        raise RoleError(msg)


def _require(store: Store) -> None:
    if not supported(store):
        msg = _(
            "database roles are for a store on PostgreSQL: a SQLite store is one file, and "
            "whoever can read the file reads everything (keep it 0600, see docs/privacy.md)"
        )
        raise RoleError(msg)


def add(store: Store, role: str, organisation: str, by: str, now: str) -> bool:
    """Map a database role to an organisation and grant it the read models' rows of
    that organisation; create the role (LOGIN, no password) if it does not exist.
    Whether it was created."""
    _require(store)
    check_role(role)
    p = store.backend.prefix
    schema = store.backend.schema
    with store.session(write=True, append=False) as session:
        if session.rows(f"SELECT 1 AS x FROM {p}{TABLE} WHERE role = ?", (role,)):
            msg = _("database role '{role}' is already mapped (pathways db roles list)").format(
                role=role
            )
            raise RoleError(msg)
        exists = bool(session.rows("SELECT 1 AS x FROM pg_roles WHERE rolname = ?", (role,)))
        if exists:
            flags = session.rows(
                "SELECT rolsuper OR rolbypassrls AS bypass FROM pg_roles WHERE rolname = ?",
                (role,),
            )
            if flags[0]["bypass"]:
                msg = _(
                    "database role '{role}' is a superuser or bypasses row-level security: "
                    "it would see every row; give the organisation a plain role"
                ).format(role=role)
                raise RoleError(msg)
            log = f'"{schema}".stored_events'
            reads = session.rows("SELECT has_table_privilege(?, ?, 'SELECT') AS reads", (role, log))
            if reads[0]["reads"]:
                msg = _(
                    "database role '{role}' reads the event log (it owns it, is granted it, "
                    "or is a member of a role of the program): it would not be limited to "
                    "an organisation; give the organisation a plain role"
                ).format(role=role)
                raise RoleError(msg)
        else:
            session.execute(f"CREATE ROLE {role} LOGIN")
        session.execute(
            f"INSERT INTO {p}{TABLE} VALUES (?, ?, ?, ?)", (role, organisation, now, by)
        )
        session.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO {role}')
        session.execute(f"GRANT SELECT ON {p}{TABLE}, {p}pw_tracking TO {role}")
        _grant_generation(session, role, _current_generation(session))
        session.execute(f"GRANT SELECT ON {p}{VIEWS['youth']}, {p}{VIEWS['follower']} TO {role}")
    return not exists


def remove(store: Store, role: str) -> None:
    """Unmap a role and take back every privilege it holds in the store's schema (the
    role itself is left: it may serve elsewhere)."""
    _require(store)
    check_role(role)
    p = store.backend.prefix
    schema = store.backend.schema
    with store.session(write=True, append=False) as session:
        if not session.rows(f"SELECT 1 AS x FROM {p}{TABLE} WHERE role = ?", (role,)):
            msg = _("database role '{role}' is not mapped to an organisation here").format(
                role=role
            )
            raise RoleError(msg)
        session.execute(f"DELETE FROM {p}{TABLE} WHERE role = ?", (role,))
        if session.rows("SELECT 1 AS x FROM pg_roles WHERE rolname = ?", (role,)):
            session.execute(f'REVOKE ALL ON ALL TABLES IN SCHEMA "{schema}" FROM {role}')
            session.execute(f'REVOKE USAGE ON SCHEMA "{schema}" FROM {role}')


def listed(store: Store) -> list[DbRole]:
    _require(store)
    rows = store.backend.rows(
        f"SELECT m.role, m.organisation, m.added_at, m.added_by, r.rolname IS NOT NULL AS found,"
        f" COALESCE(r.rolcanlogin, false) AS login FROM {{p}}{TABLE} m"
        f" LEFT JOIN pg_roles r ON r.rolname = m.role ORDER BY m.role"
    )
    return [
        DbRole(r["role"], r["organisation"], r["added_at"], r["added_by"], r["found"], r["login"])
        for r in rows
    ]
