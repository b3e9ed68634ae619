"""Worker pools for parallel dump and load: processes by default, threads on request.

The per-row cost of reading COPY holds the GIL (notes/baseline.md), so dump workers are
processes, each with its own connection, compressing its own frames and handing compressed
bytes to the single writer.  Messages are small NamedTuples (each stage defines its own), so
they pickle cheaply; a worker's failure is a WorkerFailed.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import multiprocessing.queues
import os
import queue
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from pgsnap.errors import PgsnapError

WORKER_KINDS = ("process", "thread")
RESULT_QUEUE_PER_WORKER = 2  # compressed frames in flight per worker: bounds the writer's memory
POLL_S = 0.5  # how often a waiting side checks that the other side is still alive
# fork: a spawned worker re-imports psycopg and pgsnap, about 0.6 s each on the 2-core test
# machine, which is most of a small parallel dump.  A forked worker never touches the
# leader's connection and leaves through os._exit, so it cannot close it.  Where fork is
# unavailable or unsafe (macOS, Windows), spawn.
START_METHOD = "fork" if sys.platform.startswith("linux") else "spawn"
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
M_MMAP_THRESHOLD = -3  # <malloc.h>: mallopt's parameter
# Buffers from this size up (4 MiB frames, their compressed forms) get pages of their own, returned
# to the kernel when freed.  glibc's default threshold grows to the size of the biggest buffer freed
# (up to 32 MiB), after which frames come from the heap, whose holes stay resident: a load worker
# grew by 17-20 MB over 20 frames, 8 MB with this.  The price is the page faults of fresh pages for
# every frame.  Measured (A/B, 2 runs each): load -j 4 of 1M papers rows, tree RSS 261/265 ->
# 245/248 MB for +12% client CPU (3.2 -> 3.6 s, where the server's 10 s dominate); dump -j 2 of 1M
# papers rows 144/151 -> 142/143 MB for +15-20% client CPU (2.3 -> 2.7 s, the leader bounded too),
# and of 150 MB of TOAST-heavy rows 167/167 -> 148/149 MB for +14% (1.04 -> 1.18 s).  Without it
# dump -j 2 was over its 150 MB budget (issue 13) while its frames went through the leader.  So the
# load's workers bound their heap (start_pool's bounded_heap), and so does the CLI's load leader.  A
# dump's workers do not since they write their frames into the file themselves (backup/parallel.py)
# instead of sending them to the leader: page faults are dear on this kind of VM (a fresh page costs
# about 2 us), and without the frames in flight dump -j 2 keeps its budget anyway: 1M papers rows
# 140 MB, 2 GB of TOAST-heavy rows 145 MB (bounded as well: 139 and 143 MB, but the TOAST dump took
# 5.7-6.1 s, not 3.9-4.4).
MMAP_THRESHOLD_BYTES = 1 << 20


class WorkerError(PgsnapError):
    """A worker failed; carries the worker's own message and exit code."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class WorkerFailed(NamedTuple):
    """A worker's error, as its PgsnapError said it, and the exit code."""

    message: str
    exit_code: int


class _Queue(Protocol):
    def put(self, item: Any, block: bool = ..., timeout: float | None = ...) -> None: ...

    def get(self, block: bool = ..., timeout: float | None = ...) -> Any: ...


@dataclass
class Pool:
    """N workers running `target(worker_id, tasks, results, *args)`."""

    kind: str
    tasks: _Queue
    results: _Queue
    workers: list[Any]

    def alive(self) -> bool:
        return any(w.is_alive() for w in self.workers)

    def stop(self) -> None:
        """Stop the workers: they are ours, and idle or failed at this point.  A thread
        cannot be killed: it gets no new task, and its next put or get on a closed queue
        ends it (it is a daemon besides).

        The leader's multiprocessing queues are closed without waiting for their feeder
        threads: after a failure nobody reads them, and a feeder blocked on a full pipe would
        otherwise hold the interpreter at exit (a worker thread of the leader puts too)."""
        for w in self.workers:
            if isinstance(w, multiprocessing.process.BaseProcess) and w.is_alive():
                w.terminate()
        _drain(self.tasks)
        for q in (self.tasks, self.results):
            if isinstance(q, multiprocessing.queues.Queue):
                q.cancel_join_thread()
                q.close()
        if not isinstance(self.tasks, multiprocessing.queues.Queue):
            for _ in self.workers:  # an end-of-work marker for each worker thread
                self.tasks.put(None)
        for w in self.workers:
            w.join(timeout=10)


def _drain(tasks: _Queue) -> None:
    with contextlib.suppress(queue.Empty, ValueError, OSError):
        while True:
            tasks.get(block=False)


def start_pool(
    kind: str,
    jobs: int,
    target: Callable[..., None],
    *args: Any,
    leader_thread: bool = False,
    start_method: str | None = None,
    bounded_heap: bool = False,
) -> Pool:
    """`jobs` workers.  With `leader_thread`, a process pool runs jobs - 1 processes and one
    thread of the leader, which saves a whole interpreter's memory (about 45 MB).  Only for
    workers that wait in psycopg (which releases the GIL): the dump's COPY loop blocks in
    PQgetCopyData holding the GIL, and a dump with a leader thread ran up to 7x slower.
    `start_method` overrides START_METHOD: "spawn" for workers that use obstore, whose tokio
    runtime hangs in a forked child once the leader has used it (checked with 0.12.1).
    `bounded_heap`: each worker process calls bound_heap() first."""
    if kind not in WORKER_KINDS:
        raise ValueError(kind)
    leader = os.getpid()
    if kind == "process":
        ctx: Any = multiprocessing.get_context(start_method or START_METHOD)
        tasks: _Queue = ctx.Queue()
        results: _Queue = ctx.Queue(maxsize=jobs * RESULT_QUEUE_PER_WORKER)
        nproc = jobs - 1 if leader_thread else jobs
        processes = [
            ctx.Process(
                target=_process_main,
                args=(target, bounded_heap, i, tasks, results, leader, *args),
                daemon=True,
            )
            for i in range(nproc)
        ]
        _start_forked(processes)
        threads = [_thread(target, i, tasks, results, leader, args) for i in range(nproc, jobs)]
    else:
        tasks = queue.Queue()
        results = queue.Queue(maxsize=jobs * RESULT_QUEUE_PER_WORKER)
        processes = []
        threads = [_thread(target, i, tasks, results, leader, args) for i in range(jobs)]
    for t in threads:
        t.start()
    return Pool(kind, tasks, results, [*processes, *threads])


def _process_main(
    target: Callable[..., None],
    bounded: bool,
    i: int,
    tasks: _Queue,
    results: _Queue,
    leader: int,
    *args: Any,
) -> None:
    """A worker process: bound to its leader's life (and its heap bounded), then `target`."""
    die_with_leader(leader)
    if bounded:
        bound_heap()
    try:
        target(i, tasks, results, leader, *args)
    finally:
        if leader_gone(leader) and isinstance(results, multiprocessing.queues.Queue):
            # nobody reads the results any more: do not wait at exit to flush them into a
            # full pipe (a worker did, for good, after its leader was killed)
            results.cancel_join_thread()


def bound_heap() -> None:
    """Have glibc's malloc give big buffers back when they are freed (MMAP_THRESHOLD_BYTES):
    a load frees a 4 MiB frame after another, and its heap kept the holes.  The page faults
    of fresh pages (about 2 ms of CPU per frame) buy a process whose memory stays low.
    Process-wide and for good: for pgsnap's own processes.  Elsewhere than glibc, nothing."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)


def die_with_leader(leader: int) -> None:
    """Have the kernel SIGKILL this process when its leader dies, however it dies (Linux
    prctl PR_SET_PDEATHSIG): after a kill -9 the leader cannot stop its workers, and a worker
    busy in COPY, or blocked in a queue at exit, would outlive it.  The signal is sent when
    the leader's thread that forked this process ends: start_pool's caller waits there for
    its workers.  Elsewhere the workers' own leader_gone() checks remain."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != leader:  # it died before the prctl took effect
        os._exit(1)


def _thread(
    target: Callable[..., None],
    i: int,
    tasks: _Queue,
    results: _Queue,
    leader: int,
    args: tuple[Any, ...],
) -> threading.Thread:
    return threading.Thread(target=target, args=(i, tasks, results, leader, *args), daemon=True)


def _start_forked(processes: list[Any]) -> None:
    """Start the processes before any worker thread exists (fork copies one thread only).

    A forked child shares the leader's pages until it writes to them; the collector writes
    to every object it scans, so the objects are frozen across the fork (Python's gc docs).
    """
    gc.freeze()
    try:
        for p in processes:
            p.start()
    finally:
        gc.unfreeze()


def next_result(pool: Pool) -> object:
    """The next message from the workers; raises WorkerError for a worker's error or death."""
    while True:
        try:
            msg: object = pool.results.get(timeout=POLL_S)
        except queue.Empty:
            if not pool.alive():
                raise WorkerError("every worker exited before the work was done", 1) from None
            continue
        if isinstance(msg, WorkerFailed):
            raise WorkerError(msg.message, msg.exit_code)
        return msg


def leader_gone(parent_pid: int) -> bool:
    """True in a worker process whose leader has died (it was re-parented)."""
    return os.getpid() != parent_pid and os.getppid() != parent_pid


def next_task(tasks: _Queue, parent_pid: int) -> Any:
    """The next task; None when there are no more.  A worker whose leader was killed exits
    (SystemExit) instead of holding its transaction open."""
    while True:
        if leader_gone(parent_pid):
            raise SystemExit(1)
        try:
            return tasks.get(timeout=POLL_S)
        except queue.Empty:
            continue
        except (ValueError, OSError):  # the leader closed the queue: the work is over
            raise SystemExit(1) from None


def put_result(results: _Queue, message: object, parent_pid: int) -> None:
    """Hand a message to the leader; exit if the leader has gone away while we wait."""
    while True:
        if leader_gone(parent_pid):
            raise SystemExit(1)
        try:
            results.put(message, timeout=POLL_S)
            return
        except queue.Full:
            continue
        except (ValueError, OSError):  # the leader closed the queue: nobody will read it
            raise SystemExit(1) from None


def report_error(results: _Queue, exc: BaseException, parent_pid: int) -> None:
    if isinstance(exc, SystemExit):
        return  # the leader is gone: nobody to tell
    if not isinstance(exc, PgsnapError):
        exc = _server_error(exc) or exc
    message = str(exc) if isinstance(exc, PgsnapError) else f"worker failed: {exc!r}"
    code = exc.exit_code if isinstance(exc, PgsnapError) else 1
    with contextlib.suppress(SystemExit):
        put_result(results, WorkerFailed(message, code), parent_pid)


def _server_error(exc: BaseException) -> PgsnapError | None:
    """A psycopg error that no statement_errors() block mapped: its one line and exit code
    (a lost connection between two statements is exit 3, not "worker failed")."""
    import psycopg

    from pgsnap.connection import pgsnap_error

    return pgsnap_error(exc) if isinstance(exc, psycopg.Error) else None
