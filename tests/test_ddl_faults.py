"""DDL that real schemas hit (tests/corpus_db/BASELINE.md): a foreign key on a partitioned
table, inheritance children and partitions of a table with a generated column, (PG18) the NOT
NULL constraint names of an attached partition or a child, and SQL-syntax function calls under
--as.  Each schema round-trips by a single-table dump, by `dump --all`, by --as (one table and
several) and by the archive run as a psql script; pg_dump --schema-only is the judge."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from fidelity_oracle import NameMap, diff, entries, entries_diff, schema_dump
from pgservers import TestDB

from pgsnap.archive import ArchiveReader
from pgsnap.backup.dump import dump
from pgsnap.ddl.allowlist import check_statements
from pgsnap.ddl.rename import plan_rename
from pgsnap.errors import UnsafeStatementError
from pgsnap.model import QualifiedName, table_from_json
from pgsnap.restore.load import load

PARTITIONED_FKS = """
CREATE TABLE brands (name text PRIMARY KEY);
CREATE TABLE models (name text, year int, brand text REFERENCES brands,
  PRIMARY KEY (name, year)) PARTITION BY LIST (year);
CREATE TABLE models_2021 PARTITION OF models FOR VALUES IN (2021);
CREATE TABLE models_rest PARTITION OF models DEFAULT;
CREATE TABLE sales (d text, mname text, myear int, PRIMARY KEY (d, mname, myear),
  FOREIGN KEY (mname, myear) REFERENCES models (name, year)) PARTITION BY RANGE (d);
CREATE TABLE sales_a PARTITION OF sales FOR VALUES FROM ('a') TO ('m')
  PARTITION BY LIST (myear);
CREATE TABLE sales_a_2021 PARTITION OF sales_a FOR VALUES IN (2021);
CREATE TABLE sales_a_rest PARTITION OF sales_a DEFAULT;
ALTER TABLE sales_a ADD CONSTRAINT sales_a_brand_fkey FOREIGN KEY (mname, myear)
  REFERENCES models (name, year) ON DELETE CASCADE;
CREATE TABLE sales_b (d text NOT NULL, mname text NOT NULL, myear int NOT NULL,
  CONSTRAINT sales_b_own_fk FOREIGN KEY (mname, myear) REFERENCES models (name, year));
ALTER TABLE sales ATTACH PARTITION sales_b FOR VALUES FROM ('m') TO ('z');
CREATE TABLE sales_c PARTITION OF sales FOR VALUES FROM ('z') TO (MAXVALUE);
ALTER TABLE sales_c ADD CONSTRAINT sales_c_brand_fkey FOREIGN KEY (mname) REFERENCES brands;
CREATE TABLE racers (name text PRIMARY KEY, mname text, myear int,
  FOREIGN KEY (mname, myear) REFERENCES models (name, year));
INSERT INTO brands VALUES ('dmc');
INSERT INTO models VALUES ('delorean', 2021, 'dmc'), ('dmc', 1981, 'dmc');
INSERT INTO sales VALUES ('b', 'delorean', 2021), ('n', 'dmc', 1981), ('zz', 'dmc', 1981);
INSERT INTO racers VALUES ('marty', 'delorean', 2021);
"""


def _dump(db: TestDB, path: Path, *tables: str) -> Path:
    if tables:
        dump(list(tables), dsn=db.dsn, output=path)
    else:
        dump(all_tables=True, dsn=db.dsn, output=path)
    return path


def _psql(db: TestDB, archive: Path, target: TestDB) -> None:
    script = subprocess.run(["zstd", "-dc", str(archive)], capture_output=True, check=True).stdout
    db.server.run_client("psql", "-X", "-q", dbname=target.name, stdin=script)


def _whole(db: TestDB) -> str:
    return schema_dump(db.server, db.name, [])


def _assert_whole_round_trip(db: TestDB, tmp_path: Path) -> None:
    """dump --all restored by pgsnap and by psql: the same whole-database pg_dump."""
    archive = _dump(db, tmp_path / "all.sql.zst")
    source = _whole(db)
    by_pgsnap, by_psql = db.make_db(), db.make_db()
    load(str(archive), dsn=by_pgsnap.dsn)
    assert _whole(by_pgsnap) == source, diff(source, _whole(by_pgsnap))
    _psql(db, archive, by_psql)
    assert _whole(by_psql) == source, diff(source, _whole(by_psql))


def _family(db: TestDB, table: str) -> list[QualifiedName]:
    rows = db.execute(
        "WITH RECURSIVE f AS (SELECT %s::regclass::oid AS oid UNION ALL "
        "SELECT i.inhrelid FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "AND c.relispartition JOIN f ON i.inhparent = f.oid) "
        "SELECT n.nspname, c.relname FROM f JOIN pg_class c ON c.oid = f.oid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace ORDER BY 2",
        (table,),
    )
    return [QualifiedName(str(s), str(n)) for s, n in rows]


def _assert_as_copy(db: TestDB, archive: Path, table: str, target: TestDB, **names: str) -> None:
    """`table` of the archive, loaded into `target` as `<table>_copy` (alone, or with `names`
    for the other tables of a multi-table archive): pg_dump -t of the copy and its partitions
    is the source's with the names mapped."""
    old, new = QualifiedName("public", table), QualifiedName("public", table + "_copy")
    with ArchiveReader.open(archive) as reader:
        specs = [table_from_json(t) for t in reader.header_json["tables"]]
    spec = next(s for s in specs if s.qname == old)
    plan = plan_rename(spec, new)
    tables = _family(db, table)
    expected = [
        NameMap.from_plan(plan).apply(e)
        for e in entries(schema_dump(db.server, db.name, tables, quote_all=True))
    ]
    for other, renamed_to in names.items():  # foreign keys to the other renamed tables follow
        to = QualifiedName(*renamed_to.split("."))
        expected = [
            e.replace(f'REFERENCES "public"."{other}"(', f'REFERENCES "{to.schema}"."{to.name}"(')
            for e in expected
        ]
    if names or len(specs) > 1:
        as_names = {table: f"public.{table}_copy", **names}
        load(str(archive), dsn=target.dsn, as_names=as_names)
    else:
        load(str(archive), dsn=target.dsn, as_name=str(new.display()))
    renamed = [plan.relations.get(t, t) for t in tables]
    got = entries(schema_dump(target.server, target.name, renamed, quote_all=True))
    assert entries_diff(expected, got) == ""


def test_foreign_keys_of_a_partitioned_table(db: TestDB, tmp_path: Path) -> None:
    db.execute(PARTITIONED_FKS)
    _assert_whole_round_trip(db, tmp_path)
    # alone, beside the original (its referenced tables are there)
    single = _dump(db, tmp_path / "sales.sql.zst", "sales")
    _assert_as_copy(db, single, "sales", db)
    with ArchiveReader.open(single) as reader:
        ddl = [s for t in reader.header_json["tables"] for s in t["post_data"]]
    fks = [s for s in ddl if "FOREIGN KEY" in s]
    # without ONLY on the partitioned ones, with ONLY on a leaf; none inherited is repeated
    assert sorted(s.split(" ADD ")[0] for s in fks) == [
        'ALTER TABLE "public"."sales"',
        'ALTER TABLE "public"."sales_a"',
        'ALTER TABLE ONLY "public"."sales_c"',
    ], fks
    # a multi-table archive, two tables renamed, the FK between them following
    both = _dump(db, tmp_path / "both.sql.zst", "sales", "models", "brands", "racers")
    target = db.make_db()
    _assert_as_copy(db, both, "sales", target, models="public.models_copy")


def test_only_a_partitioned_tables_foreign_key_may_go_without_only(
    db: TestDB, tmp_path: Path
) -> None:
    db.execute(PARTITIONED_FKS)
    for table, partitioned in (("sales", True), ("racers", False)):
        archive = _dump(db, tmp_path / f"{table}.sql.zst", table)
        with ArchiveReader.open(archive) as reader:
            spec = table_from_json(reader.header_json["tables"][0])
        check_statements(spec, [])  # as written: accepted
        only = f'ALTER TABLE ONLY "public"."{table}" ADD CONSTRAINT'
        keys = [s for s in spec.post_data if s.startswith(only)]
        assert keys, spec.post_data
        for key in keys:  # each key (primary, and foreign on a leaf) loses its ONLY
            post = tuple(s.replace(" ONLY ", " ", 1) if s == key else s for s in spec.post_data)
            with pytest.raises(UnsafeStatementError, match="refusing the archive"):
                check_statements(spec.with_ddl(spec.pre_data, post), [])
        fk = f'ALTER TABLE "public"."{table}" ADD CONSTRAINT'
        assert any(s.startswith(fk) for s in spec.post_data) == partitioned


# PG18 names a NOT NULL constraint; PG15 only has attnotnull (the same schema without names)
NOT_NULL_NAMES = """
CREATE TABLE par (d text NOT NULL, e int NOT NULL, f int) PARTITION BY LIST (d);
CREATE TABLE par_a (d text {own} NOT NULL, e int NOT NULL, f int);
ALTER TABLE par ATTACH PARTITION par_a FOR VALUES IN ('a');
CREATE TABLE par_b PARTITION OF par FOR VALUES IN ('b');
CREATE TABLE inh (a int NOT NULL, b int NOT NULL);
CREATE TABLE inh_child (a int {child_own} NOT NULL, b int NOT NULL, z int);
ALTER TABLE inh_child INHERIT inh;
CREATE TABLE inh_plain () INHERITS (inh);
INSERT INTO par VALUES ('a', 1, 1), ('b', 2, NULL);
INSERT INTO inh_child VALUES (1, 2, 3);
"""


def test_not_null_names_of_an_attached_partition_and_a_child(db: TestDB, tmp_path: Path) -> None:
    named = db.server.major >= 18
    db.execute(
        NOT_NULL_NAMES.format(
            own="CONSTRAINT par_a_own" if named else "",
            child_own="CONSTRAINT inh_child_own" if named else "",
        )
    )
    if named:
        got = db.execute(
            "SELECT conrelid::regclass::text, conname, conislocal FROM pg_constraint "
            "WHERE contype = 'n' AND conrelid IN ('par_a'::regclass, 'inh_child'::regclass) "
            "ORDER BY 1, 2"
        )
        assert got == [
            ("inh_child", "inh_child_b_not_null", True),
            ("inh_child", "inh_child_own", True),
            ("par_a", "par_a_e_not_null", False),
            ("par_a", "par_a_own", False),
        ]
    _assert_whole_round_trip(db, tmp_path)
    for table in ("par", "inh_child"):
        single = _dump(db, tmp_path / f"{table}.sql.zst", table)
        _assert_as_copy(db, single, table, db)
    archive = _dump(db, tmp_path / "two.sql.zst", "par", "inh", "inh_child")
    _assert_as_copy(db, archive, "par", db.make_db(), inh_child="public.inh_child_copy")


# as in tests/corpus_db/09_pg_dump_objects.sql, plus partitions; {own} is a child's own
# expression (PG16 on: PG15 refuses it)
GENERATED_PARENTS = """
CREATE TABLE gen (col1 int PRIMARY KEY, col2 int GENERATED ALWAYS AS (col1 * 2) STORED);
CREATE TABLE gen_child1 () INHERITS (gen);
CREATE TABLE gen_child2 (col1 int, col2 int, extra text) INHERITS (gen);
{own}
CREATE TABLE genp (k int, v int GENERATED ALWAYS AS (k + 1) STORED) PARTITION BY RANGE (k);
CREATE TABLE genp_1 PARTITION OF genp FOR VALUES FROM (0) TO (10);
CREATE TABLE genp_2 (k int, v int GENERATED ALWAYS AS (k + 1) STORED);
ALTER TABLE genp ATTACH PARTITION genp_2 FOR VALUES FROM (10) TO (20);
INSERT INTO gen VALUES (1);
INSERT INTO gen_child1 VALUES (2);
INSERT INTO gen_child2 (col1, extra) VALUES (3, 'x');
INSERT INTO genp VALUES (1), (11);
"""
OWN_EXPRESSION = """
CREATE TABLE gen_child3 (col1 int, col2 int GENERATED ALWAYS AS (col1 * 3) STORED)
  INHERITS (gen);
INSERT INTO gen_child3 VALUES (4);
"""


def test_children_and_partitions_of_a_table_with_a_generated_column(
    db: TestDB, tmp_path: Path
) -> None:
    own = db.server.major >= 16
    db.execute(GENERATED_PARENTS.format(own=OWN_EXPRESSION if own else ""))
    _assert_whole_round_trip(db, tmp_path)
    children = ["gen_child1", "gen_child2", *(["gen_child3"] if own else [])]
    for table in ("gen", *children, "genp"):
        single = _dump(db, tmp_path / f"{table}.sql.zst", table)
        target = db.make_db()
        if table.startswith("gen_child"):
            load(str(_dump(db, tmp_path / f"p-{table}.sql.zst", "gen")), dsn=target.dsn)
        load(str(single), dsn=target.dsn)
        source = schema_dump(db.server, db.name, [QualifiedName("public", table)])
        restored = schema_dump(target.server, target.name, [QualifiedName("public", table)])
        assert restored == source, diff(source, restored)
        _assert_as_copy(db, single, table, db)
    rows = db.execute("SELECT tableoid::regclass::text, col1, col2 FROM gen ORDER BY 2")
    copies = db.execute("SELECT tableoid::regclass::text, col1, col2 FROM gen_child2_copy")
    assert ("gen_child2", 3, 6) in rows and copies == [("gen_child2_copy", 3, 6)]
    archive = _dump(db, tmp_path / "family.sql.zst", "gen", *children)
    _assert_as_copy(db, archive, "gen", db.make_db(), gen_child2="public.gen_child2_copy")


# every SQL-syntax call the server keeps as written, in each place a rename re-prints: a
# default, a generated column, a CHECK, an index (key and predicate), a trigger's WHEN
SQL_SYNTAX = """
CREATE FUNCTION sqlsyn_noop() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TABLE sqlsyn (
  id int PRIMARY KEY,
  name text NOT NULL DEFAULT NORMALIZE('x', NFKC),
  ts timestamptz DEFAULT CURRENT_TIMESTAMP,
  d date DEFAULT CURRENT_DATE,
  ts0 timestamp DEFAULT LOCALTIMESTAMP(2),
  who text DEFAULT CURRENT_USER,
  j text,
  y numeric GENERATED ALWAYS AS (EXTRACT(YEAR FROM ts AT TIME ZONE 'UTC')) STORED,
  o text GENERATED ALWAYS AS (OVERLAY(name PLACING 'x' FROM 2 FOR 3)) STORED,
  s text GENERATED ALWAYS AS (SUBSTRING(name FROM 2 FOR 3)) STORED,
  CONSTRAINT sqlsyn_pos CHECK (POSITION('z' IN name) = 0),
  CONSTRAINT sqlsyn_trim CHECK (TRIM(BOTH ' ' FROM name) <> '' AND TRIM(LEADING 'a' FROM name) <> 'b' AND TRIM(TRAILING FROM name) <> 'c'),
  CONSTRAINT sqlsyn_sim CHECK (SUBSTRING(name SIMILAR '%#"a#"%' ESCAPE '#') IS NULL OR name IS NFC NORMALIZED),
  CONSTRAINT sqlsyn_coll CHECK (COLLATION FOR (name) IS NOT NULL)
  {json_check}
);
CREATE INDEX sqlsyn_norm ON sqlsyn (lower(NORMALIZE(name, NFKC)));
CREATE INDEX sqlsyn_extract ON sqlsyn ((EXTRACT(MONTH FROM ts AT TIME ZONE 'Europe/Oslo')));
CREATE INDEX sqlsyn_sub ON sqlsyn ((SUBSTRING(name FROM 1 FOR 2)), (TRIM(LEADING 'x' FROM name))) WHERE POSITION('q' IN name) > 0;
CREATE INDEX sqlsyn_ov ON sqlsyn ((OVERLAY(name PLACING 'yy' FROM 1))) {json_index};
CREATE TRIGGER sqlsyn_when BEFORE UPDATE ON sqlsyn FOR EACH ROW
  WHEN (NORMALIZE(NEW.name, NFD) IS DISTINCT FROM NORMALIZE(OLD.name, NFD) AND EXTRACT(DAY FROM NEW.ts) > 0
        AND SUBSTRING(NEW.name FROM 1) <> TRIM(TRAILING 'x' FROM OLD.name) AND NEW.ts < CURRENT_TIMESTAMP
        AND COLLATION FOR (NEW.name) IS NOT NULL AND OVERLAY(NEW.name PLACING 'a' FROM 1 FOR 1) IS NOT NULL
        AND POSITION('a' IN NEW.name) >= 0 AND (NEW.ts AT TIME ZONE 'UTC') IS NOT NULL {json_when})
  EXECUTE FUNCTION sqlsyn_noop();
INSERT INTO sqlsyn (id, name, j) VALUES (1, 'abc', '{{}}'), (2, 'Straße', '[1]');
"""
IS_JSON = {  # IS JSON exists from PostgreSQL 16 on
    "json_check": ", CONSTRAINT sqlsyn_json CHECK (j IS JSON OBJECT WITH UNIQUE KEYS"
    " OR j IS JSON ARRAY OR j IS NOT JSON SCALAR)",
    "json_index": "WHERE j IS JSON",
    "json_when": "AND NEW.j IS JSON",
}


def test_sql_syntax_calls_keep_their_syntax_under_as(db: TestDB, tmp_path: Path) -> None:
    json = db.server.major >= 16
    db.execute(SQL_SYNTAX.format(**(IS_JSON if json else dict.fromkeys(IS_JSON, ""))))
    single = _dump(db, tmp_path / "sqlsyn.sql.zst", "sqlsyn")
    archive = _dump(db, tmp_path / "every.sql.zst")
    _assert_as_copy(db, single, "sqlsyn", db)
    copy = schema_dump(db.server, db.name, [QualifiedName("public", "sqlsyn_copy")])
    for written in (
        "NORMALIZE(name, NFKC)",
        "EXTRACT(",
        "OVERLAY(",
        "POSITION(",
        " SIMILAR ",
        "TRIM(LEADING",
        "TRIM(TRAILING",
        "TRIM(BOTH",
        "COLLATION FOR (",
        "AT TIME ZONE",
        "CURRENT_TIMESTAMP",
        "SUBSTRING(name FROM 2 FOR 3)",
    ):
        assert written in copy, written
    assert ("IS JSON" in copy) == json
    _assert_as_copy(db, archive, "sqlsyn", db.make_db())
    _assert_whole_round_trip(db, tmp_path)
