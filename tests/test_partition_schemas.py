"""Partitions in another schema than their parent's: dumped (one table or --all), loaded (one
worker, -j 2, the psql script), and renamed with --as (README: partitions and --as)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from fidelity_oracle import schema_dump
from helpers import cli, content_md5, exists
from pgservers import TestDB

import pgsnap
from pgsnap import archive
from pgsnap.model import QualifiedName

SPREAD = """
CREATE SCHEMA side;
CREATE TABLE spread (id int, day date NOT NULL, city text, PRIMARY KEY (id, day, city))
  PARTITION BY RANGE (day);
CREATE TABLE spread_2024 PARTITION OF spread FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE side.spread_2025 PARTITION OF spread FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')
  PARTITION BY LIST (city);
CREATE TABLE side.spread_2025_oslo PARTITION OF side.spread_2025 FOR VALUES IN ('oslo');
CREATE TABLE spread_2025_rest PARTITION OF side.spread_2025 DEFAULT;
CREATE INDEX spread_city_idx ON spread (city);
CREATE INDEX spread_2025_oslo_id_idx ON side.spread_2025_oslo (id);
ALTER TABLE side.spread_2025_oslo ADD CONSTRAINT spread_oslo_positive CHECK (id > 0);
COMMENT ON TABLE side.spread_2025_oslo IS 'in the side schema';
INSERT INTO spread SELECT g, date '2024-06-01' + (g % 400), (ARRAY['oslo', 'rome'])[1 + g % 2]
  FROM generate_series(1, 4000) g;
"""
FAMILY = (
    QualifiedName("public", "spread"),
    QualifiedName("public", "spread_2024"),
    QualifiedName("side", "spread_2025"),
    QualifiedName("side", "spread_2025_oslo"),
    QualifiedName("public", "spread_2025_rest"),
)
BY_PARTITION = "SELECT tableoid::regclass::text, count(*) FROM {} GROUP BY 1 ORDER BY 1"


def _dump(db: TestDB, tmp_path: Path) -> Path:
    db.execute(SPREAD)
    out = tmp_path / "spread.sql.zst"
    pgsnap.dump("spread", dsn=db.dsn, output=out)
    return out


def _same_as_source(db: TestDB, target: TestDB) -> None:
    assert schema_dump(target.server, target.name, FAMILY) == schema_dump(
        db.server, db.name, FAMILY
    )
    query = BY_PARTITION.format("spread")
    assert target.execute(query) == db.execute(query)
    assert content_md5(target.dsn, "spread") == content_md5(db.dsn, "spread")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_partitions_in_two_schemas_round_trip(db: TestDB, tmp_path: Path, jobs: str) -> None:
    out = _dump(db, tmp_path)
    with archive.ArchiveReader.open(out) as reader:
        parts = reader.manifest_json["tables"][0]["owned"]["partitions"]
    assert [p.get("schema", "") for p in parts] == ["", "side", "side", ""]
    target = db.make_db()  # schema side is created by the load
    res = cli("load", str(out), "--dsn", target.dsn, "-j", jobs)
    assert res.exit_code == 0, res.output
    _same_as_source(db, target)


def test_partitions_in_two_schemas_through_psql(db: TestDB, tmp_path: Path) -> None:
    out = _dump(db, tmp_path)
    script = subprocess.run(["zstd", "-dc", str(out)], capture_output=True, check=True).stdout
    target = db.make_db()
    db.server.run_client(
        "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", dbname=target.name, stdin=script
    )
    _same_as_source(db, target)


def test_replace_in_parallel_swaps_partitions_in_both_schemas(db: TestDB, tmp_path: Path) -> None:
    out = _dump(db, tmp_path)
    before = schema_dump(db.server, db.name, FAMILY)
    db.execute("DELETE FROM spread WHERE city = 'oslo'")
    res = cli("load", str(out), "--dsn", db.dsn, "--replace", "-j", "2")
    assert res.exit_code == 0, res.output
    assert schema_dump(db.server, db.name, FAMILY) == before
    assert db.execute("SELECT count(*) FROM spread") == [(4000,)]
    assert db.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'pgsnap_stage%'") == [(0,)]


RELATIONS = """
SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relname LIKE '%%copy%%' AND c.relkind IN ('r', 'p', 'i', 'I') ORDER BY 1, 2
"""


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_renamed_into_another_schema(db: TestDB, tmp_path: Path, jobs: str) -> None:
    """Partitions of the parent's schema follow it into archive; those of side stay there;
    all take the new table name."""
    out = _dump(db, tmp_path)
    db.execute("CREATE SCHEMA archive")
    res = cli("load", str(out), "--dsn", db.dsn, "--as", "archive.copy", "-j", jobs)
    assert res.exit_code == 0, res.output
    assert db.execute(RELATIONS) == [
        ("archive", "copy"),
        ("archive", "copy_2024"),
        ("archive", "copy_2024_city_idx"),
        ("archive", "copy_2024_pkey"),
        ("archive", "copy_2025_rest"),
        ("archive", "copy_2025_rest_city_idx"),
        ("archive", "copy_2025_rest_pkey"),
        ("archive", "copy_city_idx"),
        ("archive", "copy_pkey"),
        ("side", "copy_2025"),
        ("side", "copy_2025_city_idx"),
        ("side", "copy_2025_oslo"),
        ("side", "copy_2025_oslo_city_idx"),
        ("side", "copy_2025_oslo_id_idx"),
        ("side", "copy_2025_oslo_pkey"),
        ("side", "copy_2025_pkey"),
    ]
    query = "SELECT count(*) FROM {}"
    for old, new in [
        ("spread_2024", "archive.copy_2024"),
        ("side.spread_2025_oslo", "side.copy_2025_oslo"),
    ]:
        assert db.execute(query.format(new)) == db.execute(query.format(old))
    assert content_md5(db.dsn, "copy", "archive") == content_md5(db.dsn, "spread")
    assert exists(db.dsn, "side.copy_2025_oslo_id_idx")
    assert db.execute("SELECT obj_description('side.copy_2025_oslo'::regclass)") == [
        ("in the side schema",)
    ]
    assert db.execute(BY_PARTITION.format("spread")) == [  # the source, untouched
        ("side.spread_2025_oslo", 930),
        ("spread_2024", 2140),
        ("spread_2025_rest", 930),
    ]


def test_dump_all_with_partitions_in_another_schema(db: TestDB, tmp_path: Path) -> None:
    db.execute(SPREAD + "CREATE TABLE kept (id int); INSERT INTO kept VALUES (1);")
    out = tmp_path / "all.sql.zst"
    res = cli("dump", "--all", "--dsn", db.dsn, "-o", str(out))
    assert res.exit_code == 0, res.output
    target = db.make_db()
    res = cli("load", str(out), "--dsn", target.dsn, "-j", "2")
    assert res.exit_code == 0, res.output
    _same_as_source(db, target)
    assert target.execute("SELECT count(*) FROM kept") == [(1,)]
