"""The pgsnap archive: one compressed file that is a psql script and a seekable archive.

The file is a run of independent zstd frames (or gzip members), so ``zstd -dc`` or
``gzip -dc`` prints a psql script, and a parallel loader can decompress any frame on
its own.  The manifest (JSON in an SQL comment) is the last real frame, and a small
fixed-size footer that psql never sees points at it.  docs/format.md is the spec; keep
the two in step, and bump FORMAT_VERSION for any change an older reader would misread.

Every function here is pure or touches only the file object it is given, so worker
processes can call compress_frame/decompress_frame freely.
"""

from __future__ import annotations

import json
import os
import re
import struct
import threading
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import IO, Any, Protocol, cast

import zstandard

from pgsnap.errors import (
    CorruptFrameError,
    FileNotFoundError_,
    NotAnArchiveError,
    TruncatedArchiveError,
    UnsupportedFormatError,
    UsageError,
)

# isal is a dependency (4x the stdlib's deflate speed); without it .sql.gz still works.
try:
    from isal import isal_zlib as _isal_zlib
except ImportError:  # pragma: no cover
    _isal_zlib = None  # type: ignore[assignment]

FORMAT_VERSION = 1
# 4 MiB of COPY text per data frame: big enough that zstd/deflate reach their full ratio
# and the per-frame costs (a manifest entry, a hand-off to a worker, a syscall) vanish;
# small enough that a 100 MB table splits into ~25 frames, so a parallel restore balances
# its workers whatever the dump's job count was, and every worker holds only a few frame
# buffers: the memory budget is 150 MB for the whole process tree (design.md §2: 4-16 MiB).
FRAME_TARGET_BYTES = 4 << 20
CODECS = ("zstd", "gzip")
DEFAULT_LEVELS = {"zstd": 1, "gzip": 1}  # the fastest levels; see notes/compression.md
# A frame that claims to decompress to more than this is corrupt.  It bounds what a
# damaged size field can make a reader allocate (the zstd seekable format uses 1 GiB too).
MAX_FRAME_RAW_BYTES = 1 << 30

HEADER_MARKER = "-- pgsnap archive format "
HEADER_FIRST_LINE = f"{HEADER_MARKER}{FORMAT_VERSION}; decompressed, this file is a psql script\n"
HEADER_PREFIX = "-- pgsnap-header: "
MANIFEST_PREFIX = "-- pgsnap-manifest: "
FRAME_KINDS = ("sql", "data")

_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_GZIP_MAGIC = b"\x1f\x8b\x08"  # ID1, ID2, CM=deflate
_SKIPPABLE = struct.Struct("<II")  # magic 0x184D2A50-0x184D2A5F, payload size
_SKIPPABLE_FIRST, _SKIPPABLE_LAST = 0x184D2A50, 0x184D2A5F
_FOOTER_SKIPPABLE_MAGIC = 0x184D2A5E

# Footer payload, the same for both codecs: magic, manifest offset, manifest frame length,
# crc32 of the 24 bytes before it.  Layout in docs/format.md ("Footer").
_FOOTER_MAGIC = b"PGSNAPF1"
_PAYLOAD = struct.Struct("<8sQQI")
_PAYLOAD_SIGNED = 24  # bytes covered by the payload's crc32

_ZSTD_FOOTER_HEAD = _SKIPPABLE.pack(_FOOTER_SKIPPABLE_MAGIC, _PAYLOAD.size)
ZSTD_FOOTER_SIZE = len(_ZSTD_FOOTER_HEAD) + _PAYLOAD.size  # 36

# An empty gzip member (RFC 1952) with FEXTRA: ID1 ID2 CM FLG=FEXTRA, MTIME=0, XFL=0,
# OS=255, XLEN, then one subfield SI1='P' SI2='S' LEN=28 holding the payload; then an
# empty final fixed-Huffman deflate block, CRC32=0 and ISIZE=0.
_GZIP_FOOTER_HEAD = (
    b"\x1f\x8b\x08\x04\x00\x00\x00\x00\x00\xff"
    + struct.pack("<H", 4 + _PAYLOAD.size)
    + b"PS"
    + struct.pack("<H", _PAYLOAD.size)
)
_GZIP_FOOTER_TAIL = b"\x03\x00" + b"\x00" * 8
GZIP_FOOTER_SIZE = len(_GZIP_FOOTER_HEAD) + _PAYLOAD.size + len(_GZIP_FOOTER_TAIL)  # 54
FOOTER_SIZES = {"zstd": ZSTD_FOOTER_SIZE, "gzip": GZIP_FOOTER_SIZE}

_READ_CHUNK = 1 << 20  # pipe reads: bounded memory, few syscalls
_PROBE_CHUNK = 64 << 10
_PROBE_MAX_INPUT = 1 << 20  # give up looking for the header line after this much input
_ZSTD_LEVELS = (-(1 << 17), zstandard.MAX_COMPRESSION_LEVEL)
_GZIP_LEVELS = (0, 9)
_ISAL_MAX_LEVEL = 3  # igzip has levels 0-3; higher gzip levels use the stdlib's zlib

_COPY_LINE = re.compile(r"(?:\A|\n)COPY\s[^\n]*\sFROM\s+STDIN\b[^\n]*;[ \t]*\n?\Z", re.I)
_FORMAT_LINE = re.compile(r"-- pgsnap archive format (\d+)")


# --- codecs -------------------------------------------------------------------------


def codec_for_path(path: str) -> str:
    """The codec a file name asks for: ``.zst``/``.zstd`` is zstd, ``.gz`` is gzip.

    Raises UsageError for any other name.
    """
    lower = os.fspath(path).lower()
    if lower.endswith((".zst", ".zstd")):
        return "zstd"
    if lower.endswith(".gz"):
        return "gzip"
    raise UsageError(f'cannot tell the compression of "{path}": name it *.zst or *.gz')


def _check_codec(codec: str) -> None:
    if codec not in CODECS:
        raise UsageError(f'unknown codec "{codec}" (expected zstd or gzip)')


def _level(codec: str, level: int | None) -> int:
    """The level to use; UsageError when it is out of the codec's range."""
    _check_codec(codec)
    if level is None:
        return DEFAULT_LEVELS[codec]
    low, high = _ZSTD_LEVELS if codec == "zstd" else _GZIP_LEVELS
    if isinstance(level, bool) or not low <= level <= high:
        raise UsageError(f"{codec} level must be between {low} and {high}, not {level}")
    return level


def compress_frame(codec: str, raw: bytes | bytearray, level: int | None = None) -> bytes:
    """Compress `raw` into one self-contained zstd frame or gzip member.

    zstd frames record their content size and a content checksum; gzip members are
    plain RFC 1952 with MTIME 0, so the output is deterministic.  Pure: safe in worker
    processes and threads.  Raises UsageError for an unknown codec or level.
    """
    lvl = _level(codec, level)
    if codec == "zstd":
        return _zstd_compressor(lvl).compress(raw)
    if _isal_zlib is not None and lvl <= _ISAL_MAX_LEVEL:
        return _isal_zlib.compress(raw, lvl, wbits=31)
    deflate = zlib.compressobj(lvl, zlib.DEFLATED, 31)
    return deflate.compress(raw) + deflate.flush()


_local = threading.local()


def _zstd_compressor(level: int) -> zstandard.ZstdCompressor:
    """One compressor per thread and level: its context is reused, frame after frame."""
    cache: dict[int, zstandard.ZstdCompressor] = _local.__dict__.setdefault("zstd", {})
    if level not in cache:
        cache[level] = zstandard.ZstdCompressor(level=level, write_checksum=True)
    return cache[level]


class _GzipDecoder(Protocol):
    """What zlib's and isal's decompressobj(wbits=31) have in common."""

    @property
    def eof(self) -> bool: ...

    @property
    def unused_data(self) -> bytes: ...

    @property
    def unconsumed_tail(self) -> bytes: ...

    def decompress(self, data: bytes, max_length: int = 0) -> bytes: ...


def _gzip_decoder() -> _GzipDecoder:
    if _isal_zlib is not None:
        return cast(_GzipDecoder, _isal_zlib.decompressobj(wbits=31))
    return zlib.decompressobj(wbits=31)  # pragma: no cover


_GZIP_ERRORS: tuple[type[BaseException], ...] = (zlib.error,) + (
    (cast("type[BaseException]", _isal_zlib.error),) if _isal_zlib is not None else ()
)


def decompress_frame(codec: str, data: bytes, *, expected_size: int | None = None) -> bytes:
    """Decompress exactly one zstd frame or gzip member.

    Raises CorruptFrameError (its message says what is wrong, without a file name)
    when `data` is not exactly one valid frame, or when it decompresses to more than
    `expected_size` (or MAX_FRAME_RAW_BYTES) bytes.
    """
    _check_codec(codec)
    limit = MAX_FRAME_RAW_BYTES if expected_size is None else expected_size
    if codec == "zstd":
        return _zstd_decompress(data, limit, expected_size is not None)
    return _gzip_decompress(data, limit)


def _zstd_decompress(data: bytes, limit: int, exact: bool) -> bytes:
    if not data.startswith(_ZSTD_MAGIC):
        raise CorruptFrameError("it does not start with the zstd frame magic")
    try:
        end = _zstd_frame_end(data)
        size = zstandard.get_frame_parameters(data).content_size
    except zstandard.ZstdError as e:
        raise CorruptFrameError(f"bad zstd frame header: {e}") from None
    if end > len(data):
        raise CorruptFrameError("the zstd frame is incomplete")
    if end < len(data):
        raise CorruptFrameError(f"{len(data) - end} bytes follow the end of the zstd frame")
    if size < 0 or size == zstandard.CONTENTSIZE_UNKNOWN:
        return _zstd_decompress_unsized(data, limit)
    if size > limit or (exact and size != limit):
        raise CorruptFrameError(f"its zstd header says {size} bytes, expected {limit}")
    try:
        return zstandard.ZstdDecompressor().decompress(data)
    except zstandard.ZstdError as e:
        raise CorruptFrameError(f"bad zstd data: {e}") from None


def _zstd_decompress_unsized(data: bytes, limit: int) -> bytes:
    """A frame without a content size (not written by pgsnap, but valid zstd)."""
    decoder = zstandard.ZstdDecompressor().decompressobj()
    try:
        raw = decoder.decompress(data)
    except zstandard.ZstdError as e:
        raise CorruptFrameError(f"bad zstd data: {e}") from None
    if not decoder.eof:
        raise CorruptFrameError("the zstd frame is incomplete")
    if len(raw) > limit:
        raise CorruptFrameError(f"it decompresses to more than {limit} bytes")
    return raw


def _zstd_frame_end(data: bytes) -> int:
    """Where the zstd frame that starts `data` ends, found by walking its block headers.

    ZstdDecompressor.decompress() ignores bytes after the first frame; this is how a
    frame with trailing bytes is caught.  The result may exceed len(data) (truncated).
    """
    pos = zstandard.frame_header_size(data)
    while pos + 3 <= len(data):
        header = int.from_bytes(data[pos : pos + 3], "little")
        last, block_type, block_size = header & 1, (header >> 1) & 3, header >> 3
        if block_type == 3:
            raise CorruptFrameError(f"reserved zstd block type at byte {pos} of the frame")
        pos += 3 + (1 if block_type == 1 else block_size)  # type 1 (RLE) stores one byte
        if last:
            return pos + (4 if zstandard.get_frame_parameters(data).has_checksum else 0)
    return len(data) + 1


def _gzip_decompress(data: bytes, limit: int) -> bytes:
    if not data.startswith(_GZIP_MAGIC):
        raise CorruptFrameError("it does not start with the gzip member magic")
    decoder = _gzip_decoder()
    try:
        raw = decoder.decompress(data, limit + 1)
    except _GZIP_ERRORS as e:
        raise CorruptFrameError(f"bad gzip data: {e}") from None
    if len(raw) > limit:
        raise CorruptFrameError(f"it decompresses to more than {limit} bytes")
    if not decoder.eof:
        raise CorruptFrameError("the gzip member is incomplete")
    if decoder.unused_data:
        extra = len(decoder.unused_data)
        raise CorruptFrameError(f"{extra} bytes follow the end of the gzip member")
    return raw


def crc32(raw: bytes | bytearray) -> int:
    """zlib.crc32 of `raw` (isal computes the same value several times faster)."""
    if _isal_zlib is not None:
        return _isal_zlib.crc32(raw)
    return zlib.crc32(raw)  # pragma: no cover


# --- frames, header, manifest ---------------------------------------------------------


def _nonneg_int(d: Mapping[str, Any], key: str) -> int:
    value = d.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f'"{key}" must be a non-negative integer, not {value!r}')
    return value


@dataclass(frozen=True, slots=True)
class FrameInfo:
    """Where one frame sits in the file and what it must decompress to."""

    kind: str  # "sql" | "data"
    table: int | None  # index into the manifest's "tables" for data frames; None for sql
    offset: int  # byte offset in the file
    length: int  # compressed length
    raw_size: int  # uncompressed length
    rows: int  # COPY rows (newlines) in a data frame; 0 for sql
    crc32: int  # zlib.crc32 of the uncompressed bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "table": self.table,
            "offset": self.offset,
            "length": self.length,
            "raw_size": self.raw_size,
            "rows": self.rows,
            "crc32": self.crc32,
        }

    @staticmethod
    def from_json(d: Mapping[str, Any]) -> FrameInfo:
        """Raises ValueError when an entry is malformed."""
        kind = d.get("kind")
        if kind not in FRAME_KINDS:
            raise ValueError(f'"kind" must be "sql" or "data", not {kind!r}')
        table = None if kind == "sql" else _nonneg_int(d, "table")
        if kind == "sql" and d.get("table") is not None:
            raise ValueError('an sql frame must have "table": null')
        info = FrameInfo(
            kind=str(kind),
            table=table,
            offset=_nonneg_int(d, "offset"),
            length=_nonneg_int(d, "length"),
            raw_size=_nonneg_int(d, "raw_size"),
            rows=_nonneg_int(d, "rows"),
            crc32=_nonneg_int(d, "crc32"),
        )
        if info.crc32 > 0xFFFFFFFF:
            raise ValueError(f'"crc32" must fit in 32 bits, not {info.crc32}')
        if kind == "sql" and info.rows:
            raise ValueError('an sql frame must have "rows": 0')
        return info


def _dumps(value: Mapping[str, Any]) -> str:
    """One line of ASCII JSON, stable byte for byte."""
    return json.dumps(value, ensure_ascii=True, separators=(",", ":"), sort_keys=True)


def opens_copy(sql: str) -> bool:
    """True when `sql` ends with a ``COPY … FROM stdin;`` line, so data frames follow."""
    return _COPY_LINE.search(sql) is not None


def parse_header(first_frame_text: str, *, source: str = "the input") -> dict[str, Any]:
    """The header JSON of an archive, from the text of its first frame.

    Raises NotAnArchiveError when the text is not a pgsnap header, UnsupportedFormatError
    when it was written by a newer pgsnap, CorruptFrameError when the header line is bad.
    `source` names the file in messages.
    """
    if not first_frame_text.startswith(HEADER_MARKER):
        raise NotAnArchiveError(f'"{source}" is not a pgsnap archive')
    _check_format_line(first_frame_text, source)
    lines = first_frame_text.split("\n", 2)
    if len(lines) < 3 or not lines[1].startswith(HEADER_PREFIX):
        raise _corrupt_header(source, "its second line is not a pgsnap-header comment")
    try:
        header = json.loads(lines[1][len(HEADER_PREFIX) :])
    except ValueError as e:
        raise _corrupt_header(source, f"bad json: {e}") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT_VERSION:
        raise _corrupt_header(source, f'its json is not an object with "format": {FORMAT_VERSION}')
    return header


def _check_format_line(text: str, source: str) -> None:
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


def _corrupt_header(source: str, reason: str) -> CorruptFrameError:
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
    manifest = json.loads(frame_text[len(MANIFEST_PREFIX) :])
    if not isinstance(manifest, dict):
        raise ValueError("its json is not an object")
    version = manifest.get("format")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ValueError(f'"format" must be an integer, not {version!r}')
    _check_version(version, source)
    if not isinstance(manifest.get("frames"), list):
        raise ValueError('"frames" must be a list')
    return manifest


# --- footer ---------------------------------------------------------------------------


def encode_footer(codec: str, manifest_offset: int, manifest_length: int) -> bytes:
    """The fixed-size footer that points at the manifest frame."""
    _check_codec(codec)
    signed = struct.pack("<8sQQ", _FOOTER_MAGIC, manifest_offset, manifest_length)
    payload = signed + struct.pack("<I", zlib.crc32(signed))
    if codec == "zstd":
        return _ZSTD_FOOTER_HEAD + payload
    return _GZIP_FOOTER_HEAD + payload + _GZIP_FOOTER_TAIL


def _footer_payload(codec: str, tail: bytes) -> bytes | None:
    """The payload of the footer `tail` (exactly FOOTER_SIZES[codec] bytes), or None."""
    if codec == "zstd":
        head, payload, end = _ZSTD_FOOTER_HEAD, tail[len(_ZSTD_FOOTER_HEAD) :], b""
    else:
        head, end = _GZIP_FOOTER_HEAD, _GZIP_FOOTER_TAIL
        payload = tail[len(head) : len(head) + _PAYLOAD.size]
    ok = tail.startswith(head) and tail.endswith(end) and payload.startswith(_FOOTER_MAGIC)
    return payload if ok and len(tail) == FOOTER_SIZES[codec] else None


def decode_footer(codec: str, tail: bytes) -> tuple[int, int] | None:
    """(manifest offset, manifest length) from a footer, or None when `tail` is no footer.

    Raises ValueError when it has the footer's magic but a wrong checksum.
    """
    payload = _footer_payload(codec, tail)
    if payload is None:
        return None
    _, offset, length, checksum = _PAYLOAD.unpack(payload)
    if zlib.crc32(payload[:_PAYLOAD_SIGNED]) != checksum:
        raise ValueError("its crc32 does not match")
    return offset, length


# --- writer ---------------------------------------------------------------------------


class ArchiveWriter:
    """Appends frames to `out` and finishes with the manifest and footer.

    `out` may be a pipe: the writer never seeks or tells, it counts bytes.  Offsets are
    file offsets that start at `start_offset` (non-zero only when the archive is embedded
    at that offset in a larger file; ArchiveReader reads archives that start at byte 0).

    The writer enforces the shape a psql script needs: the header first; data frames
    only after an sql frame that ends with a ``COPY … FROM stdin;`` line; the sql frame
    after data starts with the ``\\.`` terminator line.  Misuse raises UsageError.
    """

    def __init__(
        self, out: IO[bytes], *, codec: str, level: int | None = None, start_offset: int = 0
    ) -> None:
        self.codec = codec
        self.level = _level(codec, level)
        self.start_offset = start_offset
        self.frames: list[FrameInfo] = []
        self.bytes_written = 0
        self.manifest: dict[str, Any] | None = None  # set by finish()
        self._out = out
        self._in_copy = False  # the last sql frame opened a COPY
        self._copy_table: int | None = None
        self._line_start = True  # the text so far ends with a newline

    def write_header(self, header: dict[str, Any], sql: str) -> FrameInfo:
        """The first frame: the two header lines, then `sql`.  Adds ``"format": 1``."""
        if self.frames or self.manifest is not None:
            raise UsageError("the archive header must be the first frame")
        line = HEADER_PREFIX + _dumps({**header, "format": FORMAT_VERSION})
        return self._write_sql_frame(HEADER_FIRST_LINE + line + "\n" + sql)

    def write_sql(self, sql: str) -> FrameInfo:
        """An sql frame.  After data frames, it must start with the ``\\.`` line."""
        self._check_open()
        if sql.startswith((HEADER_MARKER, HEADER_PREFIX, MANIFEST_PREFIX)):
            raise UsageError("an sql frame may not start with a pgsnap header or manifest line")
        if self._in_copy and not sql.startswith("\\.\n"):
            raise UsageError(
                'a COPY is open: the next sql frame must start with "\\." and a newline'
            )
        return self._write_sql_frame(sql)

    def write_data(self, table: int, raw: bytes | bytearray, rows: int) -> FrameInfo:
        """A data frame of COPY text rows for table `table`, compressed here."""
        self._check_data(table, len(raw), rows)
        if not raw.endswith(b"\n") or raw.count(b"\n") != rows:
            raise UsageError(f"a data frame must hold {rows} whole rows, each ending in a newline")
        data = compress_frame(self.codec, raw, self.level)
        return self._append("data", table, data, len(raw), rows, crc32(raw))

    def write_compressed(
        self, table: int, data: bytes, raw_size: int, rows: int, crc32: int
    ) -> FrameInfo:
        """A data frame that compress_frame made elsewhere (a worker), written as is."""
        self._check_data(table, raw_size, rows)
        if not data.startswith(_ZSTD_MAGIC if self.codec == "zstd" else _GZIP_MAGIC):
            raise UsageError(f"the compressed frame is not {self.codec} data")
        return self._append("data", table, data, raw_size, rows, crc32)

    def finish(self, manifest: dict[str, Any]) -> None:
        """Writes the manifest frame and the footer, then flushes `out`.

        Adds ``"format"`` and ``"frames"`` to a copy of `manifest`, kept as self.manifest.
        """
        self._check_open()
        if self._in_copy:
            raise UsageError('a COPY is still open: write the "\\." line before finishing')
        if not self._line_start:
            raise UsageError("the last sql frame must end with a newline")
        full = {**manifest, "format": FORMAT_VERSION, "frames": [f.to_json() for f in self.frames]}
        _check_tables(full, self.frames, UsageError)
        raw = (MANIFEST_PREFIX + _dumps(full) + "\n").encode()
        offset = self.start_offset + self.bytes_written
        data = compress_frame(self.codec, raw, self.level)
        self._write(data)
        self._write(encode_footer(self.codec, offset, len(data)))
        self.manifest = full
        self._out.flush()

    def _check_open(self) -> None:
        if not self.frames:
            raise UsageError("write the archive header first")
        if self.manifest is not None:
            raise UsageError("the archive is finished")

    def _check_data(self, table: int, raw_size: int, rows: int) -> None:
        self._check_open()
        if not self._in_copy:
            raise UsageError("data frames must follow an sql frame that ends in COPY … FROM stdin;")
        if isinstance(table, bool) or table < 0:
            raise UsageError(f"table index must be a non-negative integer, not {table!r}")
        if self._copy_table is not None and table != self._copy_table:
            raise UsageError(f"the open COPY is for table {self._copy_table}, not {table}")
        if raw_size <= 0 or rows <= 0 or raw_size > MAX_FRAME_RAW_BYTES:
            raise UsageError(f"a data frame needs 1 to {MAX_FRAME_RAW_BYTES} bytes and rows")
        self._copy_table = table

    def _write_sql_frame(self, sql: str) -> FrameInfo:
        raw = sql.encode()
        if len(raw) > MAX_FRAME_RAW_BYTES:
            raise UsageError(f"an sql frame may hold at most {MAX_FRAME_RAW_BYTES} bytes")
        data = compress_frame(self.codec, raw, self.level)
        info = self._append("sql", None, data, len(raw), 0, crc32(raw))
        self._in_copy = opens_copy(sql)
        self._copy_table = None
        self._line_start = not raw or raw.endswith(b"\n")
        return info

    def _append(
        self, kind: str, table: int | None, data: bytes, raw_size: int, rows: int, crc: int
    ) -> FrameInfo:
        offset = self.start_offset + self.bytes_written
        info = FrameInfo(kind, table, offset, len(data), raw_size, rows, crc)
        self._write(data)
        self.frames.append(info)
        if kind == "data":
            self._line_start = True
        return info

    def _write(self, data: bytes) -> None:
        self._out.write(data)  # a buffered or blocking stream writes it all
        self.bytes_written += len(data)


def _check_tables(
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


# --- reader ---------------------------------------------------------------------------


class ArchiveReader:
    """A seekable archive: footer → manifest → header, then frames on demand.

    read_frame() is safe to call from several threads.  Use ArchiveReader.open().
    """

    def __init__(self, path: str, file: IO[bytes]) -> None:
        self.path = path
        self._file = file
        self._lock = threading.Lock()
        self.size = os.fstat(file.fileno()).st_size
        self.codec = _probe_start(file, path)
        manifest_offset, manifest_length = self._read_footer()
        self.manifest = self._read_manifest(manifest_offset, manifest_length)
        self.frames = self._manifest_frames(manifest_offset)
        if not self.frames or self.frames[0].kind != "sql" or self.frames[0].offset != 0:
            raise self._bad_manifest(manifest_offset, "it does not list the header at byte 0")
        self.header = parse_header(self.read_frame(0).decode(errors="replace"), source=path)

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> ArchiveReader:
        """Opens and checks an archive file.

        Raises FileNotFoundError_, NotAnArchiveError, TruncatedArchiveError (no footer),
        UnsupportedFormatError (newer format) or CorruptFrameError (bad footer/manifest).
        """
        name = os.fspath(path)
        try:
            file = open(name, "rb")  # noqa: SIM115 - the reader owns it until close()
        except FileNotFoundError:
            raise FileNotFoundError_(f'file "{name}" does not exist') from None
        except IsADirectoryError:
            raise NotAnArchiveError(f'"{name}" is not a pgsnap archive') from None
        try:
            return cls(name, file)
        except BaseException:
            file.close()
            raise

    def read_compressed(self, index: int) -> bytes:
        """The compressed bytes of frame `index`, as stored."""
        info = self.frames[index]
        with self._lock:
            self._file.seek(info.offset)
            data = self._file.read(info.length)
        if len(data) != info.length:
            raise self._corrupt(index, "the file ends inside it (did it shrink?)")
        return data

    def read_frame(self, index: int) -> bytes:
        """Frame `index` decompressed and checked against the manifest.

        Raises CorruptFrameError (with .index and .offset) when it fails to decompress
        or its size, crc32 or row count differs from the manifest.
        """
        info = self.frames[index]
        try:
            raw = decompress_frame(
                self.codec, self.read_compressed(index), expected_size=info.raw_size
            )
        except CorruptFrameError as e:
            if e.index is not None:
                raise
            raise self._corrupt(index, str(e)) from None
        problem = frame_problem(info, raw)
        if problem:
            raise self._corrupt(index, problem)
        return raw

    def verify(self) -> None:
        """Reads and checks every frame in file order (open() checked the manifest)."""
        for index in range(len(self.frames)):
            self.read_frame(index)

    def rows_by_table(self) -> dict[int, int]:
        """Rows in the data frames, per table index."""
        counts: dict[int, int] = {}
        for frame in self.frames:
            if frame.table is not None:
                counts[frame.table] = counts.get(frame.table, 0) + frame.rows
        return counts

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> ArchiveReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _read_footer(self) -> tuple[int, int]:
        footer_size = FOOTER_SIZES[self.codec]
        tail = b""
        if self.size >= footer_size:
            self._file.seek(self.size - footer_size)
            tail = self._file.read(footer_size)
        try:
            found = decode_footer(self.codec, tail)
        except ValueError as e:
            raise self._bad_footer(str(e)) from None
        if found is None:
            raise _no_footer(self.path)
        offset, length = found
        if offset + length + footer_size != self.size:
            raise self._bad_footer(f"it puts the manifest at bytes {offset}+{length}")
        return found

    def _read_manifest(self, offset: int, length: int) -> dict[str, Any]:
        self._file.seek(offset)
        data = self._file.read(length)
        try:
            raw = decompress_frame(self.codec, data)
            return parse_manifest(raw.decode(), source=self.path)
        except (CorruptFrameError, ValueError) as e:
            raise self._bad_manifest(offset, str(e)) from None

    def _manifest_frames(self, manifest_offset: int) -> list[FrameInfo]:
        try:
            frames = [FrameInfo.from_json(entry) for entry in self.manifest["frames"]]
        except (ValueError, AttributeError) as e:
            raise self._bad_manifest(manifest_offset, f"bad frame entry: {e}") from None
        end = frames[0].offset if frames else 0
        for index, frame in enumerate(frames):
            if frame.offset != end:
                reason = f"frame {index} is at byte {frame.offset}, not {end}"
                raise self._bad_manifest(manifest_offset, reason)
            end = frame.offset + frame.length
        if end != manifest_offset:
            raise self._bad_manifest(manifest_offset, f"its frames end at byte {end}")
        try:
            _check_tables(self.manifest, frames, ValueError)
        except ValueError as e:
            raise self._bad_manifest(manifest_offset, str(e)) from None
        return frames

    def _corrupt(self, index: int, reason: str) -> CorruptFrameError:
        offset = self.frames[index].offset
        return CorruptFrameError(
            f'frame {index} at byte {offset} of "{self.path}" is corrupt: {reason}',
            index=index,
            offset=offset,
        )

    def _bad_manifest(self, offset: int, reason: str) -> CorruptFrameError:
        return CorruptFrameError(
            f'the manifest at byte {offset} of "{self.path}" is corrupt: {reason}', offset=offset
        )

    def _bad_footer(self, reason: str) -> CorruptFrameError:
        offset = self.size - FOOTER_SIZES[self.codec]
        return CorruptFrameError(
            f'the footer at byte {offset} of "{self.path}" is corrupt: {reason}', offset=offset
        )


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


def _sniff_codec(head: bytes) -> str | None:
    if head.startswith(_ZSTD_MAGIC):
        return "zstd"
    if head.startswith(_GZIP_MAGIC):
        return "gzip"
    return None


def _probe_start(file: IO[bytes], path: str) -> str:
    """The codec, once the first frame is seen to start like a pgsnap header.

    Decompresses only the start of the first frame.  Raises NotAnArchiveError, or
    UnsupportedFormatError when the first line names a newer format, or
    TruncatedArchiveError when the file ends before the header could be seen.
    """
    file.seek(0)
    first = file.read(_PROBE_CHUNK)
    codec = _sniff_codec(first)
    if codec is None:
        raise NotAnArchiveError(f'"{path}" is not a pgsnap archive')
    decoder = _feeder(codec)
    text, consumed, chunk = b"", 0, first
    while chunk and b"\n" not in text and consumed < _PROBE_MAX_INPUT and not decoder.done():
        try:
            text += decoder.feed(chunk)
        except CorruptFrameError:
            raise NotAnArchiveError(f'"{path}" is not a pgsnap archive') from None
        consumed += len(chunk)
        chunk = file.read(_PROBE_CHUNK)
    marker = HEADER_MARKER.encode()
    if text.startswith(marker):
        _check_format_line(text.decode(errors="replace"), path)
        return codec
    if marker.startswith(text) and not chunk and not decoder.done():
        raise _no_footer(path)
    raise NotAnArchiveError(f'"{path}" is not a pgsnap archive')


class _Feeder(Protocol):
    """Incremental decoder of one zstd frame or gzip member."""

    def feed(self, chunk: bytes) -> bytes:
        """Decompresses `chunk`; CorruptFrameError on bad data."""
        ...

    def done(self) -> bool:
        """The end of the frame has been reached."""
        ...

    def rest(self) -> bytes:
        """Input bytes fed after the end of the frame."""
        ...


class _ZstdFeeder:
    def __init__(self) -> None:
        self._decoder = zstandard.ZstdDecompressor().decompressobj()

    def feed(self, chunk: bytes) -> bytes:
        try:
            return self._decoder.decompress(chunk)
        except zstandard.ZstdError as e:
            raise CorruptFrameError(f"bad zstd data: {e}") from None

    def done(self) -> bool:
        return self._decoder.eof

    def rest(self) -> bytes:
        return self._decoder.unused_data


class _GzipFeeder:
    def __init__(self) -> None:
        self._decoder = _gzip_decoder()

    def feed(self, chunk: bytes) -> bytes:
        try:
            out = self._decoder.decompress(chunk, MAX_FRAME_RAW_BYTES + 1)
        except _GZIP_ERRORS as e:
            raise CorruptFrameError(f"bad gzip data: {e}") from None
        if self._decoder.unconsumed_tail:
            raise CorruptFrameError(f"it decompresses to more than {MAX_FRAME_RAW_BYTES} bytes")
        return out

    def done(self) -> bool:
        return self._decoder.eof

    def rest(self) -> bytes:
        return self._decoder.unused_data


def _feeder(codec: str) -> _Feeder:
    return _ZstdFeeder() if codec == "zstd" else _GzipFeeder()


# --- pipe reader ----------------------------------------------------------------------


class _Input:
    """A read buffer over a non-seekable stream that knows its stream offset."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self.buf = b""
        self.pos = 0  # stream offset of buf[0]

    def fill(self, n: int) -> bool:
        """Buffer at least `n` bytes; False when the stream ends first."""
        while len(self.buf) < n:
            chunk = self._stream.read(_READ_CHUNK)
            if not chunk:
                return False
            self.buf += chunk
        return True

    def take(self, n: int | None = None) -> bytes:
        """Up to `n` bytes (what is buffered, else one read); b"" at the end."""
        if not self.buf:
            self.buf = self._stream.read(_READ_CHUNK) or b""
        if n is None:
            n = len(self.buf)
        data, self.buf = self.buf[:n], self.buf[n:]
        self.pos += len(data)
        return data

    def unread(self, data: bytes) -> None:
        self.buf = data + self.buf
        self.pos -= len(data)


def iter_stream_frames(
    stream: IO[bytes], *, name: str | None = None
) -> Iterator[tuple[int, int, bytes]]:
    """Reads an archive sequentially (a pipe) and yields (offset, length, raw) per frame.

    The codec comes from the first bytes.  The header (the first frame) is checked
    with parse_header; skippable zstd frames are skipped; the footer ends the stream and
    must point at the last frame, the manifest.  Reads at most 1 MiB at a time.

    Raises NotAnArchiveError, UnsupportedFormatError, CorruptFrameError, and
    TruncatedArchiveError when the stream ends inside a frame or without the footer,
    so a caller that has already used earlier frames must be ready to undo them.
    """
    stream_name = getattr(stream, "name", None)
    label = name or (stream_name if isinstance(stream_name, str) else "the input stream")
    src = _Input(stream)
    src.fill(len(_ZSTD_MAGIC))
    codec = _sniff_codec(src.buf)
    if codec is None:
        raise NotAnArchiveError(f'"{label}" is not a pgsnap archive')
    last: tuple[int, int] | None = None
    index = 0
    while src.fill(1):
        if codec == "zstd" and _skip_foreign_frame(src, label):
            continue
        footer_at = src.pos
        footer = _stream_footer(src, codec, label)
        if footer is not None:
            _check_stream_end(src, footer_at, footer, last, label)
            return
        offset = src.pos
        raw = _stream_frame(src, codec, index, label)
        last = (offset, src.pos - offset)
        yield offset, src.pos - offset, raw
        index += 1
    if index == 0:
        raise NotAnArchiveError(f'"{label}" is not a pgsnap archive')
    raise _no_footer(label)


def _no_footer(label: str) -> TruncatedArchiveError:
    return TruncatedArchiveError(
        f'"{label}" is truncated: no pgsnap footer at the end '
        "(interrupted dump or incomplete copy?)"
    )


def _skip_foreign_frame(src: _Input, label: str) -> bool:
    """Skips a zstd skippable frame that is not the pgsnap footer; True if it did."""
    if not src.fill(_SKIPPABLE.size) or src.buf.startswith(_ZSTD_FOOTER_HEAD):
        return False
    magic, size = _SKIPPABLE.unpack(src.buf[: _SKIPPABLE.size])
    if not _SKIPPABLE_FIRST <= magic <= _SKIPPABLE_LAST:
        return False
    _skip(src, _SKIPPABLE.size + size, label)
    return True


def _stream_footer(src: _Input, codec: str, label: str) -> tuple[int, int] | None:
    """Consumes the footer if it comes next and returns its (offset, length) pointer."""
    head = _ZSTD_FOOTER_HEAD if codec == "zstd" else _GZIP_FOOTER_HEAD
    if not src.fill(len(head)) and head.startswith(src.buf):
        raise _no_footer(label)
    if not src.buf.startswith(head):
        return None
    offset = src.pos
    src.fill(FOOTER_SIZES[codec])
    tail = src.take(FOOTER_SIZES[codec])
    try:
        found = decode_footer(codec, tail)
    except ValueError as e:
        raise CorruptFrameError(
            f'the footer at byte {offset} of "{label}" is corrupt: {e}', offset=offset
        ) from None
    if len(tail) < FOOTER_SIZES[codec]:
        raise TruncatedArchiveError(f'"{label}" is truncated: it ends inside the pgsnap footer')
    if found is None:
        raise CorruptFrameError(
            f'the footer at byte {offset} of "{label}" is corrupt: bad magic', offset=offset
        )
    return found


def _skip(src: _Input, n: int, label: str) -> None:
    start = src.pos
    while n:
        data = src.take(min(n, _READ_CHUNK))
        if not data:
            raise TruncatedArchiveError(
                f'"{label}" is truncated: it ends inside a skippable frame at byte {start}'
            )
        n -= len(data)


def _check_stream_end(
    src: _Input, footer_at: int, footer: tuple[int, int], last: tuple[int, int] | None, label: str
) -> None:
    """The footer must follow the manifest frame and be the last thing in the stream.

    Only the manifest's length is compared: its offset shifts if a foreign skippable
    frame was inserted, which a sequential reader does not mind.
    """
    if last is None or footer[1] != last[1]:
        raise CorruptFrameError(
            f'the footer at byte {footer_at} of "{label}" is corrupt: it gives the manifest '
            f"{footer[1]} bytes, the frame before it has {last[1] if last else 0}",
            offset=footer_at,
        )
    if src.fill(1):
        raise CorruptFrameError(
            f'"{label}" has bytes after the pgsnap footer, at byte {src.pos}', offset=src.pos
        )


def _stream_frame(src: _Input, codec: str, index: int, label: str) -> bytes:
    """Decompresses the frame at the read position; leaves the position after it."""
    offset = src.pos
    decoder = _feeder(codec)
    parts: list[bytes] = []
    size = 0
    while not decoder.done():
        chunk = src.take()
        if not chunk:
            raise TruncatedArchiveError(
                f'"{label}" is truncated: it ends inside frame {index} at byte {offset}'
            )
        try:
            out = decoder.feed(chunk)
        except CorruptFrameError as e:
            if index == 0 and not b"".join(parts).startswith(HEADER_MARKER.encode()):
                raise NotAnArchiveError(f'"{label}" is not a pgsnap archive') from None
            raise _stream_corrupt(label, index, offset, str(e)) from None
        parts.append(out)
        size += len(out)
        if size > MAX_FRAME_RAW_BYTES:
            reason = f"it decompresses to more than {MAX_FRAME_RAW_BYTES} bytes"
            raise _stream_corrupt(label, index, offset, reason)
        if index == 0:
            _check_header_start(b"".join(parts), decoder.done(), label)
    src.unread(decoder.rest())
    raw = b"".join(parts)
    if index == 0:
        parse_header(raw.decode(errors="replace"), source=label)
    return raw


def _check_header_start(text: bytes, done: bool, label: str) -> None:
    """Gives up early on a stream whose first frame is not a pgsnap header."""
    marker = HEADER_MARKER.encode()
    prefix = text[: len(marker)]
    if not marker.startswith(prefix) or (done and not text.startswith(marker)):
        raise NotAnArchiveError(f'"{label}" is not a pgsnap archive')


def _stream_corrupt(label: str, index: int, offset: int, reason: str) -> CorruptFrameError:
    return CorruptFrameError(
        f'frame {index} at byte {offset} of "{label}" is corrupt: {reason}',
        index=index,
        offset=offset,
    )
