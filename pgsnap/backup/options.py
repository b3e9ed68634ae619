"""What a dump takes and how: pgsnap.dump()'s keywords, checked once and typed."""

from __future__ import annotations

from dataclasses import dataclass

from pgsnap.archive.codec import CODECS, level_of
from pgsnap.archive.inventory import DEFAULT_WARN_AFTER
from pgsnap.archive.manifest import CONTENTS
from pgsnap.backup.chunks import MIN_CHUNK_PAGES
from pgsnap.errors import UsageError
from pgsnap.workers import WORKER_KINDS


@dataclass(frozen=True, slots=True)
class Selection:
    """Which tables a dump takes: named ones, whole schemas or all, minus patterns."""

    names: tuple[str, ...] = ()
    schemas: tuple[str, ...] = ()
    all_tables: bool = False
    exclude: tuple[str, ...] = ()

    @property
    def scope(self) -> str:
        """database (--all: every object), schema (--schema alone: every object of those
        schemas), or tables (named ones: they and what they need)."""
        if self.names:
            return "tables"
        if self.all_tables:
            return "database"
        return "schema" if self.schemas else "tables"


@dataclass(frozen=True, slots=True)
class DumpOptions:
    """Built once by keyword from pgsnap.dump()'s arguments and passed to every stage.

    Raises UsageError (in __post_init__) for options that contradict each other, before
    anything connects.
    """

    selection: Selection
    codec: str = "zstd"  # from --compress or the output file's name
    output: str | None = None  # a path, or "-" for stdout
    output_dir: str | None = None
    level: int | None = None
    force: bool = False
    jobs: int = 1
    snapshot: str | None = None  # join this exported snapshot
    where: str | None = None  # checked with pglast (ddl.statements.check_where)
    contents: str = "all"  # CONTENTS
    with_privileges: bool = False
    chunk_pages: int = MIN_CHUNK_PAGES
    warn_after: int | None = DEFAULT_WARN_AFTER
    worker_kind: str = "process"
    statistics: bool = True  # the planner statistics of the tables (--no-statistics: none)

    def __post_init__(self) -> None:
        s = self.selection
        if not (s.names or s.schemas or s.all_tables):
            raise UsageError("name a table to dump, or use --schema or --all")
        if self.codec not in CODECS:
            raise UsageError(f"unknown compression {self.codec!r}; choose zstd or gzip")
        level_of(self.codec, self.level)
        if self.output is not None and self.output_dir is not None:
            raise UsageError("give either --output or --output-dir, not both")
        if isinstance(self.jobs, bool) or self.jobs < 1:
            raise UsageError(f"--jobs must be at least 1, not {self.jobs}")
        if self.contents not in CONTENTS:
            raise UsageError(f"unknown contents {self.contents!r}")
        if self.with_privileges and self.contents == "data":
            raise UsageError("--with-privileges goes with the DDL; --data-only leaves it out")
        single = len(s.names) == 1 and not (s.schemas or s.all_tables)
        if self.where is not None and (not single or self.contents == "schema"):
            raise UsageError("--where filters the rows of one table; name exactly one")
        if self.chunk_pages < 1:
            raise UsageError(f"chunk pages must be at least 1, not {self.chunk_pages}")
        if self.worker_kind not in WORKER_KINDS:
            raise UsageError(f"unknown worker kind {self.worker_kind!r}; choose process or thread")
