"""The SQL operations both restore paths share: drop, COPY in, ANALYZE, check, swap."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import psycopg
import psycopg.errors
from psycopg import sql

from pgsnap import connection
from pgsnap.archive.sources import RowSource
from pgsnap.catalog.fetch import fetch_as, fetch_column
from pgsnap.catalog.values import NotNull
from pgsnap.connection import Conn
from pgsnap.ddl.copy import copy_from
from pgsnap.ddl.staging import swap_statements
from pgsnap.ddl.table import PG_NOT_NULL_CONSTRAINTS
from pgsnap.errors import VerifyError
from pgsnap.model import QualifiedName, TableSpec
from pgsnap.naming import ident
from pgsnap.progress import Event, ProgressFn
from pgsnap.restore.dependants import dependants, recreation
from pgsnap.restore.plan import TablePlan

CASCADED = "drop cascades to "  # the server's notice for each object a CASCADE drops
MAINTENANCE_WORK_MEM = "512MB"  # index builds after the load sort in memory, not on disk
INDEX_BUILD_SETTINGS = (("maintenance_work_mem", MAINTENANCE_WORK_MEM),)


def exists(conn: Conn, name: QualifiedName) -> bool:
    """Whether a table (plain or partitioned) of that name exists; a view or a sequence of
    the name is a clash (restore/checks.check_name_clashes), not a target."""
    row = conn.execute(
        "SELECT EXISTS (SELECT FROM pg_catalog.pg_class WHERE oid = pg_catalog.to_regclass(%s)"
        " AND relkind IN ('r', 'p'))",
        (ident(name.schema, name.name),),
    ).fetchone()
    return bool(row and row[0])


def existing(conn: Conn, names: Sequence[QualifiedName]) -> set[QualifiedName]:
    """Which of `names` exist as tables (as exists() says), in one query."""
    if not names:
        return set()
    texts = [ident(n.schema, n.name) for n in names]
    return {names[i] for i in fetch_column(conn, "existing_tables", int, names=texts)}


def drop_tables(
    conn: Conn, names: Sequence[QualifiedName], *, cascade: bool, if_exists: bool = False
) -> list[str]:
    """DROP TABLE of every name in one statement (nothing when there are none); what the
    server says it dropped with them (its "drop cascades to …" notices), for the user."""
    if not names:
        return []
    stmt = sql.SQL("DROP TABLE {}{}{}").format(
        sql.SQL("IF EXISTS " if if_exists else ""),
        sql.SQL(", ").join(sql.Identifier(n.schema, n.name) for n in names),
        sql.SQL(" CASCADE" if cascade else ""),
    )
    notices: list[str] = []

    def heard(diag: psycopg.errors.Diagnostic) -> None:
        # one object: the primary message names it; more: "drop cascades to 3 other
        # objects", and the detail names each
        lines = (diag.message_detail or diag.message_primary or "").splitlines()
        notices.extend(n for n in lines if n.startswith(CASCADED))

    conn.add_notice_handler(heard)
    try:
        with connection.statement_errors(stmt.as_string(conn)), connection.names_for_people(conn):
            conn.execute(stmt)
    finally:
        conn.remove_notice_handler(heard)
    return [n.removeprefix(CASCADED) for n in notices]


def analyze(conn: Conn, names: Iterable[QualifiedName]) -> None:
    """ANALYZE the tables, in one statement (PostgreSQL 11+ takes a list), but those with a
    foreign table under them (it would be sampled: queries/foreign_descendants.sql)."""
    tables = list(names)
    with connection.statement_errors():
        texts = [ident(n.schema, n.name) for n in tables]
        foreign = set(fetch_column(conn, "foreign_descendants", int, names=texts))
        kept = [sql.Identifier(n.schema, n.name) for i, n in enumerate(tables) if i not in foreign]
        if kept:
            conn.execute(sql.SQL("ANALYZE {}").format(sql.SQL(", ").join(kept)))


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
    # the session's encoding is UTF8 (connection.SESSION_SETTINGS): set only another one, a
    # round trip each way saved per table
    encoding = connection.copy_encoding(source.header.encoding)
    if encoding != "UTF8":
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
    if encoding != "UTF8":
        connection.set_client_encoding(conn, "UTF8", local=True)  # the DDL that follows
    progress(Event("done", label, rows=rows, bytes=done))
    return rows


def swap_into_place(conn: Conn, plan: TablePlan, *, cascade: bool) -> list[str]:
    """Drop the table the staged one replaces, if any, and give the staged table, and
    everything it owns, the final names; then re-create what depended on the old table when
    the plan keeps it (--replace).  In the caller's transaction.  What was dropped or kept,
    for the user."""
    remake: list[str] = []
    validate: list[str] = []
    kept = dependants(conn, plan.spec.qname) if plan.keep_dependants else []
    if kept:  # read now, in the swap's transaction, before the drop
        remake, validate = recreation(conn, kept, plan.spec.qname)
    dropped: list[str] = []
    if plan.drop_at_swap:
        drop = cascade or plan.keep_dependants
        dropped = drop_tables(conn, [plan.spec.qname], cascade=drop, if_exists=True)
    for stmt in _swap(conn, plan):
        connection.run(conn, stmt)
    for stmt in [*remake, *validate]:  # what depended on the old table, on the new one
        connection.run(conn, stmt)
    if kept:
        on = plan.spec.qname.display()
        return [f"kept {d.description}: re-created on the new {on}" for d in kept]
    return cascaded(dropped, [plan])


def cascaded(dropped: Sequence[str], plans: Sequence[TablePlan]) -> list[str]:
    """What a DROP … CASCADE took with it, as the load says it: the server's notices, and
    the dependants it drops without one (a publication's membership goes with the table)."""
    said = set(dropped)
    silent = [d.description for p in plans for d in p.dependants if d.description not in said]
    return [f"dropped {what} (--cascade)" for what in [*dropped, *silent]]


def _swap(conn: Conn, plan: TablePlan) -> list[str]:
    staged = plan.load_spec
    not_null = connection.server_version(conn) >= PG_NOT_NULL_CONSTRAINTS
    found = (
        fetch_as(conn, "not_null_constraints", NotNull, table=ident(staged.schema, staged.name))
        if not_null
        else []
    )
    return swap_statements(staged, plan.spec, not_null_constraints=not_null, found=found)
