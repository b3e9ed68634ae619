"""Parallel restore into a staging table, then one short swap transaction.

Workers cannot see a table that the leader has not committed, so the leader creates the
table under a staging name (`pgsnap_stage_<hex>`, the plan's load_spec) and commits.  N
workers stream frames into it with COPY FROM STDIN, each in its own transaction; then the
indexes are built in parallel connections, and one transaction renames the staging table (and
everything it owns) to the final names, dropping the old table first for --replace and
--drop-existing.

Until that swap nothing is visible under the final name.  On any failure the staging table is
dropped, on a fresh connection when the leader's was lost; when the server cannot be reached
the error says which table is left.  If the leader is killed, a clearly named staging table
remains; the leader held a session advisory lock on it, so the next load can tell it is
orphaned and removes it.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol, runtime_checkable

import psycopg

from pgsnap import connection, workers
from pgsnap.archive.reader import ArchiveReader
from pgsnap.catalog.fetch import fetch_as
from pgsnap.config import ConnSource
from pgsnap.connection import Conn
from pgsnap.ddl.copy import copy_from
from pgsnap.ddl.staging import STAGING_PREFIX, staging_names, unstaged
from pgsnap.ddl.statements import split_key_constraint
from pgsnap.errors import ConnectError, InterruptedError_, PgsnapError
from pgsnap.model import Dependency, QualifiedName, TableSpec
from pgsnap.naming import ident
from pgsnap.progress import Event, ProgressFn
from pgsnap.restore import dependencies, ops, planstats, watch
from pgsnap.restore.plan import TablePlan
from pgsnap.storage import is_remote

ADVISORY_CLASS = 0x70677370  # "pgsp": first key of pgsnap's advisory locks
INDEX_PREFIXES = ("CREATE INDEX", "CREATE UNIQUE INDEX")
RECONNECT_S = 15.0  # how long a failed load tries to reach a restarting server to clean up
RECONNECT_PAUSE_S = 0.5


class Workers(NamedTuple):
    """How a feed's workers run: `target(worker_id, tasks, results, parent_pid, *args)`,
    each taking the feed's tasks until None, reporting FrameLoaded for each block it wrote
    and WorkerDone when its COPY committed.  `leader_thread` and `start_method` as
    workers.start_pool has them."""

    target: Callable[..., None]
    args: tuple[Any, ...]
    leader_thread: bool
    start_method: str | None = None


@runtime_checkable
class Feed(Protocol):
    """Where the parallel workers take a table's rows from: an archive's frames (FileFeed),
    or the chunks of a live table (pgsnap copy's source)."""

    def tasks(self, index: int) -> list[Any]:
        """The work for table `index`, one task a worker takes at a time."""
        ...

    def total_bytes(self, index: int) -> int | None:
        """The size of the table's rows, when known before reading them (for progress)."""
        ...

    def workers(self, target: ConnSource, spec: TableSpec) -> Workers:
        """The workers that COPY the rows FROM STDIN into `spec` (the staging table) on
        `target`."""
        ...

    def expected_rows(self, index: int, sent: int) -> int:
        """The rows the table must have loaded, the workers having sent `sent`."""
        ...


class FileFeed:
    """An archive's frames: each worker opens the file and reads the frames it takes."""

    def __init__(self, reader: ArchiveReader) -> None:
        self.reader = reader

    def tasks(self, index: int) -> list[Any]:
        return list(self.reader.manifest.table_frames(index))

    def total_bytes(self, index: int) -> int | None:
        frames = self.reader.frames
        return sum(frames[i].raw_size for i in self.reader.manifest.table_frames(index))

    def workers(self, target: ConnSource, spec: TableSpec) -> Workers:
        statement = copy_from(spec).encode()
        # spawn for an object: obstore's runtime hangs in a forked child (storage/client.py)
        spawn = "spawn" if is_remote(self.reader.path) else None
        return Workers(_load_worker, (target, self.reader.path, statement), True, spawn)

    def expected_rows(self, index: int, sent: int) -> int:
        return self.reader.manifest.rows[index]


@dataclass(frozen=True, slots=True)
class Job:
    """One table loaded by parallel workers, as the plan says."""

    source: ConnSource
    feed: Feed
    plan: TablePlan  # plan.load_spec is the staging table, plan.spec the final one
    dependencies: tuple[Dependency, ...]
    schemas: Sequence[str]  # the archive's schemas to create when missing
    jobs: int
    worker_kind: str
    analyze: bool = False  # ANALYZE even where the archive's statistics could be restored
    stats_version: int | None = None  # the source's server_version_num


class FrameLoaded(NamedTuple):
    """A worker wrote one frame into its COPY (for progress)."""

    raw_size: int
    rows: int


class WorkerDone(NamedTuple):
    """A worker committed its COPY: the rows it loaded."""

    rows: int


def _lock_key(conn: Conn, name: QualifiedName) -> int:
    row = conn.execute("SELECT pg_catalog.hashtext(%s)", (f"{name.schema}.{name.name}",)).fetchone()
    assert row is not None
    return int(row[0])


def remove_orphans(conn: Conn, progress: ProgressFn) -> list[str]:
    """Drop staging tables left by killed loads: those whose advisory lock nobody holds."""
    pattern = STAGING_PREFIX.replace("_", "\\_") + "%"
    removed = []
    for name in fetch_as(conn, "staging_tables", QualifiedName, pattern=pattern):
        key = _lock_key(conn, name)
        got = conn.execute("SELECT pg_catalog.pg_try_advisory_lock(%s, %s)", (ADVISORY_CLASS, key))
        if not got.fetchone()[0]:  # type: ignore[index]
            continue  # a running load holds it
        try:
            ops.drop_tables(conn, [name], cascade=True, if_exists=True)
            removed.append(name.display())
            progress(
                Event(
                    "step",
                    name.display(),
                    message=f"removed {name.display()}, left by an interrupted load",
                )
            )
        finally:
            conn.execute("SELECT pg_catalog.pg_advisory_unlock(%s, %s)", (ADVISORY_CLASS, key))
    return removed


def run_parallel(
    conn: Conn, job: Job, *, cascade: bool, progress: ProgressFn
) -> tuple[int, list[str]]:
    """Load the plan's table through its staging table; the rows loaded, and what the swap
    dropped or kept."""
    plan = job.plan
    key = _lock_key(conn, plan.load_spec.qname)
    conn.execute("SELECT pg_catalog.pg_advisory_lock(%s, %s)", (ADVISORY_CLASS, key))
    try:
        created = _create(conn, job)
        try:
            rows, sent = _copy_parallel(job, progress)
            ops.check_rows(plan.spec, rows, job.feed.expected_rows(plan.index, sent))
            _post_data(conn, job, progress)
            label = plan.spec.qname.display()
            progress(Event("phase", label, message="swapping into place"))
            with connection.transaction(conn):
                actions = ops.swap_into_place(conn, plan, cascade=cascade)
                if _restores_statistics(conn, job):  # on the final names, after every index
                    progress(Event("phase", label, message="restoring planner statistics"))
                    planstats.restore_statistics(conn, [plan.spec], job.stats_version)
        except BaseException as exc:
            if isinstance(exc, PgsnapError):  # the user's names; a staging table left is named
                exc.reword(unstaged(str(exc), staging_names(plan.load_spec, plan.spec)))
            if not _clean_up(conn, job, created):
                _say_left(exc, plan.load_spec)
            raise
    finally:
        with contextlib.suppress(psycopg.Error):
            conn.execute("SELECT pg_catalog.pg_advisory_unlock(%s, %s)", (ADVISORY_CLASS, key))
    return rows, actions


def _create(conn: Conn, job: Job) -> list[Dependency]:
    """Create the missing schemas, dependencies and the staging table, and commit: workers
    need it.  (A created schema stays if the load fails later; it is empty.)"""
    with connection.transaction(conn):
        dependencies.ensure_schemas(conn, job.schemas)
        created = dependencies.ensure(conn, job.dependencies)
        for stmt in job.plan.load_spec.pre_data:
            connection.run(conn, stmt)
    return created


def _clean_up(conn: Conn, job: Job, created: list[Dependency]) -> bool:
    """Drop the staging table and the dependencies this load created, on the leader's
    connection, or on a fresh one when that one was lost (a restarted server, a terminated
    backend).  False when the table could not be dropped."""
    try:
        _drop_staging(conn, job.plan.load_spec, created)
        return True
    except ConnectError:
        pass  # the leader's session is gone: a new one can still clean up
    except PgsnapError:
        return False
    fresh = _reconnect(job.source)
    if fresh is None:
        return False
    try:
        _drop_staging(fresh, job.plan.load_spec, created)
        return True
    except PgsnapError:
        return False
    finally:
        fresh.close()


def _drop_staging(conn: Conn, staged: TableSpec, created: list[Dependency]) -> None:
    connection.rollback(conn)
    ops.drop_tables(conn, [staged.qname], cascade=True, if_exists=True)
    dependencies.drop_created(conn, created)


def _reconnect(source: ConnSource) -> Conn | None:
    """A new connection, tried for RECONNECT_S (a restarting server refuses connections for a
    second or two); None when the server stays away."""
    deadline = time.monotonic() + RECONNECT_S
    while time.monotonic() < deadline:
        try:
            conn = connection.connect(source, autocommit=True)
        except ConnectError:
            time.sleep(RECONNECT_PAUSE_S)
            continue
        try:
            with connection.statement_errors():
                connection.apply_session_settings(conn)
        except PgsnapError:
            conn.close()
            continue
        return conn
    return None


def _say_left(exc: BaseException, staged: TableSpec) -> None:
    """The error line says which staging table is left (README: "Load")."""
    left = (
        f"the staging table {staged.qname.display()} could not be dropped; the next load removes it"
    )
    if isinstance(exc, PgsnapError):
        exc.extend(left)
    elif isinstance(exc, KeyboardInterrupt):
        raise InterruptedError_(f"interrupted; {left}") from None


def _copy_parallel(job: Job, progress: ProgressFn) -> tuple[int, int]:
    """The table's rows loaded by the workers: the rows they committed, and sent."""
    plan, feed = job.plan, job.feed
    tasks = feed.tasks(plan.index)
    label = plan.spec.qname.display()
    total_bytes = feed.total_bytes(plan.index)
    progress(Event("start", label, total_bytes=total_bytes or None))
    nworkers = max(1, min(job.jobs, len(tasks)))
    how = feed.workers(job.source, plan.load_spec)
    pool = workers.start_pool(
        job.worker_kind,
        nworkers,
        how.target,
        *how.args,
        leader_thread=how.leader_thread,
        start_method=how.start_method,
        bounded_heap=True,  # frame after frame: workers.bound_heap
    )
    try:
        for task in tasks:
            pool.tasks.put(task)
        for _ in range(nworkers):
            pool.tasks.put(None)
        rows, sent, done_bytes = _collect(pool, nworkers, label, total_bytes, progress)
    finally:
        pool.stop()
    progress(Event("done", label, rows=rows, bytes=done_bytes))
    return rows, sent


def _collect(
    pool: workers.Pool, nworkers: int, label: str, total_bytes: int | None, progress: ProgressFn
) -> tuple[int, int, int]:
    """The workers' messages until each has committed: the rows they loaded, the rows and
    bytes they sent."""
    rows = done_bytes = done_rows = finished = 0
    while finished < nworkers:
        msg = workers.next_result(pool)
        if isinstance(msg, FrameLoaded):
            done_bytes += msg.raw_size
            done_rows += msg.rows
            progress(Event("rows", label, done_rows, done_bytes, total_bytes or None))
        elif isinstance(msg, WorkerDone):
            rows += msg.rows
            finished += 1
    return rows, done_rows, done_bytes


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
            with ArchiveReader.open(path) as reader, connection.transaction(conn):
                connection.set_client_encoding(
                    conn, connection.copy_encoding(reader.header.encoding), local=True
                )
                rows = _copy_frames(conn, reader, statement, tasks, results, parent_pid)
            workers.put_result(results, WorkerDone(rows), parent_pid)
        finally:
            conn.close()
    except BaseException as exc:  # reported to the leader, which drops the staging table
        workers.report_error(results, exc, parent_pid)


def _copy_frames(
    conn: Conn, reader: ArchiveReader, statement: bytes, tasks: Any, results: Any, parent: int
) -> int:
    with conn.cursor() as cur:
        with connection.statement_errors(statement.decode()), cur.copy(statement) as copy:
            while (task := workers.next_task(tasks, parent)) is not None:
                raw = reader.read_frame(task)  # its rows counted there, as the manifest says
                copy.write(raw)
                loaded = FrameLoaded(len(raw), reader.frames[task].rows)
                workers.put_result(results, loaded, parent)
        return cur.rowcount


def split_post_data(stmts: tuple[str, ...]) -> tuple[list[str], list[str], list[str]]:
    """(before, indexes, after): the CREATE INDEX statements can run side by side.

    ddl.table.post_data orders keys, then foreign keys and late checks, then plain indexes,
    then the rest; the keys' ACCESS EXCLUSIVE locks would serialise anyway.
    """
    first = next((i for i, s in enumerate(stmts) if s.startswith(INDEX_PREFIXES)), len(stmts))
    last = first
    while last < len(stmts) and stmts[last].startswith(INDEX_PREFIXES):
        last += 1
    return list(stmts[:first]), list(stmts[first:last]), list(stmts[last:])


def _post_data(conn: Conn, job: Job, progress: ProgressFn) -> None:
    """Keys and indexes built side by side, then keys attached, then the rest in order; each
    slow statement said as a phase, index builds with the server's percentages."""
    label = job.plan.spec.qname.display()
    oids = watch.table_oids(conn, [job.plan.load_spec.qname])
    with watch.index_builds_watched(job.source, oids, label, progress):
        _post_data_statements(conn, job, label, progress)


def _post_data_statements(conn: Conn, job: Job, label: str, progress: ProgressFn) -> None:
    staged = job.plan.load_spec
    names = staging_names(staged, job.plan.spec)
    # the archive's statistics are restored after the swap instead (run_parallel)
    restored = _restores_statistics(conn, job)
    analyze = [] if restored else [f"ANALYZE {ident(staged.schema, staged.name)}"]
    if staged.kind == "p":  # partition keys and indexes attach to the parent's, in order
        watch.run_phases(conn, [*staged.post_data, *analyze], label, progress, names)
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
    _set_index_memory(conn)
    # ANALYZE (SHARE UPDATE EXCLUSIVE) runs beside the index builds (SHARE): neither waits
    if job.jobs > 1:
        if indexes:
            many = f"building {len(indexes)} indexes, {job.jobs} at a time"
            progress(Event("phase", label, message=many))
        _parallel_statements(job.source, [*indexes, *analyze], job.jobs)
    else:
        watch.run_phases(conn, [*indexes, *analyze], label, progress, names)
    watch.run_phases(conn, attach + rest + after, label, progress, names)


def _restores_statistics(conn: Conn, job: Job) -> bool:
    return planstats.restores_statistics(conn, job.plan, analyze=job.analyze)


def _set_index_memory(conn: Conn) -> None:
    with connection.statement_errors():
        for name, value in ops.INDEX_BUILD_SETTINGS:
            conn.execute("SELECT pg_catalog.set_config(%s, %s, false)", (name, value))


def _parallel_statements(source: ConnSource, stmts: list[str], jobs: int) -> None:
    def one(stmt: str) -> None:
        with connection.connect(source, autocommit=True) as c:
            connection.apply_session_settings(c)
            _set_index_memory(c)
            connection.run(c, stmt)

    if not stmts:
        return
    with ThreadPoolExecutor(max_workers=min(jobs, len(stmts))) as pool:
        for future in [pool.submit(one, s) for s in stmts]:
            future.result()
