"""The targets of a multi-table `load --as SRC=DEST`: which table becomes what, refused
up front when two targets collide, and every spec renamed with its own RenamePlan.

Foreign keys between the archive's tables, and an inheritance child's parents, follow the
renamed tables (rename_references); a foreign key to a table that is not renamed keeps its
target.  Only these are retargeted: they are what ties one table's DDL to another's (owned
sequences, indexes and partitions belong to one table and move with its own plan).

Pure: values in, values out, no connection.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from pgsnap.ddl.rename import rename_references, rename_table
from pgsnap.errors import UsageError
from pgsnap.model import QualifiedName, TableName, TableSpec


def split_as_option(values: Iterable[str]) -> tuple[str | None, dict[str, str]]:
    """The CLI's repeated --as: (a plain NEW name or None, {SRC: DEST}).

    Raises UsageError for a plain name given twice or mixed with SRC=DEST, and for an
    SRC named twice.
    """
    plain: list[str] = []
    pairs: dict[str, str] = {}
    for value in values:
        pair = _split_pair(value)
        if pair is None:
            plain.append(value)
        elif pair[0] in pairs:
            raise UsageError(f'--as renames "{pair[0]}" twice')
        else:
            pairs[pair[0]] = pair[1]
    if len(plain) > 1 or (plain and pairs):
        raise UsageError(
            "--as NEW renames the one table loaded; to rename several, give --as SRC=DEST each"
        )
    return (plain[0] if plain else None), pairs


def _split_pair(value: str) -> tuple[str, str] | None:
    """'src=dest' split at the first '=' outside double quotes, or None when there is none."""
    quoted = False
    for i, char in enumerate(value):
        if char == '"':
            quoted = not quoted
        elif char == "=" and not quoted:
            src, dest = value[:i].strip(), value[i + 1 :].strip()
            if not src or not dest:
                raise UsageError(f'--as "{value}" needs the form SRC=DEST')
            return src, dest
    return None


def parse_renames(as_names: Mapping[str, str]) -> tuple[tuple[TableName, TableName], ...]:
    """{"[schema.]src": "[schema.]dest"} as parsed names, in the order given.

    Raises UsageError for text that is not a table name.
    """
    return tuple((TableName.parse(src), TableName.parse(dest)) for src, dest in as_names.items())


def find_table(specs: Sequence[TableSpec], wanted: TableName) -> int:
    """Index of the archive's table named `wanted`.

    Raises UsageError naming it when no table, or more than one (unqualified), matches.
    """
    hits = [i for i, s in enumerate(specs) if wanted.matches(s.qname)]
    if not hits:
        names = ", ".join(s.qname.display() for s in specs)
        raise UsageError(f'the archive has no table "{wanted.text}"; it holds {names}')
    if len(hits) > 1:
        names = ", ".join(specs[i].qname.display() for i in hits)
        raise UsageError(f'"{wanted.text}" could be {names}; qualify it with the schema')
    return hits[0]


def single_target(
    specs: Sequence[TableSpec], index: int, as_names: Sequence[tuple[TableName, TableName]]
) -> TableName:
    """--as SRC=DEST when one table is loaded (the only one, or --table's): its DEST.

    Raises UsageError when an SRC is not in the archive or is not that table.
    """
    shown = specs[index].qname.display()
    for src, _ in as_names:
        if find_table(specs, src) != index:
            raise UsageError(f'--as renames "{src.text}", but only table "{shown}" is loaded')
    if len(as_names) > 1:
        raise UsageError(f'--as renames table "{shown}" twice')
    return as_names[0][1]


def plan_targets(
    specs: Sequence[TableSpec], as_names: Sequence[tuple[TableName, TableName]]
) -> dict[int, QualifiedName]:
    """{index of a renamed table: its new name}; DEST without a schema keeps the table's.

    Raises UsageError for an SRC not in the archive, a table renamed twice, or two tables
    that would end up with the same name (see check_collisions).
    """
    targets: dict[int, QualifiedName] = {}
    for src, dest in as_names:
        i = find_table(specs, src)
        if i in targets:
            raise UsageError(f'--as renames table "{specs[i].qname.display()}" twice')
        targets[i] = dest.qualified(specs[i].schema)
    check_collisions(specs, targets)
    return targets


def check_collisions(specs: Sequence[TableSpec], targets: Mapping[int, QualifiedName]) -> None:
    """Refuse two restored tables with one name, and a new name that is another restored
    table's name in the archive (chains and swaps would rename one reference twice)."""
    finals: dict[QualifiedName, int] = {}
    olds = {s.qname: i for i, s in enumerate(specs)}
    for i, spec in enumerate(specs):
        final = targets.get(i, spec.qname)
        if final in finals:
            first = specs[finals[final]].qname.display()
            raise UsageError(
                f'tables "{first}" and "{spec.qname.display()}" would both be restored as '
                f'"{final.display()}"'
            )
        if olds.get(final, i) != i:
            raise UsageError(
                f'cannot restore "{spec.qname.display()}" as "{final.display()}": the archive '
                "has a table of that name; choose another name"
            )
        finals[final] = i


def renamed_specs(
    specs: list[TableSpec], targets: Mapping[int, QualifiedName], *, shorten_names: bool = False
) -> list[TableSpec]:
    """Every spec as it will be restored: each renamed table with its own RenamePlan, then
    every table's foreign keys pointed at the new names of the tables they reference.

    Raises NameTooLongError or RenameError (see rename_table).
    """
    moved = {specs[i].qname: new for i, new in targets.items() if new != specs[i].qname}
    out = []
    for spec in specs:
        final = spec
        if spec.qname in moved:
            final = rename_table(spec, moved[spec.qname], shorten_names=shorten_names)
        out.append(rename_references(final, moved, schema=spec.schema) if moved else final)
    return out
