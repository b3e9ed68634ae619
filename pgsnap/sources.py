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
from typing import Any, BinaryIO

from pgsnap import archive
from pgsnap.errors import CorruptFrameError, NotAnArchiveError, TruncatedArchiveError

END_OF_COPY = b"\\.\n"
MANIFEST_PREFIX = b"-- pgsnap-manifest: "


class FileSource:
    def __init__(self, reader: archive.ArchiveReader) -> None:
        self.reader = reader
        self.header: dict[str, Any] = reader.manifest

    def data(self, index: int) -> Iterator[bytes]:
        for i, frame in enumerate(self.reader.frames):
            if frame.kind == "data" and frame.table == index:
                yield self.reader.read_frame(i)

    def finish(self) -> dict[str, Any]:
        return self.reader.manifest

    def total_bytes(self, index: int) -> int | None:
        """Uncompressed size of the table's rows, for progress."""
        return sum(f.raw_size for f in self.reader.frames if f.kind == "data" and f.table == index)


@dataclass(frozen=True, slots=True)
class _Seen:
    offset: int
    raw_size: int
    rows: int
    crc32: int


class StreamSource:
    def __init__(self, stream: BinaryIO) -> None:
        self.frames = archive.iter_stream_frames(stream)
        first = next(self.frames, None)
        if first is None:
            raise NotAnArchiveError("the input stream is empty: not a pgsnap archive")
        self.header: dict[str, Any] = archive.parse_header(first[2].decode("utf-8", "replace"))
        self.ntables = len(self.header["tables"])
        # the table whose rows come next; == ntables after the last (or with no rows at all)
        self.current = self.ntables if self.header.get("contents") == "schema" else 0
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
            if raw.startswith(END_OF_COPY):
                self.current += 1
                return
            self.seen.append(_Seen(offset, len(raw), raw.count(b"\n"), zlib.crc32(raw)))
            yield raw
        raise TruncatedArchiveError("the input stream ended in the middle of the rows")

    def finish(self) -> dict[str, Any]:
        while self.current < self.ntables:
            for _ in self._table_frames():
                pass
        for _offset, _length, raw in self.frames:
            if raw.startswith(MANIFEST_PREFIX):
                manifest = archive.parse_manifest(raw.decode("utf-8"))
                self._check(manifest)
                return manifest
        raise TruncatedArchiveError("the input stream ended before the manifest: it is truncated")

    def _check(self, manifest: dict[str, Any]) -> None:
        expected = [f for f in manifest["frames"] if f["kind"] == "data"]
        if len(expected) != len(self.seen):
            raise CorruptFrameError(
                f"the stream carried {len(self.seen)} data frames; "
                f"the manifest lists {len(expected)}"
            )
        for i, (want, got) in enumerate(zip(expected, self.seen, strict=True)):
            if (want["crc32"], want["raw_size"], want["rows"]) != (
                got.crc32,
                got.raw_size,
                got.rows,
            ):
                raise CorruptFrameError(
                    f"data frame {i} at byte {got.offset} does not match its checksum",
                    index=i,
                    offset=got.offset,
                )
