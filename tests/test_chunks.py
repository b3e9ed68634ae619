"""The ctid chunk planner is pure: ranges cover every page once, the last is open-ended."""

from __future__ import annotations

import itertools

import pytest

from pgsnap.backup.chunks import CHUNKS_PER_JOB, Chunk, plan_chunks


@pytest.mark.parametrize("pages", [16, 17, 1000, 4097, 123_457])
@pytest.mark.parametrize("jobs", [2, 3, 4])
def test_ranges_tile_the_table(pages: int, jobs: int) -> None:
    plan = plan_chunks(pages, jobs, 180000, min_chunk_pages=8)
    chunks = plan.chunks
    assert chunks[0].first == 0 and chunks[-1].last is None
    for a, b in itertools.pairwise(chunks):
        assert a.last == b.first and a.last is not None and a.first is not None
        assert a.last > a.first
    assert 2 <= len(chunks) <= jobs * CHUNKS_PER_JOB
    assert chunks[-1].first is not None and chunks[-1].first < pages


def test_small_tables_and_one_job_are_one_chunk() -> None:
    assert plan_chunks(10, 4, 180000, min_chunk_pages=8).chunks == (Chunk(),)
    assert plan_chunks(10**6, 1, 180000).chunks == (Chunk(),)
    assert plan_chunks(0, 4, 180000).chunks == (Chunk(),)


def test_servers_without_tid_range_scans_get_one_chunk() -> None:
    plan = plan_chunks(10**6, 4, 130011)
    assert plan.chunks == (Chunk(),) and "14" in plan.reason


def test_predicates() -> None:
    assert Chunk().predicate() == ""
    assert Chunk(0, 8).predicate() == "ctid < '(8,0)'::pg_catalog.tid"
    assert (
        Chunk(8, 16).predicate()
        == "ctid >= '(8,0)'::pg_catalog.tid AND ctid < '(16,0)'::pg_catalog.tid"
    )
    assert Chunk(16, None).predicate() == "ctid >= '(16,0)'::pg_catalog.tid"
