"""The fixed-size footer that points at the manifest (docs/format.md §5)."""

from __future__ import annotations

import struct
import zlib

from pgsnap.archive.codec import check_codec

SKIPPABLE = struct.Struct("<II")  # magic 0x184D2A50-0x184D2A5F, payload size
SKIPPABLE_FIRST, SKIPPABLE_LAST = 0x184D2A50, 0x184D2A5F
_FOOTER_SKIPPABLE_MAGIC = 0x184D2A5E

# Footer payload, the same for both codecs: magic, manifest offset, manifest frame length,
# crc32 of the 24 bytes before it.  Layout in docs/format.md ("Footer").
_FOOTER_MAGIC = b"PGSNAPF1"
_PAYLOAD = struct.Struct("<8sQQI")
_PAYLOAD_SIGNED = 24  # bytes covered by the payload's crc32

ZSTD_FOOTER_HEAD = SKIPPABLE.pack(_FOOTER_SKIPPABLE_MAGIC, _PAYLOAD.size)
ZSTD_FOOTER_SIZE = len(ZSTD_FOOTER_HEAD) + _PAYLOAD.size  # 36

# An empty gzip member (RFC 1952) with FEXTRA: ID1 ID2 CM FLG=FEXTRA, MTIME=0, XFL=0,
# OS=255, XLEN, then one subfield SI1='P' SI2='S' LEN=28 holding the payload; then an
# empty final fixed-Huffman deflate block, CRC32=0 and ISIZE=0.
GZIP_FOOTER_HEAD = (
    b"\x1f\x8b\x08\x04\x00\x00\x00\x00\x00\xff"
    + struct.pack("<H", 4 + _PAYLOAD.size)
    + b"PS"
    + struct.pack("<H", _PAYLOAD.size)
)
_GZIP_FOOTER_TAIL = b"\x03\x00" + b"\x00" * 8
GZIP_FOOTER_SIZE = len(GZIP_FOOTER_HEAD) + _PAYLOAD.size + len(_GZIP_FOOTER_TAIL)  # 54
FOOTER_SIZES = {"zstd": ZSTD_FOOTER_SIZE, "gzip": GZIP_FOOTER_SIZE}


def encode_footer(codec: str, manifest_offset: int, manifest_length: int) -> bytes:
    """The fixed-size footer that points at the manifest frame."""
    check_codec(codec)
    signed = struct.pack("<8sQQ", _FOOTER_MAGIC, manifest_offset, manifest_length)
    payload = signed + struct.pack("<I", zlib.crc32(signed))
    if codec == "zstd":
        return ZSTD_FOOTER_HEAD + payload
    return GZIP_FOOTER_HEAD + payload + _GZIP_FOOTER_TAIL


def _footer_payload(codec: str, tail: bytes) -> bytes | None:
    """The payload of the footer `tail` (exactly FOOTER_SIZES[codec] bytes), or None."""
    if codec == "zstd":
        head, payload, end = ZSTD_FOOTER_HEAD, tail[len(ZSTD_FOOTER_HEAD) :], b""
    else:
        head, end = GZIP_FOOTER_HEAD, _GZIP_FOOTER_TAIL
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
