"""TOAST-heavy dump: does `dump -j 2` beat `-j 1` on a table that is mostly out-of-line values?

Issue 13 point 3.  On a throwaway cluster (benchmarks/cluster.py, the benchmark settings) a
table `docs (id int PRIMARY KEY, doc jsonb)` is filled with 20-50 kB jsonb documents whose
body is random hex (md5 chains of random numbers), to about --size-gb of heap plus TOAST.
Random hex has no repeats for pglz or lz4 to find, so every value is stored out of line and
uncompressed (the report counts the compressed ones): the server's detoast cost is reading
the TOAST chunks, not decompressing them, whichever of pglz or lz4 the column would use.

Then `pgsnap dump docs -j J` runs as a subprocess, the job counts alternating (1, 2, 1, 2,
...) --repeat times, each measured by benchmarks/measure.py: wall, client CPU (the process
tree), server CPU (the postmaster and its backends), peak RSS and PSS summed over the tree,
and the chunk count the dump reported.

    .venv/bin/python benchmarks/toast.py --size-gb 0.4 --repeat 2

Writes benchmarks/results/toast_latest.md (or --output).
"""

from __future__ import annotations

import re
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import click
import psycopg
from cluster import LocalCluster, Target, system_bindir, wheel_bindir
from measure import Usage, run_measured

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
MIN_VALUE_KB, MAX_VALUE_KB = 20, 50
MD5_CHARS = 32
BATCH_ROWS = 2000  # rows per INSERT: about 70 MB, one transaction each
CASE_TIMEOUT_S = 1800.0
DDL = "CREATE TABLE docs (id int PRIMARY KEY, doc jsonb NOT NULL)"
# md5s per value: 20 kB to 50 kB, spread over the rows by a fixed stride
ROWS_SQL = """
INSERT INTO docs
SELECT g, jsonb_build_object('id', g, 'kind', 'doc' || g % 7, 'body',
    (SELECT string_agg(md5(random()::text || i), '')
     FROM generate_series(1, {low} + (g * 7919) % {spread}) i))
FROM generate_series({first}, {last}) g
"""
SIZES_SQL = """
SELECT pg_relation_size('docs'), pg_table_size('docs') - pg_relation_size('docs'),
       (SELECT count(*) FROM docs), count(*) FILTER (WHERE pg_column_compression(doc) IS NOT NULL)
FROM docs
"""
CHUNKS = re.compile(r"in (\d+) chunks")


@dataclass(frozen=True, slots=True)
class Run:
    jobs: int
    usage: Usage
    chunks: int | None
    file_bytes: int


@dataclass(frozen=True, slots=True)
class Dataset:
    rows: int
    heap_bytes: int
    toast_bytes: int
    compressed: int
    seconds: float


def create_docs(target: Target, size_gb: float) -> Dataset:
    """The docs table, filled to about size_gb; then VACUUM (hint bits, visibility map)."""
    average = (MIN_VALUE_KB + MAX_VALUE_KB) / 2 * 1000
    rows = max(int(size_gb * 1e9 / average), 1)
    low = MIN_VALUE_KB * 1000 // MD5_CHARS
    spread = (MAX_VALUE_KB - MIN_VALUE_KB) * 1000 // MD5_CHARS
    started = time.monotonic()
    with psycopg.connect(target.dsn("postgres"), autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS toast WITH (FORCE)")
        conn.execute("CREATE DATABASE toast")
    with psycopg.connect(target.dsn("toast"), autocommit=True) as conn:
        conn.execute(DDL)
        for first in range(1, rows + 1, BATCH_ROWS):
            last = min(first + BATCH_ROWS - 1, rows)
            sql = ROWS_SQL.format(low=low, spread=spread, first=first, last=last)
            conn.execute(sql.encode())
            _log(f"  {last}/{rows} rows")
        conn.execute("VACUUM (FREEZE, ANALYZE) docs")
        heap, toast, count, compressed = conn.execute(SIZES_SQL.encode()).fetchone() or (0,) * 4
    seconds = time.monotonic() - started
    return Dataset(int(count), int(heap), int(toast), int(compressed), seconds)


def dump_once(target: Target, workdir: Path, jobs: int) -> Run:
    out = workdir / f"docs_j{jobs}.sql.zst"
    out.unlink(missing_ok=True)
    argv = [sys.executable, "-m", "pgsnap", "dump", "docs", "--dsn", target.conninfo("toast")]
    argv += ["-o", str(out), "-j", str(jobs), "--force"]
    env = {**target.client_env(), "PYTHONPATH": str(REPO)}
    usage = run_measured(
        argv, env=env, cwd=workdir, timeout_s=CASE_TIMEOUT_S, server_pid=target.server_pid
    )
    if usage.exit_code != 0:
        raise click.ClickException(f"dump -j {jobs} failed: {usage.stderr_tail}")
    found = CHUNKS.search(usage.stderr_tail)
    chunks = int(found.group(1)) if found else (1 if jobs == 1 else None)
    return Run(jobs, usage, chunks, out.stat().st_size)


@click.command()
@click.option("--size-gb", type=float, default=0.4, show_default=True, help="heap plus TOAST")
@click.option("--repeat", type=int, default=2, show_default=True)
@click.option("--jobs", default="1,2", show_default=True, help="job counts, alternating")
@click.option("--server", type=click.Choice(["pg18", "pg15"]), default="pg18", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False), default=None)
def main(size_gb: float, repeat: int, jobs: str, server: str, output: str | None) -> None:
    job_counts = [int(j) for j in jobs.split(",")]
    bindir = wheel_bindir() if server == "pg18" else system_bindir(15)
    cluster = LocalCluster(server, bindir)
    try:
        target = cluster.target
        _log(f"filling docs to about {size_gb} GB on {server}")
        data = create_docs(target, size_gb)
        workdir = Path(cluster.workdir)
        dump_once(target, workdir, 1)  # warm-up: the table into shared buffers, not counted
        runs = [dump_once(target, workdir, j) for _ in range(repeat) for j in job_counts]
        for r in runs:
            _log(f"  -j {r.jobs}: {r.usage.wall_s:.2f} s, {r.chunks} chunks")
    finally:
        cluster.stop()
    text = report(runs, data, server, job_counts)
    print(text)
    path = Path(output) if output else HERE / "results" / "toast_latest.md"
    path.write_text(text, encoding="utf-8")


def report(runs: list[Run], data: Dataset, server: str, job_counts: list[int]) -> str:
    """The markdown table: medians per job count, and the speed-up against the first."""
    mb = 1e6
    lines = [
        f"# TOAST-heavy dump ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})",
        "",
        f"`docs`: {data.rows} rows of {MIN_VALUE_KB}-{MAX_VALUE_KB} kB jsonb (random hex), "
        f"heap {data.heap_bytes / mb:.1f} MB, TOAST {data.toast_bytes / mb:.1f} MB, "
        f"{data.compressed} values stored compressed; {server}, made in {data.seconds:.0f} s.",
        f"Medians of {len(runs) // len(job_counts)} alternating runs each (after one warm-up).",
        "",
        "| jobs | chunks | wall s | vs -j 1 | client CPU s | server CPU s "
        "| peak tree RSS MB | peak tree PSS MB | file MB | at the RSS peak: RSS/PSS MB each |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    base = None
    for jobs in job_counts:
        mine = [r for r in runs if r.jobs == jobs]
        wall = statistics.median(r.usage.wall_s for r in mine)
        base = base or wall
        cpu = statistics.median(r.usage.cpu_s for r in mine)
        server_cpu = statistics.median((r.usage.server_cpu_s or 0.0) for r in mine)
        rss = max(r.usage.peak_rss_bytes for r in mine) / mb
        pss = max(r.usage.peak_pss_bytes for r in mine) / mb
        chunks = ",".join(sorted({str(r.chunks) for r in mine}))
        cells = [str(jobs), chunks, f"{wall:.2f}", f"{base / wall:.2f}x", f"{cpu:.2f}"]
        cells += [f"{server_cpu:.2f}", f"{rss:.0f}", f"{pss:.0f}", f"{mine[0].file_bytes / mb:.0f}"]
        top = max(mine, key=lambda r: r.usage.peak_rss_bytes).usage.peak_processes
        cells.append(", ".join(f"{r / mb:.0f}/{p / mb:.0f}" for _, _, r, p in top))
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "Every run: " + ", ".join(f"-j {r.jobs} {r.usage.wall_s:.2f} s" for r in runs)]
    return "\n".join(lines) + "\n"


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
