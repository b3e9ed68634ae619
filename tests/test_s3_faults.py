"""Faults of archives in object storage, against a real S3 server (tests/s3server.py): the
server killed mid-upload, Ctrl-C mid-upload, the server gone mid-load.  Each leaves one error
line, a non-zero exit, no object, and a database as it was."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator

import psycopg
import pytest
from helpers import exists
from pgservers import TestDB
from s3server import S3Server, running
from test_faults import WAIT_S, _error_line, _wait_until
from test_s3 import keys, ok, run

# About 90 MB of COPY text, 45 MB compressed: with 5 MiB parts, an upload of nine parts that
# runs for seconds, so that the fault falls inside it.
ROWS = 660_000
BIG = f"""
CREATE TABLE big (id int PRIMARY KEY, pad text NOT NULL);
INSERT INTO big SELECT g, md5(g::text) || md5((g * 3)::text) || md5((g * 7)::text) || md5(random()::text)
FROM generate_series(1, {ROWS}) g;
"""


@pytest.fixture
def own_s3() -> Iterator[S3Server]:
    """A server of this test's own, to kill."""
    with running() as weed:
        yield weed


def _ctrl_c_as_at_a_terminal() -> None:
    """SIGINT as a shell in the foreground leaves it (see test_load_modes.py)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@contextlib.contextmanager
def _running(s3: S3Server, *args: str) -> Iterator[subprocess.Popen[bytes]]:
    """`pgsnap ARGS --quiet` in the background with the server's environment; killed if the
    test fails before it ends."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "DATABASE_URL"))}
    env.update(s3.env(), PGSNAP_PART_MB="5")
    proc = subprocess.Popen(
        [sys.executable, "-m", "pgsnap", *args, "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        preexec_fn=_ctrl_c_as_at_a_terminal,
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=WAIT_S)


def test_ctrl_c_mid_upload_leaves_no_object_and_no_upload(
    s3: S3Server, bucket: str, store_db: TestDB
) -> None:
    """SIGINT while the multipart upload runs: exit 130, the upload aborted (S3's list of
    uploads is empty again), no object."""
    store_db.execute(BIG)
    url = f"s3://{bucket}/big.sql.zst"
    with _running(s3, "dump", "big", "--dsn", store_db.dsn, "-o", url) as proc:
        _wait_until("a multipart upload", lambda: s3.uploads(bucket), proc)
        proc.send_signal(signal.SIGINT)
        line = _error_line(proc)
    assert proc.returncode == 130, line
    assert "interrupted" in line
    assert keys(s3, bucket) == []
    assert s3.uploads(bucket) == []


def test_server_killed_mid_upload(own_s3: S3Server, store_db: TestDB) -> None:
    """The server killed (SIGKILL) during the upload: one line naming the object, exit 10,
    and no object once the server is back.  The abort cannot reach a dead server: the line
    says the upload was left, and it is the only one; `pgsnap prune` aborts it."""
    bucket = own_s3.make_bucket("killed")
    store_db.execute(BIG)
    url = f"s3://{bucket}/big.sql.zst"
    with _running(own_s3, "dump", "big", "--dsn", store_db.dsn, "-o", url) as proc:
        _wait_until("a multipart upload", lambda: own_s3.uploads(bucket), proc)
        own_s3.kill()
        line = _error_line(proc)
    assert proc.returncode == 10, line
    assert f'cannot write "{url}"' in line
    assert f'the incomplete upload of "{url}" could not be aborted' in line
    assert "pgsnap prune aborts it" in line
    own_s3.start()
    assert keys(own_s3, bucket) == []
    assert own_s3.uploads(bucket) == ["big.sql.zst"]
    # what the line promises: prune aborts it (storage/uploads.py), and nothing is left
    ok(run(own_s3, "prune", f"s3://{bucket}/", "--keep", "1", "--stale-uploads-after", "0s"))
    assert own_s3.uploads(bucket) == []


def _copying(dsn: str) -> bool:
    """A pgsnap load is sending rows (COPY … FROM STDIN is active)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgsnap' "
            "AND state = 'active' AND query ILIKE 'COPY %FROM STDIN%'"
        ).fetchone()
    return bool(row and row[0])


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_server_gone_mid_load(own_s3: S3Server, store_db: TestDB, jobs: str) -> None:
    """The server killed while a load reads frames: one line naming the object, exit 10, and
    no table (the load is atomic)."""
    bucket = own_s3.make_bucket("loadgone")
    store_db.execute(BIG)
    url = f"s3://{bucket}/big.sql.zst"
    ok(run(own_s3, "dump", "big", "--dsn", store_db.dsn, "-o", url))
    with _running(
        own_s3, "load", url, "--dsn", store_db.dsn, "--as", "big_copy", "-j", jobs
    ) as proc:
        _wait_until("a COPY", lambda: _copying(store_db.dsn), proc)
        own_s3.kill()
        line = _error_line(proc)
    assert proc.returncode == 10, line
    assert f'cannot read "{url}"' in line
    assert not exists(store_db.dsn, "public.big_copy")
