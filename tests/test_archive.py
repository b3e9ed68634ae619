"""The archive format: pure tests, no database (docs/format.md is the spec)."""

from __future__ import annotations

import gzip
import io
import json
import os
import random
import re
import struct
import subprocess
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import pytest
import zstandard

from pgsnap import archive
from pgsnap.archive import (
    FORMAT_VERSION,
    ArchiveWriter,
    FrameFile,
    FrameInfo,
    codec_for_path,
    compress_frame,
    decompress_frame,
    iter_stream_frames,
    parse_header,
)
from pgsnap.archive.frames import copy_line
from pgsnap.archive.writer import Placed
from pgsnap.errors import (
    CorruptFrameError,
    FileNotFoundError_,
    NotAnArchiveError,
    TruncatedArchiveError,
    UnsupportedFormatError,
    UsageError,
)

CODECS = ["zstd", "gzip"]
EXT = {"zstd": ".sql.zst", "gzip": ".sql.gz"}
MAGIC_LEN = {"zstd": 4, "gzip": 3}  # bytes before which a file cannot be recognised
TABLES = [{"name": "papers", "columns": ["id", "title"]}, {"name": "ünïcode", "columns": ["x"]}]
HEADER_SQL = "SET search_path = '';\nCREATE TABLE papers (id int, title text);\n"


def rows(start: int, count: int) -> bytes:
    """COPY text rows, with the escapes COPY writes (a newline inside a value is \\n)."""
    return b"".join(b"%d\tt\\\\itle %d\\nline two\t\\N\n" % (i, i) for i in range(start, count))


@dataclass
class Built:
    path: Path
    codec: str
    frames: list[FrameInfo]
    raws: list[bytes]  # every frame's text, the manifest's included
    manifest: dict[str, Any]


def build(path: Path, codec: str, *, level: int | None = None) -> Built:
    """A two-table archive: header + COPY, 3 data frames, \\., COPY, 1 data frame, end."""
    with open(path, "wb") as out:
        writer = ArchiveWriter(out, codec=codec, level=level)
        raws: list[bytes] = []

        def sql(text: str, header: dict[str, Any] | None = None) -> None:
            if header is None:
                writer.write_sql(text)
                raws.append(text.encode())
            else:
                writer.write_header(header, text)
                raws.append(decompress_frame(codec, frame_bytes(writer, out, -1)))

        def data(table: int, raw: bytes) -> None:
            writer.write_data(table, raw, raw.count(b"\n"))
            raws.append(raw)

        sql(HEADER_SQL + "COPY papers (id, title) FROM stdin;\n", {"tables": TABLES})
        data(0, rows(0, 50))
        data(0, rows(50, 51))
        data(0, rows(51, 300))
        sql('\\.\nCOPY "ünïcode" (x) FROM stdin;\n')
        data(1, "é\t\\t\n".encode())
        sql("\\.\nCOMMIT;\n")
        writer.finish({"tables": TABLES, "rows": [300, 1], "database": "db"})
        assert writer.manifest is not None
        raws.append(manifest_text(writer.manifest).encode())
    return Built(path, codec, list(writer.frames), raws, writer.manifest)


def frame_bytes(writer: ArchiveWriter, out: BinaryIO, index: int) -> bytes:
    out.flush()
    info = writer.frames[index]
    with open(out.name, "rb") as f:
        f.seek(info.offset)
        return f.read(info.length)


def manifest_text(manifest: dict[str, Any]) -> str:
    line = json.dumps(manifest, ensure_ascii=True, separators=(",", ":"), sort_keys=True)
    return f"-- pgsnap-manifest: {line}\n"


@pytest.fixture(params=CODECS)
def built(request: pytest.FixtureRequest, tmp_path: Path) -> Built:
    codec: str = request.param
    return build(tmp_path / f"t{EXT[codec]}", codec)


def cut(built: Built, size: int, tmp_path: Path) -> Path:
    path = tmp_path / f"cut{size}{EXT[built.codec]}"
    path.write_bytes(built.path.read_bytes()[:size])
    return path


def flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x40]) + data[at + 1 :]


def stream_frames(data: bytes, name: str = "pipe") -> list[tuple[int, int, bytes]]:
    return list(iter_stream_frames(io.BytesIO(data), name=name))


# --- round trip -------------------------------------------------------------------------


def test_round_trip(built: Built) -> None:
    with FrameFile.open(built.path) as reader:
        assert reader.codec == built.codec
        assert reader.header_json == {"format": FORMAT_VERSION, "tables": TABLES}
        assert reader.frames == built.frames
        assert [f.kind for f in reader.frames] == [
            "sql",
            "data",
            "data",
            "data",
            "sql",
            "data",
            "sql",
        ]
        assert [f.table for f in reader.frames] == [None, 0, 0, 0, None, 1, None]
        assert [reader.read_frame(i) for i in range(len(reader.frames))] == built.raws[:-1]
        assert reader.manifest_json["database"] == "db"
        assert reader.manifest_json["format"] == FORMAT_VERSION
        assert reader.manifest_json["frames"] == [f.to_json() for f in built.frames]
        assert reader.rows_by_table() == {0: 300, 1: 1}
        assert reader.size == built.path.stat().st_size
        reader.verify()


def test_frame_info_records_what_was_written(built: Built) -> None:
    data = built.path.read_bytes()
    for info, raw in zip(built.frames, built.raws[:-1], strict=True):
        assert info.raw_size == len(raw)
        assert info.crc32 == zlib.crc32(raw)
        assert info.rows == (raw.count(b"\n") if info.kind == "data" else 0)
        chunk = data[info.offset : info.offset + info.length]
        assert decompress_frame(built.codec, chunk) == raw
        assert FrameInfo.from_json(info.to_json()) == info


def test_header_lines_are_exact(built: Built) -> None:
    first = built.raws[0].decode()
    lines = first.split("\n")
    assert (
        lines[0]
        == f"-- pgsnap archive format {FORMAT_VERSION}; decompressed, this file is a psql script"
    )
    expected = json.dumps(
        {"format": FORMAT_VERSION, "tables": TABLES}, separators=(",", ":"), sort_keys=True
    )
    assert lines[1] == "-- pgsnap-header: " + expected
    assert lines[1].isascii()
    assert "\n".join(lines[2:]).startswith(HEADER_SQL)
    assert parse_header(first) == {"format": FORMAT_VERSION, "tables": TABLES}


def test_manifest_frame_is_one_comment_line(built: Built) -> None:
    text = built.raws[-1].decode()
    assert text.startswith("-- pgsnap-manifest: {")
    assert text.endswith("}\n")
    assert text.count("\n") == 1
    assert archive.parse_manifest(text) == built.manifest
    assert set(built.manifest) == {"database", "format", "frames", "rows", "tables"}


@pytest.mark.parametrize("codec", CODECS)
def test_cli_decompresses_to_the_psql_script(codec: str, tmp_path: Path) -> None:
    b = build(tmp_path / f"t{EXT[codec]}", codec)
    out = subprocess.run([f"/usr/bin/{codec}", "-dc", str(b.path)], capture_output=True)
    assert out.returncode == 0, out.stderr
    assert out.stderr == b""
    assert out.stdout == b"".join(b.raws)
    assert b"PGSNAPF1" not in out.stdout
    test = subprocess.run([f"/usr/bin/{codec}", "-t", str(b.path)], capture_output=True)
    assert test.returncode == 0, test.stderr


def test_stdlib_gzip_reads_every_member(tmp_path: Path) -> None:
    b = build(tmp_path / "t.sql.gz", "gzip")
    assert gzip.decompress(b.path.read_bytes()) == b"".join(b.raws)


@pytest.mark.parametrize("codec", CODECS)
def test_every_frame_decompresses_alone_with_the_cli(codec: str, tmp_path: Path) -> None:
    b = build(tmp_path / f"t{EXT[codec]}", codec)
    data = b.path.read_bytes()
    for info, raw in zip(b.frames, b.raws[:-1], strict=True):
        piece = data[info.offset : info.offset + info.length]
        out = subprocess.run([f"/usr/bin/{codec}", "-dc"], input=piece, capture_output=True)
        assert out.returncode == 0, out.stderr
        assert out.stdout == raw


def test_zstd_python_reader_across_frames_skips_the_footer(tmp_path: Path) -> None:
    b = build(tmp_path / "t.sql.zst", "zstd")
    with open(b.path, "rb") as f:
        reader = zstandard.ZstdDecompressor().stream_reader(f, read_across_frames=True)
        assert reader.read() == b"".join(b.raws)


@pytest.mark.parametrize("codec", CODECS)
def test_write_compressed_appends_a_worker_frame(codec: str, tmp_path: Path) -> None:
    path = tmp_path / f"w{EXT[codec]}"
    raw = rows(0, 1000)
    data = compress_frame(codec, raw, 1)  # what a worker process would send
    with open(path, "wb") as out:
        writer = ArchiveWriter(out, codec=codec)
        writer.write_header({"tables": TABLES[:1]}, "COPY papers FROM stdin;\n")
        info = writer.write_compressed(0, data, len(raw), 1000, zlib.crc32(raw))
        writer.write_sql("\\.\n")
        writer.finish({"tables": TABLES[:1], "rows": [1000]})
    assert path.read_bytes()[info.offset : info.offset + info.length] == data
    with FrameFile.open(path) as reader:
        assert reader.read_frame(1) == raw
        assert reader.read_compressed(1) == data
        reader.verify()


class _Placing:
    """A file the writer may let workers write into, as backup/output.py's stream is."""

    def __init__(self, path: Path) -> None:
        self.file = open(path, "wb")  # noqa: SIM115 (closed by the test)
        self.placement = (str(path), f'"{path}"')

    def write(self, data: bytes) -> int:
        return self.file.write(data)

    def flush(self) -> None:
        self.file.flush()

    def seek(self, offset: int) -> None:
        self.file.seek(offset)


def _place(path: Path, frames: list[bytes], order: list[int]) -> tuple[ArchiveWriter, list[Placed]]:
    """Frames written by "workers" (os.pwrite here) in `order`, each at the offset it took."""
    out = _Placing(path)
    writer = ArchiveWriter(out, codec="zstd")  # type: ignore[arg-type]
    writer.write_header({"tables": TABLES[:1]}, "COPY papers FROM stdin;\n")
    where = writer.placement()
    assert where is not None and where[0] == str(path)
    offset, placed = where[2], []
    fd = os.open(path, os.O_WRONLY)
    for raw in frames:
        data = compress_frame("zstd", raw, 1)
        os.pwrite(fd, data, offset)
        placed.append(Placed(0, offset, len(data), len(raw), raw.count(b"\n"), zlib.crc32(raw)))
        offset += len(data)
    os.close(fd)
    return writer, [placed[i] for i in order]


def test_placed_frames_are_recorded_in_file_order(tmp_path: Path) -> None:
    path = tmp_path / "p.sql.zst"
    raws = [rows(0, 500), rows(500, 900), rows(900, 1000)]
    writer, placed = _place(path, raws, [2, 0, 1])  # reported out of order
    infos = writer.place(placed, placed[0].offset + placed[0].length)
    assert [i.offset for i in infos] == sorted(p.offset for p in placed)
    writer.write_sql("\\.\n")
    writer.finish({"tables": TABLES[:1], "rows": [1000]})
    writer._out.file.close()  # type: ignore[attr-defined]
    with FrameFile.open(path) as reader:
        assert b"".join(reader.read_frame(i) for i in range(1, 4)) == rows(0, 1000)
        reader.verify()


def test_placed_frames_that_leave_a_gap_are_refused(tmp_path: Path) -> None:
    writer, placed = _place(tmp_path / "g.sql.zst", [rows(0, 10), rows(10, 20)], [0, 1])
    end = placed[1].offset + placed[1].length
    with pytest.raises(UsageError, match="does not follow the last one"):
        writer.place(placed[1:], end)  # the first frame lost
    writer._out.file.close()  # type: ignore[attr-defined]
    writer, placed = _place(tmp_path / "h.sql.zst", [rows(0, 10)], [0])
    with pytest.raises(UsageError, match="fill"):
        writer.place(placed, placed[0].offset + placed[0].length + 7)  # bytes nobody recorded
    writer._out.file.close()  # type: ignore[attr-defined]


def test_no_placement_into_a_pipe_or_outside_a_copy(tmp_path: Path) -> None:
    writer = ArchiveWriter(io.BytesIO(), codec="zstd")
    writer.write_header({}, "COPY t FROM stdin;\n")
    assert writer.placement() is None  # standard output, an upload: frames come to the leader
    out = _Placing(tmp_path / "y")
    writer = ArchiveWriter(out, codec="zstd")  # type: ignore[arg-type]
    writer.write_header({}, "SELECT 1;\n")
    assert writer.placement() is None  # no COPY open
    out.file.close()


def test_writer_never_seeks_or_tells(tmp_path: Path) -> None:
    class Pipe(io.BytesIO):
        def seek(self, *args: Any, **kwargs: Any) -> int:
            raise io.UnsupportedOperation("seek")

        def tell(self) -> int:
            raise io.UnsupportedOperation("tell")

    pipe = Pipe()
    writer = ArchiveWriter(pipe, codec="zstd")
    writer.write_header({}, "COPY t FROM stdin;\n")
    writer.write_data(0, b"1\n", 1)
    writer.write_sql("\\.\n")
    writer.finish({})
    file_copy = build_minimal(tmp_path / "m.sql.zst")
    assert pipe.getvalue() == file_copy
    assert writer.bytes_written == len(file_copy)


def build_minimal(path: Path) -> bytes:
    with open(path, "wb") as out:
        writer = ArchiveWriter(out, codec="zstd")
        writer.write_header({}, "COPY t FROM stdin;\n")
        writer.write_data(0, b"1\n", 1)
        writer.write_sql("\\.\n")
        writer.finish({})
    return path.read_bytes()


def test_start_offset_shifts_every_offset() -> None:
    out = io.BytesIO()
    writer = ArchiveWriter(out, codec="zstd", start_offset=100)
    writer.write_header({}, "SELECT 1;\n")
    writer.finish({})
    assert writer.frames[0].offset == 100
    footer = out.getvalue()[-archive.ZSTD_FOOTER_SIZE :]
    _, _, _, offset, length, _ = struct.unpack("<II8sQQI", footer)
    assert offset == 100 + writer.frames[0].length
    assert length == len(out.getvalue()) - writer.frames[0].length - archive.ZSTD_FOOTER_SIZE


def test_reader_is_thread_safe(built: Built) -> None:
    with FrameFile.open(built.path) as reader:
        order = [i % len(reader.frames) for i in range(200)]
        with ThreadPoolExecutor(8) as pool:
            got = list(pool.map(reader.read_frame, order))
    assert got == [built.raws[i] for i in order]


# --- footer -----------------------------------------------------------------------------


def test_zstd_footer_layout(tmp_path: Path) -> None:
    b = build(tmp_path / "t.sql.zst", "zstd")
    data = b.path.read_bytes()
    footer = data[-36:]
    magic, size, tag, offset, length, crc = struct.unpack("<II8sQQI", footer)
    assert (magic, size, tag) == (0x184D2A5E, 28, b"PGSNAPF1")
    assert zlib.crc32(footer[8:32]) == crc
    assert offset + length == len(data) - 36
    assert decompress_frame("zstd", data[offset : offset + length]) == b.raws[-1]


def test_gzip_footer_layout(tmp_path: Path) -> None:
    b = build(tmp_path / "t.sql.gz", "gzip")
    data = b.path.read_bytes()
    footer = data[-54:]
    assert footer[:10] == b"\x1f\x8b\x08\x04\x00\x00\x00\x00\x00\xff"
    xlen, si1, si2, slen = struct.unpack("<HccH", footer[10:16])
    assert (xlen, si1, si2, slen) == (32, b"P", b"S", 28)
    tag, offset, length, crc = struct.unpack("<8sQQI", footer[16:44])
    assert tag == b"PGSNAPF1"
    assert zlib.crc32(footer[16:40]) == crc
    assert footer[44:] == b"\x03\x00" + bytes(8)
    assert offset + length == len(data) - 54
    assert gzip.decompress(footer) == b""
    assert decompress_frame("gzip", data[offset : offset + length]) == b.raws[-1]


def test_bad_footer_crc_is_corrupt(built: Built, tmp_path: Path) -> None:
    data = built.path.read_bytes()
    at = len(data) - 6  # inside the manifest length field, covered by the crc
    path = tmp_path / f"bad{EXT[built.codec]}"
    path.write_bytes(flip(data, at - (0 if built.codec == "zstd" else 10)))
    with pytest.raises(CorruptFrameError, match=r"footer .* is corrupt: its crc32"):
        FrameFile.open(path)


# --- truncation -------------------------------------------------------------------------


def test_every_cut_is_truncated(built: Built, tmp_path: Path) -> None:
    size = built.path.stat().st_size
    for n in range(MAGIC_LEN[built.codec], size):
        with pytest.raises(TruncatedArchiveError, match="no pgsnap footer") as e:
            FrameFile.open(cut(built, n, tmp_path))
        assert f"cut{n}" in str(e.value)


def test_cut_before_the_magic_is_not_an_archive(built: Built, tmp_path: Path) -> None:
    for n in range(MAGIC_LEN[built.codec]):
        with pytest.raises(NotAnArchiveError, match="is not a pgsnap archive"):
            FrameFile.open(cut(built, n, tmp_path))


def test_named_cuts(built: Built, tmp_path: Path) -> None:
    manifest = built.frames[-1].offset + built.frames[-1].length
    size = built.path.stat().st_size
    middle_of_data = built.frames[2].offset + built.frames[2].length // 2
    for n in (size - 1, size - 20, manifest + 5, manifest, middle_of_data):
        with pytest.raises(TruncatedArchiveError) as e:
            FrameFile.open(cut(built, n, tmp_path))
        msg = str(e.value)
        assert msg.startswith(f'"{tmp_path}/cut{n}')
        assert msg.endswith(
            "is truncated: no pgsnap footer at the end (interrupted dump or incomplete copy?)"
        )


def test_every_cut_of_a_stream_is_truncated(built: Built) -> None:
    data = built.path.read_bytes()
    assert len(stream_frames(data)) == len(built.raws)
    for n in range(MAGIC_LEN[built.codec], len(data)):
        with pytest.raises(TruncatedArchiveError, match=r'^"pipe" is truncated'):
            stream_frames(data[:n])


def test_stream_cut_mid_frame_names_the_frame(built: Built) -> None:
    data = built.path.read_bytes()
    info = built.frames[3]
    with pytest.raises(TruncatedArchiveError, match=f"inside frame 3 at byte {info.offset}$"):
        stream_frames(data[: info.offset + info.length - 1])


# --- corruption -------------------------------------------------------------------------


def test_flipped_byte_in_a_data_frame(built: Built, tmp_path: Path) -> None:
    data = built.path.read_bytes()
    info = built.frames[3]
    path = tmp_path / f"flip{EXT[built.codec]}"
    raised = 0
    for at in range(info.offset, info.offset + info.length):
        path.write_bytes(flip(data, at))
        with FrameFile.open(path) as reader:
            try:
                got = reader.read_frame(3)
            except CorruptFrameError as e:
                raised += 1
                assert (e.index, e.offset) == (3, info.offset)
                assert str(e).startswith(f'frame 3 at byte {info.offset} of "{path}" is corrupt: ')
            else:  # a gzip MTIME/OS byte, say: harmless, and the data must be intact
                assert got == built.raws[3]
    assert raised >= info.length - 8


def test_flipped_byte_fails_verify_and_the_stream(built: Built, tmp_path: Path) -> None:
    data = built.path.read_bytes()
    info = built.frames[2]
    bad = flip(data, info.offset + info.length // 2)
    path = tmp_path / f"flip{EXT[built.codec]}"
    path.write_bytes(bad)
    with FrameFile.open(path) as reader, pytest.raises(CorruptFrameError) as e:
        reader.verify()
    assert (e.value.index, e.value.offset) == (2, info.offset)
    with pytest.raises(CorruptFrameError, match=f'^frame 2 at byte {info.offset} of "pipe"'):
        stream_frames(bad)


@pytest.mark.parametrize("codec", CODECS)
@pytest.mark.parametrize("field", ["crc32", "rows"])
def test_valid_compression_wrong_manifest(codec: str, field: str, tmp_path: Path) -> None:
    path = tmp_path / f"crc{EXT[codec]}"
    raw = rows(0, 10)
    crc, nrows = zlib.crc32(raw), 10
    if field == "crc32":
        crc ^= 1
    else:
        nrows += 1
    with open(path, "wb") as out:
        writer = ArchiveWriter(out, codec=codec)
        writer.write_header({}, "COPY t FROM stdin;\n")
        info = writer.write_compressed(0, compress_frame(codec, raw), len(raw), nrows, crc)
        writer.write_sql("\\.\n")
        writer.finish({})
    with FrameFile.open(path) as reader:
        assert reader.read_frame(0).startswith(
            f"-- pgsnap archive format {FORMAT_VERSION}".encode()
        )
        with pytest.raises(CorruptFrameError) as e:
            reader.read_frame(1)
    assert (e.value.index, e.value.offset) == (1, info.offset)
    expected = "its crc32 is" if field == "crc32" else "it holds 10 rows, the manifest says 11"
    assert expected in str(e.value)


def test_corrupt_manifest_json(tmp_path: Path) -> None:
    path = tmp_path / "m.sql.zst"
    header = compress_frame("zstd", b"-- pgsnap archive format 1; x\n-- pgsnap-header: {}\n")
    manifest = compress_frame("zstd", b"-- pgsnap-manifest: {not json\n")
    data = header + manifest + archive.encode_footer("zstd", len(header), len(manifest))
    path.write_bytes(data)
    with pytest.raises(CorruptFrameError, match=f"manifest at byte {len(header)} of .* is corrupt"):
        FrameFile.open(path)


def test_manifest_with_gaps_between_frames(tmp_path: Path) -> None:
    path = tmp_path / "gap.sql.zst"
    text = b'-- pgsnap archive format 1; x\n-- pgsnap-header: {"format":1}\n'
    header = compress_frame("zstd", text)
    entry = FrameInfo("sql", None, 0, len(header) - 1, len(text), 0, zlib.crc32(text))
    line = json.dumps({"format": 1, "frames": [entry.to_json()]})
    manifest = compress_frame("zstd", f"-- pgsnap-manifest: {line}\n".encode())
    path.write_bytes(header + manifest + archive.encode_footer("zstd", len(header), len(manifest)))
    with pytest.raises(CorruptFrameError, match="its frames end at byte"):
        FrameFile.open(path)


# --- not an archive, missing, newer --------------------------------------------------------


def not_archives() -> Iterator[tuple[str, bytes]]:
    yield "empty.sql.zst", b""
    yield "random.sql.zst", random.Random(7).randbytes(5000)
    yield "hello.gz", gzip.compress(b"hello")
    yield "hello.zst", zstandard.ZstdCompressor().compress(b"hello")
    yield "text.sql.gz", b"-- pgsnap archive format 1; not compressed\n"
    yield "garbage-after-magic.gz", b"\x1f\x8b\x08" + bytes(100)


@pytest.mark.parametrize(("name", "data"), list(not_archives()))
def test_not_an_archive(name: str, data: bytes, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(NotAnArchiveError) as e:
        FrameFile.open(path)
    said = "" if data else ": it is an empty file (0 bytes)"
    assert str(e.value) == f'"{path}" is not a pgsnap archive{said}'
    with pytest.raises(NotAnArchiveError, match=r'^"pipe" is not a pgsnap archive$'):
        stream_frames(data)


def test_big_plain_gzip_is_rejected_early(tmp_path: Path) -> None:
    path = tmp_path / "big.gz"
    path.write_bytes(gzip.compress(b"x" * (50 << 20), 1))
    with pytest.raises(NotAnArchiveError):
        FrameFile.open(path)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.sql.zst"
    with pytest.raises(FileNotFoundError_) as e:
        FrameFile.open(path)
    assert str(e.value) == f'file "{path}" does not exist'
    assert e.value.exit_code == 4


def newer(codec: str, *, header_format: int, manifest_format: int, footer: bool = True) -> bytes:
    header_json = json.dumps({"format": header_format})
    text = f"-- pgsnap archive format {header_format}; x\n-- pgsnap-header: {header_json}\n"
    header = compress_frame(codec, text.encode())
    entry = FrameInfo("sql", None, 0, len(header), len(text), 0, zlib.crc32(text.encode()))
    line = json.dumps({"format": manifest_format, "frames": [entry.to_json()]})
    manifest = compress_frame(codec, f"-- pgsnap-manifest: {line}\n".encode())
    tail = archive.encode_footer(codec, len(header), len(manifest)) if footer else b""
    return header + manifest + tail


@pytest.mark.parametrize("codec", CODECS)
@pytest.mark.parametrize(
    ("header_format", "manifest_format", "footer"),
    [(4, 4, True), (3, 4, True), (4, 4, False), (7, 1, True)],
)
def test_newer_format(
    codec: str, header_format: int, manifest_format: int, footer: bool, tmp_path: Path
) -> None:
    data = newer(codec, header_format=header_format, manifest_format=manifest_format, footer=footer)
    path = tmp_path / f"new{EXT[codec]}"
    path.write_bytes(data)
    version = max(header_format, manifest_format)
    expected = f"written by a newer pgsnap (format {version}); this pgsnap reads format 3"
    with pytest.raises(UnsupportedFormatError) as e:
        FrameFile.open(path)
    assert str(e.value) == f'"{path}" was {expected}'
    if footer and header_format > FORMAT_VERSION:
        with pytest.raises(UnsupportedFormatError, match=re.escape(expected)):
            stream_frames(data)


@pytest.mark.parametrize("version", [1, 2, FORMAT_VERSION])
def test_the_current_format_is_not_newer(tmp_path: Path, version: int) -> None:
    path = tmp_path / "cur.sql.zst"
    path.write_bytes(newer("zstd", header_format=version, manifest_format=version))
    with FrameFile.open(path) as reader:
        assert reader.header_json == {"format": version}


def test_parse_header_errors() -> None:
    with pytest.raises(NotAnArchiveError, match=r'^"x" is not a pgsnap archive$'):
        parse_header("hello\n", source="x")
    with pytest.raises(UnsupportedFormatError, match="format 4"):
        parse_header("-- pgsnap archive format 4; whatever follows\n", source="x")
    with pytest.raises(CorruptFrameError, match=r"header .* is corrupt"):
        parse_header("-- pgsnap archive format 1; x\n-- pgsnap-header: [1]\n", source="x")
    with pytest.raises(CorruptFrameError, match="second line"):
        parse_header("-- pgsnap archive format 1; x\nSELECT 1;\n", source="x")


# --- pipes ------------------------------------------------------------------------------


def test_stream_yields_every_frame(built: Built) -> None:
    got = stream_frames(built.path.read_bytes())
    with FrameFile.open(built.path) as reader:
        manifest_at = reader.size - archive.FOOTER_SIZES[built.codec]
        assert [(o, n) for o, n, _ in got][:-1] == [(f.offset, f.length) for f in reader.frames]
        last = reader.frames[-1]
        assert got[-1][0] == last.offset + last.length
        assert got[-1][0] + got[-1][1] == manifest_at
    assert [raw for _, _, raw in got] == built.raws


def test_stream_reads_in_bounded_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    b = build(tmp_path / "t.sql.gz", "gzip")

    class Recorder(io.BytesIO):
        def __init__(self, data: bytes) -> None:
            super().__init__(data)
            self.sizes: list[int] = []

        def read(self, n: int | None = -1) -> bytes:
            assert n is not None and 0 < n <= 1 << 20
            self.sizes.append(n)
            return super().read(n)

    monkeypatch.setattr(archive.stream, "_READ_CHUNK", 7)
    stream = Recorder(b.path.read_bytes())
    got = [raw for _, _, raw in iter_stream_frames(stream)]
    assert got == b.raws
    assert max(stream.sizes) == 7
    assert len(stream.sizes) >= b.path.stat().st_size // 7


def test_big_stream_crosses_chunk_boundaries(tmp_path: Path) -> None:
    rng = random.Random(3)
    blocks = [b"".join(b"%x\n" % rng.getrandbits(128) for _ in range(90000)) for _ in range(2)]
    out = io.BytesIO()
    writer = ArchiveWriter(out, codec="zstd")
    writer.write_header({}, "COPY t FROM stdin;\n")
    for block in blocks:
        writer.write_data(0, block, block.count(b"\n"))
    writer.write_sql("\\.\n")
    writer.finish({})
    assert writer.frames[1].length > 1 << 20  # a frame bigger than one read
    got = [raw for _, _, raw in iter_stream_frames(io.BytesIO(out.getvalue()))]
    assert got[1:3] == blocks


def test_stream_from_a_real_pipe(built: Built) -> None:
    with subprocess.Popen(["cat", str(built.path)], stdout=subprocess.PIPE) as cat:
        assert cat.stdout is not None
        got = list(iter_stream_frames(cat.stdout, name="-"))
    assert cat.returncode == 0
    assert [raw for _, _, raw in got] == built.raws


def test_stream_from_a_real_pipe_that_is_cut(built: Built) -> None:
    size = str(built.path.stat().st_size - 10)
    with subprocess.Popen(["head", "-c", size, built.path], stdout=subprocess.PIPE) as head:
        assert head.stdout is not None
        with pytest.raises(TruncatedArchiveError, match=r'^"-" is truncated'):
            for _ in iter_stream_frames(head.stdout, name="-"):
                pass


def test_stream_skips_foreign_skippable_frames(tmp_path: Path) -> None:
    b = build(tmp_path / "t.sql.zst", "zstd")
    data = b.path.read_bytes()
    at = b.frames[1].offset
    skippable = struct.pack("<II", 0x184D2A50, 5) + b"hello"
    got = stream_frames(data[:at] + skippable + data[at:])
    assert [raw for _, _, raw in got] == b.raws
    assert got[1][0] == at + len(skippable)


def test_stream_rejects_bytes_after_the_footer(built: Built) -> None:
    with pytest.raises(CorruptFrameError, match="bytes after the pgsnap footer"):
        stream_frames(built.path.read_bytes() + b"\x00")


# --- codecs -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "codec"),
    [
        ("t.sql.zst", "zstd"),
        ("T.SQL.ZST", "zstd"),
        ("dir.gz/t.zstd", "zstd"),
        ("t.sql.gz", "gzip"),
        ("/abs/t.GZ", "gzip"),
    ],
)
def test_codec_for_path(path: str, codec: str) -> None:
    assert codec_for_path(path) == codec


@pytest.mark.parametrize("path", ["t.sql", "t.sql.bz2", "t.zst.sql", "", "t.tgz"])
def test_codec_for_path_refuses(path: str) -> None:
    with pytest.raises(UsageError) as e:
        codec_for_path(path)
    message = str(e.value)
    assert f'"{path}"' in message
    assert ".zst" in message
    assert ".gz" in message


@pytest.mark.parametrize(
    ("codec", "level"),
    [("zstd", 1), ("zstd", 19), ("zstd", -5), ("gzip", 0), ("gzip", 1), ("gzip", 3), ("gzip", 9)],
)
def test_compress_frame_levels(codec: str, level: int) -> None:
    raw = rows(0, 2000)
    data = compress_frame(codec, raw, level)
    assert data[:3] == (b"\x28\xb5\x2f" if codec == "zstd" else b"\x1f\x8b\x08")
    assert len(data) < len(raw) or level == 0
    assert decompress_frame(codec, data) == raw
    if codec == "gzip":
        assert gzip.decompress(data) == raw
        assert data[4:8] == bytes(4)  # MTIME 0: the same input gives the same file
    assert compress_frame(codec, raw, level) == data


@pytest.mark.parametrize(("codec", "level"), [("zstd", 23), ("gzip", 10), ("gzip", -1), ("lz4", 1)])
def test_compress_frame_refuses_bad_levels(codec: str, level: int) -> None:
    with pytest.raises(UsageError):
        compress_frame(codec, b"x\n", level)
    with pytest.raises(UsageError):
        ArchiveWriter(io.BytesIO(), codec=codec, level=level)


@pytest.mark.parametrize("codec", CODECS)
def test_decompress_frame_wants_exactly_one_frame(codec: str) -> None:
    one = compress_frame(codec, b"a\n")
    assert decompress_frame(codec, one) == b"a\n"
    assert decompress_frame(codec, compress_frame(codec, b"")) == b""
    with pytest.raises(CorruptFrameError, match="follow the end"):
        decompress_frame(codec, one + compress_frame(codec, b"b\n"))
    with pytest.raises(CorruptFrameError, match=r"incomplete|bad"):
        decompress_frame(codec, one[:-2])
    with pytest.raises(CorruptFrameError, match="does not start with"):
        decompress_frame(codec, b"hello")
    with pytest.raises(CorruptFrameError):
        decompress_frame(codec, one, expected_size=1)


def test_decompress_frame_zstd_without_content_size() -> None:
    raw = rows(0, 100)
    data = zstandard.ZstdCompressor(write_content_size=False).compress(raw)
    assert zstandard.frame_content_size(data) == -1
    assert decompress_frame("zstd", data) == raw


def test_crc32_matches_zlib() -> None:
    data = random.Random(1).randbytes(100_000)
    assert archive.crc32(data) == zlib.crc32(data)
    assert archive.crc32(b"") == 0


def test_frame_target_is_within_the_design_range() -> None:
    assert 4 << 20 <= archive.FRAME_TARGET_BYTES <= 16 << 20  # design.md §2: 4-16 MiB
    assert archive.CODECS == ("zstd", "gzip")
    assert archive.FORMAT_VERSION == 3  # docs/format.md §7


def test_frame_info_from_json_rejects_bad_entries() -> None:
    good = FrameInfo("data", 0, 10, 5, 4, 2, 123).to_json()
    assert FrameInfo.from_json(good).table == 0
    for key, value in [
        ("kind", "blob"),
        ("offset", -1),
        ("rows", "2"),
        ("crc32", 1 << 32),
        ("table", None),
    ]:
        with pytest.raises(ValueError):
            FrameInfo.from_json({**good, key: value})


# --- writer rules -----------------------------------------------------------------------


def fresh(sql: str = "COPY t FROM stdin;\n") -> ArchiveWriter:
    writer = ArchiveWriter(io.BytesIO(), codec="zstd")
    writer.write_header({"tables": [{}]}, sql)
    return writer


def test_writer_requires_the_header_first() -> None:
    writer = ArchiveWriter(io.BytesIO(), codec="zstd")
    with pytest.raises(UsageError, match="header first"):
        writer.write_sql("SELECT 1;\n")
    writer.write_header({}, "")
    with pytest.raises(UsageError, match="first frame"):
        writer.write_header({}, "")


def test_data_needs_an_open_copy() -> None:
    writer = fresh("SELECT 1;\n")
    with pytest.raises(UsageError, match="COPY"):
        writer.write_data(0, b"1\n", 1)
    writer.write_sql("COPY t (a, b) FROM STDIN WITH (FREEZE);\n")
    assert writer.write_data(0, b"1\n", 1).rows == 1


def test_sql_after_data_must_end_the_copy() -> None:
    writer = fresh()
    writer.write_data(0, b"1\n", 1)
    with pytest.raises(UsageError, match=r'"\\."'):
        writer.write_sql("COMMIT;\n")
    with pytest.raises(UsageError, match="still open"):
        writer.finish({})
    writer.write_sql("\\.\nCOMMIT;\n")
    writer.finish({})
    with pytest.raises(UsageError, match="finished"):
        writer.write_sql("SELECT 1;\n")


def test_data_frames_must_be_whole_rows_of_one_table() -> None:
    writer = fresh()
    with pytest.raises(UsageError, match="whole rows"):
        writer.write_data(0, b"1\n2", 1)
    with pytest.raises(UsageError, match="whole rows"):
        writer.write_data(0, b"1\n2\n", 1)
    with pytest.raises(UsageError, match="whole rows"):  # a count taken from COPY's messages
        writer.write_data(0, b"1\n2", 1, counted=True)
    with pytest.raises(UsageError, match="1 to"):
        writer.write_data(0, b"", 0)
    writer.write_data(0, b"1\n", 1)
    with pytest.raises(UsageError, match="for table 0, not 1"):
        writer.write_data(1, b"1\n", 1)
    with pytest.raises(UsageError, match=r"not gzip|not zstd"):
        writer.write_compressed(0, compress_frame("gzip", b"1\n"), 2, 1, 0)


def test_finish_checks_tables_and_rows() -> None:
    writer = fresh()
    writer.write_data(0, b"1\n2\n", 2)
    writer.write_sql("\\.\n")
    with pytest.raises(UsageError, match=r"says \[3\], the data frames hold \[2\]"):
        writer.finish({"tables": [{}], "rows": [3]})
    with pytest.raises(UsageError, match="there are 0"):
        writer.finish({"tables": []})
    writer.finish({"tables": [{}], "rows": [2]})
    assert writer.manifest is not None
    assert writer.manifest["rows"] == [2]


def test_finish_refuses_a_script_without_a_final_newline() -> None:
    writer = fresh("SELECT 1;")
    with pytest.raises(UsageError, match="newline"):
        writer.finish({})


def test_sql_frames_cannot_pose_as_header_or_manifest() -> None:
    writer = fresh("SELECT 1;\n")
    with pytest.raises(UsageError):
        writer.write_sql("-- pgsnap-manifest: {}\n")


def test_reader_accepts_pathlike_and_str(built: Built) -> None:
    with FrameFile.open(str(built.path)) as a, FrameFile.open(built.path) as b:
        assert a.path == b.path == os.fspath(built.path)
        assert a.frames == b.frames


def test_stream_footer_must_point_at_the_manifest(built: Built) -> None:
    data = built.path.read_bytes()
    size = archive.FOOTER_SIZES[built.codec]
    manifest = built.frames[-1].offset + built.frames[-1].length
    length = len(data) - size - manifest
    bad = data[:-size] + archive.encode_footer(built.codec, manifest, length + 1)
    with pytest.raises(CorruptFrameError, match=r"footer at byte \d+ of \"pipe\" is corrupt"):
        stream_frames(bad)
    assert len(stream_frames(data)) == len(built.raws)


# copy_line() tries the COPY pattern at each line start; the archive format's definition is a
# search for it after the start of the text or a newline.  Both, on strings made of the
# pieces where they could part: cases, line breaks inside the COPY, the characters Unicode
# case-folds onto S and I (re.I matches them), stray COPY lines, trailing blanks.
_COPY_DEFINITION = re.compile(r"(?:\A|\n)(COPY\s[^\n]*\sFROM\s+STDIN\b[^\n]*;)[ \t]*\n?\Z", re.I)
_COPY_PIECES = (
    "COPY", "copy", "CoPy", " ", "\n", "\t", "FROM", "from", "STDIN", "stdin", "\u017ftdin",
    "std\u0131n", ";", "x", '"t"', "\\.", "\n\n", "COPY\n", "stdinx", "(", ")", " \n", "K",
)  # fmt: skip


def _copy_line_defined(sql: str) -> str | None:
    found = _COPY_DEFINITION.search(sql)
    return None if found is None else found.group(1)


def _copy_like(rnd: random.Random) -> str:
    """Random pieces, or a COPY line of random spellings among them (most of them valid)."""

    def some(k: int) -> str:
        return "".join(rnd.choice(_COPY_PIECES) for _ in range(rnd.randint(0, k)))

    if rnd.random() < 0.3:
        return some(14)
    words = [
        rnd.choice(("COPY", "copy", "COPY\n", "COPY", "CPY")),
        rnd.choice((" ", " ", "\n", "\t", "")),
        rnd.choice(("x", '"t" (a)', "\u017f", "\\.", "\n", " ")),
        rnd.choice((" FROM", " FROM", "\nfrom", "FROM")),
        rnd.choice((" ", " ", "\n\n", "")),
        rnd.choice(("STDIN", "stdin", "\u017ftdin", "stdinx")),
        rnd.choice(("", "", " x", "\n")),
        rnd.choice((";", ";", "")),
    ]
    return (
        some(4)
        + rnd.choice(("", "\n", "\n", "\n"))
        + "".join(words)
        + rnd.choice(("", " \t", "\n", "\n\n"))
    )


def test_copy_line_is_the_formats_definition() -> None:
    rnd = random.Random(13)
    texts = [_copy_like(rnd) for _ in range(40_000)]
    opening = 0
    for text in texts:
        assert copy_line(text) == _copy_line_defined(text), repr(text)
        assert archive.opens_copy(text) == (_copy_line_defined(text) is not None)
        opening += archive.opens_copy(text)
    assert 1_000 < opening < len(texts) - 1_000  # both answers are common among them


def test_a_bad_frame_leaves_the_next_one_readable() -> None:
    """zstd frames are decompressed with one context per thread: a frame that fails inside
    zstd (its data damaged, or its checksum) leaves nothing behind for the next frame."""
    rnd = random.Random(5)
    for n in (10, 5_000, 70_000):
        raw = bytes(rnd.getrandbits(8) for _ in range(n)) * 3
        good = compress_frame("zstd", raw, 3)
        damaged = bytearray(good)
        damaged[len(good) // 2 : len(good) // 2 + 8] = bytes(8)
        bad_sum = good[:-4] + bytes(b ^ 0xFF for b in good[-4:])
        for bad in (bytes(damaged), bad_sum):
            with pytest.raises(CorruptFrameError, match="bad zstd data"):
                decompress_frame("zstd", bad, expected_size=len(raw))
            assert decompress_frame("zstd", good, expected_size=len(raw)) == raw
