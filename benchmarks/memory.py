"""Memory of pgsnap's process tree: dump and load at -j 1, 2 and 4 on the `papers` table.

Issue 13 point 4: the whole tree of `dump -j 2` under 150 MB and of `dump -j 4` and
`load -j 4` under 250 MB, at any table size.  On a throwaway cluster (benchmarks/cluster.py,
the benchmark settings) the `papers` table of notes/baseline.md gets --rows rows; then every
case runs as a subprocess, the cases alternating --repeat times, each measured by
benchmarks/measure.py: peak RSS and peak PSS summed over the process tree (RSS counts a page
that a forked worker shares with its leader in both; PSS splits it), wall, client and server
CPU, and the tree at its RSS peak, process by process.

    .venv/bin/python benchmarks/memory.py --rows 1000000

Writes benchmarks/results/memory_latest.md (or --output).
"""

from __future__ import annotations

import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import cases
import click
import psycopg
from cluster import LocalCluster, Target, system_bindir, wheel_bindir
from measure import Usage, run_measured
from run import create_dataset

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SOURCE_DB = cases.SOURCE_DB  # where create_dataset puts papers
TARGET_DB = "bench_mem_target"
CASE_TIMEOUT_S = 3600.0
LIMITS_MB = {("dump", 2): 150, ("dump", 4): 250, ("load", 4): 250}  # issue 13 point 4
MB = 1e6


@dataclass(frozen=True, slots=True)
class Run:
    side: str  # dump | load
    jobs: int
    usage: Usage


class Bench:
    def __init__(self, target: Target, workdir: Path) -> None:
        self.target, self.workdir = target, workdir
        self.env = {**target.client_env(), "PYTHONPATH": str(REPO)}

    def archive(self, jobs: int) -> Path:
        return self.workdir / f"papers_j{jobs}.sql.zst"

    def dump(self, jobs: int) -> Run:
        out = self.archive(jobs)
        argv = ["dump", "papers", "--dsn", self.target.conninfo(SOURCE_DB), "-o", str(out)]
        return Run("dump", jobs, self._run([*argv, "-j", str(jobs), "--force", "-q"]))

    def load(self, jobs: int) -> Run:
        with psycopg.connect(self.target.dsn("postgres"), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {TARGET_DB} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {TARGET_DB}")
        archive = self.archive(max(jobs, 2))  # a dump of several chunks, as a user's would be
        argv = ["load", str(archive), "--dsn", self.target.conninfo(TARGET_DB), "-q"]
        return Run("load", jobs, self._run([*argv, "-j", str(jobs)]))

    def _run(self, args: list[str]) -> Usage:
        argv = [sys.executable, "-m", "pgsnap", *args]
        usage = run_measured(
            argv, env=self.env, cwd=self.workdir, timeout_s=CASE_TIMEOUT_S,
            server_pid=self.target.server_pid,
        )  # fmt: skip
        if usage.exit_code != 0:
            raise click.ClickException(f"{' '.join(args[:1])} failed: {usage.stderr_tail}")
        return usage


@click.command()
@click.option("--rows", type=int, default=1_000_000, show_default=True)
@click.option("--repeat", type=int, default=1, show_default=True)
@click.option("--jobs", default="1,2,4", show_default=True)
@click.option("--only", type=click.Choice(["dump", "load"]), default=None)
@click.option("--server", type=click.Choice(["pg18", "pg15"]), default="pg18", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False), default=None)
def main(
    rows: int, repeat: int, jobs: str, only: str | None, server: str, output: str | None
) -> None:
    job_counts = [int(j) for j in jobs.split(",")]
    bindir = wheel_bindir() if server == "pg18" else system_bindir(15)
    cluster = LocalCluster(server, bindir)
    try:
        dataset = create_dataset(cluster.target, rows)
        bench = Bench(cluster.target, Path(cluster.workdir))
        for j in {max(j, 2) for j in job_counts} - set(job_counts if only != "load" else []):
            bench.dump(j)  # the archives the loads read (untimed when not a case)
        runs: list[Run] = []
        for _ in range(repeat):
            runs += [bench.dump(j) for j in job_counts if only != "load"]
            runs += [bench.load(j) for j in job_counts if only != "dump"]
            for r in runs[-len(job_counts) * (1 if only else 2) :]:
                _log(f"  {r.side} -j {r.jobs}: {r.usage.peak_rss_bytes / MB:.0f} MB RSS")
    finally:
        cluster.stop()
    text = report(runs, dataset, server)
    print(text)
    path = Path(output) if output else HERE / "results" / "memory_latest.md"
    path.write_text(text, encoding="utf-8")


def report(runs: list[Run], dataset: dict[str, object], server: str) -> str:
    heap = int(str(dataset["heap_bytes"])) / MB
    lines = [
        f"# Memory of the process tree ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})",
        "",
        f"`papers`: {dataset['rows']:,} rows, heap {heap:.0f} MB; {server}.  Peak RSS and PSS "
        "summed over the tree (the maximum over the runs), wall and CPU (medians).",
        "",
        "| case | peak RSS MB | peak PSS MB | limit MB | wall s | client CPU s | server CPU s "
        "| at the RSS peak: RSS/PSS MB per process |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for side, jobs in dict.fromkeys((r.side, r.jobs) for r in runs):
        mine = [r.usage for r in runs if (r.side, r.jobs) == (side, jobs)]
        top = max(mine, key=lambda u: u.peak_rss_bytes)
        limit = LIMITS_MB.get((side, jobs))
        cells = [f"{side} -j {jobs}", f"{top.peak_rss_bytes / MB:.0f}"]
        cells += [f"{max(u.peak_pss_bytes for u in mine) / MB:.0f}", str(limit or "")]
        cells += [f"{statistics.median(u.wall_s for u in mine):.2f}"]
        cells += [f"{statistics.median(u.cpu_s for u in mine):.2f}"]
        cells += [f"{statistics.median(u.server_cpu_s or 0.0 for u in mine):.2f}"]
        cells += [_tree(top)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _tree(u: Usage) -> str:
    each = (f"{what} {rss / MB:.0f}/{pss / MB:.0f}" for _, what, rss, pss in u.peak_processes)
    return ", ".join(each)


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
