"""Catalog reads scale with object kinds, not with objects (design.md §9, issue 13 point 5).

`pgsnap.dump(all_tables=True)` of a database of 20 small tables and of one of 200 (each with a
serial key, an index, a comment, a foreign key to the previous table and 20 rows) must send
the server as many statements other than COPY: one query per kind for the whole selection,
never one per table.  The rows are read with one COPY per table, which is why COPY is left
out of the count.

`pgsnap.load` of those archives into empty databases runs the archive's own statements (its
DDL, one COPY per table): those grow with the tables.  Everything else it sends (catalog
checks, settings, the transaction, ANALYZE) must not; and the archive's statements travel in
batches (a SAVEPOINT opens each), not one round trip each.

The statements are counted by the server itself, in pg_stat_statements (`calls` of the dumped
database, top-level statements, utility statements included), on a cluster of the same
installation started for this module with `shared_preload_libraries = pg_stat_statements`.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from pgservers import (
    EXTERNAL_LABEL,
    ScratchDatabases,
    Server,
    TestDB,
    available_bindirs,
    run_as_for,
    start_cluster,
)

import pgsnap

SMALL, LARGE = 20, 200  # tables in the two databases
ROWS = 20  # rows per table
# the statements of one database, by text (pg_stat_statements normalises constants)
STATEMENTS = """
SELECT s.query, s.calls FROM pg_stat_statements s
JOIN pg_database d ON d.oid = s.dbid
WHERE d.datname = %s AND s.query !~* '^\\s*copy\\s'
"""
# pg_stat_statements keeps the text of utility statements (LOCK TABLE "s"."t"…) as sent:
# names are folded so that one statement per table shows as one line with its count
_QUOTED = re.compile(r'"(?:[^"]|"")*"')
# what the archive itself holds and a load runs as stored (its DDL, setval); BEGIN/COMMIT,
# the catalog checks, ANALYZE and the rest are the load's own
_STORED = re.compile(r"^\s*(create|alter|comment|grant|revoke|select pg_catalog\.setval)\b", re.I)
_BATCH = re.compile(r"^\s*(savepoint|release)\b", re.I)
MAKE_TABLES = """
DO $$
BEGIN
    FOR i IN 1..{n} LOOP
        EXECUTE format('CREATE TABLE t%s (id serial PRIMARY KEY, prev integer %s, label text)',
                       i, CASE WHEN i > 1 THEN format('REFERENCES t%s', i - 1) ELSE '' END);
        EXECUTE format('CREATE INDEX t%s_label ON t%s (label)', i, i);
        EXECUTE format('COMMENT ON TABLE t%s IS %L', i, 'table number ' || i);
        EXECUTE format('INSERT INTO t%s (prev, label) SELECT %s, %L || g FROM generate_series(1, {rows}) g',
                       i, CASE WHEN i > 1 THEN '1' ELSE 'NULL' END, 'row ');
    END LOOP;
END
$$
"""


@pytest.fixture(scope="module")
def counting_server(server: Server) -> Iterator[Server]:
    """A server of the same installation with pg_stat_statements loaded: a cluster started for
    this module (ALTER SYSTEM, then a restart), or an external server that already loads it."""
    if server.label == EXTERNAL_LABEL:
        yield server
        return
    bindir = dict(available_bindirs())[server.label]
    cluster = start_cluster(server.label, bindir, run_as=run_as_for(bindir))
    try:
        with psycopg.connect(cluster.server.dsn(), autocommit=True) as conn:
            conn.execute("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'")
        cluster.restart()
        with psycopg.connect(cluster.server.dsn(), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        yield cluster.server
    finally:
        cluster.stop()


def make_tables(db: TestDB, n: int) -> None:
    # the statement is ours and constant but for two integers: no identifier is interpolated
    db.execute(MAKE_TABLES.replace("{n}", str(n)).replace("{rows}", str(ROWS)).encode())


def counted(server: Server, db: TestDB, action: Callable[[], object]) -> Counter[str]:
    """The statements sent to `db` while `action` runs, by text, as counted by the server."""
    with psycopg.connect(server.dsn(), autocommit=True) as conn:
        conn.execute("SELECT pg_stat_statements_reset()")
        action()
        rows = conn.execute(STATEMENTS.encode(), (db.name,)).fetchall()
    found: Counter[str] = Counter()
    for query, calls in rows:
        found[_QUOTED.sub('"…"', str(query))] += int(calls)
    return found


def statements_of_dump(server: Server, db: TestDB, archive: Path) -> Counter[str]:
    """The non-COPY statements `dump(all_tables=True)` of `db` sends."""
    return counted(
        server, db, lambda: pgsnap.dump(all_tables=True, dsn=db.dsn, output=archive, force=True)
    )


@pytest.fixture(scope="module")
def sources(counting_server: Server) -> Iterator[tuple[TestDB, TestDB]]:
    """A database of SMALL tables and one of LARGE, on the counting server."""
    scratch = ScratchDatabases(counting_server)
    try:
        small, large = scratch.create(), scratch.create()
        make_tables(small, SMALL)
        make_tables(large, LARGE)
        yield small, large
    finally:
        scratch.drop_all()


def differing(few: Counter[str], many: Counter[str]) -> list[str]:
    return [
        f"{many[q]:5} calls for {LARGE} tables, {few[q]:5} for {SMALL}: {' '.join(q.split())[:160]}"
        for q in sorted(few.keys() | many.keys(), key=lambda q: few[q] - many[q])
        if few[q] != many[q]
    ]


def test_catalog_statements_do_not_grow_with_tables(
    counting_server: Server, sources: tuple[TestDB, TestDB], tmp_path: Path
) -> None:
    small, large = sources
    few = statements_of_dump(counting_server, small, tmp_path / "small.sql.zst")
    many = statements_of_dump(counting_server, large, tmp_path / "large.sql.zst")
    small_total, large_total = few.total(), many.total()
    assert small_total > 0, "pg_stat_statements saw no statement of the dump"
    assert small_total == large_total, (
        f"dump(all_tables=True) sent {large_total} statements besides COPY for {LARGE} tables,"
        f" {small_total} for {SMALL}; those whose count differs:\n"
        + "\n".join(differing(few, many)[:30])
    )


def _split(found: Counter[str]) -> tuple[Counter[str], int, int]:
    """(the load's own statements, the archive's stored ones, the batches they came in)."""
    own: Counter[str] = Counter()
    stored = batches = 0
    for query, calls in found.items():
        if _STORED.match(query):
            stored += calls
        elif _BATCH.match(query):
            batches += calls if query.lstrip().lower().startswith("savepoint") else 0
        else:
            own[query] += calls
    return own, stored, batches


def test_load_checks_do_not_grow_with_tables(
    counting_server: Server, sources: tuple[TestDB, TestDB], tmp_path: Path
) -> None:
    loads = []
    for source in sources:
        archive = tmp_path / f"{source.name}.sql.zst"
        pgsnap.dump(all_tables=True, dsn=source.dsn, output=archive, force=True)
        target = source.make_db()
        load = functools.partial(pgsnap.load, archive, dsn=target.dsn)
        loads.append(_split(counted(counting_server, target, load)))
        rows = target.execute(f"SELECT count(*) FROM t{SMALL}")  # (an integer of ours)
        assert rows == [(ROWS,)], f"the load of {source.name} lost rows: {rows}"
    (few, _, _), (many, large_stored, large_batches) = loads
    assert few.total() > 0, "pg_stat_statements saw no statement of the load"
    assert large_stored > LARGE, f"{large_stored} stored statements for {LARGE} tables?"
    assert few.total() == many.total(), (
        f"load sent {many.total()} statements of its own for {LARGE} tables, {few.total()} for"
        f" {SMALL}; those whose count differs:\n" + "\n".join(differing(few, many)[:30])
    )
    # fewer round trips than one per ten tables for the archive's DDL (one per statement before)
    assert 0 < large_batches <= LARGE // 10, (
        f"{large_stored} stored statements for {LARGE} tables came in {large_batches} batches"
    )
