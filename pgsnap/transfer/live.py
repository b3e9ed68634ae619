"""The source side of pgsnap copy: the rows of live tables, read in the copy's snapshot.

A LiveSource is the restore's RowSource with the file taken out.  The one-transaction
restore pulls each table's rows from it (one COPY … TO STDOUT per relation on the leader's
connection, in the leader's snapshot), and it counts the rows it handed on: that count is the
manifest the restore checks the target's own count against.  For the staged parallel restore
it is a Feed: each worker holds a source connection that joins the leader's exported
snapshot and a target connection with one COPY … FROM STDIN, and copies ctid-range chunks
(backup/chunks.py) straight across, one block of about 4 MiB at a time, never compressed;
in binary COPY when every column's type is built in and both servers run one major version
(copy.binary_copy), the chunks' headers and trailers cut off and one of each written
around the worker's one COPY.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import Any, NamedTuple

from pgsnap import connection, workers
from pgsnap.archive.manifest import Header, Manifest, large_object_oids
from pgsnap.backup.chunks import ReadPlan, read_plan
from pgsnap.backup.copyout import BINARY_HEADER, BINARY_TRAILER, copy_blocks
from pgsnap.backup.large_objects import read_large_object
from pgsnap.catalog.values import DatabaseFacts
from pgsnap.config import ConnSource
from pgsnap.connection import Conn
from pgsnap.ddl.copy import copy_from, copy_to
from pgsnap.errors import PgsnapError
from pgsnap.model import TableSpec
from pgsnap.restore.staged import FrameLoaded, WorkerDone, Workers


class LiveSetup(NamedTuple):
    """What a copy worker needs from the source: where it is, the snapshot to join, the
    COPY text's client encoding (connection.copy_encoding of the source database's), and
    whether the workers move the rows in binary COPY (copy.binary_copy says when)."""

    source: ConnSource
    snapshot: str
    encoding: str
    binary: bool = False


class LiveSource:
    """The tables of `header`, read live on `conn` (in the leader's open snapshot)."""

    def __init__(
        self,
        conn: Conn,
        header: Header,
        facts: DatabaseFacts,
        setup: LiveSetup,
        *,
        jobs: int,
        chunk_pages: int,
    ) -> None:
        self.conn = conn
        self.header = header
        self.facts = facts
        self.setup = setup
        self.jobs = jobs
        self.chunk_pages = chunk_pages
        self.label = f"the source database {header.database}"
        self.sent = [0] * len(header.tables)  # the rows handed on, table by table
        connection.set_client_encoding(conn, setup.encoding)  # the catalog is read by now

    def data(self, index: int) -> Iterator[bytes]:
        """The table's rows, relation by relation (a partitioned table's leaves in turn)."""
        spec = self.header.tables[index]
        relations = dict.fromkeys(r for r, _ in self._plan(index, jobs=1).sources)
        with source_errors(self.setup.source):
            for relation in relations:
                for block, rows in copy_blocks(self.conn, copy_to(spec, relation=relation)):
                    self.sent[index] += rows
                    yield bytes(block)

    def large_objects(self) -> Iterator[tuple[int, int, bytes]]:
        """Each large object of the header, chunk by chunk, as (oid, offset, bytes)."""
        with source_errors(self.setup.source):
            for oid in large_object_oids(self.header):
                offset = 0
                for data, _last in read_large_object(self.conn, oid):
                    if data:
                        yield oid, offset, data
                        offset += len(data)

    def finish(self) -> Manifest:
        """The manifest a dump would have written: the rows handed on, table by table."""
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        return Manifest(self.header, tuple(self.sent), (), now)

    def total_bytes(self, index: int) -> int | None:
        return self._plan(index, jobs=1).total_bytes or None

    # the Feed of restore/staged.py: chunks copied straight across by parallel workers

    def tasks(self, index: int) -> list[Any]:
        """A COPY … TO STDOUT for each chunk of the table."""
        spec = self.header.tables[index]
        plan = self._plan(index, jobs=self.jobs)
        binary = self.setup.binary
        return [
            copy_to(spec, predicate=c.predicate(), relation=r, binary=binary)
            for r, c in plan.sources
        ]

    def workers(self, target: ConnSource, spec: TableSpec) -> Workers:
        statement = copy_from(spec, binary=self.setup.binary).encode()
        # the source's COPY loop holds the GIL (backup/copyout.py): no leader thread
        return Workers(copy_worker, (target, statement, self.setup), False)

    def expected_rows(self, index: int, sent: int) -> int:
        return sent

    def _plan(self, index: int, *, jobs: int) -> ReadPlan:
        return read_plan(
            self.header.tables[index],
            jobs=jobs,
            block_size=self.facts.block_size,
            server_version=self.facts.server_version_num,
            chunk_pages=self.chunk_pages,
        )


@contextlib.contextmanager
def source_errors(source: ConnSource) -> Iterator[None]:
    """An error reading the source says so: "reading the source (…): connection lost: …"."""
    try:
        yield
    except PgsnapError as exc:
        exc.reword(f"reading the source ({source.describe()}): {exc}")
        raise


def copy_worker(
    worker_id: int,
    tasks: Any,
    results: Any,
    parent_pid: int,
    target: ConnSource,
    statement: bytes,
    setup: LiveSetup,
) -> None:
    """A worker: a source connection in the leader's snapshot, a target connection with one
    transaction and one COPY, and as many chunks copied across as it can take."""
    try:
        with _connected(setup.source) as src, _connected(target) as dst:
            connection.set_client_encoding(src, setup.encoding)
            snapshot = connection.transaction(src, read_only=True, snapshot=setup.snapshot)
            with snapshot, connection.transaction(dst):
                connection.set_client_encoding(dst, setup.encoding, local=True)
                rows = _copy_chunks(src, dst, statement, tasks, results, parent_pid, setup)
        workers.put_result(results, WorkerDone(rows), parent_pid)
    except BaseException as exc:  # reported to the leader, which drops the staging table
        workers.report_error(results, exc, parent_pid)


@contextlib.contextmanager
def _connected(source: ConnSource) -> Iterator[Conn]:
    """A connection with pgsnap's session settings, closed at the end of the block."""
    conn = connection.connect(source, autocommit=True)
    try:
        with connection.statement_errors():
            connection.apply_session_settings(conn)
        yield conn
    finally:
        conn.close()


def _copy_chunks(
    src: Conn,
    dst: Conn,
    statement: bytes,
    tasks: Any,
    results: Any,
    parent: int,
    setup: LiveSetup,
) -> int:
    """Each chunk's blocks written into the one COPY as they arrive; the rows COPY took.
    In binary, the chunks' rows come without their header and trailer, and the one COPY
    gets one of each around them."""
    binary = setup.binary
    with dst.cursor() as cur:
        with connection.statement_errors(statement.decode()), cur.copy(statement) as copy:
            if binary:
                copy.write(BINARY_HEADER)
            while (task := workers.next_task(tasks, parent)) is not None:
                with source_errors(setup.source):
                    for block, rows in copy_blocks(src, task, binary=binary):
                        copy.write(block)
                        workers.put_result(results, FrameLoaded(len(block), rows), parent)
            if binary:
                copy.write(BINARY_TRAILER)
        return cur.rowcount
