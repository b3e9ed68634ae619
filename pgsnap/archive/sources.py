"""Where a restore reads rows from: a seekable archive file, or a stream (a pipe, stdin).

A file gives any table's frames directly, through the manifest.  A stream is read once,
front to back, the way psql reads the script: the header frame ends with the first table's
COPY line, data frames follow until one starts with the end-of-copy marker, and so on; the
manifest comes last and is checked against what was seen before anything is committed.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from pgsnap.archive.frames import MANIFEST_PREFIX, corrupt_header, parse_header, parse_manifest
from pgsnap.archive.manifest import (
    Header,
    Manifest,
    disagreement,
    header_from_json,
    manifest_from_json,
)
from pgsnap.archive.psql import ScriptGuard, check_rows, check_script
from pgsnap.archive.reader import ArchiveReader
from pgsnap.archive.stream import iter_stream_frames
from pgsnap.errors import CorruptFrameError, NotAnArchiveError, TruncatedArchiveError
from pgsnap.shape import ShapeError

END_OF_COPY = b"\\.\n"
STREAM_LABEL = "the input stream"


class RowSource(Protocol):
    """The archive a restore reads: its header first, rows table by table, the manifest last."""

    header: Header

    def data(self, index: int) -> Iterator[bytes]:
        """The rows of table `index`, frame by frame (each a block of whole COPY lines)."""
        ...

    def finish(self) -> Manifest:
        """The manifest, once every row was read; an ArchiveError if the rows do not match."""
        ...

    def total_bytes(self, index: int) -> int | None:
        """The size of table `index`'s rows, when known before reading them (for progress)."""
        ...


class FileSource:
    def __init__(self, reader: ArchiveReader) -> None:
        check_script(reader)  # before anything is loaded: the sql frames psql would run
        self.reader = reader
        self.header = reader.header

    def data(self, index: int) -> Iterator[bytes]:
        for i in self.reader.manifest.table_frames(index):
            raw = self.reader.read_frame(i)
            check_rows(self.reader.path, i, raw)
            yield raw

    def finish(self) -> Manifest:
        return self.reader.manifest

    def total_bytes(self, index: int) -> int | None:
        frames = self.reader.frames
        return sum(frames[i].raw_size for i in self.reader.manifest.table_frames(index))


@dataclass(frozen=True, slots=True)
class _Seen:
    offset: int
    raw_size: int
    rows: int
    crc32: int


class StreamSource:
    def __init__(self, stream: BinaryIO) -> None:
        self.frames = iter_stream_frames(stream)
        first = next(self.frames, None)
        if first is None:
            raise NotAnArchiveError("the input stream is empty: not a pgsnap archive")
        doc = parse_header(first[2].decode("utf-8", "replace"), source=STREAM_LABEL)
        try:
            self.header = header_from_json(doc)
        except ShapeError as e:
            raise corrupt_header(STREAM_LABEL, str(e)) from None
        self.guard = ScriptGuard(STREAM_LABEL)
        self.guard.sql(0, first[2].decode("utf-8", "replace"))
        self.index = 0  # of the last frame read
        self.ntables = len(self.header.tables)
        # the table whose rows come next; == ntables after the last (or with no rows at all)
        self.current = self.ntables if self.header.contents == "schema" else 0
        self.seen: list[_Seen] = []

    def total_bytes(self, index: int) -> int | None:
        return None  # a stream's sizes arrive with the manifest, at the end

    def data(self, index: int) -> Iterator[bytes]:
        while self.current < index:
            for _ in self._table_frames():
                pass
        yield from self._table_frames()

    def _table_frames(self) -> Iterator[bytes]:
        """Data frames of the current table, up to its end-of-copy frame."""
        for offset, _length, raw in self.frames:
            self.index += 1
            if raw.startswith(END_OF_COPY):
                self.guard.sql(self.index, raw.decode("utf-8", "replace"))
                self.current += 1
                return
            self.guard.data(self.index)
            check_rows(STREAM_LABEL, self.index, raw)
            self.seen.append(_Seen(offset, len(raw), raw.count(b"\n"), zlib.crc32(raw)))
            yield raw
        raise TruncatedArchiveError("the input stream ended in the middle of the rows")

    def finish(self) -> Manifest:
        while self.current < self.ntables:
            for _ in self._table_frames():
                pass
        for offset, _length, raw in self.frames:
            self.index += 1
            if raw.startswith(MANIFEST_PREFIX.encode()):
                manifest = self._manifest(offset, raw)
                self._check(manifest)
                return manifest
            self.guard.sql(self.index, raw.decode("utf-8", "replace"))  # e.g. schema only
        raise TruncatedArchiveError("the input stream ended before the manifest: it is truncated")

    def _manifest(self, offset: int, raw: bytes) -> Manifest:
        try:
            manifest = manifest_from_json(parse_manifest(raw.decode("utf-8"), source=STREAM_LABEL))
        except ValueError as e:  # ShapeError, bad JSON, bad UTF-8
            raise CorruptFrameError(
                f'the manifest at byte {offset} of "{STREAM_LABEL}" is corrupt: {e}', offset=offset
            ) from None
        differs = disagreement(self.header, manifest)
        if differs is not None:
            raise corrupt_header(STREAM_LABEL, f'it says another "{differs}" than the manifest')
        return manifest

    def _check(self, manifest: Manifest) -> None:
        expected = [f for f in manifest.frames if f.kind == "data"]
        if len(expected) != len(self.seen):
            raise CorruptFrameError(
                f"the stream carried {len(self.seen)} data frames; "
                f"the manifest lists {len(expected)}"
            )
        for i, (want, got) in enumerate(zip(expected, self.seen, strict=True)):
            if (want.crc32, want.raw_size, want.rows) != (got.crc32, got.raw_size, got.rows):
                raise CorruptFrameError(
                    f"data frame {i} at byte {got.offset} does not match its checksum",
                    index=i,
                    offset=got.offset,
                )
