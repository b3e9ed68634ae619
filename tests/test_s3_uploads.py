"""Incomplete multipart uploads that a dump could not abort (pgsnap/storage/uploads.py),
against a real S3 server: `pgsnap dump` killed with SIGKILL mid-upload leaves one; `list`
counts it, `prune` aborts it once it is older than --stale-uploads-after, and the requests
are signed (an auth-enforcing server refuses a wrong secret, accepts the right one)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import uuid

import obstore
import pytest
from pgservers import TestDB
from s3server import S3Server
from test_faults import WAIT_S, _wait_until
from test_s3 import error_line, keys, ok, run
from test_s3_faults import BIG

import pgsnap
from pgsnap.errors import PgsnapWarning, UsageError


def _leave_upload(s3: S3Server, bucket: str, db: TestDB, key: str) -> str:
    """`pgsnap dump big -o s3://bucket/KEY` killed with SIGKILL once its upload has started:
    it cannot abort the upload, which stays.  The object's URL."""
    url = f"s3://{bucket}/{key}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "DATABASE_URL"))}
    env.update(s3.env(), PGSNAP_PART_MB="5")
    args = [sys.executable, "-m", "pgsnap", "dump", "big", "--dsn", db.dsn, "-o", url, "--quiet"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        _wait_until("a multipart upload", lambda: s3.uploads(bucket), proc)
    finally:
        proc.kill()
        proc.wait(timeout=WAIT_S)
    assert s3.uploads(bucket) == [key]
    return url


def _lines(proc: subprocess.CompletedProcess[bytes], start: str) -> list[str]:
    return [line for line in proc.stdout.decode().splitlines() if line.startswith(start)]


def test_prune_aborts_an_upload_left_by_kill_9(s3: S3Server, bucket: str, store_db: TestDB) -> None:
    """A fresh upload: `list` counts it, `prune` (default 24 h) and a dry run with 0s keep
    it; `prune --stale-uploads-after 0s` aborts it and says so; none is left after."""
    store_db.execute(BIG)
    url = _leave_upload(s3, bucket, store_db, "nightly/big.sql.zst")
    prefix = f"s3://{bucket}/nightly/"
    listed = run(s3, "list", prefix, quiet=False)
    assert listed.returncode == 0, listed.stderr.decode()
    assert f'1 incomplete upload under "{prefix}"' in listed.stderr.decode()
    kept = ok(run(s3, "prune", prefix, "--keep", "1", quiet=False))
    assert "left 1 incomplete upload alone" in kept and "abort" not in kept
    dry = run(s3, "prune", prefix, "--keep", "1", "--stale-uploads-after", "0s", "--dry-run")
    assert _lines(dry, "would abort") == []  # --quiet: nothing said
    dry = run(
        s3, "prune", prefix, "--keep", "1", "--stale-uploads-after", "0s", "--dry-run", quiet=False
    )
    [line] = _lines(dry, "would abort the incomplete upload of ")
    assert url in line
    assert s3.uploads(bucket) == ["nightly/big.sql.zst"]
    done = run(s3, "prune", prefix, "--keep", "1", "--stale-uploads-after", "0s", quiet=False)
    assert _lines(done, "aborted the incomplete upload of ") == [
        line.replace("would abort", "aborted")
    ]
    assert s3.uploads(bucket) == []
    assert keys(s3, bucket) == []  # no object appeared: the upload was aborted, not completed
    again = run(s3, "list", prefix, quiet=False)
    assert "incomplete upload" not in again.stderr.decode()


def _start_upload(s3: S3Server, bucket: str, key: str) -> obstore.WritableFile:
    """An upload in progress (one part sent) by obstore itself, left open."""
    store = s3.store(bucket)
    writer = obstore.open_writer(store, key, buffer_size=5 << 20)
    writer.write(b"x" * (6 << 20))
    writer.flush()
    return writer


def test_only_archive_uploads_directly_under_the_prefix(
    s3: S3Server, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pgsnap.prune(stale_uploads_after=0) aborts the uploads of archive names directly under
    the prefix; a sub-prefix's and another file's are none of its business."""
    names = ["p/a.sql.gz", "p/b.sql.zst", "p/notes.txt", "p/sub/c.sql.zst", "q/d.sql.zst"]
    writers = [_start_upload(s3, bucket, name) for name in names]
    for name, value in s3.env().items():
        monkeypatch.setenv(name, value)
    result = pgsnap.prune(f"s3://{bucket}/p/", keep=1, stale_uploads_after=dt.timedelta(0))
    assert sorted(u.url.key for u in result.aborted) == ["p/a.sql.gz", "p/b.sql.zst"]
    assert sorted(s3.uploads(bucket)) == ["p/notes.txt", "p/sub/c.sql.zst", "q/d.sql.zst"]
    with pytest.warns(PgsnapWarning, match="1 incomplete upload under"):
        pgsnap.list_backups(f"s3://{bucket}/p/sub/")
    assert len(writers) == len(names)


def test_bad_thresholds_are_refused(s3: S3Server, bucket: str) -> None:
    """A negative timedelta (Python: the keyword named) and a malformed duration (CLI)."""
    with pytest.raises(
        UsageError, match=r"stale_uploads_after.* must not be negative, not -3600 s"
    ):
        pgsnap.prune(f"s3://{bucket}/", keep=1, stale_uploads_after=dt.timedelta(hours=-1))
    bad = run(s3, "prune", f"s3://{bucket}/", "--keep", "1", "--stale-uploads-after", "1 week")
    assert bad.returncode == 2
    assert "'1 week' is not a duration" in bad.stderr.decode()


def test_signed_requests_on_an_auth_server(s3_auth: S3Server, store_db: TestDB) -> None:
    """The auth-enforcing server: a wrong secret is refused (exit 7, one line naming the
    prefix, the secret not in it); the right one lists and aborts the upload."""
    bucket = s3_auth.make_bucket(f"up{uuid.uuid4().hex[:12]}")
    store_db.execute(BIG)
    _leave_upload(s3_auth, bucket, store_db, "big.sql.zst")
    prefix = f"s3://{bucket}/"
    args = ("prune", prefix, "--keep", "1", "--stale-uploads-after", "0s")
    wrong = run(s3_auth, *args, env={"AWS_SECRET_ACCESS_KEY": "wrong-secret-value"})
    line = error_line(wrong, 7)
    assert f'access denied to "{prefix}"' in line and "wrong-secret-value" not in line
    assert s3_auth.uploads(bucket) == ["big.sql.zst"]
    done = run(s3_auth, *args, quiet=False)
    assert len(_lines(done, "aborted the incomplete upload of ")) == 1, done.stderr.decode()
    assert s3_auth.uploads(bucket) == []
