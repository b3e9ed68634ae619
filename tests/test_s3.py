"""Archives in object storage, against a real S3 server (SeaweedFS: tests/s3server.py).

Round trips, parallel dump and load, whole databases, list/inspect/verify/export/prune on a
bucket, bad inputs.  The faults (a server killed mid-upload, Ctrl-C, the network gone
mid-load) are in test_s3_faults.py.
"""

from __future__ import annotations

import subprocess

import obstore
from helpers import cli_subprocess, content_md5
from pgservers import TestDB
from s3server import S3Server

# Enough rows that, with 5 MiB parts (PGSNAP_PART_MB, S3's minimum), the upload has several
# parts: about 30 MB of COPY text, 15 MB compressed (hex digits compress to about half).
ROWS = 220_000
BIG = f"""
CREATE TABLE big (id int PRIMARY KEY, pad text NOT NULL);
INSERT INTO big SELECT g, md5(g::text) || md5((g * 3)::text) || md5((g * 7)::text) || md5(random()::text)
FROM generate_series(1, {ROWS}) g;
"""
SMALL = """
CREATE TABLE small (id int PRIMARY KEY, t text);
INSERT INTO small SELECT g, 'row ' || g FROM generate_series(1, 50) g;
"""
PART_MB = "5"


def run(s3: S3Server, *args: str, **env: str) -> subprocess.CompletedProcess[bytes]:
    return cli_subprocess(*args, "--quiet", env={**s3.env(), "PGSNAP_PART_MB": PART_MB, **env})


def ok(proc: subprocess.CompletedProcess[bytes]) -> str:
    assert proc.returncode == 0, proc.stderr.decode()
    return proc.stdout.decode()


def error_line(proc: subprocess.CompletedProcess[bytes], code: int) -> str:
    """The one error line a failed command printed, checked against its exit code."""
    lines = proc.stderr.decode().splitlines()
    assert proc.returncode == code, proc.stderr.decode()
    assert len(lines) == 1 and lines[0].startswith("pgsnap: error: "), proc.stderr.decode()
    return lines[0]


def keys(s3: S3Server, bucket: str, prefix: str | None = None) -> list[str]:
    """Every object of the bucket (read in this process, with the server's credentials)."""
    store = _store(s3, bucket)
    return sorted(m["path"] for chunk in obstore.list(store, prefix) for m in chunk)


def _store(s3: S3Server, bucket: str) -> obstore.store.S3Store:
    return obstore.store.S3Store(
        bucket,
        endpoint=s3.endpoint,
        access_key_id="anykey",
        secret_access_key="anysecret",
        region="us-east-1",
        client_options={"allow_http": True},
    )


def put(s3: S3Server, bucket: str, key: str, data: bytes) -> None:
    obstore.put(_store(s3, bucket), key, data)


def test_dump_to_prefix_and_load_back(s3: S3Server, bucket: str, db: TestDB) -> None:
    """`-o s3://bucket/prefix/`: the timestamped name under the prefix, a multipart upload
    (the ETag of a multipart object ends in -PARTS), no upload left, and the rows back."""
    db.execute(BIG)
    ok(run(s3, "dump", "big", "--dsn", db.dsn, "-o", f"s3://{bucket}/nightly/"))
    [key] = keys(s3, bucket)
    assert key.startswith("nightly/big_") and key.endswith(".sql.zst")
    etag = obstore.head(_store(s3, bucket), key)["e_tag"] or ""
    assert int(etag.strip('"').rsplit("-", 1)[1]) >= 3, etag
    assert s3.uploads(bucket) == []
    ok(run(s3, "load", f"s3://{bucket}/{key}", "--dsn", db.dsn, "--as", "big_copy"))
    assert content_md5(db.dsn, "big_copy") == content_md5(db.dsn, "big")
