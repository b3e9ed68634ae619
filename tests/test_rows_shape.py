"""The rows check of a data frame (archive.frames.rows_problem): its fast path, from the
rows' tabs, newlines, backslashes and dots, says what reading the rows one by one says."""

from __future__ import annotations

import random

from pgsnap.archive.frames import rows_problem

FIELDS = [b"", b"x", b"a b", b"1.5", b".", b"\\\\", b"\\.", b"\\\\.", b"\\N", b"\xc3\xa9"]


def _one_by_one(raw: bytes, ncolumns: int) -> str | None:
    """What is wrong with the rows, by definition: the first row that starts with the
    end-of-copy marker (even a last one with no newline yet), else the first whole row whose
    field count is not the table's."""
    for i, line in enumerate(raw.split(b"\n")):
        if line.startswith(b"\\."):
            return f"row {i + 1} starts with the end-of-copy marker \\."
    for i, line in enumerate(raw.split(b"\n")[:-1]):
        fields = line.count(b"\t") + 1
        if fields != ncolumns:
            noun = "field" if fields == 1 else "fields"
            return f"row {i + 1} has {fields} {noun}, the table has {ncolumns} columns"
    return None


def _random_rows(rng: random.Random, ncolumns: int) -> bytes:
    rows = []
    for _ in range(rng.randrange(0, 30)):
        tabs = ncolumns - 1 if rng.random() < 0.93 else rng.randrange(0, ncolumns + 2)
        fields = [rng.choice(FIELDS) for _ in range(tabs + 1)]
        if rng.random() < 0.02:
            fields[0] = b"\\." + fields[0]  # a row that starts with the marker
        rows.append(b"\t".join(fields) + b"\n")
    tail = rng.choice([b"", b"", b"partial\t", b"\\."])  # what follows the last newline
    return b"".join(rows) + tail


def test_the_fast_path_says_what_reading_row_by_row_says() -> None:
    rng = random.Random(13)
    clean = 0
    wrong = 0
    for _ in range(4000):
        ncolumns = rng.randrange(2, 7)
        raw = _random_rows(rng, ncolumns)
        expected = _one_by_one(raw, ncolumns)
        assert rows_problem(raw, ncolumns) == expected, (raw, ncolumns)
        clean += expected is None
        wrong += expected is not None
    assert clean > 500 and wrong > 500  # both kinds of frame were tried


def test_rows_whose_tabs_add_up_but_not_row_by_row_are_refused() -> None:
    """One row a field short and the next a field over: the frame's total is right."""
    raw = b"1\ta\tb\n2\tc\n3\td\te\tf\n4\tg\th\n"
    assert raw.count(b"\t") == 2 * raw.count(b"\n")
    assert rows_problem(raw, 3) == "row 2 has 2 fields, the table has 3 columns"


def test_a_row_that_starts_with_the_marker_is_refused_when_its_value_has_dots() -> None:
    """Dots and backslashes stay in the shape, so a marker row is never hidden by them, and
    a value that only contains them (not at a row's start) is no marker."""
    assert rows_problem(b"a.b\t\\\\.\n\\.x\ty\n", 2) == (
        "row 2 starts with the end-of-copy marker \\."
    )
    assert rows_problem(b"a\\\\.\t.\n.\\.\t\\.\n", 2) is None
