"""Event triggers, publications, default privileges, a view's rules and INSTEAD OF triggers,
a view/function loop and a view that needs a key, in a whole-database (or --schema)
archive: each round trip through pgsnap.load and through the psql script gives the
source's pg_dump --schema-only, and a tampered object is refused before any change."""

from __future__ import annotations

import re
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from helpers import exists
from pgservers import TestDB
from psycopg import sql
from test_allowlist import rewrite

import pgsnap
from pgsnap import archive
from pgsnap.catalog.fetch import fetch_as
from pgsnap.catalog.values import ObjectRow
from pgsnap.errors import UnsafeStatementError

_NOISE = re.compile(r"^(--|SET |SELECT pg_catalog.set_config\('search_path'|\\(un)?restrict )")
Roles = Callable[..., str]


def _schema(db: TestDB, *args: str) -> str:
    """pg_dump --schema-only (owners and privileges too), without comments, SET lines, the
    search_path line, \\restrict lines and blank lines."""
    out = db.server.run_client("pg_dump", "--schema-only", *args, dbname=db.name).stdout
    lines = out.decode().splitlines()
    return "\n".join(x for x in lines if x.strip() and not _NOISE.match(x)) + "\n"


def _psql(target: TestDB, path: Path) -> None:
    script = subprocess.run(["zstd", "-dc", str(path)], capture_output=True, check=True).stdout
    target.server.run_client(
        "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", dbname=target.name, stdin=script
    )


def _round_trip(
    db: TestDB, tmp_path: Path, *, schemas: list[str] | None = None
) -> tuple[Path, list[TestDB]]:
    """Dump the database (or `schemas`), restore it by pgsnap.load and by psql, and check
    both against the source's pg_dump; the archive, and the two restored databases."""
    out = tmp_path / "db.sql.zst"
    if schemas is None:
        pgsnap.dump(all_tables=True, dsn=db.dsn, output=out)
    else:
        pgsnap.dump(schemas=schemas, dsn=db.dsn, output=out)
    args = [a for s in schemas or () for a in ("-n", s)]
    by_load, by_psql = db.make_db(), db.make_db()
    pgsnap.load(str(out), dsn=by_load.dsn)
    _psql(by_psql, out)
    source = _schema(db, *args)
    for target in (by_load, by_psql):
        assert _schema(target, *args) == source
    return out, [by_load, by_psql]


def _objects(path: Path) -> list[dict[str, Any]]:
    with archive.ArchiveReader.open(path) as reader:
        objs: list[dict[str, Any]] = reader.header_json["objects"]
        return objs


@pytest.fixture
def roles(db: TestDB) -> Iterator[Roles]:
    """Make cluster-wide roles with unique names; drop them (and what they own or are
    granted, in every database) after the test."""
    made: list[str] = []

    def make(options: str = "") -> str:
        name = f"evt_{uuid.uuid4().hex[:10]}"
        db.execute(sql.SQL("CREATE ROLE {} " + options).format(sql.Identifier(name)))
        made.append(name)
        return name

    yield make
    for name in made:
        dbs = db.execute(
            "SELECT DISTINCT d.datname FROM pg_shdepend s JOIN pg_database d ON d.oid = s.dbid "
            "WHERE s.refobjid = (SELECT oid FROM pg_roles WHERE rolname = %s)",
            (name,),
        )
        for (dbname,) in dbs:  # (with no event trigger firing: one may refuse all DDL)
            other = TestDB(db.server, dbname, db._scratch)
            drop = sql.SQL("SET session_replication_role = replica; DROP OWNED BY {}")
            other.execute(drop.format(sql.Identifier(name)))
        db.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


EVENT_TRIGGERS = """
CREATE TABLE public.t (a int PRIMARY KEY);
CREATE FUNCTION public.note() RETURNS event_trigger LANGUAGE plpgsql
    AS $$BEGIN RAISE NOTICE 'saw %', tg_tag; END$$;
CREATE EVENT TRIGGER tagged ON ddl_command_end WHEN TAG IN ('CREATE TABLE', 'DROP TABLE')
    EXECUTE FUNCTION public.note();
ALTER EVENT TRIGGER tagged DISABLE;
CREATE EVENT TRIGGER dropped ON sql_drop EXECUTE FUNCTION public.note();
ALTER EVENT TRIGGER dropped ENABLE REPLICA;
CREATE EVENT TRIGGER rewrites ON table_rewrite EXECUTE FUNCTION public.note();
ALTER EVENT TRIGGER rewrites ENABLE ALWAYS;
COMMENT ON EVENT TRIGGER tagged IS 'notes tables made and dropped';
"""
REFUSE_ALL = """
CREATE FUNCTION public.refuse() RETURNS event_trigger LANGUAGE plpgsql
    AS $$BEGIN RAISE EXCEPTION 'no DDL here: %', tg_tag; END$$;
CREATE EVENT TRIGGER "refuse all" ON ddl_command_start EXECUTE FUNCTION public.refuse();
COMMENT ON EVENT TRIGGER "refuse all" IS 'refuses every DDL';
"""


def test_event_triggers_round_trip(db: TestDB, tmp_path: Path, roles: Roles) -> None:
    """They are created last: one that refuses all DDL does not stop the restore."""
    boss = roles("SUPERUSER")
    db.execute(EVENT_TRIGGERS)
    db.execute(sql.SQL("ALTER EVENT TRIGGER tagged OWNER TO {}").format(sql.Identifier(boss)))
    db.execute(REFUSE_ALL)
    out, _ = _round_trip(db, tmp_path)
    events = [o for o in _objects(out) if o["kind"] == "event trigger"]
    assert sorted(o["name"] for o in events) == ["dropped", "refuse all", "rewrites", "tagged"]
    assert {o["section"] for o in events} == {"post"} and all(o["schema"] == "" for o in events)


PUBLICATIONS = """
CREATE SCHEMA s;
CREATE TABLE s.t (a int PRIMARY KEY, b text, c int);
CREATE TABLE s.other (a int);
CREATE TABLE public.u (a int PRIMARY KEY, b int);
CREATE TABLE public.m (d date, x int) PARTITION BY RANGE (d);
CREATE TABLE public.m_1 PARTITION OF public.m DEFAULT;
CREATE PUBLICATION everything FOR ALL TABLES;
CREATE PUBLICATION "some tables" FOR TABLE public.u, public.m WITH (publish = 'insert, delete');
CREATE PUBLICATION nothing WITH (publish = '');
COMMENT ON PUBLICATION "some tables" IS 'two tables';
"""
PUBLICATIONS_15 = """
CREATE PUBLICATION cols FOR TABLE s.t (a, b) WHERE (a > 1), public.u WITH (publish = 'insert');
CREATE PUBLICATION in_schema FOR TABLES IN SCHEMA s, TABLE public.u
    WITH (publish_via_partition_root = true);
"""
PUBLICATIONS_18 = """
CREATE TABLE public.g (a int, b int GENERATED ALWAYS AS (a * 2) STORED);
CREATE PUBLICATION gen FOR TABLE public.g WITH (publish_generated_columns = stored);
"""


def _publications(db: TestDB) -> None:
    db.execute(PUBLICATIONS)
    if db.server.major >= 15:
        db.execute(PUBLICATIONS_15)
    if db.server.major >= 18:
        db.execute(PUBLICATIONS_18)


def test_publications_round_trip(db: TestDB, tmp_path: Path, roles: Roles) -> None:
    owner = roles()
    _publications(db)
    db.execute(sql.SQL('ALTER PUBLICATION "some tables" OWNER TO {}').format(sql.Identifier(owner)))
    out, _ = _round_trip(db, tmp_path)
    pubs = {o["name"]: o for o in _objects(out) if o["kind"] == "publication"}
    assert {"everything", "some tables", "nothing"} <= set(pubs)
    assert all(o["section"] == "post" for o in pubs.values())
    # one CREATE, then one ALTER PUBLICATION … ADD per table, as pg_dump writes them
    adds = [s for s in pubs["some tables"]["ddl"] if s.startswith("ALTER PUBLICATION")]
    assert len([s for s in adds if " ADD TABLE ONLY " in s]) == 2
    if db.server.major >= 15:
        assert "WHERE" in " ".join(pubs["cols"]["ddl"])


def test_schema_archive_leaves_publications_out(db: TestDB, tmp_path: Path) -> None:
    """pg_dump -n writes no publication, not even the part that names the schema's tables."""
    _publications(db)
    out, _ = _round_trip(db, tmp_path, schemas=["s"])
    assert not [o for o in _objects(out) if o["kind"] in ("publication", "event trigger")]


def _default_acl(db: TestDB) -> list[tuple[Any, ...]]:
    return db.execute(
        "SELECT r.rolname, n.nspname, a.defaclobjtype::text, a.defaclacl::text "
        "FROM pg_default_acl a JOIN pg_roles r ON r.oid = a.defaclrole "
        "LEFT JOIN pg_namespace n ON n.oid = a.defaclnamespace ORDER BY 1, 2, 3"
    )


DEFAULT_PRIVILEGES = """
CREATE SCHEMA s;
CREATE TABLE s.before (id int PRIMARY KEY, x int);
CREATE VIEW s.grouped AS SELECT id, x FROM s.before GROUP BY id;
ALTER DEFAULT PRIVILEGES FOR ROLE {owner} GRANT SELECT, UPDATE ON TABLES TO {reader};
ALTER DEFAULT PRIVILEGES FOR ROLE {owner} REVOKE INSERT, TRUNCATE ON TABLES FROM {owner};
ALTER DEFAULT PRIVILEGES FOR ROLE {owner} REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE {owner} REVOKE ALL ON TYPES FROM PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE {owner} GRANT USAGE, CREATE ON SCHEMAS TO {reader};
ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA s
    GRANT USAGE ON SEQUENCES TO {reader} WITH GRANT OPTION;
ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO {reader};
ALTER DEFAULT PRIVILEGES IN SCHEMA s GRANT SELECT ON TABLES TO {reader};
CREATE TABLE s.after (id int PRIMARY KEY, x int);
"""


def _with_default_privileges(db: TestDB, roles: Roles) -> str:
    """Default privileges of a new role (its name) for another, global and in schemas."""
    owner, reader = roles(), roles()
    names = {"owner": sql.Identifier(owner), "reader": sql.Identifier(reader)}
    db.execute(sql.SQL(DEFAULT_PRIVILEGES).format(**names))
    if db.server.major >= 18:
        db.execute(
            sql.SQL(
                "ALTER DEFAULT PRIVILEGES FOR ROLE {owner} GRANT SELECT ON LARGE OBJECTS TO {reader}"
            ).format(**names)
        )
    return owner


def test_default_privileges_round_trip(db: TestDB, tmp_path: Path, roles: Roles) -> None:
    """The restored pg_default_acl is the source's; they are made after every table and view
    (s.after has its SELECT grant from them in the source, s.before and the post-data view
    s.grouped none), so they change no restored object's ACL."""
    _with_default_privileges(db, roles)
    out, restored = _round_trip(db, tmp_path)
    kept = [o for o in _objects(out) if o["kind"] == "default privileges"]
    assert len(kept) == len(_default_acl(db))
    assert {o["section"] for o in kept} == {"post"}
    assert [o["kind"] for o in _objects(out)][-len(kept) :] == ["default privileges"] * len(kept)
    for target in restored:
        assert _default_acl(target) == _default_acl(db)
    grants = "SELECT relname, relacl IS NOT NULL FROM pg_class WHERE relnamespace = 's'::regnamespace AND relkind IN ('r', 'v') ORDER BY 1"
    for target in (db, *restored):
        assert target.execute(grants) == [("after", True), ("before", False), ("grouped", False)]


def test_schema_archive_keeps_only_its_default_privileges(
    db: TestDB, tmp_path: Path, roles: Roles
) -> None:
    _with_default_privileges(db, roles)
    out, _ = _round_trip(db, tmp_path, schemas=["s"])
    kept = [o for o in _objects(out) if o["kind"] == "default privileges"]
    assert kept and {o["schema"] for o in kept} == {"s"}


VIEW_RULES = """
CREATE TABLE public.rt (a int PRIMARY KEY, b text);
CREATE VIEW public.rv AS SELECT a, b FROM public.rt;
CREATE RULE rv_insert AS ON INSERT TO public.rv DO INSTEAD INSERT INTO public.rt VALUES (new.a, new.b);
CREATE RULE rv_delete AS ON DELETE TO public.rv DO INSTEAD NOTHING;
CREATE FUNCTION public.rv_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN UPDATE public.rt SET b = new.b WHERE a = old.a; RETURN new; END$$;
CREATE TRIGGER rv_update INSTEAD OF UPDATE ON public.rv FOR EACH ROW
    EXECUTE FUNCTION public.rv_update();
COMMENT ON RULE rv_insert ON public.rv IS 'inserts into rt';
COMMENT ON TRIGGER rv_update ON public.rv IS 'updates rt';
COMMENT ON VIEW public.rv IS 'a view of rt';
"""


def test_view_rules_and_instead_of_triggers_round_trip(db: TestDB, tmp_path: Path) -> None:
    db.execute(VIEW_RULES)
    _, targets = _round_trip(db, tmp_path)
    for restored in targets:
        restored.execute("INSERT INTO public.rv VALUES (1, 'one')")
        restored.execute("UPDATE public.rv SET b = 'uno' WHERE a = 1")
        restored.execute("DELETE FROM public.rv")
        assert restored.execute("SELECT a, b FROM public.rt") == [(1, "uno")]


LOOP = """
CREATE TABLE public.t (a int);
CREATE VIEW public.v AS SELECT 1 AS a;
CREATE FUNCTION public.f() RETURNS SETOF public.v LANGUAGE sql BEGIN ATOMIC SELECT * FROM public.v; END;
CREATE OR REPLACE VIEW public.v AS SELECT a FROM public.f();
COMMENT ON VIEW public.v IS 'loops through f';
"""


def test_view_function_loop_round_trips(db: TestDB, tmp_path: Path) -> None:
    """pg_depend records the loop (f needs v's row type, v's rule needs f): the archive has a
    stand-in of v first, and CREATE OR REPLACE VIEW after f."""
    db.execute(LOOP)
    loop = db.execute(
        "SELECT count(*) FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid "
        "WHERE d.classid = 'pg_rewrite'::regclass AND r.ev_class = 'public.v'::regclass "
        "AND d.refclassid = 'pg_proc'::regclass AND d.refobjid = 'public.f()'::regprocedure"
    )
    assert loop == [(1,)]
    out, _ = _round_trip(db, tmp_path)
    views = [(o["name"], o["ddl"][0][:22]) for o in _objects(out) if o["kind"] == "view"]
    assert views == [("v", 'CREATE VIEW "public"."'), ("v", "CREATE OR REPLACE VIEW")]
    stand_in = next(o for o in _objects(out) if o["kind"] == "view")
    assert stand_in["ddl"] == ['CREATE VIEW "public"."v" AS SELECT NULL::integer AS "a"']


def test_matview_on_a_view_that_needs_a_key(db: TestDB, tmp_path: Path) -> None:
    db.execute(
        "CREATE TABLE public.k (id int PRIMARY KEY, x int);"
        "INSERT INTO public.k VALUES (1, 10), (2, 20);"
        "CREATE VIEW public.byid AS SELECT id, x FROM public.k GROUP BY id;"
        "CREATE MATERIALIZED VIEW public.mv AS SELECT * FROM public.byid;"
        "CREATE INDEX mv_id ON public.mv (id)"
    )
    out, _ = _round_trip(db, tmp_path)
    sections = {o["name"]: o["section"] for o in _objects(out)}
    assert sections["byid"] == "post" and sections["mv"] == "post"
    target = db.make_db()
    pgsnap.load(str(out), dsn=target.dsn)
    assert target.execute("SELECT id, x FROM public.mv ORDER BY id") == [(1, 10), (2, 20)]


def _retarget(kind: str, old: str, new: str) -> Callable[[dict[str, Any]], None]:
    def mutate(meta: dict[str, Any]) -> None:
        for o in meta.get("objects", ()):
            if o["kind"] == kind:
                o["ddl"] = [s.replace(old, new) for s in o["ddl"]]

    return mutate


def _tamper_cases(owner: str, victim: str) -> dict[str, Callable[[dict[str, Any]], None]]:
    return {
        "event trigger": _retarget(
            "event trigger", 'EVENT TRIGGER "tagged"', 'EVENT TRIGGER "other"'
        ),
        "event trigger comment": _retarget(
            "event trigger", "COMMENT ON EVENT TRIGGER", "COMMENT ON SCHEMA"
        ),
        "default privileges": _retarget(
            "default privileges", f'FOR ROLE "{owner}" ', f'FOR ROLE "{victim}" '
        ),
        "default privileges of two roles": _retarget(
            "default privileges", "FOR ROLE ", f'FOR ROLE "{victim}", '
        ),
        "default privileges schema": _retarget(
            "default privileges", ' IN SCHEMA "s" ', ' IN SCHEMA "public" '
        ),
        "publication": _retarget("publication", 'PUBLICATION "p" ADD', 'PUBLICATION "other" ADD'),
        "publication drops": _retarget("publication", "ADD TABLE ONLY", "DROP TABLE"),
    }


def test_tampered_objects_are_refused_before_any_change(
    db: TestDB, tmp_path: Path, roles: Roles
) -> None:
    db.execute(EVENT_TRIGGERS)
    owner, victim = _with_default_privileges(db, roles), roles()
    db.execute("CREATE PUBLICATION p FOR TABLE public.t")
    good = tmp_path / "good.sql.zst"
    pgsnap.dump(all_tables=True, dsn=db.dsn, output=good)
    for case, mutate in _tamper_cases(owner, victim).items():
        bad = tmp_path / f"{case}.sql.zst"
        rewrite(good, bad, mutate)
        target = db.make_db()
        with pytest.raises(UnsafeStatementError, match="refusing the archive"):
            pgsnap.load(str(bad), dsn=target.dsn)
        assert not exists(target.dsn, "public.t"), case
        assert target.execute("SELECT count(*) FROM pg_default_acl") == [(0,)], case
    target = db.make_db()
    pgsnap.load(str(good), dsn=target.dsn)
    assert _default_acl(target) == _default_acl(db)


def test_replacing_a_view_needs_its_stand_in(db: TestDB, tmp_path: Path) -> None:
    """CREATE OR REPLACE VIEW is written only after a stand-in of the same view."""
    db.execute("CREATE TABLE public.t (a int); CREATE VIEW public.w AS SELECT a FROM public.t")
    good = tmp_path / "good.sql.zst"
    pgsnap.dump(all_tables=True, dsn=db.dsn, output=good)
    bad = tmp_path / "bad.sql.zst"
    rewrite(good, bad, _retarget("view", "CREATE VIEW", "CREATE OR REPLACE VIEW"))
    target = db.make_db()
    with pytest.raises(UnsafeStatementError, match="refusing the archive"):
        pgsnap.load(str(bad), dsn=target.dsn)
    assert not exists(target.dsn, "public.t")


def test_the_publication_query_for_14_gives_what_the_newer_one_does(db: TestDB) -> None:
    """objects_publications_14.sql (PostgreSQL 14 has no schemas in publications, no column
    lists, no row filters) runs, and gives what the newer query gives where 14 can say it."""
    db.execute(PUBLICATIONS)
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        conn.execute("SET search_path = ''")
        old = fetch_as(conn, "objects_publications_14", ObjectRow, schemas=None)
        new = fetch_as(conn, "objects_publications", ObjectRow, schemas=None)
        assert fetch_as(conn, "objects_publications_14", ObjectRow, schemas=["s"]) == []
    assert old == new and len(old) == 3
