"""On load, before any change: what the tables to create need from the target."""

from __future__ import annotations

from collections.abc import Sequence

from pgsnap import connection
from pgsnap.archive.manifest import Header
from pgsnap.catalog.fetch import fetch_column
from pgsnap.connection import Conn
from pgsnap.errors import MissingRoleError, UsageError
from pgsnap.model import TableSpec


def check_roles(conn: Conn, specs: Sequence[TableSpec]) -> None:
    """Raise MissingRoleError, naming them, if roles the specs' privilege statements name do
    not exist on the target.  Runs before the load changes anything."""
    from pgsnap.ddl.statements import statement_roles  # pglast: only on the load's side

    stmts = [s for spec in specs if spec.with_privileges for s in spec.post_data]
    wanted = sorted({r for s in stmts for r in statement_roles(s)})
    if not wanted:
        return
    missing = fetch_column(conn, "missing_roles", str, roles=wanted)
    if len(missing) == 1:
        raise MissingRoleError(
            f'role "{missing[0]}" does not exist on the target; create it, '
            "or load with --no-privileges"
        )
    if missing:
        names = ", ".join(f'"{m}"' for m in missing)
        raise MissingRoleError(
            f"roles {names} do not exist on the target; create them, or load with --no-privileges"
        )


def check_encoding(conn: Conn, header: Header) -> None:
    """An archive of a SQL_ASCII database holds its rows' bytes as they were, in no known
    encoding: only a SQL_ASCII database can take them as they are.  Raises UsageError before
    any change otherwise.  (Every other encoding was dumped as UTF8, which the server
    converts to the target's encoding, or refuses row by row, atomically.)"""
    if connection.copy_encoding(header.encoding) != "SQL_ASCII" or header.contents == "schema":
        return
    row = conn.execute(
        "SELECT pg_catalog.current_setting('server_encoding'), pg_catalog.current_database()"
    ).fetchone()
    assert row is not None
    if row[0] != "SQL_ASCII":
        raise UsageError(
            f"the archive's rows are SQL_ASCII (bytes in no known encoding) and database "
            f'"{row[1]}" is {row[0]}: load them into a SQL_ASCII database (CREATE DATABASE … '
            "ENCODING 'SQL_ASCII' TEMPLATE template0)"
        )
