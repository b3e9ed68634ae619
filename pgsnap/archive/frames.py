"""Frames: where each one sits and what it must hold; the header and manifest lines."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

from pgsnap.archive.codec import crc32
from pgsnap.errors import (
    CorruptFrameError,
    NotAnArchiveError,
    TruncatedArchiveError,
    UnsupportedFormatError,
)
from pgsnap.shape import choices, decode, encode, loads, minimum

# 2: whole-database objects (scope, objects) and the database's locale; 3: the tables'
# planner statistics (planner_stats), a key a format-2 reader would call unknown
FORMAT_VERSION = 3
READABLE_FORMATS = (1, 2, 3)  # format 1 and 2 files still load: their keys are a subset
# 4 MiB of COPY text per data frame: big enough that zstd/deflate reach their full ratio
# and the per-frame costs (a manifest entry, a hand-off to a worker, a syscall) vanish;
# small enough that a 100 MB table splits into ~25 frames, so a parallel restore balances
# its workers whatever the dump's job count was, and every worker holds only a few frame
# buffers: the memory budget is 150 MB for the whole process tree (design.md §2: 4-16 MiB).
FRAME_TARGET_BYTES = 4 << 20
HEADER_MARKER = "-- pgsnap archive format "
HEADER_FIRST_LINE = f"{HEADER_MARKER}{FORMAT_VERSION}; decompressed, this file is a psql script\n"
HEADER_PREFIX = "-- pgsnap-header: "
MANIFEST_PREFIX = "-- pgsnap-manifest: "
FRAME_KINDS = ("sql", "data", "blob")  # blob: lo_put lines of a large object (blobs.py)
END_OF_DATA = b"\\."  # a line of its own ends COPY data; the sql frame after rows starts with it
# bytes.translate(None, _NOT_SHAPE) keeps what the rows check needs of a frame, in order: its
# tabs, newlines, backslashes and dots (a 4 MiB frame of `papers` shrinks to about 90 kB)
_NOT_SHAPE = bytes(b for b in range(256) if b not in b"\t\n\\.")

# The COPY line that ends an sql frame, matched at the start of the frame or of a line:
# copy_line() tries each line start in turn, for a search from every character of the frame
# (the pattern began with (?:\A|\n)) took 0.09 s a pass over a 2,000-table archive's 5.6 MB
# of sql frames, 0.014 s so (the same match: tests/test_archive.py compares them)
_COPY_LINE = re.compile(r"(COPY\s[^\n]*\sFROM\s+STDIN\b[^\n]*;)[ \t]*\n?\Z", re.I)
_FORMAT_LINE = re.compile(r"-- pgsnap archive format (\d+)")


@dataclass(frozen=True, slots=True)
class FrameInfo:
    """Where one frame sits in the file and what it must decompress to (format.md §4)."""

    kind: str = field(metadata=choices(*FRAME_KINDS))
    # index into the manifest's "tables" for data frames; None for sql and blob frames
    table: int | None = field(metadata=minimum(0))
    offset: int = field(metadata=minimum(0))  # byte offset in the file
    length: int = field(metadata=minimum(0))  # compressed length
    raw_size: int = field(metadata=minimum(0))  # uncompressed length
    rows: int = field(metadata=minimum(0))  # COPY rows (newlines) in a data frame; 0 for sql
    crc32: int = field(metadata=minimum(0))  # zlib.crc32 of the uncompressed bytes

    def __post_init__(self) -> None:
        """The rules between fields; ValueError (ShapeError when parsed) if one is broken."""
        if self.kind != "data" and self.table is not None:
            raise ValueError(f'an {self.kind} frame must have "table": null')
        if self.kind == "data" and self.table is None:
            raise ValueError('a data frame must name its "table"')
        if self.kind != "data" and self.rows:
            raise ValueError(f'an {self.kind} frame must have "rows": 0')
        if self.crc32 > 0xFFFFFFFF:
            raise ValueError(f'"crc32" must fit in 32 bits, not {self.crc32}')

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = encode(self)
        return out

    @staticmethod
    def from_json(d: object) -> FrameInfo:
        """Raises ShapeError (a ValueError) when an entry is malformed."""
        return decode(FrameInfo, d)


def dumps_json(value: Mapping[str, Any]) -> str:
    """One line of ASCII JSON, stable byte for byte."""
    return json.dumps(value, ensure_ascii=True, separators=(",", ":"), sort_keys=True)


def opens_copy(sql: str) -> bool:
    """True when `sql` ends with a ``COPY … FROM stdin;`` line, so data frames follow."""
    return copy_line(sql) is not None


def copy_line(sql: str) -> str | None:
    """The ``COPY … FROM stdin;`` line that `sql` ends with (no newline), or None."""
    start = 0
    while (found := _COPY_LINE.match(sql, start)) is None:
        start = sql.find("\n", start) + 1
        if not start:
            return None
    return found.group(1)


def parse_header(first_frame_text: str, *, source: str = "the input") -> dict[str, Any]:
    """The header JSON of an archive, from the text of its first frame.

    Raises NotAnArchiveError when the text is not a pgsnap header, UnsupportedFormatError
    when it was written by a newer pgsnap, CorruptFrameError when the header line is bad.
    `source` names the file in messages.
    """
    if not first_frame_text.startswith(HEADER_MARKER):
        raise NotAnArchiveError(f'"{source}" is not a pgsnap archive')
    check_format_line(first_frame_text, source)
    lines = first_frame_text.split("\n", 2)
    if len(lines) < 3 or not lines[1].startswith(HEADER_PREFIX):
        raise corrupt_header(source, "its second line is not a pgsnap-header comment")
    try:
        text = lines[1][len(HEADER_PREFIX) :]
        header = loads(text)
    except ValueError as e:
        raise corrupt_header(source, f"bad json: {e}") from None
    if not isinstance(header, dict) or header.get("format") not in READABLE_FORMATS:
        raise corrupt_header(source, f'its json is not an object with "format": {FORMAT_VERSION}')
    return header


def check_format_line(text: str, source: str) -> None:
    """UnsupportedFormatError when the first line names a format above FORMAT_VERSION."""
    found = _FORMAT_LINE.match(text)
    if found is not None:
        _check_version(int(found.group(1)), source)


def _check_version(version: int, source: str) -> None:
    if version > FORMAT_VERSION:
        raise UnsupportedFormatError(
            f'"{source}" was written by a newer pgsnap (format {version}); '
            f"this pgsnap reads format {FORMAT_VERSION}"
        )


def corrupt_header(source: str, reason: str) -> CorruptFrameError:
    return CorruptFrameError(
        f'the header (frame 0) of "{source}" is corrupt: {reason}', index=0, offset=0
    )


def parse_manifest(frame_text: str, *, source: str = "the input") -> dict[str, Any]:
    """The manifest JSON from the text of the manifest frame.

    Raises UnsupportedFormatError for a newer format and ValueError when the text is not
    a manifest (the reader turns that into CorruptFrameError with the frame's offset).
    """
    if not frame_text.startswith(MANIFEST_PREFIX) or not frame_text.endswith("\n"):
        raise ValueError("it is not a pgsnap-manifest comment line")
    text = frame_text[len(MANIFEST_PREFIX) :]
    manifest = loads(text)
    if not isinstance(manifest, dict):
        raise ValueError("its json is not an object")
    version = manifest.get("format")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ValueError(f'"format" must be an integer, not {version!r}')
    _check_version(version, source)
    if not isinstance(manifest.get("frames"), list):
        raise ValueError('"frames" must be a list')
    return manifest


def frame_problem(info: FrameInfo, raw: bytes) -> str | None:
    """What is wrong with `raw` as the content of `info`, or None.

    In COPY text format a newline inside a value is written as the two characters
    backslash and n, so a data frame's raw newlines are exactly its rows.
    """
    if len(raw) != info.raw_size:
        return f"it decompresses to {len(raw)} bytes, the manifest says {info.raw_size}"
    checksum = crc32(raw)
    if checksum != info.crc32:
        return f"its crc32 is {checksum:#010x}, the manifest says {info.crc32:#010x}"
    if info.kind == "data":
        rows = raw.count(b"\n")
        if rows != info.rows or not raw.endswith(b"\n"):
            return f"it holds {rows} rows, the manifest says {info.rows}"
    return None


def rows_problem(raw: bytes, ncolumns: int) -> str | None:
    """What is wrong with the COPY text rows `raw` (whole lines) for a table of `ncolumns`
    columns, or None: every row has that many tab-separated fields, and none starts with
    ``\\.``, COPY's end-of-data marker (COPY writes a backslash in a value as ``\\\\``).

    The rows' shape answers first, from the few bytes that matter (_shape_fits); only a frame
    it cannot clear is read row by row, to name the row.  Row by row, the check cost a restore
    of 1M `papers` rows 1.2 s of CPU, the shape 0.25 s (restore_profile_before.md)."""
    if ncolumns > 0 and _shape_fits(raw.translate(None, _NOT_SHAPE), ncolumns):
        return None
    return _row_problem(raw, ncolumns)


def _shape_fits(shape: bytes, ncolumns: int) -> bool:
    """Whether the rows whose tabs, newlines, backslashes and dots are `shape` surely fit:
    no line of `shape` starts with ``\\.`` (if none of the rows' lines does, none of these
    does; one may here and not there, and then the rows are read one by one), and each whole
    line holds ncolumns - 1 tabs: its tabs and newlines are that pattern once per line."""
    if (b"\n" + shape).find(b"\n" + END_OF_DATA) >= 0:
        return False
    tabs = shape.translate(None, b"\\.")
    tabs = tabs[: tabs.rfind(b"\n") + 1]  # what follows the last newline is no line
    return tabs == (b"\t" * (ncolumns - 1) + b"\n") * tabs.count(b"\n")


def _row_problem(raw: bytes, ncolumns: int) -> str | None:
    """rows_problem, row by row: the first row that starts with the marker or does not fit."""
    marker = (b"\n" + raw).find(b"\n" + END_OF_DATA)
    if marker >= 0:
        row = raw[:marker].count(b"\n") + 1
        return f"row {row} starts with the end-of-copy marker \\."
    lines = raw.split(b"\n")[:-1]
    tabs = list(map(bytes.count, lines, repeat(b"\t")))
    if ncolumns == 0:
        wrong = next((i for i, line in enumerate(lines) if line), None)
    elif tabs.count(ncolumns - 1) == len(tabs):
        wrong = None
    else:
        wrong = next(i for i, n in enumerate(tabs) if n != ncolumns - 1)
    if wrong is None:
        return None
    fields, columns = _count(tabs[wrong] + 1, "field"), _count(ncolumns, "column")
    return f"row {wrong + 1} has {fields}, the table has {columns}"


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def check_tables(
    manifest: Mapping[str, Any], frames: list[FrameInfo], error: type[Exception]
) -> None:
    """Data frames name a table that exists, and per-table rows add up, when the
    manifest has a "tables" list (and a "rows" list aligned with it)."""
    tables, rows = manifest.get("tables"), manifest.get("rows")
    if not isinstance(tables, list):
        return
    counts = [0] * len(tables)
    for index, frame in enumerate(frames):
        if frame.table is not None and frame.table >= len(tables):
            raise error(f"frame {index} is for table {frame.table}, but there are {len(tables)}")
        if frame.table is not None:
            counts[frame.table] += frame.rows
    if isinstance(rows, list) and rows != counts:
        raise error(f'"rows" says {rows}, the data frames hold {counts}')


def no_footer(label: str) -> TruncatedArchiveError:
    return TruncatedArchiveError(
        f'"{label}" is truncated: no pgsnap footer at the end '
        "(interrupted dump or incomplete copy?)"
    )
