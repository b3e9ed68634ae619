"""The restore's floor: what one and two COPY … FROM STDIN streams cost the server.

Issue 13 asks `pgsnap load -j 2` to be 1.4x faster than `pg_restore -j 2`.  pg_restore loads
one table with one COPY; pgsnap with two.  This measures the server side of that difference
alone, with no pgsnap load around it: on one throwaway cluster (the benchmark settings and
`papers` of run.py), the table is dumped once with pgsnap; then, alternating, its frames are
COPYed into an empty copy of the table by

- one process sending every frame (what pg_restore's COPY is, server side);
- two processes sending every other frame, each with its own connection and transaction
  (what pgsnap's load workers do);

each either with the frames already decompressed in memory or reading them from the
archive (zstd and the frame checks, as a load worker does).  Each case records its wall
time, the server's user and system CPU (the postmaster, its reaped backends and the live
ones) and the client processes' CPU.

    .venv/bin/python benchmarks/copy_streams.py --rows 1000000 --repeat 3

Prints a markdown table, and writes it to --out.
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import cases
import click
import psutil
import psycopg
from cluster import LocalCluster, Target, system_bindir, wheel_bindir
from run import create_dataset

from pgsnap.archive import ArchiveReader

HERE = Path(__file__).resolve().parent
CASES: tuple[tuple[str, int, bool], ...] = (
    ("one stream", 1, False),
    ("two streams", 2, False),
    ("one stream", 1, True),
    ("two streams", 2, True),
)
SETTLE_S = 0.3  # for the backends to exit and be reaped before the server's CPU is read


@dataclass(frozen=True, slots=True)
class Run:
    wall_s: float
    server_user_s: float
    server_sys_s: float
    client_s: float


def server_cpu(pid: int) -> tuple[float, float]:
    """The postmaster's user and system CPU with its reaped and live children's."""
    pm = psutil.Process(pid)
    t = pm.cpu_times()
    user, system = t.user + t.children_user, t.system + t.children_system
    for child in pm.children():
        try:
            c = child.cpu_times()
        except psutil.Error:
            continue
        user, system = user + c.user, system + c.system
    return user, system


def _send(dsn: str, archive: str, frames: list[int], raws: dict[int, bytes] | None) -> None:
    with psycopg.connect(dsn) as conn:
        with conn.cursor().copy("COPY streams FROM STDIN") as copy:
            if raws is not None:
                for i in frames:
                    copy.write(raws[i])
            else:
                with ArchiveReader.open(archive) as reader:
                    for i in frames:
                        copy.write(reader.read_frame(i))
        conn.commit()


def one_case(target: Target, archive: str, streams: int, raws: dict[int, bytes] | None) -> Run:
    dsn = target.dsn(cases.SOURCE_DB)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS streams")
        conn.execute("CREATE TABLE streams (LIKE papers INCLUDING DEFAULTS)")
        conn.execute("CHECKPOINT")
    with ArchiveReader.open(archive) as reader:
        frames = list(reader.manifest.table_frames(0))
    assert target.server_pid is not None
    before, started, mine = server_cpu(target.server_pid), time.monotonic(), os.times()
    procs = [
        multiprocessing.Process(target=_send, args=(dsn, archive, frames[k::streams], raws))
        for k in range(streams)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
        assert p.exitcode == 0, p.exitcode
    wall, after_self = time.monotonic() - started, os.times()
    time.sleep(SETTLE_S)
    after = server_cpu(target.server_pid)
    client = (after_self.children_user + after_self.children_system) - (
        mine.children_user + mine.children_system
    )
    return Run(wall, after[0] - before[0], after[1] - before[1], client)


def _table(results: dict[tuple[str, int, bool], list[Run]]) -> list[str]:
    lines = [
        "| case | frames | wall s (median) | every run | server user s | server sys s"
        " | client CPU s |",
        "|---|---|---|---|---|---|---|",
    ]
    for (name, _, from_file), runs in results.items():
        med = {f: statistics.median(getattr(r, f) for r in runs) for f in Run.__dataclass_fields__}
        every = ", ".join(f"{r.wall_s:.2f}" for r in runs)
        where = "read from the archive" if from_file else "in memory"
        lines.append(
            f"| {name} | {where} | {med['wall_s']:.2f} | {every} | {med['server_user_s']:.2f}"
            f" | {med['server_sys_s']:.2f} | {med['client_s']:.2f} |"
        )
    return lines


@click.command()
@click.option("--rows", default=1_000_000, show_default=True)
@click.option("--repeat", default=3, show_default=True)
@click.option("--server", type=click.Choice(["pg18", "pg15"]), default="pg18", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default=None)
def main(rows: int, repeat: int, server: str, out: Path | None) -> None:
    multiprocessing.set_start_method("fork")
    bindir = wheel_bindir() if server == "pg18" else system_bindir(15)
    cluster = LocalCluster(server, bindir)
    try:
        target = cluster.target
        create_dataset(target, rows)
        with tempfile.TemporaryDirectory() as tmp:
            archive = str(Path(tmp) / "papers.sql.zst")
            dump = [sys.executable, "-m", "pgsnap", "dump", "papers", "-q", "-o", archive]
            subprocess.run([*dump, "--dsn", target.dsn(cases.SOURCE_DB)], check=True)
            with ArchiveReader.open(archive) as reader:
                raws = {i: reader.read_frame(i) for i in reader.manifest.table_frames(0)}
            results: dict[tuple[str, int, bool], list[Run]] = {c: [] for c in CASES}
            for _ in range(repeat):
                for case in CASES:
                    name, streams, from_file = case
                    run = one_case(target, archive, streams, None if from_file else raws)
                    results[case].append(run)
                    click.echo(f"{name} x{streams} file={from_file}: {run}", err=True)
    finally:
        cluster.stop()
    text = "\n".join(
        [f"# COPY streams into one table, {rows:,} papers rows, {server}", "", *_table(results)]
    )
    click.echo(text)
    if out is not None:
        out.write_text(text + "\n")


if __name__ == "__main__":
    main()
