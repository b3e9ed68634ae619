"""The test servers themselves: right versions, real password auth, isolated databases."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import psycopg
import pytest
from pgservers import EXTERNAL_LABEL, SYSTEM_PG_ROOT, ScratchDatabases, Server, TestDB

USER_RELATIONS = """
    SELECT count(*) FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
"""


def _version_major(output: bytes) -> int:
    match = re.search(rb"\(PostgreSQL\) (\d+)", output)
    assert match is not None, output
    return int(match.group(1))


def test_every_installed_server_is_started(servers: list[Server]) -> None:
    labels = [s.label for s in servers]
    if labels == [EXTERNAL_LABEL]:
        return
    assert labels[0] == "pg18"  # the wheel's, always
    if (SYSTEM_PG_ROOT / "15" / "bin" / "initdb").is_file():
        assert "pg15" in labels
    passwords = {s.password for s in servers}
    assert len(passwords) == len(servers)
    assert all(len(p) >= 16 for p in passwords)


def test_server_is_the_expected_major(server: Server) -> None:
    if server.label == EXTERNAL_LABEL:
        assert server.major >= 13
        return
    expected = {"pg18": 18, "pg15": 15}.get(server.label)
    if expected is None:  # another /usr/lib/postgresql/<major>
        match = re.match(r"pg(\d+)", server.label)
        assert match is not None, server.label
        expected = int(match.group(1))
    with psycopg.connect(server.dsn()) as conn:
        row = conn.execute("SELECT current_setting('server_version_num')::int").fetchone()
    assert row is not None
    assert row[0] // 10000 == server.major == expected


def test_wrong_password_is_refused(server: Server) -> None:
    with psycopg.connect(server.dsn(connect_timeout="10")) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(server.dsn(password="wrong-" + server.password, connect_timeout="10"))


def test_host_connections_use_scram(server: Server) -> None:
    with psycopg.connect(server.dsn()) as conn:
        rows = conn.execute(
            "SELECT DISTINCT auth_method FROM pg_catalog.pg_hba_file_rules WHERE type = 'host'"
        ).fetchall()
    assert rows == [("scram-sha-256",)]


def test_db_is_fresh_and_empty(db: TestDB) -> None:
    assert db.name.startswith("t_")
    assert db.execute("SELECT current_database()") == [(db.name,)]
    assert db.execute(USER_RELATIONS) == [(0,)]
    assert db.execute("CREATE TABLE t (a int)") == []
    assert db.execute("INSERT INTO t VALUES (%s), (%s)", (1, 2)) == []
    assert db.execute("SELECT a FROM t ORDER BY a") == [(1,), (2,)]


def test_make_db_is_another_empty_database(db: TestDB) -> None:
    db.execute("CREATE TABLE only_here (a int)")
    other = db.make_db()
    assert other.server == db.server
    assert other.name != db.name
    assert other.execute(USER_RELATIONS) == [(0,)]
    with other.connect() as conn:
        assert conn.autocommit
        assert conn.execute("SELECT current_database()").fetchone() == (other.name,)


def test_scratch_databases_are_dropped_even_when_in_use(server: Server) -> None:
    scratch = ScratchDatabases(server)
    first = scratch.create()
    second = first.make_db()
    with first.connect():  # still open: WITH (FORCE) must end it
        scratch.drop_all()
    with psycopg.connect(server.dsn()) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_catalog.pg_database WHERE datname = ANY(%s)",
            ([first.name, second.name],),
        ).fetchall()
    assert rows == []


def test_psql_runs_select_1(server: Server) -> None:
    psql = server.client("psql")
    assert _version_major(subprocess.run([psql, "--version"], capture_output=True).stdout) == (
        server.major
    )
    assert server.password not in server.client_dsn()
    proc = server.run_client("psql", "-X", "-A", "-t", "-c", "SELECT 1")
    assert proc.stdout.strip() == b"1"


def test_psql_reads_the_password_from_pgpassword(server: Server) -> None:
    env = {**server.client_env(), "PGPASSWORD": "wrong"}
    argv = [str(server.client("psql")), "-X", "-d", server.client_dsn(), "-c", "SELECT 1"]
    proc = subprocess.run(argv, env=env, capture_output=True, timeout=60)
    assert proc.returncode == 2
    assert b"password authentication failed" in proc.stderr


def test_pg_dump_has_the_servers_major(server: Server, db: TestDB) -> None:
    pg_dump = server.client("pg_dump")
    assert isinstance(pg_dump, Path)
    version = subprocess.run([pg_dump, "--version"], capture_output=True, check=True).stdout
    assert _version_major(version) == server.major
    db.execute("CREATE TABLE dumped (a int)")
    dump = server.run_client("pg_dump", "--schema-only", dbname=db.name).stdout
    assert re.search(rb"Dumped by pg_dump version %d\b" % server.major, dump)
    assert re.search(rb"Dumped from database version %d\b" % server.major, dump)
    assert b"CREATE TABLE public.dumped" in dump
