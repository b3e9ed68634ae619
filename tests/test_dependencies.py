"""The types, functions and extensions a table needs travel with it (pg_dump -t leaves them out)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from helpers import cli, content_md5, exists
from pgservers import TestDB

import pgsnap
from pgsnap.dependencies import DependencyError, ensure
from pgsnap.model import Dependency

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
