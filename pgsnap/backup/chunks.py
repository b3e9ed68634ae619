"""Pure: split a table into ctid page ranges that parallel workers dump (design §3).

The plan depends only on the relation's size in pages, the server version and the job
count.  The last range is open-ended, so pages added after planning are still read.
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
    pages: int, jobs: int, server_version: int, *, min_chunk_pages: int = MIN_CHUNK_PAGES
) -> ChunkPlan:
    """Split `pages` heap pages into ranges for `jobs` workers, none under `min_chunk_pages`."""
    if jobs <= 1:
        return ChunkPlan((Chunk(),), "one worker")
    if server_version < TID_RANGE_SCAN_VERSION:
        return ChunkPlan((Chunk(),), "server older than 14 has no TID range scan: one chunk")
    count = min(jobs * CHUNKS_PER_JOB, pages // min_chunk_pages)
    if count <= 1:
        return ChunkPlan((Chunk(),), f"{pages} pages: too small to split")
    step = -(-pages // count)  # ceiling division
    bounds = list(range(0, pages, step))
    chunks = [Chunk(a, b) for a, b in itertools.pairwise(bounds)]
    chunks.append(Chunk(bounds[-1], None))
    chunks[0] = Chunk(0, chunks[0].last)
    return ChunkPlan(tuple(chunks), f"{pages} pages in {len(chunks)} chunks of {step} pages")


@dataclass(frozen=True, slots=True)
class ReadPlan:
    """What a table's rows are read from: (relation, chunk) pairs.  The relation is the
    table itself (None), or, for a partitioned table, each leaf partition in turn."""

    sources: tuple[tuple[str | None, Chunk], ...]
    reason: str
    total_bytes: int


def read_plan(
    spec: TableSpec, *, jobs: int, block_size: int, server_version: int, chunk_pages: int
) -> ReadPlan:
    """Where the table's rows are read from, in chunks for `jobs` workers."""

    def plan(table_bytes: int) -> ChunkPlan:
        pages = -(-table_bytes // block_size)
        return plan_chunks(pages, jobs, server_version, min_chunk_pages=chunk_pages)

    if spec.kind != "p":
        p = plan(spec.stats.table_bytes)
        return ReadPlan(tuple((None, c) for c in p.chunks), p.reason, spec.stats.table_bytes)
    leaves = [x for x in spec.owned.partitions if x.leaf]
    sources = tuple((leaf.name, c) for leaf in leaves for c in plan(leaf.table_bytes).chunks)
    reason = f"{len(leaves)} partitions in {len(sources)} chunks"
    return ReadPlan(sources, reason, sum(x.table_bytes for x in leaves))
