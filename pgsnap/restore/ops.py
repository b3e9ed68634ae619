"""The SQL operations both restore paths share: drop, COPY in, ANALYZE, check, swap."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from psycopg import sql

from pgsnap import connection
from pgsnap.archive.sources import RowSource
from pgsnap.catalog.fetch import fetch_as
from pgsnap.catalog.values import NotNull
from pgsnap.connection import Conn
from pgsnap.ddl.copy import copy_from
from pgsnap.ddl.staging import swap_statements
from pgsnap.ddl.table import PG_NOT_NULL_CONSTRAINTS
from pgsnap.errors import VerifyError
from pgsnap.model import QualifiedName, TableSpec
from pgsnap.naming import ident
from pgsnap.progress import Event, ProgressFn
from pgsnap.restore.plan import TablePlan

MAINTENANCE_WORK_MEM = "512MB"  # index builds after the load sort in memory, not on disk
INDEX_BUILD_SETTINGS = (("maintenance_work_mem", MAINTENANCE_WORK_MEM),)


def exists(conn: Conn, name: QualifiedName) -> bool:
    row = conn.execute(
        "SELECT pg_catalog.to_regclass(%s) IS NOT NULL", (ident(name.schema, name.name),)
    ).fetchone()
    return bool(row and row[0])


def drop_tables(
    conn: Conn, names: Sequence[QualifiedName], *, cascade: bool, if_exists: bool = False
) -> None:
    """DROP TABLE of every name in one statement (nothing when there are none)."""
    if not names:
        return
    stmt = sql.SQL("DROP TABLE {}{}{}").format(
        sql.SQL("IF EXISTS " if if_exists else ""),
        sql.SQL(", ").join(sql.Identifier(n.schema, n.name) for n in names),
        sql.SQL(" CASCADE" if cascade else ""),
    )
    with connection.statement_errors(stmt.as_string(conn)):
        conn.execute(stmt)


def analyze(conn: Conn, names: Iterable[QualifiedName]) -> None:
    with connection.statement_errors():
        for n in names:
            conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(n.schema, n.name)))


def check_rows(spec: TableSpec, loaded: int, expected: int) -> None:
    """The load's row count must equal the archive's: anything else is an error."""
    if loaded != expected:
        raise VerifyError(
            f'table "{spec.qname.display()}": loaded {loaded} rows, the archive holds {expected}'
        )


def copy_in(conn: Conn, plan: TablePlan, source: RowSource, progress: ProgressFn) -> int:
    """The table's rows from `source` into the table as loaded, in this connection's
    transaction; the rows COPY reports."""
    spec = plan.load_spec
    # FREEZE: the table was created in this transaction, so rows can be written frozen and
    # skip the later anti-wraparound vacuum of the whole table.
    # (not possible for a partitioned table, whose rows go to its partitions)
    statement = copy_from(spec, freeze=plan.create and spec.kind != "p")
    label = plan.spec.qname.display()
    total = source.total_bytes(plan.index)  # once: a file source sums its frames
    progress(Event("start", label, total_bytes=total))
    encoding = connection.copy_encoding(source.header.encoding)
    connection.set_client_encoding(conn, encoding, local=True)
    done = done_rows = 0
    with connection.statement_errors(statement), conn.cursor() as cur:
        with cur.copy(statement.encode()) as copy:
            for raw in source.data(plan.index):
                copy.write(raw)
                done += len(raw)
                done_rows += raw.count(b"\n")
                progress(Event("rows", label, done_rows, done, total))
        rows = cur.rowcount
    connection.set_client_encoding(conn, "UTF8", local=True)  # the DDL that follows
    progress(Event("done", label, rows=rows, bytes=done))
    return rows


def swap_into_place(conn: Conn, plan: TablePlan, *, cascade: bool) -> None:
    """Drop the table the staged one replaces, if any, and give the staged table, and
    everything it owns, the final names.  In the caller's transaction."""
    if plan.drop_at_swap:
        drop_tables(conn, [plan.spec.qname], cascade=cascade, if_exists=True)
    staged = plan.load_spec
    not_null = connection.server_version(conn) >= PG_NOT_NULL_CONSTRAINTS
    found = (
        fetch_as(conn, "not_null_constraints", NotNull, table=ident(staged.schema, staged.name))
        if not_null
        else []
    )
    for stmt in swap_statements(staged, plan.spec, not_null_constraints=not_null, found=found):
        connection.run(conn, stmt)
