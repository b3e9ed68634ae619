"""The seekable reader: footer -> manifest -> header, then frames on demand.

FrameFile checks the frame layer (docs/format.md §4-6: footer, manifest line, frame offsets,
checksums, and that the script around the rows agrees with the manifest's frame kinds and
tables) and keeps the header and manifest as JSON; ArchiveReader, what every command opens,
also parses them into typed values with the strict parser (archive/manifest.py), checks each
COPY line against its table, and each data frame's rows against the table's columns.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from types import TracebackType
from typing import IO, Any, TypeVar

from pgsnap.archive.blobs import parse_blob
from pgsnap.archive.codec import decompress_frame, feeder, sniff_codec
from pgsnap.archive.footer import FOOTER_SIZES, decode_footer
from pgsnap.archive.foreign import recognise
from pgsnap.archive.frames import (
    END_OF_DATA,
    HEADER_MARKER,
    FrameInfo,
    check_format_line,
    check_tables,
    copy_line,
    corrupt_header,
    frame_problem,
    no_footer,
    parse_header,
    parse_manifest,
    rows_problem,
)
from pgsnap.archive.manifest import (
    CONTENTS_WITHOUT_ROWS,
    Header,
    Manifest,
    disagreement,
    header_of,
    manifest_from_json,
)
from pgsnap.ddl.copy import copy_from
from pgsnap.errors import CorruptFrameError, FileNotFoundError_, NotAnArchiveError, PgsnapError
from pgsnap.shape import ShapeError, decode, printable
from pgsnap.storage import open_object, parse_url

_F = TypeVar("_F", bound="FrameFile")
_PROBE_CHUNK = 64 << 10
_PROBE_MAX_INPUT = 1 << 20  # give up looking for the header line after this much input


class FrameFile:
    """A seekable archive's frames: footer → manifest → header, then frames on demand.

    read_frame() is safe to call from several threads.  Use FrameFile.open().
    """

    def __init__(self, path: str, file: IO[bytes]) -> None:
        manifest_offset, manifest_length = self._start(path, file)
        self.manifest_offset = manifest_offset
        self.manifest_json = self._read_manifest(manifest_offset, manifest_length)
        self.frames = self._manifest_frames(manifest_offset)
        if not self.frames or self.frames[0].kind != "sql" or self.frames[0].offset != 0:
            raise self._bad_manifest(manifest_offset, "it does not list the header at byte 0")
        first = self.read_frame(0)
        self.header_json = parse_header(first.decode(errors="replace"), source=path)
        # (frame index, text) of each COPY line of the script, in order
        self.copy_lines = self._check_script(first)

    def _start(self, path: str, file: IO[bytes]) -> tuple[int, int]:
        """The file's codec and size, and where its footer puts the manifest frame."""
        self.path = path
        self._file = file
        self._lock = threading.Lock()
        self.size = file.seek(0, os.SEEK_END)  # a local file or an object (storage/)
        self.codec = _probe_start(file, path)
        return self._read_footer()

    @classmethod
    def open(cls: type[_F], path: str | os.PathLike[str]) -> _F:
        """Opens and checks an archive file.

        Raises FileNotFoundError_, NotAnArchiveError, TruncatedArchiveError (no footer),
        UnsupportedFormatError (newer format) or CorruptFrameError (bad footer/manifest).
        """
        name = os.fspath(path)
        file = _open(name)
        try:
            return cls(name, file)
        except NotAnArchiveError:
            file.close()
            what = recognise(name)
            if what is None:
                raise
            raise NotAnArchiveError(f'"{name}" is not a pgsnap archive: it is {what}') from None
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

    def __enter__(self: _F) -> _F:
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
            raise no_footer(self.path)
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
            entries = self.manifest_json["frames"]
            frames = [decode(FrameInfo, e, f"frames[{i}]") for i, e in enumerate(entries)]
        except ShapeError as e:
            raise self._bad_manifest(manifest_offset, str(e)) from None
        end = frames[0].offset if frames else 0
        for index, frame in enumerate(frames):
            if frame.offset != end:
                reason = f"frame {index} is at byte {frame.offset}, not {end}"
                raise self._bad_manifest(manifest_offset, reason)
            end = frame.offset + frame.length
        if end != manifest_offset:
            raise self._bad_manifest(manifest_offset, f"its frames end at byte {end}")
        try:
            check_tables(self.manifest_json, frames, ValueError)
        except ValueError as e:
            raise self._bad_manifest(manifest_offset, str(e)) from None
        return frames

    def _check_script(self, first: bytes) -> list[tuple[int, str]]:
        """Reads the sql frames and checks the manifest's kinds and tables against them
        (format.md §2): a data frame only inside the COPY of its table (the k-th COPY line is
        table k's), an sql frame after rows starts with the end-of-copy line, and the script
        does not end inside a COPY.  The COPY lines, for ArchiveReader to check."""
        copies: list[tuple[int, str]] = []
        open_copy: int | None = None  # the table whose COPY data may follow
        blobs = False  # a blob frame came: no COPY may open after it
        for index, info in enumerate(self.frames):
            if info.kind == "data":
                if info.table != open_copy:
                    raise self._corrupt(index, self._misplaced(info, open_copy))
                continue
            if info.kind == "blob":  # read when its large object is (they are big)
                if open_copy is not None:
                    raise self._corrupt(index, "the manifest says it is a blob, inside a COPY")
                blobs = True
                continue
            text = first if index == 0 else self.read_frame(index)
            if open_copy is not None and not text.startswith(END_OF_DATA + b"\n"):
                raise self._corrupt(index, "it follows a COPY but does not end it with \\.")
            line = copy_line(text.decode(errors="replace"))
            if line is not None and blobs:
                raise self._corrupt(index, "it opens a COPY after the large objects' frames")
            open_copy = None if line is None else len(copies)
            copies += [] if line is None else [(index, line)]
        if open_copy is not None:
            raise self._corrupt(len(self.frames) - 1, "the script ends inside a COPY")
        return copies

    @staticmethod
    def _misplaced(info: FrameInfo, open_copy: int | None) -> str:
        said = f"the manifest says it holds rows of table {info.table}"
        if open_copy is None:
            return f"{said}, but no COPY is open there"
        return f"{said}, but it is inside the COPY of table {open_copy}"

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


class ArchiveReader(FrameFile):
    """A pgsnap archive file: its frames, and its header and manifest as typed values.

    Opening it checks everything but the frames' contents: the frame layer (FrameFile), the
    header's and the manifest's shape, and that the two agree.  Use ArchiveReader.open();
    every malformed file is an ArchiveError that names it.
    """

    def __init__(self, path: str, file: IO[bytes]) -> None:
        super().__init__(path, file)
        try:
            self.manifest: Manifest = manifest_from_json(self.manifest_json)
        except ShapeError as e:
            raise self._bad_manifest(self.manifest_offset, str(e)) from None
        try:
            self.header: Header = header_of(self.header_json, self.manifest, self.manifest_json)
        except ShapeError as e:
            raise corrupt_header(path, str(e)) from None
        differs = disagreement(self.header, self.manifest)
        if differs is not None:
            raise corrupt_header(path, f'it says another "{differs}" than the manifest')
        self._check_copies()
        self._columns = [len(t.copy_columns) for t in self.header.tables]

    def read_frame(self, index: int) -> bytes:
        """Frame `index`, checked against the manifest (FrameFile.read_frame) and, for a
        data frame, every row against its table's columns."""
        raw = super().read_frame(index)
        table = self.frames[index].table
        if table is not None:
            problem = rows_problem(raw, self._columns[table])
            if problem:
                raise self._corrupt(index, problem)
        if self.frames[index].kind == "blob":
            try:
                parse_blob(raw)
            except ValueError as e:
                raise self._corrupt(index, str(e)) from None
        return raw

    def _check_copies(self) -> None:
        """The script's COPY lines are those of the manifest's tables, one per table, in
        order (none in a schema-only archive)."""
        with_rows = self.header.contents not in CONTENTS_WITHOUT_ROWS
        wanted = list(self.header.tables) if with_rows else []
        if len(self.copy_lines) != len(wanted):
            copies, tables = len(self.copy_lines), len(wanted)
            reason = (
                f"the script has {copies} COPY sections, the manifest {tables} tables with rows"
            )
            raise self._bad_manifest(self.manifest_offset, reason)
        for k, ((index, line), spec) in enumerate(zip(self.copy_lines, wanted, strict=True)):
            if line != copy_from(spec) + ";":
                name = printable(spec.qname.display())
                raise self._corrupt(index, f"its COPY line is not that of table {k} ({name})")


class _ManifestText(FrameFile):
    """Only as far as the manifest frame's decompressed text: see manifest_mentions()."""

    def __init__(self, path: str, file: IO[bytes]) -> None:
        offset, length = self._start(path, file)
        file.seek(offset)
        self.text = decompress_frame(self.codec, file.read(length))


def manifest_mentions(path: str | os.PathLike[str], strings: Sequence[str]) -> bool:
    """Whether the manifest of the archive at `path` (a file or an object URL) holds each of
    `strings` as a JSON string (the name of a table, of a database): a look at the file's
    start, footer and decompressed manifest frame, with none of the checks of open() (an
    archive of 2,000 tables takes 0.4-0.5 s to open, a few ms to look into).  False when
    the file has no manifest to look into.  A string written otherwise than json.dumps
    writes it, escaped or not, is not found."""
    try:
        with _ManifestText.open(path) as found:
            return all(any(form in found.text for form in _json_forms(text)) for text in strings)
    except (PgsnapError, OSError):  # (not an archive, removed meanwhile, unreadable)
        return False


def _json_forms(text: str) -> set[bytes]:
    """`text` as a JSON string literal, with non-ASCII characters escaped and not."""
    return {json.dumps(text).encode(), json.dumps(text, ensure_ascii=False).encode()}


def _open(name: str) -> IO[bytes]:
    """The file at `name`, or the object when `name` is an s3://, gs:// or az:// URL."""
    url = parse_url(name)
    if url is not None:
        return open_object(url)
    try:
        return open(name, "rb")
    except FileNotFoundError:
        raise FileNotFoundError_(f'file "{name}" does not exist') from None
    except IsADirectoryError:
        raise NotAnArchiveError(f'"{name}" is not a pgsnap archive') from None


def _probe_start(file: IO[bytes], path: str) -> str:
    """The codec, once the first frame is seen to start like a pgsnap header.

    Decompresses only the start of the first frame.  Raises NotAnArchiveError, or
    UnsupportedFormatError when the first line names a newer format, or
    TruncatedArchiveError when the file ends before the header could be seen.
    """
    file.seek(0)
    first = file.read(_PROBE_CHUNK)
    codec = sniff_codec(first)
    if codec is None:
        raise NotAnArchiveError(f'"{path}" is not a pgsnap archive')
    decoder = feeder(codec)
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
        check_format_line(text.decode(errors="replace"), path)
        return codec
    if marker.startswith(text) and not chunk and not decoder.done():
        raise no_footer(path)
    raise NotAnArchiveError(f'"{path}" is not a pgsnap archive')
