"""pgsnap copy under faults: the source's or the target's backend terminated mid-copy, a row
the target refuses, Ctrl-C, kill -9.  Each run is the CLI in a subprocess against real
servers; the target is left as it was (a kill -9 of a parallel copy leaves a named staging
table, as a parallel load does, and the next copy or load removes it)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from helpers import content_md5, exists
from pgservers import TestDB
from test_faults import (
    STAGED,
    WAIT_S,
    _copying,
    _error_line,
    _kill_leader_and_watch,
    _no_pgsnap_sessions,
    _running,
    _terminate,
    _wait_until,
)
from test_load_modes import _ctrl_c_as_at_a_terminal

import pgsnap

ROWS = 20000
PAPERS = f"""
CREATE TABLE papers (id int PRIMARY KEY, title text NOT NULL);
INSERT INTO papers SELECT g, 'paper ' || g FROM generate_series(1, {ROWS}) g;
"""
OLD = "CREATE TABLE papers (id int PRIMARY KEY, title text); INSERT INTO papers VALUES (-1, 'old')"
# every row waits a millisecond on the source: the copy runs for seconds, the fault lands in it
SLOW = "pg_sleep(0.001) IS NOT NULL"
SOURCE_COPY = "COPY (SELECT%pg_sleep%TO STDOUT%"
TARGET_COPY = "COPY %FROM stdin%"


def _slow_copy(db: TestDB, target: TestDB, *args: str) -> list[str]:
    return ["copy", "papers", "--from", db.dsn, "--to", target.dsn, "--where", SLOW, *args]


def _mid_copy(db: TestDB, target: TestDB, proc: subprocess.Popen[bytes]) -> None:
    """Until the source streams rows and the target's COPY is open to take them."""
    _wait_until("the source's COPY", lambda: _copying(db.dsn, SOURCE_COPY), proc)
    _wait_until("the target's COPY", lambda: _copying(target.dsn, TARGET_COPY), proc)


def _unchanged(target: TestDB, before: tuple[int, str]) -> None:
    assert content_md5(target.dsn, "papers") == before
    _no_pgsnap_sessions(target.dsn)
    assert target.execute(STAGED) == []


@pytest.fixture
def pair(db: TestDB) -> tuple[TestDB, TestDB, tuple[int, str]]:
    """A source of ROWS papers, and a target whose papers holds one old row."""
    db.execute(PAPERS)
    target = db.make_db()
    target.execute(OLD)
    return db, target, content_md5(target.dsn, "papers")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_source_backend_terminated_mid_copy(
    pair: tuple[TestDB, TestDB, tuple[int, str]], jobs: str
) -> None:
    db, target, before = pair
    with _running(*_slow_copy(db, target, "--replace", "-j", jobs)) as proc:
        _mid_copy(db, target, proc)
        for pid in _copying(db.dsn, SOURCE_COPY):
            _terminate(db.dsn, pid)
        line = _error_line(proc)
        assert proc.returncode == 3, line
    assert "reading the source (" in line and "connection lost" in line
    assert db.server.password not in line
    _unchanged(target, before)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_target_backend_terminated_mid_copy(
    pair: tuple[TestDB, TestDB, tuple[int, str]], jobs: str
) -> None:
    db, target, before = pair
    with _running(*_slow_copy(db, target, "--replace", "-j", jobs)) as proc:
        _mid_copy(db, target, proc)
        for pid in _copying(target.dsn, TARGET_COPY):
            _terminate(target.dsn, pid)
        line = _error_line(proc)
        assert proc.returncode == 3, line
    assert "connection lost" in line and "reading the source" not in line
    _unchanged(target, before)


def test_a_row_the_target_refuses_appends_nothing(db: TestDB) -> None:
    db.execute(PAPERS)
    target = db.make_db()
    target.execute(OLD)
    target.execute(f"ALTER TABLE papers ADD CONSTRAINT not_late CHECK (id < {ROWS - 10})")
    before = content_md5(target.dsn, "papers")
    with _running("copy", "papers", "--from", db.dsn, "--to", target.dsn, "--append") as proc:
        line = _error_line(proc)
        assert proc.returncode == 8, line
    assert 'violates check constraint "not_late"' in line
    _unchanged(target, before)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_mid_copy_leaves_the_target_as_it_was(
    pair: tuple[TestDB, TestDB, tuple[int, str]], jobs: str
) -> None:
    db, target, before = pair
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "DATABASE_URL"))}
    argv = [sys.executable, "-m", "pgsnap", *_slow_copy(db, target, "--drop-existing", "-j", jobs)]
    proc = subprocess.Popen(
        argv, stderr=subprocess.PIPE, env=env, preexec_fn=_ctrl_c_as_at_a_terminal
    )
    try:
        _mid_copy(db, target, proc)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=WAIT_S)
    finally:  # a failed test leaves no process (nor its pipe) behind
        proc.kill()
        proc.communicate()
    assert proc.returncode == 130, err
    assert b"interrupted" in err
    _unchanged(target, before)


def test_kill_9_mid_copy_leaves_nothing_under_the_final_name(db: TestDB) -> None:
    db.execute(PAPERS)
    target = db.make_db()
    with _running(*_slow_copy(db, target, "--as", "papers_copy")) as proc:
        _mid_copy(db, target, proc)
        _kill_leader_and_watch(proc, workers=0)
    _no_pgsnap_sessions(target.dsn)
    assert not exists(target.dsn, "papers_copy") and target.execute(STAGED) == []


def test_kill_9_of_a_parallel_copy_leaves_a_staging_table_the_next_copy_removes(
    db: TestDB,
) -> None:
    db.execute(PAPERS)
    target = db.make_db()
    with _running(*_slow_copy(db, target, "--as", "papers_copy", "-j", "2")) as proc:
        _mid_copy(db, target, proc)
        _kill_leader_and_watch(proc, workers=1)  # one chunk: one worker
    _no_pgsnap_sessions(target.dsn)
    assert not exists(target.dsn, "papers_copy")
    left = target.execute(STAGED)
    assert len(left) == 1, left
    res = pgsnap.copy("papers", from_dsn=db.dsn, to_dsn=target.dsn, jobs=2, where="id < 10")
    assert res.rows == 9
    assert target.execute(STAGED) == []
