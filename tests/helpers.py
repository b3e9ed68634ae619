"""Shared test helpers: content fingerprints, the CLI runner, sample tables."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import psycopg
from click.testing import CliRunner, Result
from psycopg import sql

from pgsnap.cli import main

# A table that exercises COPY text escaping: NULLs, tabs, newlines, backslashes, unicode,
# bytea with every byte, nested arrays with NULLs, jsonb with escapes.
EDGE_TABLE = r"""
CREATE TABLE edge (
  id serial PRIMARY KEY,
  t text, b bytea, a int[], a2 text[][], j jsonb, f float8, n numeric, ts timestamptz,
  iv interval, r int4range, flag boolean
);
INSERT INTO edge (t, b, a, a2, j, f, n, ts, iv, r, flag) VALUES
  (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  ('', '\x', '{}', '{}', '{}', 0, 0, 'epoch', '0', 'empty', false),
  (E'tab\there\nnew line\\back\\slash \\N', (SELECT string_agg(set_byte('\x00'::bytea, 0, g), ''::bytea) FROM generate_series(0, 255) g),
   '{1,NULL,3}', '{{"a b",NULL},{"c\"d","e\\f"}}', '{"k": "v\"\\\n", "u": "\u00e9\u4e2d", "n": null}',
   'NaN', '-1e-300', 'infinity', '178000000 years', '[1,10)', true),
  ('ünïcødé ✓ 中文 😀', '\xdeadbeef', '{-2147483648,2147483647}', '{{x}}', '[1, 2.5, "three"]',
   '-Infinity', '123456789012345678901234567890.123456789', '-infinity', '-178000000 years', '(,5]', NULL),
  ('\.', '\x5c2e', NULL, NULL, '"\\."', 'Infinity', 'NaN', '2024-02-29 12:34:56.789+05:30', '1 day -2 hours', '[-3,-1]', true);
"""

DECOYS = r"""
CREATE TABLE papers_authors (id serial PRIMARY KEY, author text);
CREATE TABLE venues (id serial PRIMARY KEY, name text);
INSERT INTO venues (name) VALUES ('VLDB');
CREATE TABLE papers (
  id bigint GENERATED ALWAYS AS IDENTITY (START WITH 100 INCREMENT BY 5) PRIMARY KEY,
  legacy_no serial,
  title text NOT NULL CONSTRAINT papers_title_check CHECK (title <> ''),
  papers_count int DEFAULT 0,
  alt_no int DEFAULT nextval('papers_authors_id_seq'),
  parent_id bigint CONSTRAINT papers_parent_fk REFERENCES papers (id),
  venue_id int REFERENCES venues (id),
  CONSTRAINT pages_sane CHECK (papers_count < 10000)
);
CREATE INDEX idx_papers_title ON papers (lower(title));
CREATE INDEX papers_count_idx ON papers (papers_count) WHERE papers_count > 0;
COMMENT ON TABLE papers IS 'papers; don''t rename "papers" in here';
COMMENT ON COLUMN papers.title IS 'the title';
COMMENT ON INDEX idx_papers_title IS 'lower title';
INSERT INTO papers (title, papers_count, venue_id)
  SELECT 'paper ' || g, g % 7, 1 FROM generate_series(1, 500) g;
UPDATE papers SET parent_id = id - 5 WHERE id > 100;
CREATE TABLE "Papers Archive" ("Id" serial PRIMARY KEY, "Title Text" text CHECK ("Title Text" <> ''));
INSERT INTO "Papers Archive" ("Title Text") VALUES ('a'), ('b');
"""


# two tables that reference each other (authors.best_paper -> papers, papers.author_id -> authors)
AUTHORS_PAPERS = """
CREATE SCHEMA app;
CREATE TABLE app.authors (id int PRIMARY KEY, name text, best_paper int);
CREATE TABLE app.papers (id int PRIMARY KEY, title text, author_id int REFERENCES app.authors (id));
ALTER TABLE app.authors ADD CONSTRAINT authors_best_fk FOREIGN KEY (best_paper) REFERENCES app.papers (id);
INSERT INTO app.authors VALUES (1, 'ada', NULL), (2, 'bob', NULL);
INSERT INTO app.papers VALUES (10, 'p1', 1), (11, 'p2', 2);
UPDATE app.authors SET best_paper = 10 + id - 1;
"""


def content_md5(dsn: str, table: str, schema: str = "public") -> tuple[int, str]:
    """(rows, md5 of the sorted COPY text): equal for byte-identical table contents."""
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        rows: list[bytes] = []
        # a SELECT, so that a partitioned table (no COPY of its own) reads its partitions
        stmt = sql.SQL("COPY (SELECT * FROM {}) TO STDOUT").format(sql.Identifier(schema, table))
        with cur.copy(stmt) as copy:
            rows.extend(bytes(r) for r in copy)
    rows.sort()
    return len(rows), hashlib.md5(b"".join(rows)).hexdigest()


def exists(dsn: str, qualified: str) -> bool:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (qualified,)).fetchone()
    return bool(row and row[0])


def cli(*args: str, input: str | bytes | None = None) -> Result:
    """Run the CLI in-process, as a user would type it."""
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def cli_subprocess(
    *args: str,
    stdin: bytes | None = None,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[bytes]:
    run_env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "DATABASE_URL"))}
    run_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "pgsnap", *args],
        input=stdin,
        capture_output=True,
        cwd=cwd,
        env=run_env,
        timeout=300,
    )
