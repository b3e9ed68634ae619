"""A whole-database dump's large objects: read in chunks in the dump's snapshot, written as
blob frames after every table's rows (archive/blobs.py), never held whole in memory."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence

from pgsnap.archive.blobs import BLOB_CHUNK_BYTES, BLOB_FRAME_CHUNKS, LargeObjectData, lo_put
from pgsnap.archive.writer import ArchiveWriter
from pgsnap.connection import Conn

_READ = "SELECT pg_catalog.lo_get(%s::pg_catalog.oid, %s::pg_catalog.int8, %s::pg_catalog.int4)"


def write_large_objects(
    conn: Conn, writer: ArchiveWriter, oids: Sequence[int]
) -> tuple[LargeObjectData, ...]:
    """Each large object's blob frames, in the order of `oids`; what the manifest says of
    them.  Memory: one chunk read, and one frame's text, at a time."""
    return tuple(_one(conn, writer, oid) for oid in oids)


def _one(conn: Conn, writer: ArchiveWriter, oid: int) -> LargeObjectData:
    digest = hashlib.sha256()
    size = 0
    frames: list[int] = []
    lines: list[str] = []
    for data, last in read_large_object(conn, oid):
        if data:
            lines.append(lo_put(oid, size, data))
            digest.update(data)
            size += len(data)
        if lines and (last or len(lines) == BLOB_FRAME_CHUNKS):
            writer.write_blob("".join(lines))
            frames.append(len(writer.frames) - 1)
            lines = []
    return LargeObjectData(oid, size, digest.hexdigest(), tuple(frames))


def read_large_object(conn: Conn, oid: int) -> Iterator[tuple[bytes, bool]]:
    """The large object's data in chunks of BLOB_CHUNK_BYTES, each with whether it is the
    last (an empty large object is one empty last chunk)."""
    size = 0
    with conn.cursor(binary=True) as cur:
        while True:
            row = cur.execute(_READ, (oid, size, BLOB_CHUNK_BYTES)).fetchone()
            data = bytes(row[0]) if row and row[0] is not None else b""
            size += len(data)
            last = len(data) < BLOB_CHUNK_BYTES
            yield data, last
            if last:
                return
