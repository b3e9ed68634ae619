"""Orchestrate a dump: snapshot, catalog, DDL, COPY rows into frames, write the archive.

One worker for now.  The leader holds a REPEATABLE READ snapshot and ACCESS SHARE locks for
the whole dump and exports the snapshot, so parallel workers can join it (design §3).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import psycopg
from psycopg import sql

from pgsnap import archive, catalog, connection, ddl, script
from pgsnap.config import resolve
from pgsnap.errors import TargetExistsError, UsageError
from pgsnap.model import TableSpec, table_to_json
from pgsnap.progress import Event, ProgressFn, no_progress
from pgsnap.version import __version__

Conn = psycopg.Connection[Any]
COPY_BLOCK_TARGET = archive.FRAME_TARGET_BYTES
EXTENSIONS = {"zstd": ".sql.zst", "gzip": ".sql.gz"}
UNSAFE_FILENAME_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True, slots=True)
class DumpResult:
    path: str  # "-" for stdout
    tables: tuple[str, ...]
    rows: int
    table_bytes: int  # on-disk size of the tables, before the dump
    file_bytes: int
    seconds: float
    source: str  # where the connection came from, password masked


def dump(
    tables: str | Sequence[str],
    *,
    dsn: str | None = None,
    output: str | os.PathLike[str] | None = None,
    output_dir: str | os.PathLike[str] | None = None,
    compress: str | None = None,
    level: int | None = None,
    force: bool = False,
    progress: ProgressFn = no_progress,
) -> DumpResult:
    """Dump one table (or several) into one archive file.

    `output` "-" streams to stdout.  Without `output`, the file is
    `<table>_<YYYYMMDD>_<HHMMSS>.sql.zst` in `output_dir` (default: the current directory).
    The file appears at its final path only when complete; on any error, or Ctrl-C, the
    partial file is removed.  Raises PgsnapError subclasses (see errors.py).
    """
    names = [tables] if isinstance(tables, str) else list(tables)
    if not names:
        raise UsageError("name at least one table to dump")
    codec = _choose_codec(output, compress)  # bad options fail before connecting
    started = time.monotonic()
    source = resolve(dsn)
    conn = connection.connect(source, autocommit=True)
    try:
        specs, facts = _snapshot_and_catalog(conn, names)
        path = _final_path(output, output_dir, specs[0], codec)
        with _open_output(path, force) as out:
            writer = archive.ArchiveWriter(out.stream, codec=codec, level=level)
            rows = _write_archive(conn, writer, specs, facts, codec, progress)
            out.commit()
    finally:
        conn.close()
    return DumpResult(
        path=str(path),
        tables=tuple(s.qname.display() for s in specs),
        rows=sum(rows),
        table_bytes=sum(s.stats.table_bytes for s in specs),
        file_bytes=writer.bytes_written,
        seconds=time.monotonic() - started,
        source=source.describe(),
    )


def _snapshot_and_catalog(conn: Conn, names: list[str]) -> tuple[list[TableSpec], dict[str, Any]]:
    """Open the snapshot, lock the tables, read the catalog.  The transaction stays open."""
    path = connection.user_search_path(conn)
    connection.apply_session_settings(conn)
    with connection.statement_errors():
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        found = [catalog.resolve_table(conn, n, path) for n in names]
        for _, schema, name in found:
            conn.execute(
                sql.SQL("LOCK TABLE {} IN ACCESS SHARE MODE").format(sql.Identifier(schema, name))
            )
        snapshot = conn.execute("SELECT pg_catalog.pg_export_snapshot()").fetchone()
        specs = [ddl.table_spec(catalog.read_table(conn, *f)) for f in dict.fromkeys(found)]
        facts = catalog.database_facts(conn)
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


def default_filename(spec: TableSpec, codec: str, now: dt.datetime | None = None) -> str:
    """papers_20261123_101500.sql.zst; the schema is kept unless it is public."""
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d_%H%M%S")
    base = spec.name if spec.schema == "public" else f"{spec.schema}.{spec.name}"
    return f"{UNSAFE_FILENAME_CHARS.sub('_', base)}_{stamp}{EXTENSIONS[codec]}"


def _final_path(
    output: str | os.PathLike[str] | None,
    output_dir: str | os.PathLike[str] | None,
    spec: TableSpec,
    codec: str,
) -> str:
    if output is not None:
        if output_dir is not None:
            raise UsageError("give either --output or --output-dir, not both")
        return str(output)
    folder = Path(output_dir) if output_dir is not None else Path(".")
    if not folder.is_dir():
        raise UsageError(f'output directory "{folder}" does not exist')
    return str(folder / default_filename(spec, codec))


class _Output:
    """A file that appears at its final path only after commit(); or stdout."""

    def __init__(self, path: str, force: bool) -> None:
        self.path = path
        self.tmp: str | None = None
        self.committed = False
        if path == "-":
            if sys.stdout.isatty():
                raise UsageError("refusing to write a compressed archive to a terminal")
            self.stream: BinaryIO = sys.stdout.buffer
            return
        if os.path.exists(path) and not force:
            raise TargetExistsError(f'file "{path}" already exists; use --force to overwrite it')
        folder, name = os.path.split(os.path.abspath(path))
        self.tmp = os.path.join(folder, f".{name}.partial-{os.getpid()}")
        try:
            self.stream = open(self.tmp, "wb")  # noqa: SIM115 - closed in __exit__
        except OSError as exc:
            reason = (exc.strerror or str(exc)).lower()
            raise UsageError(f'cannot write "{path}": {reason}') from None

    def commit(self) -> None:
        self.stream.flush()
        if self.tmp is not None:
            os.fsync(self.stream.fileno())
            self.stream.close()
            os.replace(self.tmp, self.path)
        self.committed = True

    def __enter__(self) -> _Output:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.tmp is None:
            return
        self.stream.close()
        if not self.committed and os.path.exists(self.tmp):
            os.unlink(self.tmp)


def _open_output(path: str, force: bool) -> _Output:
    return _Output(path, force)


def _write_archive(
    conn: Conn,
    writer: archive.ArchiveWriter,
    specs: list[TableSpec],
    facts: dict[str, Any],
    codec: str,
    progress: ProgressFn,
) -> list[int]:
    header = _header(specs, facts, codec)
    writer.write_header(header, script.header_sql(specs))
    rows: list[int] = []
    for index, spec in enumerate(specs):
        if index:
            writer.write_sql(script.between_sql(spec))
        rows.append(_dump_rows(conn, writer, index, spec, progress))
    writer.write_sql(script.end_sql(specs))
    conn.execute("ROLLBACK")  # read-only snapshot: nothing to commit, locks released
    manifest = dict(header, rows=rows, finished_at=_now_iso())
    writer.finish(manifest)
    return rows


def _header(specs: list[TableSpec], facts: dict[str, Any], codec: str) -> dict[str, Any]:
    return {
        "pgsnap_version": __version__,
        "created_at": _now_iso(),
        "codec": codec,
        "server_version": facts["server_version"],
        "server_version_num": facts["server_version_num"],
        "database": facts["database"],
        "encoding": facts["encoding"],
        "database_bytes": facts["database_bytes"],
        "tables": [table_to_json(s) for s in specs],
    }


def _now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def copy_out_statement(spec: TableSpec) -> sql.Composed:
    cols = spec.copy_columns
    target = sql.Identifier(spec.schema, spec.name)
    if not cols:
        return sql.SQL("COPY {} TO STDOUT").format(target)
    return sql.SQL("COPY {} ({}) TO STDOUT").format(
        target, sql.SQL(", ").join(sql.Identifier(c) for c in cols)
    )


def copy_out(conn: Conn, statement: sql.Composed, emit: Callable[[bytes, int], None]) -> int:
    """Run COPY … TO STDOUT and hand rows to `emit` in blocks of about COPY_BLOCK_TARGET bytes,
    cut at row boundaries.  Text COPY sends one message per row, so this loop is the hot path:
    it only appends and counts bytes.  Returns the number of rows."""
    total = 0
    with (
        connection.statement_errors(statement.as_string(conn)),
        conn.cursor() as cur,
        cur.copy(statement) as copy,
    ):
        block: list[Any] = []
        size = 0
        for row in copy:
            block.append(row)
            size += len(row)
            if size >= COPY_BLOCK_TARGET:
                emit(b"".join(block), len(block))
                total += len(block)
                block.clear()
                size = 0
        if block:
            emit(b"".join(block), len(block))
            total += len(block)
    return total


def _dump_rows(
    conn: Conn, writer: archive.ArchiveWriter, index: int, spec: TableSpec, progress: ProgressFn
) -> int:
    label = spec.qname.display()
    done = {"rows": 0, "bytes": 0}
    progress(Event("start", label, total_bytes=spec.stats.table_bytes or None))

    def emit(raw: bytes, rows: int) -> None:
        writer.write_data(index, raw, rows)
        done["rows"] += rows
        done["bytes"] += len(raw)
        progress(Event("rows", label, done["rows"], done["bytes"], spec.stats.table_bytes or None))

    rows = copy_out(conn, copy_out_statement(spec), emit)
    progress(Event("done", label, rows, done["bytes"]))
    return rows
