"""Database to database: `pgsnap copy -j N` against `pg_dump -t | psql` and pgcopydb.
(Not named copy.py: a script's directory comes first on sys.path, hiding the stdlib's copy.)

On one throwaway cluster (PostgreSQL 18 from the wheel, or the system's 15 with --server
pg15), the `papers` table of benchmarks/run.py (its generator, its settings) is copied from
database `bench_source` into a fresh empty database, by each tool as a subprocess, one after
the other in one run:

    .venv/bin/python benchmarks/copy_bench.py --rows 1000000 --server pg18

- pgsnap: `pgsnap copy papers --from SRC --to DST -j N`
- pg_dump | psql: `pg_dump -t papers SRC | psql -v ON_ERROR_STOP=1 --single-transaction DST`
- pgcopydb: `pgcopydb clone --filters F --table-jobs N --index-jobs N
  --split-tables-larger-than 32MB` (F includes only public.papers); its pg_dump and
  pg_restore are the server's major, found as benchmarks/cluster.py finds clients.

Each copy is checked (the target's row count and its three indexes).  The table gives wall
seconds, client CPU, and the peak RSS of the tool's process tree (benchmarks/measure.py), and
is written to benchmarks/results/copy_<server>.md.
"""

from __future__ import annotations

import os
import shlex
import sys
import tempfile
from pathlib import Path

import cases
import click
import psycopg
from cluster import LocalCluster, Target, find_clients, system_bindir, wheel_bindir
from measure import Usage, run_measured
from psycopg import sql
from run import create_dataset

HERE = Path(__file__).resolve().parent
TIMEOUT_S = 3600.0
SPLIT = "32MB"  # pgcopydb's same-table concurrency threshold: pgsnap's 2048-page chunks (16 MiB)
CHECK = """
SELECT (SELECT count(*) FROM papers),
       (SELECT count(*) FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'papers')
"""


def _fresh(target: Target, name: str) -> None:
    """An empty database `name` (untimed)."""
    with psycopg.connect(target.dsn("postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _checked(target: Target, name: str, rows: int) -> str:
    with psycopg.connect(target.dsn(name)) as conn:
        got = conn.execute(CHECK).fetchone()
    return "ok" if got == (rows, 3) else f"WRONG: {got} (rows, indexes)"


def _cases(
    target: Target, clients: dict[str, Path], jobs: int, work: Path, baseline: str | None
) -> dict[str, list[str]]:
    src = target.conninfo(cases.SOURCE_DB)
    filters = work / "filters.ini"
    filters.write_text("[include-only-table]\npublic.papers\n")
    pg_dump, psql = str(clients["pg_dump"]), str(clients["psql"])
    pipe = (
        f"set -o pipefail; {shlex.quote(pg_dump)} -t papers -d {shlex.quote(src)} | "
        f"{shlex.quote(psql)} -q -X -v ON_ERROR_STOP=1 --single-transaction -d "
        f"{shlex.quote(target.conninfo('copy_pg_dump'))} > /dev/null"
    )
    pgsnap = [
        sys.executable,
        "-m",
        "pgsnap",
        "copy",
        "papers",
        "--from",
        src,
        "--to",
        target.conninfo("copy_pgsnap"),
        "-j",
        str(jobs),
        "--quiet",
    ]
    # --baseline DIR: the same command with the pgsnap package of DIR first on the path
    before = {f"pgsnap copy -j {jobs} (baseline)": ["env", f"PYTHONPATH={baseline}", *pgsnap]}
    return {
        f"pgsnap copy -j {jobs}": pgsnap,
        **(before if baseline else {}),
        "pg_dump -t papers \\| psql": ["bash", "-c", pipe],  # (escaped for the table)
        f"pgcopydb clone (--table-jobs {jobs})": [
            "pgcopydb", "clone", "--source", _uri(target, cases.SOURCE_DB),
            "--target", _uri(target, "copy_pgcopydb"), "--dir", str(work / "pgcopydb"),
            "--filters", str(filters), "--table-jobs", str(jobs), "--index-jobs", str(jobs),
            "--split-tables-larger-than", SPLIT, "--no-owner", "--no-acl",
        ],
    }  # fmt: skip


def _uri(target: Target, dbname: str) -> str:
    """pgcopydb wants URIs; the password travels in PGPASSWORD."""
    params = dict(target.params)
    return f"postgres://{params['user']}@{params['host']}:{params['port']}/{dbname}"


DATABASES = {"pgsnap": "copy_pgsnap", "pg_dump": "copy_pg_dump", "pgcopydb": "copy_pgcopydb"}


@click.command()
@click.option("--rows", default=1_000_000, show_default=True)
@click.option("--server", type=click.Choice(["pg18", "pg15"]), default="pg18", show_default=True)
@click.option("--jobs", default=2, show_default=True)
@click.option("--repeat", default=1, show_default=True, help="rounds of all tools; medians")
@click.option("--output", type=click.Path(dir_okay=False), default=None)
@click.option("--baseline", default=None, help="a directory holding an older pgsnap package")
def main(
    rows: int, server: str, jobs: int, repeat: int, output: str | None, baseline: str | None
) -> None:
    bindir = wheel_bindir() if server == "pg18" else system_bindir(15)
    major = 18 if server == "pg18" else 15
    cluster = LocalCluster(server, bindir)
    try:
        target = cluster.target
        facts = create_dataset(target, rows)
        clients, missing = find_clients(major, bindir)
        assert not missing, missing
        env = {**target.client_env(), "PYTHONPATH": str(HERE.parent)}
        env["PATH"] = f"{clients['pg_dump'].parent}:{env.get('PATH', '')}"  # pgcopydb's pg_dump
        runs: dict[str, list[tuple[Usage, str]]] = {}
        loads: list[float] = []
        with tempfile.TemporaryDirectory(prefix="pgsnap-copy-bench-") as tmp:
            for r in range(repeat):  # the tools alternate: each round runs every one
                work = Path(tmp) / f"round{r}"  # pgcopydb refuses a --dir it has completed
                work.mkdir()
                for title, argv in _cases(target, clients, jobs, work, baseline).items():
                    runs.setdefault(title, []).append(_one(target, env, title, argv, rows, tmp))
                    loads.append(os.getloadavg()[0])
        results = [(title, _median(got)) for title, got in runs.items()]
        out = output or str(HERE / "results" / f"copy_{server}.md")
        _report(results, rows, server, facts, out, repeat, loads)
    finally:
        cluster.stop()


def _one(
    target: Target, env: dict[str, str], title: str, argv: list[str], rows: int, tmp: str
) -> tuple[Usage, str]:
    dbname = next(v for k, v in DATABASES.items() if title.startswith(k))
    _fresh(target, dbname)
    print(f"[{target.label}] {title} ...", file=sys.stderr, flush=True)
    usage = run_measured(
        argv, env=env, cwd=Path(tmp), timeout_s=TIMEOUT_S, server_pid=target.server_pid
    )
    check = _checked(target, dbname, rows) if usage.exit_code == 0 else "failed"
    if usage.exit_code != 0:
        print(usage.stderr_tail, file=sys.stderr)
    print(f"  {usage.wall_s:.1f} s, server CPU {usage.server_cpu_s}", file=sys.stderr)
    return usage, check


def _median(got: list[tuple[Usage, str]]) -> tuple[Usage, str, list[float]]:
    """The run of median wall time (the lower middle one of an even count), its check (or
    the first that is not ok), and every run's wall seconds."""
    walls = [u.wall_s for u, _ in got]
    ordered = sorted(got, key=lambda g: g[0].wall_s)
    usage = ordered[(len(ordered) - 1) // 2][0]
    bad = [c for _, c in got if c != "ok"]
    return usage, bad[0] if bad else "ok", walls


def _report(
    results: list[tuple[str, tuple[Usage, str, list[float]]]],
    rows: int,
    server: str,
    facts: dict[str, object],
    output: str,
    repeat: int,
    loads: list[float],
) -> None:
    ours = results[0][1][0].wall_s
    heap = int(str(facts["heap_bytes"])) + int(str(facts["toast_bytes"]))
    rounds = "One run" if repeat == 1 else f"{repeat} rounds (the tools alternate), medians"
    lines = [
        f"# pgsnap copy: {rows:,} rows of `papers` on {server} ({facts['server_version']})",
        "",
        f"{rounds}, one throwaway cluster, database to database on the same server; the table"
        f" is {heap / 2**20:.0f} MiB of heap and TOAST, 3 indexes. Settings: {facts['settings']}."
        f" Load average (1 min) after each case: {min(loads):.1f} to {max(loads):.1f}.",
        "",
        "| tool | wall s | vs pgsnap | every run s | client CPU s | server CPU s"
        " | peak RSS MiB | check |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for title, (u, check, walls) in results:
        server_cpu = "?" if u.server_cpu_s is None else f"{u.server_cpu_s:.1f}"
        every = ", ".join(f"{w:.1f}" for w in walls)
        lines.append(
            f"| {title} | {u.wall_s:.1f} | {u.wall_s / ours:.2f} | {every} | {u.cpu_s:.1f}"
            f" | {server_cpu} | {u.peak_rss_bytes / 2**20:.0f} | {check} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    Path(output).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
