"""Aggregates, operators, operator families and classes, casts, text search objects and
conversions in a whole-database archive: each kind restored by pgsnap.load and by the psql
script gives the source's whole-database pg_dump --schema-only; a tampered CREATE is
refused before anything is created."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from fidelity_oracle import diff, schema_dump
from fuzzkit import read_draft, write_draft
from pgservers import TestDB

import pgsnap
from pgsnap.archive import ArchiveReader
from pgsnap.errors import UnsafeStatementError

AGGREGATES = """
CREATE SCHEMA k;
CREATE FUNCTION k.add_int(integer, integer) RETURNS integer
    LANGUAGE sql IMMUTABLE AS 'SELECT $1 + $2';
CREATE FUNCTION k.sub_int(integer, integer) RETURNS integer
    LANGUAGE sql IMMUTABLE AS 'SELECT $1 - $2';
CREATE FUNCTION k.doubled(integer) RETURNS bigint LANGUAGE sql AS 'SELECT $1::bigint * 2';
CREATE FUNCTION k.with_arg(integer, integer) RETURNS bigint LANGUAGE sql AS 'SELECT $1::bigint';
CREATE AGGREGATE k.total(integer) (
    SFUNC = k.add_int, STYPE = integer, SSPACE = 8, FINALFUNC = k.doubled,
    FINALFUNC_MODIFY = SHAREABLE, COMBINEFUNC = k.add_int, INITCOND = '0',
    MSFUNC = k.add_int, MINVFUNC = k.sub_int, MSTYPE = integer, MSSPACE = 16,
    MFINALFUNC = k.doubled, MFINALFUNC_MODIFY = READ_WRITE, MINITCOND = '0', PARALLEL = SAFE);
CREATE AGGREGATE k.extra(integer) (SFUNC = k.add_int, STYPE = integer, FINALFUNC = k.with_arg,
    FINALFUNC_EXTRA, PARALLEL = RESTRICTED);
CREATE AGGREGATE k.biggest(integer) (SFUNC = int4larger, STYPE = integer, SORTOP = >);
CREATE AGGREGATE k.pct(double precision ORDER BY anyelement) (
    SFUNC = ordered_set_transition, STYPE = internal, FINALFUNC = percentile_disc_final,
    FINALFUNC_EXTRA);
CREATE AGGREGATE k.my_rank(VARIADIC "any" ORDER BY VARIADIC "any") (
    SFUNC = ordered_set_transition_multi, STYPE = internal, FINALFUNC = rank_final,
    FINALFUNC_EXTRA, HYPOTHETICAL);
CREATE AGGREGATE k.cnt(*) (SFUNC = int8inc, STYPE = bigint, INITCOND = '0');
COMMENT ON AGGREGATE k.pct(double precision ORDER BY anyelement) IS 'a percentile';
COMMENT ON AGGREGATE k.cnt(*) IS 'counts';
REVOKE ALL ON FUNCTION k.cnt() FROM PUBLIC;
CREATE VIEW k.v AS SELECT k.total(x), k.cnt(*) FROM generate_series(1, 3) AS x;
"""

OPERATORS = """
CREATE SCHEMA k;
CREATE FUNCTION k.lt(integer, bigint) RETURNS boolean LANGUAGE sql IMMUTABLE
    AS 'SELECT $1 < $2';
CREATE FUNCTION k.gt(bigint, integer) RETURNS boolean LANGUAGE sql IMMUTABLE
    AS 'SELECT $1 > $2';
CREATE FUNCTION k.ge(integer, bigint) RETURNS boolean LANGUAGE sql IMMUTABLE
    AS 'SELECT $1 >= $2';
CREATE FUNCTION k.neg(integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT -$1';
CREATE FUNCTION k.same(integer, integer) RETURNS boolean LANGUAGE sql IMMUTABLE
    AS 'SELECT $1 = $2';
-- >>> names its commutator <<< before <<< exists: a shell, filled in by the next CREATE
CREATE OPERATOR k.>>> (FUNCTION = k.gt, LEFTARG = bigint, RIGHTARG = integer,
    COMMUTATOR = OPERATOR(k.<<<), RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
CREATE OPERATOR k.<<< (FUNCTION = k.lt, LEFTARG = integer, RIGHTARG = bigint,
    NEGATOR = OPERATOR(k.>>=), RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR k.>>= (FUNCTION = k.ge, LEFTARG = integer, RIGHTARG = bigint);
CREATE OPERATOR k.@@ (FUNCTION = k.neg, RIGHTARG = integer);
CREATE OPERATOR k.=== (FUNCTION = k.same, LEFTARG = integer, RIGHTARG = integer,
    COMMUTATOR = OPERATOR(k.===), RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES);
COMMENT ON OPERATOR k.@@ (NONE, integer) IS 'prefix minus';
COMMENT ON OPERATOR k.<<< (integer, bigint) IS 'less';
CREATE TABLE k.t (a integer DEFAULT (OPERATOR(k.@@) 5), b boolean DEFAULT (1 OPERATOR(k.===) 2));
INSERT INTO k.t VALUES (1, true);
"""

OPCLASSES = """
CREATE SCHEMA k;
CREATE TYPE k.mood AS ENUM ('sad', 'ok', 'happy');
CREATE FUNCTION k.rev_cmp(integer, integer) RETURNS integer LANGUAGE sql IMMUTABLE
    AS 'SELECT CASE WHEN $1 < $2 THEN 1 WHEN $1 > $2 THEN -1 ELSE 0 END';
CREATE FUNCTION k.rev_cmp_big(integer, bigint) RETURNS integer LANGUAGE sql IMMUTABLE
    AS 'SELECT CASE WHEN $1 < $2 THEN 1 WHEN $1 > $2 THEN -1 ELSE 0 END';
CREATE FUNCTION k.hash_int(integer) RETURNS integer LANGUAGE sql IMMUTABLE
    AS 'SELECT hashint4($1)';
CREATE OPERATOR FAMILY k.rev_ops USING btree;
CREATE OPERATOR CLASS k.rev_int FOR TYPE integer USING btree FAMILY k.rev_ops AS
    OPERATOR 1 >, OPERATOR 2 >=, OPERATOR 3 =, OPERATOR 4 <=, OPERATOR 5 <,
    FUNCTION 1 k.rev_cmp(integer, integer);
ALTER OPERATOR FAMILY k.rev_ops USING btree ADD
    OPERATOR 1 > (integer, bigint), OPERATOR 5 < (integer, bigint),
    FUNCTION 1 k.rev_cmp_big(integer, bigint);
CREATE OPERATOR CLASS k.int_hash FOR TYPE integer USING hash AS
    OPERATOR 1 =, FUNCTION 1 k.hash_int(integer);
CREATE OPERATOR CLASS k.mood_hash DEFAULT FOR TYPE k.mood USING hash AS
    OPERATOR 1 = (anyenum, anyenum), FUNCTION 1 (k.mood, k.mood) hashenum(anyenum);
CREATE OPERATOR FAMILY k.empty_family USING gist;
COMMENT ON OPERATOR CLASS k.rev_int USING btree IS 'reversed';
COMMENT ON OPERATOR FAMILY k.rev_ops USING btree IS 'reversed family';
CREATE TABLE k.t (a integer, m k.mood);
CREATE INDEX t_a ON k.t (a k.rev_int);
CREATE INDEX t_h ON k.t USING hash (a k.int_hash);
CREATE INDEX t_m ON k.t USING hash (m);
INSERT INTO k.t VALUES (1, 'ok'), (2, 'sad');
"""

CASTS = """
CREATE SCHEMA k;
CREATE TYPE k.pair AS (a integer, b integer);
CREATE TYPE k.mood AS ENUM ('sad', 'happy');
CREATE TYPE k.mood2 AS ENUM ('sad', 'happy');
CREATE FUNCTION k.pair_sum(k.pair) RETURNS integer LANGUAGE sql AS 'SELECT ($1).a + ($1).b';
CREATE FUNCTION k.int_pair(integer) RETURNS k.pair LANGUAGE sql AS 'SELECT ROW($1, $1)::k.pair';
CREATE CAST (k.pair AS integer) WITH FUNCTION k.pair_sum(k.pair) AS ASSIGNMENT;
CREATE CAST (integer AS k.pair) WITH FUNCTION k.int_pair(integer);
CREATE CAST (xid AS integer) WITHOUT FUNCTION AS IMPLICIT;
CREATE CAST (k.mood AS integer) WITH INOUT;
CREATE CAST (text AS k.mood2) WITH INOUT;
COMMENT ON CAST (k.pair AS integer) IS 'the sum';
CREATE TABLE k.t (p k.pair DEFAULT (7)::k.pair);
INSERT INTO k.t VALUES (ROW(1, 2));
"""

TEXT_SEARCH = """
CREATE SCHEMA k;
CREATE TEXT SEARCH PARSER k.prs (START = prsd_start, GETTOKEN = prsd_nexttoken,
    END = prsd_end, LEXTYPES = prsd_lextype, HEADLINE = prsd_headline);
CREATE TEXT SEARCH PARSER k.bare (START = prsd_start, GETTOKEN = prsd_nexttoken,
    END = prsd_end, LEXTYPES = prsd_lextype);
CREATE TEXT SEARCH TEMPLATE k.tmpl (INIT = dsimple_init, LEXIZE = dsimple_lexize);
CREATE TEXT SEARCH TEMPLATE k.plain (LEXIZE = dsimple_lexize);
CREATE TEXT SEARCH DICTIONARY k.dict (TEMPLATE = k.tmpl, STOPWORDS = english, ACCEPT = false);
CREATE TEXT SEARCH DICTIONARY k.stem (TEMPLATE = snowball, LANGUAGE = english);
CREATE TEXT SEARCH CONFIGURATION k.cfg (PARSER = k.prs);
ALTER TEXT SEARCH CONFIGURATION k.cfg ADD MAPPING FOR asciiword, word WITH k.dict, k.stem, simple;
ALTER TEXT SEARCH CONFIGURATION k.cfg ADD MAPPING FOR int WITH simple;
CREATE TEXT SEARCH CONFIGURATION k.copied (COPY = pg_catalog.english);
CREATE TEXT SEARCH CONFIGURATION k.empty (PARSER = default);
COMMENT ON TEXT SEARCH PARSER k.prs IS 'parser';
COMMENT ON TEXT SEARCH TEMPLATE k.tmpl IS 'template';
COMMENT ON TEXT SEARCH DICTIONARY k.dict IS 'dictionary';
COMMENT ON TEXT SEARCH CONFIGURATION k.cfg IS 'configuration';
CREATE TABLE k.docs (body text,
    tsv tsvector GENERATED ALWAYS AS (to_tsvector('k.cfg'::regconfig, body)) STORED);
INSERT INTO k.docs VALUES ('the quick brown foxes');
"""

CONVERSIONS = """
CREATE SCHEMA k;
CREATE CONVERSION k.latin1_utf8 FOR 'LATIN1' TO 'UTF8' FROM iso8859_1_to_utf8;
CREATE DEFAULT CONVERSION k.utf8_latin1 FOR 'UTF8' TO 'LATIN1' FROM utf8_to_iso8859_1;
COMMENT ON CONVERSION k.latin1_utf8 IS 'latin1 in';
CREATE TABLE k.t (a integer);
"""

KINDS = {
    "aggregate": AGGREGATES,
    "operator": OPERATORS,
    "operator class": OPCLASSES,
    "cast": CASTS,
    "text search configuration": TEXT_SEARCH,
    "conversion": CONVERSIONS,
}


def _dump(db: TestDB, setup: str, path: Path) -> Path:
    db.execute(setup)
    db.execute("CREATE TABLE public.anchor (id integer)")  # a dump needs a table
    pgsnap.dump(all_tables=True, dsn=db.dsn, output=path)
    return path


def _whole(db: TestDB) -> str:
    return schema_dump(db.server, db.name, (), privileges=True)


def _by_psql(db: TestDB, archive: Path) -> None:
    script = subprocess.run(["zstd", "-dc", str(archive)], capture_output=True, check=True).stdout
    db.server.run_client("psql", "-X", "-q", dbname=db.name, stdin=script)


@pytest.mark.parametrize("kind", list(KINDS))
def test_kind_round_trips(db: TestDB, tmp_path: Path, kind: str) -> None:
    """pgsnap.load and the psql script both give the source's whole pg_dump --schema-only."""
    archive = _dump(db, KINDS[kind], tmp_path / "db.sql.zst")
    with ArchiveReader.open(archive) as reader:
        kinds = {o["kind"] for o in reader.header_json["objects"]}
    assert kind in kinds
    source = _whole(db)
    by_pgsnap, by_psql = db.make_db(), db.make_db()
    pgsnap.load(str(archive), dsn=by_pgsnap.dsn)
    _by_psql(by_psql, archive)
    for target in (by_pgsnap, by_psql):
        changes = diff(source, _whole(target))
        assert not changes, changes


def test_index_and_default_use_user_operators(db: TestDB, tmp_path: Path) -> None:
    """A table whose index uses a user operator class and whose default uses a user
    operator: the objects come before the table, the index works after the load."""
    operators = OPERATORS.replace("CREATE SCHEMA k;", "").replace("k.t ", "k.u ")
    archive = _dump(db, OPCLASSES + operators, tmp_path / "a.sql.zst")
    target = db.make_db()
    pgsnap.load(str(archive), dsn=target.dsn)
    assert diff(_whole(db), _whole(target)) == ""
    assert target.execute("SELECT a FROM k.t ORDER BY a USING OPERATOR(pg_catalog.>)") == [
        (2,),
        (1,),
    ]
    opclass = target.execute(
        "SELECT c.opcname FROM pg_index i JOIN pg_opclass c ON c.oid = i.indclass[0] "
        "WHERE i.indexrelid = 'k.t_a'::regclass"
    )
    assert opclass == [("rev_int",)]
    target.execute("INSERT INTO k.u (b) VALUES (DEFAULT)")
    assert target.execute("SELECT a, b FROM k.u WHERE NOT b") == [(-5, False)]


TAMPERED = {
    "aggregate": ('"k"."total"(', '"k"."evil"('),
    "operator": ('OPERATOR "k".<<< (', 'OPERATOR "k".<<= ('),
    "operator class": ('CLASS "k"."rev_int"', 'CLASS "k"."evil"'),
    "cast": ("CAST (integer AS", "CAST (bigint AS"),
    "text search configuration": ('CONFIGURATION "k"."cfg" (', 'CONFIGURATION "k"."evil" ('),
    "conversion": ('CONVERSION "k"."latin1_utf8"', 'CONVERSION "k"."evil"'),
}


@pytest.mark.parametrize("kind", list(TAMPERED))
def test_tampered_create_is_refused(db: TestDB, tmp_path: Path, kind: str) -> None:
    """An object's CREATE rewritten to make another object is refused before any change."""
    archive = _dump(db, KINDS[kind], tmp_path / "db.sql.zst")
    old, new = TAMPERED[kind]
    draft = read_draft(archive)
    changed = 0
    for doc in draft.docs("both"):
        for obj in doc.get("objects", ()):
            if obj["ddl"] and old in obj["ddl"][0]:
                obj["ddl"][0] = obj["ddl"][0].replace(old, new)
                changed += 1
    assert changed >= 1
    bad = write_draft(draft, tmp_path / "bad.sql.zst")
    target = db.make_db()
    with pytest.raises(UnsafeStatementError, match="statement pgsnap does not write"):
        pgsnap.load(str(bad), dsn=target.dsn)
    assert target.execute("SELECT nspname FROM pg_namespace WHERE nspname = 'k'") == []


def test_schema_archive_takes_the_casts_of_its_schemas(db: TestDB, tmp_path: Path) -> None:
    """A --schema archive holds a cast whose function or type is in its schemas, no other."""
    db.execute(CASTS)
    out = tmp_path / "k.sql.zst"
    pgsnap.dump(schemas=["k"], dsn=db.dsn, output=out)
    with ArchiveReader.open(out) as reader:
        casts = {o["identity"] for o in reader.header_json["objects"] if o["kind"] == "cast"}
    assert casts == {
        '("k"."pair" AS integer)',
        '(integer AS "k"."pair")',
        '("k"."mood" AS integer)',
        '("text" AS "k"."mood2")',
    }
