"""What a load checks of the rows it sends, whichever path it takes (one transaction with
-j 1, workers and a staging table with -j 2): each frame's rows against the manifest, each
row against the table's columns, and the server's own count against the manifest's."""

from __future__ import annotations

from pathlib import Path

import pytest
from fuzzkit import Part, read_draft, write_draft
from helpers import cli
from pgservers import TestDB

import pgsnap
from pgsnap.errors import EXIT_BAD_ARCHIVE
from pgsnap.progress import Event

ACCOUNTS = """
CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL, pad text NOT NULL);
INSERT INTO accounts SELECT g, 1000, repeat(md5(g::text), 6) FROM generate_series(1, 20000) g;
"""
ROWS = 20000
CHUNK_PAGES = 16  # many chunks, so the rows take several frames


def _dump(db: TestDB, path: Path) -> Path:
    db.execute(ACCOUNTS)
    pgsnap.dump("accounts", dsn=db.dsn, output=path, jobs=2, chunk_pages=CHUNK_PAGES)
    return path


def _nothing_left(target: TestDB) -> None:
    left = target.execute(
        "SELECT relname FROM pg_class WHERE relname = 'accounts' OR relname LIKE 'pgsnap_stage%'"
    )
    assert left == []


def _lying(good: Path, path: Path, *, wrong_rows: bool = False, extra_field: bool = False) -> Path:
    """`good` with its second data frame's row count in the manifest one too many (the
    table's total recounted, so the manifest agrees with itself), or with one row of that
    frame given a field more (its checksum and count recomputed)."""
    draft = read_draft(good)
    index = draft.data_parts()[1]
    if wrong_rows:
        draft.edits.append(lambda entries: entries[index].update(rows=entries[index]["rows"] + 1))
        draft.recount = True
    if extra_field:
        part = draft.parts[index]
        draft.parts[index] = Part("data", part.table, part.raw.replace(b"\n", b"\tmore\n", 1))
    return write_draft(draft, path)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_frame_whose_manifest_row_count_is_wrong_fails_the_load(
    db: TestDB, tmp_path: Path, jobs: int
) -> None:
    good = _dump(db, tmp_path / "good.sql.zst")
    assert len(read_draft(good).data_parts()) > 2
    bad = _lying(good, tmp_path / "bad.sql.zst", wrong_rows=True)
    target = db.make_db()
    res = cli("load", str(bad), "--dsn", target.dsn, "-q", "-j", str(jobs))
    assert res.exit_code == EXIT_BAD_ARCHIVE, res.output
    assert "rows, the manifest says" in res.stderr and "frame " in res.stderr
    _nothing_left(target)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_row_with_a_field_too_many_fails_the_load_naming_it(
    db: TestDB, tmp_path: Path, jobs: int
) -> None:
    good = _dump(db, tmp_path / "good.sql.zst")
    bad = _lying(good, tmp_path / "bad.sql.zst", extra_field=True)
    target = db.make_db()
    res = cli("load", str(bad), "--dsn", target.dsn, "-q", "-j", str(jobs))
    assert res.exit_code == EXIT_BAD_ARCHIVE, res.output
    assert "row 1 has 4 fields, the table has 3 columns" in res.stderr
    _nothing_left(target)


def test_a_parallel_load_reports_the_rows_of_every_frame(db: TestDB, tmp_path: Path) -> None:
    """The workers report each frame's rows (the manifest's, checked when the frame was
    read): the progress adds up to the rows the server loaded."""
    good = _dump(db, tmp_path / "good.sql.zst")
    events: list[Event] = []
    target = db.make_db()
    result = pgsnap.load(str(good), dsn=target.dsn, jobs=2, progress=events.append)
    rows = [e.rows for e in events if e.kind == "rows"]
    assert result.rows == ROWS and rows and max(rows) == ROWS == rows[-1]
    assert target.execute("SELECT count(*) FROM accounts") == [(ROWS,)]
