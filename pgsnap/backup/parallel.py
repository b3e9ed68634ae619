"""Parallel dump workers: each joins the leader's exported snapshot and COPYs chunks into
compressed frames, which the leader appends to the archive as they come."""

from __future__ import annotations

from typing import Any

from psycopg import sql

from pgsnap import archive, connection, workers
from pgsnap.backup.chunks import ReadPlan
from pgsnap.backup.copyout import copy_out, copy_out_statement
from pgsnap.config import ConnSource
from pgsnap.model import TableSpec
from pgsnap.progress import Event, ProgressFn


def dump_rows_parallel(
    pool: workers.Pool,
    writer: archive.ArchiveWriter,
    index: int,
    spec: TableSpec,
    plan: ReadPlan,
    progress: ProgressFn,
) -> int:
    """Hand the table's chunks to the workers; append their compressed frames as they come."""
    label = spec.qname.display()
    for relation, chunk in plan.sources:
        pool.tasks.put((index, copy_out_statement(spec, chunk, relation).as_bytes(None)))
    pending = len(plan.sources)
    rows = raw_bytes = 0
    while pending:
        msg = workers.next_result(pool)
        if msg[0] == "frame":
            _, table, data, raw_size, nrows, crc = msg
            writer.write_compressed(table, data, raw_size, nrows, crc)
            rows += nrows
            raw_bytes += raw_size
            progress(Event("rows", label, rows, raw_bytes, plan.total_bytes or None))
        elif msg[0] == "chunk":
            pending -= 1
    progress(Event("done", label, rows, raw_bytes))
    return rows


def dump_worker(
    worker_id: int,
    tasks: Any,
    results: Any,
    parent_pid: int,
    source: ConnSource,
    snapshot: str,
    codec: str,
    level: int | None,
) -> None:
    """A worker: join the leader's snapshot, then COPY chunks into compressed frames."""
    try:
        conn = connection.connect(source, autocommit=True)
        try:
            connection.apply_session_settings(conn)
            with connection.statement_errors():
                conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                conn.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot)))
            while (task := workers.next_task(tasks, parent_pid)) is not None:
                table, statement = task

                def emit(raw: bytearray, rows: int, table: int = table) -> None:
                    data = archive.compress_frame(codec, raw, level)
                    workers.put_result(
                        results,
                        ("frame", table, data, len(raw), rows, archive.crc32(raw)),
                        parent_pid,
                    )

                copy_out(conn, statement, emit)
                workers.put_result(results, ("chunk", table), parent_pid)
        finally:
            conn.close()
    except BaseException as exc:  # reported to the leader, which decides
        workers.report_error(results, exc, parent_pid)
