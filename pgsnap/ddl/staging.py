"""Pure: the staging name a load builds under, and the renames that swap it into place."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pgsnap.catalog.values import NotNull
from pgsnap.ddl.rename import rename_table
from pgsnap.model import QualifiedName, TableSpec
from pgsnap.naming import MAX_IDENT_BYTES, ident

STAGING_PREFIX = "pgsnap_stage_"
NOT_NULL_LABEL = "not_null"  # PostgreSQL 18 names NOT NULL constraints <table>_<column>_not_null


def staging_spec(final: TableSpec, token: str) -> TableSpec:
    """`final` renamed to pgsnap_stage_<token> in the same schema (the caller draws the token:
    random hex, so that two loads never share a staging name)."""
    name = QualifiedName(final.schema, STAGING_PREFIX + token)
    return rename_table(final, name, shorten_names=True)


def swap_statements(
    staged: TableSpec,
    final: TableSpec,
    *,
    not_null_constraints: bool,
    found: Sequence[NotNull] = (),
) -> list[str]:
    """ALTER … RENAME statements that turn `staged` names into `final` ones.

    Both specs come from the same archive spec, so their owned-object tuples pair up by
    position.  Renaming an index also renames the constraint it backs.  A target without
    NOT NULL constraints (before PostgreSQL 18) has none to rename, whatever the archive
    lists; on one with them, `found` (the staged table's, read from the target) may hold
    NOT NULL constraints the archive does not list (it came from an older server), which the
    server named after the staging table: they get the names it gives the final table.
    """
    return [
        *_relation_renames(staged, final),
        *_member_renames(staged, final, not_null_constraints),
        *_unlisted_not_null_renames(staged, final, found),
    ]


def _relation_renames(staged: TableSpec, final: TableSpec) -> list[str]:
    """The table, its partitions, indexes, sequences and statistics (schema-wide names)."""
    so, fo = staged.owned, final.owned
    out = [f"ALTER TABLE {ident(staged.schema, staged.name)} RENAME TO {ident(final.name)}"]
    out += [  # each in its own schema, which staging does not change
        f"ALTER TABLE {ident(a.schema, a.name)} RENAME TO {ident(b.name)}"
        for a, b in zip(staged.partition_names(), final.partition_names(), strict=True)
        if a.name != b.name
    ]
    out += [
        f"ALTER INDEX {ident(a.schema, a.name)} RENAME TO {ident(b.name)}"
        for a, b in zip(staged.index_names(), final.index_names(), strict=True)
        if a.name != b.name
    ]
    out += [
        f"ALTER SEQUENCE {ident(a.schema, a.name)} RENAME TO {ident(b.name)}"
        for a, b in zip(so.sequences, fo.sequences, strict=True)
        if a.name != b.name
    ]
    out += [  # each stays in its schema: staging does not move the table
        f"ALTER STATISTICS {ident(a.schema, a.name)} RENAME TO {ident(b.name)}"
        for a, b in zip(so.statistics, fo.statistics, strict=True)
        if a.name != b.name
    ]
    return out


def _member_renames(staged: TableSpec, final: TableSpec, not_null: bool) -> list[str]:
    """Constraints, triggers and policies, on their relations' final names."""
    so, fo = staged.owned, final.owned

    def on(relation: str) -> str:  # after the relation renames: the final names
        name = final.relation(relation)
        return ident(name.schema, name.name)

    out = [
        f"ALTER TABLE {on(b.relation)} RENAME CONSTRAINT {ident(a.name)} TO {ident(b.name)}"
        for a, b in zip(so.constraints, fo.constraints, strict=True)
        if a.name != b.name and not a.uses_index and (not_null or a.type != "n")
    ]
    out += [
        f"ALTER TRIGGER {ident(a)} ON {on(fo.relation_of('trigger', i))} RENAME TO {ident(b)}"
        for i, (a, b) in enumerate(zip(so.triggers, fo.triggers, strict=True))
        if a != b
    ]
    out += [
        f"ALTER POLICY {ident(a)} ON {on(fo.relation_of('policy', i))} RENAME TO {ident(b)}"
        for i, (a, b) in enumerate(zip(so.policies, fo.policies, strict=True))
        if a != b
    ]
    return out


def _unlisted_not_null_renames(
    staged: TableSpec, final: TableSpec, found: Sequence[NotNull]
) -> list[str]:
    """The server named a NOT NULL constraint the archive does not list after a staged
    relation (the table, or the parent a partition inherits it from): name it after that
    relation's final name instead, as the server would have."""
    finals = {staged.name: final.name}
    finals |= {
        a.name: b.name for a, b in zip(staged.owned.partitions, final.owned.partitions, strict=True)
    }
    listed = {(c.relation or staged.name, c.name) for c in staged.owned.constraints}
    out = []
    for c in found:
        if (c.relation, c.name) in listed or c.relation not in finals:
            continue
        for old, new in finals.items():
            if c.name == object_name(old, c.column, NOT_NULL_LABEL):
                final_relation = final.relation(
                    finals[c.relation] if c.relation != staged.name else ""
                )
                on = ident(final_relation.schema, final_relation.name)
                renamed = ident(object_name(new, c.column, NOT_NULL_LABEL))
                out.append(f"ALTER TABLE {on} RENAME CONSTRAINT {ident(c.name)} TO {renamed}")
                break
    return out


def staging_names(staged: TableSpec, final: TableSpec) -> dict[str, str]:
    """Each staged name (table, partitions, indexes, sequences, constraints, triggers,
    policies) and the final name it stands for, for messages shown to the user."""
    so, fo = staged.owned, final.owned
    pairs = [(staged.name, final.name)]
    pairs += [(a.name, b.name) for a, b in zip(so.partitions, fo.partitions, strict=True)]
    pairs += list(zip(so.indexes, fo.indexes, strict=True))
    pairs += [(a.name, b.name) for a, b in zip(so.sequences, fo.sequences, strict=True)]
    pairs += [(a.name, b.name) for a, b in zip(so.constraints, fo.constraints, strict=True)]
    pairs += list(zip(so.triggers, fo.triggers, strict=True))
    pairs += list(zip(so.policies, fo.policies, strict=True))
    return {a: b for a, b in pairs if a != b}


def unstaged(text: str, names: Mapping[str, str]) -> str:
    """`text` with every staged name replaced by its final one, longest first (a staged
    index name starts with the staged table's)."""
    for staged_name in sorted(names, key=len, reverse=True):
        text = text.replace(staged_name, names[staged_name])
    return text


def object_name(name1: str, name2: str, label: str) -> str:
    """The name PostgreSQL's makeObjectName() builds: name1_name2_label, name1 and name2
    clipped (the longer first, at character boundaries) to fit in 63 bytes."""
    room = MAX_IDENT_BYTES - len(label.encode()) - 2
    one, two = len(name1.encode()), len(name2.encode())
    while one + two > room:
        if one > two:
            one -= 1
        else:
            two -= 1
    return f"{_clip(name1, one)}_{_clip(name2, two)}_{label}"


def _clip(text: str, limit: int) -> str:
    return text.encode("utf-8")[:limit].decode("utf-8", errors="ignore")
