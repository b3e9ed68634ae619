"""pgsnap export --csv: COPY text to CSV from the file alone, checked with Python's csv module
and against PostgreSQL's own CSV (output byte for byte, and input back into a table)."""

from __future__ import annotations

import csv
import inspect
import io
from pathlib import Path

import click
import psycopg
import pytest
from helpers import EDGE_TABLE, cli, content_md5
from pgservers import TestDB
from psycopg import sql
from synthetic import write_archive

import pgsnap
from pgsnap.archive import ArchiveReader
from pgsnap.cli import main
from pgsnap.errors import CorruptFrameError, TargetExistsError, UsageError
from pgsnap.tools.export import copy_text_to_csv, export, header_line


def _csv(block: bytes, ncolumns: int) -> list[list[str]]:
    text = copy_text_to_csv(block, ncolumns=ncolumns).decode()
    return list(csv.reader(io.StringIO(text, newline="")))


def test_null_is_unquoted_and_empty_string_is_quoted() -> None:
    out = copy_text_to_csv(b"\\N\t\t1\n\t\\N\t\n", ncolumns=3)
    assert out == b',"",1\n"",,""\n'


def test_every_copy_text_escape() -> None:
    line = rb"a\bb\fc\nd\re\tf\vg\\h\101\0011\x41\x4g\q\."
    [[value]] = _csv(line + b"\n", 1)
    assert value == "a\bb\fc\nd\re\tf\vg\\hA\x011A\x04gq."


def test_quotes_commas_newlines_and_unicode() -> None:
    block = b'say "hi"\tx,y\tline\\nbreak\tcr\\r\t\xc3\xa9\xe4\xb8\xad\n'
    assert copy_text_to_csv(block, ncolumns=5) == (
        b'"say ""hi""","x,y","line\nbreak","cr\r",\xc3\xa9\xe4\xb8\xad\n'
    )
    assert _csv(block, 5) == [['say "hi"', "x,y", "line\nbreak", "cr\r", "é中"]]


def test_fast_path_only_when_nothing_needs_care() -> None:
    assert copy_text_to_csv(b"1\ta\n2\tb\n", ncolumns=2) == b"1,a\n2,b\n"
    # an empty field at the start, in the middle or at the end of any row takes the slow path
    assert copy_text_to_csv(b"1\ta\n\tb\n", ncolumns=2) == b'1,a\n"",b\n'
    assert copy_text_to_csv(b"1\t\n", ncolumns=2) == b'1,""\n'
    assert copy_text_to_csv(b"x\n\nz\n", ncolumns=1) == b'x\n""\nz\n'


def test_end_of_data_marker_is_quoted_when_alone() -> None:
    assert copy_text_to_csv(b"\\\\.\n", ncolumns=1) == b'"\\."\n'
    assert copy_text_to_csv(b"\\\\.\t1\n", ncolumns=2) == b"\\.,1\n"


def test_header_and_zero_columns() -> None:
    assert header_line(("id", "Title, long", 'say "x"')) == b'id,"Title, long","say ""x"""\n'
    assert copy_text_to_csv(b"\n\n", ncolumns=0) == b"\n\n"


def test_export_writes_one_file_per_table_without_a_database(tmp_path: Path) -> None:
    archive = write_archive(
        tmp_path / "a.sql.zst", columns=("id", "note"), rows=b"1\t\\N\n2\t\n3\tx\\ty\n"
    )
    result = export(archive, csv_dir=tmp_path / "out")
    [f] = result.files
    assert (
        f.path == str(tmp_path / "out" / "papers.csv")
        and f.rows == 3
        and f.table == "public.papers"
    )
    text = (tmp_path / "out" / "papers.csv").read_bytes()
    assert text == b'id,note\n1,\n2,""\n3,x\ty\n' and f.bytes == len(text)
    assert list(tmp_path.joinpath("out").iterdir()) == [tmp_path / "out" / "papers.csv"]
    with pytest.raises(TargetExistsError, match="already exists"):
        export(archive, csv_dir=tmp_path / "out")
    assert export(archive, csv_dir=tmp_path / "out", force=True).rows == 3
    with pytest.raises(UsageError, match="has no table"):
        export(archive, csv_dir=tmp_path / "out", table="nope")


def test_schema_outside_public_is_in_the_file_name(tmp_path: Path) -> None:
    archive = write_archive(tmp_path / "a.sql.gz", schema="app", table="Big Orders")
    res = cli("export", str(archive), "--csv", str(tmp_path / "csv"))
    assert res.exit_code == 0, res.output
    assert (tmp_path / "csv" / "app.Big_Orders.csv").read_bytes().startswith(b"id,title\n1,first\n")
    assert "wrote" in res.stderr and "2 rows" in res.stderr
    res = cli("export", str(archive), "--csv", str(tmp_path / "csv"))
    assert res.exit_code == 6 and "--force" in res.stderr
    assert cli("export", str(archive), "--csv", str(tmp_path / "csv"), "--force", "-q").stderr == ""


def test_a_corrupt_frame_fails_and_leaves_no_file(tmp_path: Path) -> None:
    archive = write_archive(
        tmp_path / "a.sql.zst", rows=b"".join(b"%d\tt\n" % i for i in range(4000))
    )
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    archive.write_bytes(bytes(data))
    res = cli("export", str(archive), "--csv", str(tmp_path / "csv"))
    assert res.exit_code == 5 and "is corrupt" in res.stderr
    assert list((tmp_path / "csv").iterdir()) == []


@pytest.mark.parametrize(
    ("rows", "says"),
    [
        (b"1\tfirst\n2\tsecond\tthird\n3\tx\n", "row 2 has 3 fields, the table has 2 columns"),
        (b"1\n2\tsecond\n", "row 1 has 1 field, the table has 2 columns"),
        # as many fields in all as two rows should have: the old conversion regrouped them
        # silently into the CSV rows "1,first" and "x,2"
        (b"1\tfirst\tx\n2\n", "row 1 has 3 fields, the table has 2 columns"),
        (b"1\tfirst\n\\.\n", "row 2 starts with the end-of-copy marker \\."),
    ],
)
def test_rows_of_another_field_count_fail_and_leave_no_file(
    rows: bytes, says: str, tmp_path: Path
) -> None:
    """The frame's checksums are right (the writer trusts its caller): only the rows are
    wrong.  export and verify refuse the archive alike, naming the frame; no CSV is left."""
    archive = write_archive(tmp_path / "a.sql.zst", rows=rows)
    with ArchiveReader.open(archive) as reader:
        offset = reader.frames[1].offset
    expected = f'frame 1 at byte {offset} of "{archive}" is corrupt: {says}'
    with pytest.raises(CorruptFrameError) as e:
        export(archive, csv_dir=tmp_path / "csv")
    assert (str(e.value), e.value.index, e.value.offset) == (expected, 1, offset)
    assert list((tmp_path / "csv").iterdir()) == []
    for command in (
        ["export", str(archive), "--csv", str(tmp_path / "csv")],
        ["verify", str(archive)],
    ):
        res = cli(*command, "-q")
        assert (res.exit_code, res.stderr) == (5, f"pgsnap: error: {expected}\n"), res.output
    assert list((tmp_path / "csv").iterdir()) == []


def _pg_csv(dsn: str, table: str) -> bytes:
    stmt = sql.SQL("COPY {} TO STDOUT (FORMAT csv, HEADER true)").format(sql.Identifier(table))
    with psycopg.connect(dsn) as conn, conn.cursor() as cur, cur.copy(stmt) as copy:
        return b"".join(bytes(block) for block in copy)


def _load_csv(dsn: str, table: str, data: bytes) -> None:
    stmt = sql.SQL("COPY {} FROM STDIN (FORMAT csv, HEADER true)").format(sql.Identifier(table))
    with psycopg.connect(dsn) as conn, conn.cursor() as cur, cur.copy(stmt) as copy:
        copy.write(data)


def test_edge_table_matches_postgresql_csv_and_loads_back(db: TestDB, tmp_path: Path) -> None:
    db.execute(EDGE_TABLE)
    out = tmp_path / "edge.sql.zst"
    pgsnap.dump("edge", dsn=db.dsn, output=out)
    [f] = export(out, csv_dir=tmp_path / "csv", table="edge").files
    data = Path(f.path).read_bytes()
    assert data == _pg_csv(db.dsn, "edge")
    rows = list(csv.reader(io.StringIO(data.decode(), newline="")))
    assert rows[0][:3] == ["id", "t", "b"] and len(rows) == 6
    assert rows[3][1] == "tab\there\nnew line\\back\\slash \\N"
    # back into a copy of the table through PostgreSQL's CSV reader: the same contents
    db.execute("CREATE TABLE edge_back (LIKE edge)")
    _load_csv(db.dsn, "edge_back", data)
    assert content_md5(db.dsn, "edge_back") == content_md5(db.dsn, "edge")


def test_one_column_table_matches_postgresql_csv(db: TestDB, tmp_path: Path) -> None:
    db.execute(
        r"CREATE TABLE one (v text); INSERT INTO one VALUES ('\.'), (''), (NULL), ('a,b'), (E'\\x41')"
    )
    out = tmp_path / "one.sql.gz"
    pgsnap.dump("one", dsn=db.dsn, output=out)
    res = cli("export", str(out), "--csv", str(tmp_path))
    assert res.exit_code == 0, res.output
    data = (tmp_path / "one.csv").read_bytes()
    assert data == _pg_csv(db.dsn, "one")
    db.execute("CREATE TABLE one_back (v text)")
    _load_csv(db.dsn, "one_back", data)
    assert content_md5(db.dsn, "one_back") == content_md5(db.dsn, "one")


def test_python_twin_takes_keyword_options() -> None:
    params = list(inspect.signature(pgsnap.export).parameters.values())
    assert params[0].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params[1:])
    for option in main.commands["export"].params:
        if isinstance(option, click.Option) and option.name != "quiet":
            assert option.name in inspect.signature(pgsnap.export).parameters, option.name
