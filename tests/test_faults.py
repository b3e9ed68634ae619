"""Faults a user can meet: a full disk, a killed leader, a lost or restarted server.

Each is driven through the CLI in a subprocess against real servers, real processes and real
filesystems (a tmpfs of 2 MB, /dev/full): the outcome is one error line, a documented exit
code, and nothing left behind that the README does not promise.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest
from pgservers import TestDB

import pgsnap

# About 120 MB on disk: a dump -j 2 splits it into ctid ranges (16 MiB at least each), its
# archive (about 13 MB) does not fit in the small filesystem, and a load runs for seconds.
BIG = """
CREATE TABLE big AS SELECT g AS id, md5(g::text) || repeat(md5((g * 7)::text), 7) AS pad
FROM generate_series(1, 400000) g
"""
SMALL_FS = "2m"
WAIT_S = 120.0  # for pgsnap to reach the point of the fault, or to exit


def _pgsnap(
    *args: str, stdout: IO[bytes] | int | None = None, quiet: bool = True
) -> subprocess.Popen[bytes]:
    """`pgsnap ARGS --quiet` in a subprocess: its stderr holds nothing but errors."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "DATABASE_URL"))}
    argv = [sys.executable, "-m", "pgsnap", *args, *(["--quiet"] if quiet else [])]
    return subprocess.Popen(argv, stdout=stdout, stderr=subprocess.PIPE, env=env)


def _error_line(proc: subprocess.Popen[bytes]) -> str:
    """The only line pgsnap printed: its error."""
    _, err = proc.communicate(timeout=WAIT_S)
    lines = err.decode(errors="replace").splitlines()
    assert len(lines) == 1 and lines[0].startswith("pgsnap: error: "), err.decode()
    return lines[0]


@contextlib.contextmanager
def _small_filesystem(path: Path) -> Iterator[Path]:
    """A real filesystem of SMALL_FS bytes (tmpfs; the tests run as root), unmounted after."""
    path.mkdir()
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={SMALL_FS}", "tmpfs", str(path)], check=True
    )
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=True)


# --- a full disk -------------------------------------------------------------------------


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_full_disk_dump_is_one_line_exit_10_and_leaves_no_file(
    db: TestDB, tmp_path: Path, jobs: str
) -> None:
    db.execute(BIG)
    with _small_filesystem(tmp_path / "small") as small:
        out = small / "big.sql.zst"
        proc = _pgsnap("dump", "big", "--dsn", db.dsn, "-o", str(out), "-j", jobs)
        line = _error_line(proc)
        assert proc.returncode == 10
        assert line == f'pgsnap: error: cannot write "{out}": no space left on device'
        assert list(small.iterdir()) == []  # no partial file either
    with open("/dev/full", "wb") as full:  # the stdout path, -o -
        proc = _pgsnap("dump", "big", "--dsn", db.dsn, "-o", "-", "-j", jobs, stdout=full)
        line = _error_line(proc)
    assert proc.returncode == 10
    assert line == "pgsnap: error: cannot write to standard output: no space left on device"


def test_full_disk_export_is_one_line_exit_10_and_leaves_no_file(
    db: TestDB, tmp_path: Path
) -> None:
    db.execute(BIG)
    archive = tmp_path / "big.sql.zst"
    pgsnap.dump("big", dsn=db.dsn, output=archive)
    with _small_filesystem(tmp_path / "small") as small:
        proc = _pgsnap("export", str(archive), "--csv", str(small / "csv"))
        line = _error_line(proc)
        assert proc.returncode == 10
        csv = small / "csv" / "big.csv"
        assert line == f'pgsnap: error: cannot write "{csv}": no space left on device'
        assert list((small / "csv").iterdir()) == []
