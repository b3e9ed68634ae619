"""Procedural languages, transforms, access methods, foreign-data wrappers, servers, user
mappings and foreign tables (a partition too) in a whole-database (or --schema) archive:
each round trip through pgsnap.load and through the psql script gives the source's pg_dump
--schema-only (on PostgreSQL 14 as well), a table archive refuses a foreign partition by
name, and a tampered object is refused before any change."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from dboracle import psql_script, schema_dump, schema_problem
from helpers import exists
from pgservers import ScratchDatabases, TestDB, start_clusters, stop_clusters
from psycopg import sql
from pypi_postgres import bindir_for_major
from test_allowlist import rewrite

import pgsnap
from pgsnap import archive
from pgsnap.errors import PgsnapError, UnsafeStatementError, UsageError

Roles = Callable[[], str]


@pytest.fixture
def roles(db: TestDB) -> Iterator[Roles]:
    """Make cluster-wide roles with unique names; drop what they own (in every database) and
    them after the test."""
    made: list[str] = []

    def make() -> str:
        name = f"fdw_{uuid.uuid4().hex[:10]}"
        db.execute(sql.SQL("CREATE ROLE {}").format(sql.Identifier(name)))
        made.append(name)
        return name

    yield make
    for name in made:
        dbs = db.execute(
            "SELECT DISTINCT d.datname FROM pg_shdepend s JOIN pg_database d ON d.oid = s.dbid "
            "WHERE s.refobjid = (SELECT oid FROM pg_roles WHERE rolname = %s)",
            (name,),
        )
        for (dbname,) in dbs:
            other = TestDB(db.server, dbname, db._scratch)
            other.execute(sql.SQL("DROP OWNED BY {} CASCADE").format(sql.Identifier(name)))
        db.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


def _script(path: Path) -> bytes:
    return subprocess.run(["zstd", "-dc", str(path)], capture_output=True, check=True).stdout


def _round_trip(
    db: TestDB, tmp_path: Path, *, schemas: list[str] | None = None, prepare: str = ""
) -> tuple[Path, list[TestDB]]:
    """Dump the database (or `schemas`), restore it by pgsnap.load and by psql into new
    databases (`prepare` run in them first), and check both against the source's pg_dump."""
    out = tmp_path / "db.sql.zst"
    if schemas is None:
        pgsnap.dump(all_tables=True, dsn=db.dsn, output=out)
    else:
        pgsnap.dump(schemas=schemas, dsn=db.dsn, output=out)
    args = [a for s in schemas or () for a in ("-n", s)]
    by_load, by_psql = db.make_db(), db.make_db()
    for target in (by_load, by_psql):
        if prepare:
            target.execute(prepare)
    pgsnap.load(str(out), dsn=by_load.dsn)
    psql_script(db.server, _script(out), by_psql.name)
    source = schema_dump(db.server, db.name, *args)
    assert source is not None
    for target in (by_load, by_psql):
        restored = schema_dump(db.server, target.name, *args)
        assert restored is not None
        problem = schema_problem(source, restored)
        assert problem is None, problem
    return out, [by_load, by_psql]


def _objects(path: Path) -> list[dict[str, Any]]:
    with archive.ArchiveReader.open(path) as reader:
        objs: list[dict[str, Any]] = reader.header_json["objects"]
        return objs


def _kinds(path: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for o in _objects(path):
        out.setdefault(o["kind"], []).append(o["name"])
    return out


HANDLED = """
CREATE SCHEMA s;
CREATE FUNCTION s.lang_handler() RETURNS language_handler
    AS '$libdir/plpgsql', 'plpgsql_call_handler' LANGUAGE C;
CREATE FUNCTION s.lang_inline(internal) RETURNS void
    AS '$libdir/plpgsql', 'plpgsql_inline_handler' LANGUAGE C;
CREATE FUNCTION s.lang_validator(oid) RETURNS void
    AS '$libdir/plpgsql', 'plpgsql_validator' LANGUAGE C;
CREATE TRUSTED LANGUAGE "my lang" HANDLER s.lang_handler INLINE s.lang_inline
    VALIDATOR s.lang_validator;
CREATE LANGUAGE plain HANDLER s.lang_handler;
CREATE ACCESS METHOD "heap 2" TYPE TABLE HANDLER heap_tableam_handler;
"""
LANGUAGES = (
    HANDLED
    + """
COMMENT ON LANGUAGE "my lang" IS 'plpgsql again';
CREATE FUNCTION s.in_my_lang() RETURNS int LANGUAGE "my lang" AS $$BEGIN RETURN 1; END$$;
REVOKE USAGE ON LANGUAGE "my lang" FROM PUBLIC;
CREATE TABLE s.t (a int PRIMARY KEY);
CREATE TRANSFORM FOR int LANGUAGE SQL (FROM SQL WITH FUNCTION prsd_lextype(internal),
    TO SQL WITH FUNCTION int4recv(internal));
COMMENT ON TRANSFORM FOR int LANGUAGE sql IS 'pg_dump''s own';
CREATE TYPE s.mood AS ENUM ('ok', 'not ok');
CREATE TRANSFORM FOR s.mood LANGUAGE "my lang" (FROM SQL WITH FUNCTION prsd_lextype(internal));
CREATE ACCESS METHOD gist2 TYPE INDEX HANDLER gisthandler;
COMMENT ON ACCESS METHOD gist2 IS 'gist again';
CREATE TABLE s.t_am (a int) USING "heap 2";
INSERT INTO s.t_am VALUES (1), (2);
CREATE MATERIALIZED VIEW s.mv_am USING "heap 2" AS SELECT a FROM s.t_am;
"""
)


def test_languages_transforms_access_methods_round_trip(
    db: TestDB, tmp_path: Path, roles: Roles
) -> None:
    user = roles()
    db.execute(LANGUAGES)
    db.execute(sql.SQL('GRANT USAGE ON LANGUAGE "my lang" TO {}').format(sql.Identifier(user)))
    db.execute(sql.SQL("ALTER LANGUAGE plain OWNER TO {}").format(sql.Identifier(user)))
    out, restored = _round_trip(db, tmp_path)
    kinds = _kinds(out)
    assert sorted(kinds["language"]) == ["my lang", "plain"]  # not plpgsql
    assert sorted(kinds["transform"]) == [
        'FOR "s"."mood" LANGUAGE "my lang"',
        'FOR integer LANGUAGE "sql"',
    ]
    assert sorted(kinds["access method"]) == ["gist2", "heap 2"]
    ams = (
        "SELECT c.relname, a.amname FROM pg_class c JOIN pg_am a ON a.oid = c.relam"
        " WHERE c.relnamespace = 's'::regnamespace ORDER BY 1"
    )  # (pg_dump says a table's access method in a SET line, which the oracle leaves out)
    assert ("mv_am", "heap 2") in db.execute(ams) and ("t_am", "heap 2") in db.execute(ams)
    for target in restored:
        assert target.execute("SELECT s.in_my_lang()") == [(1,)]
        assert target.execute(ams) == db.execute(ams)
        assert target.execute("SELECT a FROM s.mv_am ORDER BY a") == [(1,), (2,)]


def test_schema_archive_leaves_schemaless_kinds_out(db: TestDB, tmp_path: Path) -> None:
    """pg_dump -n writes no language, transform or access method; the function in "my lang"
    needs the language, made in the target first (with its handlers: the archive replaces
    them, CREATE OR REPLACE FUNCTION)."""
    db.execute(LANGUAGES)
    out, _ = _round_trip(db, tmp_path, schemas=["s"], prepare=HANDLED)
    assert not {"language", "transform", "access method"} & set(_kinds(out))


WRAPPERS = """
CREATE SCHEMA s;
CREATE FOREIGN DATA WRAPPER dummy;
CREATE FUNCTION s.fdw_validator(text[], oid) RETURNS void
    AS '$libdir/postgres_fdw', 'postgres_fdw_validator' LANGUAGE C;
CREATE FUNCTION s.fdw_handler() RETURNS fdw_handler
    AS '$libdir/postgres_fdw', 'postgres_fdw_handler' LANGUAGE C;
CREATE FOREIGN DATA WRAPPER checked HANDLER s.fdw_handler VALIDATOR s.fdw_validator;
CREATE FOREIGN DATA WRAPPER "with opts" OPTIONS (debug 'true', "odd key" 'it''s');
CREATE SERVER s1 FOREIGN DATA WRAPPER dummy;
CREATE SERVER "s 2" TYPE 'oracle' VERSION '19c' FOREIGN DATA WRAPPER dummy
    OPTIONS (host 'h', port '1');
COMMENT ON FOREIGN DATA WRAPPER dummy IS 'does nothing';
COMMENT ON SERVER s1 IS 'nowhere';
CREATE USER MAPPING FOR PUBLIC SERVER s1;
CREATE USER MAPPING FOR CURRENT_USER SERVER "s 2" OPTIONS (user 'me', password 'not shown');
CREATE TABLE s.parent (a int NOT NULL, b text);
CREATE FOREIGN TABLE s.ft (
    c1 int OPTIONS (column_name 'col1') NOT NULL DEFAULT 7,
    "C 2" text COLLATE "C" CHECK ("C 2" <> ''),
    c3 numeric(10, 2),
    junk int,
    CONSTRAINT positive CHECK (c1 > 0)
) SERVER s1 OPTIONS (schema_name 'x1', "table" 'y');
ALTER FOREIGN TABLE s.ft DROP COLUMN junk;
ALTER FOREIGN TABLE s.ft ADD CONSTRAINT later CHECK (c3 > 0) NOT VALID;
COMMENT ON FOREIGN TABLE s.ft IS 'far away';
COMMENT ON COLUMN s.ft.c1 IS 'the first';
COMMENT ON CONSTRAINT positive ON s.ft IS 'above zero';
CREATE FOREIGN TABLE s.child (extra int) INHERITS (s.parent) SERVER "s 2";
CREATE VIEW s.v AS SELECT c1, "C 2" FROM s.ft;
CREATE EXTENSION postgres_fdw;
CREATE SERVER remote FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host 'localhost', dbname 'x');
CREATE USER MAPPING FOR PUBLIC SERVER remote OPTIONS (user 'u', password 'pw');
CREATE FOREIGN TABLE s.remote_t (a int OPTIONS (column_name 'b')) SERVER remote
    OPTIONS (table_name 't');
"""
WRAPPER_GRANTS = """
GRANT USAGE ON FOREIGN DATA WRAPPER dummy TO {user} WITH GRANT OPTION;
GRANT USAGE ON FOREIGN SERVER s1 TO {user};
ALTER SERVER "s 2" OWNER TO {user};
CREATE USER MAPPING FOR {user} SERVER s1 OPTIONS (user 'bob', password 'secret');
GRANT SELECT ON s.ft TO {user};
GRANT UPDATE (c3), SELECT ("C 2") ON s.ft TO {user};
ALTER FOREIGN TABLE s.remote_t OWNER TO {user};
"""


def _wrappers(db: TestDB, user: str) -> None:
    db.execute(WRAPPERS)
    db.execute(sql.SQL(WRAPPER_GRANTS).format(user=sql.Identifier(user)))


def test_wrappers_servers_mappings_foreign_tables_round_trip(
    db: TestDB, tmp_path: Path, roles: Roles
) -> None:
    _wrappers(db, roles())
    out, restored = _round_trip(db, tmp_path)
    kinds = _kinds(out)
    assert sorted(kinds["foreign data wrapper"]) == [
        "checked",
        "dummy",
        "with opts",
    ]  # not postgres_fdw
    assert sorted(kinds["server"]) == ["remote", "s 2", "s1"]
    assert len(kinds["user mapping"]) == 4
    assert sorted(kinds["foreign table"]) == ["child", "ft", "remote_t"]
    mappings = "SELECT srvname, usename, umoptions FROM pg_user_mappings ORDER BY 1, 2"
    for target in restored:  # the options (passwords too) are restored, as pg_dump does
        assert target.execute(mappings) == db.execute(mappings)
        assert target.execute("SELECT count(*) FROM ONLY s.parent") == [(0,)]  # no foreign scan


def test_schema_archive_keeps_its_foreign_tables(db: TestDB, tmp_path: Path, roles: Roles) -> None:
    """pg_dump -n writes the schema's foreign tables, not the wrappers and servers."""
    _wrappers(db, roles())
    prepare = (
        "CREATE FOREIGN DATA WRAPPER dummy; CREATE SERVER s1 FOREIGN DATA WRAPPER dummy;"
        'CREATE SERVER "s 2" FOREIGN DATA WRAPPER dummy; CREATE EXTENSION postgres_fdw;'
        "CREATE SERVER remote FOREIGN DATA WRAPPER postgres_fdw"
    )
    out, _ = _round_trip(db, tmp_path, schemas=["s"], prepare=prepare)
    kinds = _kinds(out)
    assert sorted(kinds["foreign table"]) == ["child", "ft", "remote_t"]
    assert not {"server", "foreign data wrapper", "user mapping"} & set(kinds)


PARTITIONED = """
CREATE TABLE s.m (d date, x int DEFAULT 1, CHECK (x > 0)) PARTITION BY RANGE (d);
CREATE TABLE s.m_1 PARTITION OF s.m FOR VALUES FROM ('2000-01-01') TO ('2001-01-01');
INSERT INTO s.m VALUES ('2000-06-01', 5);
CREATE FOREIGN TABLE s.far PARTITION OF s.m FOR VALUES FROM ('2001-01-01') TO ('2002-01-01')
    SERVER s1 OPTIONS (schema_name 'far');
ALTER FOREIGN TABLE s.far ALTER COLUMN d OPTIONS (column_name 'day');
ALTER FOREIGN TABLE s.far ALTER COLUMN x SET DEFAULT 2;
ALTER FOREIGN TABLE s.far ADD CONSTRAINT small CHECK (x < 100);
COMMENT ON FOREIGN TABLE s.far IS 'last year, elsewhere';
CREATE INDEX ON s.m (x);
"""


def test_a_foreign_partition_round_trips(db: TestDB, tmp_path: Path, roles: Roles) -> None:
    """A whole-database or --schema archive holds it as an object, made after its table;
    the table's rows and indexes leave it out.  A table archive refuses it by name."""
    _wrappers(db, roles())
    db.execute(PARTITIONED)
    out, restored = _round_trip(db, tmp_path)
    assert "far" in _kinds(out)["foreign table"]
    for target in restored:
        assert target.execute("SELECT d::text, x FROM s.m_1") == [("2000-06-01", 5)]
    with pytest.raises(UsageError, match=r"^cannot dump foreign table s\.far: it is a partition"):
        pgsnap.dump("s.m", dsn=db.dsn, output=tmp_path / "m.sql.zst")


def _retarget(kind: str, old: str, new: str) -> Callable[[dict[str, Any]], None]:
    def mutate(meta: dict[str, Any]) -> None:
        for o in meta.get("objects", ()):
            if o["kind"] == kind:
                o["ddl"] = [s.replace(old, new) for s in o["ddl"]]

    return mutate


TAMPERED = {
    "user mapping to another server": _retarget("user mapping", 'SERVER "s1"', 'SERVER "s 2"'),
    "user mapping of two statements": _retarget(
        "user mapping", "'secret')", "'secret'); DROP SERVER \"s 2\""
    ),
    "grant on another server": _retarget(
        "server", 'ON FOREIGN SERVER "s1"', 'ON FOREIGN SERVER "s 2"'
    ),
    "grant on a schema of the server's name": _retarget(
        "server", 'ON FOREIGN SERVER "s1"', 'ON SCHEMA "s1"'
    ),
    "foreign table of another name": _retarget(
        "foreign table", 'CREATE FOREIGN TABLE "s"."child"', 'CREATE FOREIGN TABLE "s"."other"'
    ),
    "foreign table partition with columns": _retarget(
        "foreign table",
        'CREATE FOREIGN TABLE "s"."far" PARTITION OF "s"."m"',
        'CREATE FOREIGN TABLE "s"."far" PARTITION OF "s"."m" ("d" WITH OPTIONS NOT NULL)',
    ),
    "foreign table drops a column": _retarget(
        "foreign table", 'ADD CONSTRAINT "later"', 'DROP COLUMN "c3", ADD CONSTRAINT "later"'
    ),
    "language replaced": _retarget("language", "CREATE TRUSTED", "CREATE OR REPLACE TRUSTED"),
    "transform of another type": _retarget(
        "transform", "CREATE TRANSFORM FOR integer", "CREATE TRANSFORM FOR bigint"
    ),
    "access method": _retarget("access method", 'METHOD "gist2"', 'METHOD "gist3"'),
}


def test_tampered_objects_are_refused_before_any_change(
    db: TestDB, tmp_path: Path, roles: Roles
) -> None:
    """A user mapping retargeted to another server, and other such edits, are refused before
    the load changes anything; the message never shows a user mapping's options."""
    _wrappers(db, roles())
    db.execute(LANGUAGES.replace("CREATE SCHEMA s;", ""))
    db.execute(PARTITIONED)
    good = tmp_path / "good.sql.zst"
    pgsnap.dump(all_tables=True, dsn=db.dsn, output=good)
    for case, mutate in TAMPERED.items():
        bad = tmp_path / f"{uuid.uuid4().hex}.sql.zst"
        rewrite(good, bad, mutate)
        target = db.make_db()
        with pytest.raises(UnsafeStatementError, match="refusing the archive") as refused:
            pgsnap.load(str(bad), dsn=target.dsn)
        assert "secret" not in str(refused.value), case
        assert not exists(target.dsn, "s.parent"), case
        assert target.execute("SELECT count(*) FROM pg_foreign_server") == [(0,)], case
    target = db.make_db()
    pgsnap.load(str(good), dsn=target.dsn)
    assert target.execute("SELECT count(*) FROM pg_user_mappings") == [(4,)]


def test_a_failing_user_mapping_shows_no_options(db: TestDB, tmp_path: Path) -> None:
    """A user mapping that cannot be made (its role is gone) is refused before any change,
    naming the role, never its options (they may hold a password)."""
    user = f"fdw_{uuid.uuid4().hex[:10]}"
    db.execute(sql.SQL("CREATE ROLE {}").format(sql.Identifier(user)))
    db.execute("CREATE FOREIGN DATA WRAPPER dummy; CREATE SERVER s1 FOREIGN DATA WRAPPER dummy")
    db.execute(
        sql.SQL("CREATE USER MAPPING FOR {} SERVER s1 OPTIONS (password 'secret')").format(
            sql.Identifier(user)
        )
    )
    db.execute("CREATE TABLE public.t (a int)")
    out = tmp_path / "db.sql.zst"
    pgsnap.dump(all_tables=True, dsn=db.dsn, output=out)
    db.execute(sql.SQL("DROP OWNED BY {}; DROP ROLE {}").format(*[sql.Identifier(user)] * 2))
    target = db.make_db()
    for no_privileges in (False, True):  # the mapping needs its role either way
        with pytest.raises(PgsnapError) as failed:
            pgsnap.load(str(out), dsn=target.dsn, no_privileges=no_privileges)
        said = str(failed.value)
        assert f'role "{user}" does not exist' in said and "user mapping" in said
        assert "secret" not in said
    assert not exists(target.dsn, "public.t")


@pytest.fixture(scope="module")
def pg14() -> Iterator[TestDB]:
    """A database on a PostgreSQL 14 server (the pinned wheel, started for this module): the
    queries of these kinds must run there too."""
    clusters = start_clusters([("pg14", bindir_for_major(14))])
    scratch = ScratchDatabases(clusters[0].server)
    try:
        yield scratch.create()
    finally:
        scratch.drop_all()
        stop_clusters(clusters)


def test_every_kind_round_trips_on_14(pg14: TestDB, tmp_path: Path) -> None:
    pg14.execute(LANGUAGES)
    have_fdw = pg14.execute(
        "SELECT FROM pg_available_extensions WHERE name = 'postgres_fdw'"
    )  # the wheel may lack contrib: then the wrappers made here alone
    wrappers = WRAPPERS if have_fdw else WRAPPERS.split("CREATE EXTENSION postgres_fdw")[0]
    pg14.execute(wrappers.replace("CREATE SCHEMA s;", ""))
    pg14.execute("ALTER FOREIGN TABLE s.ft ALTER COLUMN c1 SET NOT NULL")
    pg14.execute(PARTITIONED)
    out, _ = _round_trip(pg14, tmp_path)
    kinds = _kinds(out)
    assert len(kinds["language"]) == 2 and len(kinds["transform"]) == 2
    assert len(kinds["access method"]) == 2 and len(kinds["foreign data wrapper"]) == 3
    assert len(kinds["user mapping"]) == (3 if have_fdw else 2)
    assert sorted(kinds["foreign table"])[:3] == ["child", "far", "ft"]
