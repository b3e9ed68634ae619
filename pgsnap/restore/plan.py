"""Pure: what a load will do to each table, decided before anything is changed.

Which of the archive's tables are loaded and under what names (--table, --as), and for each
one, from whether it exists and the options: create it, append to it, drop and recreate it,
or build it under a staging name and swap it into place.  Both restore paths (one
transaction, and the staged parallel one) take these plans.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pgsnap.catalog.values import Dependant
from pgsnap.ddl.dependencies import archive_schemas
from pgsnap.ddl.privileges import without_privileges
from pgsnap.ddl.rename import rename_table
from pgsnap.ddl.staging import staging_spec
from pgsnap.ddl.targets import plan_targets, renamed_specs, single_target
from pgsnap.errors import DependantsError, TableNotFoundError, TargetExistsError, UsageError
from pgsnap.model import Dependency, QualifiedName, TableName, TableSpec
from pgsnap.restore.options import LoadOptions

MODES = ("created", "replaced", "recreated", "appended")
# what --replace re-creates; anything else that depends on the table needs --cascade
KEPT_KINDS = (
    "view",
    "materialized view",
    "table constraint",
    "rule",
    "policy",
    "function",
    "publication relation",
)


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
    # what depends on the existing table from outside it; kept (re-created in the swap) by
    # --replace, else dropped with --cascade
    dependants: tuple[Dependant, ...] = ()
    keep_dependants: bool = False

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
    dependants: Sequence[Dependant] = (),
) -> TablePlan:
    """What the load does to one table.  The table is built under a staging name (made from
    `staging_token`, random hex drawn by the caller) when it replaces an existing one, and when
    `parallel` workers load it (they cannot see the leader's uncommitted table); an
    inheritance child never loads in parallel (a committed staging child would show its rows
    through its parents before the swap).

    Raises TableNotFoundError (rows only, but no table), TargetExistsError (the table
    exists and no option says what to do with it), or DependantsError (`dependants`, what
    depends on the existing table, would be lost: see _check_dependants).
    """
    mode = _mode(final, exists, options, contents)
    keep = _check_dependants(final, mode, dependants, options.cascade)
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
        dependants=tuple(dependants) if mode in ("recreated", "replaced") else (),
        keep_dependants=keep,
    )


def _check_dependants(
    final: TableSpec, mode: str, found: Sequence[Dependant], cascade: bool
) -> bool:
    """Whether the swap re-creates what depends on the table (--replace keeps it, unless
    --cascade); raises DependantsError when it would be lost without a word."""
    if not found or mode not in ("recreated", "replaced") or cascade:
        return False
    shown_name = final.qname.display()
    if mode == "recreated":
        verb = "depends" if len(found) == 1 else "depend"
        raise DependantsError(
            f"cannot drop {shown_name}: {shown(found)} {verb} on it; use --replace to keep "
            "them (re-created on the new table), or --cascade to drop them too"
        )
    reason = obstacle(found, final)
    if reason is not None:
        raise DependantsError(
            f"cannot replace {shown_name}: {reason}; use --cascade to drop it, or --as to "
            "load beside it"
        )
    return True


def remade_tables(
    finals: Sequence[TableSpec], existing: set[QualifiedName], o: LoadOptions, contents: str
) -> set[QualifiedName]:
    """The existing tables of the load that it drops and creates again."""
    return {
        f.qname
        for f in finals
        if f.qname in existing and _mode(f, True, o, contents) in ("recreated", "replaced")
    }


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


def shown(found: Sequence[Dependant], limit: int = 10) -> str:
    """'view public.v, constraint fk on table public.t and 3 more': views first, then the
    kinds --replace keeps, then the rest."""
    ranked = sorted(found, key=lambda d: (_rank(d.kind), d.description))
    names = [d.description for d in ranked[:limit]]
    more = f" and {len(found) - limit} more" if len(found) > limit else ""
    return ", ".join(names) + more


def _rank(kind: str) -> int:
    return KEPT_KINDS.index(kind) if kind in KEPT_KINDS else len(KEPT_KINDS)


def obstacle(found: Sequence[Dependant], new: TableSpec) -> str | None:
    """Why a dependant could not be kept across --replace (None when all can): it is of a
    kind that is not re-created, or it uses a column the new table lacks."""
    columns = {c.name for c in new.columns}
    for d in found:
        if d.kind not in KEPT_KINDS:
            return f"{d.description} cannot be re-created (it would be dropped)"
        missing = [c for c in d.columns if c not in columns]
        if missing:
            return f'{d.description} uses column "{missing[0]}", which the archive\'s table lacks'
    return None


def jobs_ignored(plans: Sequence[TablePlan], jobs: int, *, from_file: bool) -> str | None:
    """Why a load asked for parallel workers runs in one transaction (None when it does not
    ask, or gets them)."""
    if jobs <= 1 or (len(plans) == 1 and plans[0].parallel):
        return None
    if len(plans) > 1:
        return f"{len(plans)} tables load in one transaction"
    if not from_file:
        return "reading stdin, rows load in one stream"
    p = plans[0]
    if not p.create:
        return "appending loads in one transaction"
    if not p.rows:
        return "no rows to load"
    return "an inheritance child loads in one transaction"


def described(plans: Sequence[TablePlan]) -> list[str]:
    """What a load of `plans` would do, one line each, as a dry run says it."""
    lines: list[str] = []
    for p in plans:
        name = p.spec.qname.display()
        rows = "" if p.rows else " (schema only)"
        how = {
            "created": f"create {name}",
            "appended": f"append to {name}",
            "recreated": f"drop {name} and create it again",
            "replaced": f"build {name} beside the old one and swap it in",
        }[p.mode]
        lines.append(f"would {how}{rows}")
        for d in p.dependants:
            kept = p.keep_dependants
            lines.append(
                f"would {'keep' if kept else 'drop'} {d.description}"
                + (": re-created on the new table" if kept else " (--cascade)")
            )
    return lines
