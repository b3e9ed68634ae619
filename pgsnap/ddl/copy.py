"""Pure: the COPY statements, into a table (load, the psql script) and out of it (dump, verify).

COPY carries the table's stored columns in the archive's order: generated columns are
computed, not stored.  Out of a table it reads ONLY the table (never inheritance children),
a ctid range of it, one partition of it, or the rows a --where dump keeps.
"""

from __future__ import annotations

from pgsnap.model import TableSpec
from pgsnap.naming import ident


def copy_target(spec: TableSpec, relation: str | None = None) -> str:
    """`"schema"."table" ("a", "b")`: the column list keeps the order of the rows.
    `relation` names a partition of the table (in its own schema) instead."""
    cols = spec.copy_columns
    name = spec.relation(relation)
    target = ident(name.schema, name.name)
    return f"{target} ({', '.join(ident(c) for c in cols)})" if cols else target


def copy_from(spec: TableSpec, *, freeze: bool = False, binary: bool = False) -> str:
    """COPY … FROM stdin, FREEZE when the table was created in the same transaction; in
    binary format for pgsnap copy -j N (transfer/live.py says when)."""
    options = [*(["FORMAT binary"] if binary else []), *(["FREEZE"] if freeze else [])]
    return f"COPY {copy_target(spec)} FROM stdin" + (f" ({', '.join(options)})" if options else "")


def copy_to(
    spec: TableSpec, *, predicate: str = "", relation: str | None = None, binary: bool = False
) -> str:
    """COPY … TO STDOUT of the whole table, of the rows that `predicate` (a ctid range,
    integers only) selects, or of one partition; with the archive's --where filter, if any
    (checked by ddl.statements.check_where and planned by the server before the dump)."""
    conditions = [f"({spec.where})"] if spec.where is not None else []
    conditions += [predicate] if predicate else []
    fmt = " (FORMAT binary)" if binary else ""
    if not conditions:
        return f"COPY {copy_target(spec, relation)} TO STDOUT{fmt}"
    cols = ", ".join(ident(c) for c in spec.copy_columns)
    name = spec.relation(relation)
    source = ident(name.schema, name.name)
    where = " AND ".join(conditions)
    return f"COPY (SELECT {cols} FROM ONLY {source} WHERE {where}) TO STDOUT{fmt}"
