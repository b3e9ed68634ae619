"""How long a load that cannot succeed takes to say so: the time from start to the error.

The cases of issue 12: a table with a view on it loaded with --drop-existing (and with
--replace, which now keeps the view), and a table whose foreign key target is missing.  Each
pgsnap checkout given with --src runs the same cases as a subprocess on the same dump, so
that an old commit and today's compare in one run:

    git worktree add /tmp/before <commit>
    .venv/bin/python benchmarks/first_error.py --src /tmp/before --src . --rows 400000

Prints a Markdown table: checkout, case, exit code, seconds, the error's first 90 characters.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import click
import psycopg
from cluster import LocalCluster, Target, wheel_bindir

SCHEMA = """
DROP TABLE IF EXISTS lines, papers, venues CASCADE;
CREATE TABLE venues (id int PRIMARY KEY, name text);
INSERT INTO venues SELECT g, 'venue ' || g FROM generate_series(1, 100) g;
CREATE TABLE papers (id int PRIMARY KEY, title text, abstract text, venue_id int REFERENCES venues);
INSERT INTO papers SELECT g, 'paper ' || g, repeat(md5(g::text), 6), 1 + g % 100
  FROM generate_series(1, %(rows)s) g;
CREATE INDEX papers_title ON papers (title);
"""
NEIGHBOURS = """
CREATE VIEW recent_papers AS SELECT id, title FROM papers WHERE id > 1000;
CREATE TABLE lines (id int PRIMARY KEY, paper_id int REFERENCES papers);
INSERT INTO lines VALUES (1, 1);
"""
CASES = (  # (name, database, extra options)
    ("--drop-existing, a view and an FK depend", "bench", ("--drop-existing",)),
    ("--replace -j 2, a view and an FK depend", "bench", ("--replace", "-j", "2")),
    ("FK target missing, -j 2", "empty", ("-j", "2")),
)


@click.command()
@click.option("--src", "sources", multiple=True, required=True, type=click.Path(exists=True))
@click.option("--rows", default=400_000, show_default=True)
def main(sources: tuple[str, ...], rows: int) -> None:
    cluster = LocalCluster("pg18", wheel_bindir())
    try:
        target = cluster.target
        dump = _prepare(target, rows, Path(cluster.workdir))
        print("| checkout | case | exit | seconds | says |\n|---|---|---|---|---|")
        for src in sources:
            for name, database, extra in CASES:
                _reset(target)
                code, seconds, said = _load(target, Path(src), dump, database, extra)
                print(f"| {src} | {name} | {code} | {seconds:.2f} | {said[:90]} |")
    finally:
        cluster.stop()


def _prepare(target: Target, rows: int, workdir: Path) -> Path:
    with psycopg.connect(target.dsn("postgres"), autocommit=True) as conn:
        for name in ("bench", "empty"):
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
            conn.execute(f"CREATE DATABASE {name}")
    with psycopg.connect(target.dsn("bench"), autocommit=True) as conn:
        conn.execute(SCHEMA.replace("%(rows)s", str(rows)))
    out = workdir / "papers.sql.zst"
    argv = [sys.executable, "-m", "pgsnap", "dump", "papers", "--dsn"]
    env = {**target.client_env(), "PYTHONPATH": str(Path.cwd())}
    subprocess.run([*argv, target.conninfo("bench"), "-o", str(out)], env=env, check=True)
    return out


def _reset(target: Target) -> None:
    """The same neighbours before every case (a --replace that succeeds keeps them)."""
    with psycopg.connect(target.dsn("bench"), autocommit=True) as conn:
        conn.execute("DROP VIEW IF EXISTS recent_papers; DROP TABLE IF EXISTS lines")
        conn.execute(NEIGHBOURS)


def _load(
    target: Target, src: Path, dump: Path, database: str, extra: tuple[str, ...]
) -> tuple[int, float, str]:
    argv = [sys.executable, "-m", "pgsnap", "load", str(dump), "--dsn", target.conninfo(database)]
    env = {**target.client_env(), "PYTHONPATH": str(src.resolve())}
    started = time.monotonic()
    proc = subprocess.run([*argv, *extra], env=env, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    said = lines[-1] if lines else ""
    if proc.returncode != 0:
        said = next((line for line in lines if "error" in line), said)
    return proc.returncode, seconds, said.replace("|", "/")


if __name__ == "__main__":
    main()
