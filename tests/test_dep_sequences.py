"""A sequence that a default calls but that the table does not own travels as a dependency:
created (with its value) where missing, left alone where it exists, refused when it differs."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from fidelity_oracle import schema_dump
from helpers import cli, content_md5
from pgservers import TestDB
from test_allowlist import rewrite

import pgsnap
from pgsnap import archive
from pgsnap.errors import UnsafeStatementError
from pgsnap.model import QualifiedName

SCHEMA = """
CREATE SCHEMA app;
CREATE SEQUENCE app.ticket AS integer START WITH 100 INCREMENT BY 5 MINVALUE 50 MAXVALUE 100000
  CACHE 3 CYCLE;
CREATE TABLE other (id int);
CREATE SEQUENCE shared OWNED BY other.id;
CREATE TABLE t (
  id int DEFAULT nextval('app.ticket'),
  n bigint DEFAULT nextval('shared'),
  s serial,
  note text
);
INSERT INTO t (note) SELECT 'row ' || g FROM generate_series(1, 7) g;
"""
TABLE = QualifiedName("public", "t")


def _dump(db: TestDB, tmp_path: Path) -> Path:
    db.execute(SCHEMA)
    out = tmp_path / "t.sql.zst"
    pgsnap.dump("t", dsn=db.dsn, output=out)
    return out


def _next(db: TestDB) -> list[tuple[Any, ...]]:
    """What the source's defaults give next (a new session: the cache of 3 starts anew)."""
    return db.execute("SELECT nextval('app.ticket'), nextval('shared')")


def _sequence_deps(out: Path) -> list[dict[str, Any]]:
    with archive.ArchiveReader.open(out) as reader:
        deps: list[dict[str, Any]] = reader.manifest_json["dependencies"]
    return [d for d in deps if d["kind"] == "sequence"]


def test_standalone_sequences_travel_and_continue(db: TestDB, tmp_path: Path) -> None:
    out = _dump(db, tmp_path)
    deps = _sequence_deps(out)
    assert [(d["schema"], d["name"]) for d in deps] == [("app", "ticket"), ("public", "shared")]
    assert all("OWNED BY" not in d["ddl"] for d in deps)  # shared is other's, not t's
    target = db.make_db()
    pgsnap.load(out, dsn=target.dsn)
    assert content_md5(target.dsn, "t") == content_md5(db.dsn, "t")
    source = schema_dump(db.server, db.name, [TABLE])
    assert schema_dump(db.server, target.name, [TABLE]) == source
    options = "SELECT data_type, start_value, increment_by, min_value, max_value, cache_size, cycle"
    query = options + " FROM pg_sequences WHERE sequencename = 'ticket'"
    assert target.execute(query) == db.execute(query)
    # nextval continues from the dumped value, in the copy as in the source
    insert = "INSERT INTO t (note) VALUES ('next') RETURNING id, n"
    assert target.execute(insert) == db.execute(insert)
    assert target.execute("SELECT n FROM t WHERE note = 'next'") == [(8,)]


def test_existing_sequence_keeps_its_value(db: TestDB, tmp_path: Path) -> None:
    out = _dump(db, tmp_path)
    target = db.make_db()
    target.execute(
        "CREATE SCHEMA app; CREATE SEQUENCE app.ticket AS integer START WITH 100 INCREMENT BY 5 "
        "MINVALUE 50 MAXVALUE 100000 CACHE 3 CYCLE; SELECT setval('app.ticket', 5000);"
        "CREATE SEQUENCE shared; SELECT setval('shared', 70)"
    )
    res = cli("load", str(out), "--dsn", target.dsn)
    assert res.exit_code == 0, res.output
    assert "sequence" not in res.output
    assert target.execute("SELECT last_value FROM app.ticket") == [(5000,)]
    assert target.execute("INSERT INTO t (note) VALUES ('x') RETURNING id, n") == [(5005, 71)]


def test_sequence_with_another_definition_is_refused(db: TestDB, tmp_path: Path) -> None:
    out = _dump(db, tmp_path)
    target = db.make_db()
    target.execute("CREATE SCHEMA app; CREATE SEQUENCE app.ticket INCREMENT BY 7")
    res = cli("load", str(out), "--dsn", target.dsn)
    assert res.exit_code != 0
    assert 'sequence "app"."ticket" exists with a different definition' in res.output
    assert target.execute("SELECT to_regclass('public.t') IS NULL") == [(True,)]


def test_renamed_table_keeps_calling_the_sequence(db: TestDB, tmp_path: Path) -> None:
    out = _dump(db, tmp_path)
    target = db.make_db()
    target.execute("CREATE SCHEMA archive")
    res = cli("load", str(out), "--dsn", target.dsn, "--as", "archive.t2")
    assert res.exit_code == 0, res.output
    assert content_md5(target.dsn, "t2", "archive") == content_md5(db.dsn, "t")
    default = (
        "SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef "
        "WHERE adrelid = 'archive.t2'::regclass AND adnum = 1"
    )
    assert target.execute(default) == [("nextval('app.ticket'::regclass)",)]
    assert target.execute("SELECT to_regclass('app.ticket') IS NOT NULL") == [(True,)]
    insert = "INSERT INTO archive.t2 (note) VALUES ('x') RETURNING id, n"
    assert target.execute(insert) == _next(db)


def test_psql_script_creates_the_sequence(db: TestDB, tmp_path: Path) -> None:
    out = _dump(db, tmp_path)
    script = subprocess.run(["zstd", "-dc", str(out)], capture_output=True, check=True).stdout
    target = db.make_db()
    db.server.run_client(
        "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", dbname=target.name, stdin=script
    )
    assert content_md5(target.dsn, "t") == content_md5(db.dsn, "t")
    assert target.execute("INSERT INTO t (note) VALUES ('x') RETURNING id, n") == _next(db)
    # a second database that has the sequence already: its value stays
    again = db.make_db()
    again.execute("CREATE SCHEMA app; CREATE SEQUENCE shared; SELECT setval('shared', 70)")
    db.server.run_client(
        "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", dbname=again.name, stdin=script
    )
    assert again.execute("SELECT last_value FROM shared") == [(70,)]


def _drop_table_default(meta: dict[str, Any]) -> None:
    """Keep the sequence dependency but remove the default that names it."""
    default = """ DEFAULT "nextval"('"app"."ticket"'::"regclass")"""
    for t in meta["tables"]:
        t["pre_data"] = [s.replace(default, "") for s in t["pre_data"]]


def _owned_by(meta: dict[str, Any]) -> None:
    for d in meta["dependencies"]:
        if d.get("kind") == "sequence" and d["name"] == "ticket":
            d["ddl"] += " OWNED BY public.other.id"


def _other_setval(meta: dict[str, Any]) -> None:
    for d in meta["dependencies"]:
        if d.get("kind") == "sequence" and d["name"] == "ticket":
            d["setval"] = "SELECT pg_catalog.setval('public.shared', 1, true)"


@pytest.mark.parametrize(
    "mutate", [_drop_table_default, _owned_by, _other_setval], ids=["unused", "owned", "setval"]
)
def test_tampered_sequence_dependency_is_refused(db: TestDB, tmp_path: Path, mutate: Any) -> None:
    good = _dump(db, tmp_path)
    bad = tmp_path / "bad.sql.zst"
    rewrite(good, bad, mutate)
    target = db.make_db()
    with pytest.raises(UnsafeStatementError, match="refusing the archive"):
        pgsnap.load(bad, dsn=target.dsn)
    assert target.execute("SELECT count(*) FROM pg_class WHERE relname IN ('t', 'ticket')") == [
        (0,)
    ]


def test_dump_all_carries_standalone_sequences(db: TestDB, tmp_path: Path) -> None:
    db.execute(SCHEMA)
    out = tmp_path / "all.sql.zst"
    res = cli("dump", "--all", "--dsn", db.dsn, "-o", str(out))
    assert res.exit_code == 0, res.output
    target = db.make_db()
    res = cli("load", str(out), "--dsn", target.dsn)
    assert res.exit_code == 0, res.output
    assert target.execute("INSERT INTO t (note) VALUES ('x') RETURNING id, n") == _next(db)
