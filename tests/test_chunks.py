"""The ctid chunk planner is pure: ranges cover every page once, the last is open-ended, and
chunks are sized by heap plus TOAST bytes."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from pgsnap.backup.chunks import (
    CHUNKS_PER_JOB,
    MIN_CHUNK_PAGES,
    Chunk,
    ChunkPlan,
    plan_chunks,
    read_plan,
)
from pgsnap.model import Column, Owned, Partition, TableSpec, TableStats

BLOCK = 8192


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
    last = chunks[-1].first
    assert last is not None and last < pages


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


def _tiles(plan: ChunkPlan, pages: int) -> None:
    """The ranges start at page 0, meet end to end, and the last one is open-ended."""
    chunks = plan.chunks
    assert chunks[0].first == 0 and chunks[-1].last is None
    for a, b in itertools.pairwise(chunks):
        assert a.first is not None and a.last is not None
        assert a.last == b.first and a.last > a.first
    assert chunks[-1].first is not None and chunks[-1].first < pages


def test_heap_only_table_splits_by_its_pages() -> None:
    pages = 100 * MIN_CHUNK_PAGES
    plan = plan_chunks(pages, 2, 180000, toast_bytes=3 * BLOCK)  # the maps: a few pages
    assert plan == plan_chunks(pages, 2, 180000)
    _tiles(plan, pages)
    assert len(plan.chunks) == 2 * CHUNKS_PER_JOB


def test_toast_heavy_table_splits_into_chunks_of_few_pages() -> None:
    # 300 heap pages of toast pointers, 2 GiB of TOAST: one chunk by heap pages alone
    pages, toast = 300, 2 << 30
    assert plan_chunks(pages, 2, 180000).chunks == (Chunk(),)
    plan = plan_chunks(pages, 2, 180000, toast_bytes=toast)
    _tiles(plan, pages)
    assert len(plan.chunks) == 2 * CHUNKS_PER_JOB
    step = plan.chunks[0].last
    assert step is not None and step < MIN_CHUNK_PAGES
    assert step * (pages * BLOCK + toast) // pages >= MIN_CHUNK_PAGES * BLOCK  # ~16 MiB each
    assert "TOAST" in plan.reason


def test_toast_heavy_table_goes_down_to_one_page_per_chunk() -> None:
    plan = plan_chunks(5, 4, 180000, toast_bytes=1 << 30)
    assert [(c.first, c.last) for c in plan.chunks] == [(0, 1), (1, 2), (2, 3), (3, 4), (4, None)]


def test_toast_needs_enough_bytes_to_split() -> None:
    small = (MIN_CHUNK_PAGES * BLOCK) // 2  # half a chunk of TOAST over a 10-page heap
    assert plan_chunks(10, 2, 180000, toast_bytes=small).chunks == (Chunk(),)
    assert len(plan_chunks(10, 2, 180000, toast_bytes=4 * small).chunks) == 2


def test_empty_and_tiny_tables_are_one_chunk_whatever_their_toast() -> None:
    assert plan_chunks(0, 4, 180000, toast_bytes=1 << 30).chunks == (Chunk(),)
    assert plan_chunks(1, 4, 180000, toast_bytes=1 << 30).chunks == (Chunk(),)
    assert plan_chunks(1, 4, 180000, toast_bytes=0, min_chunk_pages=1).chunks == (Chunk(),)


def test_huge_tables_get_a_bounded_number_of_even_chunks() -> None:
    pages = 2**31 // BLOCK * 1024  # 2 TiB of heap
    plan = plan_chunks(pages, 4, 180000, toast_bytes=8 << 40)
    _tiles(plan, pages)
    assert len(plan.chunks) == 4 * CHUNKS_PER_JOB
    sizes = {c.last - c.first for c in plan.chunks[:-1] if c.first is not None and c.last}
    assert len(sizes) == 1 and sizes.pop() * len(plan.chunks) >= pages


def test_toast_does_not_split_for_one_job_or_an_old_server() -> None:
    assert plan_chunks(300, 1, 180000, toast_bytes=1 << 30).chunks == (Chunk(),)
    assert plan_chunks(300, 4, 130011, toast_bytes=1 << 30).chunks == (Chunk(),)


def test_read_plan_weighs_a_table_and_its_partitions_by_heap_and_toast() -> None:
    heap, toast = 40 * BLOCK, 1 << 30
    stats = TableStats(table_bytes=heap, total_bytes=heap + toast + BLOCK, index_bytes=BLOCK)
    spec = TableSpec("public", "docs", (Column("body", "text"),), stats=stats)
    plan = read_plan(spec, jobs=2, block_size=BLOCK, server_version=180000, chunk_pages=2048)
    assert len(plan.sources) == 2 * CHUNKS_PER_JOB and plan.total_bytes == heap + toast
    parts = (Partition("a", True, heap, toast_bytes=toast), Partition("b", True, heap))
    parted = replace(spec, kind="p", owned=Owned(partitions=parts))
    plan = read_plan(parted, jobs=2, block_size=BLOCK, server_version=180000, chunk_pages=2048)
    assert [r for r, _ in plan.sources] == ["a"] * 2 * CHUNKS_PER_JOB + ["b"]
    assert plan.total_bytes == 2 * heap + toast
