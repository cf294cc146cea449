"""What a `postgresql://` URL names: libpq's connection parameters and our schema.

The URL means what it means to `psql`: every parameter of its query is libpq's
(`sslmode`, `sslrootcert`, `connect_timeout`, `application_name`, `options`,
`passfile`, `target_session_attrs`...), host lists included, and what it leaves out
takes libpq's defaults and `PG*` environment variables. Our one addition is
`schema`, the PostgreSQL schema of the store (`public` when absent). An unknown
parameter is an error naming it, not a silent default.

psycopg is imported only when a URL is read, not with this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, unquote, urlsplit, urlunsplit

from pathways.domain.errors import StoreError
from pathways.i18n import _

SCHEMA = "schema"
DEFAULT_SCHEMA = "public"
#: Seconds to wait for a connection when the URL does not say (libpq would wait
#: for the operating system's TCP timeout, minutes on an unreachable host).
DEFAULT_CONNECT_TIMEOUT = "10"
#: Parameters never shown (libpq's secrets).
SECRETS = frozenset({"password", "sslpassword", "oauth_client_secret", "sslkeylogfile"})


@dataclass(frozen=True)
class PostgresTarget:
    params: dict[str, Any]  # libpq's keywords, as `psycopg.connect(**params)` takes them
    schema: str


def _query(query: str) -> list[tuple[str, str, str]]:
    """(raw item, name, value) of each `name=value` of a query, percent-decoded as
    libpq decodes them (`+` stays a plus)."""
    found = []
    for raw in query.split("&"):
        if raw:
            name, _, value = raw.partition("=")
            found.append((raw, unquote(name), unquote(value)))
    return found


def _split(url: str) -> SplitResult:
    try:
        return urlsplit(url)
    except ValueError as error:  # e.g. "Invalid IPv6 URL"
        msg = _("--db: not a URL PostgreSQL can read ({error})").format(error=error)
        raise StoreError(msg) from None


def display(url: str) -> str:
    """The URL without its user, password or secret parameters: safe to print."""
    parsed = _split(url)
    kept = [raw for raw, name, _ in _query(parsed.query) if name not in SECRETS]
    netloc = parsed.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parsed._replace(netloc=netloc, query="&".join(kept)))


def schema_of(values: list[str]) -> str:
    """The store's schema, from the URL's `schema=` values; StoreError if unfit."""
    if not values:
        return DEFAULT_SCHEMA
    if len(values) > 1:
        msg = _("--db: schema= is given more than once: give it once")
        raise StoreError(msg)
    schema = values[0]
    if not schema:
        msg = _(
            "--db: schema= is empty: name the store's schema, or leave it out for {DEFAULT_SCHEMA}"
        ).format(DEFAULT_SCHEMA=DEFAULT_SCHEMA)
        raise StoreError(msg)
    if not schema.replace("_", "").isalnum():
        msg = _("--db: schema '{schema}' must be letters, digits and underscores").format(
            schema=schema
        )
        raise StoreError(msg)
    if schema.lower() == "information_schema" or schema.lower().startswith("pg_"):
        msg = _(
            "--db: schema '{schema}' is one of PostgreSQL's own: name a schema of the store"
        ).format(schema=schema)
        raise StoreError(msg)
    return schema


def parse(url: str) -> PostgresTarget:
    """libpq's parameters and the schema of a `postgresql://` URL; StoreError naming
    what is wrong (unknown parameters, a bad schema, a URL libpq cannot read)."""
    import psycopg
    from psycopg import pq
    from psycopg.conninfo import conninfo_to_dict

    parsed = _split(url)
    items = _query(parsed.query)
    known = {option.keyword.decode() for option in pq.Conninfo.get_defaults()}
    unknown = sorted({name for _, name, _ in items if name not in known and name != SCHEMA})
    if unknown:
        names = ", ".join(f"'{name}'" for name in unknown)
        msg = _(
            "--db: unknown parameter(s) {names} in the PostgreSQL URL: it takes "
            "'{SCHEMA}' and libpq's connection parameters (sslmode, "
            "connect_timeout, application_name, options, target_session_attrs...)"
        ).format(names=names, SCHEMA=SCHEMA)
        raise StoreError(msg)
    schema = schema_of([value for _, name, value in items if name == SCHEMA])
    # libpq reads `postgresql://` and `postgres://` URLs, without our parameter.
    libpq_url = urlunsplit(
        parsed._replace(
            scheme="postgresql",
            query="&".join(raw for raw, name, _ in items if name != SCHEMA),
        )
    )
    try:
        params = conninfo_to_dict(libpq_url)
    except psycopg.ProgrammingError as error:
        reason = str(error).replace(libpq_url, display(url))  # (no password shown)
        msg = _("--db: PostgreSQL cannot read this URL ({reason})").format(reason=reason)
        raise StoreError(msg) from None
    params.setdefault("connect_timeout", DEFAULT_CONNECT_TIMEOUT)
    return PostgresTarget({k: str(v) for k, v in params.items()}, schema)
