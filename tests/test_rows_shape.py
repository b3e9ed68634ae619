"""The rows check of a data frame (archive.frames.rows_problem): its fast path says what the
line-by-line count says, for every shape of rows."""

from __future__ import annotations

import random

from pgsnap.archive.frames import rows_problem


def _line_by_line(raw: bytes, ncolumns: int) -> int | None:
    """The first row (1-based) whose tab count is not ncolumns - 1, or None."""
    for i, line in enumerate(raw.split(b"\n")[:-1]):
        if line.count(b"\t") != ncolumns - 1:
            return i + 1
    return None


def _random_rows(rng: random.Random, ncolumns: int) -> bytes:
    rows = []
    for _ in range(rng.randrange(0, 40)):
        tabs = ncolumns - 1 if rng.random() < 0.9 else rng.randrange(0, ncolumns + 2)
        fields = [
            rng.choice([b"", b"x", b"a b", b"\\t", b"\\\\", b"\xc3\xa9"]) for _ in range(tabs + 1)
        ]
        rows.append(b"\t".join(fields) + b"\n")
    tail = rng.choice([b"", b"", b"partial\t", b"\t"])  # what follows the last newline
    return b"".join(rows) + tail


def test_the_fast_path_agrees_with_counting_line_by_line() -> None:
    rng = random.Random(13)
    seen = {True: 0, False: 0}
    for _ in range(3000):
        ncolumns = rng.randrange(1, 6)
        raw = _random_rows(rng, ncolumns)
        wrong = _line_by_line(raw, ncolumns)
        problem = rows_problem(raw, ncolumns)
        seen[wrong is None] += 1
        if wrong is None:
            assert problem is None, (raw, ncolumns)
        else:
            assert problem is not None and problem.startswith(f"row {wrong} has "), (raw, problem)
    assert seen[True] > 100 and seen[False] > 100  # both kinds of frame were tried


def test_rows_whose_tabs_add_up_but_not_per_row_are_refused() -> None:
    """One row a field short and the next a field over: the frame's total is right."""
    raw = b"1\ta\tb\n2\tc\n3\td\te\tf\n4\tg\th\n"
    assert raw.count(b"\t") == 2 * raw.count(b"\n")
    assert rows_problem(raw, 3) == "row 2 has 2 fields, the table has 3 columns"
