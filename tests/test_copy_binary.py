"""pgsnap copy -j N in binary COPY: when every column's type is built in and both servers run
one major version, the workers move the rows in binary (transfer/copy.binary_copy), each
chunk without its own header and trailer (backup/copyout.py).  The rows arrive identical,
chunks with no rows included; an enum or a domain column, or a target of another major,
keeps the text format, and copies as well."""

from __future__ import annotations

import contextlib
import itertools

import psycopg
from helpers import content_md5
from pgservers import ScratchDatabases, Server, TestDB

import pgsnap
from pgsnap.catalog.fetch import fetch_column
from pgsnap.config import resolve
from pgsnap.model import QualifiedName
from pgsnap.transfer.copy import binary_copy

CHUNK_PAGES = 16  # small chunks: the table splits into many ctid ranges
TYPES = """
CREATE TABLE kinds (
    id int PRIMARY KEY, n numeric(14,4), f float8, r real, ts timestamptz, d date,
    iv interval, a int[], ta text[], j jsonb, b bytea, u uuid, ip inet, t text, ok boolean,
    big bigint, c char(3), tm time
);
INSERT INTO kinds
SELECT g, CASE WHEN g % 5 = 0 THEN NULL ELSE g / 7.0 END, g * 1.000001e10, g / 3.0,
       timestamptz '2001-02-03 04:05:06.789+02' + g * interval '37 minutes',
       date '1999-12-31' + g, g * interval '1 day 3 hours',
       ARRAY[g, NULL, -g], ARRAY['a' || g, NULL, E'tab\\there'], jsonb_build_object('k', g),
       decode(md5(g::text), 'hex'), md5(g::text)::uuid, ('10.0.' || g % 256 || '.1')::inet,
       CASE WHEN g % 3 = 0 THEN NULL ELSE E'line\\nbreak \\\\ ' || repeat('x', g % 50) END,
       g % 2 = 0, g::bigint << 33, 'c' || g % 10, time '01:02:03' + g * interval '1 second'
FROM generate_series(1, 20000) g;
"""
ENUMS = """
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN positive AS int CHECK (VALUE > 0);
CREATE TABLE feelings (id int PRIMARY KEY, m mood, p positive, ms mood[]);
INSERT INTO feelings
SELECT g, (ARRAY['sad','ok','happy'])[1 + g % 3]::mood, g, ARRAY['ok'::mood] FROM generate_series(1, 5000) g;
"""
ORDERED = "SELECT md5(string_agg(k::text, '|' ORDER BY id)) FROM kinds k WHERE id <= 100"


def _binary(source: TestDB, target: TestDB, table: str) -> bool:
    with contextlib.closing(psycopg.connect(source.dsn, autocommit=True)) as conn:
        return binary_copy(conn, resolve(target.dsn, flag="--to"), [QualifiedName("public", table)])


def test_built_in_types_copy_in_binary_and_arrive_identical(db: TestDB) -> None:
    db.execute(TYPES)
    target = db.make_db()
    assert _binary(db, target, "kinds")
    res = pgsnap.copy("kinds", from_dsn=db.dsn, to_dsn=target.dsn, jobs=2, chunk_pages=CHUNK_PAGES)
    assert res.rows == 20000
    assert content_md5(target.dsn, "kinds") == content_md5(db.dsn, "kinds")


def test_chunks_with_no_rows_copy_in_binary(db: TestDB) -> None:
    """--where keeps the first pages' rows: the later chunks' COPYs send no rows, only their
    header and trailer in one message."""
    db.execute(TYPES)
    target = db.make_db()
    res = pgsnap.copy(
        "kinds", from_dsn=db.dsn, to_dsn=target.dsn, jobs=2, chunk_pages=CHUNK_PAGES,
        where="id <= 100",
    )  # fmt: skip
    assert res.rows == 100
    assert target.execute("SELECT count(*) FROM kinds") == [(100,)]
    assert target.execute(ORDERED) == db.execute(ORDERED)


def test_enum_and_domain_columns_keep_text(db: TestDB) -> None:
    db.execute(ENUMS)
    target = db.make_db()
    with contextlib.closing(psycopg.connect(db.dsn, autocommit=True)) as conn:
        found = fetch_column(conn, "nonbuiltin_columns", str, names=["public.feelings"])
    assert found == ["feelings.m", "feelings.ms", "feelings.p"]
    assert not _binary(db, target, "feelings")
    res = pgsnap.copy("feelings", from_dsn=db.dsn, to_dsn=target.dsn, jobs=2, chunk_pages=4)
    assert res.rows == 5000
    assert content_md5(target.dsn, "feelings") == content_md5(db.dsn, "feelings")


def test_another_major_keeps_text(servers: list[Server]) -> None:
    assert len(servers) >= 2, "the session runs pg18 and pg15"
    for a, b in itertools.permutations(servers[:2]):
        source_dbs, target_dbs = ScratchDatabases(a), ScratchDatabases(b)
        try:
            source, target = source_dbs.create(), target_dbs.create()
            source.execute(TYPES)
            assert not _binary(source, target, "kinds")
            res = pgsnap.copy(
                "kinds", from_dsn=source.dsn, to_dsn=target.dsn, jobs=2, chunk_pages=CHUNK_PAGES
            )
            assert res.rows == 20000
            assert content_md5(target.dsn, "kinds") == content_md5(source.dsn, "kinds")
        finally:
            source_dbs.drop_all()
            target_dbs.drop_all()
