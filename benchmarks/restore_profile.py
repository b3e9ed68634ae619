"""Where the time of `pgsnap load` goes, beside `pg_restore -j 2` and `zcat | psql`.

On one throwaway cluster (benchmarks/cluster.py's settings) with the `papers` table of
benchmarks/run.py, the three inputs are written once, untimed: `pgsnap dump -j 2` (zstd),
`pg_dump -Fc` and `pg_dump | gzip -1`.  Then, repetition after repetition, alternating
(each repetition starts one case later than the one before, so that no case always follows
the same one):

- the restores as subprocesses, each into a fresh empty database, measured by
  benchmarks/measure.py (wall, client-tree CPU, server CPU): `pg_restore -j 2`,
  `zcat | psql`, `pgsnap load -j J` for each J; the table of ratios comes from these;
- one phase profile per J: pgsnap.load() in this process with a progress sink that stamps
  every event with the wall clock, this process tree's CPU and the server's CPU; a wrapper of
  the workers' COPY loop (restore/staged.py's _copy_frames, patched here before the workers
  fork) that records each worker's COPY wall time, frames and bytes; and the server's own
  log (log_min_duration_statement = 0) giving every statement's start and duration, backend
  by backend (DDL, each COPY, each index and key, ANALYZE, the swap).

The process start and imports are what the subprocess costs beyond the in-process call, and
are measured on their own too (`python -c "import pgsnap.cli, pgsnap.restore.load"`).

    .venv/bin/python benchmarks/restore_profile.py --rows 1000000 --server pg18 --jobs 2
    .venv/bin/python benchmarks/restore_profile.py --rows 300000 --server pg18 --jobs 1,2

Prints markdown (the ratios, then a section per profile).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import cases
import click
import psycopg
from cluster import LocalCluster, Target, find_clients, system_bindir, wheel_bindir
from copy_bench import _checked, _fresh
from copy_profile import Clock, _log_statements, _phases
from measure import Usage, run_measured
from run import create_dataset

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # = REPO
import pgsnap
from pgsnap.restore import staged

REPO = Path(__file__).resolve().parent.parent  # the pgsnap measured: this checkout's
PGSNAP = [sys.executable, "-m", "pgsnap"]  # with PYTHONPATH=REPO, not the venv's editable one
TIMEOUT_S = 3600.0
SLOW_MS = 20.0  # statements shorter than this are summed into "other statements"
LOG_LINE = re.compile(
    r"^(\S+ \S+) \S+ \[(\d+)\] LOG:  duration: ([\d.]+) ms  (?:statement|execute [^:]*): (.*)$",
    re.M,
)
IMPORTS = "import pgsnap.cli, pgsnap.restore.load"


def _inputs(target: Target, clients: dict[str, Path], work: Path) -> dict[str, Path]:
    """The dump files every restore reads, written once (untimed)."""
    src = target.conninfo(cases.SOURCE_DB)
    files = {"fc": work / "papers.Fc", "gz": work / "papers.sql.gz", "zst": work / "papers.sql.zst"}
    commands = [
        [str(clients["pg_dump"]), "-d", src, "-t", "papers", "-Fc", "-f", str(files["fc"])],
        ["bash", "-c", f"set -o pipefail; {shlex.quote(str(clients['pg_dump']))} -d "
         f"{shlex.quote(src)} -t papers | gzip -1 > {shlex.quote(str(files['gz']))}"],
        [*PGSNAP, "dump", "papers", "--dsn", src, "-q", "-j", "2", "-o", str(files["zst"])],
    ]  # fmt: skip
    for argv in commands:
        usage = _run(target, argv)
        if usage.exit_code != 0:
            raise SystemExit(f"{argv[0]} failed: {usage.stderr_tail}")
    return files


def _run(target: Target, argv: Sequence[str], tree: Path = REPO) -> Usage:
    return run_measured(
        argv,
        env={**target.client_env(), "PYTHONPATH": str(tree)},
        cwd=Path(tempfile.gettempdir()),
        timeout_s=TIMEOUT_S,
        server_pid=target.server_pid,
    )


def _restore_cases(
    target: Target,
    clients: dict[str, Path],
    files: dict[str, Path],
    jobs: Sequence[int],
    baseline: Path | None,
) -> dict[str, Callable[[str], list[str]]]:
    """Case name -> argv for a target database; the pgsnap of `baseline` (a checkout's top
    directory) too, as "... (baseline)"."""
    psql = [str(clients["psql"]), "-X", "-q", "-v", "ON_ERROR_STOP=1"]
    out: dict[str, Callable[[str], list[str]]] = {
        "pg_restore -j 2": lambda db: [
            str(clients["pg_restore"]), "-j", "2", "-d", target.conninfo(db), str(files["fc"])
        ],
        "zcat | psql": lambda db: [
            "bash", "-c", f"set -o pipefail; zcat {shlex.quote(str(files['gz']))} | "
            f"{shlex.join([*psql, '-d', target.conninfo(db)])} > /dev/null",
        ],
    }  # fmt: skip
    for j in jobs:
        out[f"pgsnap load -j {j}"] = lambda db, j=j: [  # type: ignore[misc]
            *PGSNAP, "load", str(files["zst"]), "--dsn", target.conninfo(db), "-q", "-j", str(j)
        ]  # fmt: skip
        if baseline is not None:
            out[f"pgsnap load -j {j} (baseline)"] = out[f"pgsnap load -j {j}"]
    return out


class WorkerLog:
    """Wraps restore/staged.py's _copy_frames (in the leader, before its workers fork) to
    write each worker's COPY wall time, frames and bytes into `directory`."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.original = staged._copy_frames
        outer = self

        def wrapped(conn: Any, reader: Any, stmt: bytes, tasks: Any, results: Any, p: int) -> int:
            counting = _Counting(results)
            started = time.time()
            rows = outer.original(conn, reader, stmt, tasks, counting, p)
            record = {"pid": os.getpid(), "thread": threading.get_ident(), "start": started,
                      "end": time.time(), "frames": counting.frames, "bytes": counting.bytes,
                      "rows": rows}  # fmt: skip
            name = f"worker-{os.getpid()}-{threading.get_ident()}.json"
            (outer.directory / name).write_text(json.dumps(record))
            return rows

        staged._copy_frames = wrapped  # type: ignore[assignment]

    def read(self) -> list[dict[str, Any]]:
        found = [json.loads(p.read_text()) for p in sorted(self.directory.glob("worker-*.json"))]
        for p in self.directory.glob("worker-*.json"):
            p.unlink()
        return found


class _Counting:
    """A results queue that counts the frames (and their bytes) a worker hands in."""

    def __init__(self, results: Any) -> None:
        self.results = results
        self.frames = 0
        self.bytes = 0

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        self.results.put(item, block, timeout)
        if isinstance(item, staged.FrameLoaded):
            self.frames += 1
            self.bytes += item.raw_size


def _statements(log: Path, offset: int, t0: float, t1: float) -> list[str]:
    """The server's statements of one profile (from t0 to t1): start (s after the load
    began), backend, duration; the short ones summed."""
    with log.open("rb") as f:
        f.seek(offset)
        text = f.read().decode("utf-8", "replace")
    lines = ["| starts at s | backend | server ms | statement |", "|---|---|---|---|"]
    other = 0.0
    for m in LOG_LINE.finditer(text):
        ms, stmt = float(m.group(3)), m.group(4).strip()
        if ms < SLOW_MS:
            other += ms
            continue
        end = datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S.%f").timestamp()
        begin = end - ms / 1000 - t0
        if end > t1:  # the script's own row count, after the load
            continue
        lines.append(f"| {begin:.2f} | {m.group(2)} | {ms:.0f} | `{stmt[:80]}` |")
    lines.append(f"| | | {other:.0f} | other statements (< {SLOW_MS:.0f} ms each) |")
    return lines


def _workers_table(found: list[dict[str, Any]], t0: float) -> list[str]:
    lines = [
        "| worker | COPY from s | to s | wall s | frames | MB | rows |",
        "|---|---|---|---|---|---|---|",
    ]
    for i, w in enumerate(sorted(found, key=lambda w: w["start"])):
        span = f"{w['start'] - t0:.2f} | {w['end'] - t0:.2f} | {w['end'] - w['start']:.2f}"
        size = f"{w['frames']} | {w['bytes'] / 1e6:.1f} | {w['rows']:,}"
        lines.append(f"| {i} (pid {w['pid']}) | {span} | {size} |")
    return lines


def _profile(target: Target, log: Path, file: Path, jobs: int, workers: WorkerLog) -> str:
    db = "restore_profile"
    _fresh(target, db)
    _checkpoint(target)
    clock = Clock(target.server_pid or 0)
    offset = log.stat().st_size
    os.environ.update(target.client_env())
    t0 = time.time()
    clock.stamp("begin")
    result = pgsnap.load(file, dsn=target.conninfo(db), jobs=jobs, progress=clock.event)
    clock.stamp("end")
    t1 = time.time()
    time.sleep(0.5)  # the log lines of the last statements are written
    check = _checked(target, db, result.rows)
    found = workers.read()
    head = f"### profile: pgsnap.load(jobs={jobs}) in-process ({result.rows:,} rows, {check})"
    body = [head, "", *_phases(clock.stamps), "", *_workers_table(found, t0), ""]
    body += [*_statements(log, offset, t0, t1), ""]
    return "\n".join(body)


def _checkpoint(target: Target) -> None:
    with psycopg.connect(target.dsn("postgres"), autocommit=True) as conn:
        conn.execute("CHECKPOINT")


def _measure(
    target: Target,
    name: str,
    argv_for: Callable[[str], list[str]],
    rows: int,
    baseline: Path | None,
) -> Usage:
    db = "restore_case"
    _fresh(target, db)
    _checkpoint(target)
    tree = baseline if baseline is not None and name.endswith("(baseline)") else REPO
    usage = _run(target, argv_for(db), tree)
    check = _checked(target, db, rows)
    if usage.exit_code != 0 or check != "ok":
        raise SystemExit(f"{name} failed ({check}): {usage.stderr_tail}")
    print(f"<!-- {name}: {usage.wall_s:.2f} s wall, {usage.cpu_s:.2f} s client CPU, "
          f"{usage.server_cpu_s or 0:.2f} s server CPU, load {usage.loadavg_before:.2f} -->",
          flush=True)  # fmt: skip
    return usage


def _ratios(runs: dict[str, list[Usage]]) -> list[str]:
    ref = statistics.median(u.wall_s for u in runs["pg_restore -j 2"])
    psql = statistics.median(u.wall_s for u in runs["zcat | psql"])
    lines = [
        "| case | wall s (median) | each run | pg_restore -j 2 / case | zcat\\|psql / case |"
        " client CPU s | server CPU s |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, usages in runs.items():
        wall = statistics.median(u.wall_s for u in usages)
        each = ", ".join(f"{u.wall_s:.2f}" for u in usages)
        cpu = statistics.median(u.cpu_s for u in usages)
        server = statistics.median(u.server_cpu_s or 0 for u in usages)
        lines.append(
            f"| `{name}` | {wall:.2f} | {each} | {ref / wall:.2f}x | {psql / wall:.2f}x"
            f" | {cpu:.2f} | {server:.2f} |"
        )
    return lines


@click.command()
@click.option("--rows", default=1_000_000, show_default=True)
@click.option("--server", type=click.Choice(["pg18", "pg15"]), default="pg18", show_default=True)
@click.option("--jobs", default="2", show_default=True, help="pgsnap -j values, comma-separated")
@click.option("--repeat", default=2, show_default=True, help="alternating repetitions")
@click.option("--profile/--no-profile", default=True, help="the in-process phase profiles")
@click.option(
    "--baseline",
    type=click.Path(path_type=Path, exists=True, file_okay=False),
    help="another pgsnap checkout (its top directory) measured beside this one",
)
def main(
    rows: int, server: str, jobs: str, repeat: int, profile: bool, baseline: Path | None
) -> None:
    job_list = [int(x) for x in jobs.split(",")]
    bindir = wheel_bindir() if server == "pg18" else system_bindir(15)
    cluster = LocalCluster(server, bindir)
    try:
        target = cluster.target
        clients, missing = find_clients(int(server[2:]), target.bindir)
        if missing:
            raise SystemExit(f"missing clients: {missing}")
        facts = create_dataset(target, rows)
        _log_statements(target)
        log = cluster.workdir / "postgres.log"
        with tempfile.TemporaryDirectory(prefix="pgsnap-restore-profile-") as tmp:
            work = Path(tmp)
            files = _inputs(target, clients, work)
            workers = WorkerLog(work)
            commands = _restore_cases(target, clients, files, job_list, baseline)
            sizes = ", ".join(f"{k} {p.stat().st_size / 1e6:.1f} MB" for k, p in files.items())
            print(f"## {rows:,} rows of papers on {server} ({facts['server_version']})\n")
            print(f"Inputs: {sizes}; heap {facts['heap_bytes'] / 1e6:.0f} MB.\n", flush=True)
            imports = [_run(target, [sys.executable, "-c", IMPORTS]) for _ in range(3)]
            runs: dict[str, list[Usage]] = {name: [] for name in commands}
            profiles: list[str] = []
            order = list(commands.items())
            for rep in range(repeat):  # each repetition starts one case later: no fixed order
                for name, argv_for in order[rep % len(order) :] + order[: rep % len(order)]:
                    runs[name].append(_measure(target, name, argv_for, rows, baseline))
                if profile and rep == 0:
                    profiles += [_profile(target, log, files["zst"], j, workers) for j in job_list]
            print("\n".join(_ratios(runs)) + "\n")
            imp = statistics.median(u.wall_s for u in imports)
            cpu = statistics.median(u.cpu_s for u in imports)
            print(f"Process start and imports (`python -c \"{IMPORTS}\"`, median of 3): "
                  f"{imp:.2f} s wall, {cpu:.2f} s CPU.\n")  # fmt: skip
            print("\n".join(profiles), flush=True)
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
