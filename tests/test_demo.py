"""`pgsnap demo`, the README's first command: a throwaway embedded PostgreSQL 18, the papers
table dumped (zstd and gzip), loaded back as papers_test and verified, then removed."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from helpers import cli

from pgsnap.demo import run
from pgsnap.errors import UsageError


def _leftovers() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob("pgsnap-demo-*"))


def test_demo_does_the_whole_job_and_leaves_nothing() -> None:
    before = _leftovers()
    res = cli("demo", "--rows", "1500")
    assert res.exit_code == 0, res.output
    assert "verified: 1,500 rows" in res.stderr
    assert "papers_test_pkey" in res.stderr  # the keys and indexes came back renamed
    assert _leftovers() == before


def test_demo_from_python_returns_its_figures() -> None:
    lines: list[str] = []
    figures = run(rows=700, echo=lines.append)
    assert figures["rows"] == 700
    assert figures["zstd_bytes"] > 0 and figures["gzip_bytes"] > 0
    assert sorted(figures["indexes"]) == [
        "papers_test_doi_key",
        "papers_test_pkey",
        "papers_test_published_idx",
    ]
    assert any(line.startswith("verified: 700 rows") for line in lines)


def test_demo_needs_rows() -> None:
    res = cli("demo", "--rows", "0")
    assert res.exit_code == 2 and "--rows" in res.stderr
    with pytest.raises(UsageError, match="at least one row"):
        run(rows=0, echo=lambda _line: None)
