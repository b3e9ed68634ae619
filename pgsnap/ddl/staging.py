"""Pure: the staging name a load builds under, and the renames that swap it into place."""

from __future__ import annotations

from pgsnap.ddl.rename import rename_table
from pgsnap.model import QualifiedName, TableSpec
from pgsnap.naming import ident

STAGING_PREFIX = "pgsnap_stage_"


def staging_spec(final: TableSpec, token: str) -> TableSpec:
    """`final` renamed to pgsnap_stage_<token> in the same schema (the caller draws the token:
    random hex, so that two loads never share a staging name)."""
    name = QualifiedName(final.schema, STAGING_PREFIX + token)
    return rename_table(final, name, shorten_names=True)


def swap_statements(staged: TableSpec, final: TableSpec) -> list[str]:
    """Pure: ALTER … RENAME statements that turn `staged` names into `final` ones.

    Both specs come from the same archive spec, so their owned-object tuples pair up by
    position.  Renaming an index also renames the constraint it backs.
    """
    schema, table = final.schema, ident(final.schema, final.name)
    out = [f"ALTER TABLE {ident(staged.schema, staged.name)} RENAME TO {ident(final.name)}"]
    out += [
        f"ALTER TABLE {ident(schema, a.name)} RENAME TO {ident(b.name)}"
        for a, b in zip(staged.owned.partitions, final.owned.partitions, strict=True)
        if a.name != b.name
    ]
    so, fo = staged.owned, final.owned
    out += [
        f"ALTER INDEX {ident(schema, a)} RENAME TO {ident(b)}"
        for a, b in zip(so.indexes, fo.indexes, strict=True)
        if a != b
    ]

    def on(relation: str) -> str:  # after the renames above: the final names
        return ident(schema, relation) if relation else table

    out += [
        f"ALTER TABLE {on(b.relation)} RENAME CONSTRAINT {ident(a.name)} TO {ident(b.name)}"
        for a, b in zip(so.constraints, fo.constraints, strict=True)
        if a.name != b.name and not a.uses_index
    ]
    out += [
        f"ALTER SEQUENCE {ident(a.schema, a.name)} RENAME TO {ident(b.name)}"
        for a, b in zip(so.sequences, fo.sequences, strict=True)
        if a.name != b.name
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
    out += [  # each stays in its schema: staging does not move the table
        f"ALTER STATISTICS {ident(a.schema, a.name)} RENAME TO {ident(b.name)}"
        for a, b in zip(so.statistics, fo.statistics, strict=True)
        if a.name != b.name
    ]
    return out
