"""Parallel dump workers: each joins the leader's exported snapshot and COPYs chunks into
compressed frames.  Into a file of our own a worker writes its frames itself, at offsets it
takes from a counter that the workers share (the leader records them in the manifest);
otherwise (standard output, an upload) the leader appends them as they come."""

from __future__ import annotations

import os
from typing import Any, NamedTuple

from pgsnap import connection, workers
from pgsnap.archive.codec import compress_frame, crc32
from pgsnap.archive.writer import ArchiveWriter, Placed
from pgsnap.backup.chunks import ReadPlan
from pgsnap.backup.copyout import copy_out
from pgsnap.config import ConnSource
from pgsnap.ddl.copy import copy_to
from pgsnap.errors import IOError_
from pgsnap.model import TableSpec
from pgsnap.progress import Event, ProgressFn


class ChunkTask(NamedTuple):
    """A task: one COPY … TO STDOUT of table `table` (its index in the archive); its frames
    written into the file at `path` (shown as `shown` in errors), or sent to the leader."""

    table: int
    statement: str
    path: str | None = None
    shown: str = ""


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
    # the file offset of the next placed frame (a multiprocessing Value, "q"), shared by all
    tail: Any = None


def dump_rows_parallel(
    pool: workers.Pool,
    writer: ArchiveWriter,
    index: int,
    spec: TableSpec,
    plan: ReadPlan,
    progress: ProgressFn,
    tail: Any = None,
) -> int:
    """Hand the table's chunks to the workers; record their frames as they come: placed in
    the file by the workers (with `tail`, the setup's counter, where the writer allows it),
    else appended here."""
    label = spec.qname.display()
    where = writer.placement() if tail is not None else None
    path, shown = None, ""
    if where is not None:
        path, shown, tail.value = where
    for relation, chunk in plan.sources:
        statement = copy_to(spec, predicate=chunk.predicate(), relation=relation)
        pool.tasks.put(ChunkTask(index, statement, path, shown))
    pending = len(plan.sources)
    rows = raw_bytes = 0
    placed: list[Placed] = []
    while pending:
        msg = workers.next_result(pool)
        if isinstance(msg, ChunkDone):
            pending -= 1
            continue
        if isinstance(msg, Frame):
            writer.write_compressed(msg.table, msg.data, msg.raw_size, msg.rows, msg.crc32)
        elif isinstance(msg, Placed):
            placed.append(msg)
        else:
            continue
        rows += msg.rows
        raw_bytes += msg.raw_size
        progress(Event("rows", label, rows, raw_bytes, plan.total_bytes or None))
    if where is not None:
        writer.place(placed, tail.value)
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
    fd = None if task.path is None else _open_placed(task)

    def emit(raw: bytearray, rows: int) -> None:
        data = compress_frame(setup.codec, raw, setup.level)
        crc = crc32(raw)
        if fd is None:
            message: object = Frame(task.table, data, len(raw), rows, crc)
        else:
            offset = _write_placed(fd, data, setup.tail, task.shown)
            message = Placed(task.table, offset, len(data), len(raw), rows, crc)
        workers.put_result(results, message, parent_pid)

    try:
        copy_out(conn, task.statement, emit)
    finally:
        if fd is not None:
            os.close(fd)
    workers.put_result(results, ChunkDone(task.table), parent_pid)


def _open_placed(task: ChunkTask) -> int:
    assert task.path is not None
    try:
        return os.open(task.path, os.O_WRONLY)
    except OSError as exc:
        raise IOError_.of(exc, task.shown) from None


def _write_placed(fd: int, data: bytes, tail: Any, shown: str) -> int:
    """Write `data` at the next offset of the shared counter; that offset."""
    with tail.get_lock():
        offset = int(tail.value)
        tail.value = offset + len(data)
    view = memoryview(data)
    try:
        while view:
            view = view[os.pwrite(fd, view, offset + len(data) - len(view)) :]
    except OSError as exc:
        raise IOError_.of(exc, shown) from None
    return offset
