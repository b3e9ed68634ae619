"""--where (incremental exports), --schema-only and --data-only, for dump and load."""

from __future__ import annotations

import subprocess
from pathlib import Path

from helpers import cli, content_md5, exists
from pgservers import TestDB

import pgsnap
from pgsnap import archive

EVENTS = """
CREATE TABLE events (id bigserial PRIMARY KEY, created_at timestamptz NOT NULL, kind text);
CREATE INDEX events_created_idx ON events (created_at);
INSERT INTO events (created_at, kind)
  SELECT now() - g * interval '1 day', 'k' || (g % 3) FROM generate_series(1, 30) g;
"""


def test_where_dumps_matching_rows_and_loads_append(db: TestDB, tmp_path: Path) -> None:
    db.execute(EVENTS)
    out = tmp_path / "recent.sql.zst"
    res = cli(
        "dump",
        "events",
        "--dsn",
        db.dsn,
        "-o",
        str(out),
        "--where",
        "created_at > now() - interval '7 days'",
    )
    assert res.exit_code == 0, res.output
    assert "6 rows" in res.stderr
    with archive.ArchiveReader.open(out) as reader:
        assert (
            reader.manifest_json["tables"][0]["where"] == "created_at > now() - interval '7 days'"
        )
        assert reader.manifest_json["rows"] == [6]
    target = db.make_db()
    assert cli("load", str(out), "--dsn", target.dsn).exit_code == 0  # new table: created
    assert target.execute("SELECT count(*) FROM events") == [(6,)]
    db.execute("DELETE FROM events WHERE created_at > now() - interval '7 days'")
    res = cli("load", str(out), "--dsn", db.dsn)  # existing table: a filtered archive appends
    assert res.exit_code == 0, res.output
    assert res.stderr.splitlines()[-1].startswith("appended public.events: 6 rows")
    assert db.execute("SELECT count(*) FROM events") == [(30,)]


def test_bad_where_gives_a_clear_error_and_no_file(db: TestDB, tmp_path: Path) -> None:
    db.execute(EVENTS)
    for condition, code, words in (
        ("created_at >", 2, "not a valid condition"),
        ("no_such_column = 1", 8, 'column "no_such_column" does not exist'),
        ("1=1) TO PROGRAM 'touch /tmp/pwned' --", 2, "not a valid condition"),
        ("true) UNION (SELECT 1", 2, "single condition"),
    ):
        res = cli(
            "dump", "events", "--dsn", db.dsn, "--output-dir", str(tmp_path), "--where", condition
        )
        assert res.exit_code == code, (condition, res.output)
        assert words in res.stderr
        assert list(tmp_path.iterdir()) == []
    res = cli("dump", "events", "events", "--dsn", db.dsn, "--where", "true")
    assert res.exit_code == 2


def test_schema_only_and_data_only_round_trip(db: TestDB, tmp_path: Path) -> None:
    db.execute(EVENTS)
    schema = tmp_path / "schema.sql.zst"
    data = tmp_path / "data.sql.gz"
    pgsnap.dump("events", dsn=db.dsn, output=schema, schema_only=True)
    pgsnap.dump("events", dsn=db.dsn, output=data, data_only=True)
    target = db.make_db()
    res = cli("load", str(data), "--dsn", target.dsn)
    assert res.exit_code == 4 and "needs an existing table" in res.stderr
    assert pgsnap.load(str(schema), dsn=target.dsn).rows == 0
    assert target.execute("SELECT count(*) FROM events") == [(0,)]
    assert target.execute(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'events' ORDER BY 1"
    ) == [("events_created_idx",), ("events_pkey",)]
    assert pgsnap.load(str(data), dsn=target.dsn).mode == "appended"
    assert content_md5(target.dsn, "events") == content_md5(db.dsn, "events")
    # the sequence value travels with the data
    assert target.execute("SELECT nextval('events_id_seq')") == [(31,)]


def test_schema_only_and_data_only_files_are_psql_scripts(db: TestDB, tmp_path: Path) -> None:
    db.execute(EVENTS)
    pgsnap.dump("events", dsn=db.dsn, output=tmp_path / "s.sql.zst", schema_only=True)
    pgsnap.dump("events", dsn=db.dsn, output=tmp_path / "d.sql.zst", data_only=True)
    target = db.make_db()
    for name in ("s", "d"):
        script = subprocess.run(
            ["zstd", "-dc", str(tmp_path / f"{name}.sql.zst")], capture_output=True, check=True
        ).stdout
        db.server.run_client("psql", "-X", "-q", dbname=target.name, stdin=script)
    assert content_md5(target.dsn, "events") == content_md5(db.dsn, "events")


def test_load_flags_schema_only_and_data_only(db: TestDB, tmp_path: Path) -> None:
    db.execute(EVENTS)
    full = tmp_path / "full.sql.zst"
    pgsnap.dump("events", dsn=db.dsn, output=full)
    target = db.make_db()
    res = cli("load", str(full), "--dsn", target.dsn, "--schema-only")
    assert res.exit_code == 0, res.output
    assert target.execute("SELECT count(*) FROM events") == [(0,)]
    res = cli("load", str(full), "--dsn", target.dsn, "--data-only")
    assert res.exit_code == 0, res.output
    assert content_md5(target.dsn, "events") == content_md5(db.dsn, "events")
    res = cli("load", str(full), "--dsn", target.dsn, "--schema-only", "--data-only")
    assert res.exit_code == 2
    assert not exists(target.dsn, "pgsnap_stage")
