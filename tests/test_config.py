"""Where the connection comes from, and that passwords never show."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from helpers import cli_subprocess

from pgsnap.config import mask_conninfo, mask_text, resolve
from pgsnap.errors import PgsnapWarning, UsageError

NEON = (
    "postgresql://alice:s3cr3t-pw@ep-x.aws.neon.tech/neondb?sslmode=require&channel_binding=require"
)


def test_dsn_flag_wins(tmp_path: Path) -> None:
    src = resolve("host=a dbname=b", env={"DATABASE_URL": NEON}, cwd=tmp_path)
    assert src.origin == "--dsn"


def test_database_url_then_postgres_url(tmp_path: Path) -> None:
    assert (
        resolve(
            env={"DATABASE_URL": NEON, "POSTGRES_URL": "postgresql://x@y/z"}, cwd=tmp_path
        ).origin
        == "DATABASE_URL"
    )
    src = resolve(env={"POSTGRES_URL": NEON, "PGHOST": "h"}, cwd=tmp_path)
    assert src.origin == "POSTGRES_URL" and src.conninfo == NEON


def test_neon_url_is_described_without_password() -> None:
    src = resolve(env={"DATABASE_URL": NEON})
    text = src.describe()
    assert text == "alice@ep-x.aws.neon.tech:5432/neondb (from DATABASE_URL)"
    assert "s3cr3t" not in text and "s3cr3t" not in repr(src)


def test_libpq_environment_before_dotenv_says_so(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DB_HOST=10.0.0.1\n")
    with pytest.warns(PgsnapWarning) as said:
        src = resolve(env={"PGHOST": "pghost", "PGPASSWORD": "pw"}, cwd=tmp_path)
    assert src.origin == "libpq environment: PGHOST, PGPASSWORD" and src.conninfo == ""
    text = str(said[0].message)
    assert text.startswith("PGHOST, PGPASSWORD are set, so the libpq environment decides")
    assert str(tmp_path / ".env") in text and "pw" not in text.split("decides")[0]


def test_lone_pgpassword_with_dotenv_warns_on_the_cli(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DB_HOST=127.0.0.1\nDB_PORT=1\nDB_NAME=x\n")
    res = cli_subprocess("load", "missing.sql.zst", cwd=tmp_path, env={"PGPASSWORD": "secret"})
    err = res.stderr.decode()
    line = next(x for x in err.splitlines() if "warning" in x)
    assert line.startswith("pgsnap: warning: PGPASSWORD is set, so the libpq environment")
    assert "secret" not in err and "unset PGPASSWORD, or pass --dsn" in line
    assert res.returncode == 4  # then the load itself: no such file


def test_dotenv_without_libpq_variables_is_silent(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DB_HOST=10.0.0.1\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert resolve(env={}, cwd=tmp_path).origin.startswith(".env file")


def test_dotenv_in_parent_directory(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "DB_HOST=127.0.0.1\nDB_PORT=5433\nDB_NAME=postgres\nDB_USER=postgres\nDB_PASSWORD='p@ss word'\n"
    )
    child = tmp_path / "scripts"
    child.mkdir()
    src = resolve(env={}, cwd=child)
    assert src.origin.startswith(".env file") and src.origin.endswith(str(tmp_path / ".env"))
    assert mask_conninfo(src.conninfo) == "postgres@127.0.0.1:5433/postgres"
    assert "p@ss word" not in src.describe()
    assert "password='p@ss word'" in src.conninfo


def test_nothing_configured_uses_libpq_defaults(tmp_path: Path) -> None:
    assert resolve(env={}, cwd=tmp_path).origin == "libpq defaults"


def test_invalid_dsn_is_a_usage_error_that_hides_it(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as err:
        resolve("host=a password=hunter2 bogus", env={}, cwd=tmp_path)
    assert "hunter2" not in str(err.value)


def test_mask_text_removes_the_password() -> None:
    assert mask_text("failed for s3cr3t-pw here", NEON) == "failed for **** here"
