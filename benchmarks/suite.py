#!/usr/bin/env python3
"""The benchmark suite of issue 13: every figure it names, in one run, with its verdict.

    .venv/bin/python benchmarks/suite.py --quick            # under 3 minutes, small sizes
    .venv/bin/python benchmarks/suite.py --full --plan      # what the full run would do
    .venv/bin/python benchmarks/suite.py --full --server both --repeat 3

Per server, one throwaway cluster (cluster.py's settings, plus pg_stat_statements to count
statements) and one data set per size: `papers` grows from the smallest size to the largest
by INSERTing the next slice of the same generate_series, and each size's dump files serve
all the restores of that size.  The groups of cases, as scorecard.py names them:

- papers: run.py's cases at each size (a subset in --quick and at the scaling-only sizes);
- memory: dump -j 2 / -j 4 and load -j 4 at the largest size, peak tree RSS and PSS;
- stats: load with the archive's statistics vs load --analyze, when pgsnap load has it;
- toast: a TOAST-heavy table dumped with -j 1 and -j 2;
- many: a database of N small tables (many_tables.py's), dump --all / load against
  pg_dump -Fc / pg_restore, with the statements each sends (pg_stat_statements).

Writes <out>/<run id>.jsonl (one line per measurement, run.py's fields plus server, group,
size), <out>/latest.md (the verdict table, the scaling table, the per-case tables) and
<out>/scaling.png when matplotlib is installed (`pip install -e '.[bench]'`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cases
import click
import psycopg
import report
import run
import scorecard
from cases import Case
from cluster import BENCH_SETTINGS, LocalCluster, Target, system_bindir, wheel_bindir
from many_tables import create_tables
from measure import Usage, run_measured
from psycopg import sql
from scorecard import Plan

HERE = Path(__file__).resolve().parent
SERVERS = ("pg18", "pg15")
# pg_stat_statements counts the statements of the many-objects cases; a restore of 2,000
# tables sends ~15,000 distinct statements, more than the default 5,000 entries keep
SUITE_SETTINGS = (
    *BENCH_SETTINGS,
    ("shared_preload_libraries", "pg_stat_statements"),
    ("pg_stat_statements.max", "50000"),
)
QUICK_TIMEOUT_S, FULL_TIMEOUT_S = 600.0, 3600.0
PAPERS_JOBS = (1, 2)
# the papers cases of the scaling-only sizes (and of every size in --quick): what the
# verdicts and the plot read; the sizes of Plan.full_case_sizes run all of run.py's cases
CORE_CASES = frozenset(
    {
        scorecard.PG_DUMP_GZIP,
        scorecard.PG_DUMP_FC,
        scorecard.PG_DUMP_FC_Z1,
        "pgsnap_zstd_j1",
        scorecard.DUMP_J2,
        scorecard.ZCAT_PSQL,
        scorecard.PG_RESTORE,
        scorecard.LOAD_J1,
        scorecard.LOAD_J2,
    }
)
TOAST_TABLE = "toasty"
TOAST_VALUE_MD5S = (625, 1562)  # 32-byte md5 strings per value: 20 kB to 50 kB
TOAST_AVG_BYTES = 35_000


@dataclass(frozen=True, slots=True)
class Extra:
    """A script another point of issue 13 adds, run by `--extras` where it is in the checkout.

    Each starts its own throwaway cluster (after the suite's is stopped) and writes markdown:
    to the path its `output` option names, or (None) the suite keeps its stdout there.
    """

    args: Callable[[Plan, str], list[str] | None]  # (plan, server) -> its options; None: skip
    output: str | None = None


EXTRAS: dict[str, Extra] = {
    "restore_profile.py": Extra(
        lambda p, s: ["--rows", str(max(p.restore_sizes)), "--server", s, "--repeat", "1"]
    ),
    "toast.py": Extra(
        lambda p, s: ["--size-gb", f"{p.toast_mb / 1000:g}", "--server", s, "--repeat", "1"],
        output="--output",
    ),
    "memory.py": Extra(lambda p, s: ["--rows", str(p.largest), "--server", s], "--output"),
    # restores statistics: PostgreSQL 18 only
    "stats_step.py": Extra(
        lambda p, s: ["--rows", str(p.largest), "--repeat", "1"] if s == "pg18" else None, "--out"
    ),
    "many_profile.py": Extra(lambda p, s: ["--tables", str(p.many_tables), "--server", s]),
}
EXTRA_TIMEOUT_FACTOR = 3  # an extra runs several cases: this many times a case's timeout
STATEMENTS_SQL = """
SELECT s.query, s.calls FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
WHERE d.datname = %s
"""
SPEEDUP_NOTE = (
    "The targets table reads the other way: a speedup is the reference's median wall time "
    "divided by pgsnap's, so above 1 is faster (the issue's \"1.4x faster\")."
)
TABLES_SQL = "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"


@dataclass(frozen=True, slots=True)
class Options:
    plan: Plan
    servers: tuple[str, ...]
    repeat: int
    run_id: str
    out: Path
    timeout_s: float
    extras: bool = False  # also run the other scripts of issue 13 (EXTRAS) found here


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--quick", "mode", flag_value="quick", default=True, help="Small sizes [default].")
@click.option("--full", "mode", flag_value="full", help="The issue's sizes and the scaling series.")
@click.option(
    "--server",
    type=click.Choice([*SERVERS, "both"]),
    default="pg18",
    show_default=True,
    help="pg18: the embedded wheel; pg15: /usr/lib/postgresql/15/bin; both: one after the other.",
)
@click.option(
    "--repeat",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Repetitions; the cases of a group alternate (every case once, then again).",
)
@click.option("--run-id", help="Names the .jsonl and appears in the report [a UTC timestamp].")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=HERE / "results",
    show_default="benchmarks/results",
    help="Where the .jsonl, latest.md and scaling.png go.",
)
@click.option(
    "--timeout",
    "timeout_s",
    type=float,
    help=f"Seconds before a case is killed [{QUICK_TIMEOUT_S:.0f}; --full {FULL_TIMEOUT_S:.0f}].",
)
@click.option(
    "--sizes",
    "sizes_text",
    metavar="N,N,...",
    help="Other papers sizes (rows) for the scaling series; restores are judged at those of "
    "the mode's restore sizes among them, else at the largest.",
)
@click.option(
    "--extras",
    is_flag=True,
    help="Then run the other scripts of issue 13 that are in this checkout (suite.EXTRAS).",
)
@click.option("--plan", "plan_only", is_flag=True, help="Print what would run; start nothing.")
def main(
    mode: str,
    server: str,
    repeat: int,
    run_id: str | None,
    out: Path,
    timeout_s: float | None,
    sizes_text: str | None,
    extras: bool,
    plan_only: bool,
) -> None:
    """Run the issue 13 benchmark suite and write results/latest.md."""
    plan = scorecard.PLANS[mode]
    if sizes_text:
        plan = scorecard.with_sizes(plan, _parse_sizes(sizes_text))
    default_timeout = QUICK_TIMEOUT_S if mode == "quick" else FULL_TIMEOUT_S
    options = Options(
        plan=plan,
        servers=SERVERS if server == "both" else (server,),
        repeat=repeat,
        run_id=run_id or time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()),
        out=out,
        timeout_s=timeout_s or default_timeout,
        extras=extras,
    )
    if plan_only:
        print("\n".join(describe(options)))
        return
    run_suite(options)


def _parse_sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = sorted({int(n.replace("_", "")) for n in text.split(",") if n.strip()})
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not a list of numbers", param_hint="--sizes"
        ) from None
    if not sizes or sizes[0] < 1:
        raise click.BadParameter("give sizes of 1 row or more", param_hint="--sizes")
    return tuple(sizes)


def describe(options: Options) -> list[str]:
    """The plan as lines: what each server would build and run, in order."""
    p = options.plan
    lines = [f"mode {p.mode}, servers {', '.join(options.servers)}, repeat {options.repeat}"]
    for size in p.papers_sizes:
        which = (
            "all of run.py's cases" if size in p.full_case_sizes else ", ".join(sorted(CORE_CASES))
        )
        lines.append(f"papers {size:,} rows (grown from the previous size): {which}")
    restores = ", ".join(f"{s:,}" for s in p.restore_sizes)
    lines.append(
        f"judged: load -j 2 vs pg_restore -j 2 at {restores} rows; load vs zcat | psql at "
        f"{p.demo_rows:,} rows (the demo table)"
    )
    lines.append(
        f"memory at {p.largest:,} rows: dump -j 2, dump -j 4, load -j 4 (peak tree RSS and PSS)"
    )
    lines.append(f"stats at {p.largest:,} rows: load vs load --analyze, if pgsnap load has it")
    lines.append(
        f"toast: {p.toast_mb:,} MB table of 20-50 kB text/jsonb values, dump -j 1 and -j 2"
    )
    lines.append(
        f"many: {p.many_small} and {p.many_tables:,} tables: dump --all vs pg_dump -Fc, load vs "
        "pg_restore, statements counted"
    )
    lines += [f"extra: {line}" for line in _extras_lines()]
    return lines


def run_suite(options: Options) -> None:
    started = time.monotonic()
    options.out.mkdir(parents=True, exist_ok=True)
    jsonl = options.out / f"{options.run_id}.jsonl"
    machine = run.describe_machine()
    results: list[ServerResult] = []
    for label in options.servers:
        with _cluster(label) as cluster:
            results.append(ServerSuite(cluster, options, machine, jsonl).run())
        if options.extras:
            results[-1].extras = run_extras(options, label)
    wall = time.monotonic() - started
    text = document(options, machine, results, wall)
    (options.out / "latest.md").write_text(text)
    print(text)
    _log(f"suite done in {wall:.0f} s; wrote {jsonl} and {options.out / 'latest.md'}")


@contextlib.contextmanager
def _cluster(label: str) -> Iterator[LocalCluster]:
    bindir = wheel_bindir() if label == "pg18" else system_bindir(int(label[2:]))
    _log(f"[{label}] starting a throwaway cluster from {bindir}")
    cluster = LocalCluster(label, bindir, SUITE_SETTINGS)
    try:
        with psycopg.connect(cluster.target.dsn("postgres"), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        yield cluster
    finally:
        cluster.stop()


@dataclass
class ServerResult:
    label: str
    server_line: str = ""
    records: list[dict[str, Any]] = field(default_factory=list)
    sections: list[report.Section] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    extras: list[str] = field(default_factory=list)  # one line per extra script run


class ServerSuite:
    """Every group of cases on one server, in the order that reuses the data best."""

    def __init__(
        self, cluster: LocalCluster, options: Options, machine: dict[str, Any], jsonl: Path
    ) -> None:
        self.target = cluster.target
        self.options = options
        self.plan = options.plan
        self.jsonl = jsonl
        self.tools = run.find_tools(self.target)
        self.base: dict[str, Any] = {"run_id": options.run_id, "server": self.target.label}
        self.base.update(machine=machine, mode=self.plan.mode, tools=run._tools_facts(self.tools))
        self.result = ServerResult(self.target.label)
        self.counter = StatementCounter(self.target)

    def run(self) -> ServerResult:
        have = 0
        for size in self.plan.papers_sizes:
            dataset = run.grow_dataset(self.target, have, size)
            if not have:
                git = str(self.base["tools"]["pgsnap_git"])
                clients = run._clients_line(self.tools, git)
                self.result.server_line = f"{_server_line(self.target, dataset)}\n\n{clients}"
            have = size
            self._papers(size, dataset)
        self._memory_and_stats(dataset)
        self._toast()
        for n in (self.plan.many_small, self.plan.many_tables):
            self._many(n)
        return self.result

    def _bench(self, group: str, size: int, **kw: Any) -> SuiteBench:
        settings = run.Settings(
            rows=size,
            jobs=PAPERS_JOBS,
            repeat=self.options.repeat,
            only=None,
            out=self.options.out,
            workdir=None,
            timeout_s=self.options.timeout_s,
        )
        context = {**self.base, "group": group, "size": size, **kw.pop("context", {})}
        return SuiteBench(self.target, settings, self.tools, self.jsonl, context, **kw)

    def _papers(self, size: int, dataset: dict[str, Any]) -> None:
        with tempfile.TemporaryDirectory(prefix="pgsnap-suite-") as tmp:
            dumps = cases.dump_cases(self.tools, self.target, Path(tmp), PAPERS_JOBS)
            restores = cases.restore_cases(self.tools, self.target, dumps, PAPERS_JOBS)
            if size not in self.plan.full_case_sizes:
                dumps = [c for c in dumps if c.key in CORE_CASES]
                restores = [c for c in restores if c.key in CORE_CASES]
            bench = self._bench(scorecard.PAPERS, size, context={"dataset": dataset})
            bench.run_all(dumps, restores)
        title = f"papers, {size:,} rows"
        self._section(bench, title, dumps, restores, run._dataset_line(dataset))

    def _memory_and_stats(self, dataset: dict[str, Any]) -> None:
        size = self.plan.largest
        with tempfile.TemporaryDirectory(prefix="pgsnap-suite-") as tmp:
            conn = self.target.conninfo(cases.SOURCE_DB)
            dumps = [
                cases._pgsnap_dump(
                    self.tools, conn, "zstd", "sql.zst", Path(tmp) / f"j{j}.sql.zst", j
                )
                for j in (2, 4)
            ]
            restores = [cases._pgsnap_load(self.tools, self.target, dumps[0], 4)]
            memory = self._bench(scorecard.MEMORY, size, context={"dataset": dataset})
            memory.run_all(dumps, restores)
            self._section(memory, f"memory, papers {size:,} rows", dumps, restores, "")
            stats = self._bench(scorecard.STATS, size, context={"dataset": dataset})
            stats.outputs = memory.outputs  # the -j 2 file: no second dump
            stats_cases = self._stats_cases(dumps[0])
            stats.run_all([], stats_cases)
        self._section(stats, f"statistics vs ANALYZE, papers {size:,} rows", [], stats_cases, "")

    def _stats_cases(self, dump: Case) -> list[Case]:
        """load -j 2 as is (statistics from the archive) and with --analyze, if pgsnap has it."""
        with_stats = self._load_case(scorecard.STATS_LOAD, dump, ())
        analyze = self._load_case(scorecard.STATS_ANALYZE, dump, ("--analyze",))
        if not _has_option(self.tools.pgsnap, "load", "--analyze"):
            why = "pgsnap load has no --analyze option (yet): nothing to compare"
            self.result.notes.append(f"statistics vs ANALYZE skipped: {why}")
            return [dataclasses.replace(c, skip=why, argv=()) for c in (with_stats, analyze)]
        return [with_stats, analyze]

    def _load_case(self, key: str, dump: Case, extra: tuple[str, ...]) -> Case:
        """`pgsnap load -j 2` of dump's file into the case's own database, plus extra options."""
        title = f"`pgsnap load -j 2 {' '.join(extra)} papers.sql.zst`".replace("  ", " ")
        case = Case(key, title, "restore", source=dump.key, jobs=2)
        dsn = self.target.conninfo(case.database)
        argv = (str(self.tools.pgsnap), "load", str(dump.output), "--dsn", dsn, "-q", "-j", "2")
        return dataclasses.replace(case, argv=(*argv, *extra))

    def _toast(self) -> None:
        mb = self.plan.toast_mb
        facts = make_toast_table(self.target, mb)
        try:
            with tempfile.TemporaryDirectory(prefix="pgsnap-suite-") as tmp:
                dumps = [self._toast_dump(Path(tmp), j) for j in (1, 2)]
                bench = self._bench(scorecard.TOAST, mb, context={"dataset": facts})
                bench.run_all(dumps, [])
        finally:
            with psycopg.connect(self.target.dsn(cases.SOURCE_DB), autocommit=True) as conn:
                conn.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(TOAST_TABLE)))
        line = (
            f"Data: `{TOAST_TABLE}`, {facts['rows']:,} rows of 20-50 kB values; heap "
            f"{facts['heap_bytes'] / 1e6:,.0f} MB, TOAST {facts['toast_bytes'] / 1e6:,.0f} MB."
        )
        self._section(bench, f"TOAST-heavy table, {mb:,} MB", dumps, [], line)

    def _toast_dump(self, workdir: Path, jobs: int) -> Case:
        out = workdir / f"toast_j{jobs}.sql.zst"
        conn = self.target.conninfo(cases.SOURCE_DB)
        argv = (str(self.tools.pgsnap), "dump", TOAST_TABLE, "--dsn", conn, "-q", "-o", str(out))
        title = f"`pgsnap dump {TOAST_TABLE} -j {jobs}`"
        key = scorecard.TOAST_J1 if jobs == 1 else scorecard.TOAST_J2
        return Case(key, title, "dump", (*argv, "--jobs", str(jobs)), out, jobs=jobs)

    def _many(self, n: int) -> None:
        dbname = make_many_tables(self.target, n)
        try:
            with tempfile.TemporaryDirectory(prefix="pgsnap-suite-") as tmp:
                dumps, restores = self._many_cases(dbname, Path(tmp))
                bench = self._bench(
                    scorecard.MANY, n, counter=self.counter, source_db=dbname, expect_tables=n
                )
                bench.keep_restored = True
                bench.notes.append(
                    "each restored database is renamed aside and dropped after the section, "
                    "not between runs: on this disk (ext4, no journal) creating files just "
                    "after deleting thousands slows every restore that follows (run.py _discard)"
                )
                try:
                    bench.run_all(dumps, restores)
                finally:
                    bench.drop_set_aside()
        finally:
            run._drop_database(self.target, dbname)
        line = f"Data: {n:,} tables (serial key, index, comment, FK to the previous, 20 rows)."
        self._section(bench, f"many objects, {n:,} tables", dumps, restores, line)

    def _many_cases(self, dbname: str, workdir: Path) -> tuple[list[Case], list[Case]]:
        conn, pgsnap = self.target.conninfo(dbname), str(self.tools.pgsnap)
        ours, theirs = workdir / "many.sql.zst", workdir / "many.dump"
        pg_dump, pg_restore = self.tools.client("pg_dump"), self.tools.client("pg_restore")
        dumps = [
            Case(
                scorecard.MANY_DUMP,
                "`pgsnap dump --all`",
                "dump",
                (pgsnap, "dump", "--all", "--dsn", conn, "-q", "-o", str(ours)),
                ours,
            ),
            Case(
                scorecard.MANY_PG_DUMP,
                "`pg_dump -Fc`",
                "dump",
                (pg_dump, "-Fc", "-d", conn, "-f", str(theirs)),
                theirs,
            ),
        ]
        load = Case(scorecard.MANY_LOAD, "`pgsnap load`", "restore", source=scorecard.MANY_DUMP)
        restore = Case(scorecard.MANY_PG_RESTORE, "`pg_restore -d db`", "restore")
        restore = dataclasses.replace(restore, source=scorecard.MANY_PG_DUMP)
        load = dataclasses.replace(
            load,
            argv=(pgsnap, "load", str(ours), "--dsn", self.target.conninfo(load.database), "-q"),
        )
        restore = dataclasses.replace(
            restore, argv=(pg_restore, "-d", self.target.conninfo(restore.database), str(theirs))
        )
        return dumps, [load, restore]

    def _section(
        self, bench: SuiteBench, title: str, dumps: list[Case], restores: list[Case], data: str
    ) -> None:
        self.result.records += bench.records
        self.result.sections.append(
            report.Section(
                label=f"{self.target.label}: {title}",
                server="",
                dataset=data,
                clients="",
                dump_cases=dumps,
                restore_cases=restores,
                records=bench.records,
                notes=bench.notes,
            )
        )


class SuiteBench(run._Bench):
    """run.py's runner, plus statement counts and a table-count check."""

    def __init__(
        self,
        *args: Any,
        counter: StatementCounter | None = None,
        source_db: str | None = None,
        expect_tables: int | None = None,
    ) -> None:
        super().__init__(*args)
        self.counter = counter
        self.source_db = source_db
        self.expect_tables = expect_tables
        self._pending: dict[str, Any] = {}

    def _measure(self, case: Case, argv: Sequence[str]) -> Usage:
        self._checkpoint()
        if self.counter is not None:
            self.counter.reset()
        usage = run_measured(
            argv,
            env=self.target.client_env(),
            cwd=self._cwd(),
            timeout_s=self.settings.timeout_s,
            server_pid=self.target.server_pid,
        )
        if self.counter is not None:
            dbname = self.source_db if case.side == "dump" else case.database
            assert dbname is not None
            self._pending = self.counter.counts(dbname)
        return usage

    def _record(self, case: Case, usage: Usage, facts: dict[str, Any], *, ok: bool) -> None:
        facts.update(self._pending)
        self._pending = {}
        super()._record(case, usage, facts, ok=ok)

    def _restored(self, case: Case) -> dict[str, Any]:
        if self.expect_tables is None:
            return super()._restored(case)
        with psycopg.connect(self.target.dsn(case.database), autocommit=True) as conn:
            row = conn.execute(TABLES_SQL).fetchone()
        return {"tables": row[0] if row else None}

    def _restore_ok(self, facts: dict[str, Any]) -> bool:
        if self.expect_tables is None:
            return super()._restore_ok(facts)
        if facts.get("tables") != self.expect_tables:
            facts["count_error"] = f"{facts.get('tables')} tables after the restore"
            return False
        return True


class StatementCounter:
    """Statements other than COPY that a case sent to one database, from pg_stat_statements."""

    def __init__(self, target: Target) -> None:
        self.target = target

    def reset(self) -> None:
        with psycopg.connect(self.target.dsn("postgres"), autocommit=True) as conn:
            conn.execute("SELECT pg_stat_statements_reset()")

    def counts(self, dbname: str) -> dict[str, Any]:
        with psycopg.connect(self.target.dsn("postgres"), autocommit=True) as conn:
            rows = conn.execute(STATEMENTS_SQL, (dbname,)).fetchall()
        return scorecard.statement_counts((str(q), int(calls)) for q, calls in rows)


def make_toast_table(target: Target, megabytes: int) -> dict[str, Any]:
    """A table of about `megabytes` MB, mostly 20-50 kB text and jsonb values stored out of line.

    Stand-in for the builder of benchmarks/toast.py (issue 13 point 3): when that script
    lands, call its builder here.  md5 hex does not compress (pglz needs 25%), so the bytes
    stay in TOAST, as with real documents.
    """
    rows = max(1, megabytes * 1_000_000 // TOAST_AVG_BYTES)
    _log(f"[{target.label}] creating {TOAST_TABLE}: {rows:,} rows, about {megabytes:,} MB")
    low, high = TOAST_VALUE_MD5S
    value = (
        f"(SELECT string_agg(md5(g::text || ':' || i), '') FROM generate_series(1, "
        f"{low} + (g * 7919) % {high - low}) i)"
    )
    table = sql.Identifier(TOAST_TABLE)
    with psycopg.connect(target.dsn(cases.SOURCE_DB), autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE TABLE {} (id bigint PRIMARY KEY, body text, doc jsonb)").format(table)
        )
        insert = (
            "INSERT INTO {} SELECT g, CASE WHEN g % 2 = 0 THEN " + value + " END, "
            "CASE WHEN g % 2 = 1 THEN jsonb_build_object('n', g, 'payload', " + value + ") END "
            "FROM generate_series(1, {}) g"
        )
        conn.execute(sql.SQL(insert).format(table, sql.Literal(rows)))
        conn.execute(sql.SQL("VACUUM ANALYZE {}").format(table))
        heap, toast = run._one(
            conn,
            "SELECT pg_relation_size(c.oid), pg_total_relation_size(c.reltoastrelid) "
            "FROM pg_class c WHERE c.relname = 'toasty'",
        )
    return {"rows": rows, "heap_bytes": heap, "toast_bytes": toast, "megabytes": megabytes}


def make_many_tables(target: Target, n: int) -> str:
    """A fresh database `many_<n>` of n small tables (many_tables.py's schema)."""
    dbname = f"many_{n}"
    _log(f"[{target.label}] creating {dbname}: {n:,} tables")
    run._recreate_database(target, dbname)
    create_tables(target, dbname, n)
    with psycopg.connect(target.dsn(dbname), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return dbname


def _has_option(pgsnap: Path, command: str, option: str) -> bool:
    proc = subprocess.run([str(pgsnap), command, "--help"], capture_output=True, check=False)
    return re.search(rb"(^|[\s,])" + re.escape(option.encode()) + rb"\b", proc.stdout) is not None


def run_extras(options: Options, server: str) -> list[str]:
    """Run every extra of this checkout for one server; one report line each."""
    lines = []
    for name, extra in EXTRAS.items():
        args = extra.args(options.plan, server)
        if not (HERE / name).exists() or args is None:
            continue
        out = options.out / f"{Path(name).stem}_{options.plan.mode}_{server}.md"
        argv = [sys.executable, str(HERE / name), *args]
        argv += [extra.output, str(out)] if extra.output else []
        _log(f"[{server}] extra: {' '.join(argv[1:])}")
        lines.append(_run_extra(argv, out, extra.output is None, options.timeout_s))
    return lines


def _run_extra(argv: list[str], out: Path, keep_stdout: bool, timeout_s: float) -> str:
    started = time.monotonic()
    name = Path(argv[1]).name
    try:
        proc = subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout_s * EXTRA_TIMEOUT_FACTOR
        )
    except subprocess.TimeoutExpired:
        return f"{name}: timed out after {timeout_s * EXTRA_TIMEOUT_FACTOR:.0f} s"
    took = time.monotonic() - started
    if keep_stdout:
        out.write_text(proc.stdout)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or [""])[-1]
        return f"{name}: exit {proc.returncode} after {took:.0f} s: {last}"
    return f"{name}: ran in {took:.0f} s, wrote `{out.name}`"


def _extras_lines() -> list[str]:
    present = [name for name in EXTRAS if (HERE / name).exists()]
    absent = [name for name in EXTRAS if name not in present]
    lines = [f"{', '.join(present)}: in this checkout, run with --extras"] if present else []
    return lines + ([f"{', '.join(absent)}: not in this checkout"] if absent else [])


def document(
    options: Options, machine: dict[str, Any], results: Sequence[ServerResult], wall_s: float
) -> str:
    p = options.plan
    parts = [
        "# pgsnap benchmark suite (issue 13)",
        "",
        run._machine_line(machine),
        "",
        f"Run {options.run_id}: `suite.py --{p.mode}`, servers {', '.join(options.servers)}, "
        f"{options.repeat} repetition(s), {wall_s:.0f} s in all; raw figures in "
        f"`{options.run_id}.jsonl`. Speedup = the reference's median wall / pgsnap's: above 1 "
        "is faster.",
    ]
    for i, result in enumerate(results):
        png = "scaling.png" if i == 0 else f"scaling_{result.label}.png"
        parts += _server_part(options, result, png)
    parts += ["", "## Other scripts of issue 13", ""]
    ran = [f"- {r.label}: {line}" for r in results for line in r.extras]
    parts += ran or [f"- {x}" for x in _extras_lines()]
    parts += ["", report._legend(), "", SPEEDUP_NOTE]
    return "\n".join(parts) + "\n"


def _server_part(options: Options, result: ServerResult, png: str) -> list[str]:
    p = options.plan
    rows = scorecard.verdicts(p, result.records, result.label)
    series = scorecard.scaling_series(
        scorecard.Figures(result.records, result.label), p.papers_sizes
    )
    parts = ["", f"## {result.label}: targets", "", result.server_line, ""]
    parts += [*scorecard.verdict_table(rows), ""]
    parts += [scorecard.summary(rows), *[f"\n- {n}" for n in result.notes]]
    parts += ["", f"## {result.label}: time against rows", ""]
    parts += [
        *scorecard.scaling_table(series, p.papers_sizes),
        "",
        _plot(series, options, png, result.label),
    ]
    for section in result.sections:
        parts += ["", _demoted(report.section_markdown(section))]
    return parts


def _demoted(markdown: str) -> str:
    """run.py's section one heading level down, without the blank lines of its empty fields."""
    text = markdown.replace("\n### ", "\n#### ").replace("## ", "### ", 1)
    return re.sub(r"\n{3,}", "\n\n", text)


def _server_line(target: Target, dataset: dict[str, Any]) -> str:
    return (
        f"Server: PostgreSQL {dataset['server_version']}, {target.description}; settings in "
        f"effect: {dataset['settings']}; pg_stat_statements loaded (it counts the statements "
        "of the many-objects cases)."
    )


def _plot(
    series: dict[str, list[tuple[int, float]]], options: Options, png: str, label: str
) -> str:
    try:
        import scaling_plot
    except ImportError:
        return "No plot: matplotlib is not installed (`pip install -e '.[bench]'`)."
    title = f"pgsnap and PostgreSQL's tools, papers, {label} (run {options.run_id})"
    scaling_plot.write_png(series, options.out / png, title)
    return f"![seconds against rows]({png})"


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
