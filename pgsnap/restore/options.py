"""How a load treats its target: pgsnap.load()'s keywords, checked once and typed."""

from __future__ import annotations

from dataclasses import dataclass

from pgsnap.errors import UsageError
from pgsnap.model import TableName
from pgsnap.naming import check_database_name
from pgsnap.workers import WORKER_KINDS


@dataclass(frozen=True, slots=True)
class LoadOptions:
    """Built once by keyword from pgsnap.load()'s arguments and passed to every stage.

    Raises UsageError (in __post_init__) for options that contradict each other.
    """

    table: TableName | None = None  # which table of a multi-table archive
    as_name: TableName | None = None  # --as NEW: the one table loaded, renamed
    as_names: tuple[tuple[TableName, TableName], ...] = ()  # --as SRC=DEST, in the order given
    drop_existing: bool = False
    cascade: bool = False
    append: bool = False
    replace: bool = False
    shorten_names: bool = False
    jobs: int = 1
    worker_kind: str = "process"
    schema_only: bool = False
    data_only: bool = False
    no_privileges: bool = False
    dry_run: bool = False  # check and plan; change nothing
    create: str | None = None  # --create NAME: make this database on the server, load into it
    analyze: bool = False  # ANALYZE even where the archive's planner statistics could be restored

    def __post_init__(self) -> None:
        modes = [("--append", self.append), ("--drop-existing", self.drop_existing)]
        chosen = [name for name, on in [*modes, ("--replace", self.replace)] if on]
        if len(chosen) > 1:
            raise UsageError(f"{' and '.join(chosen)} cannot be combined; choose one")
        if self.cascade and not (self.drop_existing or self.replace):
            raise UsageError("--cascade goes with --drop-existing or --replace")
        if self.schema_only and (self.data_only or self.append):
            raise UsageError("--schema-only cannot be combined with --data-only or --append")
        if isinstance(self.jobs, bool) or self.jobs < 1:
            raise UsageError(f"--jobs must be at least 1, not {self.jobs}")
        if self.as_name is not None and self.as_names:
            raise UsageError("--as NEW and --as SRC=DEST cannot be combined")
        if self.create is not None:
            self._check_create(self.create)
        if self.worker_kind not in WORKER_KINDS:
            raise UsageError(f"unknown worker kind {self.worker_kind!r}; choose process or thread")

    def _check_create(self, name: str) -> None:
        check_database_name(name)
        for flag, on in (
            ("--append", self.append),
            ("--replace", self.replace),
            ("--drop-existing", self.drop_existing),
        ):
            if on:
                raise UsageError(
                    f"--create makes a new, empty database: there is nothing for {flag} to "
                    "act on; leave it out"
                )
        if self.data_only:
            raise UsageError(
                "--create makes a new, empty database: --data-only has no table to add rows to"
            )
