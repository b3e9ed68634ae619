"""Several tables in one file: --schema, --all, -T; loading all of them, or one with --table."""

from __future__ import annotations

import subprocess
from pathlib import Path

from helpers import cli, content_md5, exists
from pgservers import TestDB

import pgsnap
from pgsnap import archive

APP = """
CREATE SCHEMA app;
CREATE TABLE app.authors (id int PRIMARY KEY, name text, best_paper int);
CREATE TABLE app.papers (id int PRIMARY KEY, title text, author_id int REFERENCES app.authors (id));
ALTER TABLE app.authors ADD CONSTRAINT authors_best_fk FOREIGN KEY (best_paper) REFERENCES app.papers (id);
CREATE TABLE app.tags (paper_id int REFERENCES app.papers (id), tag text);
CREATE TABLE app.tmp_scratch (x int);
INSERT INTO app.authors VALUES (1, 'ada', NULL), (2, 'bob', NULL);
INSERT INTO app.papers VALUES (10, 'p1', 1), (11, 'p2', 2);
UPDATE app.authors SET best_paper = 10 + id - 1;
INSERT INTO app.tags VALUES (10, 'db'), (11, 'ml');
CREATE TABLE public.other (id int);
"""
TABLES = ("authors", "papers", "tags")


def _same(a: TestDB, b: TestDB) -> None:
    for t in TABLES:
        assert content_md5(b.dsn, t, "app") == content_md5(a.dsn, t, "app")


def test_schema_dump_loads_mutually_referencing_tables(db: TestDB, tmp_path: Path) -> None:
    db.execute(APP)
    res = cli(
        "dump", "--schema", "app", "-T", "*scratch*", "--dsn", db.dsn, "--output-dir", str(tmp_path)
    )
    assert res.exit_code == 0, res.output
    (path,) = tmp_path.iterdir()
    assert path.name.startswith("app_")
    with archive.ArchiveReader.open(path) as reader:
        assert [t["name"] for t in reader.manifest_json["tables"]] == ["authors", "papers", "tags"]
        assert reader.manifest_json["rows"] == [2, 2, 2]
    target = db.make_db()  # no schema app there: the load creates it
    res = cli("load", str(path), "--dsn", target.dsn)
    assert res.exit_code == 0, res.output
    _same(db, target)
    fks = target.execute(
        "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND connamespace = 'app'::regnamespace"
    )
    assert fks == [(3,)]
    # again: every table exists now, so the load is refused as a whole
    res = cli("load", str(path), "--dsn", target.dsn)
    assert res.exit_code == 6 and "already exists" in res.stderr
    res = cli("load", str(path), "--dsn", target.dsn, "--drop-existing")
    assert res.exit_code == 0, res.output
    _same(db, target)
    # the same file is a psql script that restores all three
    other = db.make_db()
    script = subprocess.run(["zstd", "-dc", str(path)], capture_output=True, check=True).stdout
    db.server.run_client("psql", "-X", "-q", dbname=other.name, stdin=script)
    _same(db, other)


def test_one_table_of_a_multi_table_file(db: TestDB, tmp_path: Path) -> None:
    db.execute(APP)
    out = tmp_path / "app.sql.gz"
    pgsnap.dump(schemas=["app"], exclude=["app.tmp_*"], dsn=db.dsn, output=out)
    res = cli("load", str(out), "--dsn", db.dsn, "--table", "app.tags", "--as", "app.tags_copy")
    assert res.exit_code == 0, res.output
    assert content_md5(db.dsn, "tags_copy", "app") == content_md5(db.dsn, "tags", "app")
    res = cli("load", str(out), "--dsn", db.dsn, "--table", "app.tags", "--as", "nowhere.tags")
    assert res.exit_code == 8 and 'schema "nowhere" does not exist' in res.stderr
    res = cli("load", str(out), "--dsn", db.dsn, "--as", "x")
    assert res.exit_code == 2 and "--table" in res.stderr
    res = cli("load", str(out), "--dsn", db.dsn, "--table", "nope")
    assert res.exit_code == 2 and "app.authors" in res.stderr


def test_all_tables_and_exclusions(db: TestDB, tmp_path: Path) -> None:
    db.execute(APP)
    result = pgsnap.dump(all_tables=True, exclude=["*scratch"], dsn=db.dsn, output_dir=tmp_path)
    assert set(result.tables) == {"app.authors", "app.papers", "app.tags", "public.other"}
    assert Path(result.path).name.startswith(db.name + "_")
    db.execute("CREATE TABLE public.m (d date) PARTITION BY RANGE (d)")
    db.execute("CREATE TABLE public.m_1 PARTITION OF public.m DEFAULT")
    # a partitioned table comes whole; its partitions are not tables of their own
    result = pgsnap.dump(all_tables=True, dsn=db.dsn, output=tmp_path / "with_m.sql.zst")
    assert "public.m" in result.tables and "public.m_1" not in result.tables
    res = cli("dump", "--schema", "nope", "--dsn", db.dsn)
    assert res.exit_code == 4
    res = cli("dump", "--dsn", db.dsn)
    assert res.exit_code == 2 and "--all" in res.stderr
    assert not exists(db.dsn, "app.nope")


def test_comment_on_a_foreign_key_between_tables_restores(db: TestDB, tmp_path: Path) -> None:
    """A multi-table load runs foreign keys after every table's keys; a comment on a foreign
    key must still come after the key itself (pgsnap load and the psql script alike)."""
    db.execute(APP)
    db.execute("COMMENT ON CONSTRAINT authors_best_fk ON app.authors IS 'best paper'")
    out = tmp_path / "app.sql.zst"
    pgsnap.dump(schemas=["app"], exclude=["app.tmp_*"], dsn=db.dsn, output=out)
    by_pgsnap, by_psql = db.make_db(), db.make_db()
    pgsnap.load(str(out), dsn=by_pgsnap.dsn)
    script = subprocess.run(["zstd", "-dc", str(out)], capture_output=True, check=True).stdout
    db.server.run_client("psql", "-X", "-q", dbname=by_psql.name, stdin=script)
    for target in (by_pgsnap, by_psql):
        comment = target.execute(
            "SELECT obj_description(oid, 'pg_constraint') FROM pg_constraint "
            "WHERE conname = 'authors_best_fk'"
        )
        assert comment == [("best paper",)]
        _same(db, target)
