"""Orchestrate a restore: target policy, pre-data, COPY FROM STDIN, post-data, verify.

Atomic: everything runs in one transaction, so whatever fails (a bad frame, a failed
statement, a wrong row count, Ctrl-C, a lost connection) leaves the database as it was.
`replace` loads under a staging name and swaps at the very end, so the old table stays
readable during the load.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import replace as replace_fields
from typing import Any

import psycopg
from psycopg import sql

from pgsnap import archive, connection
from pgsnap.archive.manifest import Manifest
from pgsnap.archive.sources import FileSource, RowSource, StreamSource
from pgsnap.config import resolve
from pgsnap.ddl import allowlist, statements
from pgsnap.ddl.dependencies import archive_schemas
from pgsnap.ddl.privileges import without_privileges
from pgsnap.ddl.rename import rename_table
from pgsnap.ddl.staging import staging_spec, swap_statements
from pgsnap.ddl.targets import plan_targets, renamed_specs, single_target
from pgsnap.errors import TableNotFoundError, TargetExistsError, UsageError
from pgsnap.model import (
    Dependency,
    QualifiedName,
    TableSpec,
)
from pgsnap.naming import ident, parse_table_arg
from pgsnap.progress import Event, ProgressFn, no_progress
from pgsnap.restore.checks import check_roles
from pgsnap.restore.dependencies import ensure as ensure_dependencies
from pgsnap.restore.dependencies import ensure_schemas
from pgsnap.restore.staged import check_rows, remove_orphans, run_parallel

Conn = psycopg.Connection[Any]
MAINTENANCE_WORK_MEM = "512MB"  # index builds after the load sort in memory, not on disk


@dataclass(frozen=True, slots=True)
class LoadResult:
    table: str
    rows: int
    seconds: float
    mode: str  # created | replaced | recreated | appended
    source: str


@dataclass(frozen=True, slots=True)
class Options:
    as_name: str | None = None
    table: str | None = None
    drop_existing: bool = False
    cascade: bool = False
    append: bool = False
    replace: bool = False
    shorten_names: bool = False
    jobs: int = 1
    worker_kind: str = "process"
    schema_only: bool = False
    data_only: bool = False
    as_names: tuple[tuple[str, str], ...] = ()  # --as SRC=DEST, in the order given
    no_privileges: bool = False


@dataclass(frozen=True, slots=True)
class _Plan:
    index: int  # the table's position in the archive
    spec: TableSpec  # named as it will finally be
    load_spec: TableSpec  # named as loaded: a staging name for replace
    create: bool  # run the DDL (False when appending to an existing table)
    drop_first: bool
    swap: bool
    rows: bool  # load the rows (False for schema only)
    mode: str


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
    """Restore a table from a pgsnap archive; `file` "-" reads the archive from stdin.

    `as_name` restores the one table loaded under another name; `as_names` renames tables
    of a multi-table archive, {"[schema.]src": "[schema.]dest"} (the CLI's --as SRC=DEST):
    the others keep their names, and foreign keys between the archive's tables follow the
    renamed tables.  Two tables that would get the same name raise UsageError first.

    If the target exists, one of `drop_existing`, `replace` or `append` must be given, or
    TargetExistsError is raised.  Raises PgsnapError subclasses; on any error, nothing changed.

    With `jobs` > 1 (a file, not a stream; not `append`), workers load in parallel into a
    staging table that is renamed into place at the end (see restore/staged.py).
    `schema_only` creates the empty table; `data_only` adds the rows to an existing table.
    Archives made with --where or --data-only append by default.
    An archive dumped with privileges sets the owners and GRANTs of what it creates (a role
    it names that does not exist is a MissingRoleError before any change); `no_privileges`
    leaves them out.
    """
    opts = Options(
        as_name,
        table,
        drop_existing,
        cascade,
        append,
        replace,
        shorten_names,
        jobs,
        worker_kind,
        schema_only,
        data_only,
        tuple((as_names or {}).items()),
        no_privileges,
    )
    _check_options(opts)
    started = time.monotonic()
    conn_source = resolve(dsn)
    if file == "-":
        result = _load_from(StreamSource(sys.stdin.buffer), conn_source, opts, progress)
    else:
        with archive.ArchiveReader.open(file) as reader:
            result = _load_from(FileSource(reader), conn_source, opts, progress)
    table_name, rows, mode = result
    return LoadResult(table_name, rows, time.monotonic() - started, mode, conn_source.describe())


def _check_options(o: Options) -> None:
    chosen = [
        n
        for n, v in (
            ("--append", o.append),
            ("--drop-existing", o.drop_existing),
            ("--replace", o.replace),
        )
        if v
    ]
    if len(chosen) > 1:
        raise UsageError(f"{' and '.join(chosen)} cannot be combined; choose one")
    if o.cascade and not (o.drop_existing or o.replace):
        raise UsageError("--cascade goes with --drop-existing or --replace")
    if o.schema_only and (o.data_only or o.append):
        raise UsageError("--schema-only cannot be combined with --data-only or --append")
    if o.jobs < 1:
        raise UsageError(f"--jobs must be at least 1, not {o.jobs}")
    if o.as_name is not None and o.as_names:
        raise UsageError("--as NEW and --as SRC=DEST cannot be combined")


def _load_from(
    source: RowSource, conn_source: Any, opts: Options, progress: ProgressFn
) -> tuple[str, int, str]:
    specs = list(source.header.tables)
    if opts.table is None and len(specs) > 1:
        return _load_many(source, conn_source, specs, opts, progress)
    index = pick_table(specs, opts.table)
    if opts.as_names:
        opts = replace_fields(opts, as_name=single_target(specs, index, opts.as_names), as_names=())
    deps = _dependencies(source)
    allowlist.check_statements(specs[index], deps)  # before any change
    final = target_spec(_privileges(specs[index], opts), opts.as_name, opts.shorten_names)
    conn = connection.connect(conn_source, autocommit=True)
    try:
        connection.apply_session_settings(conn)
        plan = _plan(conn, index, final, opts, source.header.contents)
        _check_created(conn, [plan])
        parallel = opts.jobs > 1 and isinstance(source, FileSource) and plan.create and plan.rows
        if parallel and final.inherits:
            # a staging child would show its rows through its parents before the swap
            progress(
                Event(
                    "step",
                    final.qname.display(),
                    message="an inheritance child loads in one transaction: --jobs ignored",
                )
            )
            parallel = False
        if parallel and isinstance(source, FileSource):
            remove_orphans(conn, progress)
            rows = run_parallel(
                conn,
                conn_source,
                source.reader,
                index,
                final,
                staging_spec(final),
                drop_existing=plan.drop_first or plan.swap,
                cascade=opts.cascade,
                jobs=opts.jobs,
                worker_kind=opts.worker_kind,
                progress=progress,
                deps=deps,
                schemas=_own_schemas(plan, opts, deps),
            )
        else:
            rows = _run(conn, plan, source, opts, progress)
    finally:
        conn.close()
    return final.qname.display(), rows, plan.mode


def _load_many(
    source: RowSource, conn_source: Any, specs: list[TableSpec], opts: Options, progress: ProgressFn
) -> tuple[str, int, str]:
    """Every table of a multi-table archive, in one transaction: dependencies, all pre-data,
    the rows table by table, then keys and indexes of all, and foreign keys last, so that
    tables referencing each other restore in any order."""
    if opts.as_name is not None:
        raise UsageError(
            "--as NEW renames one table; pick it with --table, or rename tables of the"
            " archive with --as SRC=DEST (repeatable)"
        )
    if opts.replace:
        raise UsageError(
            "--replace works on one table; pick it with --table, or use --drop-existing"
        )
    deps = _dependencies(source)
    for spec in specs:
        allowlist.check_statements(spec, deps)
    specs = [_privileges(s, opts) for s in specs]
    targets = plan_targets(specs, dict(opts.as_names))  # collisions refused before connecting
    finals = renamed_specs(specs, targets, shorten_names=opts.shorten_names)
    conn = connection.connect(conn_source, autocommit=True)
    try:
        connection.apply_session_settings(conn)
        contents = source.header.contents
        plans = [_plan(conn, i, spec, opts, contents) for i, spec in enumerate(finals)]
        _check_created(conn, plans)
        rows = _run_many(conn, plans, source, deps, opts, progress)
    finally:
        conn.close()
    modes = sorted({p.mode for p in plans})
    return f"{len(specs)} tables", rows, "/".join(modes)


def _run_many(
    conn: Conn,
    plans: list[_Plan],
    source: RowSource,
    deps: list[Dependency],
    o: Options,
    progress: ProgressFn,
) -> int:
    try:
        _begin(conn)
        dropped = [p for p in plans if p.drop_first]
        if dropped:
            _drop_many(
                conn, [sql.Identifier(p.spec.schema, p.spec.name) for p in dropped], o.cascade
            )
        created = [p for p in plans if p.create]
        if created:
            ensure_schemas(conn, archive_schemas(_own_specs(created, o), deps))
            ensure_dependencies(conn, deps)
        for p in created:
            for stmt in p.load_spec.pre_data:
                connection.run(conn, stmt)
        loaded = [_copy_in(conn, p, source, progress) if p.rows else 0 for p in plans]
        manifest = source.finish()
        for p, n in zip(plans, loaded, strict=True):
            if p.rows:
                _verify_rows(p, manifest, n)
        post = [s for p in created for s in p.load_spec.post_data]
        for stmt in [s for s in post if not statements.is_foreign_key(s)]:
            connection.run(conn, stmt)
        for stmt in [s for s in post if statements.is_foreign_key(s)]:
            connection.run(conn, stmt)
        with connection.statement_errors():
            for p in plans:
                conn.execute(
                    sql.SQL("ANALYZE {}").format(sql.Identifier(p.spec.schema, p.spec.name))
                )
            conn.execute("COMMIT")
    except BaseException:
        _rollback(conn)
        raise
    return sum(loaded)


def _begin(conn: Conn) -> None:
    """The restore's transaction, with memory for the index builds at its end."""
    with connection.statement_errors():
        conn.execute("BEGIN")
        conn.execute(
            "SELECT pg_catalog.set_config('maintenance_work_mem', %s, true)",
            (MAINTENANCE_WORK_MEM,),
        )


def _drop_many(conn: Conn, targets: list[sql.Identifier], cascade: bool) -> None:
    stmt = sql.SQL("DROP TABLE {}{}").format(
        sql.SQL(", ").join(targets), sql.SQL(" CASCADE" if cascade else "")
    )
    with connection.statement_errors(stmt.as_string(conn)):
        conn.execute(stmt)


def pick_table(specs: list[TableSpec], wanted: str | None) -> int:
    """Index of the table to restore: the only one, or the one named by `wanted`."""
    if wanted is None:
        if len(specs) != 1:
            names = ", ".join(s.qname.display() for s in specs)
            raise UsageError(
                f"the archive holds {len(specs)} tables ({names}); pick one with --table"
            )
        return 0
    schema, name = parse_table_arg(wanted)
    for i, s in enumerate(specs):
        if s.name == name and (schema is None or s.schema == schema):
            return i
    names = ", ".join(s.qname.display() for s in specs)
    raise UsageError(f'the archive has no table "{wanted}"; it holds {names}')


def target_spec(spec: TableSpec, as_name: str | None, shorten_names: bool) -> TableSpec:
    """The spec renamed for `--as` (same schema unless one is given)."""
    if as_name is None:
        return spec
    schema, name = parse_table_arg(as_name)
    target = QualifiedName(schema or spec.schema, name)
    if target == spec.qname:
        return spec
    return rename_table(spec, target, shorten_names=shorten_names)


def _check_created(conn: Conn, plans: list[_Plan]) -> None:
    """Before any change, what the tables to create need: the parents of an inheritance
    child, in the database or created before it by this load (an archive lists parents before
    their children), and every role their GRANTs and owners name."""
    created = [p for p in plans if p.create]
    made: set[QualifiedName] = set()
    for p in created:
        for parent in p.spec.inherits:
            if parent not in made and not _exists(conn, parent):
                raise TableNotFoundError(
                    f"cannot restore {p.spec.qname.display()}: its parent table "
                    f"{parent.display()} does not exist; restore the parent first"
                )
        made.add(p.spec.qname)
    check_roles(conn, [p.spec for p in created])


def _exists(conn: Conn, name: QualifiedName) -> bool:
    row = conn.execute(
        "SELECT pg_catalog.to_regclass(%s) IS NOT NULL", (ident(name.schema, name.name),)
    ).fetchone()
    return bool(row and row[0])


def _plan(conn: Conn, index: int, final: TableSpec, o: Options, contents: str) -> _Plan:
    """What the load will do, from the target's existence, the options and the archive."""
    exists = _exists(conn, final.qname)
    shown = final.qname.display()
    data_only = o.data_only or contents == "data"
    rows = not (o.schema_only or contents == "schema")
    if data_only and not exists:
        raise TableNotFoundError(
            f'table "{shown}" does not exist; loading rows only needs an existing table'
        )
    if not exists:
        return _Plan(index, final, final, True, False, False, rows, "created")
    # a data-only or a filtered (--where) archive adds to the table it came from
    implied_append = data_only or (final.where is not None and not (o.drop_existing or o.replace))
    if o.append or implied_append:
        return _Plan(index, final, final, False, False, False, rows, "appended")
    if o.drop_existing:
        return _Plan(index, final, final, True, True, False, rows, "recreated")
    if o.replace:
        return _Plan(index, final, staging_spec(final), True, False, True, rows, "replaced")
    raise TargetExistsError(
        f'table "{shown}" already exists; use --drop-existing, --replace or --append'
        " (or --as to restore under another name)"
    )


def _run(conn: Conn, plan: _Plan, source: RowSource, o: Options, progress: ProgressFn) -> int:
    target = sql.Identifier(plan.spec.schema, plan.spec.name)
    try:
        _begin(conn)
        with connection.statement_errors():
            if plan.drop_first:
                _drop(conn, target, o.cascade)
        if plan.create:
            deps = _dependencies(source)
            ensure_schemas(conn, _own_schemas(plan, o, deps))
            ensure_dependencies(conn, deps)
            for stmt in plan.load_spec.pre_data:
                connection.run(conn, stmt)
        rows = _copy_in(conn, plan, source, progress) if plan.rows else 0
        manifest = source.finish()
        if plan.rows:
            _verify_rows(plan, manifest, rows)
        if plan.create:
            for stmt in plan.load_spec.post_data:
                connection.run(conn, stmt)
        if plan.swap:
            _swap(conn, plan, o.cascade)
        with connection.statement_errors():
            conn.execute(sql.SQL("ANALYZE {}").format(target))
            conn.execute("COMMIT")
    except BaseException:
        _rollback(conn)
        raise
    return rows


def _own_schemas(plan: _Plan, o: Options, deps: list[Dependency]) -> list[str]:
    """The archive's schemas to create when missing; a schema named with --as must exist."""
    as_schema = o.as_name is not None and parse_table_arg(o.as_name)[0] is not None
    return archive_schemas([] if as_schema else [plan.spec], deps)


def _own_specs(plans: list[_Plan], o: Options) -> list[TableSpec]:
    """The specs whose schema a multi-table load creates: a schema named with --as SRC=DEST
    must exist, as with --as NEW."""
    named = {
        QualifiedName(schema, name)
        for schema, name in (parse_table_arg(dest) for _, dest in o.as_names)
        if schema is not None
    }
    return [p.spec for p in plans if p.spec.qname not in named]


def _privileges(spec: TableSpec, o: Options) -> TableSpec:
    return without_privileges(spec) if o.no_privileges else spec


def _dependencies(source: RowSource) -> list[Dependency]:
    return list(source.header.dependencies)


def _drop(conn: Conn, target: sql.Identifier, cascade: bool) -> None:
    stmt = sql.SQL("DROP TABLE {}{}").format(target, sql.SQL(" CASCADE" if cascade else ""))
    with connection.statement_errors(stmt.as_string(conn)):
        conn.execute(stmt)


def _rollback(conn: Conn) -> None:
    if conn.closed:
        return
    # if the connection is gone, the server has rolled back by itself
    with contextlib.suppress(psycopg.Error):
        conn.execute("ROLLBACK")


def _copy_in(conn: Conn, plan: _Plan, source: RowSource, progress: ProgressFn) -> int:
    spec = plan.load_spec
    cols = spec.copy_columns
    target = sql.Identifier(spec.schema, spec.name)
    column_list = sql.SQL(" ({})").format(sql.SQL(", ").join(map(sql.Identifier, cols)))
    # FREEZE: the table was created in this transaction, so rows can be written frozen and
    # skip the later anti-wraparound vacuum of the whole table.
    # (not possible for a partitioned table, whose rows go to its partitions)
    freeze = sql.SQL(" (FREEZE)") if plan.create and spec.kind != "p" else sql.SQL("")
    stmt = sql.SQL("COPY {}{} FROM STDIN{}").format(
        target, column_list if cols else sql.SQL(""), freeze
    )
    label = plan.spec.qname.display()
    total = source.total_bytes(plan.index)  # once: a file source sums its frames
    progress(Event("start", label, total_bytes=total))
    done = done_rows = 0
    with connection.statement_errors(stmt.as_string(conn)), conn.cursor() as cur:
        with cur.copy(stmt) as copy:
            for raw in source.data(plan.index):
                copy.write(raw)
                done += len(raw)
                done_rows += raw.count(b"\n")
                progress(Event("rows", label, done_rows, done, total))
        rows = cur.rowcount
    progress(Event("done", label, rows=rows, bytes=done))
    return rows


def _verify_rows(plan: _Plan, manifest: Manifest, rows: int) -> None:
    check_rows(plan.spec, rows, manifest.rows[plan.index])


def _swap(conn: Conn, plan: _Plan, cascade: bool) -> None:
    """Drop the old table and give the staged one, and everything it owns, the final names."""
    final, staged = plan.spec, plan.load_spec
    _drop(conn, sql.Identifier(final.schema, final.name), cascade)
    for stmt in swap_statements(staged, final):
        connection.run(conn, stmt)
