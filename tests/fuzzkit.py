"""Damaged and hostile archives for tests/test_fuzz.py: no database, no mocks.

A Draft is a good archive taken apart (header JSON, the rest of frame 0, the frames, the
manifest JSON); write_draft() puts it together again with every offset, length, crc32 and
row count recomputed, so that what a mutation changes is the only lie in the file.  Two
catalogues of mutations, each a function of a seeded random.Random:

- BYTE_DAMAGE: flipped bits, cuts, inserted and deleted bytes, swapped and duplicated frames,
  zeroed and overwritten ranges, anywhere in the file (the footer and manifest included);
- STRUCTURAL: a manifest or header that lies (tables reordered, columns dropped, added or
  renamed, row counts changed, frames given to another table, header and manifest
  disagreeing, rows with the wrong field count, wrong types, extra and missing keys, huge
  and negative numbers, hostile unicode, very long strings, deep nesting), all with the
  checksums and offsets recomputed.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pgsnap.archive import (
    FOOTER_SIZES,
    ArchiveWriter,
    FrameFile,
    compress_frame,
    crc32,
    encode_footer,
)
from pgsnap.archive.frames import HEADER_PREFIX, MANIFEST_PREFIX, dumps_json
from pgsnap.archive.manifest import Header, header_to_json, manifest_to_json
from pgsnap.ddl import script
from pgsnap.model import Column, Constraint, Owned, TableSpec
from pgsnap.naming import ident

Doc = dict[str, Any]
BIG_DIGITS = "__big_digits__"  # a string value replaced by 5000 digits in the JSON text
DEEP = "__deep__"  # a string value replaced by a deeply nested list in the JSON text


@dataclass
class Part:
    """One frame before the manifest: what the manifest should say and its text."""

    kind: str
    table: int | None
    raw: bytes
    data: bytes | None = None  # the stored compressed bytes; None once raw changed


@dataclass
class Draft:
    """A good archive taken apart; write_draft() builds a file from it."""

    codec: str
    header: Doc  # the header JSON, "format" included
    first_line: str  # line 1 of frame 0, with its newline
    body: str  # frame 0 after its two header lines
    parts: list[Part]  # frame 0 (rebuilt from the above) and the frames after it
    manifest: Doc  # the manifest JSON without "frames"
    edits: list[Callable[[list[Doc]], None]] = field(default_factory=list)  # on the entries
    recount: bool = False  # recompute manifest["rows"] from the (edited) entries
    header_text: Callable[[str], str] | None = None  # applied to the header JSON text
    manifest_text: Callable[[str], str] | None = None  # applied to the manifest JSON text
    manifest_raw: Callable[[bytes], bytes] | None = None  # applied to the manifest frame text

    def docs(self, side: str) -> list[Doc]:
        """The JSON documents a mutation changes: "both", "header" or "manifest"."""
        return {"both": [self.header, self.manifest], "header": [self.header]}.get(
            side, [self.manifest]
        )

    def data_parts(self) -> list[int]:
        return [i for i, p in enumerate(self.parts) if p.kind == "data"]


def read_draft(path: Path) -> Draft:
    with FrameFile.open(path) as reader:
        parts = [
            Part(f.kind, f.table, reader.read_frame(i), reader.read_compressed(i))
            for i, f in enumerate(reader.frames)
        ]
        header, manifest = copy.deepcopy(reader.header_json), copy.deepcopy(reader.manifest_json)
        codec = reader.codec
    first = parts[0].raw.decode()
    line1, _line2, body = first.split("\n", 2)
    del manifest["frames"]
    return Draft(codec, header, line1 + "\n", body, parts, manifest)


def write_draft(d: Draft, path: Path) -> Path:
    """The archive of `d`: frames compressed, entries and footer computed, then lied about."""
    head = _text(dumps_json(d.header), d.header_text)
    first = (d.first_line + HEADER_PREFIX + head + "\n" + d.body).encode()
    if first != d.parts[0].raw:
        d.parts[0] = Part(d.parts[0].kind, d.parts[0].table, first)
    stored = [p.data if p.data is not None else compress_frame(d.codec, p.raw) for p in d.parts]
    entries = _entries(d.parts, stored)
    for edit in d.edits:
        edit(entries)
    doc = dict(d.manifest, frames=entries)
    if d.recount:
        doc["rows"] = recount(doc)
    raw = (MANIFEST_PREFIX + _text(dumps_json(doc), d.manifest_text) + "\n").encode()
    raw = d.manifest_raw(raw) if d.manifest_raw is not None else raw
    manifest = compress_frame(d.codec, raw)
    offset = sum(len(s) for s in stored)
    footer = encode_footer(d.codec, offset, len(manifest))
    path.write_bytes(b"".join(stored) + manifest + footer)
    return path


def _text(text: str, change: Callable[[str], str] | None) -> str:
    text = text.replace(json.dumps(BIG_DIGITS), "9" * 5000)
    text = text.replace(json.dumps(DEEP), "[" * 5000 + "]" * 5000)
    return change(text) if change is not None else text


def _entries(parts: list[Part], stored: list[bytes]) -> list[Doc]:
    entries, offset = [], 0
    for part, data in zip(parts, stored, strict=True):
        rows = part.raw.count(b"\n") if part.kind == "data" else 0
        entries.append(
            {
                "kind": part.kind,
                "table": part.table,
                "offset": offset,
                "length": len(data),
                "raw_size": len(part.raw),
                "rows": rows,
                "crc32": crc32(part.raw),
            }
        )
        offset += len(data)
    return entries


def recount(doc: Doc) -> Any:
    """The rows per table that the frame entries add up to (as far as they make sense)."""
    tables = doc.get("tables")
    if not isinstance(tables, list):
        return doc.get("rows")
    counts = [0] * len(tables)
    for entry in doc["frames"]:
        table, rows = entry.get("table"), entry.get("rows")
        if type(table) is int and 0 <= table < len(tables) and type(rows) is int:
            counts[table] += rows
    return counts


# --- the base archives, built without a database -------------------------------------------


@dataclass(frozen=True)
class TableDef:
    schema: str
    name: str
    columns: tuple[tuple[str, str], ...]
    frames: tuple[bytes, ...]  # COPY text rows, one entry per data frame


def _value(rng: random.Random, i: int) -> bytes:
    pool = [
        b"plain",
        b"\\N",
        b"",
        b"tab\\there",
        b"new\\nline",
        b"back\\\\slash",
        b'comma, and "quotes"',
        "ünïcødé ✓ 中文 😀".encode(),
        b"cr\\r",
        b"\\\\.",
        b"\\\\N",
    ]
    return pool[rng.randrange(len(pool))] if i % 3 else b"%d" % rng.randrange(10**6)


def _rows(rng: random.Random, ncolumns: int, count: int, start: int) -> bytes:
    """Rows whose first column is a distinct integer (a key) and the others text."""
    return b"".join(
        b"\t".join([b"%d" % (start + r)] + [_value(rng, c + r) for c in range(1, ncolumns)]) + b"\n"
        for r in range(count)
    )


def rich_tables(seed: int = 11) -> list[TableDef]:
    """Several tables: frames split three ways, another schema, an empty table, a one-column
    table whose values look like COPY's end marker, a table of no columns."""
    rng = random.Random(seed)
    return [
        TableDef(
            "public",
            "papers",
            (("id", "integer"), ("title", "text"), ("note", "text")),
            tuple(_rows(rng, 3, n, start) for n, start in ((40, 1), (1, 41), (25, 42))),
        ),
        TableDef(
            "app",
            "Big Orders",
            (("Id", "bigint"), ("amount, net", "text"), ("tags", "text"), ("b", "text")),
            tuple(_rows(rng, 4, n, start) for n, start in ((30, 1), (12, 31))),
        ),
        TableDef("public", "empty", (("x", "text"),), ()),
        TableDef("public", "single", (("v", "text"),), (b"a\n\n\\\\.\n\\N\n\\\\N\nz\n",)),
        TableDef("public", "nocols", (), (b"\n\n\n",)),
    ]


def _spec(t: TableDef) -> TableSpec:
    cols = ", ".join(f"{ident(n)} {ty}" for n, ty in t.columns)
    post: tuple[str, ...] = ()
    owned = Owned()
    if t.columns and t.columns[0][1] in ("integer", "bigint"):
        key = f"{t.name}_pkey"
        post = (f"ALTER TABLE ONLY {ident(t.schema, t.name)} ADD CONSTRAINT {ident(key)} "
                f"PRIMARY KEY ({ident(t.columns[0][0])})",)  # fmt: skip
        owned = Owned(indexes=(key,), constraints=(Constraint(key, "p", uses_index=True),))
    return TableSpec(
        t.schema,
        t.name,
        tuple(Column(n, ty) for n, ty in t.columns),
        owned=owned,
        pre_data=(f"CREATE TABLE {ident(t.schema, t.name)} ({cols})",),
        post_data=post,
    )


def write_rich(path: Path, codec: str, tables: list[TableDef] | None = None) -> Path:
    """A multi-table archive, with the script text a dump writes (pgsnap.ddl.script)."""
    defs = rich_tables() if tables is None else tables
    specs = [_spec(t) for t in defs]
    header = Header(
        pgsnap_version="0.1.0",
        created_at="2026-01-02T10:00:00+00:00",
        server_version="18.6",
        database="shop",
        tables=tuple(specs),
        codec=codec,
        server_version_num=180006,
        encoding="UTF8",
        database_bytes=8_000_000,
    )
    rows = [sum(f.count(b"\n") for f in t.frames) for t in defs]
    with open(path, "wb") as out:
        writer = ArchiveWriter(out, codec=codec)
        key = "0123456789abcdef0123456789abcdef"  # dump draws it at random
        writer.write_header(header_to_json(header), script.header_sql(specs, restrict_key=key))
        for index, (spec, t) in enumerate(zip(specs, defs, strict=True)):
            if index:
                writer.write_sql(script.between_sql(spec))
            for block in t.frames:
                writer.write_data(index, block, block.count(b"\n"))
        writer.write_sql(script.end_sql(specs, restrict_key=key))
        finished = (dt.datetime(2026, 1, 2, 10, 0, 9, tzinfo=dt.timezone.utc)).isoformat()
        writer.finish(manifest_to_json(header, rows, finished))
    return path


def reframed(src: Path, dst: Path, pieces: int) -> Path:
    """The same archive with every data frame cut into up to `pieces` frames (at row
    boundaries): a valid archive, as a dump with smaller frames would write it."""
    d = read_draft(src)
    parts: list[Part] = []
    for part in d.parts:
        if part.kind != "data":
            parts.append(part)
            continue
        lines = part.raw.splitlines(keepends=True)
        step = max(1, -(-len(lines) // pieces))
        parts += [
            Part("data", part.table, b"".join(lines[i : i + step]))
            for i in range(0, len(lines), step)
        ]
    d.parts = parts
    return write_draft(d, dst)


# --- byte damage ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """Where things are in a good archive: (offset, length) of each frame, the manifest
    frame last, and the footer."""

    frames: list[tuple[int, int]]
    size: int
    footer: int  # its size


def layout_of(path: Path) -> Layout:
    with FrameFile.open(path) as reader:
        frames = [(f.offset, f.length) for f in reader.frames]
        footer = FOOTER_SIZES[reader.codec]
        frames.append((reader.manifest_offset, reader.size - footer - reader.manifest_offset))
        return Layout(frames, reader.size, footer)


def _where(rng: random.Random, lay: Layout) -> tuple[int, int]:
    """A region to damage: anywhere, or one frame, the manifest, or the footer."""
    pick = rng.random()
    if pick < 0.3:
        return 0, lay.size
    if pick < 0.45:
        return lay.size - lay.footer, lay.footer
    if pick < 0.6:
        return lay.frames[-1]
    return lay.frames[rng.randrange(len(lay.frames))]


def _pos(rng: random.Random, lay: Layout) -> int:
    start, length = _where(rng, lay)
    return start + rng.randrange(max(1, length))


def flip_bits(rng: random.Random, data: bytes, lay: Layout) -> bytes:
    out = bytearray(data)
    for _ in range(rng.choice((1, 1, 1, 2, 3, 8))):
        out[_pos(rng, lay) % len(out)] ^= 1 << rng.randrange(8)
    return bytes(out)


def truncate(rng: random.Random, data: bytes, lay: Layout) -> bytes:
    return data[: _pos(rng, lay)]


def insert_bytes(rng: random.Random, data: bytes, lay: Layout) -> bytes:
    at = _pos(rng, lay)
    extra = rng.choice([b"\x00", rng.randbytes(rng.randint(1, 64)), data[: rng.randint(1, 40)]])
    return data[:at] + extra + data[at:]


def delete_bytes(rng: random.Random, data: bytes, lay: Layout) -> bytes:
    at = _pos(rng, lay)
    return data[:at] + data[at + rng.randint(1, 64) :]


def zero_range(rng: random.Random, data: bytes, lay: Layout) -> bytes:
    at, n = _pos(rng, lay), rng.choice((1, 4, 16, 256))
    return data[:at] + bytes(len(data[at : at + n])) + data[at + n :]


def overwrite_range(rng: random.Random, data: bytes, lay: Layout) -> bytes:
    at = _pos(rng, lay)
    junk = rng.randbytes(rng.randint(1, 32))
    return data[:at] + junk[: len(data) - at] + data[at + len(junk) :]


def swap_frames(rng: random.Random, data: bytes, lay: Layout) -> bytes:
    """Two frames (the manifest among them) trade places."""
    i, j = sorted(rng.sample(range(len(lay.frames)), 2))
    (oi, li), (oj, lj) = lay.frames[i], lay.frames[j]
    a, b = data[oi : oi + li], data[oj : oj + lj]
    return data[:oi] + b + data[oi + li : oj] + a + data[oj + lj :]


def duplicate_frame(rng: random.Random, data: bytes, lay: Layout) -> bytes:
    offset, length = lay.frames[rng.randrange(len(lay.frames))]
    frame = data[offset : offset + length]
    return data[: offset + length] + frame + data[offset + length :]


def drop_frame(rng: random.Random, data: bytes, lay: Layout) -> bytes:
    offset, length = lay.frames[rng.randrange(len(lay.frames))]
    return data[:offset] + data[offset + length :]


ByteDamage = Callable[[random.Random, bytes, Layout], bytes]
BYTE_DAMAGE: dict[str, ByteDamage] = {
    "flip": flip_bits,
    "truncate": truncate,
    "insert": insert_bytes,
    "delete": delete_bytes,
    "zero": zero_range,
    "overwrite": overwrite_range,
    "swap-frames": swap_frames,
    "duplicate-frame": duplicate_frame,
    "drop-frame": drop_frame,
}


# --- hostile values ------------------------------------------------------------------------


def hostile(rng: random.Random) -> Any:
    """A JSON value of an unexpected type, size or content."""
    pool: list[Any] = [
        None,
        True,
        False,
        0,
        -1,
        -(2**63) - 1,
        2**63,
        2**64 + 1,
        10**30,
        BIG_DIGITS,
        1.5,
        -0.0,
        1e308,
        float("nan"),
        float("inf"),
        "",
        "x",
        "\ud800",
        "a\x00b",
        "\u202eevil",
        "é中😀" * 30,
        "t" * 300,
        "a" * 200_000,
        '"\\' * 20_000,
        [],
        {},
        [1, "2", None],
        {"a": 1},
        {"name": "x", "type": "text"},
        DEEP,
        _nested(rng.choice((15, 17, 40))),
    ]
    return pool[rng.randrange(len(pool))]


def hostile_string(rng: random.Random) -> str:
    pool = [
        "",
        "\ud800",
        "\udcff\udcfe",
        "a\x00b",
        "\u202eevil\u202c",
        "\u2028line\u2029",
        "e\u0301" * 40,
        "😀" * 16,  # 64 bytes: one over the limit
        "😀" * 15,
        "t" * 300,
        "x" * 100_000,
        '"quoted" \\ back',
        "\n-- pgsnap-manifest: {}\n",
        "\\.\n",
        "[/]",  # rich markup
        "DROP DATABASE postgres",
    ]
    return pool[rng.randrange(len(pool))]


def _nested(depth: int) -> Any:
    value: Any = 1
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


# --- walking JSON --------------------------------------------------------------------------

Path_ = tuple[Any, ...]


def paths(value: Any, prefix: Path_ = (), limit: int = 4000) -> list[Path_]:
    """Every node's path (not the root), depth first, at most `limit`."""
    out: list[Path_] = []
    stack: list[tuple[Path_, Any]] = [(prefix, value)]
    while stack and len(out) < limit:
        path, node = stack.pop()
        items: list[tuple[Any, Any]] = []
        if isinstance(node, dict):
            items = list(node.items())
        elif isinstance(node, list):
            items = list(enumerate(node))
        for key, child in items:
            out.append((*path, key))
            stack.append(((*path, key), child))
    return out


def get(doc: Any, path: Path_) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def put(doc: Any, path: Path_, value: Any) -> None:
    get(doc, path[:-1])[path[-1]] = value


def remove(doc: Any, path: Path_) -> None:
    del get(doc, path[:-1])[path[-1]]


def _same_on(d: Draft, side: str, change: Callable[[random.Random, Doc], None], seed: int) -> None:
    """`change` on each document of `side`, with the same random choices on each."""
    for doc in d.docs(side):
        change(random.Random(seed), doc)


def _side(rng: random.Random) -> str:
    return rng.choice(("both", "both", "both", "header", "manifest"))


def _common_paths(d: Draft, kinds: tuple[type, ...]) -> list[Path_]:
    """Paths into the keys both documents have, to nodes of the given types."""
    shared = {k: v for k, v in d.header.items() if k in d.manifest}
    return [p for p in paths(shared) if isinstance(get(shared, p), kinds)]


# --- structural lies -----------------------------------------------------------------------

Mutation = Callable[[random.Random, Draft], None]


def _tables(doc: Doc) -> list[Doc]:
    tables = doc.get("tables")
    return tables if isinstance(tables, list) else []


def reorder_tables(rng: random.Random, d: Draft) -> None:
    n = len(_tables(d.manifest))
    order = list(range(n))
    while n > 1 and order == list(range(n)):
        rng.shuffle(order)
    for doc in d.docs(_side(rng)):
        doc["tables"] = [doc["tables"][i] for i in order]
    if rng.random() < 0.6:
        d.manifest["rows"] = [d.manifest["rows"][i] for i in order]
    if rng.random() < 0.5:
        where = {old: new for new, old in enumerate(order)}

        def remap(entries: list[Doc]) -> None:
            for e in entries:
                if e["table"] is not None:
                    e["table"] = where[e["table"]]

        d.edits.append(remap)


def _column_change(kind: str) -> Mutation:
    def mutate(rng: random.Random, d: Draft) -> None:
        t = rng.randrange(max(1, len(_tables(d.manifest))))

        def change(r: random.Random, doc: Doc) -> None:
            columns = _tables(doc)[t]["columns"] if _tables(doc) else []
            c = r.randrange(len(columns)) if columns else None
            if kind == "drop" and c is not None:
                del columns[c]
            elif kind == "add":
                columns.insert(r.randint(0, len(columns)), {"name": "extra", "type": "text"})
            elif kind == "rename" and c is not None:
                columns[c]["name"] = r.choice(["renamed", columns[-1]["name"], hostile_string(r)])
            elif kind == "retype" and c is not None:
                columns[c]["type"] = r.choice(["integer", "text[]", hostile(r)])
            elif kind == "generated" and c is not None:
                columns[c]["generated"] = r.choice(["s", "v", "", "x"])

        _same_on(d, _side(rng), change, rng.randrange(1 << 30))

    return mutate


def rename_table(rng: random.Random, d: Draft) -> None:
    t = rng.randrange(len(_tables(d.manifest)))
    key = rng.choice(("name", "name", "schema"))
    others = [x[key] for x in _tables(d.manifest)]
    value = rng.choice(["renamed", "t" * 300, rng.choice(others), hostile_string(rng)])
    for doc in d.docs(_side(rng)):
        _tables(doc)[t][key] = value


def change_rows(rng: random.Random, d: Draft) -> None:
    rows = d.manifest["rows"]
    i = rng.randrange(len(rows)) if rows else 0
    choice = rng.randrange(6)
    if choice == 0 and rows:
        rows[i] += rng.choice((-1, 1, 1000))
    elif choice == 1 and rows:
        rows[i] = rng.choice((-1, 2**63, 10**30, "2", None, 1.0, True))
    elif choice == 2:
        d.manifest["rows"] = rows[:-1] if rows else [0]
    elif choice == 3:
        d.manifest["rows"] = [*rows, 0]
    else:  # a frame's count too, so that the sums still agree
        target = rng.choice(d.data_parts() or [0])
        delta = rng.choice((-1, 1, 7))

        def edit(entries: list[Doc]) -> None:
            entries[target]["rows"] += delta

        d.edits.append(edit)
        d.recount = True


def reassign_frame(rng: random.Random, d: Draft) -> None:
    """A data frame said to belong to another table (or none, or one that is not there)."""
    target = rng.choice(d.data_parts() or [0])
    n = len(_tables(d.manifest))
    value = rng.choice([rng.randrange(max(1, n)), (d.parts[target].table or 0) + 1, n, -1, None])

    def edit(entries: list[Doc]) -> None:
        entries[target]["table"] = value

    d.edits.append(edit)
    d.recount = rng.random() < 0.8


def flip_kind(rng: random.Random, d: Draft) -> None:
    """A data frame said to be sql, or an sql frame said to be data, counts made to agree."""
    index = rng.randrange(len(d.parts))
    part = d.parts[index]
    table = rng.randrange(max(1, len(_tables(d.manifest))))

    def edit(entries: list[Doc]) -> None:
        e = entries[index]
        if part.kind == "data":
            e.update(kind="sql", table=None, rows=0)
        else:
            e.update(kind="data", table=table, rows=part.raw.count(b"\n"))

    d.edits.append(edit)
    d.recount = True


def frame_numbers(rng: random.Random, d: Draft) -> None:
    index = rng.randrange(len(d.parts))
    key = rng.choice(("offset", "length", "raw_size", "rows", "crc32", "table", "kind"))
    value = rng.choice([hostile(rng), -1, 2**64, 1 << 31, 0])

    def edit(entries: list[Doc]) -> None:
        entries[index][key] = value

    d.edits.append(edit)
    d.recount = rng.random() < 0.5


def frame_entries(rng: random.Random, d: Draft) -> None:
    """The frames list itself: an entry dropped, doubled, moved, or with a key more or less."""
    choice = rng.randrange(5)
    i = rng.randrange(len(d.parts))
    j = rng.randrange(len(d.parts))

    def edit(entries: list[Doc]) -> None:
        if choice == 0:
            del entries[i]
        elif choice == 1:
            entries.insert(i, copy.deepcopy(entries[i]))
        elif choice == 2:
            entries[i], entries[j] = entries[j], entries[i]
        elif choice == 3:
            entries[i]["extra"] = 1
        else:
            del entries[i][rng.choice(list(entries[i]))]

    d.edits.append(edit)
    d.recount = rng.random() < 0.5


def header_only_keys(rng: random.Random, d: Draft) -> None:
    """A header key changed on one side (they disagree) or on both (a harmless change)."""
    key = rng.choice(("database", "created_at", "server_version", "pgsnap_version", "encoding"))
    value = rng.choice(["other", "", hostile_string(rng)])
    for doc in d.docs(rng.choice(("both", "header", "manifest"))):
        doc[key] = value


def contents(rng: random.Random, d: Draft) -> None:
    value = rng.choice(("schema", "data", "all", "none", 1))
    for doc in d.docs(_side(rng)):
        doc["contents"] = value


def extra_key(rng: random.Random, d: Draft) -> None:
    spots = _common_paths(d, (dict,))
    spot = spots[rng.randrange(len(spots))] if spots and rng.random() < 0.8 else ()
    key = rng.choice(("surprise", "nmae", "rows", "frames", "format", "\ud800", ""))

    def change(r: random.Random, doc: Doc) -> None:
        get(doc, spot)[key] = hostile(r)

    _same_on(d, _side(rng), change, rng.randrange(1 << 30))


def missing_key(rng: random.Random, d: Draft) -> None:
    spots = [p for p in _common_paths(d, (object,)) if isinstance(p[-1], str)]
    spot = rng.choice([*spots, ("rows",), ("finished_at",), ("format",)])

    def change(r: random.Random, doc: Doc) -> None:
        with contextlib.suppress(KeyError, IndexError, TypeError):
            remove(doc, spot)

    _same_on(d, _side(rng), change, 0)


def _replace_at(kinds: tuple[type, ...], value: Callable[[random.Random], Any]) -> Mutation:
    def mutate(rng: random.Random, d: Draft) -> None:
        spots = _common_paths(d, kinds)
        if not spots:
            return
        spot = spots[rng.randrange(len(spots))]
        seed = rng.randrange(1 << 30)
        for doc in d.docs(_side(rng)):
            put(doc, spot, value(random.Random(seed)))

    return mutate


def _huge(rng: random.Random) -> Any:
    return rng.choice((2**63, 2**64, -(2**63) - 1, -1, -(10**30), 10**30, BIG_DIGITS, 1e300))


def _long(rng: random.Random) -> str:
    return rng.choice(("x" * 400_000, '"\\' * 50_000, "é" * 100_000, "a\n" * 50_000))


def _deep(rng: random.Random) -> Any:
    return rng.choice((DEEP, _nested(17), _nested(200)))


def json_text(rng: random.Random, d: Draft) -> None:
    """The JSON text of the header or manifest mangled: cut, garbage after it, a key twice,
    a byte-order mark, another value altogether."""
    choice = rng.randrange(7)
    cut = rng.random()

    def change(text: str) -> str:
        options = [
            text[: int(len(text) * cut)],
            text + rng.choice((" x", "}", ",", "\x00")),
            '{"format":1,' + text[1:],
            "\ufeff" + text,
            rng.choice(("null", "[]", "1", '""', "{}", "")),
            text.replace(":", ": ", 1).replace(",", " ,", 3),  # harmless spaces
            '{"tables":' + '"' * 50_000 + text[1:],
        ]
        return options[choice]

    if rng.random() < 0.5:
        d.header_text = change
    else:
        d.manifest_text = change


def manifest_line(rng: random.Random, d: Draft) -> None:
    """The manifest frame's text: bad UTF-8, no final newline, two lines, another prefix."""
    choice = rng.randrange(5)

    def change(raw: bytes) -> bytes:
        return [
            raw[:30] + b"\xff\xfe" + raw[30:],
            raw[:-1],
            raw + b"-- and more\n",
            b"-- pgsnap-header: " + raw[len(MANIFEST_PREFIX) :],
            raw[:-1] + b"\r\n",
        ][choice]

    d.manifest_raw = change


def _data_change(rng: random.Random, d: Draft, change: Callable[[list[bytes]], None]) -> None:
    index = rng.choice(d.data_parts())
    part = d.parts[index]
    lines = part.raw.split(b"\n")[:-1]
    change(lines)
    d.parts[index] = Part("data", part.table, b"".join(x + b"\n" for x in lines))
    d.recount = True


def field_count(rng: random.Random, d: Draft) -> None:
    """Rows of a data frame with another number of fields (its checksums recomputed)."""
    choice = rng.randrange(5)

    def change(lines: list[bytes]) -> None:
        i = rng.randrange(len(lines))
        if choice == 0:
            lines[i] += b"\textra"
        elif choice == 1 and b"\t" in lines[i]:
            lines[i] = lines[i].replace(b"\t", b"", 1)
        elif choice == 1:  # a one-column table: a row of two fields
            lines[i] += b"\t"
        elif choice == 2 and len(lines) > 1:  # a row gains a field, another loses one
            j = (i + 1) % len(lines)
            lines[i] += b"\tx"
            lines[j] = lines[j].replace(b"\t", b"", 1) if b"\t" in lines[j] else b"\\N\tq"
        elif choice == 2:
            lines.append(b"\t".join([b"z"] * (lines[0].count(b"\t") + 2)))
        elif choice == 3:
            lines[:] = [x + b"\ty" for x in lines]
        else:  # two rows become one
            if len(lines) > 1:
                lines[i : i + 2] = [b"\t".join(lines[i : i + 2])]
            else:
                lines.append(lines[0] + b"\t")

    if d.data_parts():
        _data_change(rng, d, change)


def end_marker(rng: random.Random, d: Draft) -> None:
    """A COPY end-of-data line (or a row that starts like one) inside a data frame."""
    marker = rng.choice((b"\\.", b"\\.\tx", b"\\."))

    def change(lines: list[bytes]) -> None:
        lines.insert(rng.randint(0, len(lines)), marker)

    if d.data_parts():
        _data_change(rng, d, change)


def script_text(rng: random.Random, d: Draft) -> None:
    """The script around the rows says other things than the manifest: a COPY line gone,
    aimed at another table, or an end-of-copy line gone."""
    sql = [i for i, p in enumerate(d.parts) if p.kind == "sql" and i > 0]
    choice = rng.randrange(4)
    if choice == 0:
        d.body = d.body.replace(" FROM stdin;", "; -- no copy", 1)
    elif choice == 1:
        d.body = d.body.replace('"public".', '"other".', rng.randrange(2) + 1)
    elif sql:
        i = rng.choice(sql)
        text = d.parts[i].raw
        new = text[3:] if choice == 2 and text.startswith(b"\\.\n") else text.replace(b"(", b"(x,")
        d.parts[i] = Part("sql", None, new)


def table_set(rng: random.Random, d: Draft) -> None:
    """A table dropped, added or doubled in the tables list (rows made to agree)."""
    choice = rng.randrange(3)
    n = len(_tables(d.manifest))
    t = rng.randrange(n)
    for doc in d.docs(_side(rng)):
        tables = _tables(doc)
        if choice == 0:
            del tables[t]
        elif choice == 1:
            tables.append(dict(copy.deepcopy(tables[t]), name="added"))
        else:
            tables.insert(t, copy.deepcopy(tables[t]))
    d.recount = True


def dependencies(rng: random.Random, d: Draft) -> None:
    dep = {
        "kind": rng.choice(("function", "type", "extension", "role")),
        "schema": "public",
        "name": rng.choice(("f", hostile_string(rng))),
        "identity": "public.f()",
        "ddl": rng.choice(
            (
                "CREATE FUNCTION public.f() RETURNS integer LANGUAGE sql AS 'SELECT 1'",
                "DROP DATABASE postgres",
                "",
            )
        ),
        "fingerprint": "x",
    }
    for doc in d.docs(_side(rng)):
        doc["dependencies"] = [dep] if rng.random() < 0.8 else dep


def reframe(rng: random.Random, d: Draft) -> None:
    """No lie at all: a data frame split in two at a row boundary (must be accepted)."""
    for index in reversed(d.data_parts()):
        lines = d.parts[index].raw.splitlines(keepends=True)
        if len(lines) > 1:
            cut = rng.randrange(1, len(lines))
            table = d.parts[index].table
            d.parts[index : index + 1] = [
                Part("data", table, b"".join(lines[:cut])),
                Part("data", table, b"".join(lines[cut:])),
            ]
            return


def nothing(rng: random.Random, d: Draft) -> None:
    """The archive as it was, rewritten: must be accepted, identical."""


STRUCTURAL: dict[str, Mutation] = {
    "nothing": nothing,
    "reframe": reframe,
    "reorder-tables": reorder_tables,
    "drop-column": _column_change("drop"),
    "add-column": _column_change("add"),
    "rename-column": _column_change("rename"),
    "retype-column": _column_change("retype"),
    "generated-column": _column_change("generated"),
    "rename-table": rename_table,
    "row-counts": change_rows,
    "reassign-frame": reassign_frame,
    "flip-frame-kind": flip_kind,
    "frame-numbers": frame_numbers,
    "frame-entries": frame_entries,
    "header-keys": header_only_keys,
    "contents": contents,
    "extra-key": extra_key,
    "missing-key": missing_key,
    "wrong-type": _replace_at((object,), hostile),
    "huge-number": _replace_at((int,), _huge),
    "unicode": _replace_at((str,), hostile_string),
    "long-string": _replace_at((str,), _long),
    "deep-nesting": _replace_at((object,), _deep),
    "json-text": json_text,
    "manifest-line": manifest_line,
    "field-count": field_count,
    "end-marker": end_marker,
    "script-text": script_text,
    "table-set": table_set,
    "dependencies": dependencies,
}
