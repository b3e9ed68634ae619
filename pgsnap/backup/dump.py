"""Orchestrate a dump: snapshot, catalog, DDL, COPY rows into frames, write the archive.

One worker for now.  The leader holds a REPEATABLE READ snapshot and ACCESS SHARE locks for
the whole dump and exports the snapshot, so parallel workers can join it (design §3).
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import psycopg
import psycopg.errors
from psycopg import sql

from pgsnap import archive, connection, workers
from pgsnap.archive.inventory import DEFAULT_WARN_AFTER, backup_warning
from pgsnap.archive.manifest import Header, header_to_json, manifest_to_json
from pgsnap.backup.chunks import MIN_CHUNK_PAGES, ReadPlan, read_plan
from pgsnap.backup.copyout import copy_out, copy_out_statement
from pgsnap.backup.output import final_path, open_output
from pgsnap.backup.parallel import dump_rows_parallel, dump_worker
from pgsnap.catalog import dependencies, privileges
from pgsnap.catalog import tables as catalog
from pgsnap.config import ConnSource, resolve
from pgsnap.connection import Conn
from pgsnap.ddl import script
from pgsnap.ddl import table as ddl
from pgsnap.errors import PgsnapError, UsageError
from pgsnap.model import TableSpec
from pgsnap.progress import Event, ProgressFn, no_progress
from pgsnap.version import __version__


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
class Selection:
    """Which tables a dump takes: named ones, whole schemas or all, minus patterns."""

    names: tuple[str, ...] = ()
    schemas: tuple[str, ...] = ()
    all_tables: bool = False
    exclude: tuple[str, ...] = ()


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
) -> DumpResult:
    """Dump one table (or several) into one archive file.

    `output` "-" streams to stdout.  Without `output`, the file is
    `<table>_<YYYYMMDD>_<HHMMSS>.sql.zst` in `output_dir` (default: the current directory).
    The file appears at its final path only when complete; on any error, or Ctrl-C, the
    partial file is removed.  Raises PgsnapError subclasses (see errors.py).

    `jobs` > 1 splits big tables into ctid ranges (about `chunk_pages` heap pages each) that
    worker processes read under the leader's exported snapshot.  `snapshot` joins a snapshot
    exported by another session (pg_export_snapshot()) instead of taking a new one.
    `where` dumps only the rows of one table that match it (recorded in the archive, whose
    load then appends); `schema_only` / `data_only` leave out the rows / the DDL.
    `with_privileges` keeps the owners and GRANTs of the tables and their sequences (left
    out by default), at the end of the post-data.
    """
    names = [tables] if isinstance(tables, str) else list(tables)
    if not (names or schemas or all_tables):
        raise UsageError("name a table to dump, or use --schema or --all")
    selection = Selection(tuple(names), tuple(schemas), all_tables, tuple(exclude))
    codec = _choose_codec(output, compress)  # bad options fail before connecting
    if jobs < 1:
        raise UsageError(f"--jobs must be at least 1, not {jobs}")
    contents = _contents(schema_only, data_only)
    if with_privileges and data_only:
        raise UsageError("--with-privileges goes with the DDL; --data-only leaves it out")
    if where is not None:
        from pgsnap.ddl.statements import check_where  # pglast: loaded only when needed

        where = check_where(where)
        if len(names) != 1 or schemas or all_tables or schema_only:
            raise UsageError("--where filters the rows of one table; name exactly one")
    if chunk_pages is not None and chunk_pages < 1:
        raise UsageError(f"chunk pages must be at least 1, not {chunk_pages}")
    if worker_kind not in workers.WORKER_KINDS:
        raise UsageError(f"unknown worker kind {worker_kind!r}; choose process or thread")
    started = time.monotonic()
    source = resolve(dsn)
    conn = connection.connect(source, autocommit=True)
    try:
        specs, facts = _snapshot_and_catalog(conn, selection, snapshot, with_privileges)
        if where is not None:
            specs = [replace(specs[0], where=where)]
            _check_where_on_server(conn, specs[0])
        path = final_path(output, output_dir, _file_stem(specs, selection, facts), codec)
        with open_output(path, force) as out:
            writer = archive.ArchiveWriter(out.stream, codec=codec, level=level)
            job = _Job(
                source,
                facts["snapshot"],
                codec,
                level,
                jobs,
                worker_kind,
                facts["block_size"],
                facts["server_version_num"],
                chunk_pages or MIN_CHUNK_PAGES,
                contents,
            )
            rows = _write_archive(conn, writer, specs, facts, job, progress)
            out.commit()
    finally:
        conn.close()
    warnings = _retention_warnings(path, specs, warn_after, str(facts["database"]))
    return DumpResult(
        warnings=warnings,
        path=str(path),
        tables=tuple(s.qname.display() for s in specs),
        rows=sum(rows),
        table_bytes=sum(s.stats.table_bytes for s in specs),
        file_bytes=writer.bytes_written,
        seconds=time.monotonic() - started,
        source=source.describe(),
    )


def _snapshot_and_catalog(
    conn: Conn, selection: Selection, snapshot_id: str | None, with_privileges: bool = False
) -> tuple[list[TableSpec], dict[str, Any]]:
    """Open (or join) the snapshot, lock the tables, read the catalog.  The transaction stays
    open until the rows are read."""
    path = connection.user_search_path(conn)
    connection.apply_session_settings(conn)
    with connection.statement_errors():
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        if snapshot_id is not None:
            conn.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot_id)))
        found = catalog.select_tables(
            conn,
            list(selection.names),
            path,
            schemas=list(selection.schemas),
            all_tables=selection.all_tables,
            exclude=list(selection.exclude),
        )
        for _, schema, name in found:
            conn.execute(
                sql.SQL("LOCK TABLE {} IN ACCESS SHARE MODE").format(sql.Identifier(schema, name))
            )
        snapshot = conn.execute("SELECT pg_catalog.pg_export_snapshot()").fetchone()
        unique = list(dict.fromkeys(found))
        specs = ddl.parents_first([ddl.table_spec(catalog.read_table(conn, *f)) for f in unique])
        if with_privileges:
            specs = [privileges.with_privileges(conn, s) for s in specs]
        facts = catalog.database_facts(conn)
        deps = [d for f in unique for d in dependencies.read_dependencies(conn, f[0])]
    facts["dependencies"] = list({(d.kind, d.identity): d for d in deps}.values())
    facts["snapshot"] = snapshot[0] if snapshot else None
    return specs, facts


def _choose_codec(output: str | os.PathLike[str] | None, compress: str | None) -> str:
    if compress is not None and compress not in archive.CODECS:
        raise UsageError(f"unknown compression {compress!r}; choose zstd or gzip")
    if output is None or str(output) == "-":
        return compress or "zstd"
    codec = archive.codec_for_path(str(output))
    if compress is not None and compress != codec:
        raise UsageError(f'--compress {compress} contradicts the file name "{output}"')
    return codec


def _file_stem(specs: list[TableSpec], selection: Selection, facts: dict[str, Any]) -> str:
    """The table's name (its schema too, unless public); for several tables, the schema's
    name (one --schema) or the database's."""
    if len(specs) == 1:
        spec = specs[0]
        return spec.name if spec.schema == "public" else f"{spec.schema}.{spec.name}"
    if len(selection.schemas) == 1 and not selection.all_tables:
        return selection.schemas[0]
    return str(facts["database"])


@dataclass(frozen=True, slots=True)
class _Job:
    """How the rows are read: by the leader alone, or by a pool of workers."""

    source: ConnSource
    snapshot: str
    codec: str
    level: int | None
    jobs: int
    worker_kind: str
    block_size: int
    server_version: int
    chunk_pages: int
    contents: str  # all | schema | data


def _write_archive(
    conn: Conn,
    writer: archive.ArchiveWriter,
    specs: list[TableSpec],
    facts: dict[str, Any],
    job: _Job,
    progress: ProgressFn,
) -> list[int]:
    header = _header(specs, facts, job.codec, job.contents)
    sql_text = script.header_sql(specs, job.contents, header.dependencies)
    writer.write_header(header_to_json(header), sql_text)
    plans = [
        read_plan(
            s,
            jobs=job.jobs,
            block_size=job.block_size,
            server_version=job.server_version,
            chunk_pages=job.chunk_pages,
        )
        for s in specs
    ]
    pool = None
    if job.contents == "schema":
        writer.write_sql(script.end_sql(specs, job.contents))
        conn.execute("ROLLBACK")
        writer.finish(manifest_to_json(header, [0] * len(specs), _now_iso()))
        return [0] * len(specs)
    if job.jobs > 1 and any(len(p.sources) > 1 for p in plans):
        pool = workers.start_pool(
            job.worker_kind, job.jobs, dump_worker, job.source, job.snapshot, job.codec, job.level
        )
    rows: list[int] = []
    try:
        for index, (spec, plan) in enumerate(zip(specs, plans, strict=True)):
            if index:
                writer.write_sql(script.between_sql(spec))
            progress(
                Event(
                    "start",
                    spec.qname.display(),
                    total_bytes=plan.total_bytes or None,
                    message=f"{job.jobs} workers, {plan.reason}" if job.jobs > 1 else "",
                )
            )
            if pool is not None and len(plan.sources) > 1:
                rows.append(dump_rows_parallel(pool, writer, index, spec, plan, progress))
            else:
                rows.append(_dump_rows(conn, writer, index, spec, plan, progress))
    finally:
        if pool is not None:
            for _ in pool.workers:
                pool.tasks.put(None)
            pool.stop()
    writer.write_sql(script.end_sql(specs, job.contents))
    conn.execute("ROLLBACK")  # read-only snapshot: nothing to commit; locks released
    writer.finish(manifest_to_json(header, rows, _now_iso()))
    return rows


def _retention_warnings(
    path: str, specs: list[TableSpec], warn_after: int | None, database: str
) -> tuple[str, ...]:
    """More than `warn_after` backups of a table in the output directory: say so (the old
    tools warned past 5).  Never fails the dump that just succeeded."""
    if warn_after is None or path == "-" or len(specs) != 1:
        return ()
    try:
        warning = backup_warning(
            os.path.dirname(path) or ".", specs[0].qname, warn_after=warn_after, database=database
        )
    except PgsnapError:
        return ()
    return (warning,) if warning else ()


def _contents(schema_only: bool, data_only: bool) -> str:
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


def _header(specs: list[TableSpec], facts: dict[str, Any], codec: str, contents: str) -> Header:
    return Header(
        contents=contents,
        pgsnap_version=__version__,
        created_at=_now_iso(),
        codec=codec,
        server_version=facts["server_version"],
        server_version_num=facts["server_version_num"],
        database=facts["database"],
        encoding=facts["encoding"],
        database_bytes=facts["database_bytes"],
        dependencies=tuple(facts["dependencies"]),
        tables=tuple(specs),
    )


def _now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _dump_rows(
    conn: Conn,
    writer: archive.ArchiveWriter,
    index: int,
    spec: TableSpec,
    plan: ReadPlan,
    progress: ProgressFn,
) -> int:
    label = spec.qname.display()
    done = {"rows": 0, "bytes": 0}

    def emit(raw: bytearray, rows: int) -> None:
        writer.write_data(index, raw, rows)
        done["rows"] += rows
        done["bytes"] += len(raw)
        progress(Event("rows", label, done["rows"], done["bytes"], plan.total_bytes or None))

    relations = dict.fromkeys(r for r, _ in plan.sources)  # one COPY per relation, in order
    rows = sum(copy_out(conn, copy_out_statement(spec, None, r), emit) for r in relations)
    progress(Event("done", label, rows, done["bytes"]))
    return rows
