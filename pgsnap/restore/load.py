"""Orchestrate a restore: plan, pre-data, COPY FROM STDIN, post-data, verify, commit.

One path for 1..N tables: everything runs in one transaction, so whatever fails (a bad frame,
a failed statement, a wrong row count, Ctrl-C, a lost connection) leaves the database as it
was.  `replace` loads under a staging name and swaps at the very end, so the old table stays
readable during the load.  A single table loaded by parallel workers takes the staged path
of restore/staged.py instead, with the same plan.
"""

from __future__ import annotations

import contextlib
import secrets
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from pgsnap import connection
from pgsnap.archive.manifest import Header
from pgsnap.archive.reader import ArchiveReader
from pgsnap.archive.sources import FileSource, RowSource, StreamSource
from pgsnap.config import ConnSource, resolve
from pgsnap.connection import Conn
from pgsnap.ddl.allowlist import check_statements
from pgsnap.ddl.needed import check_dependencies_needed
from pgsnap.ddl.statements import post_data_in_order
from pgsnap.ddl.targets import parse_renames
from pgsnap.errors import SQLError, TableNotFoundError
from pgsnap.model import QualifiedName, TableName, TableSpec
from pgsnap.progress import Event, ProgressFn, no_progress
from pgsnap.restore import ops, staged
from pgsnap.restore.checks import check_encoding, check_roles
from pgsnap.restore.dependencies import ensure, ensure_schemas
from pgsnap.restore.options import LoadOptions
from pgsnap.restore.plan import TablePlan, chosen, plan_table, schemas_to_create, selected

STAGING_TOKEN_BYTES = 4  # 8 hex digits: a staging name no two loads share


@dataclass(frozen=True, slots=True)
class LoadResult:
    table: str
    rows: int
    seconds: float
    mode: str  # created | replaced | recreated | appended
    source: str


def load(
    file: str,
    *,
    dsn: str | None = None,
    as_name: str | None = None,
    table: str | None = None,
    drop_existing: bool = False,
    cascade: bool = False,
    append: bool = False,
    replace: bool = False,
    shorten_names: bool = False,
    jobs: int = 1,
    schema_only: bool = False,
    data_only: bool = False,
    no_privileges: bool = False,
    worker_kind: str = "process",
    progress: ProgressFn = no_progress,
    as_names: Mapping[str, str] | None = None,
) -> LoadResult:
    """Restore a table (or every table) of a pgsnap archive; `file` "-" reads stdin.

    `as_name` restores the one table loaded under another name; `as_names` renames tables of
    a multi-table archive, {"[schema.]src": "[schema.]dest"}, foreign keys between them
    following.  An existing target needs `drop_existing`, `replace` or `append`, or
    TargetExistsError is raised.  `jobs` > 1 loads a file with parallel workers into a
    staging table swapped into place at the end.  `schema_only` creates the empty table,
    `data_only` adds rows to an existing one (as --where and --data-only archives do by
    default); `no_privileges` skips an archive's owners and GRANTs.  Raises PgsnapError
    subclasses, and then nothing changed (README: "Load").
    """
    # fmt: off
    options = LoadOptions(
        table=_name(table), as_name=_name(as_name), as_names=parse_renames(as_names or {}),
        drop_existing=drop_existing, cascade=cascade, append=append, replace=replace,
        shorten_names=shorten_names, jobs=jobs, worker_kind=worker_kind,
        schema_only=schema_only, data_only=data_only, no_privileges=no_privileges,
    )
    # fmt: on
    started = time.monotonic()
    conn_source = resolve(dsn)
    with _opened(file) as source:
        name, rows, mode = restore(source, conn_source, options, progress)
    return LoadResult(name, rows, time.monotonic() - started, mode, conn_source.describe())


def _name(text: str | None) -> TableName | None:
    return None if text is None else TableName.parse(text)


@contextlib.contextmanager
def _opened(file: str) -> Iterator[RowSource]:
    """The archive as a row source: a seekable file, or stdin read front to back."""
    if file == "-":
        yield StreamSource(sys.stdin.buffer)
        return
    with ArchiveReader.open(file) as reader:
        yield FileSource(reader)


def restore(
    source: RowSource, conn_source: ConnSource, options: LoadOptions, progress: ProgressFn
) -> tuple[str, int, str]:
    """Load what `options` select from `source`: (what was loaded, rows, mode(s))."""
    specs = list(source.header.tables)
    deps = source.header.dependencies
    for index in chosen(specs, options):  # the archive's statements, before anything else
        check_statements(specs[index], list(deps))
    check_dependencies_needed(specs, deps)
    tables = selected(specs, options)  # renamed; UsageError before connecting
    parallel = options.jobs > 1 and isinstance(source, FileSource) and len(tables) == 1
    conn = connection.connect(conn_source, autocommit=True)
    try:
        connection.apply_session_settings(conn)
        with _older_target_said(source.header, conn):
            plans = [_plan(conn, i, final, options, source, parallel) for i, final in tables]
            _check_created(conn, plans)
            check_encoding(conn, source.header)
            schemas = schemas_to_create(plans, options, deps)
            if isinstance(source, FileSource) and plans[0].parallel:
                rows = _staged(conn, conn_source, source, plans[0], options, schemas, progress)
            else:
                _say_jobs_ignored(plans, parallel, progress)
                rows = _in_one_transaction(conn, plans, source, options, schemas, progress)
    finally:
        conn.close()
    if len(plans) == 1:
        return plans[0].spec.qname.display(), rows, plans[0].mode
    return f"{len(plans)} tables", rows, "/".join(sorted({p.mode for p in plans}))


@contextlib.contextmanager
def _older_target_said(header: Header, conn: Conn) -> Iterator[None]:
    """A statement that fails on a target older than the archive's source says so: the DDL
    may use what the older server lacks (a VIRTUAL column on 16, say).  Loading into an
    older major is allowed; when it works, nothing is said."""
    target = connection.server_version(conn)
    target_shown = conn.info.parameter_status("server_version") or str(target)
    try:
        yield
    except SQLError as exc:
        source = header.server_version_num or 0
        if source // 10000 <= target // 10000:
            raise
        hint = (
            f"archive dumped from PostgreSQL {header.server_version}; the target is {target_shown}"
        )
        raise type(exc)(f"{exc}; {hint}") from None


def _plan(
    conn: Conn,
    index: int,
    final: TableSpec,
    options: LoadOptions,
    source: RowSource,
    parallel: bool,
) -> TablePlan:
    return plan_table(
        index,
        final,
        exists=ops.exists(conn, final.qname),
        options=options,
        contents=source.header.contents,
        parallel=parallel,
        staging_token=secrets.token_hex(STAGING_TOKEN_BYTES),
    )


def _say_jobs_ignored(plans: Sequence[TablePlan], parallel: bool, progress: ProgressFn) -> None:
    p = plans[0]
    if parallel and p.create and p.rows and p.spec.inherits:
        shown = p.spec.qname.display()
        message = "an inheritance child loads in one transaction: --jobs ignored"
        progress(Event("step", shown, message=message))


def _check_created(conn: Conn, plans: Sequence[TablePlan]) -> None:
    """Before any change, what the tables to create need: the parents of an inheritance
    child, in the database or created before it by this load (an archive lists parents before
    their children), and every role their GRANTs and owners name."""
    created = [p for p in plans if p.create]
    made: set[QualifiedName] = set()
    for p in created:
        for parent in p.spec.inherits:
            if parent not in made and not ops.exists(conn, parent):
                raise TableNotFoundError(
                    f"cannot restore {p.spec.qname.display()}: its parent table "
                    f"{parent.display()} does not exist; restore the parent first"
                )
        made.add(p.spec.qname)
    check_roles(conn, [p.spec for p in created])


def _in_one_transaction(
    conn: Conn,
    plans: Sequence[TablePlan],
    source: RowSource,
    o: LoadOptions,
    schemas: Sequence[str],
    progress: ProgressFn,
) -> int:
    """Every table in one transaction: drops, schemas and dependencies, all pre-data, the
    rows table by table, the row counts, all post-data (foreign keys after every table's
    keys, so tables referencing each other restore in any order), swaps, ANALYZE."""
    created = [p for p in plans if p.create]
    with connection.transaction(conn, settings=ops.INDEX_BUILD_SETTINGS):
        ops.drop_tables(conn, [p.spec.qname for p in plans if p.drop_first], cascade=o.cascade)
        if created:
            ensure_schemas(conn, schemas)
            ensure(conn, source.header.dependencies)
        for stmt in [s for p in created for s in p.load_spec.pre_data]:
            connection.run(conn, stmt)
        loaded = [ops.copy_in(conn, p, source, progress) if p.rows else 0 for p in plans]
        manifest = source.finish()
        for p, n in zip(plans, loaded, strict=True):
            if p.rows:
                ops.check_rows(p.spec, n, manifest.rows[p.index])
        for stmt in post_data_in_order([p.load_spec for p in created]):
            connection.run(conn, stmt)
        for p in plans:
            if p.staged:
                ops.swap_into_place(conn, p, cascade=o.cascade)
        ops.analyze(conn, [p.spec.qname for p in plans])
    return sum(loaded)


def _staged(
    conn: Conn,
    conn_source: ConnSource,
    source: FileSource,
    plan: TablePlan,
    o: LoadOptions,
    schemas: Sequence[str],
    progress: ProgressFn,
) -> int:
    staged.remove_orphans(conn, progress)
    deps = source.header.dependencies
    job = staged.Job(conn_source, source.reader, plan, deps, schemas, o.jobs, o.worker_kind)
    return staged.run_parallel(conn, job, cascade=o.cascade, progress=progress)
