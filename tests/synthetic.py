"""Small archives written with ArchiveWriter, with no database: for list, prune and export."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pgsnap.archive import ArchiveWriter, codec_for_path
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
    }
    copy = f"COPY {ident(schema, table)} ({', '.join(ident(c) for c in columns)}) FROM stdin;\n"
    with open(path, "wb") as out:
        writer = ArchiveWriter(out, codec=codec_for_path(str(path)))
        writer.write_header(header, copy)
        if rows:
            writer.write_data(0, rows, rows.count(b"\n"))
        writer.write_sql("\\.\n")
        writer.finish(dict(header, rows=[rows.count(b"\n")], finished_at=finished_at))
    return path
