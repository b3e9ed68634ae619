"""Codecs: one zstd frame or gzip member in, one out.  Pure: safe in workers and threads."""

from __future__ import annotations

import os
import threading
import zlib
from typing import Protocol, cast

import zstandard

from pgsnap.errors import CorruptFrameError, UsageError

# isal is a dependency (4x the stdlib's deflate speed); without it .sql.gz still works.
try:
    from isal import isal_zlib as _isal_zlib
except ImportError:  # pragma: no cover
    _isal_zlib = None  # type: ignore[assignment]

CODECS = ("zstd", "gzip")
DEFAULT_LEVELS = {"zstd": 1, "gzip": 1}  # the fastest levels; see notes/compression.md
# A frame that claims to decompress to more than this is corrupt.  It bounds what a
# damaged size field can make a reader allocate (the zstd seekable format uses 1 GiB too).
MAX_FRAME_RAW_BYTES = 1 << 30
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
GZIP_MAGIC = b"\x1f\x8b\x08"  # ID1, ID2, CM=deflate
_ZSTD_LEVELS = (-(1 << 17), zstandard.MAX_COMPRESSION_LEVEL)
_GZIP_LEVELS = (0, 9)
_ISAL_MAX_LEVEL = 3  # igzip has levels 0-3; higher gzip levels use the stdlib's zlib


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


def check_codec(codec: str) -> None:
    if codec not in CODECS:
        raise UsageError(f'unknown codec "{codec}" (expected zstd or gzip)')


def level_of(codec: str, level: int | None) -> int:
    """The level to use; UsageError when it is out of the codec's range."""
    check_codec(codec)
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
    lvl = level_of(codec, level)
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


def _zstd_decompressor() -> zstandard.ZstdDecompressor:
    """One decompressor per thread, reused frame after frame: a new one costs 21 us, about
    0.12 s of the 6,000 frames of a 2,000-table archive (a reused one 0.5 us a frame)."""
    found: zstandard.ZstdDecompressor | None = getattr(_local, "unzstd", None)
    if found is None:
        found = _local.unzstd = zstandard.ZstdDecompressor()
    return found


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
    check_codec(codec)
    limit = MAX_FRAME_RAW_BYTES if expected_size is None else expected_size
    if codec == "zstd":
        return _zstd_decompress(data, limit, expected_size is not None)
    return _gzip_decompress(data, limit)


def _zstd_decompress(data: bytes, limit: int, exact: bool) -> bytes:
    if not data.startswith(ZSTD_MAGIC):
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
        return _zstd_decompressor().decompress(data)
    except zstandard.ZstdError as e:
        raise CorruptFrameError(f"bad zstd data: {e}") from None


def _zstd_decompress_unsized(data: bytes, limit: int) -> bytes:
    """A frame without a content size (not written by pgsnap, but valid zstd)."""
    decoder = zstandard.ZstdDecompressor().decompressobj()  # (its own context: rare)
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
    if not data.startswith(GZIP_MAGIC):
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


def feeder(codec: str) -> _Feeder:
    return _ZstdFeeder() if codec == "zstd" else _GzipFeeder()


def sniff_codec(head: bytes) -> str | None:
    """The codec whose magic `head` starts with, or None."""
    if head.startswith(ZSTD_MAGIC):
        return "zstd"
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    return None
