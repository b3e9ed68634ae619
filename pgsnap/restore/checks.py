"""On load, before any change: what the tables to create need from the target."""

from __future__ import annotations

from collections.abc import Sequence

from pgsnap import connection
from pgsnap.archive.manifest import Header
from pgsnap.catalog.fetch import fetch_as, fetch_column
from pgsnap.catalog.values import NameClash
from pgsnap.connection import Conn
from pgsnap.errors import MissingRoleError, TableNotFoundError, TargetExistsError, UsageError
from pgsnap.model import DbObject, QualifiedName, TableSpec
from pgsnap.naming import ident
from pgsnap.restore import ops
from pgsnap.restore.plan import TablePlan


def check_roles(conn: Conn, specs: Sequence[TableSpec], objects: Sequence[DbObject] = ()) -> None:
    """Raise MissingRoleError, naming them, if roles the specs' (and the objects') statements
    name do not exist on the target.  Runs before the load changes anything.  A role that an
    object needs beyond its owner and GRANTs (a user mapping's, default privileges') must be
    created whatever the options; the others are skipped with --no-privileges."""
    from pgsnap.ddl.statements import is_privilege_statement, statement_roles

    stmts = [s for spec in specs if spec.with_privileges for s in spec.post_data]
    stmts += [s for o in objects for s in (*o.ddl, *o.post)]
    needed = {r for s in stmts if not is_privilege_statement(s) for r in statement_roles(s)}
    wanted = sorted(needed | {r for s in stmts for r in statement_roles(s)})
    if not wanted:
        return
    missing = fetch_column(conn, "missing_roles", str, roles=wanted)
    if not missing:
        return
    names = ", ".join(f'"{m}"' for m in missing)
    they = f"role {names} does not" if len(missing) == 1 else f"roles {names} do not"
    if needed & set(missing):
        raise MissingRoleError(
            f"{they} exist on the target; the archive's objects need them (a user mapping, "
            "default privileges): create them first"
        )
    raise MissingRoleError(
        f"{they} exist on the target; create "
        + ("it" if len(missing) == 1 else "them")
        + ", or load with --no-privileges"
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


def created_names(spec: TableSpec) -> list[tuple[str, str, bool]]:
    """The relation names creating `spec` takes: (schema, name, is the table or a partition)."""
    owned = spec.owned
    names = [(spec.schema, spec.name, True)]
    names += [(p.schema, p.name, True) for p in spec.partition_names()]
    names += [(i.schema, i.name, False) for i in spec.index_names()]
    return names + [(s.schema, s.name, False) for s in owned.sequences]


def check_name_clashes(conn: Conn, plans: Sequence[TablePlan]) -> None:
    """Raise TargetExistsError, naming both, when a name the load creates (the table, its
    partitions, indexes, sequences) is held by an object the load does not replace.  One
    query for every table (queries/name_clashes.sql)."""
    created = [p for p in plans if p.create]
    wanted = [(i, w) for i, p in enumerate(created) for w in created_names(p.spec)]
    if not wanted:
        return
    with connection.names_for_people(conn):
        clashes = fetch_as(
            conn,
            "name_clashes",
            NameClash,
            schemas=[w[0] for _, w in wanted],
            names=[w[1] for _, w in wanted],
            tables=[w[2] for _, w in wanted],
            plans=[i for i, _ in wanted],
            replaced=[_replaced(created[i]) for i, _ in wanted],
        )
    if clashes:
        c = clashes[0]
        what = QualifiedName(c.schema, c.name).display()
        raise TargetExistsError(
            f"cannot restore {created[c.plan].spec.qname.display()}: the name {what} is taken "
            f"by {c.holder}; drop or rename it, or load with --as another name"
        )


def _replaced(p: TablePlan) -> str | None:
    """The table a plan drops or replaces, fully quoted; None when it creates a new one."""
    return ident(p.spec.schema, p.spec.name) if p.mode != "created" else None


def check_fk_targets(conn: Conn | None, plans: Sequence[TablePlan]) -> None:
    """Raise TableNotFoundError when a foreign key of a table to create references a table
    that neither exists nor is created by this load.  `conn` None: a database that does not
    exist yet, which holds nothing else."""
    from pgsnap.ddl.statements import foreign_key_targets  # pglast: only on the load's side

    made = {p.spec.qname for p in plans}
    for p in [p for p in plans if p.create]:
        for stmt in p.spec.post_data:
            for schema, name in foreign_key_targets(stmt):
                target = QualifiedName(schema or p.spec.schema, name)
                if target in made or (conn is not None and ops.exists(conn, target)):
                    continue
                raise TableNotFoundError(
                    f"cannot restore {p.spec.qname.display()}: its foreign key references "
                    f"{target.display()}, which does not exist; restore {target.display()} "
                    "first, or dump and load both tables together"
                )
