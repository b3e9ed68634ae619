"""pgsnap copy: dump and load with the file taken out, between databases and servers.

Each copy is compared with what the same dump + load makes (names, DDL), or with the source
itself (rows by the md5 of their sorted COPY text, the whole schema by pg_dump).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from dboracle import data_fingerprint, data_problem, schema_problem, whole_schema
from helpers import cli, content_md5, exists
from pgservers import ScratchDatabases, Server, TestDB
from test_parallel import ACCOUNTS, TOTAL, Writer
from test_whole_database import SHOP

import pgsnap
from pgsnap.backup.chunks import plan_chunks
from pgsnap.errors import TargetExistsError, UsageError
from pgsnap.progress import Event

PAPERS = """
CREATE TABLE papers (
    id serial PRIMARY KEY,
    title text NOT NULL CONSTRAINT papers_title_check CHECK (title <> ''),
    year int,
    note text
);
CREATE INDEX papers_year_idx ON papers (year);
INSERT INTO papers (title, year, note)
SELECT 'paper ' || g, 1990 + g % 30, CASE WHEN g % 7 = 0 THEN NULL ELSE E'tab\\there ' || g END
FROM generate_series(1, 30000) g;
"""
CHUNK_PAGES = 16  # small chunks: the test table splits into several ctid ranges

NAMES = """
SELECT c.relname, c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relname LIKE 'papers%' ORDER BY 1
"""
CONSTRAINTS = """
SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
WHERE conrelid = 'public.papers_test'::regclass ORDER BY 1
"""


def _copy(*args: str) -> tuple[int, str]:
    res = cli("copy", *args)
    return res.exit_code, res.output


def test_a_table_copies_between_servers_both_ways(servers: list[Server]) -> None:
    assert len(servers) >= 2, "the session runs pg18 and pg15"
    for a, b in itertools.permutations(servers[:2]):
        source_dbs, target_dbs = ScratchDatabases(a), ScratchDatabases(b)
        try:
            source, target = source_dbs.create(), target_dbs.create()
            source.execute(PAPERS)
            code, out = _copy("papers", "--from", source.dsn, "--to", target.dsn)
            assert code == 0, out
            assert f"created public.papers: {30000:,} rows" in out
            assert "row count verified" in out
            assert content_md5(target.dsn, "papers") == content_md5(source.dsn, "papers")
            # the sequence came along with its value: the next id follows the last row's
            assert target.execute("SELECT nextval('papers_id_seq')") == [(30001,)]
            assert source.server.password not in out
        finally:
            source_dbs.drop_all()
            target_dbs.drop_all()


def test_as_renames_like_load_does(db: TestDB, tmp_path: Path) -> None:
    db.execute(PAPERS)
    copied, loaded = db.make_db(), db.make_db()
    code, out = _copy("papers", "--from", db.dsn, "--to", copied.dsn, "--as", "papers_test")
    assert code == 0, out
    archive = tmp_path / "papers.sql.zst"
    pgsnap.dump("papers", dsn=db.dsn, output=archive)
    pgsnap.load(archive, dsn=loaded.dsn, as_name="papers_test")
    names = copied.execute(NAMES)
    assert names == loaded.execute(NAMES)
    assert ("papers_test_pkey", "i") in names and ("papers_test_id_seq", "S") in names
    assert not any(n == "papers" for n, _ in names)
    assert copied.execute(CONSTRAINTS) == loaded.execute(CONSTRAINTS)
    assert content_md5(copied.dsn, "papers_test") == content_md5(db.dsn, "papers")


def test_as_in_the_same_database_copies_beside_the_source(db: TestDB) -> None:
    db.execute(PAPERS)
    res = pgsnap.copy("papers", from_dsn=db.dsn, to_dsn=db.dsn, as_name="papers_test")
    assert (res.table, res.rows, res.mode) == ("public.papers_test", 30000, "created")
    assert content_md5(db.dsn, "papers_test") == content_md5(db.dsn, "papers")


def test_where_copies_the_matching_rows(db: TestDB) -> None:
    db.execute(PAPERS)
    target = db.make_db()
    code, out = _copy("papers", "--from", db.dsn, "--to", target.dsn, "--where", "year < 2000")
    assert code == 0, out
    want = db.execute("SELECT count(*), sum(id) FROM papers WHERE year < 2000")
    assert target.execute("SELECT count(*), sum(id) FROM papers") == want
    assert want[0][0] and want[0][0] < 30000


def test_jobs_copy_chunks_in_parallel_in_one_snapshot(db: TestDB) -> None:
    """Two workers copy ctid ranges while a writer moves money: one snapshot, so the total is
    exact, and the rows are those of one moment."""
    db.execute(ACCOUNTS)
    target = db.make_db()
    pages = db.execute("SELECT pg_relation_size('accounts') / current_setting('block_size')::int")
    version = db.execute("SELECT current_setting('server_version_num')::int")
    plan = plan_chunks(int(pages[0][0]), 2, int(version[0][0]), min_chunk_pages=CHUNK_PAGES)
    assert len(plan.chunks) > 2
    events: list[Event] = []
    writer = Writer(db.dsn)
    writer.start()
    try:
        res = pgsnap.copy(
            "accounts", from_dsn=db.dsn, to_dsn=target.dsn, jobs=2, chunk_pages=CHUNK_PAGES,
            progress=events.append,
        )  # fmt: skip
    finally:
        writer.stop.set()
        writer.join()
    assert writer.error is None and writer.commits > 0
    assert target.execute("SELECT sum(balance) FROM accounts") == [(TOTAL,)]
    assert res.rows == target.execute("SELECT count(*) FROM accounts")[0][0]
    assert len([e for e in events if e.kind == "rows"]) >= len(plan.chunks)  # a block a chunk
    assert any(e.kind == "phase" and "swapping" in (e.message or "") for e in events)
    indexes = target.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'accounts'")
    assert sorted(r[0] for r in indexes) == [
        "accounts_balance_idx",
        "accounts_pad_idx",
        "accounts_pkey",
    ]
    assert target.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'pgsnap%'") == [(0,)]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_each_mode_of_an_existing_target(db: TestDB, jobs: str) -> None:
    db.execute(PAPERS)
    target = db.make_db()
    target.execute("CREATE TABLE papers (id int PRIMARY KEY, title text)")
    target.execute("INSERT INTO papers VALUES (-1, 'old')")
    args = ("papers", "--from", db.dsn, "--to", target.dsn, "-j", jobs)
    code, out = _copy(*args)
    assert code == 6 and 'table "public.papers" already exists' in out
    assert target.execute("SELECT count(*) FROM papers") == [(1,)]
    code, out = _copy(*args, "--replace")
    assert code == 0 and "replaced public.papers" in out, out
    assert content_md5(target.dsn, "papers") == content_md5(db.dsn, "papers")
    code, out = _copy(*args, "--drop-existing")
    assert code == 0 and "recreated public.papers" in out, out
    assert content_md5(target.dsn, "papers") == content_md5(db.dsn, "papers")
    target.execute("DELETE FROM papers WHERE id > 10")
    db.execute("DELETE FROM papers WHERE id <= 10")
    code, out = _copy(*args, "--append")
    assert code == 0 and "appended public.papers" in out, out
    assert target.execute("SELECT count(*), count(DISTINCT id) FROM papers") == [(30000, 30000)]


def test_the_whole_database_copies_with_every_object(db: TestDB) -> None:
    db.execute(SHOP)
    db.execute(PAPERS)
    db.execute("SELECT lo_from_bytea(0, 'a large object')")
    target = db.make_db()
    code, out = _copy("--all", "--from", db.dsn, "--to", target.dsn)
    assert code == 0, out
    assert "created 3 tables" in out
    assert (
        schema_problem(whole_schema(db.server, db.name), whole_schema(db.server, target.name))
        is None
    )
    assert data_problem(data_fingerprint(db.dsn), data_fingerprint(target.dsn)) is None
    assert target.execute("SELECT n FROM shop.totals") == [(3,)]


def test_a_schema_copies_with_its_objects(db: TestDB) -> None:
    db.execute(SHOP)
    db.execute(PAPERS)
    target = db.make_db()
    res = pgsnap.copy(schemas=["shop"], from_dsn=db.dsn, to_dsn=target.dsn)
    assert (res.table, res.mode) == ("2 tables", "created")
    assert not exists(target.dsn, "public.papers")
    assert target.execute("SELECT count(*) FROM shop.cheap") == [(1,)]


def test_several_tables_and_exclude(db: TestDB) -> None:
    db.execute(PAPERS)
    db.execute("CREATE TABLE notes AS SELECT g AS id FROM generate_series(1, 10) g")
    db.execute("CREATE TABLE skip_me (id int)")
    target = db.make_db()
    code, out = _copy("papers", "notes", "--from", db.dsn, "--to", target.dsn, "-j", "2")
    assert code == 0 and "created 2 tables" in out, out
    assert "2 tables load in one transaction: --jobs ignored" in out
    assert target.execute("SELECT count(*) FROM notes") == [(10,)]
    other = db.make_db()
    res = pgsnap.copy(all_tables=True, exclude=["skip*"], from_dsn=db.dsn, to_dsn=other.dsn)
    assert res.table == "2 tables"
    assert not exists(other.dsn, "public.skip_me") and exists(other.dsn, "public.notes")


def test_dry_run_changes_nothing(db: TestDB) -> None:
    db.execute(PAPERS)
    target = db.make_db()
    code, out = _copy("papers", "--from", db.dsn, "--to", target.dsn, "--dry-run", "--as", "p2")
    assert code == 0, out
    assert "dry run: public.p2 would be copied" in out and "nothing was changed" in out
    assert target.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'p2%'") == [(0,)]
    assert target.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'papers%'") == [(0,)]


def test_schema_only_and_no_privileges(db: TestDB) -> None:
    db.execute(PAPERS)
    target = db.make_db()
    res = pgsnap.copy("papers", from_dsn=db.dsn, to_dsn=target.dsn, schema_only=True)
    assert res.rows == 0 and target.execute("SELECT count(*) FROM papers") == [(0,)]
    other = db.make_db()
    res = pgsnap.copy(all_tables=True, from_dsn=db.dsn, to_dsn=other.dsn, no_privileges=True)
    assert res.rows == 30000


def test_a_table_onto_itself_is_refused(db: TestDB) -> None:
    db.execute(PAPERS)
    code, out = _copy("papers", "--from", db.dsn, "--to", db.dsn, "--append")
    assert code == 2
    assert out.strip().splitlines() == [
        'pgsnap: error: cannot copy table "public.papers" onto itself: --from and --to are the'
        " same database; copy it under another name with --as"
    ]
    with pytest.raises(UsageError, match="onto itself"):
        pgsnap.copy(all_tables=True, from_dsn=db.dsn, to_dsn=db.dsn)
    assert db.execute("SELECT count(*) FROM papers") == [(30000,)]


def test_bad_inputs_are_one_line_each(db: TestDB) -> None:
    db.execute(PAPERS)
    target = db.make_db()
    unreachable = db.server.dsn(target.name, port="1")
    code, out = _copy("papers", "--from", db.dsn, "--to", unreachable)
    assert code == 3 and "cannot connect to" in out and db.server.password not in out
    code, out = _copy("papers", "--from", unreachable, "--to", target.dsn)
    assert code == 3 and "(from --from)" in out and db.server.password not in out
    code, out = _copy("papers", "--from", db.dsn, "--to", "not a = = dsn")
    assert code == 2 and "the connection string from --to is not valid" in out
    code, out = _copy("nosuch", "--from", db.dsn, "--to", target.dsn)
    assert code == 4 and "nosuch" in out
    code, out = _copy("papers", "--from", db.dsn)
    assert code == 2 and "--to" in out
    code, out = _copy("papers", "--from", db.dsn, "--to", target.dsn, "--append", "--replace")
    assert code == 2 and "cannot be combined" in out
    code, out = _copy("--all", "--from", db.dsn, "--to", target.dsn, "--where", "id > 1")
    assert code == 2 and "--where filters the rows of one table" in out
    with pytest.raises(UsageError, match="to_dsn="):
        pgsnap.copy("papers", from_dsn=db.dsn)
    with pytest.raises(UsageError, match="append=True"):
        pgsnap.copy("papers", from_dsn=db.dsn, to_dsn=target.dsn, append=True, replace=True)
    assert target.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'papers%'") == [(0,)]


def test_the_python_twin_returns_a_result(db: TestDB) -> None:
    db.execute(PAPERS)
    target = db.make_db()
    res = pgsnap.copy(["papers"], from_dsn=db.dsn, to_dsn=target.dsn, as_names={"papers": "p"})
    assert isinstance(res, pgsnap.CopyResult)
    assert (res.table, res.rows, res.mode, res.dry_run) == ("public.p", 30000, "created", False)
    assert "(from --from)" in res.source and "(from --to)" in res.target
    assert db.server.password not in res.source + res.target
    with pytest.raises(TargetExistsError):
        pgsnap.copy("papers", from_dsn=db.dsn, to_dsn=target.dsn, as_name="p")
