"""What load does when the target exists, and that every failure leaves the database as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import DECOYS, EDGE_TABLE, cli, content_md5, exists
from pgservers import TestDB

import pgsnap
from pgsnap import archive


def _dump(db: TestDB, tmp_path: Path, table: str = "edge", ext: str = ".sql.zst") -> Path:
    out = tmp_path / f"{table}{ext}"
    pgsnap.dump(table, dsn=db.dsn, output=out)
    return out


def corrupt_last_data_frame(path: Path) -> None:
    """Flip a byte in the middle of the last data frame, keeping the footer intact."""
    with archive.ArchiveReader.open(path) as reader:
        frame = [f for f in reader.frames if f.kind == "data"][-1]
    data = bytearray(path.read_bytes())
    pos = frame.offset + frame.length // 2
    data[pos] ^= 0xFF
    path.write_bytes(bytes(data))


def test_existing_target_is_refused_by_default(db: TestDB, tmp_path: Path) -> None:
    db.execute(EDGE_TABLE)
    out = _dump(db, tmp_path)
    res = cli("load", str(out), "--dsn", db.dsn)
    assert res.exit_code == 6
    assert '"public.edge" already exists' in res.stderr
    assert (
        "--drop-existing" in res.stderr and "--replace" in res.stderr and "--append" in res.stderr
    )


def test_drop_existing_and_cascade(db: TestDB, tmp_path: Path) -> None:
    db.execute(EDGE_TABLE)
    out = _dump(db, tmp_path)
    db.execute("DELETE FROM edge WHERE id > 2; CREATE VIEW edge_v AS SELECT id FROM edge")
    res = cli("load", str(out), "--dsn", db.dsn, "--drop-existing")
    assert res.exit_code == 6 and "view public.edge_v" in res.stderr  # needs --cascade
    assert db.execute("SELECT count(*) FROM edge") == [(2,)]
    res = cli("load", str(out), "--dsn", db.dsn, "--drop-existing", "--cascade")
    assert res.exit_code == 0, res.output
    assert db.execute("SELECT count(*) FROM edge") == [(5,)]
    assert not exists(db.dsn, "edge_v")


def test_append_needs_yes_when_not_interactive(db: TestDB, tmp_path: Path) -> None:
    db.execute(EDGE_TABLE)
    out = _dump(db, tmp_path)
    db.execute("CREATE TABLE edge2 (LIKE edge)")
    res = cli("load", str(out), "--dsn", db.dsn, "--as", "edge2", "--append")
    assert res.exit_code == 2 and "--yes" in res.stderr
    assert db.execute("SELECT count(*) FROM edge2") == [(0,)]
    res = cli("load", str(out), "--dsn", db.dsn, "--as", "edge2", "--append", "--yes")
    assert res.exit_code == 0, res.output
    res = cli("load", str(out), "--dsn", db.dsn, "--as", "edge2", "--append", "--yes")
    assert res.exit_code == 0, res.output
    assert db.execute("SELECT count(*) FROM edge2") == [(10,)]


def test_replace_swaps_and_keeps_names(db: TestDB, tmp_path: Path) -> None:
    db.execute(DECOYS)
    out = _dump(db, tmp_path, "papers")
    db.execute("DELETE FROM papers WHERE parent_id IS NOT NULL AND id > 300")
    res = cli("load", str(out), "--dsn", db.dsn, "--replace")
    assert res.exit_code == 0, res.output
    assert db.execute("SELECT count(*) FROM papers") == [(500,)]
    idx = {r[0] for r in db.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'papers'")}
    assert idx == {"papers_pkey", "idx_papers_title", "papers_count_idx"}
    assert exists(db.dsn, "papers_legacy_no_seq") and exists(db.dsn, "papers_id_seq")
    assert db.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'pgsnap_stage%'") == [(0,)]
    assert db.execute("SELECT pg_get_serial_sequence('papers', 'legacy_no')") == [
        ("public.papers_legacy_no_seq",)
    ]


@pytest.mark.parametrize("mode", [[], ["--replace"], ["--drop-existing"], ["--append", "--yes"]])
def test_corrupt_frame_changes_nothing(db: TestDB, tmp_path: Path, mode: list[str]) -> None:
    # enough rows for several frames, so the corrupt one comes after rows were already sent
    db.execute(
        "CREATE TABLE big AS SELECT g AS id, repeat(md5(g::text), 8) AS pad "
        "FROM generate_series(1, 60000) g; ALTER TABLE big ADD PRIMARY KEY (id)"
    )
    out = _dump(db, tmp_path, "big")
    with archive.ArchiveReader.open(out) as reader:
        assert sum(f.kind == "data" for f in reader.frames) >= 2
    corrupt_last_data_frame(out)
    target = db.make_db() if not mode else db
    if mode:
        db.execute("DELETE FROM big WHERE id > 10")
    before = content_md5(target.dsn, "big") if mode else None
    res = cli("load", str(out), "--dsn", target.dsn, *mode)
    assert res.exit_code == 5, res.output
    assert "frame" in res.stderr and "byte" in res.stderr
    if mode:
        assert content_md5(target.dsn, "big") == before
    else:
        assert not exists(target.dsn, "big")
    assert target.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'pgsnap_stage%'") == [
        (0,)
    ]


def test_failed_post_data_statement_rolls_back(db: TestDB, tmp_path: Path) -> None:
    db.execute(DECOYS)
    out = _dump(db, tmp_path, "papers")
    target = db.make_db()  # an empty venues table: the FK check fails after the rows loaded
    target.execute("CREATE TABLE venues (id int UNIQUE)")  # (the archive carries the sequence)
    res = cli("load", str(out), "--dsn", target.dsn)
    assert res.exit_code == 8
    assert 'violates foreign key constraint "papers_venue_id_fkey"' in res.stderr
    assert "statement: ALTER TABLE" in res.stderr and "FOREIGN KEY" in res.stderr
    # the server's DETAIL comes through whole
    assert 'detail: Key (venue_id)=(1) is not present in table "venues".' in res.stderr
    assert not exists(target.dsn, "papers") and not exists(target.dsn, "papers_legacy_no_seq")


def test_ctrl_c_during_load_leaves_nothing(db: TestDB, tmp_path: Path) -> None:
    db.execute(EDGE_TABLE)
    out = _dump(db, tmp_path)
    before = content_md5(db.dsn, "edge")
    blocker = db.connect()
    blocker.execute("BEGIN; LOCK TABLE edge IN ACCESS SHARE MODE")  # DROP TABLE will wait on it
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pgsnap", "load", str(out), "--dsn", db.dsn, "--drop-existing"],
        stderr=subprocess.PIPE,
        env=env,
        preexec_fn=_ctrl_c_as_at_a_terminal,
    )
    try:
        _wait_for_lock_wait(db)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:  # a failed test leaves no process (nor its pipe) behind
        proc.kill()
        proc.communicate()
        blocker.close()
    assert proc.returncode == 130, err
    assert b"interrupted" in err
    assert content_md5(db.dsn, "edge") == before


def test_ctrl_c_during_dump_leaves_no_file(db: TestDB, tmp_path: Path) -> None:
    db.execute(
        # 3M rows: seconds of COPY, so the Ctrl-C lands in it on a busy machine too
        "CREATE TABLE big AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 3000000) g"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pgsnap",
            "dump",
            "big",
            "--dsn",
            db.dsn,
            "--output-dir",
            str(tmp_path),
        ],
        stderr=subprocess.PIPE,
        env=env,
        preexec_fn=_ctrl_c_as_at_a_terminal,
    )
    deadline = time.monotonic() + 60
    try:
        while not any(".partial-" in p.name for p in tmp_path.iterdir()):  # rows being written
            assert proc.poll() is None and time.monotonic() < deadline, "no partial file appeared"
            time.sleep(0.005)
        proc.send_signal(signal.SIGINT)
        assert proc.poll() is None or proc.returncode == 130, "the dump ended before the Ctrl-C"
        _, err = proc.communicate(timeout=60)
    finally:  # a failed test leaves no process (nor its pipe) behind
        proc.kill()
        proc.communicate()
    assert proc.returncode == 130, err
    assert list(tmp_path.iterdir()) == []


def _ctrl_c_as_at_a_terminal() -> None:
    """SIGINT as a shell in the foreground leaves it: a test run started in the background
    of a non-interactive shell ignores SIGINT, and its children would inherit that."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wait_for_lock_wait(db: TestDB) -> None:
    """Until a pgsnap session waits on a lock (bounded: 60 s)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        rows = db.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgsnap' AND datname = current_database() "
            "AND wait_event_type = 'Lock' AND query ILIKE 'DROP TABLE%%'"
        )
        if rows[0][0]:
            return
        time.sleep(0.05)
    raise AssertionError("pgsnap never waited on the lock")


def test_one_row_is_a_row(db: TestDB, tmp_path: Path) -> None:
    db.execute("CREATE TABLE single (id int); INSERT INTO single VALUES (1)")
    out = tmp_path / "single.sql.zst"
    res = cli("dump", "single", "--dsn", db.dsn, "-o", str(out))
    assert res.exit_code == 0 and ", 1 row in " in res.output, res.output
    res = cli("load", str(out), "--dsn", db.dsn, "--as", "single_copy")
    assert res.exit_code == 0 and ": 1 row in " in res.output, res.output
