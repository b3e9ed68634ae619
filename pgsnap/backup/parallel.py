"""Parallel dump workers: each joins the leader's exported snapshot and COPYs chunks into
compressed frames, which the leader appends to the archive as they come."""

from __future__ import annotations

from typing import Any, NamedTuple

from pgsnap import connection, workers
from pgsnap.archive.codec import compress_frame, crc32
from pgsnap.archive.writer import ArchiveWriter
from pgsnap.backup.chunks import ReadPlan
from pgsnap.backup.copyout import copy_out
from pgsnap.config import ConnSource
from pgsnap.ddl.copy import copy_to
from pgsnap.model import TableSpec
from pgsnap.progress import Event, ProgressFn


class ChunkTask(NamedTuple):
    """A task: one COPY … TO STDOUT of table `table` (its index in the archive)."""

    table: int
    statement: str


class Frame(NamedTuple):
    """A compressed data frame a worker made of a chunk's rows."""

    table: int
    data: bytes
    raw_size: int
    rows: int
    crc32: int


class ChunkDone(NamedTuple):
    table: int


class WorkerSetup(NamedTuple):
    """What every worker needs: where to connect, the snapshot to join, how to compress."""

    source: ConnSource
    snapshot: str
    codec: str
    level: int | None
    encoding: str = "UTF8"  # the COPY text's client encoding (connection.copy_encoding)


def dump_rows_parallel(
    pool: workers.Pool,
    writer: ArchiveWriter,
    index: int,
    spec: TableSpec,
    plan: ReadPlan,
    progress: ProgressFn,
) -> int:
    """Hand the table's chunks to the workers; append their compressed frames as they come."""
    label = spec.qname.display()
    for relation, chunk in plan.sources:
        pool.tasks.put(
            ChunkTask(index, copy_to(spec, predicate=chunk.predicate(), relation=relation))
        )
    pending = len(plan.sources)
    rows = raw_bytes = 0
    while pending:
        msg = workers.next_result(pool)
        if isinstance(msg, Frame):
            writer.write_compressed(msg.table, msg.data, msg.raw_size, msg.rows, msg.crc32)
            rows += msg.rows
            raw_bytes += msg.raw_size
            progress(Event("rows", label, rows, raw_bytes, plan.total_bytes or None))
        elif isinstance(msg, ChunkDone):
            pending -= 1
    progress(Event("done", label, rows, raw_bytes))
    return rows


def dump_worker(
    worker_id: int, tasks: Any, results: Any, parent_pid: int, setup: WorkerSetup
) -> None:
    """A worker: join the leader's snapshot, then COPY chunks into compressed frames."""
    try:
        conn = connection.connect(setup.source, autocommit=True)
        try:
            connection.apply_session_settings(conn)
            connection.set_client_encoding(conn, setup.encoding)
            with connection.transaction(conn, read_only=True, snapshot=setup.snapshot):
                while (task := workers.next_task(tasks, parent_pid)) is not None:
                    _dump_chunk(conn, task, results, parent_pid, setup)
        finally:
            conn.close()
    except BaseException as exc:  # reported to the leader, which decides
        workers.report_error(results, exc, parent_pid)


def _dump_chunk(
    conn: connection.Conn, task: ChunkTask, results: Any, parent_pid: int, setup: WorkerSetup
) -> None:
    def emit(raw: bytearray, rows: int) -> None:
        data = compress_frame(setup.codec, raw, setup.level)
        workers.put_result(results, Frame(task.table, data, len(raw), rows, crc32(raw)), parent_pid)

    copy_out(conn, task.statement, emit)
    workers.put_result(results, ChunkDone(task.table), parent_pid)
