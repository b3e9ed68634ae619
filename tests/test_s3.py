"""Archives in object storage, against a real S3 server (SeaweedFS: tests/s3server.py).

Round trips, parallel dump and load, whole databases, list/inspect/verify/export/prune on a
bucket, bad inputs.  The faults (a server killed mid-upload, Ctrl-C, the network gone
mid-load) are in test_s3_faults.py.
"""

from __future__ import annotations

import json
import re
import subprocess
import uuid
from pathlib import Path

import obstore
import pytest
from helpers import cli_subprocess, content_md5, exists
from pgservers import TestDB
from s3server import READ_ONLY_KEY, SECRET_KEY, S3Server

import pgsnap

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


def run(
    s3: S3Server, *args: str, quiet: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """`pgsnap ARGS` with the server's credentials and endpoint in its environment (and
    `env` over them)."""
    flags = ["--quiet"] if quiet else []
    full = {**s3.env(), "PGSNAP_PART_MB": PART_MB, **(env or {})}
    return cli_subprocess(*args, *flags, env=full)


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
    store: obstore.store.S3Store = s3.store(bucket)
    return store


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


def test_parallel_dump_and_load(s3: S3Server, bucket: str, db: TestDB) -> None:
    """`dump -j 2` to a key, `load -j 2` from it: workers read their own frames by range
    (started by spawn, each with its own store), and the rows are the same."""
    db.execute(BIG)
    url = f"s3://{bucket}/parallel/big.sql.zst"
    ok(run(s3, "dump", "big", "--dsn", db.dsn, "-o", url, "-j", "2"))
    assert keys(s3, bucket) == ["parallel/big.sql.zst"]
    ok(run(s3, "load", url, "--dsn", db.dsn, "--as", "big_par", "-j", "2"))
    assert content_md5(db.dsn, "big_par") == content_md5(db.dsn, "big")
    assert s3.uploads(bucket) == []


def test_whole_database_round_trip(s3: S3Server, bucket: str, db: TestDB) -> None:
    """`dump --all` into a bucket, `load --create` from it into a new database."""
    db.execute(SMALL)
    db.execute("CREATE VIEW small_view AS SELECT id FROM small WHERE id > 10")
    ok(run(s3, "dump", "--all", "--dsn", db.dsn, "--output-dir", f"s3://{bucket}/all"))
    [key] = keys(s3, bucket)
    assert key.startswith("all/")
    target = f"{db.name}_copy"
    ok(run(s3, "load", f"s3://{bucket}/{key}", "--dsn", db.dsn, "--create", target))
    copy = db.server.dsn(target)
    try:
        assert content_md5(copy, "small") == content_md5(db.dsn, "small")
        assert exists(copy, "public.small_view")
    finally:
        db.execute(f'DROP DATABASE IF EXISTS "{target}"')


def test_existing_key_is_refused_without_force(s3: S3Server, bucket: str, store_db: TestDB) -> None:
    store_db.execute(SMALL)
    url = f"s3://{bucket}/small.sql.zst"
    ok(run(s3, "dump", "small", "--dsn", store_db.dsn, "-o", url))
    before = obstore.head(_store(s3, bucket), "small.sql.zst")["e_tag"]
    line = error_line(run(s3, "dump", "small", "--dsn", store_db.dsn, "-o", url), 6)
    assert f'object "{url}" already exists; use --force' in line
    assert obstore.head(_store(s3, bucket), "small.sql.zst")["e_tag"] == before
    ok(run(s3, "dump", "small", "--dsn", store_db.dsn, "-o", url, "--force"))
    assert keys(s3, bucket) == ["small.sql.zst"]


def local_archive(s3: S3Server, db: TestDB, tmp_path: Path) -> bytes:
    """The bytes of a dump of SMALL to a local file."""
    db.execute(SMALL)
    path = tmp_path / "small.sql.zst"
    ok(run(s3, "dump", "small", "--dsn", db.dsn, "-o", str(path)))
    return path.read_bytes()


def test_list_200_archives_and_prune(
    s3: S3Server, bucket: str, store_db: TestDB, tmp_path: Path
) -> None:
    """`list` of a prefix with 200 archives and three bad objects: the same statuses as in a
    directory (each read by ranged GETs); `prune` deletes objects and says which."""
    data = local_archive(s3, store_db, tmp_path)
    store = _store(s3, bucket)
    for i in range(200):
        obstore.put(store, f"many/small_{i:03d}.sql.zst", data)
    obstore.put(store, "many/cut.sql.zst", data[: len(data) // 2])
    obstore.put(store, "many/notes.sql.gz", b"not an archive at all")
    obstore.put(store, "many/sub/deeper.sql.zst", data)  # under a sub-prefix: not listed
    obstore.put(store, "many/readme.txt", b"not named like an archive")
    proc = run(s3, "list", f"s3://{bucket}/many/", "--json")
    assert proc.returncode == 5, proc.stderr.decode()
    entries = json.loads(proc.stdout)
    by_status: dict[str, list[str]] = {}
    for e in entries:
        by_status.setdefault(e["status"], []).append(e["path"])
    assert len(by_status["ok"]) == 200
    assert by_status["incomplete"] == [f"s3://{bucket}/many/cut.sql.zst"]
    assert by_status["unrecognised"] == [f"s3://{bucket}/many/notes.sql.gz"]
    assert sorted(by_status) == ["incomplete", "ok", "unrecognised"]
    assert all(e["rows"] == 50 for e in entries if e["status"] == "ok")
    pruned = run(s3, "prune", f"s3://{bucket}/many", "--keep", "3", quiet=False)
    assert pruned.returncode == 5, pruned.stderr.decode()  # the two bad objects are left alone
    removed = [
        line for line in pruned.stdout.decode().splitlines() if line.startswith("removed s3://")
    ]
    assert len(removed) == 197
    left = keys(s3, bucket, "many")
    assert len(left) == 3 + 4 and "many/cut.sql.zst" in left and "many/sub/deeper.sql.zst" in left
    assert not any(line.split()[1].removeprefix(f"s3://{bucket}/") in left for line in removed)


def test_dump_counts_the_backups_of_its_table_under_the_prefix(
    s3: S3Server, bucket: str, store_db: TestDB, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dump's warning past --warn-after backups of its table, on a prefix: objects whose
    manifest does not name the table are looked into, not read whole (issue 13)."""
    data = local_archive(s3, store_db, tmp_path)
    store_db.execute("CREATE TABLE other (id int); INSERT INTO other VALUES (1)")
    ok(run(s3, "dump", "other", "--dsn", store_db.dsn, "-o", str(tmp_path / "other.sql.zst")))
    store = _store(s3, bucket)
    for i in range(2):
        obstore.put(store, f"keep/small_{i}.sql.zst", data)
    obstore.put(store, "keep/other.sql.zst", (tmp_path / "other.sql.zst").read_bytes())
    obstore.put(store, "keep/cut.sql.zst", data[:-20])
    for name, value in s3.env().items():
        monkeypatch.setenv(name, value)
    prefix = f"s3://{bucket}/keep/"
    assert pgsnap.count_backups(prefix, "public.small") == 2
    assert pgsnap.count_backups(prefix, "other") == 1
    assert pgsnap.count_backups(prefix, "small", database="elsewhere") == 0
    dump = ["dump", "small", "--dsn", store_db.dsn, "-o", prefix, "--warn-after", "2"]
    dumped = run(s3, *dump, quiet=False)
    assert dumped.returncode == 0, dumped.stderr.decode()
    assert "holds 3 backups of public.small (more than 2)" in dumped.stderr.decode()


def test_inspect_verify_export_on_s3(s3: S3Server, bucket: str, db: TestDB, tmp_path: Path) -> None:
    """inspect, verify and export read an object as they read a file: the same output."""
    data = local_archive(s3, db, tmp_path)
    put(s3, bucket, "x/small.sql.zst", data)
    url = f"s3://{bucket}/x/small.sql.zst"
    local = str(tmp_path / "small.sql.zst")
    remote_json = json.loads(ok(run(s3, "inspect", url, "--json", quiet=False)))
    local_json = json.loads(ok(run(s3, "inspect", local, "--json", quiet=False)))
    assert {k: v for k, v in remote_json.items() if k not in ("path", "file_bytes")} == {
        k: v for k, v in local_json.items() if k not in ("path", "file_bytes")
    }
    assert remote_json["path"] == url
    said = [ok(run(s3, "verify", f, quiet=False)) for f in (url, local)]
    timeless = [re.sub(r" checked in .*", "", text.replace(local, url)) for text in said]
    assert timeless[0].startswith(f"OK {url}: 4 frames, 50 rows") and timeless[0] == timeless[1]
    ok(run(s3, "export", url, "--csv", str(tmp_path / "csv")))
    [csv] = list((tmp_path / "csv").iterdir())
    assert len(csv.read_text().splitlines()) == 51  # a header and the 50 rows


def test_foreign_and_damaged_objects(
    s3: S3Server, bucket: str, store_db: TestDB, tmp_path: Path
) -> None:
    """Not an archive, a pg_dump script, a truncated archive: one line each, exit 5, and the
    load changes nothing."""
    data = local_archive(s3, store_db, tmp_path)
    put(s3, bucket, "junk.sql.zst", b"hello, world")
    put(s3, bucket, "plain.sql", b"--\n-- PostgreSQL database dump\n--\n")
    put(s3, bucket, "cut.sql.zst", data[:-40])
    line = error_line(run(s3, "load", f"s3://{bucket}/junk.sql.zst", "--dsn", store_db.dsn), 5)
    assert f'"s3://{bucket}/junk.sql.zst" is not a pgsnap archive' in line
    line = error_line(run(s3, "load", f"s3://{bucket}/plain.sql", "--dsn", store_db.dsn), 5)
    assert (
        "it is a pg_dump SQL script: download it, then restore it with psql -d DATABASE -f plain.sql"
        in line
    )
    line = error_line(run(s3, "verify", f"s3://{bucket}/cut.sql.zst"), 5)
    assert f'"s3://{bucket}/cut.sql.zst" is truncated' in line
    store_db.execute("DROP TABLE small")
    error_line(run(s3, "load", f"s3://{bucket}/cut.sql.zst", "--dsn", store_db.dsn), 5)
    assert not exists(store_db.dsn, "public.small")


def test_missing_bucket_and_key(s3: S3Server, bucket: str, store_db: TestDB) -> None:
    """A bucket or an object that does not exist: exit 4, named; no dump starts."""
    store_db.execute(SMALL)
    line = error_line(run(s3, "load", f"s3://{bucket}/nothing.sql.zst", "--dsn", store_db.dsn), 4)
    assert f'object "s3://{bucket}/nothing.sql.zst" does not exist' in line
    for args in (
        ("load", "s3://no-such-bucket/x.sql.zst", "--dsn", store_db.dsn),
        ("list", "s3://no-such-bucket/"),
        ("dump", "small", "--dsn", store_db.dsn, "-o", "s3://no-such-bucket/x/"),
    ):
        line = error_line(run(s3, *args), 4)
        assert 'bucket "s3://no-such-bucket" does not exist' in line, args
    assert keys(s3, bucket) == []


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("s3://", "names no bucket"),
        ("s3://Bad_Bucket/x.sql.zst", "is not a valid bucket name"),
        ("s3://b/x.sql.zst", "is not a valid bucket name"),
        ("s3://bucket//x.sql.zst", "has an empty or relative part"),
        ("s3://bucket/a/../x.sql.zst", "has an empty or relative part"),
        ("s3://AKIAKEY:topsecretvalue@bucket/x.sql.zst", "holds credentials"),
    ],
)
def test_bad_urls(s3: S3Server, url: str, says: str) -> None:
    """A malformed URL: a usage error (exit 2) before anything is read; never the secret."""
    for args in (("load", url), ("list", url), ("inspect", url)):
        line = error_line(run(s3, *args), 2)
        assert says in line, line
        assert "topsecretvalue" not in line


def test_credentials_refused(s3_auth: S3Server, store_db: TestDB) -> None:
    """A wrong secret, an unknown key, a key that may only read: exit 7, one line, never
    the secret; with the right keys (and only then) the dump is written."""
    bucket = s3_auth.make_bucket(f"auth{uuid.uuid4().hex[:12]}")
    store_db.execute(SMALL)
    url = f"s3://{bucket}/small.sql.zst"
    dump = ("dump", "small", "--dsn", store_db.dsn, "-o", url)
    for env in (
        {"AWS_SECRET_ACCESS_KEY": "wrongsecret"},
        {"AWS_ACCESS_KEY_ID": "nosuchkey"},
        {"AWS_ACCESS_KEY_ID": READ_ONLY_KEY},
    ):
        line = error_line(run(s3_auth, *dump, env=env), 7)
        assert f'access denied to "{url}"' in line
        assert "wrongsecret" not in line and SECRET_KEY not in line
    ok(run(s3_auth, *dump))
    line = error_line(
        run(s3_auth, "list", f"s3://{bucket}/", env={"AWS_SECRET_ACCESS_KEY": "wrong"}), 7
    )
    assert "access denied" in line
    listed = json.loads(
        ok(
            run(
                s3_auth,
                "list",
                f"s3://{bucket}/",
                "--json",
                env={"AWS_ACCESS_KEY_ID": READ_ONLY_KEY},
            )
        )
    )
    assert [e["status"] for e in listed] == ["ok"]
