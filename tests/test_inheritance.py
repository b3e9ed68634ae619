"""Inheritance children, typed tables and partitioned tables in whole-database dumps.

The DDL itself is checked by the fidelity corpus (cases 33, 35, 55, 69, 70); these tests cover
what a load decides around it: a missing parent, the order of a multi-table archive, --jobs
on a child, --all with partitioned tables.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import cli, content_md5, exists
from pgservers import TestDB

import pgsnap
from pgsnap import archive
from pgsnap.ddl.allowlist import check_statements
from pgsnap.errors import UnsafeStatementError
from pgsnap.model import table_from_json

# the child sorts before its parent, so an archive in name order would create it first
FAMILY = """
CREATE TABLE zz_parent (id int NOT NULL, kind text DEFAULT 'plain' CHECK (kind <> ''));
CREATE TABLE aa_child (extra int) INHERITS (zz_parent);
INSERT INTO zz_parent VALUES (1, 'p');
INSERT INTO aa_child SELECT g, 'c', g FROM generate_series(2, 2001) g;
CREATE TABLE events (id int, day date NOT NULL) PARTITION BY RANGE (day);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_rest PARTITION OF events DEFAULT;
INSERT INTO events VALUES (1, '2024-05-01'), (2, '2030-01-01');
"""


def _parents(db: TestDB, table: str) -> list[tuple[str]]:
    return db.execute(
        "SELECT inhparent::regclass::text FROM pg_inherits "
        f"WHERE inhrelid = '{table}'::regclass ORDER BY inhseqno"
    )


def test_a_child_without_its_parent_is_refused_before_any_change(
    db: TestDB, tmp_path: Path
) -> None:
    db.execute(FAMILY)
    out = tmp_path / "child.sql.zst"
    pgsnap.dump("aa_child", dsn=db.dsn, output=out)
    target = db.make_db()
    for jobs in ("1", "2"):
        res = cli("load", str(out), "--dsn", target.dsn, "--jobs", jobs)
        assert res.exit_code == 4, res.output
        assert "its parent table public.zz_parent does not exist" in res.stderr, res.stderr
        assert not exists(target.dsn, "public.aa_child")
    # with the parent there, the child is a child again, with its own rows only
    target.execute(
        "CREATE TABLE zz_parent (id int NOT NULL, kind text DEFAULT 'plain' CHECK (kind <> ''))"
    )
    res = cli("load", str(out), "--dsn", target.dsn)
    assert res.exit_code == 0, res.output
    assert _parents(target, "aa_child") == [("zz_parent",)]
    assert content_md5(target.dsn, "aa_child") == content_md5(db.dsn, "aa_child")
    assert target.execute("SELECT count(*) FROM ONLY zz_parent") == [(0,)]


def test_a_child_loads_in_one_transaction_with_jobs(db: TestDB, tmp_path: Path) -> None:
    db.execute(FAMILY)
    out = tmp_path / "child.sql.zst"
    pgsnap.dump("aa_child", dsn=db.dsn, output=out, jobs=2)
    target = db.make_db()
    target.execute("CREATE TABLE zz_parent (id int NOT NULL, kind text DEFAULT 'plain')")
    res = cli("load", str(out), "--dsn", target.dsn, "--jobs", "2")
    assert res.exit_code == 0, res.output
    assert "--jobs ignored" in res.output
    assert _parents(target, "aa_child") == [("zz_parent",)]
    assert target.execute("SELECT count(*) FROM zz_parent") == [(2000,)]
    # no staging table was ever a child of the parent
    assert target.execute(
        "SELECT count(*) FROM pg_inherits WHERE inhparent = 'zz_parent'::regclass"
    ) == [(1,)]


def test_all_dumps_parents_first_and_partitioned_tables_whole(db: TestDB, tmp_path: Path) -> None:
    db.execute(FAMILY)
    res = cli("dump", "--all", "--dsn", db.dsn, "--output-dir", str(tmp_path))
    assert res.exit_code == 0, res.output
    (path,) = tmp_path.iterdir()
    with archive.ArchiveReader.open(path) as reader:
        names = [t["name"] for t in reader.manifest_json["tables"]]
    # partitions come inside events, not as tables of their own; the parent before its child
    assert names == ["zz_parent", "aa_child", "events"]
    target = db.make_db()
    result = pgsnap.load(str(path), dsn=target.dsn)
    assert result.rows == 1 + 2000 + 2
    assert _parents(target, "aa_child") == [("zz_parent",)]
    assert _parents(target, "events_2024") == [("events",)]
    for table in ("zz_parent", "aa_child", "events_2024", "events_rest"):
        assert content_md5(target.dsn, table) == content_md5(db.dsn, table), table
    assert target.execute("SELECT count(*) FROM zz_parent") == [(2001,)]


def test_a_renamed_child_keeps_its_parent(db: TestDB, tmp_path: Path) -> None:
    db.execute(FAMILY)
    out = tmp_path / "child.sql.zst"
    pgsnap.dump("aa_child", dsn=db.dsn, output=out)
    res = cli("load", str(out), "--dsn", db.dsn, "--as", "aa_child_copy")
    assert res.exit_code == 0, res.output
    assert _parents(db, "aa_child_copy") == [("zz_parent",)]
    assert db.execute("SELECT count(*) FROM zz_parent") == [(4001,)]
    assert content_md5(db.dsn, "aa_child_copy") == content_md5(db.dsn, "aa_child")


def test_a_tampered_inherits_clause_is_refused(db: TestDB, tmp_path: Path) -> None:
    """The manifest names the parents: a CREATE TABLE … INHERITS another table is not ours."""
    db.execute(FAMILY)
    out = tmp_path / "child.sql.zst"
    pgsnap.dump("aa_child", dsn=db.dsn, output=out)
    with archive.ArchiveReader.open(out) as reader:
        spec = table_from_json(reader.header_json["tables"][0])
    check_statements(spec, [])  # as written: accepted
    create = spec.pre_data[0]
    assert 'INHERITS ("public"."zz_parent")' in create
    tampered = spec.with_ddl(
        (create.replace('"zz_parent"', '"pg_authid"'), *spec.pre_data[1:]), spec.post_data
    )
    with pytest.raises(UnsafeStatementError, match="refusing the archive"):
        check_statements(tampered, [])


def test_renaming_parent_and_child_together(db: TestDB, tmp_path: Path) -> None:
    db.execute(FAMILY)
    out = tmp_path / "family.sql.zst"
    pgsnap.dump(["aa_child", "zz_parent"], dsn=db.dsn, output=out)
    res = cli(
        "load", str(out), "--dsn", db.dsn, "--as", "zz_parent=zz_parent_t", "--as", "aa_child=aa_t"
    )
    assert res.exit_code == 0, res.output
    assert _parents(db, "aa_t") == [("zz_parent_t",)]
    assert db.execute("SELECT count(*) FROM zz_parent_t") == [(2001,)]
    assert _parents(db, "aa_child") == [("zz_parent",)]  # the originals are untouched
