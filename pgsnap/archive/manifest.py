"""The archive's header and manifest as typed values, and their one strict parser.

docs/format.md §3 and §4 are the spec.  The header (frame 0) holds what is known before the
data; the manifest (the last frame) holds the same keys again plus ``rows``, ``frames`` and
``finished_at``.  Both are parsed by pgsnap.shape: a missing required key, an unknown key,
a value of the wrong type or out of its bounds, or nesting deeper than shape.MAX_DEPTH is a
ShapeError naming the path of the value; the readers turn it into CorruptFrameError naming
the file (exit 5).  The two must agree: a header that says other things than its manifest
is corrupt too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from typing import Any

from pgsnap.archive.blobs import MAX_OID, LargeObjectData
from pgsnap.archive.codec import CODECS
from pgsnap.archive.frames import FrameInfo
from pgsnap.catalog.values import LOCALE_PROVIDERS
from pgsnap.model import LARGE_OBJECT, DbObject, Dependency, TableSpec
from pgsnap.shape import ShapeError, choices, decode, encode, minimum

CONTENTS = ("all", "schema", "data")  # rows and DDL; the DDL only; the rows only
SCOPES = ("tables", "schema", "database")  # chosen tables; whole schemas; the whole database
CONTENTS_WITHOUT_ROWS = ("schema",)  # no COPY sections and no data frames
_CONTAINER_KEYS = ("format",)  # checked by the frame layer before the shape is


@dataclass(frozen=True, slots=True)
class Header:
    """What an archive holds, known before its rows: the header frame's JSON."""

    pgsnap_version: str
    created_at: str  # ISO 8601, UTC, when the dump began
    server_version: str  # the source's server_version, e.g. "18.6"
    database: str
    tables: tuple[TableSpec, ...]
    contents: str = field(default="all", metadata=choices(*CONTENTS))
    codec: str | None = field(default=None, metadata=choices(*CODECS))
    server_version_num: int | None = field(default=None, metadata=minimum(0))
    encoding: str | None = None  # the source database's encoding
    # the source database's locale, for load --create (None in older archives): LC_COLLATE,
    # LC_CTYPE, the provider, and the ICU or builtin locale
    collate: str | None = None
    ctype: str | None = None
    locale_provider: str | None = field(default=None, metadata=choices(*LOCALE_PROVIDERS))
    locale: str | None = None
    database_bytes: int | None = field(default=None, metadata=minimum(0))
    # extensions, collations, types and functions the tables need, in creation order
    dependencies: tuple[Dependency, ...] = ()
    # what a whole-database (dump --all) or --schema archive holds besides its tables
    scope: str = field(default="tables", metadata=choices(*SCOPES))
    objects: tuple[DbObject, ...] = ()


@dataclass(frozen=True, slots=True)
class _Tail:
    """The keys only the manifest has."""

    rows: tuple[int, ...]
    frames: tuple[FrameInfo, ...]
    finished_at: str | None = None
    large_objects: tuple[LargeObjectData, ...] = ()


@dataclass(frozen=True, slots=True)
class Manifest:
    """The manifest: the header again, each table's row count and where every frame is."""

    header: Header
    rows: tuple[int, ...]  # aligned with header.tables
    frames: tuple[FrameInfo, ...]  # every frame before the manifest, in file order
    finished_at: str | None = None
    # the data of each large object of a whole-database archive, in file order
    large_objects: tuple[LargeObjectData, ...] = ()
    # table index -> its data frames' indexes, made once: a load of N tables asks N times,
    # and a scan of every frame each time was quadratic (issue 13, many small tables)
    _by_table: dict[int | None, list[int]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_table: dict[int | None, list[int]] = {}
        for i, f in enumerate(self.frames):
            if f.kind == "data":
                by_table.setdefault(f.table, []).append(i)
        object.__setattr__(self, "_by_table", by_table)

    def table_frames(self, index: int) -> list[int]:
        """The indexes of table `index`'s data frames, in file order."""
        return list(self._by_table.get(index, ()))


_TAIL_KEYS = tuple(f.name for f in fields(_Tail))


def header_of(doc: dict[str, Any], manifest: Manifest, manifest_doc: dict[str, Any]) -> Header:
    """The header frame's typed header: the manifest's own when the two JSON documents hold
    the same header (one decode of a big header, not two: issue 13), else its own decode
    (ShapeError when it has another shape)."""
    if _header_part(doc) == _header_part(manifest_doc):
        return manifest.header
    return header_from_json(doc)


def _header_part(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k not in (*_CONTAINER_KEYS, *_TAIL_KEYS)}


def header_from_json(doc: dict[str, Any]) -> Header:
    """The typed header; ShapeError when the JSON has another shape."""
    header = decode(Header, {k: v for k, v in doc.items() if k not in _CONTAINER_KEYS})
    _check_large_object_names(header)
    return header


def _check_large_object_names(header: Header) -> None:
    """A large object is named by its oid, in decimal, and lives in no schema."""
    for i, o in enumerate(header.objects):
        if o.kind != LARGE_OBJECT:
            continue
        canonical = re.fullmatch("0|[1-9][0-9]{0,9}", o.name) and int(o.name) <= MAX_OID
        if not canonical or o.identity != o.name or o.schema:
            raise ShapeError(f"objects[{i}]", "a large object is named by its oid")


def manifest_from_json(doc: dict[str, Any]) -> Manifest:
    """The typed manifest; ShapeError when the JSON has another shape or its rows and frames
    do not fit its tables."""
    head = {k: v for k, v in doc.items() if k not in (*_CONTAINER_KEYS, *_TAIL_KEYS)}
    header = decode(Header, head)
    _check_large_object_names(header)
    tail = decode(_Tail, {k: v for k, v in doc.items() if k in _TAIL_KEYS})
    manifest = Manifest(header, tail.rows, tail.frames, tail.finished_at, tail.large_objects)
    _check_rows(manifest)
    _check_large_objects(manifest)
    return manifest


def large_object_oids(header: Header) -> list[int]:
    """The oids of the large objects the header names, in archive order."""
    return [int(o.name) for o in header.objects if o.kind == LARGE_OBJECT]


def _check_large_objects(m: Manifest) -> None:
    """One entry per large object of the header (none in a schema-only archive), and each
    blob frame in exactly one entry, the entries in file order."""
    entries = m.large_objects
    wanted = [] if m.header.contents in CONTENTS_WITHOUT_ROWS else large_object_oids(m.header)
    if sorted(e.oid for e in entries) != sorted(wanted) or len(set(wanted)) != len(wanted):
        raise ShapeError("large_objects", "does not list each large object of the header once")
    listed = [i for e in entries for i in e.frames]
    blobs = [i for i, f in enumerate(m.frames) if f.kind == "blob"]
    if listed != blobs:
        raise ShapeError("large_objects", "does not list the blob frames, each once, in order")
    for n, e in enumerate(entries):
        if e.size == 0 and e.frames:
            raise ShapeError(f"large_objects[{n}]", "an empty large object has no frames")


def _check_rows(m: Manifest) -> None:
    tables = len(m.header.tables)
    if len(m.rows) != tables:
        raise ShapeError("rows", f"lists {len(m.rows)} counts for {tables} tables")
    counts = [0] * tables
    for i, frame in enumerate(m.frames):
        if frame.table is not None and frame.table >= tables:
            raise ShapeError(f"frames[{i}].table", f"there is no table {frame.table}")
        if frame.table is not None:
            counts[frame.table] += frame.rows
    if list(m.rows) != counts:
        raise ShapeError("rows", f"says {list(m.rows)}, the data frames hold {counts}")


def disagreement(header: Header, manifest: Manifest) -> str | None:
    """The first key on which the header frame and the manifest differ, or None."""
    for f in fields(Header):
        if getattr(header, f.name) != getattr(manifest.header, f.name):
            return f.name
    return None


def header_to_json(header: Header) -> dict[str, Any]:
    """The header frame's JSON (the writer adds "format")."""
    out: dict[str, Any] = encode(header)
    return out


def manifest_to_json(
    header: Header | dict[str, Any],
    rows: list[int],
    finished_at: str,
    large_objects: tuple[LargeObjectData, ...] = (),
) -> dict[str, Any]:
    """The manifest's JSON but for what the writer adds ("format" and "frames"); `header`
    may be its JSON already (header_to_json's, not encoded twice)."""
    head = header if isinstance(header, dict) else header_to_json(header)
    out = {**head, "rows": rows, "finished_at": finished_at}
    if large_objects:
        out["large_objects"] = [encode(e) for e in large_objects]
    return out
