"""Where the time of `pgsnap copy` goes: a phase profile at -j 1 and -j 2.

On one throwaway cluster (as copy_bench.py: the `papers` table, the benchmark's settings),
pgsnap.copy() runs in this process with a progress sink that stamps every event with the
wall clock, this process tree's CPU (the leader and its worker processes) and the server's
CPU (the postmaster, its reaped children and its live backends).  The server logs every
statement's duration (log_min_duration_statement = 0), so each COPY, CREATE INDEX, ANALYZE
and the swap is timed by the server itself, backend by backend.

    .venv/bin/python benchmarks/copy_profile.py --rows 1000000 --server pg18 --jobs 1,2

Prints a markdown section per run (phases, then the server's slow statements).
"""

from __future__ import annotations

import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import cases
import click
import psutil
import psycopg
from cluster import LocalCluster, Target, system_bindir, wheel_bindir
from copy_bench import _fresh
from run import create_dataset

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import pgsnap
from pgsnap.progress import Event

SLOW_MS = 50.0  # statements shorter than this are summed into "other statements"
DURATION = re.compile(r"\[(\d+)\] LOG:  duration: ([\d.]+) ms  (?:statement|execute [^:]*): (.*)")


@dataclass
class Stamp:
    what: str
    wall: float
    client: float
    server: float


def _cpu_tree(proc: psutil.Process) -> float:
    t = proc.cpu_times()
    total: float = t.user + t.system + t.children_user + t.children_system
    for child in proc.children(recursive=True):
        try:
            ct = child.cpu_times()
            total += ct.user + ct.system
        except psutil.Error:
            pass
    return total


class Clock:
    def __init__(self, server_pid: int) -> None:
        self.me = psutil.Process(os.getpid())
        self.server = psutil.Process(server_pid)
        self.stamps: list[Stamp] = []

    def stamp(self, what: str) -> None:
        now = time.monotonic()
        self.stamps.append(Stamp(what, now, _cpu_tree(self.me), _cpu_tree(self.server)))

    def event(self, e: Event) -> None:
        if e.kind in ("start", "done", "phase", "step"):
            self.stamp(e.kind if e.kind in ("start", "done") else e.message)


def _phases(stamps: list[Stamp]) -> list[str]:
    names = {"start": "rows (COPY)", "done": ""}
    lines = [
        "| phase (from the event on) | wall s | client CPU s | server CPU s |",
        "|---|---|---|---|",
    ]
    first = stamps[0]
    labels = ["connect, snapshot, catalog, checks, DDL"]
    for s in stamps[1:-1]:
        labels.append(names.get(s.what, s.what) or "after the rows")
    for label, a, b in zip(labels, stamps, stamps[1:], strict=False):
        lines.append(
            f"| {label} | {b.wall - a.wall:.2f} | {b.client - a.client:.2f}"
            f" | {b.server - a.server:.2f} |"
        )
    last = stamps[-1]
    lines.append(
        f"| **total** | **{last.wall - first.wall:.2f}** | **{last.client - first.client:.2f}**"
        f" | **{last.server - first.server:.2f}** |"
    )
    return lines


def _statements(log: Path, offset: int) -> list[str]:
    with log.open("rb") as f:
        f.seek(offset)
        text = f.read().decode("utf-8", "replace")
    lines = ["| backend | server ms | statement |", "|---|---|---|"]
    other = 0.0
    for m in DURATION.finditer(text):
        ms, stmt = float(m.group(2)), m.group(3).strip()
        if ms < SLOW_MS:
            other += ms
            continue
        lines.append(f"| {m.group(1)} | {ms:.0f} | `{stmt[:90]}` |")
    lines.append(f"| | {other:.0f} | other statements (< {SLOW_MS:.0f} ms each) |")
    return lines


def _one_run(target: Target, log: Path, jobs: int, extra: dict[str, object]) -> str:
    _fresh(target, "copy_pgsnap")
    clock = Clock(target.server_pid or 0)
    offset = log.stat().st_size
    os.environ.update(target.client_env())
    clock.stamp("begin")
    result = pgsnap.copy(
        "papers", from_dsn=target.conninfo(cases.SOURCE_DB), to_dsn=target.conninfo("copy_pgsnap"),
        jobs=jobs, progress=clock.event, **extra,  # type: ignore[arg-type]
    )  # fmt: skip
    time.sleep(0.3)  # the workers' backends exit and are reaped
    clock.stamp("end")
    load = os.getloadavg()
    head = f"### -j {jobs} ({result.rows:,} rows, {result.mode}; load average {load[0]:.2f})"
    body = [head, "", *_phases(clock.stamps), "", *_statements(log, offset), ""]
    return "\n".join(body)


def _log_statements(target: Target) -> None:
    with psycopg.connect(target.dsn("postgres"), autocommit=True) as conn:
        conn.execute("ALTER SYSTEM SET log_min_duration_statement = 0")
        conn.execute("ALTER SYSTEM SET log_line_prefix = '%m [%p] '")
        conn.execute("SELECT pg_reload_conf()")


@click.command()
@click.option("--rows", default=1_000_000, show_default=True)
@click.option("--server", type=click.Choice(["pg18", "pg15"]), default="pg18", show_default=True)
@click.option("--jobs", default="1,2", show_default=True, help="comma-separated, run in turn")
@click.option("--repeat", default=1, show_default=True)
def main(rows: int, server: str, jobs: str, repeat: int) -> None:
    bindir = wheel_bindir() if server == "pg18" else system_bindir(15)
    cluster = LocalCluster(server, bindir)
    try:
        target = cluster.target
        facts = create_dataset(target, rows)
        _log_statements(target)
        log = cluster.workdir / "postgres.log"
        print(f"## {rows:,} rows of papers on {server} ({facts['server_version']})\n")
        for _ in range(repeat):
            for j in (int(x) for x in jobs.split(",")):
                print(_one_run(target, log, j, {}), flush=True)
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
