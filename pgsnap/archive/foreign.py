"""Files that are not pgsnap archives but are backups all the same: what they are, and how to
restore them.  `load`, `verify` and `list` say so instead of a bare "not a pgsnap archive".

Reads at most the first PROBE_BYTES of the file and decompresses at most PROBE_BYTES.
"""

from __future__ import annotations

import io
import os
import shlex
import zlib

import zstandard

from pgsnap.archive.codec import sniff_codec
from pgsnap.errors import PgsnapError
from pgsnap.storage import parse_url, read_head

PROBE_BYTES = 64 * 1024
PG_DUMP_CUSTOM_MAGIC = b"PGDMP"  # pg_dump -Fc / -Ft's first bytes
PG_DUMP_PLAIN = b"-- PostgreSQL database dump"
PG_DUMPALL_PLAIN = b"-- PostgreSQL database cluster dump"
_DECOMPRESS = {"zstd": "zstd -dc", "gzip": "gzip -dc"}


def recognise(path: str | os.PathLike[str]) -> str | None:
    """What the file at `path` is, as a phrase to follow "it is": an empty file, a pg_dump
    script (and the command that restores it), a pg_dump custom archive; None when it is
    none of these (or cannot be read)."""
    head = _head(os.fspath(path))
    if head is None:
        return None
    if not head:
        return "an empty file (0 bytes)"
    codec = sniff_codec(head)
    text = _decompressed(head, codec)
    quoted = shlex.quote(os.fspath(path))
    how = "restore it with"
    if parse_url(os.fspath(path)) is not None:  # the tools read files: name the download
        quoted = shlex.quote(os.path.basename(os.fspath(path)))
        how = "download it, then restore it with"
    feed = f"{_DECOMPRESS[codec]} {quoted} | " if codec else ""
    if text.startswith(PG_DUMP_CUSTOM_MAGIC):
        restore = f"{_DECOMPRESS[codec]} {quoted} | pg_restore" if codec else f"pg_restore {quoted}"
        return f"a pg_dump custom-format archive: {how} {restore} -d DATABASE"
    for marker, what in ((PG_DUMPALL_PLAIN, "pg_dumpall"), (PG_DUMP_PLAIN, "pg_dump")):
        if marker in text[:4096]:
            restore = f"{feed}psql -d DATABASE" if codec else f"psql -d DATABASE -f {quoted}"
            return f"a {what} SQL script: {how} {restore}"
    return None


def _head(path: str) -> bytes | None:
    """The first PROBE_BYTES of the file or object, None when it cannot be read."""
    url = parse_url(path)
    try:
        if url is not None:
            return read_head(url, PROBE_BYTES)
        with open(path, "rb") as f:
            return f.read(PROBE_BYTES)
    except (OSError, PgsnapError):
        return None


def _decompressed(head: bytes, codec: str | None) -> bytes:
    """The start of the file's content: decompressed when it is zstd or gzip, as far as the
    probe goes; b"" when it does not decompress."""
    if codec is None:
        return head
    try:  # bounded output: a small bomb must not make the probe allocate gigabytes
        if codec == "zstd":
            with zstandard.ZstdDecompressor().stream_reader(io.BytesIO(head)) as reader:
                return reader.read(PROBE_BYTES)
        return zlib.decompressobj(wbits=31).decompress(head, PROBE_BYTES)
    except (zstandard.ZstdError, zlib.error):
        return b""
