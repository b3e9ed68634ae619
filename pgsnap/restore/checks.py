"""On load, before any change: what the tables to create need from the target."""

from __future__ import annotations

from collections.abc import Sequence

from pgsnap.catalog.fetch import fetch_column
from pgsnap.connection import Conn
from pgsnap.errors import MissingRoleError
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
