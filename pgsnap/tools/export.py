"""Export an archive's tables as CSV files, from the file alone (no database).

The rows are stored as COPY text; this turns them into the CSV that PostgreSQL's own
``COPY … TO STDOUT (FORMAT csv, HEADER true)`` writes, so that ``COPY … FROM STDIN
(FORMAT csv, HEADER true)`` reads them back to the same values:

- a NULL (``\\N``) is an empty unquoted field; an empty string is ``""``;
- a field is quoted when it is empty, or holds a comma, a double quote (doubled inside),
  a carriage return or a newline; in a one-column table, also when it is exactly ``\\.``
  (it would read as the end-of-data marker);
- COPY text escapes are undone first: ``\\b \\f \\n \\r \\t \\v \\\\``, octal ``\\ooo``
  and hex ``\\xhh``, and a backslash before any other character stands for that
  character.  Arrays and bytea are text in both formats (``{1,2}``, ``\\x00ff``).

Lines end with ``\\n``; the files are UTF-8 (pgsnap dumps with client_encoding UTF8), but for a
SQL_ASCII database's archive: its bytes, as they are.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from pgsnap import archive
from pgsnap.api import python_api
from pgsnap.archive.psql import check_script
from pgsnap.errors import IOError_, TargetExistsError, UsageError
from pgsnap.model import TableName, TableSpec
from pgsnap.naming import safe_filename
from pgsnap.progress import Event, ProgressFn, no_progress
from pgsnap.restore.plan import pick_table

CSV_SUFFIX = ".csv"
_NULL = b"\\N"
_ESCAPE = re.compile(rb"\\(?:([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|(.))", re.DOTALL)
_CONTROL = {b"b": b"\b", b"f": b"\f", b"n": b"\n", b"r": b"\r", b"t": b"\t", b"v": b"\v"}
# A field needs quotes in CSV when it holds one of these (or is empty, or is \.).
_NEEDS_QUOTES = re.compile(rb'[,"\r\n]')
# A COPY text field needs more than copying when it holds one of these (or is empty).
_SPECIAL = re.compile(rb'[\\,"\r]')
# A block of rows can be converted by replacing tabs with commas when no field is empty
# and nothing needs unescaping or quoting: the common case of numbers and plain words.
_BLOCK_SLOW = re.compile(rb'[\\,"\r]|\t\t|\t\n|\n\t|\n\n')


@dataclass(frozen=True, slots=True)
class CsvFile:
    table: str
    path: str
    rows: int
    bytes: int


@dataclass(frozen=True, slots=True)
class ExportResult:
    files: tuple[CsvFile, ...]

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)


@python_api
def export(
    file: str | os.PathLike[str],
    *,
    csv_dir: str | os.PathLike[str],
    table: str | None = None,
    force: bool = False,
    progress: ProgressFn = no_progress,
) -> ExportResult:
    """Write one CSV file with a header line per table of `file` into `csv_dir`.

    The files are named ``<table>.csv`` (``<schema>.<table>.csv`` outside public); the
    directory is created if needed.  `table` exports one table.  Each file appears only
    when complete (written to ``.NAME.partial-PID``, then renamed).  Raises the
    ArchiveError subclasses for a bad file (frames are checked as they are read),
    TargetExistsError when a CSV file exists and `force` is not given, UsageError for an
    unknown table or an unusable directory.
    """
    pick = None if table is None else TableName.parse(table)
    folder = _folder(csv_dir)
    with archive.ArchiveReader.open(file) as reader:
        specs = list(reader.header.tables)
        check_script(reader)  # an archive psql would not read as pgsnap wrote it: refused
        wanted = range(len(specs)) if table is None else [pick_table(specs, pick)]
        targets = _targets(folder, [specs[i] for i in wanted], force)
        files = [
            _export_table(reader, i, specs[i], path, progress)
            for i, path in zip(wanted, targets, strict=True)
        ]
    return ExportResult(tuple(files))


def csv_filename(spec: TableSpec) -> str:
    """papers.csv; the schema is kept unless it is public (as dump names its files)."""
    base = spec.name if spec.schema == "public" else f"{spec.schema}.{spec.name}"
    return safe_filename(base) + CSV_SUFFIX


def _folder(csv_dir: str | os.PathLike[str]) -> Path:
    folder = Path(csv_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise IOError_.of(exc, f'"{folder}"', verb="create directory") from None
    return folder


def _targets(folder: Path, specs: list[TableSpec], force: bool) -> list[Path]:
    paths = [folder / csv_filename(s) for s in specs]
    if len(set(paths)) != len(paths):
        raise UsageError("two tables map to the same csv file name: export them one by one")
    for path in paths:
        if path.exists() and not force:
            raise TargetExistsError(f'file "{path}" already exists; use --force to overwrite it')
    return paths


def _export_table(
    reader: archive.ArchiveReader, index: int, spec: TableSpec, path: Path, progress: ProgressFn
) -> CsvFile:
    label = spec.qname.display()
    frames = reader.manifest.table_frames(index)
    total = sum(reader.frames[i].raw_size for i in frames)
    progress(Event("start", label, total_bytes=total or None))
    rows = done = 0
    with _AtomicFile(path) as out:
        out.write(header_line(spec.copy_columns))
        for i in frames:
            raw = reader.read_frame(i)
            out.write(copy_text_to_csv(raw, ncolumns=len(spec.copy_columns)))
            rows += reader.frames[i].rows
            done += len(raw)
            progress(Event("rows", label, rows, done, total or None))
        size = out.tell()
    progress(Event("done", label, rows, done))
    return CsvFile(label, str(path), rows, size)


def header_line(columns: tuple[str, ...]) -> bytes:
    """The CSV header: the column names, quoted where CSV needs it."""
    return b",".join(_quote(c.encode(), alone=len(columns) == 1) for c in columns) + b"\n"


def copy_text_to_csv(block: bytes, *, ncolumns: int) -> bytes:
    """Whole COPY text lines (each ending in a newline) as CSV lines.

    A raw newline only ends a row in COPY text (one inside a value is written ``\\n``),
    so the block splits into ncolumns fields per row at once; only the fields that hold a
    backslash, a comma, a quote or a carriage return, or are empty, cost a Python call.
    """
    if not block:
        return b""
    if ncolumns == 0:
        return block  # a row of no columns is an empty line in both formats
    if not _BLOCK_SLOW.search(block) and not block.startswith((b"\t", b"\n")):
        return block.replace(b"\t", b",")
    special, alone = _SPECIAL.search, ncolumns == 1
    fields = block[:-1].replace(b"\n", b"\t").split(b"\t")
    out = [f if f and not special(f) else _field(f, alone) for f in fields]
    if alone:
        return b"\n".join(out) + b"\n"
    rows = [b",".join(out[i : i + ncolumns]) for i in range(0, len(out), ncolumns)]
    return b"\n".join(rows) + b"\n"


def _field(text: bytes, alone: bool = False) -> bytes:
    """One COPY text field as a CSV field: NULL, escapes, quotes."""
    if text == _NULL:
        return b""
    if b"\\" in text:
        text = _ESCAPE.sub(_unescape, text)
    return _quote(text, alone=alone)


def _quote(value: bytes, *, alone: bool = False) -> bytes:
    """CSV quoting as PostgreSQL does it (CopyAttributeOutCSV); `alone`: the only column."""
    if not value or _NEEDS_QUOTES.search(value) or (alone and value == b"\\."):
        return b'"' + value.replace(b'"', b'""') + b'"'
    return value


def _unescape(match: re.Match[bytes]) -> bytes:
    """One COPY text escape, as PostgreSQL's CopyReadAttributesText decodes it."""
    octal, hexa, other = match.groups()
    if octal is not None:
        return bytes([int(octal, 8) & 0xFF])
    if hexa is not None:
        return bytes([int(hexa, 16)])
    return _CONTROL.get(other, other)


class _AtomicFile:
    """A file written as .NAME.partial-PID and renamed into place only when complete.

    An OSError on it (a full disk) is an IOError_ (exit 10) that names the CSV file, and the
    partial file is removed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tmp = path.with_name(f".{path.name}.partial-{os.getpid()}")
        self._file: BinaryIO | None = None

    @contextlib.contextmanager
    def _io_errors(self) -> Iterator[None]:
        try:
            yield
        except OSError as exc:
            raise IOError_.of(exc, f'"{self.path}"') from None

    def __enter__(self) -> _AtomicFile:
        with self._io_errors():
            self._file = open(self.tmp, "wb")
        return self

    def write(self, data: bytes) -> None:
        assert self._file is not None
        with self._io_errors():
            self._file.write(data)

    def tell(self) -> int:
        assert self._file is not None
        return self._file.tell()

    def __exit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        assert self._file is not None
        try:
            if exc_type is None:
                with self._io_errors():
                    self._file.close()  # flushes: a full disk may fail here
                    os.replace(self.tmp, self.path)
        finally:
            with contextlib.suppress(OSError):  # closing flushes again: the first error counts
                self._file.close()
            self.tmp.unlink(missing_ok=True)  # gone already when it was renamed
