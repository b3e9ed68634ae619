"""Cost in the number of objects: a database of N small tables, pgsnap against pg_dump.

Each table has a serial key, an index, a comment, a foreign key to the one before and 20
rows (issue 10 point 9).  In one run on one cluster (PostgreSQL 18 from the wheel, or the
system's 15 with --server pg15), each tool dumps the whole database and restores it into an
empty one, as a subprocess, three times, the tools alternating; the table gives the median
seconds and the ratios:

    .venv/bin/python benchmarks/many_tables.py --tables 2000

pgsnap: `dump --all -o F.sql.zst`, `load F --create DB`; pg_dump: `pg_dump -Fc -f F.dump`,
`pg_restore -d DB` into a database made (untimed) with CREATE DATABASE.  Writes the table to
stdout and, with --output, to a file.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import click
import psycopg
from cluster import LocalCluster, Target, find_clients, system_bindir, wheel_bindir
from run import compile_pgsnap

RUNS = 3
BATCH = 100  # tables made per transaction
ROWS_PER_TABLE = 20


def create_tables(target: Target, dbname: str, tables: int) -> None:
    """The benchmark's small tables, in the existing database `dbname`: BATCH a transaction
    (each holds its tables' locks)."""
    with psycopg.connect(target.dsn(dbname), autocommit=True) as conn:
        for start in range(0, tables, BATCH):
            conn.execute(_schema(start, min(start + BATCH, tables)).encode())


def _schema(first: int, stop: int) -> str:
    parts = []
    for i in range(first, stop):
        fk = f", prev int REFERENCES t{i - 1} (id)" if i else ""
        parts.append(
            f"CREATE TABLE t{i} (id serial PRIMARY KEY, name text{fk});"
            f"CREATE INDEX t{i}_name ON t{i} (name);"
            f"COMMENT ON TABLE t{i} IS 'table {i}';"
            f"INSERT INTO t{i} (name) SELECT 'row ' || g"
            f" FROM generate_series(1, {ROWS_PER_TABLE}) g;"
        )
    return "\n".join(parts)


def _timed(argv: Sequence[str], env: dict[str, str]) -> float:
    started = time.monotonic()
    subprocess.run(argv, env=env, check=True, capture_output=True)
    return time.monotonic() - started


def _fresh(target: Target, name: str) -> None:
    with psycopg.connect(target.dsn("postgres"), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


class Bench:
    def __init__(self, target: Target, clients: dict[str, Path], workdir: Path) -> None:
        self.target, self.clients, self.workdir = target, clients, workdir
        self.env = {**target.client_env(), "PYTHONPATH": str(Path.cwd())}

    def pgsnap(self, run: int) -> tuple[float, float]:
        out = self.workdir / "many.sql.zst"
        pg = [sys.executable, "-m", "pgsnap"]
        dump = [*pg, "dump", "--all", "--dsn", self.target.conninfo("many"), "-o", str(out)]
        dump_s = _timed([*dump, "--force"], self.env)
        load = [*pg, "load", str(out), "--dsn", self.target.conninfo("postgres")]
        return dump_s, _timed([*load, "--create", f"copy_pgsnap_{run}"], self.env)

    def pg_dump(self, run: int) -> tuple[float, float]:
        out = self.workdir / "many.dump"
        many = self.target.conninfo("many")
        dump_s = _timed([str(self.clients["pg_dump"]), "-Fc", "-f", str(out), "-d", many], self.env)
        with psycopg.connect(self.target.dsn("postgres"), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE copy_pg_{run}")  # (createdb's part, not timed)
        restore = [str(self.clients["pg_restore"]), "-d", self.target.conninfo(f"copy_pg_{run}")]
        return dump_s, _timed([*restore, str(out)], self.env)


@click.command()
@click.option("--tables", default=2000, show_default=True)
@click.option("--server", type=click.Choice(["pg18", "pg15"]), default="pg18", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False), default=None)
def main(tables: int, server: str, output: str | None) -> None:
    bindir = wheel_bindir() if server == "pg18" else system_bindir(15)
    cluster = LocalCluster(server, bindir)
    try:
        target = cluster.target
        with psycopg.connect(target.dsn("postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE many")
        create_tables(target, "many", tables)
        clients, _ = find_clients(18 if server == "pg18" else 15, bindir)
        compile_pgsnap(sys.executable)
        bench = Bench(target, clients, Path(cluster.workdir))
        runs: dict[str, list[tuple[float, float]]] = {"pgsnap": [], "pg_dump": []}
        # alternating, so that the machine's other load falls on both; each restore into a
        # database of its own, none dropped before the end: on this disk (ext4 without a
        # journal) creating files soon after deleting thousands is slow (run.py _discard)
        for run in range(RUNS):
            runs["pgsnap"].append(bench.pgsnap(run))
            runs["pg_dump"].append(bench.pg_dump(run))
        _report(runs, tables, server, output)
    finally:
        cluster.stop()


def _report(
    runs: dict[str, list[tuple[float, float]]], tables: int, server: str, output: str | None
) -> None:
    med = {tool: [statistics.median(r[i] for r in rs) for i in (0, 1)] for tool, rs in runs.items()}
    lines = [
        f"{tables} tables (serial key, index, comment, FK, {ROWS_PER_TABLE} rows each) on "
        f"{server}, median of {RUNS} runs, seconds",
        "",
        "| step | pgsnap | pg_dump -Fc / pg_restore | pgsnap / pg_dump |",
        "|---|---|---|---|",
    ]
    for i, step in enumerate(("dump the whole database", "restore into an empty database")):
        ours, theirs = med["pgsnap"][i], med["pg_dump"][i]
        lines.append(f"| {step} | {ours:.2f} | {theirs:.2f} | {ours / theirs:.2f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if output:
        Path(output).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
