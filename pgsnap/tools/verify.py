"""Check an archive: every frame, then optionally the live table, or a test restore.

Without a database, verify decompresses every frame and checks it against the manifest
(size, crc32, rows), which open() has already checked against the footer.  While it reads
the rows it computes each table's **row checksum**, an order-independent fingerprint of
the table's contents:

    checksum = (number of rows, Σ h(row) mod 2**64)
    h(row)   = the BLAKE2b digest of 8 bytes of the row's COPY text line (without its
               newline), read as an unsigned little-endian integer

A sum (not an xor) keeps duplicate rows apart, and any row order gives the same value.
Against a database, the same function runs over the dump's own COPY statement (the
archive's columns in its order, ``ONLY`` the table, and the archive's ``--where`` filter if
it has one), in a session with pgsnap's settings (connection.apply_session_settings: ISO
dates, extra_float_digits=3, …), so equal contents give equal text and equal checksums.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import secrets
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from pgsnap import archive, connection
from pgsnap.api import python_api
from pgsnap.archive.psql import check_script
from pgsnap.archive.sources import BlobCheck
from pgsnap.backup.copyout import copy_out
from pgsnap.catalog.fetch import fetch_as
from pgsnap.catalog.values import LiveTable, MayCreate
from pgsnap.config import ConnSource, resolve
from pgsnap.connection import Conn
from pgsnap.ddl.copy import copy_to
from pgsnap.errors import (
    PermissionDeniedError,
    TableNotFoundError,
    UsageError,
    VerifyError,
)
from pgsnap.model import QualifiedName, TableName, TableSpec
from pgsnap.naming import ident, quote_ident_if_needed
from pgsnap.progress import Event, ProgressFn, no_progress
from pgsnap.restore.load import load
from pgsnap.restore.plan import pick_table
from pgsnap.tools.inspect import outside

CHECKSUM_BITS = 64
_MASK = (1 << CHECKSUM_BITS) - 1
_ROW_HASH = functools.partial(hashlib.blake2b, digest_size=CHECKSUM_BITS // 8)
TEMP_PREFIX = "pgsnap_verify_"  # temporary database or schema of a restore test
# DROP DATABASE … WITH (FORCE) exists since PostgreSQL 13
_DROP_FORCE_VERSION = 130000


@dataclass(frozen=True, slots=True)
class Checksum:
    rows: int
    sum: int  # Σ h(row) mod 2**64

    @property
    def hex(self) -> str:
        """The sum as the CLI prints it: 16 hex digits."""
        return f"{self.sum:016x}"

    def __str__(self) -> str:
        return self.hex


class RowChecksum:
    """Accumulates the order-independent checksum of COPY text rows (module docstring)."""

    def __init__(self) -> None:
        self.rows = 0
        self._sum = 0

    def add(self, block: bytes | bytearray) -> None:
        """Adds whole rows: `block` is COPY text lines, each ending in a newline."""
        if not block:
            return
        lines = block[:-1].split(b"\n")
        digests = b"".join([h.digest() for h in map(_ROW_HASH, lines)])
        self._sum = (self._sum + _sum_u64(digests)) & _MASK
        self.rows += len(lines)

    def value(self) -> Checksum:
        return Checksum(self.rows, self._sum)


def _sum_u64(digests: bytes) -> int:
    """Σ of the 8-byte little-endian integers in `digests`."""
    if sys.byteorder == "little":
        return sum(memoryview(digests).cast("Q"))
    return sum(  # pragma: no cover - big-endian hosts
        int.from_bytes(digests[i : i + 8], "little") for i in range(0, len(digests), 8)
    )


def checksum_rows(blocks: Iterable[bytes]) -> Checksum:
    """The checksum of COPY text blocks (each a run of whole lines)."""
    acc = RowChecksum()
    for block in blocks:
        acc.add(block)
    return acc.value()


@dataclass(frozen=True, slots=True)
class TableCheck:
    table: str  # the archive's name for it
    archive: Checksum
    frames: int  # data frames
    live_table: str | None = None  # the table compared with, if any
    live: Checksum | None = None
    restored: Checksum | None = None  # the rows as a test restore loaded them
    restored_indexes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class VerifyResult:
    path: str
    file_bytes: int
    frames: int  # every frame, the manifest included
    raw_bytes: int  # uncompressed
    seconds: float  # all of it
    file_seconds: float  # reading and checking the file
    tables: tuple[TableCheck, ...] = field(default=())
    source: str | None = None  # the connection used, password masked
    restore_test: str | None = None  # "database pgsnap_verify_…" / "schema …" (dropped)

    @property
    def rows(self) -> int:
        return sum(t.archive.rows for t in self.tables)


@python_api
def verify(
    file: str | os.PathLike[str],
    *,
    dsn: str | None = None,
    live: bool = False,
    as_name: str | None = None,
    table: str | None = None,
    restore_test: bool = False,
    jobs: int = 1,
    progress: ProgressFn = no_progress,
) -> VerifyResult:
    """Check every frame of `file`, and compute each table's row checksum.

    With `dsn` (or `live`, which takes the connection from the usual sources), also compare
    each table with the live table of the same name (or `as_name`): row count and checksum.
    With `restore_test`, load the archive into a temporary database (when the role may
    create one and the table depends on nothing outside itself) or a temporary schema
    ``pgsnap_verify_<hex>``, compare, and drop it; `dsn` then only says where, unless `live`
    is given too.  `jobs` is passed to the test load.

    Raises the ArchiveError subclasses for a bad file (a bad frame is named by index and
    offset), VerifyError when a table differs, TableNotFoundError when a live table is
    missing, and the connection errors of pgsnap.load.
    """
    compare_live = live or (dsn is not None and not restore_test)
    live_name = None if as_name is None else TableName.parse(as_name)
    wanted = None if table is None else TableName.parse(table)
    _check_options(compare_live, live_name, jobs)
    started = time.monotonic()
    source = resolve(dsn) if compare_live or restore_test else None  # a bad DSN fails first
    read = _check_file(file, wanted, live_name, compare_live, restore_test, progress)
    checks = read.checks
    if compare_live and source is not None:
        checks = _compare_live(source, read, checks, live_name, progress)
    place = None
    if restore_test and source is not None:
        place, checks = _restore_test(str(file), source, read, checks, jobs, progress)
        progress(Event("step", "", message=f"dropped the temporary {place}"))
    return VerifyResult(
        path=os.fspath(file),
        file_bytes=read.file_bytes,
        frames=read.frames,
        raw_bytes=read.raw_bytes,
        seconds=time.monotonic() - started,
        file_seconds=read.seconds,
        tables=tuple(checks),
        source=None if source is None else source.describe(),
        restore_test=place,
    )


# a restore test's database: SQL_ASCII rows only fit in a SQL_ASCII database
_DATABASE_ENCODING = {
    "UTF8": "ENCODING 'UTF8'",
    "SQL_ASCII": "ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C'",
}


@dataclass(frozen=True, slots=True)
class _FileRead:
    """What reading the file found: the tables, the chosen ones and their checks."""

    specs: list[TableSpec]
    chosen: list[TableSpec]  # the tables to report on (one with --table)
    checks: list[TableCheck]
    carries: bool  # the archive carries types, functions or extensions
    encoding: str  # the client encoding of its rows (connection.copy_encoding)
    file_bytes: int
    frames: int
    raw_bytes: int
    seconds: float


def _check_file(
    file: str | os.PathLike[str],
    table: TableName | None,
    as_name: TableName | None,
    compare_live: bool,
    restore_test: bool,
    progress: ProgressFn,
) -> _FileRead:
    started = time.monotonic()
    with archive.ArchiveReader.open(file) as reader:
        specs = list(reader.header.tables)
        _check_contents(reader, compare_live, restore_test)
        wanted = list(range(len(specs))) if table is None else [pick_table(specs, table)]
        if as_name is not None and len(wanted) > 1:
            raise UsageError("--as names one live table: pick the archive's table with --table")
        sums = _read_all(reader, progress)
        return _FileRead(
            specs=specs,
            chosen=[specs[i] for i in wanted],
            checks=[
                TableCheck(specs[i].qname.display(), sums[i], _frames(reader, i)) for i in wanted
            ],
            carries=bool(reader.header.dependencies),
            encoding=connection.copy_encoding(reader.header.encoding),
            file_bytes=reader.size,
            frames=len(reader.frames) + 1,
            raw_bytes=sum(f.raw_size for f in reader.frames),
            seconds=time.monotonic() - started,
        )


def _check_options(compare_live: bool, as_name: TableName | None, jobs: int) -> None:
    if as_name is not None and not compare_live:
        raise UsageError("--as names the live table to compare with: give --dsn or --live too")
    if jobs < 1:
        raise UsageError(f"--jobs must be at least 1, not {jobs}")


def _check_contents(reader: archive.ArchiveReader, compare_live: bool, restore_test: bool) -> None:
    contents = reader.header.contents
    if compare_live and contents == "schema":
        raise UsageError(
            f'"{reader.path}" holds no rows (a --schema-only dump): nothing to compare with'
        )
    if restore_test and contents == "data":
        raise UsageError(
            f'"{reader.path}" holds rows only (a --data-only dump): it cannot be restored alone'
        )


def _frames(reader: archive.ArchiveReader, index: int) -> int:
    return len(reader.manifest.table_frames(index))


def _read_all(reader: archive.ArchiveReader, progress: ProgressFn) -> dict[int, Checksum]:
    """Reads and checks every frame in file order; the row checksum of every table."""
    check_script(reader)  # what psql would run: no meta-command pgsnap does not write
    label = os.path.basename(reader.path)
    total = sum(f.raw_size for f in reader.frames if f.table is not None)
    progress(Event("start", label, total_bytes=total or None))
    sums = {i: RowChecksum() for i in range(len(reader.header.tables))}
    done = rows = 0
    blobs = BlobCheck(reader)
    for index, info in enumerate(reader.frames):
        raw = reader.read_frame(index)
        if info.kind == "blob":
            blobs.frame(index, raw)
        if info.table is not None:
            sums[info.table].add(raw)
            rows += info.rows
            done += info.raw_size
            progress(Event("rows", label, rows, done, total or None))
    blobs.finish()
    progress(Event("done", label, rows, done))
    return {i: acc.value() for i, acc in sums.items()}


# --- the live table ---------------------------------------------------------------------


def _compare_live(
    source: ConnSource,
    read: _FileRead,
    checks: list[TableCheck],
    as_name: TableName | None,
    progress: ProgressFn,
) -> list[TableCheck]:
    targets = [_live_name(s, as_name) for s in read.chosen]
    progress(Event("step", "", message=f"comparing with the live tables ({source.describe()})"))
    with _connected(source) as conn:
        found = _checksums(conn, read.chosen, targets, read.encoding)
    out = [
        replace(c, live_table=t.display(), live=s)
        for c, t, s in zip(checks, targets, found, strict=True)
    ]
    _raise_first_difference(out, lambda c: (c.live, f'table "{c.live_table}"'))
    return out


def _live_name(spec: TableSpec, as_name: TableName | None) -> QualifiedName:
    return spec.qname if as_name is None else as_name.qualified(spec.schema)


@contextlib.contextmanager
def _connected(source: ConnSource) -> Iterator[Conn]:
    conn = connection.connect(source, autocommit=True)
    try:
        connection.apply_session_settings(conn)
        yield conn
    finally:
        conn.close()


def _checksums(
    conn: Conn, specs: list[TableSpec], targets: list[QualifiedName], encoding: str
) -> list[Checksum]:
    """Checksums of the live tables, all read in one snapshot, in the client encoding the
    dump's COPY used (`encoding`: the archive's rows were read so)."""
    with connection.transaction(conn, read_only=True):
        return [_live_checksum(conn, s, t, encoding) for s, t in zip(specs, targets, strict=True)]


def _live_checksum(conn: Conn, spec: TableSpec, target: QualifiedName, encoding: str) -> Checksum:
    _check_columns(conn, spec, target)
    acc = RowChecksum()
    connection.set_client_encoding(conn, encoding, local=True)  # the rows' bytes, as dumped
    copy_out(conn, _select_statement(spec, target), lambda raw, _rows: acc.add(raw))
    connection.set_client_encoding(conn, "UTF8", local=True)  # names again
    return acc.value()


def _select_statement(spec: TableSpec, target: QualifiedName) -> str:
    """The dump's own COPY statement (its columns, in its order, and its --where filter),
    pointed at `target`."""
    return copy_to(replace(spec, schema=target.schema, name=target.name))


def _table_facts(conn: Conn, target: QualifiedName) -> LiveTable:
    rows = fetch_as(conn, "verify_table", LiveTable, name=ident(target.schema, target.name))
    if not rows:
        raise TableNotFoundError(f'table "{target.display()}" does not exist')
    return rows[0]


def _check_columns(conn: Conn, spec: TableSpec, target: QualifiedName) -> None:
    live = set(_table_facts(conn, target).columns)
    missing = [c for c in spec.copy_columns if c not in live]
    if missing:
        raise VerifyError(
            f'table "{target.display()}" has no column "{missing[0]}", which the archive holds'
        )


def _raise_first_difference(
    checks: list[TableCheck], pick: Callable[[TableCheck], tuple[Checksum | None, str]]
) -> None:
    """VerifyError for the first table whose other checksum differs from the archive's."""
    differ = [(c, *pick(c)) for c in checks if pick(c)[0] != c.archive]
    if not differ:
        return
    check, other, what = differ[0]
    more = f" (and {len(differ) - 1} more tables)" if len(differ) > 1 else ""
    if other is None:
        raise VerifyError(f"{what} was not compared{more}")
    if other.rows != check.archive.rows:
        detail = f"it has {other.rows:,} rows, the archive {check.archive.rows:,}"
    else:
        detail = (
            f"same {other.rows:,} rows, but row checksum {other} against {check.archive} "
            "in the archive"
        )
    raise VerifyError(f"{what} differs from the archive: {detail}{more}")


# --- the restore test --------------------------------------------------------------------


def _restore_test(
    file: str,
    source: ConnSource,
    read: _FileRead,
    checks: list[TableCheck],
    jobs: int,
    progress: ProgressFn,
) -> tuple[str, list[TableCheck]]:
    """Loads the tables somewhere temporary, compares them with the archive, drops it.

    A fresh database only for tables that need nothing outside themselves (a foreign key's
    table, a type, a function…): those exist in the current database, next to a schema.
    When all of the archive's tables are tested, they load together, in one transaction.
    """
    specs = read.chosen
    together = len(specs) == len(read.specs)
    alone = not read.carries and _self_contained(specs, read.specs if together else specs)
    name = TEMP_PREFIX + secrets.token_hex(4)
    with _connected(source) as conn:
        kind = _create_place(conn, name, self_contained=alone, encoding=read.encoding)
        place = f"{kind} {name}"
        progress(Event("step", "", message=f"restore test: loading into the temporary {place}"))
        try:
            found = _load_and_check(file, source, conn, (kind, name), read, jobs, together)
        finally:
            _drop_place(conn, kind, name)
    out = [
        replace(c, restored=s, restored_indexes=i) for c, (s, i) in zip(checks, found, strict=True)
    ]
    _raise_first_difference(out, lambda c: (c.restored, f'the test restore of "{c.table}"'))
    for check, spec in zip(out, specs, strict=True):
        _check_indexes(check, spec)
    return place, out


def _create_place(conn: Conn, name: str, *, self_contained: bool, encoding: str) -> str:
    """Creates the temporary database (preferred) or schema; returns which."""
    may = fetch_as(conn, "verify_privileges", MayCreate)[0]
    if may.may_create_database and self_contained:
        stmt = sql.SQL("CREATE DATABASE {} TEMPLATE template0 {}").format(
            sql.Identifier(name), sql.SQL(_DATABASE_ENCODING[encoding])
        )
        try:
            conn.execute(stmt)
            return "database"
        except psycopg.Error:
            pass  # e.g. a locale that cannot hold UTF8: a schema will do
    if not may.may_create_schema:
        raise PermissionDeniedError(
            f'role "{may.role}" may create neither a database nor a schema in '
            f'"{may.database}": the restore test needs one of them'
        )
    stmt = sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name))
    with connection.statement_errors(stmt.as_string(conn)):
        conn.execute(stmt)
    return "schema"


def _drop_place(conn: Conn, kind: str, name: str) -> None:
    if kind == "schema":
        stmt = sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name))
    elif connection.server_version(conn) >= _DROP_FORCE_VERSION:
        stmt = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    else:
        stmt = sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name))
    with connection.statement_errors(stmt.as_string(conn)):
        conn.execute(stmt)


def _self_contained(chosen: list[TableSpec], loaded: list[TableSpec]) -> bool:
    """Whether `chosen` need nothing but what `loaded` (restored with them) brings."""
    tables = {s.qname for s in loaded}
    sequences = {QualifiedName(q.schema, q.name) for s in loaded for q in s.owned.sequences}
    for spec in chosen:
        needs = outside(spec)
        if needs.others or needs.tables - tables or needs.sequences - sequences:
            return False
    return True


def _load_and_check(
    file: str,
    source: ConnSource,
    conn: Conn,
    place: tuple[str, str],
    read: _FileRead,
    jobs: int,
    together: bool,
) -> list[tuple[Checksum, tuple[str, ...]]]:
    """The chosen tables loaded into `place` ("database" or "schema", its name); their
    checksums and indexes."""
    (kind, name), specs = place, read.chosen
    if kind == "database":
        target = ConnSource(make_conninfo(source.conninfo, dbname=name), source.origin)
        with _connected(target) as tconn:
            _create_schemas(tconn, specs)
        tables = [None] if together else [s.qname.display() for s in specs]
        for table in tables:
            load(file, dsn=target.conninfo, table=table, jobs=jobs)
        with _connected(target) as tconn:
            return _restored(tconn, specs, [s.qname for s in specs], read.encoding)
    targets = [QualifiedName(name, s.name) for s in specs]
    if len(set(targets)) != len(targets):
        raise UsageError(
            "two tables of the archive have the same name in different schemas: "
            "restore-test them one by one with --table"
        )
    for spec, moved in zip(specs, targets, strict=True):
        as_name = f"{quote_ident_if_needed(moved.schema)}.{quote_ident_if_needed(moved.name)}"
        load(
            file,
            dsn=source.conninfo or None,
            table=spec.qname.display(),
            as_name=as_name,
            jobs=jobs,
        )
    return _restored(conn, specs, targets, read.encoding)


def _create_schemas(conn: Conn, specs: list[TableSpec]) -> None:
    """The tables' schemas, in the fresh database (public is there already)."""
    stats = {st.schema for s in specs for st in s.owned.statistics}
    for schema in sorted(({s.schema for s in specs} | stats) - {"public"}):
        stmt = sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema))
        with connection.statement_errors(stmt.as_string(conn)):
            conn.execute(stmt)


def _restored(
    conn: Conn, specs: list[TableSpec], targets: list[QualifiedName], encoding: str
) -> list[tuple[Checksum, tuple[str, ...]]]:
    sums = _checksums(conn, specs, targets, encoding)
    indexes = [_table_facts(conn, t).indexes for t in targets]
    return list(zip(sums, indexes, strict=True))


def _check_indexes(check: TableCheck, spec: TableSpec) -> None:
    missing = sorted(set(spec.owned.indexes) - set(check.restored_indexes))
    if missing:
        raise VerifyError(
            f'the test restore of "{check.table}" lacks the index "{missing[0]}"'
            f" ({len(missing)} of {len(spec.owned.indexes)} missing)"
        )
