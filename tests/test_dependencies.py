"""The types, functions and extensions a table needs travel with it (pg_dump -t leaves them out)."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from helpers import DECOYS, cli, content_md5, exists
from pgservers import TestDB
from test_allowlist import Mutation, rewrite

import pgsnap
from pgsnap import archive
from pgsnap.catalog.values import CollationRow
from pgsnap.ddl.allowlist import check_statements
from pgsnap.ddl.dependencies import collation_definition
from pgsnap.errors import UnsafeStatementError
from pgsnap.model import Dependency, TableSpec
from pgsnap.restore.dependencies import DependencyError, ensure

SCHEMA = """
SET check_function_bodies = off;
CREATE EXTENSION citext;
CREATE EXTENSION pg_trgm;
CREATE SCHEMA app;
CREATE TYPE app.status AS ENUM ('draft', 'it''s live', 'gone');
CREATE FUNCTION app.is_even(int) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT $1 % 2 = 0 $$;
CREATE DOMAIN app.even_int AS int NOT NULL CHECK (app.is_even(VALUE));
CREATE TYPE app.point3 AS (x float8, y float8, z float8);
CREATE TYPE app.floatrange AS RANGE (SUBTYPE = float8);
CREATE FUNCTION app.slug(text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT lower(replace($1, ' ', '-')) $$;
CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN NEW.note := coalesce(NEW.note, '') || '$$'; RETURN NEW; END $body$;
CREATE FUNCTION app.next_code() RETURNS text LANGUAGE sql AS $$ SELECT 'c-' || count(*) FROM public.things $$;
CREATE TABLE things (
  id serial PRIMARY KEY,
  status app.status NOT NULL DEFAULT 'draft',
  statuses app.status[],
  n app.even_int,
  p app.point3,
  r app.floatrange,
  email citext,
  title text,
  slug text GENERATED ALWAYS AS (app.slug(title)) STORED,
  note text,
  code text DEFAULT app.next_code()
);
CREATE INDEX things_title_trgm ON things USING gin (title gin_trgm_ops);
CREATE INDEX things_slug_idx ON things (app.slug(note));
CREATE TRIGGER things_touch BEFORE INSERT ON things FOR EACH ROW EXECUTE FUNCTION app.touch();
INSERT INTO things (status, statuses, n, p, r, email, title, note) VALUES
  ('it''s live', '{draft,gone}', 4, '(1,2,3)', '[1.5,2.5)', 'A@B.c', 'Hello World', 'x'),
  ('gone', NULL, 2, NULL, 'empty', NULL, NULL, NULL);
"""


def _dump(db: TestDB, tmp_path: Path) -> Path:
    db.execute(SCHEMA)
    out = tmp_path / "things.sql.zst"
    pgsnap.dump("things", dsn=db.dsn, output=out)
    return out


def test_dependencies_are_created_on_a_fresh_database(db: TestDB, tmp_path: Path) -> None:
    out = _dump(db, tmp_path)
    target = db.make_db()  # schema app is created too
    res = cli("load", str(out), "--dsn", target.dsn)
    assert res.exit_code == 0, res.output
    assert content_md5(target.dsn, "things") == content_md5(db.dsn, "things")
    assert target.execute("SELECT enum_range(NULL::app.status)::text") == [
        ('{draft,"it\'s live",gone}',)
    ]
    assert target.execute(
        "SELECT extname FROM pg_extension WHERE extname IN ('citext', 'pg_trgm') ORDER BY 1"
    ) == [("citext",), ("pg_trgm",)]
    # the trigger function and the default function work in the copy
    assert target.execute(
        "INSERT INTO things (n, title) VALUES (6, 'A B') RETURNING note, slug, code"
    ) == [("$$", "a-b", "c-2")]
    with pytest.raises(Exception, match="even_int"):
        target.execute("INSERT INTO things (n) VALUES (3)")


def test_existing_dependency_with_another_definition_is_refused(db: TestDB, tmp_path: Path) -> None:
    out = _dump(db, tmp_path)
    target = db.make_db()
    target.execute("CREATE SCHEMA app; CREATE TYPE app.status AS ENUM ('draft', 'live')")
    res = cli("load", str(out), "--dsn", target.dsn)
    assert res.exit_code == 8
    assert 'type "app"."status" exists with a different definition' in res.stderr
    assert not exists(target.dsn, "things")
    assert target.execute("SELECT count(*) FROM pg_extension WHERE extname = 'citext'") == [(0,)]
    assert target.execute("SELECT to_regprocedure('app.slug(text)') IS NULL") == [(True,)]


def test_existing_identical_dependencies_are_reused(db: TestDB, tmp_path: Path) -> None:
    out = _dump(db, tmp_path)
    res = cli("load", str(out), "--dsn", db.dsn, "--as", "things_copy", "-j", "2")
    assert res.exit_code == 0, res.output
    assert content_md5(db.dsn, "things_copy") == content_md5(db.dsn, "things")


def test_missing_extension_is_named(db: TestDB) -> None:
    fake = Dependency(
        "extension",
        "public",
        "no_such_ext",
        "no_such_ext",
        'CREATE EXTENSION IF NOT EXISTS "no_such_ext"',
        "no_such_ext",
    )
    with (
        db.connect() as conn,
        pytest.raises(DependencyError, match=r"lacks the extension.*no_such_ext"),
    ):
        ensure(conn, [fake])


def test_psql_script_creates_dependencies_too(db: TestDB, tmp_path: Path) -> None:
    out = _dump(db, tmp_path)
    target = db.make_db()
    script = subprocess.run(["zstd", "-dc", str(out)], capture_output=True, check=True).stdout
    db.server.run_client("psql", "-X", "-q", dbname=target.name, stdin=script)
    assert content_md5(target.dsn, "things") == content_md5(db.dsn, "things")


# -- collations ------------------------------------------------------------------------------

COLLATIONS = """
CREATE SCHEMA app;
CREATE COLLATION app.plain (provider = libc, locale = 'C');
CREATE COLLATION app.split (provider = libc, lc_collate = 'C', lc_ctype = 'POSIX');
CREATE COLLATION app.for_domain (provider = libc, locale = 'POSIX');
CREATE COLLATION app.for_composite (provider = libc, locale = 'C');
CREATE COLLATION app.for_range (provider = libc, locale = 'POSIX');
CREATE COLLATION app.unused (provider = libc, locale = 'C');
CREATE DOMAIN app.code AS text COLLATE app.for_domain;
CREATE TYPE app.pair AS (a text COLLATE app.for_composite, b int);
CREATE TYPE app.textrange AS RANGE (SUBTYPE = text, COLLATION = app.for_range);
CREATE TABLE words (
  id int PRIMARY KEY,
  w text COLLATE app.plain,
  s text COLLATE app.split,
  code app.code,
  p app.pair,
  r app.textrange
);
INSERT INTO words VALUES (1, 'b', 'B', 'x', '(a,1)', '[a,c)'), (2, 'a', 'a', NULL, NULL, NULL);
"""
# a collation that only some builds or versions have: a case-insensitive ICU one where the
# server has ICU (system PG15 here), else the builtin provider (PG17+, the embedded PG18)
ICU_COLLATION = (
    "CREATE COLLATION app.ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false)",
    'CREATE COLLATION "app"."ci" (provider = icu, deterministic = false, '
    "locale = 'und-u-ks-level2')",
)
BUILTIN_COLLATION = (
    "CREATE COLLATION app.ci (provider = builtin, locale = 'C.UTF-8')",
    'CREATE COLLATION "app"."ci" (provider = builtin, locale = \'C.UTF-8\')',
)
COLLATION_NAMES = ["ci", "for_composite", "for_domain", "for_range", "plain", "split"]
COLLATION_DEFS = """
SELECT collname, collprovider, collisdeterministic, collcollate, collctype
FROM pg_collation WHERE collnamespace = 'app'::regnamespace ORDER BY 1
"""


def _dump_words(db: TestDB, tmp_path: Path) -> Path:
    db.execute(COLLATIONS)
    db.execute(_version_collation(db)[0])
    db.execute("ALTER TABLE words ADD COLUMN ci text COLLATE app.ci")
    db.execute("UPDATE words SET ci = CASE id WHEN 1 THEN 'Abc' ELSE 'aBC' END")
    out = tmp_path / "words.sql.zst"
    pgsnap.dump("words", dsn=db.dsn, output=out)
    return out


def _version_collation(db: TestDB) -> tuple[str, str]:
    """(the statement creating app.ci on this server, the DDL pgsnap must write for it)."""
    if db.execute("SELECT EXISTS (SELECT FROM pg_collation WHERE collname LIKE '%-x-icu')")[0][0]:
        return ICU_COLLATION
    assert db.server.major >= 17, "a server with neither ICU nor the builtin provider"
    return BUILTIN_COLLATION


def _manifest_dependencies(path: Path) -> list[dict[str, str]]:
    with archive.ArchiveReader.open(path) as reader:
        return list(reader.manifest_json["dependencies"])


def test_collations_are_carried_and_created_when_missing(db: TestDB, tmp_path: Path) -> None:
    out = _dump_words(db, tmp_path)
    deps = _manifest_dependencies(out)
    carried = [d["name"] for d in deps if d["kind"] == "collation"]
    assert sorted(carried) == COLLATION_NAMES  # not app.unused
    order = [(d["kind"], d["name"]) for d in deps]
    for coll, typ in (
        ("for_domain", "code"),
        ("for_composite", "pair"),
        ("for_range", "textrange"),
    ):
        assert order.index(("collation", coll)) < order.index(("type", typ))
    ddl = {d["name"]: d["ddl"] for d in deps}
    assert ddl["split"] == (
        "CREATE COLLATION \"app\".\"split\" (provider = libc, lc_collate = 'C', lc_ctype = 'POSIX')"
    )
    assert ddl["ci"] == _version_collation(db)[1]

    target = db.make_db()
    res = cli("load", str(out), "--dsn", target.dsn)
    assert res.exit_code == 0, res.output
    assert content_md5(target.dsn, "words") == content_md5(db.dsn, "words")
    expected = [r for r in db.execute(COLLATION_DEFS) if r[0] != "unused"]
    assert target.execute(COLLATION_DEFS) == expected
    # the copy sorts and compares with the carried collations
    assert target.execute("SELECT w FROM words ORDER BY w") == [("a",), ("b",)]
    ci_equal = target.execute("SELECT id FROM words WHERE ci = 'ABC' ORDER BY id")
    assert ci_equal == ([(1,), (2,)] if _version_collation(db) == ICU_COLLATION else [])
    assert target.execute(
        "SELECT collname FROM pg_collation c JOIN pg_type t ON t.typcollation = c.oid "
        "WHERE t.typname = 'code'"
    ) == [("for_domain",)]
    assert target.execute(
        "SELECT rngcollation::regcollation::text FROM pg_range "
        "WHERE rngtypid = 'app.textrange'::regtype"
    ) == [("app.for_range",)]


def test_psql_script_creates_collations(db: TestDB, tmp_path: Path) -> None:
    out = _dump_words(db, tmp_path)
    target = db.make_db()
    script = subprocess.run(["zstd", "-dc", str(out)], capture_output=True, check=True).stdout
    db.server.run_client(
        "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", dbname=target.name, stdin=script
    )
    assert content_md5(target.dsn, "words") == content_md5(db.dsn, "words")
    assert target.execute(COLLATION_DEFS) == [
        r for r in db.execute(COLLATION_DEFS) if r[0] != "unused"
    ]


def test_identical_collations_are_reused(db: TestDB, tmp_path: Path) -> None:
    out = _dump_words(db, tmp_path)
    before = db.execute("SELECT oid, collname FROM pg_collation ORDER BY 1")
    res = cli("load", str(out), "--dsn", db.dsn, "--as", "words_copy")
    assert res.exit_code == 0, res.output
    assert content_md5(db.dsn, "words_copy") == content_md5(db.dsn, "words")
    assert db.execute("SELECT oid, collname FROM pg_collation ORDER BY 1") == before
    # a database holding its own, identical collation
    target = db.make_db()
    target.execute(
        "CREATE SCHEMA app; CREATE COLLATION app.split (provider = libc, lc_collate = 'C', "
        "lc_ctype = 'POSIX')"
    )
    oid = target.execute("SELECT 'app.split'::regcollation::oid")
    res = cli("load", str(out), "--dsn", target.dsn)
    assert res.exit_code == 0, res.output
    assert target.execute("SELECT 'app.split'::regcollation::oid") == oid
    assert content_md5(target.dsn, "words") == content_md5(db.dsn, "words")


def test_collation_with_another_definition_is_refused(db: TestDB, tmp_path: Path) -> None:
    out = _dump_words(db, tmp_path)
    target = db.make_db()
    target.execute("CREATE SCHEMA app; CREATE COLLATION app.split (provider = libc, locale = 'C')")
    for jobs in ("1", "2"):  # one transaction; the parallel load's own
        res = cli("load", str(out), "--dsn", target.dsn, "-j", jobs)
        assert res.exit_code == DependencyError.exit_code == 8, res.output
        assert 'collation "app"."split" exists with a different definition' in res.stderr
        assert len(res.stderr.strip().splitlines()) == 1
        assert not exists(target.dsn, "words")
        # nothing else was created: the collations and types made before the check roll back
        assert target.execute(
            "SELECT collname FROM pg_collation WHERE collnamespace = 'app'::regnamespace"
        ) == [("split",)]
        assert target.execute("SELECT to_regtype('app.code') IS NULL") == [(True,)]


def test_collation_used_only_by_an_index_is_carried(db: TestDB, tmp_path: Path) -> None:
    db.execute(
        "CREATE COLLATION public.idx_only (provider = libc, locale = 'C');"
        "CREATE TABLE labels (id int PRIMARY KEY, label text);"
        "CREATE INDEX labels_label_idx ON labels (label COLLATE public.idx_only);"
        "INSERT INTO labels VALUES (1, 'b'), (2, 'A')"
    )
    out = tmp_path / "labels.sql.zst"
    pgsnap.dump("labels", dsn=db.dsn, output=out)
    assert [(d["kind"], d["name"]) for d in _manifest_dependencies(out)] == [
        ("collation", "idx_only")
    ]
    target = db.make_db()
    res = cli("load", str(out), "--dsn", target.dsn)
    assert res.exit_code == 0, res.output
    assert target.execute(
        "SELECT pg_get_indexdef('labels_label_idx'::regclass) LIKE '%COLLATE idx_only%'"
    ) == [(True,)]
    assert content_md5(target.dsn, "labels") == content_md5(db.dsn, "labels")


def _collation_tamper(name: str, ddl: str, kind: str = "collation") -> Mutation:
    def mutate(meta: dict[str, Any]) -> None:
        meta.setdefault("dependencies", []).insert(
            0,
            {
                "kind": kind,
                "schema": "public",
                "name": name,
                "identity": f'"public"."{name}"',
                "ddl": ddl,
                "fingerprint": "x",
            },
        )

    return mutate


COLLATION_TAMPERS: dict[str, Mutation] = {
    "another name": _collation_tamper(
        "harmless", 'CREATE COLLATION "public"."sneaky" (provider = libc, locale = \'C\')'
    ),
    "from another collation": _collation_tamper(
        "sneaky", 'CREATE COLLATION "public"."sneaky" FROM "pg_catalog"."C"'
    ),
    "as a type": _collation_tamper(
        "sneaky", 'CREATE COLLATION "public"."sneaky" (provider = libc, locale = \'C\')', "type"
    ),
}


@pytest.mark.parametrize("case", sorted(COLLATION_TAMPERS))
def test_tampered_collation_is_refused(db: TestDB, tmp_path: Path, case: str) -> None:
    db.execute(DECOYS)
    good = tmp_path / "papers.sql.zst"
    pgsnap.dump("papers", dsn=db.dsn, output=good)
    bad = tmp_path / "tampered.sql.zst"
    rewrite(good, bad, COLLATION_TAMPERS[case])
    res = cli("load", str(bad), "--dsn", db.dsn, "--as", "papers_copy")
    assert res.exit_code == 5, res.output
    assert "refusing the archive" in res.stderr and "sneaky" in res.stderr
    assert not exists(db.dsn, "papers_copy")
    assert db.execute("SELECT to_regcollation('public.sneaky') IS NULL") == [(True,)]


def test_icu_rules_are_written_and_allowed() -> None:
    """ICU rules (PG16+) as pg_dump writes them.  Neither test server has both ICU and PG16+,
    so the catalog row is the one PG16+ returns for such a collation; the DDL must pass the
    load's allow-list (PostgreSQL's own grammar, via pglast)."""
    row = CollationRow(
        provider="i", deterministic=True, collate=None, ctype=None, locale="und", rules="&a < g"
    )
    ddl, fingerprint = collation_definition(row, '"app"."ruled"')
    assert (
        ddl
        == "CREATE COLLATION \"app\".\"ruled\" (provider = icu, locale = 'und', rules = '&a < g')"
    )
    assert fingerprint != collation_definition(replace(row, rules=None), '"app"."ruled"')[1]
    dep = Dependency("collation", "app", "ruled", '"app"."ruled"', ddl, fingerprint)
    check_statements(TableSpec("app", "t", ()), [dep])  # raises if refused
    with pytest.raises(UnsafeStatementError, match="refusing the archive"):
        check_statements(TableSpec("app", "t", ()), [replace(dep, name="other")])
