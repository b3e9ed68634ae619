"""Databases in other encodings: SQL_ASCII byte for byte, LATIN1 converted.

A SQL_ASCII database stores bytes in no known encoding, so its rows are dumped and loaded as
the bytes they are (client_encoding SQL_ASCII for the COPY), and only into a SQL_ASCII
database; every other encoding is dumped as UTF-8, which the server converts.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import psycopg
import pytest
from helpers import cli
from pgservers import TestDB

import pgsnap
from pgsnap import archive

# bytes that are not UTF-8 (0xff), a UTF-8 é, tabs, backslashes, NULL
SQL_ASCII_ROWS = b"""
CREATE TABLE enc_t (id int PRIMARY KEY, t text, b bytea);
COMMENT ON TABLE enc_t IS 'stored in SQL_ASCII';
INSERT INTO enc_t VALUES (1, 'plain', '\\x00ff'), (2, E'\\xff\\xfe raw \\t bytes', NULL),
  (3, '\xc3\xa9t\xc3\xa9', '\\x'), (4, NULL, NULL);
"""


def _raw_rows(db: TestDB, table: str) -> list[bytes]:
    """The table's COPY text in the database's own encoding, as bytes."""
    with psycopg.connect(db.dsn) as conn, conn.cursor() as cur:
        cur.execute("SET client_encoding TO 'SQL_ASCII'")
        with cur.copy(f"COPY (SELECT * FROM {table} ORDER BY 1) TO STDOUT") as copy:
            return [bytes(row) for row in copy]


def _sql_ascii_db(db: TestDB) -> TestDB:
    source = db.make_db("SQL_ASCII")
    with psycopg.connect(source.dsn, autocommit=True) as conn:
        conn.execute(SQL_ASCII_ROWS)
    return source


@pytest.mark.parametrize("jobs", [1, 2])
def test_sql_ascii_round_trips_byte_for_byte(db: TestDB, tmp_path: Path, jobs: int) -> None:
    source = _sql_ascii_db(db)
    out = tmp_path / "enc.sql.zst"
    res = cli("dump", "enc_t", "--dsn", source.dsn, "-o", str(out))  # by its bare name
    assert res.exit_code == 0, res.output
    with archive.ArchiveReader.open(out) as reader:
        assert reader.header.encoding == "SQL_ASCII"
    target = db.make_db("SQL_ASCII")
    res = cli("load", str(out), "--dsn", target.dsn, "-j", str(jobs))
    assert res.exit_code == 0, res.output
    assert _raw_rows(target, "enc_t") == _raw_rows(source, "enc_t")
    assert b"\xff\xfe raw" in b"".join(_raw_rows(target, "enc_t"))
    res = cli("verify", str(out), "--dsn", target.dsn, "--as", "enc_t")
    assert res.exit_code == 0, res.output
    # the psql script says which encoding its rows are in
    script = subprocess.run(["zstd", "-dc", str(out)], capture_output=True, check=True).stdout
    assert b"SET client_encoding = 'SQL_ASCII';" in script
    other = db.make_db("SQL_ASCII")
    db.server.run_client("psql", "-X", "-q", dbname=other.name, stdin=script)
    assert _raw_rows(other, "enc_t") == _raw_rows(source, "enc_t")


def test_sql_ascii_rows_are_refused_by_another_encoding(db: TestDB, tmp_path: Path) -> None:
    source = _sql_ascii_db(db)
    out = tmp_path / "enc.sql.zst"
    pgsnap.dump("enc_t", dsn=source.dsn, output=out)
    for jobs in ("1", "2"):
        res = cli("load", str(out), "--dsn", db.dsn, "-j", jobs)  # db is UTF8
        assert res.exit_code == 2, res.output
        assert "the archive's rows are SQL_ASCII" in res.stderr and "is UTF8" in res.stderr
        assert db.execute("SELECT to_regclass('enc_t') IS NULL") == [(True,)]
    # the DDL alone goes anywhere
    schema = tmp_path / "schema.sql.zst"
    pgsnap.dump("enc_t", dsn=source.dsn, output=schema, schema_only=True)
    assert cli("load", str(schema), "--dsn", db.dsn).exit_code == 0


def test_latin1_is_converted(db: TestDB, tmp_path: Path) -> None:
    source = db.make_db("LATIN1")
    with psycopg.connect(source.dsn, autocommit=True) as conn:
        conn.execute("SET client_encoding TO 'UTF8'")
        conn.execute("CREATE TABLE l (id int, t text); INSERT INTO l VALUES (1, 'été ñ ü')")
    out = tmp_path / "l.sql.zst"
    pgsnap.dump("l", dsn=source.dsn, output=out)
    for target in (db.make_db(), db.make_db("LATIN1")):  # UTF8, and LATIN1 again
        pgsnap.load(str(out), dsn=target.dsn)
        with psycopg.connect(target.dsn) as conn:
            conn.execute("SET client_encoding TO 'UTF8'")
            assert conn.execute("SELECT t FROM l").fetchall() == [("été ñ ü",)]
