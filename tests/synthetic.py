"""Small archives written with ArchiveWriter, with no database: for list, prune and export."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from pgsnap.archive import (
    ArchiveWriter,
    FrameFile,
    FrameInfo,
    codec_for_path,
    compress_frame,
    crc32,
    encode_footer,
)
from pgsnap.archive.frames import MANIFEST_PREFIX, dumps_json
from pgsnap.model import Column, TableSpec, table_to_json
from pgsnap.naming import ident


def write_archive(
    path: Path,
    *,
    table: str = "papers",
    schema: str = "public",
    columns: tuple[str, ...] = ("id", "title"),
    rows: bytes = b"1\tfirst\n2\tsecond\n",
    created_at: str = "2026-01-01T10:00:00+00:00",
    finished_at: str | None = None,  # default: 7 s after created_at
    database: str = "shop",
    where: str | None = None,  # a --where extract
    contents: str = "all",  # all | schema | data
) -> Path:
    """One table's archive, shaped as pgsnap dump writes it (header, COPY rows, manifest)."""
    if finished_at is None:
        finished = dt.datetime.fromisoformat(created_at) + dt.timedelta(seconds=7)
        finished_at = finished.isoformat()
    column_list = ", ".join(f"{ident(c)} text" for c in columns)
    spec = TableSpec(
        schema,
        table,
        tuple(Column(c, '"text"') for c in columns),
        pre_data=(f"CREATE TABLE {ident(schema, table)} ({column_list})",),
        where=where,
    )
    header = {
        "pgsnap_version": "0.1.0",
        "created_at": created_at,
        "codec": codec_for_path(str(path)),
        "server_version": "18.6",
        "database": database,
        "encoding": "UTF8",
        "database_bytes": 8_000_000,
        "tables": [table_to_json(spec)],
        "contents": contents,
    }
    copy = f"COPY {ident(schema, table)} ({', '.join(ident(c) for c in columns)}) FROM stdin;\n"
    schema_only = contents == "schema"  # no rows: no COPY either
    with open(path, "wb") as out:
        writer = ArchiveWriter(out, codec=codec_for_path(str(path)))
        writer.write_header(header, "" if schema_only else copy)
        if rows and not schema_only:
            writer.write_data(0, rows, rows.count(b"\n"))
        if not schema_only:
            writer.write_sql("\\.\n")
        writer.finish(dict(header, rows=[rows.count(b"\n")], finished_at=finished_at))
    return path


def rebuild(
    src: Path,
    dst: Path,
    edit: Callable[[int, str, bytes], list[tuple[str, bytes]]],
) -> Path:
    """A copy of the archive `src` whose frames `edit(index, kind, raw)` may change, drop
    (return []) or add to (return several (kind, raw)); frame offsets, sizes, row counts,
    checksums and the footer are recomputed, so the result is well formed at the frame level
    (a careful attacker's file)."""
    with FrameFile.open(src) as reader:
        codec, manifest = reader.codec, dict(reader.manifest_json)
        frames = [(i, f, reader.read_frame(i)) for i, f in enumerate(reader.frames)]
    out: list[bytes] = []
    entries: list[dict[str, object]] = []
    offset = 0
    for index, info, raw in frames:
        for kind, new in edit(index, info.kind, raw):
            data = compress_frame(codec, new)
            table = info.table if kind == "data" else None
            rows = new.count(b"\n") if kind == "data" else 0
            entry = FrameInfo(kind, table, offset, len(data), len(new), rows, crc32(new))
            entries.append(entry.to_json())
            out.append(data)
            offset += len(data)
    manifest["frames"] = entries
    counts = [0] * len(manifest["rows"])
    for e in entries:
        if isinstance(e["table"], int) and isinstance(e["rows"], int):
            counts[e["table"]] += e["rows"]
    manifest["rows"] = counts
    text = (MANIFEST_PREFIX + dumps_json(manifest) + "\n").encode()
    data = compress_frame(codec, text)
    dst.write_bytes(b"".join(out) + data + encode_footer(codec, offset, len(data)))
    return dst
