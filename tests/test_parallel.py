"""Parallel dump and load: one snapshot, the same rows as a serial dump, atomic restores."""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest
from helpers import cli, content_md5, exists
from pgservers import TestDB

import pgsnap
from pgsnap import archive
from pgsnap.backup.chunks import Chunk, plan_chunks
from pgsnap.config import resolve
from pgsnap.connection import apply_session_settings, connect
from pgsnap.progress import Event
from pgsnap.restore.staged import remove_orphans

ACCOUNTS = """
CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL, pad text NOT NULL);
INSERT INTO accounts SELECT g, 1000, repeat(md5(g::text), 6) FROM generate_series(1, 20000) g;
CREATE INDEX accounts_balance_idx ON accounts (balance);
CREATE INDEX accounts_pad_idx ON accounts (pad);
"""
TOTAL = 20000 * 1000
CHUNK_PAGES = 16  # small chunks so a small test table still splits into many ranges


class Writer(threading.Thread):
    """Moves money between accounts, inserts and deletes rows: the total never changes."""

    def __init__(self, dsn: str) -> None:
        super().__init__(daemon=True)
        self.dsn = dsn
        self.stop = threading.Event()
        self.commits = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        rnd = random.Random(7)
        next_id = 100_000
        try:
            with psycopg.connect(self.dsn, autocommit=True) as conn:
                while not self.stop.is_set() and self.commits < 200_000:
                    a, b, amount = rnd.randint(1, 20000), rnd.randint(1, 20000), rnd.randint(1, 50)
                    with conn.transaction():
                        conn.execute(
                            "UPDATE accounts SET balance = balance - %s WHERE id = %s", (amount, a)
                        )
                        conn.execute(
                            "UPDATE accounts SET balance = balance + %s WHERE id = %s", (amount, b)
                        )
                        conn.execute("INSERT INTO accounts VALUES (%s, 0, 'new')", (next_id,))
                        conn.execute(
                            "DELETE FROM accounts WHERE id = %s AND balance = 0", (next_id - 3,)
                        )
                    next_id += 1
                    self.commits += 1
        except BaseException as exc:
            self.error = exc


def _restore_md5(db: TestDB, path: Path, jobs: int = 1) -> tuple[tuple[int, str], int]:
    target = db.make_db()
    pgsnap.load(str(path), dsn=target.dsn, jobs=jobs)
    total = target.execute("SELECT sum(balance) FROM accounts")[0][0]
    return content_md5(target.dsn, "accounts"), int(total)


def test_parallel_dump_equals_serial_dump_of_the_same_snapshot(db: TestDB, tmp_path: Path) -> None:
    db.execute(ACCOUNTS)
    writer = Writer(db.dsn)
    writer.start()
    try:
        while writer.commits < 20:
            time.sleep(0.01)
        with psycopg.connect(db.dsn) as holder:
            holder.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
            snap = holder.execute("SELECT pg_export_snapshot()").fetchone()[0]  # type: ignore[index]
            expected_rows = holder.execute("SELECT count(*) FROM accounts").fetchone()[0]  # type: ignore[index]
            commits_before = writer.commits
            par = pgsnap.dump(
                "accounts",
                dsn=db.dsn,
                output=tmp_path / "par.sql.zst",
                jobs=4,
                snapshot=snap,
                chunk_pages=CHUNK_PAGES,
            )
            ser = pgsnap.dump(
                "accounts", dsn=db.dsn, output=tmp_path / "ser.sql.zst", jobs=1, snapshot=snap
            )
            assert writer.commits > commits_before  # the writer really ran during the dumps
    finally:
        writer.stop.set()
        writer.join()
    assert writer.error is None
    assert par.rows == ser.rows == expected_rows
    with archive.ArchiveReader.open(tmp_path / "par.sql.zst") as reader:
        assert sum(f.kind == "data" for f in reader.frames) >= 8  # many chunks, many frames
    par_md5, par_total = _restore_md5(db, tmp_path / "par.sql.zst", jobs=2)
    ser_md5, ser_total = _restore_md5(db, tmp_path / "ser.sql.zst")
    assert par_md5 == ser_md5
    assert par_total == ser_total == TOTAL


def test_parallel_dump_under_writes_is_a_consistent_snapshot(db: TestDB, tmp_path: Path) -> None:
    db.execute(ACCOUNTS)
    writer = Writer(db.dsn)
    writer.start()
    try:
        while writer.commits < 20:
            time.sleep(0.01)
        result = pgsnap.dump(
            "accounts", dsn=db.dsn, output=tmp_path / "a.sql.gz", jobs=3, chunk_pages=CHUNK_PAGES
        )
    finally:
        writer.stop.set()
        writer.join()
    assert writer.error is None and result.rows >= 20000
    _, total = _restore_md5(db, tmp_path / "a.sql.gz", jobs=3)
    assert total == TOTAL  # only a single consistent snapshot keeps the sum


@pytest.mark.parametrize("kind", ["process", "thread"])
def test_parallel_round_trip_matches_serial(db: TestDB, tmp_path: Path, kind: str) -> None:
    db.execute(ACCOUNTS + "COMMENT ON INDEX accounts_pad_idx IS 'pad';")
    source = content_md5(db.dsn, "accounts")
    pgsnap.dump(
        "accounts",
        dsn=db.dsn,
        output=tmp_path / "p.sql.zst",
        jobs=2,
        chunk_pages=CHUNK_PAGES,
        worker_kind=kind,
    )
    target = db.make_db()
    res = pgsnap.load(str(tmp_path / "p.sql.zst"), dsn=target.dsn, jobs=3, worker_kind=kind)
    assert res.rows == 20000 and res.mode == "created"
    assert content_md5(target.dsn, "accounts") == source
    idx = {
        r[0]
        for r in target.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'accounts'")
    }
    assert idx == {"accounts_pkey", "accounts_balance_idx", "accounts_pad_idx"}
    assert target.execute("SELECT obj_description('accounts_pad_idx'::regclass)") == [("pad",)]
    assert target.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'pgsnap_stage%'") == [
        (0,)
    ]


def test_parallel_load_replace_and_failure_keep_the_old_table(db: TestDB, tmp_path: Path) -> None:
    db.execute(ACCOUNTS)
    out = tmp_path / "p.sql.zst"
    pgsnap.dump("accounts", dsn=db.dsn, output=out, jobs=2, chunk_pages=CHUNK_PAGES)
    db.execute("DELETE FROM accounts WHERE id > 100")
    res = cli("load", str(out), "--dsn", db.dsn, "--replace", "-j", "2")
    assert res.exit_code == 0, res.output
    assert db.execute("SELECT count(*) FROM accounts") == [(20000,)]
    db.execute("DELETE FROM accounts WHERE id > 100")
    data = bytearray(out.read_bytes())
    with archive.ArchiveReader.open(out) as reader:
        frame = [f for f in reader.frames if f.kind == "data"][-1]
    data[frame.offset + frame.length // 2] ^= 0xFF
    out.write_bytes(bytes(data))
    res = cli("load", str(out), "--dsn", db.dsn, "--replace", "-j", "2")
    assert res.exit_code == 5 and "frame" in res.stderr
    assert db.execute("SELECT count(*) FROM accounts") == [(100,)]
    assert db.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'pgsnap_stage%'") == [(0,)]
    res = cli("load", str(out), "--dsn", db.dsn, "-j", "2")
    assert res.exit_code == 6  # exists, no mode given: refused before anything runs


def test_killed_parallel_load_leaves_a_staging_table_the_next_load_removes(
    db: TestDB, tmp_path: Path
) -> None:
    db.execute(
        "CREATE TABLE big AS SELECT g AS id, repeat(md5(g::text), 8) AS pad "
        "FROM generate_series(1, 400000) g"
    )
    out = tmp_path / "big.sql.zst"
    pgsnap.dump("big", dsn=db.dsn, output=out)
    target = db.make_db()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pgsnap", "load", str(out), "--dsn", target.dsn, "-j", "2"],
        stderr=subprocess.PIPE,
        env=env,
    )
    deadline = time.monotonic() + 120
    while not target.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgsnap' AND datname = current_database() "
        "AND query LIKE 'COPY %%pgsnap_stage%%' AND state = 'active'"
    )[0][0]:
        assert proc.poll() is None and time.monotonic() < deadline, "no worker COPY was seen"
        time.sleep(0.02)
    proc.kill()  # kill -9 of the leader
    proc.communicate(timeout=60)
    while target.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgsnap' AND datname = current_database()"
    )[0][0]:
        assert time.monotonic() < deadline, "workers outlived their leader"
        time.sleep(0.1)
    left = target.execute(
        "SELECT relname FROM pg_class WHERE relname LIKE 'pgsnap_stage%' AND relkind = 'r'"
    )
    assert len(left) == 1 and not exists(target.dsn, "big")
    res = cli("load", str(out), "--dsn", target.dsn, "-j", "2")
    assert res.exit_code == 0, res.output
    assert f"removed public.{left[0][0]}, left by an interrupted load" in res.stderr
    assert target.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'pgsnap_stage%'") == [
        (0,)
    ]
    assert content_md5(target.dsn, "big") == content_md5(db.dsn, "big")


def test_cli_parallel_dump_reports_its_workers(db: TestDB, tmp_path: Path) -> None:
    db.execute(
        "CREATE TABLE wide AS SELECT g AS id, repeat('x', 2000) AS pad FROM generate_series(1, 40000) g"
    )
    res = cli("dump", "wide", "--dsn", db.dsn, "-o", str(tmp_path / "w.sql.zst"), "-j", "2")
    assert res.exit_code == 0, res.output
    assert "2 workers" in res.stderr and "chunks" in res.stderr
    with archive.ArchiveReader.open(tmp_path / "w.sql.zst") as reader:
        assert reader.manifest_json["rows"] == [40000]


def test_parallel_dump_to_stdout_and_stream_load(db: TestDB, tmp_path: Path) -> None:
    db.execute(ACCOUNTS)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    dumped = subprocess.run(
        [sys.executable, "-m", "pgsnap", "dump", "accounts", "--dsn", db.dsn, "-o", "-", "-j", "2"],
        capture_output=True,
        env=env,
        timeout=300,
    )
    assert dumped.returncode == 0, dumped.stderr
    target = db.make_db()
    loaded = subprocess.run(
        [sys.executable, "-m", "pgsnap", "load", "-", "--dsn", target.dsn, "-j", "2"],
        input=dumped.stdout,
        capture_output=True,
        env=env,
        timeout=300,
    )
    assert loaded.returncode == 0, loaded.stderr
    assert content_md5(target.dsn, "accounts") == content_md5(db.dsn, "accounts")


def test_orphan_cleanup_leaves_the_partitions_of_a_running_load_alone(db: TestDB) -> None:
    """A staged partitioned load names its partitions after its staging table; the next
    load's cleanup must take only unlocked staging tables, never their partitions."""
    db.execute(
        "CREATE TABLE pgsnap_stage_0a0a0a0a (id int) PARTITION BY RANGE (id);"
        "CREATE TABLE pgsnap_stage_0a0a0a0a_p1 PARTITION OF pgsnap_stage_0a0a0a0a "
        "FOR VALUES FROM (0) TO (10);"
        "CREATE TABLE pgsnap_stage_0b0b0b0b (id int)"  # an orphan: nobody holds its lock
    )
    with db.connect() as running:  # the running load's session holds its table's lock
        running.execute(
            "SELECT pg_advisory_lock(%s, hashtext('public.pgsnap_stage_0a0a0a0a'))",
            (0x70677370,),
        )
        with connect(resolve(db.dsn), autocommit=True) as conn:
            apply_session_settings(conn)
            removed = remove_orphans(conn, lambda _event: None)
    assert removed == ["public.pgsnap_stage_0b0b0b0b"]
    left = db.execute("SELECT relname FROM pg_class WHERE relname LIKE 'pgsnap_stage%' ORDER BY 1")
    assert left == [("pgsnap_stage_0a0a0a0a",), ("pgsnap_stage_0a0a0a0a_p1",)]


# values of random hex (md5s of random numbers): pglz cannot shrink them, so they go out of
# line to TOAST, and the heap holds only the row headers and TOAST pointers
TOAST_HEAVY = """
CREATE TABLE docs (id int PRIMARY KEY, body text NOT NULL, meta jsonb);
INSERT INTO docs
SELECT g, (SELECT string_agg(md5(random()::text || i), '') FROM generate_series(1, 150 + g % 50) i),
       jsonb_build_object('id', g, 'blob',
           (SELECT string_agg(md5(random()::text || i), '') FROM generate_series(1, 100) i))
FROM generate_series(1, 600) g;
"""
TOAST_CHUNK_PAGES = 64  # chunks of about 512 KiB, so that a few MiB of TOAST split


def test_toast_heavy_table_dumps_in_several_chunks_and_round_trips(
    db: TestDB, tmp_path: Path
) -> None:
    db.execute(TOAST_HEAVY)
    heap, toast = db.execute(
        "SELECT pg_relation_size(oid), pg_relation_size(reltoastrelid) FROM pg_class"
        " WHERE oid = 'docs'::regclass"
    )[0]  # (the TOAST table's main fork, as catalog/queries/table.sql reads it)
    pages = -(-int(heap) // 8192)
    assert toast > 20 * heap  # the rows really are out of line
    version = int(db.execute("SELECT current_setting('server_version_num')::int")[0][0])
    by_heap = plan_chunks(pages, 2, version, min_chunk_pages=TOAST_CHUNK_PAGES)
    assert by_heap.chunks == (Chunk(),)  # by heap pages alone, the table would not split
    events: list[Event] = []
    out = tmp_path / "docs.sql.zst"
    res = pgsnap.dump(
        "docs", dsn=db.dsn, output=out, jobs=2, chunk_pages=TOAST_CHUNK_PAGES,
        progress=events.append,
    )  # fmt: skip
    assert res.rows == 600
    start = next(e for e in events if e.kind == "start")
    chunks = plan_chunks(
        pages, 2, version, min_chunk_pages=TOAST_CHUNK_PAGES, toast_bytes=int(toast)
    ).chunks
    assert len(chunks) >= 3 and f"in {len(chunks)} chunks" in (start.message or "")
    with archive.ArchiveReader.open(out) as reader:
        assert sum(f.kind == "data" for f in reader.frames) >= len(chunks)  # a frame a chunk
    target = db.make_db()
    loaded = pgsnap.load(str(out), dsn=target.dsn, jobs=2)
    assert loaded.rows == 600
    assert content_md5(target.dsn, "docs") == content_md5(db.dsn, "docs")


def test_toast_heavy_partition_splits_and_round_trips(db: TestDB, tmp_path: Path) -> None:
    db.execute(
        "CREATE TABLE parted (id int, body text) PARTITION BY RANGE (id);"
        "CREATE TABLE parted_small PARTITION OF parted FOR VALUES FROM (0) TO (1000);"
        "CREATE TABLE parted_toast PARTITION OF parted FOR VALUES FROM (1000) TO (2000);"
        "INSERT INTO parted SELECT g, 'row ' || g FROM generate_series(0, 99) g;"
        "INSERT INTO parted SELECT g, (SELECT string_agg(md5(random()::text || i), '')"
        " FROM generate_series(1, 200) i) FROM generate_series(1000, 1599) g;"
    )
    events: list[Event] = []
    out = tmp_path / "parted.sql.zst"
    pgsnap.dump(
        "parted", dsn=db.dsn, output=out, jobs=2, chunk_pages=TOAST_CHUNK_PAGES,
        progress=events.append,
    )  # fmt: skip
    start = next(e for e in events if e.kind == "start")
    found = re.search(r"2 partitions in (\d+) chunks", start.message or "")
    assert found and int(found.group(1)) >= 3  # the TOAST-heavy leaf split by its TOAST
    with archive.ArchiveReader.open(out) as reader:
        leaves = {p.name: p for p in reader.header.tables[0].owned.partitions}
    assert leaves["parted_toast"].toast_bytes > 0 and leaves["parted_small"].toast_bytes == 0
    target = db.make_db()
    pgsnap.load(str(out), dsn=target.dsn, jobs=2)
    assert content_md5(target.dsn, "parted") == content_md5(db.dsn, "parted")
