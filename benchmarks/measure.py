"""Run one command and measure its whole process tree: wall, CPU, peak RSS, exit code.

CPU comes from getrusage(RUSAGE_CHILDREN) deltas: the kernel adds a child's CPU (and that of
every descendant it waited for) when we reap it, so a shell pipeline or pg_restore's workers
are counted exactly, and a server backend, which is nobody's child here, is not.  Peak RSS is
sampled: the sum of RSS over the process and all its descendants, every POLL_INTERVAL_S.  So
is peak PSS (Pss in /proc/PID/smaps_rollup): RSS counts a page shared by a forked worker and
its leader in both, PSS splits it between them, so the summed PSS is what the tree really
holds, and the summed RSS what it would hold if nothing were shared.

The server's CPU is measured too, when we know its postmaster (a throwaway cluster): on a
2-core machine the server competes with the client, and a restore is mostly server work.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil  # type: ignore[import-untyped]  # no types-psutil in the venv

POLL_INTERVAL_S = 0.025  # 40 samples a second: a 1 s case still gets a fair peak
# Listing descendants reads /proc/<pid>/stat of every process on the machine (about 2 ms
# here); reading the RSS of the known ones is cheap.  Rescan less often, so the sampler does
# not steal a noticeable share of a 2-core machine from the process it measures.
TREE_RESCAN_S = 0.1
STDERR_TAIL_CHARS = 4000
KILL_GRACE_S = 10.0
SERVER_SETTLE_S = 2.0  # how long to wait for a case's backends to end after its client did


@dataclass(frozen=True, slots=True)
class Usage:
    """What one run of a command cost, client side."""

    wall_s: float
    user_s: float
    sys_s: float
    peak_rss_bytes: int
    exit_code: int  # negative: killed by that signal
    stderr_tail: str  # the last lines of its stderr, for failures
    timed_out: bool = False
    server_cpu_s: float | None = None  # the postmaster and its backends; None if unknown
    loadavg_before: float = 0.0  # 1-minute load average at the start: others' work shows here
    peak_pss_bytes: int = 0  # summed PSS over the tree, sampled with the RSS (0 if unreadable)
    # the tree at its RSS peak: (pid, what it runs, RSS, PSS) per process, the root first
    peak_processes: tuple[tuple[int, str, int, int], ...] = ()

    @property
    def cpu_s(self) -> float:
        return self.user_s + self.sys_s


def run_measured(
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path,
    timeout_s: float,
    server_pid: int | None = None,
) -> Usage:
    """Run argv (stdin and stdout to /dev/null) and measure it.  Never raises on failure.

    The command gets its own session, so that on timeout its whole process group (ours,
    by id) gets SIGTERM, then SIGKILL.  Nothing else may spawn children meanwhile: the CPU
    delta would count them.
    """
    loadavg = os.getloadavg()[0]
    server = _ServerCpu(server_pid)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=dict(env),
            cwd=cwd,
            start_new_session=True,
        )
        sampler = _RssSampler(proc.pid)
        sampler.start()
        timed_out = _wait(proc, timeout_s)
        wall = time.perf_counter() - started
        sampler.finish()
        err.seek(0)
        tail = _tail(err.read().decode(errors="replace"))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_s = server.used()
    return Usage(
        wall_s=wall,
        user_s=after.ru_utime - before.ru_utime,
        sys_s=after.ru_stime - before.ru_stime,
        peak_rss_bytes=sampler.peak,
        exit_code=proc.returncode,
        stderr_tail=tail,
        timed_out=timed_out,
        server_cpu_s=server_s,
        loadavg_before=loadavg,
        peak_pss_bytes=sampler.peak_pss,
        peak_processes=sampler.peak_processes,
    )


def _wait(proc: subprocess.Popen[bytes], timeout_s: float) -> bool:
    """Wait for proc; on timeout end its process group.  True if it timed out."""
    try:
        proc.wait(timeout=timeout_s)
        return False
    except subprocess.TimeoutExpired:
        pass
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=KILL_GRACE_S)
            break
        except subprocess.TimeoutExpired:
            continue
    return True


def _tail(text: str) -> str:
    return text[-STDERR_TAIL_CHARS:].strip()


class _ServerCpu:
    """CPU used by a postmaster and its backends between construction and used().

    A backend that ends is reaped by the postmaster, whose children_user/children_system then
    hold its whole CPU; so: the postmaster's own and reaped-children times, plus the live
    backends' times at the end, minus those at the start.  used() first waits (a little) for
    the backends the case started to be gone and reaped: a client that has exited may leave
    its backend a few milliseconds behind, and a zombie's CPU is readable nowhere.
    """

    def __init__(self, pid: int | None) -> None:
        self._proc = None if pid is None else psutil.Process(pid)
        self._before = self._children()
        self._start = self._snapshot()

    def used(self) -> float | None:
        deadline = time.monotonic() + SERVER_SETTLE_S
        while time.monotonic() < deadline and not self._children() <= self._before:
            time.sleep(POLL_INTERVAL_S)
        end = self._snapshot()
        if self._start is None or end is None:
            return None
        return end - self._start

    def _children(self) -> set[int]:
        if self._proc is None:
            return set()
        with contextlib.suppress(psutil.Error):
            return {p.pid for p in self._proc.children()}
        return set()

    def _snapshot(self) -> float | None:
        if self._proc is None:
            return None
        try:
            t = self._proc.cpu_times()
            total: float = t.user + t.system + t.children_user + t.children_system
            for child in self._proc.children():
                with contextlib.suppress(psutil.Error):
                    ct = child.cpu_times()
                    total += ct.user + ct.system
        except psutil.Error:
            return None
        return total


class _RssSampler(threading.Thread):
    """Polls the summed RSS and PSS of a process tree until finish(); `peak` and `peak_pss`
    are the maxima seen (each its own maximum: they need not come from the same sample)."""

    def __init__(self, pid: int) -> None:
        super().__init__(name=f"rss-{pid}", daemon=True)
        self.peak = 0
        self.peak_pss = 0
        self.peak_processes: tuple[tuple[int, str, int, int], ...] = ()
        self._done = threading.Event()
        try:
            self._root: psutil.Process | None = psutil.Process(pid)
        except psutil.NoSuchProcess:
            self._root = None

    def finish(self) -> None:
        self._done.set()
        self.join()

    def run(self) -> None:
        if self._root is None:
            return
        known = {self._root.pid: self._root}
        next_scan = 0.0
        while True:
            now = time.monotonic()
            if now >= next_scan:
                known.update(self._descendants())
                next_scan = now + TREE_RESCAN_S
            each = _memory(known)
            rss, pss = sum(m[2] for m in each), sum(m[3] for m in each)
            if rss > self.peak:
                self.peak, self.peak_processes = rss, tuple(each)
            self.peak_pss = max(self.peak_pss, pss)
            if self._done.wait(POLL_INTERVAL_S):
                return

    def _descendants(self) -> dict[int, psutil.Process]:
        assert self._root is not None
        try:
            return {p.pid: p for p in self._root.children(recursive=True)}
        except psutil.Error:
            return {}


def _memory(known: dict[int, psutil.Process]) -> list[tuple[int, str, int, int]]:
    """(pid, name, RSS, PSS) of each known process; those that ended are forgotten."""
    out = []
    for pid, proc in list(known.items()):
        try:
            rss = proc.memory_info().rss
        except psutil.Error:
            del known[pid]
            continue
        out.append((pid, _what(proc), rss, pss_bytes(pid)))
    return out


def _what(proc: psutil.Process) -> str:
    """A short name: the program, or for Python the module or script it runs."""
    try:
        argv = proc.cmdline()
    except psutil.Error:
        return "?"
    if len(argv) > 2 and argv[1] in ("-m", "-c"):
        return argv[2][:40]
    return " ".join(Path(a).name for a in argv[:2])[:40]


def pss_bytes(pid: int) -> int:
    """The process's proportional set size (kernel 4.14+: smaps_rollup); 0 if unreadable."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0
