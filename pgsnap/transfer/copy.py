"""Orchestrate a copy: dump and load with the file taken out (design §10).

The source side is the dump's: one REPEATABLE READ snapshot holding ACCESS SHARE locks,
exported for the workers, and the catalog read into the Header an archive would carry (sent
through the archive's own parser, so the target sees exactly what a load of the file would).
The target side is the load's `restore()`, unchanged: the allow-list, roles, encoding,
renaming, modes, one transaction (or the staged parallel path), post-data, row counts.
The rows come from a LiveSource (transfer/live.py) instead of a file.

    source: dump.read_snapshot -> Header -> LiveSource --rows--> restore -> target
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pgsnap import connection
from pgsnap.api import python_api
from pgsnap.archive.manifest import Header, header_from_json, header_to_json
from pgsnap.backup import dump
from pgsnap.backup.chunks import MIN_CHUNK_PAGES
from pgsnap.backup.options import DumpOptions, Selection
from pgsnap.catalog.fetch import fetch_as, fetch_column
from pgsnap.config import ConnSource, resolve
from pgsnap.connection import Conn
from pgsnap.ddl.targets import parse_renames
from pgsnap.errors import UsageError
from pgsnap.model import QualifiedName, TableName
from pgsnap.naming import ident
from pgsnap.progress import ProgressFn, no_progress
from pgsnap.restore.load import restore
from pgsnap.restore.options import LoadOptions
from pgsnap.restore.plan import selected
from pgsnap.transfer.live import LiveSetup, LiveSource


@dataclass(frozen=True, slots=True)
class CopyResult:
    table: str  # the table copied (under its final name), or "N tables"
    rows: int
    seconds: float
    mode: str  # created | replaced | recreated | appended (joined by / for several tables)
    source: str  # where the rows came from, password masked
    target: str  # where they went, password masked
    actions: tuple[str, ...] = ()  # as LoadResult's: what the copy did beyond its tables
    dry_run: bool = False


@dataclass(frozen=True, slots=True)
class _Identity:
    """queries/database_identity.sql: equal for two connections to one database."""

    started: str
    port: str
    database_oid: int


@python_api
def copy(
    tables: str | Sequence[str] = (),
    *,
    to_dsn: str | None = None,
    from_dsn: str | None = None,
    schemas: Sequence[str] = (),
    all_tables: bool = False,
    exclude: Sequence[str] = (),
    as_name: str | None = None,
    as_names: Mapping[str, str] | None = None,
    drop_existing: bool = False,
    cascade: bool = False,
    append: bool = False,
    replace: bool = False,
    shorten_names: bool = False,
    jobs: int = 1,
    where: str | None = None,
    schema_only: bool = False,
    data_only: bool = False,
    with_privileges: bool = False,
    no_privileges: bool = False,
    dry_run: bool = False,
    chunk_pages: int | None = None,
    worker_kind: str = "process",
    progress: ProgressFn = no_progress,
    statistics: bool = True,
    analyze: bool = False,
) -> CopyResult:
    """Copy tables (or `schemas`, or `all_tables`: the whole database) from the database of
    `from_dsn` (resolved as dump's is) into the one of `to_dsn`: dump() into load() with no
    file between, each option meaning what it means there (`jobs` > 1: ctid-range chunks by
    workers in the source's snapshot; `statistics` False and `analyze` as dump's and load's).
    Raises PgsnapError subclasses; the target unchanged."""
    to_dsn = _required_target(to_dsn)
    # fmt: off
    dump_options = DumpOptions(
        selection=Selection(dump.table_names(tables), tuple(schemas), all_tables, tuple(exclude)),
        jobs=jobs, where=dump.checked_where(where), worker_kind=worker_kind,
        contents=dump.contents_of(schema_only, data_only), with_privileges=with_privileges,
        chunk_pages=MIN_CHUNK_PAGES if chunk_pages is None else chunk_pages, statistics=statistics,
    )
    load_options = LoadOptions(
        as_name=None if as_name is None else TableName.parse(as_name),
        as_names=parse_renames(as_names or {}), drop_existing=drop_existing, cascade=cascade,
        append=append, replace=replace, shorten_names=shorten_names, jobs=jobs, analyze=analyze,
        worker_kind=worker_kind, no_privileges=no_privileges, dry_run=dry_run,
    )
    # fmt: on
    source, target = resolve(from_dsn, flag="--from"), resolve(to_dsn, flag="--to")
    return run(dump_options, load_options, source=source, target=target, progress=progress)


def _required_target(to_dsn: str | None) -> str:
    if not to_dsn:
        raise UsageError("--to is required: the connection string of the target database")
    return to_dsn


def run(
    dump_options: DumpOptions,
    load_options: LoadOptions,
    *,
    source: ConnSource,
    target: ConnSource,
    progress: ProgressFn,
) -> CopyResult:
    """The copy: the source's snapshot held open until the target has committed."""
    started = time.monotonic()
    conn = connection.connect(source, autocommit=True)
    try:
        search_path = connection.user_search_path(conn)
        connection.apply_session_settings(conn)
        with connection.transaction(conn, read_only=True):
            snap = dump.read_snapshot(conn, dump_options, search_path)
            header = _as_archived(dump.archive_header(snap, dump_options))
            _refuse_onto_itself(conn, target, header, load_options)
            encoding = connection.copy_encoding(header.encoding)
            jobs, pages = dump_options.jobs, dump_options.chunk_pages
            binary = jobs > 1 and binary_copy(conn, target, [t.qname for t in header.tables])
            setup = LiveSetup(source, snap.id, encoding, binary)
            live = LiveSource(conn, header, snap.facts, setup, jobs=jobs, chunk_pages=pages)
            done = restore(live, target, load_options, progress)
    finally:
        conn.close()
    seconds = time.monotonic() - started
    shown = (source.describe(), target.describe(), done.actions, load_options.dry_run)
    return CopyResult(done.table, done.rows, seconds, done.mode, *shown)


def binary_copy(conn: Conn, target: ConnSource, tables: Sequence[QualifiedName]) -> bool:
    """Whether parallel workers move the rows in binary COPY: when every column's type is
    built in (queries/nonbuiltin_columns.sql) and the target runs the source's major
    version, where a built-in type's binary form is the same.  Neither server then formats
    or parses text (timestamps, numerics, arrays, jsonb): at 1M rows of the benchmark's
    papers, -j 2 took 11.5 s against 14.4 s, and 13.0 s of server CPU against 16.7 s
    (benchmarks/results/copy_pg18.md, copy_profile.md)."""
    names = [ident(t.schema, t.name) for t in tables]
    with connection.statement_errors():
        if not names or fetch_column(conn, "nonbuiltin_columns", str, names=names):
            return False
    other = connection.connect(target, autocommit=True)
    with contextlib.closing(other):
        theirs = connection.server_version(other)
    return theirs // 10000 == connection.server_version(conn) // 10000


def _as_archived(header: Header) -> Header:
    """The header as a load of the archive reads it: through the archive's JSON and parser."""
    return header_from_json(header_to_json(header))


def _refuse_onto_itself(
    conn: Conn, target: ConnSource, header: Header, options: LoadOptions
) -> None:
    """UsageError when the target is the source database and a table would land on itself
    (the renames are the load's own: restore/plan.selected)."""
    finals = selected(list(header.tables), options)
    clash = [f for i, f in finals if f.qname == header.tables[i].qname]
    if not clash or not _same_database(conn, target):
        return
    name = clash[0].qname.display()
    raise UsageError(
        f'cannot copy table "{name}" onto itself: --from and --to are the same database;'
        " copy it under another name with --as"
    )


def _same_database(conn: Conn, target: ConnSource) -> bool:
    other = connection.connect(target, autocommit=True)
    with contextlib.closing(other), connection.statement_errors():
        theirs = fetch_as(other, "database_identity", _Identity)
        ours = fetch_as(conn, "database_identity", _Identity)
    return ours == theirs
