"""dump --all: a whole-database archive, what list and inspect say of it, and loads of it
(whole, one table with what it needs, refusals).  The whole-database oracle over real schemas
is tests/test_dboracle.py; each object kind has its own test file (test_objects_*.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import cli, exists
from pgservers import TestDB
from test_allowlist import rewrite

import pgsnap
from pgsnap import archive
from pgsnap.errors import PgsnapWarning, UnsafeStatementError
from pgsnap.shape import encode

SHOP = """
CREATE SCHEMA shop;
COMMENT ON SCHEMA shop IS 'the shop';
CREATE TYPE shop.mood AS ENUM ('happy', 'sad');
CREATE DOMAIN shop.price AS numeric CHECK (VALUE >= 0);
CREATE FUNCTION shop.double(numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS 'SELECT $1 * 2';
CREATE FUNCTION shop.unused() RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE SEQUENCE shop.order_no START 1000;
SELECT nextval('shop.order_no');
CREATE TABLE shop.items (id int PRIMARY KEY, cost shop.price, mood shop.mood,
                         twice numeric DEFAULT shop.double(1));
CREATE TABLE shop.orders (no int DEFAULT nextval('shop.order_no'), item int REFERENCES shop.items);
CREATE VIEW shop.cheap AS SELECT id FROM shop.items WHERE cost < 10;
CREATE MATERIALIZED VIEW shop.totals AS SELECT count(*) AS n FROM shop.orders;
CREATE INDEX totals_n ON shop.totals (n);
INSERT INTO shop.items VALUES (1, 5, 'happy'), (2, 50, 'sad');
INSERT INTO shop.orders (item) VALUES (1), (1), (2);
REFRESH MATERIALIZED VIEW shop.totals;
"""


@pytest.fixture
def shop(db: TestDB, tmp_path: Path) -> tuple[TestDB, Path]:
    db.execute(SHOP)
    path = tmp_path / "shop.sql.zst"
    pgsnap.dump(all_tables=True, dsn=db.dsn, output=path)
    return db, path


def test_a_whole_database_archive_holds_its_objects(shop: tuple[TestDB, Path]) -> None:
    _, path = shop
    with archive.ArchiveReader.open(path) as reader:
        header = reader.header
    assert header.scope == "database"
    kinds = {(o.kind, o.name) for o in header.objects}
    assert {("schema", "shop"), ("type", "mood"), ("domain", "price")} <= kinds
    assert {("function", "double"), ("function", "unused"), ("sequence", "order_no")} <= kinds
    assert {("view", "cheap"), ("materialized view", "totals")} <= kinds
    assert header.dependencies == ()  # a database archive's objects are its objects


def test_inspect_and_list_count_the_objects(shop: tuple[TestDB, Path]) -> None:
    _, path = shop
    info = pgsnap.inspect(path)
    assert info.scope == "database"
    assert info.object_counts["function"] == 2
    assert info.object_counts["materialized view"] == 1
    res = cli("inspect", str(path))
    assert res.exit_code == 0, res.output
    assert "holds:    the whole database: 2 tables," in res.output
    assert "2 functions" in res.output and "1 materialized view" in res.output
    res = cli("inspect", str(path), "--ddl")
    assert "-- materialized view" in res.output and "REFRESH MATERIALIZED VIEW" in res.output
    res = cli("list", str(path.parent), "--json")
    (entry,) = json.loads(res.output)
    assert entry["scope"] == "database" and entry["objects"] == len(info.objects)
    res = cli("list", str(path.parent))
    assert "whole database: 2 tables" in res.output


def test_a_whole_database_load_restores_every_object(shop: tuple[TestDB, Path]) -> None:
    db, path = shop
    target = db.make_db()
    res = cli("load", str(path), "--dsn", target.dsn)
    assert res.exit_code == 0, res.output
    assert target.execute("SELECT n FROM shop.totals") == [(3,)]  # refreshed after the rows
    assert target.execute("SELECT nextval('shop.order_no')") == [(1004,)]  # 1000 + 3 orders
    assert target.execute("SELECT shop.unused()") == [(1,)]
    assert target.execute("SELECT obj_description('shop'::regnamespace)") == [("the shop",)]
    assert target.execute("SELECT count(*) FROM shop.cheap") == [(1,)]


def test_one_table_of_it_comes_with_what_it_needs_only(shop: tuple[TestDB, Path]) -> None:
    db, path = shop
    target = db.make_db()
    pgsnap.load(path, dsn=target.dsn, table="shop.items")
    assert exists(target.dsn, "shop.items") and not exists(target.dsn, "shop.orders")
    assert target.execute("SELECT to_regtype('shop.mood') IS NOT NULL") == [(True,)]
    assert target.execute("SELECT to_regprocedure('shop.double(numeric)') IS NOT NULL") == [(True,)]
    assert target.execute("SELECT to_regprocedure('shop.unused()')") == [(None,)]
    assert not exists(target.dsn, "shop.cheap")
    # the next table: what it needs and the database has already is left as it is
    target.execute("COMMENT ON SCHEMA shop IS 'mine'")
    pgsnap.load(path, dsn=target.dsn, table="shop.orders")
    assert target.execute("SELECT obj_description('shop'::regnamespace)") == [("mine",)]
    assert target.execute("SELECT nextval('shop.order_no')") == [(1004,)]  # 1000 + 3 orders


def test_renamed_tables_of_a_whole_database_come_with_what_they_need(
    shop: tuple[TestDB, Path],
) -> None:
    db, path = shop
    target = db.make_db()
    with pytest.warns(PgsnapWarning, match="that its tables do not need .* are not restored"):
        pgsnap.load(path, dsn=target.dsn, as_names={"shop.items": "shop.items2"})
    assert exists(target.dsn, "shop.items2") and exists(target.dsn, "shop.orders")
    assert target.execute("SELECT shop.double(2)") == [(4,)]  # the default of items needs it
    assert not exists(target.dsn, "shop.cheap")  # it names shop.items, which is not there


def test_a_table_archive_with_objects_is_refused(db: TestDB, tmp_path: Path) -> None:
    db.execute(SHOP)
    whole, single = tmp_path / "whole.sql.zst", tmp_path / "items.sql.zst"
    pgsnap.dump(all_tables=True, dsn=db.dsn, output=whole)
    pgsnap.dump("shop.items", dsn=db.dsn, output=single)
    with archive.ArchiveReader.open(whole) as reader:
        extra = reader.header.objects
    forged = tmp_path / "forged.sql.zst"
    _rewrite_header(single, forged, objects=[_object_json(o) for o in extra])
    target = db.make_db()
    with pytest.raises(UnsafeStatementError, match="is a table archive but holds"):
        pgsnap.load(forged, dsn=target.dsn)
    assert not exists(target.dsn, "shop.items")


def test_an_object_statement_aimed_elsewhere_is_refused(shop: tuple[TestDB, Path]) -> None:
    db, path = shop
    with archive.ArchiveReader.open(path) as reader:
        objs = [_object_json(o) for o in reader.header.objects]
    view = next(o for o in objs if o["name"] == "cheap")
    view["ddl"] = ['CREATE VIEW "public"."elsewhere" AS SELECT 1', *view["ddl"][1:]]
    forged = path.with_name("forged.sql.zst")
    _rewrite_header(path, forged, objects=objs)
    target = db.make_db()
    with pytest.raises(
        UnsafeStatementError, match=r'for view "shop"\."cheap" it holds a statement'
    ):
        pgsnap.load(forged, dsn=target.dsn)
    assert not exists(target.dsn, "shop.items")


def _object_json(o: object) -> dict[str, Any]:
    out: dict[str, Any] = encode(o)
    return out


def _rewrite_header(src: Path, dest: Path, **changes: object) -> None:
    """A copy of the archive whose header and manifest say `changes` (a forged file)."""

    def mutate(meta: dict[str, Any]) -> None:
        meta.update(changes)

    rewrite(src, dest, mutate)


def test_an_extension_version_the_server_lacks_installs_its_default(
    db: TestDB, tmp_path: Path
) -> None:
    db.execute("CREATE EXTENSION hstore; CREATE TABLE t (h hstore)")
    path, forged = tmp_path / "x.sql.zst", tmp_path / "forged.sql.zst"
    pgsnap.dump(all_tables=True, dsn=db.dsn, output=path)
    with archive.ArchiveReader.open(path) as reader:
        objs = [_object_json(o) for o in reader.header.objects]
    ext = next(o for o in objs if o["kind"] == "extension" and o["name"] == "hstore")
    ext["ddl"] = [ext["ddl"][0].rsplit(" VERSION ", 1)[0] + " VERSION '0.0.1'", *ext["ddl"][1:]]
    _rewrite_header(path, forged, objects=objs)
    target = db.make_db()
    res = cli("load", str(forged), "--dsn", target.dsn)
    assert res.exit_code == 0, res.output
    assert 'warning: extension "hstore": the server has no version 0.0.1' in res.stderr
    assert target.execute("SELECT count(*) FROM pg_extension WHERE extname = 'hstore'") == [(1,)]
    ext["ddl"] = ["CREATE EXTENSION IF NOT EXISTS \"no_such_ext\" VERSION '1'"]
    ext["name"] = ext["identity"] = "no_such_ext"
    _rewrite_header(path, forged, objects=objs)
    other = db.make_db()
    res = cli("load", str(forged), "--dsn", other.dsn)
    assert res.exit_code != 0
    assert 'the server lacks the extension "no_such_ext"' in res.stderr
    assert not exists(other.dsn, "public.t")


def test_a_database_of_no_table_dumps_and_loads(db: TestDB, tmp_path: Path) -> None:
    db.execute(
        "CREATE SCHEMA lib; CREATE FUNCTION lib.one() RETURNS int LANGUAGE sql AS 'SELECT 1';"
        "SELECT lo_from_bytea(0, 'blob')"
    )
    path = tmp_path / "lib.sql.zst"
    res = cli("dump", "--all", "--dsn", db.dsn, "-o", str(path))
    assert res.exit_code == 0, res.output
    target = db.make_db()
    res = cli("load", str(path), "--dsn", target.dsn)
    assert res.exit_code == 0, res.output
    assert target.execute("SELECT lib.one()") == [(1,)]
    assert target.execute("SELECT count(*) FROM pg_largeobject_metadata") == [(1,)]
    res = cli("dump", "--schema", "nothere", "--dsn", db.dsn, "-o", str(tmp_path / "x.sql.zst"))
    assert res.exit_code != 0 and 'schema "nothere" does not exist' in res.stderr


def test_one_table_comes_with_the_operator_class_its_index_uses(db: TestDB, tmp_path: Path) -> None:
    db.execute(
        "CREATE SCHEMA k; CREATE FUNCTION k.cmp(int, int) RETURNS int LANGUAGE sql IMMUTABLE"
        " AS 'SELECT CASE WHEN $1 < $2 THEN 1 WHEN $1 > $2 THEN -1 ELSE 0 END';"
        "CREATE OPERATOR CLASS k.rev FOR TYPE int USING btree AS"
        " OPERATOR 1 > , OPERATOR 2 >= , OPERATOR 3 = , OPERATOR 4 <= , OPERATOR 5 < ,"
        " FUNCTION 1 k.cmp(int, int);"
        "CREATE TABLE k.t (a int); CREATE INDEX t_rev ON k.t (a k.rev); CREATE TABLE k.u (b int)"
    )
    path = tmp_path / "k.sql.zst"
    pgsnap.dump(all_tables=True, dsn=db.dsn, output=path)
    target = db.make_db()
    pgsnap.load(path, dsn=target.dsn, table="k.t")
    opclass = "SELECT count(*) FROM pg_opclass WHERE opcname = 'rev'"
    assert target.execute(opclass) == [(1,)]
    assert not exists(target.dsn, "k.u")


def test_a_dry_run_says_what_objects_it_would_create(shop: tuple[TestDB, Path]) -> None:
    db, path = shop
    target = db.make_db()
    res = cli("load", str(path), "--dsn", target.dsn, "--dry-run")
    assert res.exit_code == 0, res.output
    assert "would create the archive's objects: " in res.output
    assert "2 function" in res.output and "1 materialized view" in res.output
    assert not exists(target.dsn, "shop.items")


def test_a_role_the_objects_name_is_checked_before_any_change(db: TestDB, tmp_path: Path) -> None:
    role = f"r_{db.name}"
    db.execute(f'CREATE ROLE "{role}"')
    try:
        db.execute(f'CREATE SCHEMA s AUTHORIZATION "{role}"; CREATE TABLE s.t (a int)')
        path = tmp_path / "s.sql.zst"
        pgsnap.dump(all_tables=True, dsn=db.dsn, output=path)
        db.execute(f'DROP TABLE s.t; DROP SCHEMA s; DROP ROLE "{role}"')
        target = db.make_db()
        res = cli("load", str(path), "--dsn", target.dsn)
        assert res.exit_code != 0
        assert f'role "{role}" does not exist on the target' in res.stderr
        assert target.execute("SELECT count(*) FROM pg_namespace WHERE nspname = 's'") == [(0,)]
        res = cli("load", str(path), "--dsn", target.dsn, "--no-privileges")
        assert res.exit_code == 0, res.output
    finally:
        db.execute(f'DROP ROLE IF EXISTS "{role}"')


def test_objects_that_need_an_excluded_table_are_left_out_and_said(
    db: TestDB, tmp_path: Path
) -> None:
    db.execute(
        "CREATE TABLE keep (a int); CREATE TABLE big_log (b int);"
        "CREATE VIEW log_view AS SELECT b FROM big_log;"
        "CREATE VIEW on_view AS SELECT b FROM log_view;"
        "CREATE VIEW kept_view AS SELECT a FROM keep"
    )
    path = tmp_path / "x.sql.zst"
    res = cli("dump", "--all", "-T", "big_*", "--dsn", db.dsn, "-o", str(path))
    assert res.exit_code == 0, res.output
    assert "left out 2 object(s) that need a table excluded with -T" in res.stderr
    assert "view public.log_view" in res.stderr.replace('"', "")
    target = db.make_db()
    pgsnap.load(path, dsn=target.dsn)
    assert exists(target.dsn, "public.kept_view") and not exists(target.dsn, "public.log_view")
