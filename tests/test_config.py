"""Where the connection comes from, and that passwords never show."""

from __future__ import annotations

from pathlib import Path

import pytest

from pgsnap.config import mask_conninfo, mask_text, resolve
from pgsnap.errors import UsageError

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


def test_libpq_environment_before_dotenv(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DB_HOST=10.0.0.1\n")
    src = resolve(env={"PGHOST": "pghost"}, cwd=tmp_path)
    assert src.origin == "libpq environment" and src.conninfo == ""


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
