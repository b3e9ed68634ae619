"""Parallel restore into a staging table, then one short swap transaction.

Workers cannot see a table that the leader has not committed, so the leader creates the
table under a staging name (`pgsnap_stage_<hex>`) and commits.  N workers stream frames into
it with COPY FROM STDIN, each in its own transaction; then the indexes are built in parallel
connections, and one transaction renames the staging table (and everything it owns) to the
final names, dropping the old table first for --replace/--drop-existing.

Until that swap nothing is visible under the final name.  On any failure the staging table is
dropped.  If the leader is killed, a clearly named staging table remains; the leader held a
session advisory lock on it, so the next load can tell it is orphaned and removes it.
"""

from __future__ import annotations

import contextlib
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
from psycopg import sql

from pgsnap import archive, connection, workers
from pgsnap.config import ConnSource
from pgsnap.ddl.staging import STAGING_PREFIX, swap_statements
from pgsnap.ddl.statements import split_key_constraint
from pgsnap.errors import VerifyError
from pgsnap.model import Dependency, QualifiedName, TableSpec
from pgsnap.naming import ident
from pgsnap.progress import Event, ProgressFn
from pgsnap.restore import dependencies

Conn = psycopg.Connection[Any]
ADVISORY_CLASS = 0x70677370  # "pgsp": first key of pgsnap's advisory locks
MAINTENANCE_WORK_MEM = "512MB"  # index builds after the load sort in memory, not on disk
INDEX_PREFIXES = ("CREATE INDEX", "CREATE UNIQUE INDEX")


def _lock_key(conn: Conn, name: QualifiedName) -> int:
    row = conn.execute("SELECT pg_catalog.hashtext(%s)", (f"{name.schema}.{name.name}",)).fetchone()
    assert row is not None
    return int(row[0])


def remove_orphans(conn: Conn, progress: ProgressFn) -> list[str]:
    """Drop staging tables left by killed loads: those whose advisory lock nobody holds."""
    rows = conn.execute(
        "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind = 'r' AND c.relname LIKE %s",
        (STAGING_PREFIX.replace("_", "\\_") + "%",),
    ).fetchall()
    removed = []
    for schema, name in rows:
        key = _lock_key(conn, QualifiedName(schema, name))
        got = conn.execute("SELECT pg_catalog.pg_try_advisory_lock(%s, %s)", (ADVISORY_CLASS, key))
        if not got.fetchone()[0]:  # type: ignore[index]
            continue  # a running load holds it
        try:
            stmt = sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(sql.Identifier(schema, name))
            with connection.statement_errors(stmt.as_string(conn)):
                conn.execute(stmt)
            shown = QualifiedName(schema, name).display()
            removed.append(shown)
            progress(Event("step", shown, message=f"removed {shown}, left by an interrupted load"))
        finally:
            conn.execute("SELECT pg_catalog.pg_advisory_unlock(%s, %s)", (ADVISORY_CLASS, key))
    return removed


def run_parallel(
    conn: Conn,
    source: ConnSource,
    reader: archive.ArchiveReader,
    index: int,
    final: TableSpec,
    staged: TableSpec,
    *,
    drop_existing: bool,
    cascade: bool,
    jobs: int,
    worker_kind: str,
    progress: ProgressFn,
    deps: list[Dependency],
    schemas: list[str],
) -> int:
    """Load table `index` of `reader` as `final` through the staging table `staged`."""
    key = _lock_key(conn, staged.qname)
    conn.execute("SELECT pg_catalog.pg_advisory_lock(%s, %s)", (ADVISORY_CLASS, key))
    try:
        created = _create(conn, staged, deps, schemas)
        try:
            rows = _copy_parallel(source, reader, index, final, staged, jobs, worker_kind, progress)
            check_rows(final, rows, reader.manifest.rows[index])
            _post_data(conn, source, staged, jobs)
            _swap(conn, staged, final, drop_existing, cascade)
        except BaseException:
            _drop_staging(conn, staged)
            dependencies.drop_created(conn, created)
            raise
    finally:
        with contextlib.suppress(psycopg.Error):
            conn.execute("SELECT pg_catalog.pg_advisory_unlock(%s, %s)", (ADVISORY_CLASS, key))
    return rows


def check_rows(spec: TableSpec, loaded: int, expected: int) -> None:
    """The load's row count must equal the archive's: anything else is an error."""
    if loaded != expected:
        raise VerifyError(
            f'table "{spec.qname.display()}": loaded {loaded} rows, the archive holds {expected}'
        )


def _create(
    conn: Conn, staged: TableSpec, deps: list[Dependency], schemas: list[str]
) -> list[Dependency]:
    """Create the missing schemas, dependencies and the staging table, and commit: workers
    need it.  (A created schema stays if the load fails later; it is empty.)"""
    with connection.statement_errors():
        conn.execute("BEGIN")
    try:
        dependencies.ensure_schemas(conn, schemas)
        created = dependencies.ensure(conn, deps)
        for stmt in staged.pre_data:
            connection.run(conn, stmt)
        conn.execute("COMMIT")
        return created
    except BaseException:
        with contextlib.suppress(psycopg.Error):
            conn.execute("ROLLBACK")
        raise


def _drop_staging(conn: Conn, staged: TableSpec) -> None:
    if conn.closed:
        return
    with contextlib.suppress(psycopg.Error):
        conn.execute("ROLLBACK")
    with contextlib.suppress(psycopg.Error):
        conn.execute(
            sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(
                sql.Identifier(staged.schema, staged.name)
            )
        )


def copy_in_statement(spec: TableSpec) -> bytes:
    cols = spec.copy_columns
    target = sql.Identifier(spec.schema, spec.name)
    if not cols:
        return sql.SQL("COPY {} FROM STDIN").format(target).as_bytes(None)
    col_list = sql.SQL(", ").join(sql.Identifier(c) for c in cols)
    return sql.SQL("COPY {} ({}) FROM STDIN").format(target, col_list).as_bytes(None)


def _copy_parallel(
    source: ConnSource,
    reader: archive.ArchiveReader,
    index: int,
    final: TableSpec,
    staged: TableSpec,
    jobs: int,
    worker_kind: str,
    progress: ProgressFn,
) -> int:
    frames = [i for i, f in enumerate(reader.frames) if f.kind == "data" and f.table == index]
    label = final.qname.display()
    total_bytes = sum(reader.frames[i].raw_size for i in frames)
    progress(Event("start", label, total_bytes=total_bytes or None))
    nworkers = max(1, min(jobs, len(frames)))
    pool = workers.start_pool(
        worker_kind,
        nworkers,
        _load_worker,
        source,
        str(reader.path),
        copy_in_statement(staged),
        leader_thread=True,
    )
    try:
        for i in frames:
            pool.tasks.put(i)
        for _ in range(nworkers):
            pool.tasks.put(None)
        rows = done_bytes = done_rows = finished = 0
        while finished < nworkers:
            msg = workers.next_result(pool)
            if msg[0] == "frame":
                done_bytes += msg[1]
                done_rows += msg[2]
                progress(Event("rows", label, done_rows, done_bytes, total_bytes))
            elif msg[0] == "rows":
                rows += msg[1]
                finished += 1
    finally:
        pool.stop()
    progress(Event("done", label, rows=rows, bytes=total_bytes))
    return rows


def _load_worker(
    worker_id: int,
    tasks: Any,
    results: Any,
    parent_pid: int,
    source: ConnSource,
    path: str,
    statement: bytes,
) -> None:
    """A worker: one transaction, one COPY, as many frames as it can take from the queue."""
    try:
        conn = connection.connect(source, autocommit=True)
        try:
            connection.apply_session_settings(conn)
            with archive.ArchiveReader.open(path) as reader:
                conn.execute("BEGIN")
                with conn.cursor() as cur:
                    with (
                        connection.statement_errors(statement.decode()),
                        cur.copy(statement) as copy,
                    ):
                        while (task := workers.next_task(tasks, parent_pid)) is not None:
                            raw = reader.read_frame(task)
                            copy.write(raw)
                            workers.put_result(
                                results, ("frame", len(raw), raw.count(b"\n")), parent_pid
                            )
                    rows = cur.rowcount
                with connection.statement_errors():
                    conn.execute("COMMIT")
            workers.put_result(results, ("rows", rows), parent_pid)
        finally:
            conn.close()
    except BaseException as exc:  # reported to the leader, which drops the staging table
        workers.report_error(results, exc, parent_pid)


def split_post_data(stmts: tuple[str, ...]) -> tuple[list[str], list[str], list[str]]:
    """(before, indexes, after): the CREATE INDEX statements can run side by side.

    ddl.post_data orders keys, then foreign keys and late checks, then plain indexes, then
    the rest; the keys' ACCESS EXCLUSIVE locks would serialise anyway.
    """
    first = next((i for i, s in enumerate(stmts) if s.startswith(INDEX_PREFIXES)), len(stmts))
    last = first
    while last < len(stmts) and stmts[last].startswith(INDEX_PREFIXES):
        last += 1
    return list(stmts[:first]), list(stmts[first:last]), list(stmts[last:])


def _post_data(conn: Conn, source: ConnSource, staged: TableSpec, jobs: int) -> None:
    """Keys and indexes built side by side, then keys attached, then the rest in order."""
    analyze = f"ANALYZE {ident(staged.schema, staged.name)}"
    if staged.kind == "p":  # partition keys and indexes attach to the parent's, in order
        for stmt in [*staged.post_data, analyze]:
            connection.run(conn, stmt)
        return
    before, indexes, after = split_post_data(staged.post_data)
    attach: list[str] = []
    rest: list[str] = []
    for stmt in before:
        split = split_key_constraint(stmt)
        if split is None:
            rest.append(stmt)
        else:
            indexes.insert(len(attach), split[0])
            attach.append(split[1])
    conn.execute(
        "SELECT pg_catalog.set_config('maintenance_work_mem', %s, false)", (MAINTENANCE_WORK_MEM,)
    )
    # ANALYZE (SHARE UPDATE EXCLUSIVE) runs beside the index builds (SHARE): neither waits
    if jobs > 1:
        _parallel_statements(source, [*indexes, analyze], jobs)
    else:
        for stmt in [*indexes, analyze]:
            connection.run(conn, stmt)
    for stmt in attach + rest + after:
        connection.run(conn, stmt)


def _parallel_statements(source: ConnSource, stmts: list[str], jobs: int) -> None:
    def one(stmt: str) -> None:
        with connection.connect(source, autocommit=True) as c:
            connection.apply_session_settings(c)
            c.execute(
                "SELECT pg_catalog.set_config('maintenance_work_mem', %s, false)",
                (MAINTENANCE_WORK_MEM,),
            )
            connection.run(c, stmt)

    with ThreadPoolExecutor(max_workers=min(jobs, len(stmts))) as pool:
        for future in [pool.submit(one, s) for s in stmts]:
            future.result()


def _swap(
    conn: Conn, staged: TableSpec, final: TableSpec, drop_existing: bool, cascade: bool
) -> None:
    with connection.statement_errors():
        conn.execute("BEGIN")
    try:
        if drop_existing:
            stmt = sql.SQL("DROP TABLE IF EXISTS {}{}").format(
                sql.Identifier(final.schema, final.name), sql.SQL(" CASCADE" if cascade else "")
            )
            with connection.statement_errors(stmt.as_string(conn)):
                conn.execute(stmt)
        for stmt_text in swap_statements(staged, final):
            connection.run(conn, stmt_text)
        with connection.statement_errors():
            conn.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(psycopg.Error):
            conn.execute("ROLLBACK")
        raise
