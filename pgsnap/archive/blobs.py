"""Large objects in an archive: blob frames of ``lo_put`` statements (docs/format.md §2).

A blob frame's text is one or more lines, each exactly

    SELECT pg_catalog.lo_put('OID', OFFSET, '\\xHEX');

(psql runs them as they are: the hex bytea literal is inside quotes, with
standard_conforming_strings on).  All the lines of a frame write one large object, each at the
offset where the previous one ended.  The manifest lists each large object's size, SHA-256 and
frames; BlobTally follows the frames in file order and says what differs from it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from pgsnap.shape import minimum

BLOB_CHUNK_BYTES = 1 << 20  # read from the server (lo_get) and written per lo_put
BLOB_FRAME_CHUNKS = 2  # lo_put statements per blob frame: ~4 MiB of text, as a data frame
MAX_OID = 0xFFFFFFFF
BLOB_PREFIX = b"SELECT pg_catalog.lo_put('"
_LINE = re.compile(
    rb"SELECT pg_catalog\.lo_put\('(0|[1-9][0-9]{0,9})', (0|[1-9][0-9]{0,18}), "
    rb"'\\x([0-9a-f]+)'\);\n"  # (a repeated group of two would cost memory per byte)
)


@dataclass(frozen=True, slots=True)
class LargeObjectData:
    """A large object's data in the manifest: its size, its SHA-256 (hex) and the indexes of
    its blob frames, in file order (none for an empty one)."""

    oid: int = field(metadata=minimum(0))
    size: int = field(metadata=minimum(0))
    sha256: str
    frames: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.oid > MAX_OID:
            raise ValueError(f'"oid" must fit in 32 bits, not {self.oid}')
        if re.fullmatch("[0-9a-f]{64}", self.sha256) is None:
            raise ValueError('"sha256" must be 64 lower-case hex digits')


def lo_put(oid: int, offset: int, data: bytes) -> str:
    """One line of a blob frame."""
    return f"SELECT pg_catalog.lo_put('{oid}', {offset}, '\\x{data.hex()}');\n"


def lo_create(oid: int) -> str:
    """The statement that makes the large object (as pg_dump writes it)."""
    return f"SELECT pg_catalog.lo_create('{oid}')"


def parse_blob(raw: bytes) -> list[tuple[int, int, bytes]]:
    """(oid, offset, data) of each line of a blob frame; ValueError when the text is anything
    but such lines."""
    out, pos = [], 0
    while pos < len(raw):
        found = _LINE.match(raw, pos)
        if found is None:
            raise ValueError(f"byte {pos} does not start a pgsnap lo_put line")
        oid, offset, hexdigits = int(found.group(1)), int(found.group(2)), found.group(3)
        if len(hexdigits) % 2:
            raise ValueError(f"byte {pos} starts an lo_put of an odd number of hex digits")
        if oid > MAX_OID:
            raise ValueError(f"large object {oid} is not an oid")
        out.append((oid, offset, bytes.fromhex(hexdigits.decode())))
        pos = found.end()
    if not out:
        raise ValueError("it holds no lo_put line")
    return out


class BlobTally:
    """Follows an archive's blob frames in file order: each writes one large object of
    `oids` (those its header names), at the offset where the last write to it ended, and a
    large object's writes are not interleaved with another's."""

    def __init__(self, oids: Iterable[int]) -> None:
        self.oids = set(oids)
        self.sizes: dict[int, int] = {}
        self.hashes: dict[int, hashlib._Hash] = {}
        self.frames: dict[int, list[int]] = {}
        self.current: int | None = None

    def frame(
        self, index: int, raw: bytes, expected: int | None = None
    ) -> list[tuple[int, int, bytes]]:
        """The writes of blob frame `index` (of large object `expected`, when the manifest
        says whose it is); ValueError (the reason) when one is wrong."""
        chunks = parse_blob(raw)
        oid = chunks[0][0]
        if any(c[0] != oid for c in chunks):
            raise ValueError("it writes to more than one large object")
        if expected is not None and oid != expected:
            raise ValueError(f"it writes to large object {oid}, the manifest says {expected}")
        if oid not in self.oids:
            raise ValueError(f"it writes to large object {oid}, which the archive does not hold")
        if oid != self.current and oid in self.sizes:
            raise ValueError(f"it writes to large object {oid} again, after another")
        self.current = oid
        digest = self.hashes.setdefault(oid, hashlib.sha256())
        for _, offset, data in chunks:
            expected = self.sizes.get(oid, 0)
            if offset != expected:
                raise ValueError(f"it writes large object {oid} at byte {offset}, not {expected}")
            self.sizes[oid] = expected + len(data)
            digest.update(data)
        self.frames.setdefault(oid, []).append(index)
        return chunks

    def problem(self, entry: LargeObjectData) -> str | None:
        """What differs between the frames seen for `entry`'s large object and the entry."""
        size = self.sizes.get(entry.oid, 0)
        if size != entry.size:
            return f"large object {entry.oid} holds {size} bytes, the manifest says {entry.size}"
        digest = self.hashes.get(entry.oid, hashlib.sha256()).hexdigest()
        if digest != entry.sha256:
            return f"the sha256 of large object {entry.oid} is not the manifest's"
        if tuple(self.frames.get(entry.oid, ())) != entry.frames:
            return f"large object {entry.oid} is in other frames than the manifest says"
        return None

    def entries_problem(self, entries: Sequence[LargeObjectData]) -> str | None:
        """The first difference between what was seen and the manifest's list, or None."""
        listed = {e.oid for e in entries}
        extra = sorted(set(self.sizes) - listed)
        if extra:
            return f"large object {extra[0]} has data the manifest does not list"
        return next((p for p in map(self.problem, entries) if p), None)
