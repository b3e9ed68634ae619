"""Orchestrate a dump: snapshot, catalog, DDL, COPY rows into frames, write the archive.

The leader holds a REPEATABLE READ snapshot and ACCESS SHARE locks for the whole dump and
exports the snapshot, so parallel workers can join it (design §3).  Data flow:

    catalog (catalog/) -> DDL (ddl/table.py) -> chunks (chunks.py)
    -> the leader's COPY, or workers (parallel.py) -> the archive (archive/writer.py)
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import secrets
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace

import psycopg
from psycopg import sql

from pgsnap import connection, workers
from pgsnap.api import python_api
from pgsnap.archive.codec import CODECS, codec_for_path
from pgsnap.archive.inventory import DEFAULT_WARN_AFTER, backup_warning
from pgsnap.archive.manifest import Header, header_to_json, large_object_oids, manifest_to_json
from pgsnap.archive.writer import ArchiveWriter
from pgsnap.backup.chunks import MIN_CHUNK_PAGES, ReadPlan, read_plan
from pgsnap.backup.copyout import copy_out
from pgsnap.backup.large_objects import write_large_objects
from pgsnap.backup.options import DumpOptions, Selection
from pgsnap.backup.output import final_path, open_output
from pgsnap.backup.parallel import WorkerSetup, dump_rows_parallel, dump_worker
from pgsnap.catalog import dependencies, objects, planstats, privileges
from pgsnap.catalog import tables as catalog
from pgsnap.catalog.values import CatTable, DatabaseFacts
from pgsnap.config import ConnSource, resolve
from pgsnap.connection import Conn
from pgsnap.ddl import script
from pgsnap.ddl import table as ddl
from pgsnap.ddl.copy import copy_to
from pgsnap.ddl.order import Facts, loop_checks, order, without_excluded
from pgsnap.ddl.planstats import script_sql as planstats_sql
from pgsnap.errors import PgsnapError, PgsnapWarning, UsageError
from pgsnap.model import LARGE_OBJECT, DbObject, Dependency, QualifiedName, TableSpec
from pgsnap.progress import Event, ProgressFn, no_progress
from pgsnap.storage import parse_url
from pgsnap.version import __version__

RESTRICT_KEY_BYTES = 16  # 32 hex digits, as long as pg_dump's key


@dataclass(frozen=True, slots=True)
class DumpResult:
    path: str  # "-" for stdout
    tables: tuple[str, ...]
    rows: int
    table_bytes: int  # on-disk size of the tables, before the dump
    file_bytes: int
    seconds: float
    source: str  # where the connection came from, password masked
    warnings: tuple[str, ...] = ()  # e.g. too many backups of the table in the directory


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the leader read in its snapshot: the tables, the database, what they need."""

    id: str  # pg_export_snapshot(), for the workers
    specs: tuple[TableSpec, ...]
    facts: DatabaseFacts
    dependencies: tuple[Dependency, ...]
    scope: str = "tables"  # tables | schema | database (archive/manifest.py SCOPES)
    objects: tuple[DbObject, ...] = ()


@python_api
def dump(
    tables: str | Sequence[str] = (),
    *,
    schemas: Sequence[str] = (),
    all_tables: bool = False,
    exclude: Sequence[str] = (),
    dsn: str | None = None,
    output: str | os.PathLike[str] | None = None,
    output_dir: str | os.PathLike[str] | None = None,
    compress: str | None = None,
    level: int | None = None,
    force: bool = False,
    jobs: int = 1,
    snapshot: str | None = None,
    where: str | None = None,
    schema_only: bool = False,
    data_only: bool = False,
    with_privileges: bool = False,
    chunk_pages: int | None = None,
    warn_after: int | None = DEFAULT_WARN_AFTER,
    worker_kind: str = "process",
    progress: ProgressFn = no_progress,
    statistics: bool = True,
) -> DumpResult:
    """Dump one table (or several: `schemas`, `all_tables`, minus `exclude`) into one file.

    Without `output` ("-" is stdout) the file is `<table>_<YYYYMMDD>_<HHMMSS>.sql.zst` in
    `output_dir`; it appears only when complete, and on any error or Ctrl-C the partial file
    is removed.  `jobs` > 1 splits big tables into ctid ranges (of about `chunk_pages` heap
    pages) that workers read in the leader's exported snapshot, or in `snapshot`.  `where`
    keeps only the matching rows of one table; `schema_only` / `data_only` leave out the rows
    / the DDL; `with_privileges` keeps owners and GRANTs; `statistics` False leaves out the
    planner statistics (a load then runs ANALYZE).  `output` or `output_dir` may be an
    object-storage URL (``s3://bucket/key.sql.zst``, or ``s3://bucket/prefix/`` for the
    timestamped name under it; ``gs://``, ``az://``): a multipart upload, aborted on any
    error or Ctrl-C (pgsnap/storage).  Raises PgsnapError subclasses.
    """
    # fmt: off
    options = DumpOptions(
        selection=Selection(table_names(tables), tuple(schemas), all_tables, tuple(exclude)),
        codec=_choose_codec(output, compress),  # bad options fail before connecting
        output=_path(output), output_dir=_path(output_dir), level=level, force=force,
        jobs=jobs, snapshot=snapshot, where=checked_where(where),
        contents=contents_of(schema_only, data_only), with_privileges=with_privileges,
        chunk_pages=MIN_CHUNK_PAGES if chunk_pages is None else chunk_pages,
        warn_after=warn_after, worker_kind=worker_kind, statistics=statistics,
    )
    # fmt: on
    return run(options, source=resolve(dsn), progress=progress)


def table_names(tables: str | Sequence[str]) -> tuple[str, ...]:
    return (tables,) if isinstance(tables, str) else tuple(tables)


def _path(path: str | os.PathLike[str] | None) -> str | None:
    return None if path is None else os.fspath(path)


def checked_where(where: str | None) -> str | None:
    """The --where condition, once pglast has seen it is one boolean expression."""
    if where is None:
        return None
    from pgsnap.ddl.statements import check_where  # pglast: loaded only when needed

    return check_where(where)


def run(options: DumpOptions, *, source: ConnSource, progress: ProgressFn) -> DumpResult:
    """The dump of `options`, connecting to `source`."""
    started = time.monotonic()
    conn = connection.connect(source, autocommit=True)
    try:
        search_path = connection.user_search_path(conn)
        connection.apply_session_settings(conn)
        with connection.transaction(conn, read_only=True, snapshot=options.snapshot):
            snap = read_snapshot(conn, options, search_path)
            stem = _file_stem(snap, options.selection)
            path = final_path(options.output, options.output_dir, stem, options.codec)
            with open_output(path, options.force) as out:
                writer = ArchiveWriter(out.stream, codec=options.codec, level=options.level)
                rows = _Writing(conn, writer, snap, options, source, progress).archive()
                out.commit()
    finally:
        conn.close()
    return DumpResult(
        warnings=_retention_warnings(path, snap, options.warn_after),
        path=str(path),
        tables=tuple(s.qname.display() for s in snap.specs),
        rows=sum(rows),
        table_bytes=sum(s.stats.table_bytes for s in snap.specs),
        file_bytes=writer.bytes_written,
        seconds=time.monotonic() - started,
        source=source.describe(),
    )


def read_snapshot(conn: Conn, o: DumpOptions, search_path: list[str]) -> Snapshot:
    """Lock the tables, export the snapshot, read the catalog (in the open transaction)."""
    s = o.selection
    with connection.statement_errors():
        found = catalog.select_tables(
            conn,
            list(s.names),
            search_path,
            schemas=list(s.schemas),
            all_tables=s.all_tables,
            exclude=list(s.exclude),
        )
        names = [sql.Identifier(schema, name) for _, schema, name in dict.fromkeys(found)]
        if names:  # one statement for every table: the catalog work stays flat (design §9)
            lock = sql.SQL("LOCK TABLE {} IN ACCESS SHARE MODE")
            conn.execute(lock.format(sql.SQL(", ").join(names)))
        row = conn.execute("SELECT pg_catalog.pg_export_snapshot()").fetchone()
        snap_id = str(row[0]) if row else ""
        unique = list(dict.fromkeys(found))
        cats = catalog.read_tables(conn, unique, foreign_partitions=s.scope != "tables")
        if s.scope != "tables":
            return _whole(conn, snap_id, cats, o)
        read = [ddl.table_spec(t) for t in cats]
        needs = {
            t.qname: dependencies.read_dependencies(conn, f[0])
            for t, f in zip(read, unique, strict=True)
        }
        specs, deps = _archived_sequences(read, needs)
        if o.with_privileges:
            specs = privileges.with_privileges_all(conn, specs)
        if o.where is not None:
            specs = [replace(specs[0], where=o.where)]
            _check_where_on_server(conn, specs[0])
        specs = _with_statistics(conn, specs, cats, o)
        facts = catalog.database_facts(conn)
    unique_deps = tuple({(d.kind, d.identity): d for d in deps}.values())
    return Snapshot(snap_id, tuple(specs), facts, unique_deps)


def _with_statistics(
    conn: Conn, specs: Sequence[TableSpec], cats: Sequence[CatTable], o: DumpOptions
) -> list[TableSpec]:
    """The tables with their planner statistics, unless --no-statistics.  Statistics
    describe the rows: a --schema-only, --data-only or --where dump carries none (as pg_dump
    -s and -a leave them out), and a load of it analyzes."""
    if not o.statistics or o.contents != "all" or o.where is not None:
        return list(specs)
    oids = {QualifiedName(t.schema, t.name): t.oid for t in cats}
    return planstats.with_planner_stats(conn, specs, oids)


def _whole(conn: Conn, snap_id: str, cats: Sequence[CatTable], o: DumpOptions) -> Snapshot:
    """A whole-database or --schema snapshot: every object, in pg_depend order with the
    tables, owners and GRANTs kept as pg_dump keeps them (design §9).  A CHECK that calls a
    function which needs the table back is added after the rows (pg_dump splits it out).
    Large objects are data, as pg_dump has them: a schema-only dump holds none."""
    s = o.selection
    read = objects.read_facts(conn, schemas=None if s.scope == "database" else s.schemas)
    if o.contents == "schema":
        read = replace(read, objects=tuple(r for r in read.objects if r.kind != LARGE_OBJECT))
    read = _without_excluded(conn, read, cats, s)
    late = loop_checks(read, [t.oid for t in cats])
    specs = [ddl.table_spec(ddl.with_late_checks(t, late)) for t in cats]
    by_name = {(t.schema, t.name): t.oid for t in cats}
    specs = privileges.with_privileges_all(conn, ddl.parents_first(specs))
    tables = [(by_name[(t.schema, t.name)], t) for t in specs]
    ordered = order(read, tables, late_checks=late)
    specs = _with_statistics(conn, ordered.tables, cats, o)
    facts = catalog.database_facts(conn)
    return Snapshot(snap_id, tuple(specs), facts, (), s.scope, ordered.objects)


def _without_excluded(conn: Conn, read: Facts, cats: Sequence[CatTable], s: Selection) -> Facts:
    """`read` without the objects that need a table -T left out, said in a warning."""
    if not s.exclude:
        return read
    every = catalog.select_tables(conn, [], [], schemas=list(s.schemas), all_tables=True)
    excluded = frozenset({oid for oid, _, _ in every} - {t.oid for t in cats})
    read, left = without_excluded(read, excluded)
    if left:
        shown = ", ".join(left[:5]) + (f" and {len(left) - 5} more" if len(left) > 5 else "")
        warnings.warn(
            f"left out {len(left)} object(s) that need a table excluded with -T: {shown}",
            PgsnapWarning,
            stacklevel=2,
        )
    return read


def _archived_sequences(
    specs: list[TableSpec], needs: dict[QualifiedName, list[Dependency]]
) -> tuple[list[TableSpec], list[Dependency]]:
    """The tables in the order a load creates them, and the dependencies they carry.  A
    sequence that a default calls but that another table of the archive owns comes with that
    table (not as a dependency), which must then be created first."""
    owners = {(s.schema, s.name): spec.qname for spec in specs for s in spec.owned.sequences}
    deps: list[Dependency] = []
    after: dict[QualifiedName, list[QualifiedName]] = {}
    for spec in specs:
        for dep in needs[spec.qname]:
            owner = owners.get((dep.schema, dep.name)) if dep.kind == "sequence" else None
            if owner is None:
                deps.append(dep)
            elif owner != spec.qname:
                after.setdefault(spec.qname, []).append(owner)
    return ddl.parents_first(specs, after), deps


def _choose_codec(output: str | os.PathLike[str] | None, compress: str | None) -> str:
    if compress is not None and compress not in CODECS:
        raise UsageError(f"unknown compression {compress!r}; choose zstd or gzip")
    url = None if output is None else parse_url(os.fspath(output))  # a bad URL fails here
    if output is None or str(output) == "-" or (url is not None and url.is_prefix):
        return compress or "zstd"
    codec = codec_for_path(str(output))
    if compress is not None and compress != codec:
        raise UsageError(f'--compress {compress} contradicts the file name "{output}"')
    return codec


def _file_stem(snap: Snapshot, selection: Selection) -> str:
    """The table's name (its schema too, unless public); for several tables, the schema's
    name (one --schema) or the database's."""
    if len(snap.specs) == 1:
        spec = snap.specs[0]
        return spec.name if spec.schema == "public" else f"{spec.schema}.{spec.name}"
    if len(selection.schemas) == 1 and not selection.all_tables:
        return selection.schemas[0]
    return snap.facts.database


@dataclass(frozen=True, slots=True)
class _Writing:
    """An archive being written from the leader's snapshot."""

    conn: Conn
    writer: ArchiveWriter
    snap: Snapshot
    options: DumpOptions
    source: ConnSource
    progress: ProgressFn

    def archive(self) -> list[int]:
        """Header, each table's rows, the post-data, the manifest; the rows per table."""
        header = archive_header(self.snap, self.options)
        specs, contents = list(self.snap.specs), self.options.contents
        key = secrets.token_hex(RESTRICT_KEY_BYTES)  # the psql script's \\restrict key
        encoding = connection.copy_encoding(self.snap.facts.encoding)
        deps = self.snap.dependencies
        objs = self.snap.objects
        pre = script.header_sql(
            specs, contents, deps, restrict_key=key, encoding=encoding, objects=objs
        )
        head = header_to_json(header)
        self.writer.write_header(head, pre)
        rows = [0] * len(specs) if contents == "schema" else self.rows()
        copy_open = bool(specs) and contents != "schema"
        oids = large_object_oids(header)  # none in a schema-only dump (_whole)
        if oids and copy_open:
            self.writer.write_sql(script.END_OF_COPY)  # the large objects come after the rows
            copy_open = False
        blobs = write_large_objects(self.conn, self.writer, oids)
        stats = planstats_sql(specs, self.snap.facts.server_version_num)
        end = script.end_sql(
            specs, contents, restrict_key=key, objects=objs, copy_open=copy_open, statistics=stats
        )
        self.writer.write_sql(end)
        self.writer.finish(manifest_to_json(head, rows, _now_iso(), blobs))
        return rows

    def rows(self) -> list[int]:
        """Every table's COPY section: read by the leader, or by workers where it splits."""
        o, snap = self.options, self.snap
        plans = [_read_plan(s, snap, o) for s in snap.specs]
        encoding = connection.copy_encoding(snap.facts.encoding)
        connection.set_client_encoding(self.conn, encoding)  # the catalog is read by now
        pool = tail = None
        if o.jobs > 1 and any(len(p.sources) > 1 for p in plans):
            tail = multiprocessing.Value("q", 0)  # where the next placed frame goes
            setup = WorkerSetup(self.source, snap.id, o.codec, o.level, encoding, tail)
            # not bounded: the workers write their frames themselves (workers.py)
            pool = workers.start_pool(o.worker_kind, o.jobs, dump_worker, setup)
        rows: list[int] = []
        try:
            for index, (spec, plan) in enumerate(zip(snap.specs, plans, strict=True)):
                if index:
                    self.writer.write_sql(script.between_sql(spec))
                how = f"{o.jobs} workers, {plan.reason}" if o.jobs > 1 else ""
                total = plan.total_bytes or None
                self.progress(Event("start", spec.qname.display(), total_bytes=total, message=how))
                if pool is not None and len(plan.sources) > 1:
                    args = (pool, self.writer, index, spec, plan, self.progress, tail)
                    rows.append(dump_rows_parallel(*args))
                else:
                    rows.append(self.leader_rows(index, spec, plan))
        finally:
            if pool is not None:
                for _ in pool.workers:
                    pool.tasks.put(None)
                pool.stop()
        return rows

    def leader_rows(self, index: int, spec: TableSpec, plan: ReadPlan) -> int:
        """The table's rows read by the leader, relation by relation."""
        label = spec.qname.display()
        done = {"rows": 0, "bytes": 0}

        def emit(raw: bytearray, rows: int) -> None:
            self.writer.write_data(index, raw, rows, counted=True)  # copy_out's messages
            done["rows"] += rows
            done["bytes"] += len(raw)
            total = plan.total_bytes or None
            self.progress(Event("rows", label, done["rows"], done["bytes"], total))

        relations = dict.fromkeys(r for r, _ in plan.sources)  # one COPY per relation, in order
        rows = sum(copy_out(self.conn, copy_to(spec, relation=r), emit) for r in relations)
        self.progress(Event("done", label, rows, done["bytes"]))
        return rows


def _read_plan(spec: TableSpec, snap: Snapshot, o: DumpOptions) -> ReadPlan:
    return read_plan(
        spec,
        jobs=o.jobs,
        block_size=snap.facts.block_size,
        server_version=snap.facts.server_version_num,
        chunk_pages=o.chunk_pages,
    )


def _retention_warnings(path: str, snap: Snapshot, warn_after: int | None) -> tuple[str, ...]:
    """More than `warn_after` backups of a table in the output directory: say so (the old
    tools warned past 5).  Never fails the dump that just succeeded."""
    if warn_after is None or path == "-" or len(snap.specs) != 1:
        return ()
    url = parse_url(path)
    folder = str(url).rsplit("/", 1)[0] + "/" if url else os.path.dirname(path) or "."
    try:
        warning = backup_warning(
            folder, snap.specs[0].qname, warn_after=warn_after, database=snap.facts.database
        )
    except PgsnapError:
        return ()
    return (warning,) if warning else ()


def contents_of(schema_only: bool, data_only: bool) -> str:
    if schema_only and data_only:
        raise UsageError("--schema-only and --data-only cannot be combined")
    return "schema" if schema_only else "data" if data_only else "all"


def _check_where_on_server(conn: Conn, spec: TableSpec) -> None:
    """Plan the filtered query before any file exists: a bad column or type fails here."""
    stmt = sql.SQL("EXPLAIN SELECT FROM ONLY {} WHERE ({})").format(
        sql.Identifier(spec.schema, spec.name),
        sql.SQL(spec.where or "true"),  # checked by pglast
    )
    with connection.statement_errors(f"--where {spec.where}"):
        conn.execute("SAVEPOINT pgsnap_where")
        try:
            conn.execute(stmt)
        except psycopg.Error:
            conn.execute("ROLLBACK TO SAVEPOINT pgsnap_where")
            raise


def archive_header(snap: Snapshot, o: DumpOptions) -> Header:
    f = snap.facts
    return Header(
        contents=o.contents,
        pgsnap_version=__version__,
        created_at=_now_iso(),
        codec=o.codec,
        server_version=f.server_version,
        server_version_num=f.server_version_num,
        database=f.database,
        encoding=f.encoding,
        collate=f.collate,
        ctype=f.ctype,
        locale_provider=f.locale_provider,
        locale=f.locale,
        database_bytes=f.database_bytes,
        dependencies=snap.dependencies,
        tables=snap.specs,
        scope=snap.scope,
        objects=snap.objects,
    )


def _now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
