#!/usr/bin/env python3
"""Benchmark pgsnap against psql, pg_dump and pg_restore on the `papers` table.

Standalone (not part of pytest); see benchmarks/README.md.  Starts a throwaway PostgreSQL
(the embedded wheel's 18, the system's 15) or uses --dsn, creates the data set of
notes/baseline.md, then runs every case as a subprocess, alternating the tools between
repetitions.  Writes one JSON line per measurement to <out>/<timestamp>.jsonl and the
summary table to <out>/latest.md.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cases
import click
import psutil  # type: ignore[import-untyped]  # no types-psutil in the venv
import psycopg
import report
from cases import Case, Tools
from cluster import (
    BENCH_SETTINGS,
    LocalCluster,
    Target,
    external_target,
    find_clients,
    system_bindir,
    wheel_bindir,
)
from measure import Usage, run_measured
from psycopg import sql

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SERVERS = ("pg18", "pg15")
DEMO_ROWS = 300_000  # the "demo table", the size `pgsnap demo` uses
CASE_TIMEOUT_S = 3600.0

PAPERS_DDL = """
CREATE TABLE papers (
  id bigserial PRIMARY KEY, title text NOT NULL, abstract text,
  published_at timestamptz DEFAULT now(), score numeric(10,4), author_ids int[],
  meta jsonb, is_open boolean, doi text UNIQUE)
"""
PAPERS_ROWS = """
INSERT INTO papers (title, abstract, published_at, score, author_ids, meta, is_open, doi)
SELECT 'Paper ' || g || ' on ' || md5(g::text),
       repeat(md5((g*7)::text) || ' lorem ipsum dolor sit amet ', 1 + (g % 12)),
       timestamptz '2020-01-01' + (g || ' minutes')::interval, (g % 100000) / 7.0,
       ARRAY[g % 1000, (g*3) % 1000, (g*7) % 1000],
       jsonb_build_object('venue', 'conf' || (g % 50), 'pages', g % 300, 'tags', jsonb_build_array('a','b')),
       (g % 3 = 0), CASE WHEN g % 10 = 0 THEN NULL ELSE '10.1000/' || g END
FROM generate_series({first}, {rows}) g
"""  # noqa: E501 - kept line for line as in notes/baseline.md
PAPERS_INDEX = "CREATE INDEX papers_published_idx ON papers (published_at)"
SIZES_SQL = """
SELECT pg_relation_size(c.oid), coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0),
       pg_indexes_size(c.oid), pg_total_relation_size(c.oid)
FROM pg_class c WHERE c.oid = 'papers'::regclass
"""
RESTORED_SQL = """
SELECT (SELECT count(*) FROM papers),
       (SELECT count(*) FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'papers')
"""


@dataclass(frozen=True, slots=True)
class Settings:
    rows: int
    jobs: tuple[int, ...]
    repeat: int
    only: str | None  # "dump" | "load" | None
    out: Path
    workdir: Path | None
    timeout_s: float


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--rows", type=click.IntRange(min=1), help="Rows of papers [2000000; --demo 300000]")
@click.option(
    "--server",
    type=click.Choice([*SERVERS, "both"]),
    default="pg18",
    show_default=True,
    help="Which throwaway server to start (ignored with --dsn).",
)
@click.option("--dsn", metavar="DSN", help="Use this existing server instead (superuser).")
@click.option("--jobs", "jobs_text", metavar="J,J,...", help="pgsnap --jobs values [1,2; --demo 1]")
@click.option("--repeat", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--only", type=click.Choice(["dump", "load"]), help="Measure one side only.")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=HERE / "results",
    show_default="benchmarks/results",
    help="Where the .jsonl and latest.md go.",
)
@click.option(
    "--workdir",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="Where the dump files go [a temp dir]; they are removed at the end.",
)
@click.option(
    "--timeout",
    "timeout_s",
    type=float,
    default=CASE_TIMEOUT_S,
    show_default=True,
    help="Seconds before a case is killed.",
)
@click.option("--demo", is_flag=True, help="The issue's demo table: --rows 300000 --jobs 1.")
def main(
    rows: int | None,
    server: str,
    dsn: str | None,
    jobs_text: str | None,
    repeat: int,
    only: str | None,
    out: Path,
    workdir: Path | None,
    timeout_s: float,
    demo: bool,
) -> None:
    """Benchmark pgsnap dump/load against psql, pg_dump and pg_restore."""
    default_rows, default_jobs = (DEMO_ROWS, "1") if demo else (2_000_000, "1,2")
    settings = Settings(
        rows=rows or default_rows,
        jobs=_parse_jobs(jobs_text or default_jobs),
        repeat=repeat,
        only=only,
        out=out,
        workdir=workdir,
        timeout_s=timeout_s,
    )
    labels = ["dsn"] if dsn else (list(SERVERS) if server == "both" else [server])
    run(settings, labels, dsn)


def _parse_jobs(text: str) -> tuple[int, ...]:
    try:
        jobs = tuple(dict.fromkeys(int(j) for j in text.split(",") if j.strip()))
    except ValueError:
        message = f"{text!r} is not a list of numbers"
        raise click.BadParameter(message, param_hint="--jobs") from None
    if not jobs or min(jobs) < 1:
        raise click.BadParameter("give job counts of 1 or more", param_hint="--jobs")
    return jobs


def run(settings: Settings, labels: Sequence[str], dsn: str | None) -> None:
    run_id = time.strftime("%Y%m%dT%H%M%S")
    settings.out.mkdir(parents=True, exist_ok=True)
    jsonl = settings.out / f"{run_id}.jsonl"
    machine = describe_machine()
    sections = []
    for label in labels:
        with open_target(label, dsn) as target:
            sections.append(bench_server(target, settings, machine, jsonl, run_id))
    run_line = (
        f"Run {run_id}: {settings.repeat} repetition(s), pgsnap --jobs "
        f"{','.join(map(str, settings.jobs))}; raw figures in `{jsonl.name}`."
    )
    text = report.document(_machine_line(machine), run_line, sections)
    (settings.out / "latest.md").write_text(text)
    print(text)
    _log(f"wrote {jsonl} and {settings.out / 'latest.md'}")


@contextlib.contextmanager
def open_target(label: str, dsn: str | None) -> Iterator[Target]:
    """The server to measure against; a throwaway one is stopped and removed afterwards."""
    if dsn is not None:
        yield external_target(dsn)
        return
    bindir = wheel_bindir() if label == "pg18" else system_bindir(int(label[2:]))
    _log(f"[{label}] starting a throwaway cluster from {bindir}")
    cluster = LocalCluster(label, bindir)
    try:
        yield cluster.target
    finally:
        cluster.stop()


def bench_server(
    target: Target, settings: Settings, machine: dict[str, Any], jsonl: Path, run_id: str
) -> report.Section:
    tools = find_tools(target)
    dataset = create_dataset(target, settings.rows)
    tool_facts = _tools_facts(tools)
    context: dict[str, Any] = {"run_id": run_id, "server": target.label, "machine": machine}
    context.update(dataset=dataset, tools=tool_facts)
    bench = _Bench(target, settings, tools, jsonl, context)
    try:
        with tempfile.TemporaryDirectory(prefix="pgsnap-bench-files-", dir=settings.workdir) as tmp:
            dumps = cases.dump_cases(tools, target, Path(tmp), settings.jobs)
            restores = cases.restore_cases(tools, target, dumps, settings.jobs)
            bench.run_all(dumps, restores)
    finally:
        if target.bindir is None:  # leave an existing server as we found it
            _drop_database(target, cases.SOURCE_DB)
    git_before, git_after = str(tool_facts["pgsnap_git"]), _git_state()
    if git_after != git_before:
        bench.notes.append(
            f"pgsnap changed during this run: {git_before} at the start, {git_after} at the end"
        )
    return report.Section(
        label=_section_title(target, dataset),
        server=f"Server: PostgreSQL {dataset['server_version']}, {target.description}; "
        f"settings in effect: {dataset['settings']}.",
        dataset=_dataset_line(dataset),
        clients=_clients_line(tools, git_before),
        dump_cases=dumps if settings.only != "load" else [],
        restore_cases=restores if settings.only != "dump" else [],
        records=bench.records,
        notes=bench.notes,
    )


class _Bench:
    """Runs the cases of one server and writes a JSON line per measurement."""

    def __init__(
        self,
        target: Target,
        settings: Settings,
        tools: Tools,
        jsonl: Path,
        context: dict[str, Any],
    ) -> None:
        self.target = target
        self.settings = settings
        self.tools = tools
        self.jsonl = jsonl
        self.context = context
        self.records: list[dict[str, Any]] = []
        self.notes: list[str] = [f"{name}: {why}" for name, why in tools.missing.items()]
        self.can_checkpoint = True
        self.outputs: dict[str, Path] = {}  # dump key -> its output, once written
        self.keep_restored = False  # restored databases renamed aside, not dropped (_discard)
        self.set_aside: list[str] = []

    def run_all(self, dumps: Sequence[Case], restores: Sequence[Case]) -> None:
        only = self.settings.only
        measured = [c for c in (dumps if only != "load" else []) if not c.skip]
        measured += [c for c in (restores if only != "dump" else []) if not c.skip]
        for case in (*dumps, *restores):
            if case.skip:
                self._write(case, None, {"skipped": case.skip})
        if only == "load":
            self._prepare_inputs(dumps, restores)
        for rep in range(self.settings.repeat):
            for case in measured:
                if case.side == "dump":
                    self._dump(case, rep)
                else:
                    self._restore(case, rep)

    def _prepare_inputs(self, dumps: Sequence[Case], restores: Sequence[Case]) -> None:
        """--only load: write the dump files the restores read, untimed."""
        needed = {c.source for c in restores if not c.skip}
        for case in dumps:
            if case.key in needed:
                _log(f"[{self.target.label}] preparing {case.key} (not measured)")
                usage = self._measure(case, case.argv)
                if usage.exit_code == 0 and case.output is not None:
                    self.outputs[case.key] = case.output

    def _dump(self, case: Case, rep: int) -> None:
        self.outputs.pop(case.key, None)  # a restore must not read a failed repetition's file
        if case.output is not None:
            _remove(case.output)
        usage = self._measure(case, case.argv)
        facts: dict[str, Any] = {"repeat": rep}
        if case.output is not None and case.output.exists():
            facts["file_bytes"] = _du(case.output)
            if usage.exit_code == 0:
                self.outputs[case.key] = case.output
        self._record(case, usage, facts, ok=usage.exit_code == 0 and not usage.timed_out)

    def _restore(self, case: Case, rep: int) -> None:
        assert case.source is not None
        facts: dict[str, Any] = {"repeat": rep, "rows_expected": self.settings.rows}
        source = self.outputs.get(case.source)
        if source is None:
            facts["failure"] = f"no input: {case.source} did not produce its file"
            self._write(case, None, {**facts, "ok": False, "exit_code": None})
            return
        facts["input_bytes"] = _du(source)
        _recreate_database(self.target, case.database)
        try:
            usage = self._measure(case, case.argv)
            facts.update(self._restored(case))
        finally:
            self._discard(case.database, rep)
        self._record(case, usage, facts, ok=usage.exit_code == 0 and self._restore_ok(facts))

    def _discard(self, dbname: str, rep: int) -> None:
        """Drop a restored database, or with keep_restored rename it aside until the end.

        The disk here is ext4 without a journal: for a minute or more after a file is
        deleted, creating a file skips its inode (ext4's recently_deleted), so a restore of
        thousands of tables right after the drop of another one spent most of its time in the
        kernel, and took 5.4 to 13.2 s for the same pg_restore.  Set aside, nothing is deleted
        until the section is over.
        """
        if not self.keep_restored:
            _drop_database(self.target, dbname)
            return
        aside = f"{dbname}_r{rep}"
        _drop_database(self.target, aside)
        with psycopg.connect(self.target.dsn("postgres"), autocommit=True) as conn:
            conn.execute(
                sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                    sql.Identifier(dbname), sql.Identifier(aside)
                )
            )
        self.set_aside.append(aside)

    def drop_set_aside(self) -> None:
        """Drop the databases _discard renamed aside."""
        while self.set_aside:
            _drop_database(self.target, self.set_aside.pop())

    def _restored(self, case: Case) -> dict[str, Any]:
        """What the restore left (rows and indexes of papers); suite.py counts tables."""
        return _restored_counts(self.target, case.database)

    def _restore_ok(self, facts: dict[str, Any]) -> bool:
        """Whether the restored database is complete; if not, say why in facts."""
        rows_ok = facts.get("rows") == self.settings.rows
        if not rows_ok and "count_error" not in facts:
            facts["count_error"] = f"{facts.get('rows')} rows after the restore"
        return rows_ok

    def _measure(self, case: Case, argv: Sequence[str]) -> Usage:
        self._checkpoint()
        return run_measured(
            argv,
            env=self.target.client_env(),
            cwd=self._cwd(),
            timeout_s=self.settings.timeout_s,
            server_pid=self.target.server_pid,
        )

    def _checkpoint(self) -> None:
        """Start every case with no dirty buffers left by the previous one (untimed)."""
        if not self.can_checkpoint:
            return
        try:
            with psycopg.connect(self.target.dsn(cases.SOURCE_DB), autocommit=True) as conn:
                conn.execute("CHECKPOINT")
        except psycopg.errors.InsufficientPrivilege:
            self.can_checkpoint = False
            self.notes.append("CHECKPOINT is not allowed for this user: cases start unflushed")

    def _cwd(self) -> Path:
        # not the repository: pgsnap would read a .env file there
        return Path(tempfile.gettempdir())

    def _record(self, case: Case, usage: Usage, facts: dict[str, Any], *, ok: bool) -> None:
        if not ok:
            facts["failure"] = self._failure(usage, facts)
        self._write(case, usage, {**facts, "ok": ok})
        status = "ok" if ok else f"FAILED: {facts['failure']}"
        _log(
            f"[{self.target.label}] rep {facts['repeat'] + 1} {case.side} {case.key}: "
            f"{usage.wall_s:.2f} s, cpu {usage.cpu_s:.2f} s, "
            f"rss {usage.peak_rss_bytes / 1e6:.0f} MB, {status}"
        )

    def _failure(self, usage: Usage, facts: dict[str, Any]) -> str:
        """One line saying why a run failed: timeout, exit code and last stderr line, count."""
        if usage.timed_out:
            return f"timed out after {self.settings.timeout_s:.0f} s"
        if usage.exit_code != 0:
            lines = [line for line in usage.stderr_tail.splitlines() if line.strip()]
            last = f": {lines[-1].strip()}" if lines else ""
            return f"exit {usage.exit_code}{last}"
        return " ".join(str(facts.get("count_error", "unknown")).split())

    def _write(self, case: Case, usage: Usage | None, facts: dict[str, Any]) -> None:
        record: dict[str, Any] = {"case": case.key, "title": case.title, "side": case.side}
        record.update(jobs=case.jobs, argv=list(case.argv), **facts)
        if usage is not None:
            record.update(
                wall_s=round(usage.wall_s, 4),
                cpu_user_s=round(usage.user_s, 4),
                cpu_sys_s=round(usage.sys_s, 4),
                cpu_s=round(usage.cpu_s, 4),
                peak_rss_bytes=usage.peak_rss_bytes,
                exit_code=usage.exit_code,
                stderr=usage.stderr_tail,
                server_cpu_s=_round(usage.server_cpu_s),
                loadavg_1m_before=round(usage.loadavg_before, 2),
            )
            if usage.peak_pss_bytes:  # 0: unreadable
                record["peak_pss_bytes"] = usage.peak_pss_bytes
        record.update(self.context)
        self.records.append(record)
        with self.jsonl.open("a") as f:
            f.write(json.dumps(record, default=str) + "\n")


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def find_tools(target: Target) -> Tools:
    major = _server_major(target)
    clients, missing = find_clients(major, target.bindir)
    pgsnap = Path(sys.executable).parent / "pgsnap"
    if not pgsnap.is_file():
        pgsnap = Path(shutil.which("pgsnap") or "pgsnap")
    compile_pgsnap(_script_python(pgsnap))
    return Tools(
        clients=clients,
        missing=missing,
        pgsnap=pgsnap,
        dump_jobs=cases.detect_jobs(pgsnap, "dump"),
        load_jobs=cases.detect_jobs(pgsnap, "load"),
    )


def compile_pgsnap(python: str) -> None:
    """Byte-compile the pgsnap package that `python` imports, as `pip install` does.

    The package is installed editable, and this machine sets PYTHONDONTWRITEBYTECODE: without
    this, every measured run of pgsnap compiled its ~95 modules from source first (0.31 s
    instead of 0.24 s to import the load path), a cost no installed copy pays.
    """
    code = "import compileall, os, pgsnap; compileall.compile_dir(os.path.dirname(pgsnap.__file__))"
    proc = subprocess.run([python, "-c", code], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"cannot byte-compile pgsnap with {python}: {proc.stderr.strip()[-300:]}")


def _script_python(script: Path) -> str:
    """The interpreter of a console script: its #! line, else this one."""
    try:
        first = script.read_bytes().split(b"\n", 1)[0]
    except OSError:
        return sys.executable
    return first[2:].decode().strip() if first.startswith(b"#!") else sys.executable


def create_dataset(target: Target, rows: int) -> dict[str, Any]:
    """(Re)create the source database with `papers`, VACUUM ANALYZE, warm the cache."""
    return grow_dataset(target, 0, rows)


def grow_dataset(target: Target, have: int, rows: int) -> dict[str, Any]:
    """Bring `papers` from `have` rows (0: create the database) to `rows`, as if made at once.

    The new rows are the next slice of the same generate_series, so a table grown from 100k
    to 1M holds the same rows as one made with 1M (benchmarks/suite.py builds its sizes so).
    """
    _log(f"[{target.label}] {'growing' if have else 'creating'} papers to {rows:,} rows")
    started = time.monotonic()
    if not have:
        _recreate_database(target, cases.SOURCE_DB)
    with psycopg.connect(target.dsn(cases.SOURCE_DB), autocommit=True) as conn:
        if not have:
            conn.execute(PAPERS_DDL)
        first, last = sql.Literal(have + 1), sql.Literal(rows)
        conn.execute(sql.SQL(PAPERS_ROWS).format(first=first, rows=last))
        if not have:
            conn.execute(PAPERS_INDEX)
        conn.execute("VACUUM ANALYZE papers")
        conn.execute("COPY papers TO '/dev/null'")  # untimed: bring the heap into the cache
        heap, toast, indexes, total = _one(conn, SIZES_SQL)
        version = _one(conn, "SHOW server_version")[0]
        names = [name for name, _ in BENCH_SETTINGS]
        found = conn.execute(
            "SELECT name, current_setting(name) FROM unnest(%s::text[]) name", (names,)
        ).fetchall()
    return {
        "rows": rows,
        "heap_bytes": heap,
        "toast_bytes": toast,
        "index_bytes": indexes,
        "total_bytes": total,
        "server_version": version,
        "settings": ", ".join(f"{n}={v}" for n, v in found),
        "create_s": round(time.monotonic() - started, 1),
    }


def describe_machine() -> dict[str, Any]:
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "ram_bytes": psutil.virtual_memory().total,
        "os": platform.platform(),
        "python": platform.python_version(),
    }


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _tools_facts(tools: Tools) -> dict[str, Any]:
    facts: dict[str, Any] = {name: _version(path) for name, path in tools.clients.items()}
    facts.update(
        pgsnap=_version(tools.pgsnap),
        pgsnap_git=_git_state(),
        pgsnap_dump_jobs=tools.dump_jobs,
        pgsnap_load_jobs=tools.load_jobs,
        missing=tools.missing,
    )
    return facts


def _version(path: Path) -> str:
    try:
        proc = subprocess.run([str(path), "--version"], capture_output=True, text=True, check=False)
    except OSError as exc:
        return f"unavailable: {exc}"
    return f"{proc.stdout.strip()} ({path})"


def _git_state() -> str:
    """The commit of the pgsnap checkout and a digest of pgsnap/'s uncommitted changes.

    The package is installed editable and others edit it while we run: comparing this at the
    start and at the end of a run shows whether the code measured changed underneath.
    """

    def git(*args: str) -> str:
        proc = subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True)
        return proc.stdout

    head = git("rev-parse", "--short", "HEAD").strip() or "unknown"
    changes = git("diff", "HEAD", "--", "pgsnap") + git(
        "ls-files", "--others", "--exclude-standard", "--", "pgsnap"
    )
    if not changes:
        return head
    digest = hashlib.sha256(changes.encode()).hexdigest()[:8]
    return f"{head} + uncommitted changes in pgsnap/ (digest {digest})"


def _server_major(target: Target) -> int:
    with psycopg.connect(target.dsn("postgres"), autocommit=True) as conn:
        return conn.info.server_version // 10000


def _recreate_database(target: Target, name: str) -> None:
    _drop_database(target, name)
    with psycopg.connect(target.dsn("postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _drop_database(target: Target, name: str) -> None:
    """Drop even with sessions left over from a killed client (WITH (FORCE), PG 13+)."""
    stmt = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    with psycopg.connect(target.dsn("postgres"), autocommit=True) as conn:
        conn.execute(stmt)


def _restored_counts(target: Target, dbname: str) -> dict[str, Any]:
    """Rows and indexes of the restored table, or why they could not be counted."""
    try:
        with psycopg.connect(target.dsn(dbname), autocommit=True) as conn:
            rows, indexes = _one(conn, RESTORED_SQL)
    except psycopg.Error as exc:
        return {"rows": None, "indexes": None, "count_error": f"cannot count rows: {exc}"}
    return {"rows": rows, "indexes": indexes}


def _one(conn: psycopg.Connection[Any], query: str) -> tuple[Any, ...]:
    row = conn.execute(query).fetchone()
    assert row is not None
    return tuple(row)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _du(path: Path) -> int:
    """Apparent size in bytes of a file, or of every file under a directory (du -sb)."""
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _section_title(target: Target, dataset: dict[str, Any]) -> str:
    return f"{target.label}: PostgreSQL {dataset['server_version']}, {dataset['rows']:,} rows"


def _machine_line(m: dict[str, Any]) -> str:
    return (
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_bytes'] / 2**30:.1f} GiB RAM; "
        f"{m['os']}; Python {m['python']}. Clients and server share this machine."
    )


def _dataset_line(d: dict[str, Any]) -> str:
    mb = report.MB
    return (
        f"Data: `papers` of notes/baseline.md, {d['rows']:,} rows (PK, UNIQUE doi, index on "
        f"published_at), VACUUM ANALYZE; heap {d['heap_bytes'] / mb:,.0f} MB, TOAST "
        f"{d['toast_bytes'] / mb:,.0f} MB, indexes {d['index_bytes'] / mb:,.0f} MB."
    )


def _clients_line(tools: Tools, pgsnap_git: str) -> str:
    found = ", ".join(f"{n} {_short_version(p)}" for n, p in tools.clients.items())
    missing = f"; missing: {', '.join(tools.missing)}" if tools.missing else ""
    jobs = f"dump --jobs {'yes' if tools.dump_jobs else 'no'}, "
    jobs += f"load --jobs {'yes' if tools.load_jobs else 'no'}"
    return f"Clients: {found or 'none'}{missing}; pgsnap {pgsnap_git} ({jobs}; byte-compiled)."


def _short_version(path: Path) -> str:
    words = _version(path).split()
    return words[2] if len(words) > 2 else "?"


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
