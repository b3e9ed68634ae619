"""The pipe reader: an archive read once, front to back, in bounded chunks (format.md §6)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from pgsnap.archive.codec import MAX_FRAME_RAW_BYTES, ZSTD_MAGIC, feeder, sniff_codec
from pgsnap.archive.footer import (
    FOOTER_SIZES,
    GZIP_FOOTER_HEAD,
    SKIPPABLE,
    SKIPPABLE_FIRST,
    SKIPPABLE_LAST,
    ZSTD_FOOTER_HEAD,
    decode_footer,
)
from pgsnap.archive.frames import HEADER_MARKER, no_footer, parse_header
from pgsnap.errors import CorruptFrameError, NotAnArchiveError, TruncatedArchiveError

_READ_CHUNK = 1 << 20  # pipe reads: bounded memory, few syscalls


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
    src.fill(len(ZSTD_MAGIC))
    codec = sniff_codec(src.buf)
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
    raise no_footer(label)


def _skip_foreign_frame(src: _Input, label: str) -> bool:
    """Skips a zstd skippable frame that is not the pgsnap footer; True if it did."""
    if not src.fill(SKIPPABLE.size) or src.buf.startswith(ZSTD_FOOTER_HEAD):
        return False
    magic, size = SKIPPABLE.unpack(src.buf[: SKIPPABLE.size])
    if not SKIPPABLE_FIRST <= magic <= SKIPPABLE_LAST:
        return False
    _skip(src, SKIPPABLE.size + size, label)
    return True


def _stream_footer(src: _Input, codec: str, label: str) -> tuple[int, int] | None:
    """Consumes the footer if it comes next and returns its (offset, length) pointer."""
    head = ZSTD_FOOTER_HEAD if codec == "zstd" else GZIP_FOOTER_HEAD
    if not src.fill(len(head)) and head.startswith(src.buf):
        raise no_footer(label)
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
    decoder = feeder(codec)
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
