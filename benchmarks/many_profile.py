"""Where the time of a many-table dump and load goes: cProfile plus the server's statements.

On one throwaway cluster with pg_stat_statements loaded, the database of many_tables.py
(N small tables: serial key, index, comment, FK to the one before, 20 rows each) is dumped
with `pgsnap.dump(all_tables=True)` and loaded with `pgsnap.load(create=…)`, both in this
process under cProfile.  For each it prints the wall and CPU seconds (this process, and the
server's postmaster tree), the statements the server saw (pg_stat_statements: calls, by the
first word), and the functions with the most cumulative time.

    .venv/bin/python benchmarks/many_profile.py --tables 2000 --server pg18

`--importtime` also prints the slowest imports of `python -m pgsnap` start (python -X
importtime), the fixed cost every command pays before it connects.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import click
import psutil
import psycopg
from cluster import LocalCluster, system_bindir, wheel_bindir
from copy_profile import _cpu_tree
from many_tables import _fresh, create_tables

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import pgsnap

TOP_FUNCTIONS = 30
SAVE_DIR = os.environ.get("MANY_PROFILE_DIR")  # where to keep the .prof files, if set
STATEMENTS = """
SELECT s.query, s.calls, s.total_exec_time FROM pg_stat_statements s
JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = ANY(%s)
"""
SLOWEST = 8  # statements shown by their server time


class CountingCluster(LocalCluster):
    """The benchmark cluster with pg_stat_statements preloaded."""

    def _start(self) -> int:
        conf = self.workdir / "data" / "postgresql.auto.conf"
        with conf.open("a") as f:
            f.write("shared_preload_libraries = 'pg_stat_statements'\n")
            f.write("pg_stat_statements.track_utility = on\n")
            f.write("pg_stat_statements.max = 50000\n")  # one entry per table name: keep all
        return super()._start()


def _kinds(conn: psycopg.Connection, dbs: list[str]) -> tuple[Counter[str], list[str]]:
    """Calls by the first word, and the slowest statements (server ms, calls, text)."""
    found: Counter[str] = Counter()
    rows = conn.execute(STATEMENTS, (dbs,)).fetchall()
    for query, calls, _ms in rows:
        words = str(query).split()
        found[words[0].upper() if words else "?"] += int(calls)
    rows.sort(key=lambda r: -float(r[2]))
    slow = [f"- {ms:8.1f} ms {calls:5} x {' '.join(str(q).split())[:110]}" for q, calls, ms in rows]
    return found, slow[:SLOWEST]


def _profiled(label: str, server_pid: int, admin: psycopg.Connection, dbs: list[str], fn) -> None:  # type: ignore[no-untyped-def]
    me, server = psutil.Process(os.getpid()), psutil.Process(server_pid)
    admin.execute("SELECT pg_stat_statements_reset()")
    c0, s0, w0 = _cpu_tree(me), _cpu_tree(server), time.monotonic()
    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    if SAVE_DIR:
        prof.dump_stats(f"{SAVE_DIR}/{label.split()[0]}.prof")
    time.sleep(0.3)  # backends exit and are reaped
    wall = time.monotonic() - w0
    client, srv = _cpu_tree(me) - c0, _cpu_tree(server) - s0
    kinds, slowest = _kinds(admin, dbs)
    print(f"### {label}\n")
    print(f"wall {wall:.2f} s, client CPU {client:.2f} s, server CPU {srv:.2f} s\n")
    shown = ", ".join(f"{k} {v}" for k, v in kinds.most_common())
    print(f"server statements: {kinds.total()} ({shown}); the slowest:\n")
    print("\n".join(slowest) + "\n")
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(TOP_FUNCTIONS)
    print("```\n" + "\n".join(out.getvalue().splitlines()[6:]) + "\n```\n", flush=True)


def _importtime() -> None:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "pgsnap", "dump", "--help"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    rows = []
    for line in proc.stderr.splitlines()[1:]:
        _, _self_us, cum_us, name = (part.strip() for part in line.replace(":", "|").split("|"))
        if not name.startswith(" "):
            rows.append((int(cum_us), name))
    rows.sort(reverse=True)
    print("### imports of `python -m pgsnap dump --help` (cumulative µs, top level)\n")
    for cum, name in rows[:15]:
        print(f"- {cum:>8} {name.strip()}")
    print()


@click.command()
@click.option("--tables", default=2000, show_default=True)
@click.option("--server", type=click.Choice(["pg18", "pg15"]), default="pg18", show_default=True)
@click.option("--importtime", is_flag=True)
@click.option("--only", type=click.Choice(["dump", "load"]), default=None)
def main(tables: int, server: str, importtime: bool, only: str | None) -> None:
    if importtime:
        _importtime()
    bindir = wheel_bindir() if server == "pg18" else system_bindir(15)
    cluster = CountingCluster(server, bindir)
    try:
        target = cluster.target
        with psycopg.connect(target.dsn("postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE many")
            conn.execute("CREATE EXTENSION pg_stat_statements")
        create_tables(target, "many", tables)
        os.environ.update(target.client_env())
        archive = Path(cluster.workdir) / "many.sql.zst"
        print(f"## {tables} tables on {server}\n")
        with psycopg.connect(target.dsn("postgres"), autocommit=True) as admin:
            pid = target.server_pid or 0
            many, postgres = target.conninfo("many"), target.conninfo("postgres")
            _profiled("dump --all", pid, admin, ["many"], lambda: pgsnap.dump(
                all_tables=True, dsn=many, output=archive, force=True))  # fmt: skip
            if only == "dump":
                return
            _fresh(target, "copy_pgsnap")
            _profiled("load --create", pid, admin, ["postgres", "copy_pgsnap"], lambda: pgsnap.load(
                archive, dsn=postgres, create="copy_pgsnap"))  # fmt: skip
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
