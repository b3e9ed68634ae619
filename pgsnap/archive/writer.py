"""The archive writer: header, sql and data frames, then the manifest and footer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, Any, NamedTuple

from pgsnap.archive.blobs import BLOB_PREFIX
from pgsnap.archive.codec import (
    GZIP_MAGIC,
    MAX_FRAME_RAW_BYTES,
    ZSTD_MAGIC,
    compress_frame,
    crc32,
    level_of,
)
from pgsnap.archive.footer import encode_footer
from pgsnap.archive.frames import (
    FORMAT_VERSION,
    HEADER_FIRST_LINE,
    HEADER_MARKER,
    HEADER_PREFIX,
    MANIFEST_PREFIX,
    FrameInfo,
    check_tables,
    dumps_json,
    opens_copy,
)
from pgsnap.errors import UsageError


class Placed(NamedTuple):
    """A data frame that a dump worker compressed and wrote into the file itself, at
    `offset` (ArchiveWriter.placement)."""

    table: int
    offset: int
    length: int
    raw_size: int
    rows: int
    crc32: int


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
        self.level = level_of(codec, level)
        self.start_offset = start_offset
        self.frames: list[FrameInfo] = []
        self.bytes_written = 0
        self.manifest: dict[str, Any] | None = None  # set by finish()
        self._out = out
        self._in_copy = False  # the last sql frame opened a COPY
        self._copy_table: int | None = None
        self._line_start = True  # the text so far ends with a newline
        self._blobs = False  # a blob frame was written: no COPY may open after it

    def write_header(self, header: dict[str, Any], sql: str) -> FrameInfo:
        """The first frame: the two header lines, then `sql`.  Adds ``"format": 1``."""
        if self.frames or self.manifest is not None:
            raise UsageError("the archive header must be the first frame")
        line = HEADER_PREFIX + dumps_json({**header, "format": FORMAT_VERSION})
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
        if self._blobs and opens_copy(sql):
            raise UsageError("no COPY may open after the large objects' frames")
        return self._write_sql_frame(sql)

    def write_blob(self, raw: str) -> FrameInfo:
        """A blob frame: lo_put lines of one large object (archive/blobs.py), outside any
        COPY, after every table's rows."""
        self._check_open()
        if self._in_copy:
            raise UsageError('a COPY is open: end it with "\\." before the large objects')
        data = raw.encode()
        if not data.startswith(BLOB_PREFIX) or not data.endswith(b"\n"):
            raise UsageError("a blob frame holds whole lo_put lines")
        if len(data) > MAX_FRAME_RAW_BYTES:
            raise UsageError(f"a blob frame may hold at most {MAX_FRAME_RAW_BYTES} bytes")
        self._blobs = True
        packed = compress_frame(self.codec, data, self.level)
        return self._append("blob", None, packed, len(data), 0, crc32(data))

    def write_data(
        self, table: int, raw: bytes | bytearray, rows: int, *, counted: bool = False
    ) -> FrameInfo:
        """A data frame of `rows` COPY text rows for table `table`, compressed here.
        `counted`: the caller counted COPY's messages, one a row, so the newlines are not
        counted again (that cost a TOAST-heavy dump a tenth of its CPU); readers check them."""
        self._check_data(table, len(raw), rows)
        if not raw.endswith(b"\n") or (not counted and raw.count(b"\n") != rows):
            raise UsageError(f"a data frame must hold {rows} whole rows, each ending in a newline")
        data = compress_frame(self.codec, raw, self.level)
        return self._append("data", table, data, len(raw), rows, crc32(raw))

    def write_compressed(
        self, table: int, data: bytes, raw_size: int, rows: int, crc32: int
    ) -> FrameInfo:
        """A data frame that compress_frame made elsewhere (a worker), written as is."""
        self._check_data(table, raw_size, rows)
        if not data.startswith(ZSTD_MAGIC if self.codec == "zstd" else GZIP_MAGIC):
            raise UsageError(f"the compressed frame is not {self.codec} data")
        return self._append("data", table, data, raw_size, rows, crc32)

    def placement(self) -> tuple[str, str, int] | None:
        """Where dump workers may write the open COPY's data frames themselves: (path, the
        path as errors show it, the offset of the next frame), `out` flushed up to there;
        None when `out` is not a file of our own (standard output, an upload), or the archive
        is embedded at an offset.  The frames written there are recorded by place()."""
        where = getattr(self._out, "placement", None)
        if where is None or self.start_offset or not self._in_copy:
            return None
        self._out.flush()
        path, shown = where
        return path, shown, self.bytes_written

    def place(self, frames: Sequence[Placed], end: int) -> list[FrameInfo]:
        """Record the data frames that were written from placement()'s offset up to `end`, in
        any order; they must fill that space exactly.  Later frames are written after them."""
        start = self.bytes_written
        for frame in sorted(frames, key=lambda f: f.offset):
            self._check_data(frame.table, frame.raw_size, frame.rows)
            if frame.offset != self.bytes_written or frame.length <= 0:
                raise UsageError(f"a placed frame at {frame.offset} does not follow the last one")
            info = FrameInfo("data", frame.table, *frame[1:])
            self.frames.append(info)
            self.bytes_written += frame.length
        if self.bytes_written != end:
            filled = self.bytes_written - start
            raise UsageError(f"the placed frames fill {filled} of the {end - start} bytes written")
        if frames:
            self._out.seek(end)
        return self.frames[len(self.frames) - len(frames) :]

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
        check_tables(full, self.frames, UsageError)
        raw = (MANIFEST_PREFIX + dumps_json(full) + "\n").encode()
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
        if kind != "sql":
            self._line_start = True
        return info

    def _write(self, data: bytes) -> None:
        self._out.write(data)  # a buffered or blocking stream writes it all
        self.bytes_written += len(data)
