"""Where a restore reads rows from: a seekable archive file, or a stream (a pipe, stdin).

A file gives any table's frames directly, through the manifest.  A stream is read once,
front to back, the way psql reads the script: the header frame ends with the first table's
COPY line, data frames follow until one starts with the end-of-copy marker, and so on; the
manifest comes last and is checked against what was seen before anything is committed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from pgsnap.archive.blobs import BLOB_PREFIX, BlobTally, LargeObjectData
from pgsnap.archive.codec import crc32
from pgsnap.archive.frames import (
    MANIFEST_PREFIX,
    corrupt_header,
    parse_header,
    parse_manifest,
    rows_problem,
)
from pgsnap.archive.manifest import (
    CONTENTS_WITHOUT_ROWS,
    Header,
    Manifest,
    disagreement,
    header_from_json,
    large_object_oids,
    manifest_from_json,
)
from pgsnap.archive.psql import ScriptGuard, check_script
from pgsnap.archive.reader import ArchiveReader
from pgsnap.archive.stream import iter_stream_frames
from pgsnap.ddl.copy import copy_from
from pgsnap.errors import CorruptFrameError, NotAnArchiveError, TruncatedArchiveError
from pgsnap.shape import ShapeError, printable

END_OF_COPY = b"\\.\n"
STREAM_LABEL = "the input stream"
Write = tuple[int, int, bytes]  # a large object's oid, an offset in it, the bytes there


class RowSource(Protocol):
    """The archive a restore reads: its header first, rows table by table, the manifest last."""

    header: Header
    label: str  # the archive as messages name it: its path, the input stream, a database

    def data(self, index: int) -> Iterator[bytes]:
        """The rows of table `index`, frame by frame (each a block of whole COPY lines)."""
        ...

    def large_objects(self) -> Iterator[Write]:
        """The large objects' data, after every table's rows, checked as it is read."""
        ...

    def finish(self) -> Manifest:
        """The manifest, once every row was read; an ArchiveError if the rows do not match."""
        ...

    def total_bytes(self, index: int) -> int | None:
        """The size of table `index`'s rows, when known before reading them (for progress)."""
        ...


class BlobCheck:
    """The blob frames of a file, read in file order (verify): each lo_put aimed at the large
    object the manifest says the frame holds, at the next offset; each large object's size,
    sha256 and frames as the manifest says, at the end."""

    def __init__(self, reader: ArchiveReader) -> None:
        self.reader = reader
        self.entries = reader.manifest.large_objects
        self.tally = BlobTally(e.oid for e in self.entries)
        self.owner = {i: e.oid for e in self.entries for i in e.frames}

    def frame(self, index: int, raw: bytes) -> list[Write]:
        try:
            return self.tally.frame(index, raw, self.owner[index])
        except ValueError as e:
            offset = self.reader.frames[index].offset
            raise _corrupt(index, offset, str(e), self.reader.path) from None

    def finish(self, entry: LargeObjectData | None = None) -> None:
        """Every large object (or `entry`'s, once its frames are read) as the manifest says."""
        if entry is None:
            problem = self.tally.entries_problem(self.entries)
        else:
            problem = self.tally.problem(entry)
        if problem:
            raise _bad_manifest(self.reader.manifest_offset, problem, self.reader.path)


class FileSource:
    def __init__(self, reader: ArchiveReader) -> None:
        check_script(reader)  # before anything is loaded: the sql frames psql would run
        self.reader = reader
        self.header = reader.header
        self.label = reader.path

    def data(self, index: int) -> Iterator[bytes]:
        for i in self.reader.manifest.table_frames(index):
            yield self.reader.read_frame(i)  # its rows checked against the table there

    def large_objects(self) -> Iterator[Write]:
        """Each large object's frames, in the manifest's order: each lo_put checked against
        its large object and offset, and each large object's size and sha256 after them."""
        check = BlobCheck(self.reader)
        for entry in check.entries:
            for i in entry.frames:
                yield from check.frame(i, self.reader.read_frame(i))
            check.finish(entry)

    def finish(self) -> Manifest:
        return self.reader.manifest

    def total_bytes(self, index: int) -> int | None:
        frames = self.reader.frames
        return sum(frames[i].raw_size for i in self.reader.manifest.table_frames(index))


@dataclass(frozen=True, slots=True)
class _Seen:
    """What a data frame of the stream held, to compare with the manifest at the end."""

    index: int
    offset: int
    table: int | None
    raw_size: int
    rows: int
    crc32: int
    kind: str = "data"


class StreamSource:
    """An archive read once, front to back: the script's COPY lines say whose rows follow
    (each checked against the header's table), each data frame's rows are checked against
    that table's columns, and at the end every data frame against the manifest."""

    def __init__(self, stream: BinaryIO) -> None:
        self.frames = enumerate(iter_stream_frames(stream, name=STREAM_LABEL))
        first = next(self.frames, None)
        if first is None:
            raise NotAnArchiveError(f'"{STREAM_LABEL}" is empty: not a pgsnap archive')
        raw = first[1][2]
        doc = parse_header(raw.decode("utf-8", "replace"), source=STREAM_LABEL)
        try:
            self.header = header_from_json(doc)
        except ShapeError as e:
            raise corrupt_header(STREAM_LABEL, str(e)) from None
        self.label = STREAM_LABEL
        self.guard = ScriptGuard(STREAM_LABEL)
        self.guard.sql(0, raw.decode("utf-8", "replace"))
        self.ntables = len(self.header.tables)
        # the table whose rows come next; == ntables after the last (or with no rows at all)
        self.current = 0
        self.copies = 0 if self.header.contents in CONTENTS_WITHOUT_ROWS else self.ntables
        self.seen: list[_Seen] = []
        self._check_copy(0, 0)
        self.tally = BlobTally(large_object_oids(self.header))
        self._pending: tuple[int, tuple[int, int, bytes]] | None = None  # read, not used yet

    def total_bytes(self, index: int) -> int | None:
        return None  # a stream's sizes arrive with the manifest, at the end

    def data(self, index: int) -> Iterator[bytes]:
        while self.current < index:
            for _ in self._table_frames():
                pass
        yield from self._table_frames()

    def _table_frames(self) -> Iterator[bytes]:
        """Data frames of the current table, up to its end-of-copy frame."""
        columns = len(self.header.tables[self.current].copy_columns)
        for index, (offset, _length, raw) in self.frames:
            if raw.startswith(END_OF_COPY):
                self.guard.sql(index, raw.decode("utf-8", "replace"))
                self.current += 1
                self._check_copy(index, offset)
                return
            self.guard.data(index)
            problem = rows_problem(raw, columns)
            if problem:
                raise _corrupt(index, offset, problem)
            self.seen.append(
                _Seen(index, offset, self.current, len(raw), raw.count(b"\n"), crc32(raw))
            )
            yield raw
        raise TruncatedArchiveError(f'"{STREAM_LABEL}" is truncated: it ends inside the rows')

    def _check_copy(self, index: int, offset: int) -> None:
        """The COPY line the sql frame just guarded ends with opens the rows of the next
        table (and only then: not after the last, nor in a schema-only archive), as its
        header says."""
        line = self.guard.opened
        if self.current >= self.copies:
            if line is not None:
                raise _corrupt(index, offset, "it opens a COPY for no table of the header")
            self.current = self.ntables
            return
        spec = self.header.tables[self.current]
        if line != copy_from(spec) + ";":
            name = printable(spec.qname.display())
            reason = f"it does not open the COPY of table {self.current} ({name})"
            raise _corrupt(index, offset, reason)

    def large_objects(self) -> Iterator[Write]:
        """The blob frames after the last table's rows, each lo_put checked against the
        header's large objects and the offset the last write to its large object ended at
        (sizes and checksums at the end, against the manifest)."""
        while self.current < self.ntables:
            for _ in self._table_frames():
                pass
        for index, (offset, length, raw) in self._rest():
            if not raw.startswith(BLOB_PREFIX):
                self._pending = (index, (offset, length, raw))
                return
            self.guard.blob(index)
            try:
                writes = self.tally.frame(index, raw)
            except ValueError as e:
                raise _corrupt(index, offset, str(e)) from None
            self.seen.append(_Seen(index, offset, None, len(raw), 0, crc32(raw), "blob"))
            yield from writes

    def _rest(self) -> Iterator[tuple[int, tuple[int, int, bytes]]]:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            yield pending
        yield from self.frames

    def finish(self) -> Manifest:
        for _ in self.large_objects():
            pass
        for index, (offset, _length, raw) in self._rest():
            if raw.startswith(MANIFEST_PREFIX.encode()):
                manifest = self._manifest(offset, raw)
                self._check(manifest, offset)
                return manifest
            self.guard.sql(index, raw.decode("utf-8", "replace"))  # e.g. schema only
        raise TruncatedArchiveError(f'"{STREAM_LABEL}" is truncated: it ends before the manifest')

    def _manifest(self, offset: int, raw: bytes) -> Manifest:
        try:
            manifest = manifest_from_json(parse_manifest(raw.decode("utf-8"), source=STREAM_LABEL))
        except ValueError as e:  # ShapeError, bad JSON, bad UTF-8
            raise _bad_manifest(offset, str(e)) from None
        differs = disagreement(self.header, manifest)
        if differs is not None:
            raise corrupt_header(STREAM_LABEL, f'it says another "{differs}" than the manifest')
        return manifest

    def _check(self, manifest: Manifest, offset: int) -> None:
        expected = [f for f in manifest.frames if f.kind != "sql"]
        if len(expected) != len(self.seen):
            reason = (
                f"it lists {len(expected)} data and blob frames, "
                f"the stream carried {len(self.seen)}"
            )
            raise _bad_manifest(offset, reason)
        for want, got in zip(expected, self.seen, strict=True):
            wanted = (want.kind, want.table, want.crc32, want.raw_size, want.rows)
            if wanted != (got.kind, got.table, got.crc32, got.raw_size, got.rows):
                raise _corrupt(got.index, got.offset, "it does not match its manifest entry")
        # the tally numbers the frames as the stream did: the manifest's indexes
        problem = self.tally.entries_problem(manifest.large_objects)
        if problem:
            raise _bad_manifest(offset, problem)


def _corrupt(index: int, offset: int, reason: str, label: str = STREAM_LABEL) -> CorruptFrameError:
    return CorruptFrameError(
        f'frame {index} at byte {offset} of "{label}" is corrupt: {reason}',
        index=index,
        offset=offset,
    )


def _bad_manifest(offset: int, reason: str, label: str = STREAM_LABEL) -> CorruptFrameError:
    return CorruptFrameError(
        f'the manifest at byte {offset} of "{label}" is corrupt: {reason}', offset=offset
    )
