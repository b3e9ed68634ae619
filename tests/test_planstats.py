"""Planner statistics travel with the archive (issue 13, point 1).

A load into PostgreSQL 18 gives each table it creates the source's pg_class numbers and pg_stats
rows (its columns', and its indexes' expression columns') with pg_restore_*_stats(), and runs
no ANALYZE; into 15 it runs ANALYZE, as it did before.  The source tables have autovacuum off
(the option travels with the DDL), so no autoanalyze can race with the counts, and rows are
added after their ANALYZE: an ANALYZE of the copy would find other statistics than the source's.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fuzzkit import read_draft, write_draft
from helpers import cli_subprocess
from pgservers import Server, TestDB
from psycopg import sql

import pgsnap
from pgsnap.archive import ArchiveReader

PG_RESTORE_STATS = 18
TABLE = """
CREATE TABLE st (
  id int PRIMARY KEY, name text, tags text[], span int4range, score float8, note text
) WITH (autovacuum_enabled = off);
CREATE INDEX st_lower_idx ON st (lower(name));
INSERT INTO st
SELECT i, 'name ' || (i % 37), ARRAY['t' || (i % 5), 't' || (i % 3)],
       int4range(i % 50, i % 50 + i % 7 + 1), (i * 7 % 101) / 3.0,
       CASE WHEN i % 4 = 0 THEN NULL ELSE repeat('x', i % 20) END
FROM generate_series(1, 3000) AS i;
ANALYZE st;
INSERT INTO st SELECT i, 'late', NULL, NULL, 0, 'late' FROM generate_series(3001, 3500) AS i;
"""
PARTED = """
CREATE TABLE ev (id int, at date, kind text) PARTITION BY RANGE (at);
CREATE TABLE ev_a PARTITION OF ev FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')
  WITH (autovacuum_enabled = off);
CREATE TABLE ev_b PARTITION OF ev FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')
  WITH (autovacuum_enabled = off);
INSERT INTO ev SELECT i, date '2024-01-01' + i % 700, 'k' || i % 9 FROM generate_series(1, 2000) i;
ANALYZE ev;
"""
COLUMNS = (
    "attname, inherited, null_frac, avg_width, n_distinct, most_common_vals::text,"
    " most_common_freqs::text, histogram_bounds::text, correlation, most_common_elems::text,"
    " most_common_elem_freqs::text, elem_count_histogram::text"
)
RANGE_COLUMNS = ", range_length_histogram::text, range_empty_frac, range_bounds_histogram::text"


def _columns(major: int) -> str:
    return COLUMNS + (RANGE_COLUMNS if major >= 17 else "")


def column_stats(dsn: str, table: str, major: int, schema: str = "public") -> list[Any]:
    """The pg_stats rows of `table`, every column that a restore sets."""
    stmt = sql.SQL(
        "SELECT " + _columns(major) + " FROM pg_stats WHERE schemaname = %s AND tablename = %s"
        " ORDER BY attname, inherited"
    )
    with psycopg.connect(dsn) as conn:
        return conn.execute(stmt, (schema, table)).fetchall()


def index_stats(dsn: str, table: str, major: int) -> list[Any]:
    """The pg_stats rows of the expression columns of `table`'s indexes, whatever their names."""
    stmt = sql.SQL(
        "SELECT " + _columns(major) + " FROM pg_stats s JOIN pg_indexes i"
        " ON i.schemaname = s.schemaname AND i.indexname = s.tablename"
        " WHERE i.tablename = %s ORDER BY attname"
    )
    with psycopg.connect(dsn) as conn:
        return conn.execute(stmt, (table,)).fetchall()


def relation_numbers(dsn: str, table: str) -> tuple[Any, ...]:
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "SELECT relpages, reltuples, relallvisible FROM pg_class WHERE oid = %s::regclass",
            (table,),
        ).fetchone()
    assert row is not None
    return tuple(row)


def analyze_counts(dsn: str, table: str) -> tuple[int, int]:
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "SELECT analyze_count, autoanalyze_count FROM pg_stat_user_tables"
            " WHERE relid = %s::regclass",
            (table,),
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def _dump(db: TestDB, tmp_path: Path, table: str = "st", **options: Any) -> Path:
    out = tmp_path / f"{table}.sql.zst"
    pgsnap.dump(table, dsn=db.dsn, output=out, **options)
    return out


def _assert_restored(src: TestDB, dst: TestDB, table: str, target: str) -> None:
    """On 18, the target's statistics are the source's and nothing analyzed it; on 15, it
    was analyzed once, and has statistics of its own."""
    major = src.server.major
    if major >= PG_RESTORE_STATS:
        assert column_stats(dst.dsn, target, major) == column_stats(src.dsn, table, major)
        assert index_stats(dst.dsn, target, major) == index_stats(src.dsn, table, major)
        assert relation_numbers(dst.dsn, target) == relation_numbers(src.dsn, table)
        assert analyze_counts(dst.dsn, target) == (0, 0)
    else:
        assert analyze_counts(dst.dsn, target) == (1, 0)
        assert len(column_stats(dst.dsn, target, major)) == 6
    assert index_stats(src.dsn, table, major)  # the case has index-expression statistics


@pytest.mark.parametrize("mode", ["plain", "as", "jobs2", "replace", "replace_jobs2"])
def test_statistics_restored_instead_of_analyze(db: TestDB, tmp_path: Path, mode: str) -> None:
    db.execute(TABLE)
    archive = _dump(db, tmp_path)
    target = db.make_db()
    name = "st_copy" if mode == "as" else "st"
    if mode.startswith("replace"):
        pgsnap.load(archive, dsn=target.dsn, analyze=True)
        target.execute("DELETE FROM st WHERE id > 10")
    jobs = 2 if mode.endswith("jobs2") else 1
    replace = mode.startswith("replace")
    as_name = "st_copy" if mode == "as" else None
    pgsnap.load(archive, dsn=target.dsn, as_name=as_name, jobs=jobs, replace=replace)
    _assert_restored(db, target, "st", name)


def test_partition_statistics(db: TestDB, tmp_path: Path) -> None:
    db.execute(PARTED)
    archive = _dump(db, tmp_path, "ev")
    target = db.make_db()
    pgsnap.load(archive, dsn=target.dsn, as_name="ev2")
    major = db.server.major
    pairs = [("ev", "ev2"), ("ev_a", "ev2_a"), ("ev_b", "ev2_b")]
    names = [r[0] for r in target.execute("SELECT relname FROM pg_class WHERE relname LIKE 'ev2%'")]
    for source, dest in pairs:
        dest = dest if dest in names else source
        if major >= PG_RESTORE_STATS:
            assert column_stats(target.dsn, dest, major) == column_stats(db.dsn, source, major)
            assert relation_numbers(target.dsn, dest) == relation_numbers(db.dsn, source)
        else:
            assert column_stats(target.dsn, dest, major)
    assert column_stats(db.dsn, "ev", major)[0][1] is True  # the parent's are inherited


def test_no_statistics_then_load_analyzes(db: TestDB, tmp_path: Path) -> None:
    db.execute(TABLE)
    archive = _dump(db, tmp_path, statistics=False)
    with ArchiveReader.open(archive) as reader:
        assert reader.header.tables[0].planner_stats == ()
    target = db.make_db()
    pgsnap.load(archive, dsn=target.dsn)
    assert analyze_counts(target.dsn, "st") == (1, 0)
    assert len(column_stats(target.dsn, "st", db.server.major)) == 6


def test_load_analyze_option(db: TestDB, tmp_path: Path) -> None:
    db.execute(TABLE)
    archive = _dump(db, tmp_path)
    with ArchiveReader.open(archive) as reader:
        spec = reader.header.tables[0]
    expression = spec.owned.indexes.index("st_lower_idx")
    assert {r.index for r in spec.planner_stats} == {-1, expression}  # the table, its index
    target = db.make_db()
    pgsnap.load(archive, dsn=target.dsn, analyze=True)
    assert analyze_counts(target.dsn, "st") == (1, 0)


def test_copy_carries_statistics(db: TestDB) -> None:
    db.execute(TABLE)
    target = db.make_db()
    pgsnap.copy("st", from_dsn=db.dsn, to_dsn=target.dsn)
    _assert_restored(db, target, "st", "st")
    other = db.make_db()
    pgsnap.copy("st", from_dsn=db.dsn, to_dsn=other.dsn, statistics=False)
    assert analyze_counts(other.dsn, "st") == (1, 0)
    third = db.make_db()
    pgsnap.copy("st", from_dsn=db.dsn, to_dsn=third.dsn, analyze=True, jobs=2)
    assert analyze_counts(third.dsn, "st") == (1, 0)


def test_schema_only_dump_carries_none(db: TestDB, tmp_path: Path) -> None:
    db.execute(TABLE)
    archive = _dump(db, tmp_path, schema_only=True)
    with ArchiveReader.open(archive) as reader:
        assert reader.header.tables[0].planner_stats == ()
        assert "pg_restore_relation_stats" not in _script(archive)


def _script(path: Path) -> str:
    return subprocess.run(
        ["zstd", "-dc", str(path)], capture_output=True, check=True
    ).stdout.decode()


def test_psql_script_restores_statistics(db: TestDB, tmp_path: Path) -> None:
    """psql of the server's major runs the script: on 18 the statistics are the source's, and
    15 accepts the guarded calls (and does not run them)."""
    db.execute(TABLE)
    archive = _dump(db, tmp_path)
    script = _script(archive)
    assert "pg_catalog.pg_restore_attribute_stats(" in script
    target = db.make_db()
    db.server.run_client("psql", "-X", "-q", dbname=target.name, stdin=script.encode())
    major = db.server.major
    assert target.execute("SELECT count(*) FROM st") == [(3500,)]
    if major >= PG_RESTORE_STATS:
        assert column_stats(target.dsn, "st", major) == column_stats(db.dsn, "st", major)
        assert relation_numbers(target.dsn, "st") == relation_numbers(db.dsn, "st")
        assert index_stats(target.dsn, "st", major) == index_stats(db.dsn, "st", major)
    else:
        assert column_stats(target.dsn, "st", major) == []


def _edited(archive: Path, tmp_path: Path, change: Any) -> Path:
    """The archive with `change(table_json)` applied to its first table in header and manifest."""
    d = read_draft(archive)
    for doc in (d.header, d.manifest):
        change(doc["tables"][0])
    return write_draft(d, tmp_path / "edited.sql.zst")


def _first_column(table: dict[str, Any]) -> dict[str, Any]:
    entry = next(r for r in table["planner_stats"] if r.get("index", -1) == -1)
    column: dict[str, Any] = entry["columns"][0]
    return column


def test_a_column_that_no_longer_exists_is_a_warning(db: TestDB, tmp_path: Path) -> None:
    db.execute(TABLE)

    def rename(table: dict[str, Any]) -> None:
        _first_column(table)["attname"] = "gone'\"col"

    edited = _edited(_dump(db, tmp_path), tmp_path, rename)
    target = db.make_db()
    done = cli_subprocess("load", str(edited), "--dsn", target.dsn)
    err = done.stderr.decode()
    assert done.returncode == 0, err
    if db.server.major >= PG_RESTORE_STATS:
        lines = [x for x in err.splitlines() if "not restored" in x]
        assert len(lines) == 1, err
        assert "public.st, column gone'\"col" in lines[0]
        assert analyze_counts(target.dsn, "st") == (0, 0)
        shown = column_stats(target.dsn, "st", db.server.major)
        assert len(shown) == 5  # the others were restored
    else:
        assert "not restored" not in err
        assert analyze_counts(target.dsn, "st") == (1, 0)


def test_a_value_the_server_refuses_is_a_warning(db: TestDB, tmp_path: Path) -> None:
    """A histogram that is not an array of the column's type: the server says why."""
    db.execute(TABLE)

    def damage(table: dict[str, Any]) -> None:
        column = next(c for c in _first_column_entry(table) if c["attname"] == "id")
        column["histogram_bounds"] = "{not,'numbers}"

    edited = _edited(_dump(db, tmp_path), tmp_path, damage)
    target = db.make_db()
    done = cli_subprocess("load", str(edited), "--dsn", target.dsn)
    err = done.stderr.decode()
    assert done.returncode == 0, err
    assert target.execute("SELECT count(*) FROM st") == [(3500,)]
    if db.server.major >= PG_RESTORE_STATS:
        assert "planner statistics of public.st, column id not restored" in err


def _first_column_entry(table: dict[str, Any]) -> list[dict[str, Any]]:
    entry = next(r for r in table["planner_stats"] if r.get("index", -1) == -1)
    columns: list[dict[str, Any]] = entry["columns"]
    return columns


HOSTILE = {
    "reltuples as a number": ("reltuples", 5, "expected a string"),
    "reltuples not a number": ("reltuples", "1; DROP TABLE st", "expected a number"),
    "a huge array": ("most_common_freqs", "{" + "0.5," * 300_000 + "0.5}", "array of numbers"),
    "a partition it lacks": ("partition", 3, "a partition or index the table does not own"),
    "avg_width as text": ("avg_width", "wide", "expected an integer"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_statistics_are_refused(db: TestDB, tmp_path: Path, case: str) -> None:
    db.execute(TABLE)
    key, value, said = HOSTILE[case]

    def damage(table: dict[str, Any]) -> None:
        entry = next(r for r in table["planner_stats"] if r.get("index", -1) == -1)
        if key in ("reltuples", "partition"):
            entry[key] = value
        else:
            entry["columns"][0][key] = value

    edited = _edited(_dump(db, tmp_path), tmp_path, damage)
    target = db.make_db()
    done = cli_subprocess("load", str(edited), "--dsn", target.dsn)
    err = done.stderr.decode()
    assert done.returncode == 5, err
    assert "is corrupt" in err and said in err, err
    assert err.count("\n") == 1, err
    assert target.execute("SELECT to_regclass('public.st') IS NULL") == [(True,)]


def test_inspect_says_whether_statistics_travel(db: TestDB, tmp_path: Path) -> None:
    db.execute(TABLE)
    with_stats = _dump(db, tmp_path)
    without = tmp_path / "none.sql.zst"
    pgsnap.dump("st", dsn=db.dsn, output=without, statistics=False)
    assert pgsnap.inspect(with_stats).statistics == 1
    assert pgsnap.inspect(without).statistics == 0
    shown = json.loads(cli_subprocess("inspect", str(with_stats), "--json").stdout)
    assert shown["statistics"] == 1


def test_cross_version_statistics(all_servers: dict[int, Server], tmp_path: Path) -> None:
    """Dumped from every major 14-18, loaded into 18: the statistics are the source's."""
    target_server = all_servers[18]
    with psycopg.connect(target_server.dsn(), autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS planstats_xv")
        conn.execute("CREATE DATABASE planstats_xv")
    try:
        for major, server in sorted(all_servers.items()):
            _one_cross_version(major, server, target_server, tmp_path)
    finally:
        with psycopg.connect(target_server.dsn(), autocommit=True) as conn:
            conn.execute("DROP DATABASE planstats_xv WITH (FORCE)")


def _one_cross_version(major: int, server: Server, target: Server, tmp_path: Path) -> None:
    name = f"st{major}"
    with psycopg.connect(server.dsn(), autocommit=True) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {name}")
        conn.execute(re.sub(r"\bst(\b|_)", name + r"\1", TABLE))
    try:
        out = tmp_path / f"{name}.sql.zst"
        pgsnap.dump(name, dsn=server.dsn(), output=out)
        pgsnap.load(out, dsn=target.dsn("planstats_xv"))
        dst = target.dsn("planstats_xv")
        common = min(major, 18)
        assert column_stats(dst, name, common) == column_stats(server.dsn(), name, common)
        assert relation_numbers(dst, name) == relation_numbers(server.dsn(), name)
        assert index_stats(dst, name, common) == index_stats(server.dsn(), name, common)
        assert analyze_counts(dst, name) == (0, 0)
    finally:
        with psycopg.connect(server.dsn(), autocommit=True) as conn:
            conn.execute(f"DROP TABLE {name}")


WIDE_COLUMNS = 1100  # more calls than one batch holds (restore/planstats.BATCH_CALLS)


def test_a_schema_of_tables_and_a_wide_one(db: TestDB, tmp_path: Path) -> None:
    """Every table of a --schema archive gets its statistics, in batches of calls."""
    columns = ", ".join(f"c{i} int" for i in range(WIDE_COLUMNS))
    values = ", ".join(f"g % {i + 2}" for i in range(WIDE_COLUMNS))
    db.execute("CREATE SCHEMA w")
    db.execute(f"CREATE TABLE w.wide ({columns}) WITH (autovacuum_enabled = off)")
    db.execute(f"INSERT INTO w.wide SELECT {values} FROM generate_series(1, 20) g")
    db.execute("CREATE TABLE w.small (id int) WITH (autovacuum_enabled = off)")
    db.execute("INSERT INTO w.small SELECT generate_series(1, 50)")
    db.execute("ANALYZE w.wide")
    db.execute("ANALYZE w.small")
    db.execute("INSERT INTO w.small SELECT generate_series(51, 90)")  # after its ANALYZE
    out = tmp_path / "w.sql.zst"
    pgsnap.dump(schemas=["w"], dsn=db.dsn, output=out)
    target = db.make_db()
    pgsnap.load(out, dsn=target.dsn)
    major = db.server.major
    for table in ("wide", "small"):
        got = column_stats(target.dsn, table, major, schema="w")
        if major >= PG_RESTORE_STATS:
            assert got == column_stats(db.dsn, table, major, schema="w")
            assert relation_numbers(target.dsn, f"w.{table}") == relation_numbers(
                db.dsn, f"w.{table}"
            )
            assert analyze_counts(target.dsn, f"w.{table}") == (0, 0)
        else:
            assert analyze_counts(target.dsn, f"w.{table}") == (1, 0)
    assert len(column_stats(db.dsn, "wide", major, schema="w")) == WIDE_COLUMNS


def test_a_never_analyzed_table_carries_none(db: TestDB, tmp_path: Path) -> None:
    """VACUUM sets reltuples but no column's statistics: the load analyzes, as before."""
    db.execute("CREATE TABLE fresh (id int PRIMARY KEY) WITH (autovacuum_enabled = off)")
    db.execute("INSERT INTO fresh SELECT generate_series(1, 500)")
    db.execute("CREATE INDEX fresh_neg ON fresh ((-id))")
    db.execute("VACUUM fresh")
    assert relation_numbers(db.dsn, "fresh")[1] == 500
    archive = _dump(db, tmp_path, "fresh")
    with ArchiveReader.open(archive) as reader:
        assert reader.header.tables[0].planner_stats == ()
    target = db.make_db()
    pgsnap.load(archive, dsn=target.dsn)
    assert analyze_counts(target.dsn, "fresh") == (1, 0)
