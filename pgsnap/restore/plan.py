"""Pure: what a load will do to each table, decided before anything is changed.

Which of the archive's tables are loaded and under what names (--table, --as), and for each
one, from whether it exists and the options: create it, append to it, drop and recreate it,
or build it under a staging name and swap it into place.  Both restore paths (one
transaction, and the staged parallel one) take these plans.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pgsnap.ddl.dependencies import archive_schemas
from pgsnap.ddl.privileges import without_privileges
from pgsnap.ddl.rename import rename_table
from pgsnap.ddl.staging import staging_spec
from pgsnap.ddl.targets import plan_targets, renamed_specs, single_target
from pgsnap.errors import TableNotFoundError, TargetExistsError, UsageError
from pgsnap.model import Dependency, QualifiedName, TableName, TableSpec
from pgsnap.restore.options import LoadOptions

MODES = ("created", "replaced", "recreated", "appended")


@dataclass(frozen=True, slots=True)
class TablePlan:
    """One table of the load."""

    index: int  # the table's position in the archive
    spec: TableSpec  # named as it will finally be
    load_spec: TableSpec  # named as loaded: a staging name when it is swapped into place
    mode: str  # MODES
    create: bool  # run the DDL (False when appending to an existing table)
    rows: bool  # load the rows (False for schema only)
    drop_first: bool  # drop the existing table first, in the restore's transaction
    drop_at_swap: bool  # drop the existing table when the staged one is swapped in
    parallel: bool = False  # loaded by parallel workers into its staging table

    @property
    def staged(self) -> bool:
        """Loaded under a staging name, then renamed into place."""
        return self.load_spec.qname != self.spec.qname


def pick_table(specs: Sequence[TableSpec], wanted: TableName | None) -> int:
    """Index of the table to restore: the only one, or the one named by `wanted`."""
    if wanted is None:
        if len(specs) != 1:
            names = ", ".join(s.qname.display() for s in specs)
            raise UsageError(
                f"the archive holds {len(specs)} tables ({names}); pick one with --table"
            )
        return 0
    for i, s in enumerate(specs):
        if wanted.matches(s.qname):
            return i
    names = ", ".join(s.qname.display() for s in specs)
    raise UsageError(f'the archive has no table "{wanted.text}"; it holds {names}')


def target_spec(spec: TableSpec, as_name: TableName | None, shorten_names: bool) -> TableSpec:
    """The spec renamed for `--as` (same schema unless one is given)."""
    if as_name is None:
        return spec
    target = as_name.qualified(spec.schema)
    if target == spec.qname:
        return spec
    return rename_table(spec, target, shorten_names=shorten_names)


def chosen(specs: Sequence[TableSpec], o: LoadOptions) -> list[int]:
    """The indexes of the archive's tables the load restores: the only one or --table's, or
    every table of a multi-table archive."""
    if o.table is not None or len(specs) == 1:
        return [pick_table(specs, o.table)]
    return list(range(len(specs)))


def selected(specs: Sequence[TableSpec], o: LoadOptions) -> list[tuple[int, TableSpec]]:
    """The tables the load restores, each as (archive index, spec under its final name).

    One table (the only one, or --table's) with --as NEW or --as SRC=DEST, or every table of
    a multi-table archive, renamed with --as SRC=DEST (foreign keys between them follow).
    Raises UsageError, NameTooLongError or RenameError before anything is touched.
    """
    if o.table is not None or len(specs) == 1:
        index = pick_table(specs, o.table)
        as_name = o.as_name
        if o.as_names:
            as_name = single_target(specs, index, o.as_names)
        return [(index, target_spec(_kept(specs[index], o), as_name, o.shorten_names))]
    if o.as_name is not None:
        raise UsageError(
            "--as NEW renames one table; pick one with --table, or rename tables of the"
            " archive with --as SRC=DEST (repeatable)"
        )
    if o.replace:
        raise UsageError(
            "--replace works on one table; pick it with --table, or use --drop-existing"
        )
    kept = [_kept(s, o) for s in specs]
    targets = plan_targets(kept, o.as_names)  # collisions refused before connecting
    return list(enumerate(renamed_specs(kept, targets, shorten_names=o.shorten_names)))


def _kept(spec: TableSpec, o: LoadOptions) -> TableSpec:
    """The spec without the owner and GRANT statements with --no-privileges."""
    return without_privileges(spec) if o.no_privileges else spec


def plan_table(
    index: int,
    final: TableSpec,
    *,
    exists: bool,
    options: LoadOptions,
    contents: str,
    parallel: bool,
    staging_token: str,
) -> TablePlan:
    """What the load does to one table.  The table is built under a staging name (made from
    `staging_token`, random hex drawn by the caller) when it replaces an existing one, and when
    `parallel` workers load it (they cannot see the leader's uncommitted table); an
    inheritance child never loads in parallel (a committed staging child would show its rows
    through its parents before the swap).

    Raises TableNotFoundError (rows only, but no table) or TargetExistsError (the table
    exists and no option says what to do with it).
    """
    mode = _mode(final, exists, options, contents)
    rows = not (options.schema_only or contents == "schema")
    create = mode != "appended"
    parallel = parallel and create and rows and not final.inherits
    staged = parallel or mode == "replaced"
    return TablePlan(
        index=index,
        spec=final,
        load_spec=staging_spec(final, staging_token) if staged else final,
        mode=mode,
        create=create,
        rows=rows,
        drop_first=mode == "recreated" and not staged,
        drop_at_swap=staged and exists,
        parallel=parallel,
    )


def _mode(final: TableSpec, exists: bool, o: LoadOptions, contents: str) -> str:
    shown = final.qname.display()
    data_only = o.data_only or contents == "data"
    if data_only and not exists:
        raise TableNotFoundError(
            f'table "{shown}" does not exist; loading rows only needs an existing table'
        )
    if not exists:
        return "created"
    # a data-only or a filtered (--where) archive adds to the table it came from
    implied_append = data_only or (final.where is not None and not (o.drop_existing or o.replace))
    if o.append or implied_append:
        return "appended"
    if o.drop_existing:
        return "recreated"
    if o.replace:
        return "replaced"
    raise TargetExistsError(
        f'table "{shown}" already exists; use --drop-existing, --replace or --append'
        " (or --as to restore under another name)"
    )


def schemas_to_create(
    plans: Sequence[TablePlan], options: LoadOptions, deps: Sequence[Dependency]
) -> list[str]:
    """The archive's schemas that the load creates when missing.  A schema named with --as
    (NEW or SRC=DEST) must exist: it is the user's, not the archive's."""
    named: set[QualifiedName] = set()
    if options.as_name is not None and options.as_name.schema is not None:
        named |= {p.spec.qname for p in plans}
    named |= {dest.qualified("") for _, dest in options.as_names if dest.schema is not None}
    created = [p.spec for p in plans if p.create and p.spec.qname not in named]
    return archive_schemas(created, deps) if any(p.create for p in plans) else []
