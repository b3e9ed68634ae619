"""The statistics step of a load: restoring the archive's planner statistics against ANALYZE.

On one throwaway cluster (the benchmark's settings and `papers` data set, run.py's), the
papers table is dumped once with its statistics and loaded once; then, on that loaded table,
the two ways of giving it statistics alternate (A, B, A, B, …), each in its own transaction:

- ANALYZE papers (what a load did before, and still does into PostgreSQL < 18);
- pgsnap.restore.planstats.restore_statistics() with the archive's statistics (what a load
  into 18 does now: one statement, one round trip).

Each run records the wall time, this process's CPU and the server backend's CPU (its
/proc/<pid>/stat utime + stime: the server runs on this machine).

    .venv/bin/python benchmarks/stats_step.py --rows 1000000 --repeat 3

Prints a markdown table, and writes it to --out (benchmarks/results/stats_step.md).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cases
import click
import psycopg
from cluster import LocalCluster, wheel_bindir
from run import create_dataset

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import pgsnap
from pgsnap.archive import ArchiveReader
from pgsnap.archive.manifest import Header
from pgsnap.model import TableSpec
from pgsnap.restore.planstats import restore_statistics

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _backend_cpu(pid: int) -> float:
    """User + system CPU seconds of a server process (fields 14 and 15 of /proc/pid/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _timed(conn: psycopg.Connection[Any], pid: int, step: Callable[[], Any]) -> dict[str, float]:
    server, client, wall = _backend_cpu(pid), time.process_time(), time.perf_counter()
    conn.execute("BEGIN")
    step()
    conn.execute("COMMIT")
    return {
        "wall_s": time.perf_counter() - wall,
        "client_cpu_s": time.process_time() - client,
        "server_cpu_s": _backend_cpu(pid) - server,
    }


@click.command()
@click.option("--rows", type=int, default=1_000_000, show_default=True)
@click.option("--repeat", type=int, default=3, show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default=None)
def main(rows: int, repeat: int, out: Path | None) -> None:
    cluster = LocalCluster("pg18", wheel_bindir())
    try:
        target = cluster.target
        dataset = create_dataset(target, rows)
        with tempfile.TemporaryDirectory(prefix="pgsnap-stats-") as tmp:
            archive = Path(tmp) / "papers.sql.zst"
            pgsnap.dump("papers", dsn=target.dsn(cases.SOURCE_DB), output=archive, jobs=2)
            with psycopg.connect(target.dsn("postgres"), autocommit=True) as admin:
                admin.execute("DROP DATABASE IF EXISTS stats_target")
                admin.execute("CREATE DATABASE stats_target")
            pgsnap.load(archive, dsn=target.dsn("stats_target"), jobs=2)
            with ArchiveReader.open(archive) as reader:
                header = reader.header
            results = _alternate(target.dsn("stats_target"), header, repeat)
        table = _table(results, dataset, header.tables[0])
        print(table)
        if out is not None:
            out.write_text(table)
    finally:
        cluster.stop()


def _alternate(dsn: str, header: Header, repeat: int) -> dict[str, list[dict[str, float]]]:
    spec, version = header.tables[0], header.server_version_num
    results: dict[str, list[dict[str, float]]] = {"ANALYZE": [], "restore statistics": []}
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SET search_path = ''")
        pid = conn.info.backend_pid
        for _ in range(repeat):
            results["ANALYZE"].append(
                _timed(conn, pid, lambda: conn.execute("ANALYZE public.papers"))
            )
            results["restore statistics"].append(
                _timed(conn, pid, lambda: restore_statistics(conn, [spec], version))
            )
    return results


def _table(
    results: dict[str, list[dict[str, float]]], dataset: dict[str, Any], spec: TableSpec
) -> str:
    columns = sum(len(r.columns) for r in spec.planner_stats)
    lines = [
        f"## Statistics step: restore vs ANALYZE, papers {dataset['rows']:,} rows, "
        f"PostgreSQL {dataset['server_version']}",
        "",
        f"Heap {dataset['heap_bytes']:,} bytes; {columns} pg_stats rows restored; settings: "
        f"{dataset['settings']}. Runs alternate A, B, A, B; each in its own transaction.",
        "",
        "| step | runs | wall s (median, min-max) | client CPU s | server backend CPU s |",
        "|---|---|---|---|---|",
    ]
    for name, runs in results.items():
        wall = [r["wall_s"] for r in runs]
        lines.append(
            f"| {name} | {len(runs)} | {statistics.median(wall):.4f} "
            f"({min(wall):.4f}-{max(wall):.4f}) "
            f"| {statistics.median(r['client_cpu_s'] for r in runs):.4f} "
            f"| {statistics.median(r['server_cpu_s'] for r in runs):.2f} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
