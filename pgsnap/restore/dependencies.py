"""On load: create the schemas and the dependencies the archive carries, where missing.

An existing object with another definition, or an extension the server lacks, is refused
before anything is created (DependencyError).  Runs inside the restore's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable

import psycopg

from pgsnap.catalog.dependencies import (
    RECREATABLE_TYPES,
    collation_row,
    extension_row,
    function_definition,
    type_definition,
    type_row,
)
from pgsnap.catalog.fetch import fetch_as
from pgsnap.catalog.values import SequenceRow
from pgsnap.connection import Conn, run, statement_errors
from pgsnap.ddl.dependencies import (
    collation_definition,
    function_fingerprint,
    sequence_fingerprint,
)
from pgsnap.errors import EXIT_SQL, PgsnapError
from pgsnap.model import Dependency
from pgsnap.naming import ident


class DependencyError(PgsnapError, exit_code=EXIT_SQL):
    """A dependency exists with another definition, or an extension is not available."""


def ensure_schemas(conn: Conn, schemas: Iterable[str]) -> list[str]:
    """Create the archive's schemas that the database lacks (restoring into a fresh database);
    return those created."""
    created = []
    for schema in dict.fromkeys(schemas):
        row = conn.execute(
            "SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = %s", (schema,)
        ).fetchone()
        if row is None:
            run(conn, f"CREATE SCHEMA {ident(schema)}")
            created.append(schema)
    return created


def ensure(conn: Conn, deps: Iterable[Dependency]) -> list[Dependency]:
    """Create what is missing; return what was created.  An existing object with another
    definition, or an extension the server does not have, raises DependencyError first."""
    deps = list(deps)
    _check_extensions_available(conn, [d for d in deps if d.kind == "extension"])
    created = []
    for dep in deps:
        if dep.kind == "extension":
            if not _extension_installed(conn, dep.name):
                run(conn, dep.ddl)
                created.append(dep)
            continue
        current = target_fingerprint(conn, dep)
        if current is None:
            run(conn, dep.ddl)
            if dep.setval:  # an existing sequence keeps its value: others may share it
                run(conn, dep.setval)
            created.append(dep)
        elif current != dep.fingerprint:
            raise DependencyError(
                f"{dep.display()} exists with a different definition; the archive's is: {dep.ddl}"
            )
    return created


def _check_extensions_available(conn: Conn, extensions: list[Dependency]) -> None:
    if not extensions:
        return
    names = [d.name for d in extensions]
    rows = conn.execute(
        "SELECT name FROM pg_catalog.pg_available_extensions WHERE name = ANY(%s)", (names,)
    ).fetchall()
    missing = sorted(set(names) - {r[0] for r in rows})
    if missing:
        raise DependencyError(
            "the server lacks the extension(s) the table needs: " + ", ".join(missing)
        )


def _extension_installed(conn: Conn, name: str) -> bool:
    return extension_row(conn, name) is not None


def target_fingerprint(conn: Conn, dep: Dependency) -> str | None:
    """The fingerprint of the object named like `dep` on this server, or None if missing."""
    with statement_errors():
        if dep.kind == "collation":
            return _collation_fingerprint(conn, dep)
        if dep.kind == "sequence":
            return _sequence_fingerprint(conn, dep)
        if dep.kind == "type":
            row = conn.execute("SELECT pg_catalog.to_regtype(%s)::oid", (dep.identity,)).fetchone()
            if not row or row[0] is None:
                return None
            t = type_row(conn, int(row[0]))
            if t is None or t.kind not in RECREATABLE_TYPES:
                return "not-recreatable"
            return type_definition(conn, t, dep.identity)[1]
        row = conn.execute("SELECT pg_catalog.to_regprocedure(%s)::oid", (dep.identity,)).fetchone()
        if not row or row[0] is None:
            return None
        return function_fingerprint(function_definition(conn, int(row[0])))


def _collation_fingerprint(conn: Conn, dep: Dependency) -> str | None:
    row = conn.execute("SELECT pg_catalog.to_regcollation(%s)::oid", (dep.identity,)).fetchone()
    if not row or row[0] is None:
        return None
    c = collation_row(conn, int(row[0]))
    return None if c is None else collation_definition(c, dep.identity)[1]


def _sequence_fingerprint(conn: Conn, dep: Dependency) -> str | None:
    row = conn.execute("SELECT pg_catalog.to_regclass(%s)::oid", (dep.identity,)).fetchone()
    if not row or row[0] is None:
        return None
    rows = fetch_as(conn, "dep_sequence", SequenceRow, oid=int(row[0]))
    return sequence_fingerprint(rows[0]) if rows else "not-a-sequence"


def drop_created(conn: Conn, created: list[Dependency]) -> None:
    """Undo ensure() outside a transaction (the parallel load's failure path)."""
    for dep in reversed(created):
        kind = {
            "extension": "EXTENSION",
            "type": "TYPE",
            "function": "FUNCTION",
            "collation": "COLLATION",
            "sequence": "SEQUENCE",
        }[dep.kind]
        target = ident(dep.name) if dep.kind == "extension" else dep.identity
        try:
            conn.execute(f"DROP {kind} IF EXISTS {target}".encode())
        except psycopg.Error:
            continue
