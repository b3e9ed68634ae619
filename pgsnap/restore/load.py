"""Orchestrate a restore: plan, pre-data, COPY FROM STDIN, post-data, verify, commit.

One path for 1..N tables: everything runs in one transaction, so whatever fails (a bad frame,
a failed statement, a wrong row count, Ctrl-C, a lost connection) leaves the database as it
was.  `replace` loads under a staging name and swaps at the very end, so the old table stays
readable during the load.  A single table loaded by parallel workers takes the staged path
of restore/staged.py instead, with the same plan.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from pgsnap import connection
from pgsnap.api import python_api
from pgsnap.archive.manifest import Header
from pgsnap.archive.reader import ArchiveReader
from pgsnap.archive.sources import FileSource, RowSource, StreamSource
from pgsnap.config import ConnSource, in_database, resolve
from pgsnap.connection import Conn
from pgsnap.ddl.allowlist import check_statements
from pgsnap.ddl.needed import check_dependencies_needed
from pgsnap.ddl.objects_allow import check_objects
from pgsnap.ddl.order import objects_post
from pgsnap.ddl.privileges import without_object_privileges
from pgsnap.ddl.staging import staging_names, unstaged
from pgsnap.ddl.statements import post_data_in_order, statements_parsed_once
from pgsnap.ddl.targets import parse_renames
from pgsnap.errors import PgsnapError, PgsnapWarning, SQLError, TableNotFoundError, UsageError
from pgsnap.model import LARGE_OBJECT, DbObject, QualifiedName, TableName, TableSpec
from pgsnap.progress import Event, ProgressFn, no_progress
from pgsnap.restore import newdb, objects, ops, planstats, staged, watch
from pgsnap.restore.checks import (
    check_encoding,
    check_fk_targets,
    check_name_clashes,
    check_roles,
)
from pgsnap.restore.dependants import dependants
from pgsnap.restore.dependencies import ensure, ensure_schemas
from pgsnap.restore.options import LoadOptions
from pgsnap.restore.plan import (
    TablePlan,
    chosen,
    described,
    jobs_ignored,
    plan_table,
    remade_tables,
    schemas_to_create,
    selected,
)

STAGING_TOKEN_BYTES = 4  # 8 hex digits: a staging name no two loads share


@dataclass(frozen=True, slots=True)
class LoadResult:
    table: str
    rows: int
    seconds: float
    mode: str  # created | replaced | recreated | appended (joined by / for several tables)
    source: str
    # what the load did beyond its tables: dependants dropped with --cascade, or kept across
    # --replace; with dry_run, everything it would do
    actions: tuple[str, ...] = ()
    dry_run: bool = False


class Restored(NamedTuple):
    table: str  # the table loaded, or "N tables"
    rows: int
    mode: str
    actions: tuple[str, ...]


@python_api
def load(
    file: str | os.PathLike[str],
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
    dry_run: bool = False,
    create: str | None = None,
    worker_kind: str = "process",
    progress: ProgressFn = no_progress,
    as_names: Mapping[str, str] | None = None,
    analyze: bool = False,
) -> LoadResult:
    """Restore a table (or every table) of a pgsnap archive; `file` "-" reads stdin, and an
    object-storage URL (s3://bucket/key, gs://…, az://…) is read by ranged GETs.  `as_name`
    renames the one table loaded; `as_names` renames tables of a multi-table archive,
    {"[schema.]src": "[schema.]dest"}, their foreign keys following.  An existing
    target needs `drop_existing`, `replace` or `append`, or TargetExistsError is raised.
    `jobs` > 1 loads with parallel workers into a staging table swapped in at the end.
    `schema_only` creates the empty table, `data_only` adds rows to an existing one (as
    --where and --data-only archives do by default); `no_privileges` skips an archive's owners
    and GRANTs.  `dry_run` checks everything a load checks, changing nothing.  `create` makes
    that database first, dropped if the load fails.  Into PostgreSQL 18 or later the archive's
    planner statistics are restored instead of running ANALYZE, unless `analyze`.  Raises
    PgsnapError subclasses, and then nothing changed (README: "Load")."""
    # fmt: off
    options = LoadOptions(
        table=_name(table), as_name=_name(as_name), as_names=parse_renames(as_names or {}),
        drop_existing=drop_existing, cascade=cascade, append=append, replace=replace,
        shorten_names=shorten_names, jobs=jobs, worker_kind=worker_kind,
        schema_only=schema_only, data_only=data_only, no_privileges=no_privileges,
        dry_run=dry_run, create=create, analyze=analyze,
    )
    # fmt: on
    started, conn_source = time.monotonic(), resolve(dsn)
    with _opened(file) as source:
        done = restore(source, conn_source, options, progress)
    target = conn_source if create is None else in_database(conn_source, create)
    seconds, where = time.monotonic() - started, target.describe()
    return LoadResult(done.table, done.rows, seconds, done.mode, where, done.actions, dry_run)


def _name(text: str | None) -> TableName | None:
    return None if text is None else TableName.parse(text)


@contextlib.contextmanager
def _opened(file: str | os.PathLike[str]) -> Iterator[RowSource]:
    """The archive as a row source: a seekable file, or stdin read front to back."""
    if os.fspath(file) == "-":
        yield StreamSource(sys.stdin.buffer)
        return
    with ArchiveReader.open(file) as reader:
        yield FileSource(reader)


def restore(
    source: RowSource, conn_source: ConnSource, options: LoadOptions, progress: ProgressFn
) -> Restored:
    """Load what `options` select from `source`: what was loaded, its rows, mode(s), and
    what else the load did (or, with dry_run, would do).  With `create`, into a database
    made for it first, and dropped again if the load fails.  (load and pgsnap copy both come
    here: each stored statement is parsed once for all the checks.)"""
    with statements_parsed_once():
        return _restore(source, conn_source, options, progress)


def _restore(
    source: RowSource, conn_source: ConnSource, options: LoadOptions, progress: ProgressFn
) -> Restored:
    tables = _checked(source, options)  # UsageError before connecting
    if options.create is None:
        return _restore_to(conn_source, source, tables, options, progress)
    plans, said = _checked_new(conn_source, options.create, source, tables, options)
    if options.dry_run:
        return _summary(plans, _expected_rows(source, plans), said)
    with newdb.created(conn_source, options.create, source.header, progress) as target:
        return _restore_to(target, source, tables, options, progress)


def _checked(source: RowSource, options: LoadOptions) -> list[tuple[int, TableSpec]]:
    """The archive's statements and dependencies checked, and the tables to load, renamed."""
    specs = list(source.header.tables)
    deps = source.header.dependencies
    # the archive's statements, before anything else; its dependencies are the same for
    # every table, so they are checked once, with the first (not once per table: N x D walks)
    for k, index in enumerate(chosen(specs, options)):
        check_statements(specs[index], [] if k else list(deps), archive=_label(source))
    check_dependencies_needed(specs, deps)
    check_objects(source.header.objects, source.header.scope, archive=_label(source))
    if options.create is not None and source.header.contents == "data":
        raise UsageError(
            "the archive holds rows only (a --data-only or --where dump): --create makes a new,"
            " empty database with no table to add them to"
        )
    return selected(specs, options)


def _restore_to(
    conn_source: ConnSource,
    source: RowSource,
    tables: Sequence[tuple[int, TableSpec]],
    options: LoadOptions,
    progress: ProgressFn,
) -> Restored:
    objs = _objects(source.header, [i for i, _ in tables], options)
    one_table = len(tables) == 1 and not objs
    parallel = options.jobs > 1 and feed(source) is not None and one_table
    conn = connection.connect(conn_source, autocommit=True)
    try:
        connection.apply_session_settings(conn)
        with _older_target_said(source.header, conn):
            plans = _plans(conn, tables, options, source, parallel)
            _check_created(conn, plans, objs)
            check_encoding(conn, source.header)
            if options.dry_run:
                said = described(plans) + objects.described(objs)
                return _summary(plans, _expected_rows(source, plans), said)
            rows, actions = _run(conn, conn_source, source, plans, options, objs, progress)
    finally:
        conn.close()
    return _summary(plans, rows, actions)


def _checked_new(
    conn_source: ConnSource,
    name: str,
    source: RowSource,
    tables: Sequence[tuple[int, TableSpec]],
    options: LoadOptions,
) -> tuple[list[TablePlan], list[str]]:
    """What --create checks before it creates the database: that it does not exist and may
    be created, the roles the archive names (they are the server's), the foreign keys'
    targets (a new database has none but the load's own).  The plans, and what a dry run
    says it would do."""
    parallel = options.jobs > 1 and feed(source) is not None and len(tables) == 1
    contents = source.header.contents
    plans = [
        plan_table(index, final, exists=False, dependants=[], options=options,
                   contents=contents, parallel=parallel, staging_token="")
        for index, final in tables
    ]  # fmt: skip
    with contextlib.closing(connection.connect(conn_source, autocommit=True)) as conn:
        connection.apply_session_settings(conn)
        server = newdb.check_new(conn, name)
        check_roles(conn, [p.spec for p in plans])
    check_fk_targets(None, plans)
    return plans, [newdb.would_create(name, server, source.header), *described(plans)]


def _label(source: RowSource) -> str:
    """The archive as messages name it: its path, the input stream, a copy's source."""
    return source.label


def _run(
    conn: Conn,
    conn_source: ConnSource,
    source: RowSource,
    plans: Sequence[TablePlan],
    options: LoadOptions,
    objs: Sequence[DbObject],
    progress: ProgressFn,
) -> tuple[int, list[str]]:
    schemas = [] if objs else schemas_to_create(plans, options, source.header.dependencies)
    rows_feed = feed(source)
    if rows_feed is not None and plans and plans[0].parallel:
        staged_args = (conn, conn_source, source.header, rows_feed, plans[0], options)
        return _staged(*staged_args, schemas, progress)
    _say_jobs_ignored(plans, options, source, progress)
    if len(objs) < len(source.header.objects) or options.as_names:  # what is missing of it
        objs = objects.missing(conn, objs)
    else:
        objs = objects.without_existing_schemas(conn, objs)
    objs = objects.available_extensions(conn, objs)
    args = (conn, conn_source, plans, source, options, schemas, objs, progress)
    with _final_names_said(plans):  # (the staged path says its names itself)
        return _in_one_transaction(*args)


def _objects(header: Header, tables: Sequence[int], o: LoadOptions) -> list[DbObject]:
    """The archive's objects a load of `tables` creates (none with --data-only), without
    their owners and GRANTs with --no-privileges."""
    every = len(set(tables)) == len(header.tables)
    if o.data_only or header.contents == "data":  # large objects are data (as pg_dump's)
        objs = [x for x in header.objects if x.kind == LARGE_OBJECT] if every else []
        return [without_object_privileges(x) for x in objs] if o.no_privileges else objs
    # renamed tables get what they need, not the views and functions that name them
    whole = every and not o.as_names
    objs = objects.needed(header.objects, tables, len(header.tables) if whole else -1)
    if o.schema_only:  # and a schema has none (pg_dump -s)
        objs = [x for x in objs if x.kind != LARGE_OBJECT]
    if o.as_names and len(objs) < len(header.objects):
        left = len(header.objects) - len(objs)
        warnings.warn(
            f"--as SRC=DEST: {left} object(s) of the archive that its tables do not need "
            "(views, functions… that may name the old tables) are not restored",
            PgsnapWarning,
            stacklevel=2,
        )
    return [without_object_privileges(x) for x in objs] if o.no_privileges else objs


def _summary(plans: Sequence[TablePlan], rows: int, actions: Sequence[str]) -> Restored:
    if len(plans) == 1:
        return Restored(plans[0].spec.qname.display(), rows, plans[0].mode, tuple(actions))
    modes = "/".join(sorted({p.mode for p in plans}))
    return Restored(f"{len(plans)} tables", rows, modes, tuple(actions))


def _expected_rows(source: RowSource, plans: Sequence[TablePlan]) -> int:
    """The rows a dry run would load: the manifest's counts when the file has one at hand
    (a seekable file), else 0."""
    if not isinstance(source, FileSource):
        return 0
    counts = source.reader.manifest.rows
    return sum(counts[p.index] for p in plans if p.rows)


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
        exc.extend(hint)
        raise


def _staged_names(plans: Sequence[TablePlan]) -> dict[str, str]:
    """Each staging name of the load and the final name it stands for."""
    names: dict[str, str] = {}
    for p in plans:
        if p.staged:
            names |= staging_names(p.load_spec, p.spec)
    return names


@contextlib.contextmanager
def _final_names_said(plans: Sequence[TablePlan]) -> Iterator[None]:
    """An error names the user's tables, never the staging names they are built under."""
    names = _staged_names(plans)
    try:
        yield
    except PgsnapError as exc:
        exc.reword(unstaged(str(exc), names))
        raise


def _plans(
    conn: Conn,
    tables: Sequence[tuple[int, TableSpec]],
    options: LoadOptions,
    source: RowSource,
    parallel: bool,
) -> list[TablePlan]:
    """Each table's plan.  What depends on a table from another table that this load drops
    and re-creates too (a foreign key between two tables of the archive) is not a dependant:
    the load makes it again."""
    contents = source.header.contents
    existing = ops.existing(conn, [final.qname for _, final in tables])
    remade = remade_tables([t for _, t in tables], existing, options, contents)
    plans = []
    for index, final in tables:
        found = dependants(conn, final.qname) if final.qname in existing else []
        plans.append(
            plan_table(
                index,
                final,
                exists=final.qname in existing,
                dependants=[d for d in found if d.relation_name not in remade],
                options=options,
                contents=contents,
                parallel=parallel,
                staging_token=secrets.token_hex(STAGING_TOKEN_BYTES),
            )
        )
    return plans


def _say_jobs_ignored(
    plans: Sequence[TablePlan], options: LoadOptions, source: RowSource, progress: ProgressFn
) -> None:
    reason = jobs_ignored(plans, options.jobs, from_file=feed(source) is not None)
    if reason is not None:
        progress(Event("step", plans[0].spec.qname.display(), message=f"{reason}: --jobs ignored"))


def _check_created(conn: Conn, plans: Sequence[TablePlan], objs: Sequence[DbObject] = ()) -> None:
    """Before any change, what the tables to create need: the parents of an inheritance
    child, in the database or created before it by this load (an archive lists parents before
    their children), and every role their (and the objects') GRANTs and owners name."""
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
    check_roles(conn, [p.spec for p in created], objs)
    check_name_clashes(conn, plans)
    check_fk_targets(conn, plans)


def _in_one_transaction(
    conn: Conn,
    conn_source: ConnSource,
    plans: Sequence[TablePlan],
    source: RowSource,
    o: LoadOptions,
    schemas: Sequence[str],
    objs: Sequence[DbObject],
    progress: ProgressFn,
) -> tuple[int, list[str]]:
    """Every table in one transaction: drops, schemas and dependencies, all pre-data, the
    rows table by table, the row counts, all post-data (foreign keys after every table's
    keys, so tables referencing each other restore in any order), swaps, ANALYZE."""
    created = [p for p in plans if p.create]
    with connection.transaction(conn, settings=ops.INDEX_BUILD_SETTINGS):
        first = [p for p in plans if p.drop_first]
        dropped = ops.drop_tables(conn, [p.spec.qname for p in first], cascade=o.cascade)
        actions = ops.cascaded(dropped, first)
        if created:
            ensure_schemas(conn, schemas)
            ensure(conn, source.header.dependencies)
        n_tables = len(source.header.tables)
        to_create = [(p.index, p.load_spec) for p in created]
        connection.run_all(conn, objects.pre_statements(objs, to_create, n_tables))
        loaded = [ops.copy_in(conn, p, source, progress) if p.rows else 0 for p in plans]
        objects.put_large_objects(conn, source.large_objects(), objs)
        manifest = source.finish()
        for p, n in zip(plans, loaded, strict=True):
            if p.rows:
                ops.check_rows(p.spec, n, manifest.rows[p.index])
        with_data = source.header.contents != "schema" and not o.schema_only
        after = objects_post(objs, with_data=with_data)
        version = source.header.server_version_num
        actions += _after_rows(conn, conn_source, plans, o, after, version, progress)
    return sum(loaded), actions


def _after_rows(
    conn: Conn,
    conn_source: ConnSource,
    plans: Sequence[TablePlan],
    o: LoadOptions,
    after: Sequence[str],
    version: int | None,
    progress: ProgressFn,
) -> list[str]:
    """In the load's transaction: all post-data (then `after`, the objects'), each slow
    statement said as a phase (index builds with the server's percentages), then the swaps
    and the statistics step (the source's planner statistics, `version` being its
    server_version_num, or ANALYZE)."""
    created = [p for p in plans if p.create]
    label = plans[0].spec.qname.display() if len(plans) == 1 else f"{len(plans)} tables"
    oids = watch.table_oids(conn, [p.load_spec.qname for p in created])
    with watch.index_builds_watched(conn_source, oids, label, progress):
        statements = post_data_in_order([p.load_spec for p in created]) + list(after)
        watch.run_phases(conn, statements, label, progress, _staged_names(plans))
    actions: list[str] = []
    for p in plans:
        if p.staged:
            progress(Event("phase", label, message=f"swapping {p.spec.qname.display()} into place"))
            actions += ops.swap_into_place(conn, p, cascade=o.cascade)
    planstats.statistics_step(
        conn, plans, version, analyze=o.analyze, label=label, progress=progress
    )
    return actions


def feed(source: RowSource) -> staged.Feed | None:
    """What parallel workers can take the rows from: a file's frames, or a source that feeds
    workers itself (pgsnap copy's live tables); None for a stream, read front to back."""
    if isinstance(source, FileSource):
        return staged.FileFeed(source.reader)
    return source if isinstance(source, staged.Feed) else None


def _staged(
    conn: Conn,
    conn_source: ConnSource,
    header: Header,
    rows_feed: staged.Feed,
    plan: TablePlan,
    o: LoadOptions,
    schemas: Sequence[str],
    progress: ProgressFn,
) -> tuple[int, list[str]]:
    staged.remove_orphans(conn, progress)
    deps = header.dependencies
    job = staged.Job(
        conn_source, rows_feed, plan, deps, schemas, o.jobs, o.worker_kind,
        analyze=o.analyze, stats_version=header.server_version_num,
    )  # fmt: skip
    return staged.run_parallel(conn, job, cascade=o.cascade, progress=progress)
