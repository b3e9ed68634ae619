"""Pure: split a table into ctid page ranges that parallel workers dump (design §3).

The plan depends only on the relation's size (its heap pages, and its bytes of heap plus
TOAST), the server version and the job count.  Ranges are of heap pages, but they are sized
by bytes: a TOAST-heavy table (a small heap whose rows point to big out-of-line values) gets
few heap pages per chunk, down to one, so that it still splits for the workers (issue 13).
The last range is open-ended, so pages added after planning are still read.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from pgsnap.model import TableSpec

TID_RANGE_SCAN_VERSION = (
    140000  # PostgreSQL 14 added TID range scans; before, each range is a full scan
)
CHUNKS_PER_JOB = 4  # more chunks than workers, so a slow chunk does not leave a core idle
MIN_CHUNK_PAGES = 2048  # 16 MiB of heap at 8 kB pages: smaller chunks cost more than they balance
DEFAULT_BLOCK_SIZE = 8192  # PostgreSQL's default block_size


@dataclass(frozen=True, slots=True)
class Chunk:
    """Pages [first, last) of the heap; last None means "to the end"; first None means all."""

    first: int | None = None
    last: int | None = None

    @property
    def whole_table(self) -> bool:
        return self.first is None and self.last is None

    def predicate(self) -> str:
        """The WHERE clause that selects this chunk (empty for the whole table)."""
        if self.first is None and self.last is None:
            return ""
        parts = []
        if self.first:
            parts.append(f"ctid >= '({self.first},0)'::pg_catalog.tid")
        if self.last is not None:
            parts.append(f"ctid < '({self.last},0)'::pg_catalog.tid")
        return " AND ".join(parts) if parts else ""


@dataclass(frozen=True, slots=True)
class ChunkPlan:
    chunks: tuple[Chunk, ...]
    reason: str  # why this many chunks, for verbose output


def plan_chunks(
    pages: int,
    jobs: int,
    server_version: int,
    *,
    min_chunk_pages: int = MIN_CHUNK_PAGES,
    toast_bytes: int = 0,
    block_size: int = DEFAULT_BLOCK_SIZE,
) -> ChunkPlan:
    """Split `pages` heap pages into ranges for `jobs` workers.

    A chunk holds at least `min_chunk_pages` pages' worth of bytes, counting the table's
    `toast_bytes` (its TOAST table's main fork) as spread evenly over the heap pages: a
    chunk of k pages weighs k * (heap + TOAST) / pages.  So a heap-only table splits as
    before, and a TOAST-heavy one into chunks of few pages.
    """
    if jobs <= 1:
        return ChunkPlan((Chunk(),), "one worker")
    if server_version < TID_RANGE_SCAN_VERSION:
        return ChunkPlan((Chunk(),), "server older than 14 has no TID range scan: one chunk")
    weight_pages = pages + max(toast_bytes, 0) // block_size  # the table's size, in pages
    count = min(jobs * CHUNKS_PER_JOB, weight_pages // max(min_chunk_pages, 1), pages)
    if count <= 1:
        return ChunkPlan((Chunk(),), f"{_size(pages, toast_bytes)}: too small to split")
    step = -(-pages // count)  # ceiling division
    bounds = list(range(0, pages, step))
    chunks = [Chunk(a, b) for a, b in itertools.pairwise(bounds)]
    chunks.append(Chunk(bounds[-1], None))
    chunks[0] = Chunk(0, chunks[0].last)
    shown = f"{_size(pages, toast_bytes)} in {len(chunks)} chunks of {step} pages"
    return ChunkPlan(tuple(chunks), shown)


def _size(pages: int, toast_bytes: int) -> str:
    mib = toast_bytes / (1 << 20)
    return f"{pages} pages" + (f" (+{mib:.0f} MiB TOAST)" if mib >= 1 else "")


@dataclass(frozen=True, slots=True)
class ReadPlan:
    """What a table's rows are read from: (relation, chunk) pairs.  The relation is the
    table itself (None), or, for a partitioned table, each leaf partition in turn."""

    sources: tuple[tuple[str | None, Chunk], ...]
    reason: str
    total_bytes: int  # heap and TOAST: what the rows weigh on disk


def read_plan(
    spec: TableSpec, *, jobs: int, block_size: int, server_version: int, chunk_pages: int
) -> ReadPlan:
    """Where the table's rows are read from, in chunks for `jobs` workers."""

    def plan(heap_bytes: int, toast_bytes: int) -> ChunkPlan:
        pages = -(-heap_bytes // block_size)
        return plan_chunks(
            pages,
            jobs,
            server_version,
            min_chunk_pages=chunk_pages,
            toast_bytes=toast_bytes,
            block_size=block_size,
        )

    if spec.kind != "p":
        heap, toast = spec.stats.table_bytes, toast_of(spec)
        p = plan(heap, toast)
        return ReadPlan(tuple((None, c) for c in p.chunks), p.reason, heap + toast)
    leaves = [x for x in spec.owned.partitions if x.leaf]
    sources = tuple(
        (leaf.name, c) for leaf in leaves for c in plan(leaf.table_bytes, leaf.toast_bytes).chunks
    )
    reason = f"{len(leaves)} partitions in {len(sources)} chunks"
    return ReadPlan(sources, reason, sum(x.table_bytes + x.toast_bytes for x in leaves))


def toast_of(spec: TableSpec) -> int:
    """A plain table's bytes beyond its heap and indexes: its TOAST table's main fork
    (catalog/queries/table.sql)."""
    s = spec.stats
    return max(s.total_bytes - s.index_bytes - s.table_bytes, 0)
