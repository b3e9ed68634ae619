"""Large objects in whole-database archives: metadata and data, streamed, as pg_dump has them."""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fuzzkit import read_draft, write_draft
from helpers import cli, cli_subprocess
from pgservers import TestDB
from psycopg import sql

import pgsnap
from pgsnap.archive import ArchiveReader
from pgsnap.errors import PgsnapError

# pg_dump lines that differ between any two dumps of one schema (tests/corpus_db/measure.py)
_NOISE = (r"^--", r"^SET ", r"^SELECT pg_catalog\.set_config\('search_path'", r"^\\(un)?restrict ")
BIG = 3 << 20  # the "few MB" large object

FACTS = """
SELECT m.oid::int8, pg_catalog.md5(pg_catalog.lo_get(m.oid)),
       pg_catalog.length(pg_catalog.lo_get(m.oid)), pg_catalog.pg_get_userbyid(m.lomowner),
       m.lomacl::text, pg_catalog.obj_description(m.oid, 'pg_largeobject')
FROM pg_catalog.pg_largeobject_metadata m ORDER BY 1
"""


@pytest.fixture
def role(db: TestDB) -> Iterator[str]:
    """A role to own a large object; what it owns in the test's databases goes with it."""
    name = f"lo_owner_{secrets.token_hex(4)}"
    db.execute(sql.SQL("CREATE ROLE {}").format(sql.Identifier(name)))
    yield name
    with psycopg.connect(db.server.dsn(), autocommit=True) as conn:
        names = [
            r[0] for r in conn.execute("SELECT datname FROM pg_database WHERE datname ~ '^t_'")
        ]
    for dbname in names:
        with psycopg.connect(db.server.dsn(dbname), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
    db.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


def make_large_objects(db: TestDB, role: str) -> None:
    """Empty, small, a few MB (lo_put in a loop), one with a comment, one owned by `role`
    with a GRANT, one whose oid the server chose; and a table beside them."""
    db.execute("CREATE TABLE t (id int PRIMARY KEY, doc oid)")
    db.execute("SELECT lo_create(50001)")
    db.execute("SELECT lo_from_bytea(50002, 'hello, large object\\000\\377'::bytea)")
    db.execute("COMMENT ON LARGE OBJECT 50002 IS 'a greeting; it''s small'")
    db.execute(
        """DO $$ BEGIN PERFORM lo_create(50003);
        FOR i IN 0..47 LOOP
          PERFORM lo_put(50003, i * 65536, decode(repeat(md5(i::text), 4096), 'hex'));
        END LOOP; END $$"""
    )
    db.execute("SELECT lo_from_bytea(50004, 'owned')")
    db.execute(sql.SQL("ALTER LARGE OBJECT 50004 OWNER TO {}").format(sql.Identifier(role)))
    db.execute("GRANT SELECT ON LARGE OBJECT 50004 TO PUBLIC")
    db.execute("INSERT INTO t SELECT 1, lo_from_bytea(0, '\\x00010203'::bytea)")


def facts(db: TestDB) -> list[tuple[object, ...]]:
    return [tuple(r) for r in db.execute(FACTS)]


def schema(db: TestDB) -> list[str]:
    out = db.server.run_client("pg_dump", "--schema-only", dbname=db.name).stdout.decode()
    return [x for x in out.splitlines() if x.strip() and not any(re.match(p, x) for p in _NOISE)]


def nothing_restored(target: TestDB) -> bool:
    rows = target.execute(
        "SELECT (SELECT count(*) FROM pg_largeobject_metadata), to_regclass('public.t') IS NULL"
    )
    return rows == [(0, True)]


def test_large_objects_round_trip(db: TestDB, role: str, tmp_path: Path) -> None:
    make_large_objects(db, role)
    source = facts(db)
    assert [r[2] for r in source if r[0] == 50003] == [BIG]
    path = tmp_path / "all.sql.zst"
    pgsnap.dump(all_tables=True, dsn=db.dsn, output=path)
    with ArchiveReader.open(path) as reader:
        los = reader.manifest.large_objects
        # in oid order; the one the server chose (4 bytes) sorts where its oid falls
        assert [e.oid for e in los] == sorted(e.oid for e in los)
        ours = {e.oid: e for e in los if e.oid in (50001, 50002, 50003, 50004)}
        chosen = [e for e in los if e.oid not in ours]
        assert [ours[o].size for o in sorted(ours)] == [0, 21, BIG, 5] and not ours[50001].frames
        assert len(ours) == 4 and [e.size for e in chosen] == [4]
        kinds = [o.kind for o in reader.header.objects].count("large object")
        assert kinds == 5
    target = db.make_db()
    pgsnap.load(path, dsn=target.dsn)
    assert facts(target) == source
    assert schema(target) == schema(db)
    assert target.execute("SELECT lo_get(doc) FROM t") == [(b"\x00\x01\x02\x03",)]
    # pg_dump --schema-only writes no large object: they are data
    assert not any("lo_create" in line for line in schema(db))


def test_large_objects_through_psql_and_a_pipe(db: TestDB, role: str, tmp_path: Path) -> None:
    make_large_objects(db, role)
    path = tmp_path / "all.sql.zst"
    pgsnap.dump(all_tables=True, dsn=db.dsn, output=path)
    by_psql, by_pipe = db.make_db(), db.make_db()
    script = subprocess.run(["zstd", "-dc", str(path)], capture_output=True, check=True).stdout
    assert b"SELECT pg_catalog.lo_put('50003', 1048576, '\\x" in script
    db.server.run_client("psql", "-X", "-q", dbname=by_psql.name, stdin=script)
    assert facts(by_psql) == facts(db)
    done = cli_subprocess("load", "-", "--dsn", by_pipe.dsn, stdin=path.read_bytes())
    assert done.returncode == 0, done.stderr.decode()
    assert facts(by_pipe) == facts(db)
    assert schema(by_pipe) == schema(db)
    res = cli("verify", str(path))
    assert res.exit_code == 0, res.output
    res = cli("inspect", str(path))
    assert res.exit_code == 0 and "          5 large objects, 3.1 MB in all" in res.output
    info = pgsnap.inspect(path)
    assert (info.large_objects, info.large_object_bytes) == (5, BIG + 30)


def test_schema_only_has_none_and_data_only_has_them(db: TestDB, role: str, tmp_path: Path) -> None:
    make_large_objects(db, role)
    schema_path, data_path = tmp_path / "s.sql.zst", tmp_path / "d.sql.zst"
    pgsnap.dump(all_tables=True, dsn=db.dsn, output=schema_path, schema_only=True)
    pgsnap.dump(all_tables=True, dsn=db.dsn, output=data_path, data_only=True)
    with ArchiveReader.open(schema_path) as reader:
        assert all(o.kind != "large object" for o in reader.header.objects)
        assert not reader.manifest.large_objects
    target = db.make_db()
    pgsnap.load(schema_path, dsn=target.dsn)
    assert facts(target) == [] and schema(target) == schema(db)
    pgsnap.load(data_path, dsn=target.dsn)
    assert facts(target) == facts(db)
    # a full archive loaded --schema-only makes none either
    full = tmp_path / "all.sql.zst"
    pgsnap.dump(all_tables=True, dsn=db.dsn, output=full)
    other = db.make_db()
    pgsnap.load(full, dsn=other.dsn, schema_only=True)
    assert facts(other) == []


def _tampered(src: Path, dst: Path, oid: int, new: str) -> Path:
    """`src` with the lo_put lines of large object `oid` aimed at `new` instead."""
    draft = read_draft(src)
    for part in draft.parts:
        if part.kind == "blob" and part.raw.startswith(
            f"SELECT pg_catalog.lo_put('{oid}'".encode()
        ):
            part.raw = part.raw.replace(f"lo_put('{oid}'".encode(), f"lo_put('{new}'".encode())
            part.data = None
    return write_draft(draft, dst)


def _refused(path: Path, target: TestDB, words: str) -> None:
    with pytest.raises(PgsnapError, match=words):
        pgsnap.load(path, dsn=target.dsn)
    done = cli_subprocess("load", "-", "--dsn", target.dsn, stdin=path.read_bytes())
    assert done.returncode == 5, done.stderr.decode()
    assert re.search(words, done.stderr.decode()), done.stderr.decode()
    assert nothing_restored(target)
    assert cli("verify", str(path)).exit_code == 5


def test_tampered_and_truncated_archives_are_refused(db: TestDB, role: str, tmp_path: Path) -> None:
    make_large_objects(db, role)
    path = tmp_path / "all.sql.zst"
    pgsnap.dump(all_tables=True, dsn=db.dsn, output=path)
    target = db.make_db()
    # a lo_put aimed at another large object of the archive, or at one it does not hold
    _refused(_tampered(path, tmp_path / "a.sql.zst", 50002, "50004"), target, "large object")
    _refused(_tampered(path, tmp_path / "b.sql.zst", 50003, "77777"), target, "77777")
    # a changed checksum
    draft = read_draft(path)
    draft.manifest["large_objects"][2]["sha256"] = "0" * 64
    _refused(write_draft(draft, tmp_path / "c.sql.zst"), target, "sha256")
    # a blob frame's text that is more than lo_put lines
    draft = read_draft(path)
    blob = next(p for p in draft.parts if p.kind == "blob")
    blob.raw, blob.data = blob.raw + b"DROP TABLE t;\n", None
    _refused(write_draft(draft, tmp_path / "d.sql.zst"), target, "lo_put")
    # truncated: the file ends inside the large objects' frames
    cut = tmp_path / "cut.sql.zst"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    _refused(cut, target, "truncated")
    # the allow-list: a comment aimed at a schema of the large object's name
    draft = read_draft(path)
    draft.body = draft.body.replace("COMMENT ON LARGE OBJECT 50002", 'COMMENT ON SCHEMA "50002"')
    for doc in (draft.header, draft.manifest):
        for o in doc["objects"]:
            o["ddl"] = [s.replace("LARGE OBJECT 50002", 'SCHEMA "50002"') for s in o["ddl"]]
    with pytest.raises(PgsnapError, match="statement pgsnap does not write"):
        pgsnap.load(write_draft(draft, tmp_path / "e.sql.zst"), dsn=target.dsn)
    assert nothing_restored(target)


MEASURE = textwrap.dedent(
    """
    import json, resource, sys
    import pgsnap
    dsn, small, big, path, target = sys.argv[1:]
    pgsnap.dump(all_tables=True, dsn=small, output=path + ".small.zst")
    pgsnap.load(path + ".small.zst", dsn=target)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    pgsnap.dump(all_tables=True, dsn=dsn, output=path)
    dumped = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    pgsnap.load(path, dsn=big)
    loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps([before, dumped, loaded]))
    """
)


def test_a_64_mb_large_object_streams_in_bounded_memory(db: TestDB, tmp_path: Path) -> None:
    """The peak RSS (KiB) grows by far less than the large object while it is dumped and
    loaded: it is read, written and restored a chunk at a time."""
    size_mb = 64
    db.execute(
        f"""DO $$ BEGIN PERFORM lo_create(60001);
        FOR i IN 0..{size_mb - 1} LOOP
          PERFORM lo_put(60001, i * 1048576, decode(repeat(md5(i::text), 65536), 'hex'));
        END LOOP; END $$"""
    )
    db.execute("CREATE TABLE t (id int)")  # (dump --all wants a table)
    small, warm, target = db.make_db(), db.make_db(), db.make_db()
    small.execute("CREATE TABLE t (id int)")
    small.execute("SELECT lo_from_bytea(60002, 'warm-up')")
    args = [db.dsn, small.dsn, target.dsn, str(tmp_path / "big.sql.zst"), warm.dsn]
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, *args], capture_output=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr.decode()
    before, dumped, loaded = json.loads(done.stdout)
    assert dumped - before < 24 * 1024, (before, dumped)
    assert loaded - before < 24 * 1024, (before, loaded)
    assert facts(target) == facts(db)
    assert facts(target)[0][2] == size_mb << 20
