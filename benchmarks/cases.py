"""The measured commands: pgsnap and its peers, dump side and restore side.

Each case is one command line run as a subprocess (a shell pipeline where the peer is one).
Dump cases write into the work directory; restore cases read a dump case's output and load
it into their own fresh database, whose name is fixed per case.
"""

from __future__ import annotations

import dataclasses
import shlex
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cluster import Target

Side = Literal["dump", "restore"]
TABLE = "papers"
SOURCE_DB = "pgsnap_bench"
RESTORE_DB_PREFIX = "pgsnap_bench_r_"
FD_JOBS = 2  # pg_dump -Fd -j N: one worker per core of the reference machine
PG_RESTORE_JOBS = 2  # likewise, as in notes/baseline.md

# Keys of the reference cases the report divides by.
FLOOR = "copy_server"
PG_DUMP_GZIP = "pg_dump_gzip1"
PG_DUMP_FC_Z1 = "pg_dump_fc_z1"
PG_DUMP_FC = "pg_dump_fc"
PSQL_RESTORE = "zcat_psql"
PG_RESTORE = "pg_restore_j2"


@dataclass(frozen=True, slots=True)
class Tools:
    """The client programs found for one server, and what pgsnap's CLI supports."""

    clients: dict[str, Path]  # psql, pg_dump, pg_restore of the server's major
    missing: dict[str, str]  # client name -> why it is not here
    pgsnap: Path
    dump_jobs: bool  # `pgsnap dump --jobs` exists
    load_jobs: bool  # `pgsnap load --jobs` exists

    def client(self, name: str) -> str:
        return str(self.clients[name])


@dataclass(frozen=True, slots=True)
class Case:
    key: str  # stable id in the JSON lines
    title: str  # the command as the report shows it (markdown)
    side: Side
    argv: tuple[str, ...] = ()
    output: Path | None = None  # dump: the file or directory it writes
    source: str | None = None  # restore: the key of the dump case whose output it reads
    jobs: int | None = None
    skip: str | None = None  # why it cannot run here; then argv is empty

    @property
    def database(self) -> str:
        """The fresh database a restore case loads into."""
        return RESTORE_DB_PREFIX + self.key


def detect_jobs(pgsnap: Path, command: str) -> bool:
    """Whether `pgsnap <command>` has a --jobs option (it is being added as we write this)."""
    proc = subprocess.run([str(pgsnap), command, "--help"], capture_output=True, check=False)
    return b"--jobs" in proc.stdout


def dump_cases(tools: Tools, target: Target, workdir: Path, jobs: Sequence[int]) -> list[Case]:
    conn = target.conninfo(SOURCE_DB)
    cases = [
        _psql(
            tools,
            conn,
            FLOOR,
            "server-side `COPY papers TO '/dev/null'` (the floor)",
            f"COPY {TABLE} TO '/dev/null'",
        ),
        _psql(
            tools,
            conn,
            "psql_copy",
            "`psql -c \"\\copy papers to '/dev/null'\"`",
            f"\\copy {TABLE} to '/dev/null'",
        ),
        _pg_dump_gzip(tools, conn, workdir / "pg_dump.sql.gz"),
        _pg_dump(
            tools, conn, PG_DUMP_FC, "`pg_dump -Fc -t papers`", workdir / "pg_dump.Fc", ["-Fc"]
        ),
        _pg_dump(
            tools,
            conn,
            PG_DUMP_FC_Z1,
            "`pg_dump -Fc -Z1 -t papers`",
            workdir / "pg_dump_z1.Fc",
            ["-Fc", "-Z1"],
        ),
        _pg_dump(
            tools,
            conn,
            f"pg_dump_fd_j{FD_JOBS}",
            f"`pg_dump -Fd -j {FD_JOBS} -t papers`",
            workdir / "pg_dump.Fd",
            ["-Fd", "-j", str(FD_JOBS)],
        ),
    ]
    for codec, ext in (("zstd", "sql.zst"), ("gzip", "sql.gz")):
        for j in jobs:
            cases.append(_pgsnap_dump(tools, conn, codec, ext, workdir / f"pgsnap_j{j}.{ext}", j))
    return cases


def restore_cases(
    tools: Tools, target: Target, dumps: Sequence[Case], jobs: Sequence[int]
) -> list[Case]:
    """Restore cases, each reading the output of one of `dumps` (skipped where that is)."""
    by_key = {c.key: c for c in dumps}
    cases = [
        _zcat_psql(tools, target, by_key[PG_DUMP_GZIP]),
        _pg_restore(tools, target, by_key[PG_DUMP_FC]),
    ]
    # every load reads the same file: the zstd dump with the fewest jobs
    pgsnap_file = by_key[pgsnap_dump_key("zstd", min(jobs))]
    cases += [_pgsnap_load(tools, target, pgsnap_file, j) for j in jobs]
    return cases


def pgsnap_dump_key(codec: str, jobs: int) -> str:
    return f"pgsnap_{codec}_j{jobs}"


def _psql(tools: Tools, conn: str, key: str, title: str, command: str) -> Case:
    if "psql" not in tools.clients:
        return Case(key, title, "dump", skip=tools.missing["psql"])
    argv = (tools.client("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", conn, "-c", command)
    return Case(key, title, "dump", argv)


def _pg_dump_gzip(tools: Tools, conn: str, out: Path) -> Case:
    title = "`pg_dump -t papers \\| gzip -1`"
    if "pg_dump" not in tools.clients:
        return Case(PG_DUMP_GZIP, title, "dump", skip=tools.missing["pg_dump"])
    pg_dump = shlex.join([tools.client("pg_dump"), "-d", conn, "-t", TABLE])
    return Case(PG_DUMP_GZIP, title, "dump", _shell(f"{pg_dump} | gzip -1 > {_q(out)}"), out)


def _pg_dump(tools: Tools, conn: str, key: str, title: str, out: Path, options: list[str]) -> Case:
    if "pg_dump" not in tools.clients:
        return Case(key, title, "dump", skip=tools.missing["pg_dump"])
    argv = (tools.client("pg_dump"), "-d", conn, "-t", TABLE, *options, "-f", str(out))
    return Case(key, title, "dump", argv, out)


def _pgsnap_dump(tools: Tools, conn: str, codec: str, ext: str, out: Path, jobs: int) -> Case:
    key = pgsnap_dump_key(codec, jobs)
    option = _jobs_option(tools.dump_jobs, jobs)
    title = f"`pgsnap dump {shlex.join([*option, '-o', 'papers.' + ext])}`"
    if not tools.dump_jobs and jobs != 1:
        return Case(key, title, "dump", jobs=jobs, skip="pgsnap dump has no --jobs option yet")
    argv = (str(tools.pgsnap), "dump", TABLE, "--dsn", conn, "-q", "-o", str(out), *option)
    return Case(key, title, "dump", argv, out, jobs=jobs)


def _zcat_psql(tools: Tools, target: Target, dump: Case) -> Case:
    case = Case(PSQL_RESTORE, "`zcat pg_dump.sql.gz \\| psql`", "restore", source=dump.key)
    if "psql" not in tools.clients or dump.output is None:
        return _skipped(case, tools.missing.get("psql"), dump)
    psql = [tools.client("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1"]
    psql += ["-d", target.conninfo(case.database)]
    return _with_argv(case, _shell(f"zcat {_q(dump.output)} | {shlex.join(psql)}"))


def _pg_restore(tools: Tools, target: Target, dump: Case) -> Case:
    title = f"`pg_restore -j {PG_RESTORE_JOBS} -d db pg_dump.Fc`"
    case = Case(PG_RESTORE, title, "restore", source=dump.key)
    if "pg_restore" not in tools.clients or dump.output is None:
        return _skipped(case, tools.missing.get("pg_restore"), dump)
    argv = (tools.client("pg_restore"), "-j", str(PG_RESTORE_JOBS))
    return _with_argv(case, (*argv, "-d", target.conninfo(case.database), str(dump.output)))


def _pgsnap_load(tools: Tools, target: Target, dump: Case, jobs: int) -> Case:
    option = _jobs_option(tools.load_jobs, jobs)
    title = f"`pgsnap load {shlex.join([*option, 'papers.sql.zst'])}`"
    case = Case(f"pgsnap_load_j{jobs}", title, "restore", source=dump.key, jobs=jobs)
    if not tools.load_jobs and jobs != 1:
        return _skipped(case, "pgsnap load has no --jobs option yet", dump)
    if dump.output is None:
        return _skipped(case, None, dump)
    argv = [str(tools.pgsnap), "load", str(dump.output), "--dsn", target.conninfo(case.database)]
    argv += ["-q", *option]
    return _with_argv(case, tuple(argv))


def _jobs_option(supported: bool, jobs: int) -> list[str]:
    """--jobs J where pgsnap has it; without it only J=1 runs, as plain pgsnap."""
    return ["--jobs", str(jobs)] if supported or jobs != 1 else []


def _skipped(case: Case, reason: str | None, dump: Case) -> Case:
    why = reason or f"needs the output of {dump.key}, which cannot run: {dump.skip}"
    return dataclasses.replace(case, skip=why)


def _with_argv(case: Case, argv: tuple[str, ...]) -> Case:
    return dataclasses.replace(case, argv=argv)


def _shell(command: str) -> tuple[str, ...]:
    # pipefail: a failing pg_dump or psql must fail the case, not just the last command
    return ("bash", "-c", f"set -o pipefail; {command}")


def _q(path: Path) -> str:
    return shlex.quote(str(path))
