"""The pure parts of pgsnap/storage: URLs, and where the S3 settings come from."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pgsnap.errors import UsageError
from pgsnap.storage import ObjectURL, is_remote, parse_url
from pgsnap.storage.credentials import DEFAULT_REGION, environment, s3_settings


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("s3://bucket/key.sql.zst", ObjectURL("s3", "bucket", "key.sql.zst")),
        ("s3://bucket/pre/fix/", ObjectURL("s3", "bucket", "pre/fix/")),
        ("s3://bucket", ObjectURL("s3", "bucket", "")),
        ("S3://bucket/k", ObjectURL("s3", "bucket", "k")),
        ("gs://my.bucket/a/b.sql.gz", ObjectURL("gs", "my.bucket", "a/b.sql.gz")),
        ("azure://container/x", ObjectURL("az", "container", "x")),
        ("az://container/x", ObjectURL("az", "container", "x")),
    ],
)
def test_parse_url(text: str, want: ObjectURL) -> None:
    assert parse_url(text) == want
    assert is_remote(text)


@pytest.mark.parametrize(
    "text", ["backups/x.sql.zst", "/tmp/s3://x", "http://host/x", "s3:/bucket/x", "-", "s3"]
)
def test_anything_else_is_a_local_path(text: str) -> None:
    assert parse_url(text) is None
    assert not is_remote(text)


def test_prefix_and_child() -> None:
    prefix = parse_url("s3://bucket/nightly/")
    assert prefix is not None and prefix.is_prefix
    child = prefix.child("papers_20260101_000000.sql.zst")
    assert str(child) == "s3://bucket/nightly/papers_20260101_000000.sql.zst"
    assert not child.is_prefix and child.name == "papers_20260101_000000.sql.zst"
    bare = parse_url("s3://bucket/nightly")
    assert bare is not None and not bare.is_prefix and str(bare.as_prefix()) == str(prefix)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("s3:///key", "names no bucket"),
        ("s3://ab/key", "is not a valid bucket name"),
        ("s3://UPPER/key", "is not a valid bucket name"),
        ("s3://bucket/a//b", "empty or relative part"),
        ("s3://bucket/./b", "empty or relative part"),
        ("s3://bucket/k?x=1", "has a query"),
        ("s3://bucket/tab\there", "control character"),
        ("s3://AKIA:verysecret@bucket/k", "holds credentials"),
    ],
)
def test_bad_urls(text: str, says: str) -> None:
    with pytest.raises(UsageError) as err:
        parse_url(text)
    assert says in str(err.value)
    assert "verysecret" not in str(err.value)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_settings_from_the_environment(tmp_path: Path) -> None:
    env = {
        "AWS_ACCESS_KEY_ID": "AKIDENV",
        "AWS_SECRET_ACCESS_KEY": "envsecret",
        "AWS_SESSION_TOKEN": "envtoken",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9000/",
    }
    s = s3_settings(env, home=tmp_path)
    assert s.config == {
        "access_key_id": "AKIDENV",
        "secret_access_key": "envsecret",
        "session_token": "envtoken",
        "region": "eu-west-1",
        "endpoint": "http://127.0.0.1:9000",
    }
    assert s.allow_http
    assert "envsecret" not in s.origin
    # AWS_REGION before AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_S3 before AWS_ENDPOINT_URL
    s = s3_settings(
        {**env, "AWS_REGION": "us-west-2", "AWS_ENDPOINT_URL_S3": "https://s3.example"}, tmp_path
    )
    assert s.config["region"] == "us-west-2" and s.config["endpoint"] == "https://s3.example"
    assert not s.allow_http
    assert s3_settings({}, tmp_path).config == {"region": DEFAULT_REGION}


def test_settings_from_a_profile(tmp_path: Path) -> None:
    _write(
        tmp_path / ".aws" / "credentials",
        "[default]\naws_access_key_id = AKIDDEF\naws_secret_access_key = defsecret\n"
        "[work]\naws_access_key_id = AKIDWORK\naws_secret_access_key = worksecret\n",
    )
    _write(
        tmp_path / ".aws" / "config",
        "[default]\nregion = eu-central-1\n"
        "[profile work]\nregion = ap-south-1\nendpoint_url = http://minio.local:9000\n",
    )
    s = s3_settings({}, tmp_path)
    assert s.config["access_key_id"] == "AKIDDEF" and s.config["region"] == "eu-central-1"
    s = s3_settings({"AWS_PROFILE": "work"}, tmp_path)
    assert s.config == {
        "access_key_id": "AKIDWORK",
        "secret_access_key": "worksecret",
        "region": "ap-south-1",
        "endpoint": "http://minio.local:9000",
    }
    assert s.allow_http and s.origin == 'the AWS profile "work"'
    # the environment's keys win over the profile's, as with the AWS tools
    env = {"AWS_PROFILE": "work", "AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "e"}
    s = s3_settings(env, tmp_path)
    assert s.config["access_key_id"] == "AKIDENV" and s.config["region"] == "ap-south-1"
    with pytest.raises(UsageError, match='names the profile "nope"'):
        s3_settings({"AWS_PROFILE": "nope"}, tmp_path)


def test_a_dotenv_file_supplies_the_same_variables(tmp_path: Path) -> None:
    _write(tmp_path / ".env", "AWS_ACCESS_KEY_ID=AKIDDOT\nAWS_REGION=eu-north-1\nDB_NAME=x\n")
    found = environment({"AWS_REGION": "us-east-2", "HOME": "/root"}, cwd=tmp_path)
    assert found == {"AWS_ACCESS_KEY_ID": "AKIDDOT", "AWS_REGION": "us-east-2"}
    below = tmp_path / "sub"
    below.mkdir()
    assert environment({}, cwd=below)["AWS_ACCESS_KEY_ID"] == "AKIDDOT"  # the parent's .env


def test_obstore_loads_only_for_a_url() -> None:
    """The modules every local command imports leave obstore (and its tokio runtime) out."""
    code = (
        "import sys\n"
        "import pgsnap.archive.inventory, pgsnap.archive.reader, pgsnap.backup.dump\n"
        "import pgsnap.restore.load, pgsnap.storage\n"
        "print('obstore' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False"]


def test_azure_without_an_account_is_one_clear_line(tmp_path: Path) -> None:
    """GCS and Azure go through the same client; Azure with no account fails before any
    request, naming what to set (exit 2)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "PG"))}
    proc = subprocess.run(
        [sys.executable, "-m", "pgsnap", "load", "az://container/x.sql.zst"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert proc.returncode == 2, proc.stderr
    [line] = proc.stderr.splitlines()
    assert line.startswith("pgsnap: error: cannot use az://container: ")
    assert "AZURE_STORAGE_ACCOUNT_NAME" in line
