"""What a whole-database (or --schema) dump holds besides its tables, read from the catalog.

One query per object kind for the whole selection, never one per object (design §9): each
`objects_<kind>.sql` returns ObjectRow values whose DDL the server renders (pg_get_viewdef,
pg_get_functiondef, format_type…).  Comments, owners and ACLs come from one query each, and
the ordering facts (pg_depend, and which catalog row stands for which object) from two more;
pgsnap.ddl.order turns it all into the archive's order.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

from pgsnap.catalog.fetch import fetch_as, fetch_column
from pgsnap.catalog.values import (
    CollationRow,
    DependRow,
    NodeRow,
    ObjectAclRow,
    ObjectCommentRow,
    ObjectRow,
)
from pgsnap.connection import Conn
from pgsnap.ddl import objects as render
from pgsnap.ddl.dependencies import collation_definition
from pgsnap.ddl.order import Facts
from pgsnap.errors import PgsnapWarning
from pgsnap.naming import ident

# the kinds read by one query each, in the order pg_dump's sort gives them when nothing else
# decides: queries/objects_<name>.sql
ROW_QUERIES = (
    "schemas",
    "extensions",
    "types",
    "casts",
    "functions",
    "aggregates",
    "operators",
    "opfamilies",
    "opclasses",
    "conversions",
    "text_search",
    "languages",
    "access_methods",
    "transforms",
    "foreign_data_wrappers",
    "foreign_servers",
    "user_mappings",
    "sequences",
    "views",
    "event_triggers",
    "default_privileges",
    "large_objects",
    "system_acls",
)
Reader = Callable[[Conn, "list[str] | None"], list[ObjectRow]]


def _publications(conn: Conn, schemas: list[str] | None) -> list[ObjectRow]:
    """Publications: PostgreSQL 14 has no schemas in them, no column lists, no row filters."""
    name = "publications" if conn.info.server_version >= PG15 else "publications_14"
    return _rows(conn, name, schemas)


def _foreign_tables(conn: Conn, schemas: list[str] | None) -> list[ObjectRow]:
    """Foreign tables, and those that are partitions (created as partitions of their table:
    catalog/tables.py leaves them out of its partitions)."""
    return _rows(conn, "foreign_tables", schemas) + _rows(conn, "foreign_partitions", schemas)


PG15 = 150000
# kinds read by Python code of their own
EXTRA_READERS: list[Reader] = [_publications, _foreign_tables]


def read_facts(conn: Conn, *, schemas: Sequence[str] | None) -> Facts:
    """Every object of the database (or of `schemas`), with its comments, owner and ACL
    statements, and what the ordering needs.  Call inside the dump's snapshot."""
    wanted = None if schemas is None else list(schemas)
    rows = [r for q in ROW_QUERIES for r in _rows(conn, q, wanted)]
    if schemas is not None:
        rows = [r for r in rows if r.kind != "extension"]  # pg_dump -n leaves them out too
    rows += _collations(conn, wanted)
    rows += [r for reader in EXTRA_READERS for r in reader(conn, wanted)]
    _say_security_labels(conn)
    comments = fetch_as(conn, "objects_comments", ObjectCommentRow)
    acls = fetch_as(conn, "objects_acls", ObjectAclRow)
    return Facts(
        objects=tuple(render.with_extras(rows, comments, acls)),
        nodes=tuple(fetch_as(conn, "objects_nodes", NodeRow)),
        depends=tuple(fetch_as(conn, "objects_depend", DependRow)),
    )


def _rows(conn: Conn, name: str, schemas: list[str] | None) -> list[ObjectRow]:
    return fetch_as(conn, f"objects_{name}", ObjectRow, schemas=schemas)


def _collations(conn: Conn, schemas: list[str] | None) -> list[ObjectRow]:
    out = []
    for c in fetch_as(conn, "objects_collations", CollationRow, schemas=schemas):
        name = ident(c.schema, c.name)
        ddl, _ = collation_definition(c, name)
        out.append(ObjectRow("pg_collation", c.oid, "collation", c.schema, c.name, name, (ddl,)))
    return out


def _say_security_labels(conn: Conn) -> None:
    """Security labels are not carried (no label provider here to test them against): a
    dump of a database that has some says so rather than drop them in silence."""
    (labels,) = fetch_column(conn, "objects_security_labels", int)
    if labels:
        warnings.warn(
            f"the database has {labels} security label(s) (SECURITY LABEL); the archive does "
            "not carry them: label the restored objects again",
            PgsnapWarning,
            stacklevel=2,
        )
