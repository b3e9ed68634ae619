"""pgsnap verify: every frame, the row checksum, the live table and the restore test."""

from __future__ import annotations

import hashlib
import inspect
import json
import secrets
from pathlib import Path

import click
import psycopg
import pytest
from helpers import AUTHORS_PAPERS, DECOYS, EDGE_TABLE, cli
from pgservers import TestDB
from psycopg import sql
from synthetic import write_archive

import pgsnap
from pgsnap import archive
from pgsnap.cli import main
from pgsnap.errors import CorruptFrameError, FileNotFoundError_, UsageError, VerifyError
from pgsnap.tools.verify import RowChecksum, checksum_rows


def _expected(rows: list[bytes]) -> int:
    """The checksum as the docstring defines it, computed the slow, obvious way."""
    total = sum(int.from_bytes(hashlib.blake2b(r, digest_size=8).digest(), "little") for r in rows)
    return total % 2**64


def test_row_checksum_definition_order_and_duplicates() -> None:
    rows = [b"1\ta", b"2\tb", b"3\t\\N", b""]
    one = checksum_rows([b"\n".join(rows) + b"\n"])
    assert one.rows == 4 and one.sum == _expected(rows)
    shuffled = checksum_rows([b"3\t\\N\n\n", b"2\tb\n1\ta\n"])  # other order, other blocks
    assert shuffled == one and str(one) == f"{one.sum:016x}"
    doubled = RowChecksum()
    doubled.add(b"1\ta\n")
    doubled.add(b"1\ta\n")  # a duplicate row counts twice: xor would cancel it
    assert doubled.value().sum == _expected([b"1\ta", b"1\ta"]) != 0


def _several_frames(path: Path) -> Path:
    rows = b"".join(b"%d\tsome text %d\n" % (i, i) for i in range(60_000))
    path = write_archive(path, rows=rows)
    with archive.ArchiveReader.open(path) as reader:
        assert reader.frames[1].kind == "data"
    return path


def test_file_only_checks_every_frame_and_names_the_bad_one(tmp_path: Path) -> None:
    path = _several_frames(tmp_path / "a.sql.zst")
    result = pgsnap.verify(path)
    assert result.rows == 60_000 and result.frames == 4 and result.source is None
    assert result.tables[0].archive.rows == 60_000
    res = cli("verify", str(path))
    assert res.exit_code == 0 and res.stdout.startswith(f"OK {path}: 4 frames, 60,000 rows")
    with archive.ArchiveReader.open(path) as reader:
        data_frame = reader.frames[1]
    data = bytearray(path.read_bytes())
    data[data_frame.offset + data_frame.length // 2] ^= 0x55
    path.write_bytes(bytes(data))
    with pytest.raises(CorruptFrameError) as caught:
        pgsnap.verify(path)
    assert caught.value.index == 1 and caught.value.offset == data_frame.offset
    res = cli("verify", str(path))
    assert res.exit_code == 5 and res.stdout == ""
    assert f"frame 1 at byte {data_frame.offset} of" in res.stderr


def test_truncated_and_json(tmp_path: Path) -> None:
    path = write_archive(tmp_path / "a.sql.gz")
    parsed = json.loads(cli("verify", str(path), "--json").stdout)
    assert parsed["ok"] is True and parsed["rows"] == 2
    assert parsed["tables"][0]["archive"]["rows"] == 2
    (tmp_path / "cut.sql.gz").write_bytes(path.read_bytes()[:-10])
    res = cli("verify", str(tmp_path / "cut.sql.gz"), "-q")
    assert res.exit_code == 5 and "truncated" in res.stderr
    res = cli("verify", str(path), "--as", "other")
    assert res.exit_code == 2 and "--dsn or --live" in res.stderr


@pytest.fixture
def papers(db: TestDB, tmp_path: Path) -> Path:
    db.execute(DECOYS)
    out = tmp_path / "papers.sql.zst"
    pgsnap.dump("papers", dsn=db.dsn, output=out)
    return out


def test_live_table_same_then_changed(db: TestDB, papers: Path) -> None:
    result = pgsnap.verify(papers, dsn=db.dsn)
    [check] = result.tables
    assert check.live == check.archive and check.live_table == "public.papers"
    assert result.source is not None and db.name in result.source
    res = cli("verify", str(papers), "--dsn", db.dsn)
    assert res.exit_code == 0 and "live table public.papers: the same" in res.stdout
    db.execute("UPDATE papers SET title = 'changed' WHERE id = 200")
    res = cli("verify", str(papers), "--dsn", db.dsn)
    assert res.exit_code == 9
    assert 'table "public.papers" differs from the archive: same 500 rows, but' in res.stderr
    db.execute("DELETE FROM papers WHERE id = (SELECT max(id) FROM papers)")  # nothing refers to it
    with pytest.raises(VerifyError, match="it has 499 rows, the archive 500"):
        pgsnap.verify(papers, dsn=db.dsn)


def test_live_table_under_another_name_or_missing(db: TestDB, papers: Path) -> None:
    pgsnap.load(str(papers), dsn=db.dsn, as_name="papers_test")
    [check] = pgsnap.verify(papers, dsn=db.dsn, as_name="papers_test").tables
    assert check.live == check.archive and check.live_table == "public.papers_test"
    res = cli("verify", str(papers), "--dsn", db.dsn, "--as", "nowhere")
    assert res.exit_code == 4 and 'table "public.nowhere" does not exist' in res.stderr
    db.execute("ALTER TABLE papers_test DROP COLUMN alt_no")
    with pytest.raises(VerifyError, match='has no column "alt_no"'):
        pgsnap.verify(papers, dsn=db.dsn, as_name="papers_test")


def test_live_compare_uses_the_dump_filter(db: TestDB, tmp_path: Path) -> None:
    db.execute(DECOYS)
    out = tmp_path / "some.sql.zst"
    pgsnap.dump("papers", dsn=db.dsn, output=out, where="papers_count = 3")
    [check] = pgsnap.verify(out, dsn=db.dsn).tables
    assert check.archive.rows == 72 and check.live == check.archive
    empty = tmp_path / "ddl.sql.zst"
    pgsnap.dump("papers", dsn=db.dsn, output=empty, schema_only=True)
    with pytest.raises(UsageError, match="holds no rows"):
        pgsnap.verify(empty, dsn=db.dsn)


def _leftovers(db: TestDB) -> list[tuple[object, ...]]:
    return db.execute(
        "SELECT datname FROM pg_database WHERE datname LIKE 'pgsnap\\_verify\\_%' UNION ALL "
        "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'pgsnap\\_verify\\_%'"
    )


def test_restore_test_in_a_temporary_database(db: TestDB, tmp_path: Path) -> None:
    db.execute(EDGE_TABLE)
    out = tmp_path / "edge.sql.gz"
    pgsnap.dump("edge", dsn=db.dsn, output=out)
    result = pgsnap.verify(out, dsn=db.dsn, restore_test=True)
    assert result.restore_test is not None and result.restore_test.startswith("database ")
    [check] = result.tables
    assert check.restored == check.archive and check.restored_indexes == ("edge_pkey",)
    assert check.live is None  # --dsn with --restore-test only says where
    assert _leftovers(db) == []


def test_restore_test_in_a_schema_when_the_table_needs_others(db: TestDB, papers: Path) -> None:
    res = cli("verify", str(papers), "--dsn", db.dsn, "--restore-test", "--live")
    assert res.exit_code == 0, res.output
    assert "test restore: the same, 3 indexes" in res.stdout
    assert "live table public.papers: the same" in res.stdout
    assert "restore test ran in the temporary schema pgsnap_verify_" in res.stdout
    assert _leftovers(db) == []


def test_a_failed_restore_test_fails_and_cleans_up(db: TestDB, papers: Path) -> None:
    db.execute("ALTER TABLE papers DROP CONSTRAINT papers_venue_id_fkey; DROP TABLE venues")
    res = cli("verify", str(papers), "--dsn", db.dsn, "--restore-test")
    # the missing foreign key target is found before the test restore loads anything
    assert res.exit_code == 4 and "references public.venues, which does not exist" in res.stderr
    assert _leftovers(db) == []


def test_restore_test_of_tables_that_refer_to_each_other(db: TestDB, tmp_path: Path) -> None:
    """Together they need nothing else: a fresh database, with their schema, in one load."""
    db.execute(AUTHORS_PAPERS)
    out = tmp_path / "app.sql.zst"
    pgsnap.dump(["app.authors", "app.papers"], dsn=db.dsn, output=out)
    result = pgsnap.verify(out, dsn=db.dsn, restore_test=True)
    assert result.restore_test is not None and result.restore_test.startswith("database ")
    assert [(c.table, c.restored == c.archive, c.archive.rows) for c in result.tables] == [
        ("app.authors", True, 2),
        ("app.papers", True, 2),
    ]
    # one of them alone needs the other: a schema next to it
    one = pgsnap.verify(out, dsn=db.dsn, restore_test=True, table="app.papers")
    assert one.restore_test is not None and one.restore_test.startswith("schema ")
    assert one.tables[0].restored == one.tables[0].archive
    assert _leftovers(db) == []
    with pytest.raises(
        UsageError,
        match=r"as_name=\.\.\. names one live table: pick the archive's table with table=",
    ):
        pgsnap.verify(out, dsn=db.dsn, as_name="x")
    res = cli("verify", str(out), "--dsn", "host=/nonexistent port=1 dbname=x connect_timeout=1")
    assert res.exit_code == 3 and "cannot connect" in res.stderr


def test_restore_test_without_createdb_uses_a_schema(db: TestDB, tmp_path: Path) -> None:
    db.execute(EDGE_TABLE)
    out = tmp_path / "edge.sql.zst"
    pgsnap.dump("edge", dsn=db.dsn, output=out)
    role, password = f"r_{secrets.token_hex(4)}", secrets.token_urlsafe(16)
    db.execute(
        sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
            sql.Identifier(role), sql.Literal(password)
        )
    )
    try:
        dsn = db.server.dsn(db.name, user=role, password=password)
        res = cli("verify", str(out), "--dsn", dsn, "--restore-test")
        assert res.exit_code == 7 and f'role "{role}" may create neither' in res.stderr
        db.execute(
            sql.SQL("GRANT CREATE ON DATABASE {} TO {}").format(
                sql.Identifier(db.name), sql.Identifier(role)
            )
        )
        result = pgsnap.verify(out, dsn=dsn, restore_test=True)
        assert result.restore_test is not None and result.restore_test.startswith("schema ")
        assert result.tables[0].restored == result.tables[0].archive
        assert _leftovers(db) == []
    finally:
        db.execute(
            sql.SQL("REVOKE ALL ON DATABASE {} FROM {}").format(
                sql.Identifier(db.name), sql.Identifier(role)
            )
        )
        db.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def test_live_checksum_matches_an_independent_computation(db: TestDB, tmp_path: Path) -> None:
    db.execute(EDGE_TABLE)
    out = tmp_path / "edge.sql.zst"
    pgsnap.dump("edge", dsn=db.dsn, output=out)
    with psycopg.connect(db.dsn) as conn, conn.cursor() as cur:
        conn.execute("SET extra_float_digits = 3")
        with cur.copy("COPY edge TO STDOUT") as copy:
            rows = [bytes(r).rstrip(b"\n") for r in copy]
    [check] = pgsnap.verify(out, dsn=db.dsn).tables
    assert check.archive.sum == _expected(rows) and check.archive.rows == 5


def test_python_twin_takes_keyword_options() -> None:
    params = list(inspect.signature(pgsnap.verify).parameters.values())
    assert params[0].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params[1:])
    for option in main.commands["verify"].params:
        if isinstance(option, click.Option) and option.name not in ("quiet", "as_json"):
            assert option.name in inspect.signature(pgsnap.verify).parameters, option.name


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError_, match="does not exist"):
        pgsnap.verify(tmp_path / "x.sql.zst")
    assert cli("verify", str(tmp_path / "x.sql.zst")).exit_code == 4
