"""Pure: the pg_restore_relation_stats() / pg_restore_attribute_stats() calls that give a
table its archived planner statistics (pgsnap/planstats.py), as pg_dump 18 writes them.

The calls are built from the spec as loaded, so its names are the final ones (--as, a
swapped-in staging table) by construction: the relation is named by the arguments
'schemaname' and 'relname', which are values, never SQL text.  The loader binds every value
as a parameter (StatsCall.statement); the psql script gets the same calls with literals,
inside a DO block that runs them only on PostgreSQL 18 or later (script_sql), so that
`zstd -dc f | psql` into an older server restores everything else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pgsnap.model import QualifiedName, TableSpec
from pgsnap.naming import literal
from pgsnap.planstats import ATTRIBUTE_ARGS, ColumnStats, RelationStats

PG_RESTORE_STATS = 180000  # pg_restore_relation_stats() and pg_restore_attribute_stats()
_Value = str | int | bool


@dataclass(frozen=True, slots=True)
class StatsCall:
    """One call: the function, its (argument name, value, SQL type) triples, and what it is
    about, for a warning: the relation, and the column ("" for the relation's numbers)."""

    function: str
    args: tuple[tuple[str, _Value, str], ...]
    relation: QualifiedName
    column: str = ""

    def expression(self) -> str:
        """The call with a %s placeholder for each value (psycopg binds them)."""
        inner = ", ".join(f"{literal(n)}, %s::{t}" for n, _, t in self.args)
        return f"pg_catalog.{self.function}({inner})"

    def params(self) -> list[_Value]:
        return [v for _, v, _ in self.args]

    def literal_sql(self) -> str:
        """The call with its values as literals (for the psql script)."""
        inner = ", ".join(f"{literal(n)}, {_literal(v)}::{t}" for n, v, t in self.args)
        return f"pg_catalog.{self.function}({inner})"

    def shown(self) -> str:
        what = self.relation.display()
        return f"{what}, column {self.column}" if self.column else what


def _literal(value: _Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return literal(str(value))


def calls(spec: TableSpec, version: int | None) -> list[StatsCall]:
    """Every call for `spec`'s statistics: each relation's numbers, then its columns'.
    `version` is the source's server_version_num (None: the target's own is assumed)."""
    head: tuple[tuple[str, _Value, str], ...] = ()
    if version is not None:
        head = (("version", version, "integer"),)
    out: list[StatsCall] = []
    for r in spec.planner_stats:
        relation = _relation(spec, r)
        if r.index < 0:
            out.append(_relation_call(relation, r, head))
        out += [_column_call(relation, c, head) for c in r.columns]
    return out


def _relation(spec: TableSpec, r: RelationStats) -> QualifiedName:
    if r.index >= 0:
        return spec.index_names()[r.index]
    if r.partition >= 0:
        return spec.partition_names()[r.partition]
    return spec.qname


def _names(relation: QualifiedName) -> tuple[tuple[str, _Value, str], ...]:
    return (("schemaname", relation.schema, "text"), ("relname", relation.name, "text"))


def _relation_call(
    relation: QualifiedName, r: RelationStats, head: tuple[tuple[str, _Value, str], ...]
) -> StatsCall:
    numbers = (
        ("relpages", r.relpages, "integer"),
        ("reltuples", r.reltuples, "real"),
        ("relallvisible", r.relallvisible, "integer"),
        ("relallfrozen", r.relallfrozen, "integer"),
    )
    args = _names(relation) + head + tuple((n, v, t) for n, v, t in numbers if v is not None)
    return StatsCall("pg_restore_relation_stats", args, relation)


def _column_call(
    relation: QualifiedName, c: ColumnStats, head: tuple[tuple[str, _Value, str], ...]
) -> StatsCall:
    which: tuple[str, _Value, str] = (
        ("attnum", c.attnum, "smallint") if c.attnum else ("attname", c.attname, "text")
    )
    values = ((n, getattr(c, n), t) for n, t in ATTRIBUTE_ARGS)
    args = (
        *_names(relation),
        which,
        ("inherited", c.inherited, "boolean"),
        *head,
        *((n, v, t) for n, v, t in values if v is not None),
    )
    column = c.attname or f"{c.attnum} of the index"
    return StatsCall("pg_restore_attribute_stats", args, relation, column)


def script_sql(tables: Sequence[TableSpec], version: int | None) -> str:
    """The psql script's statistics: per table, a DO block that makes the calls on
    PostgreSQL 18 or later and does nothing on an older server; "" when there are none."""
    out = []
    for spec in tables:
        found = calls(spec, version)
        if not found:
            continue
        body = "".join(f"PERFORM {c.literal_sql()};\n" for c in found)
        tag = _tag(body)
        out.append(
            f"DO {tag}BEGIN\nIF pg_catalog.current_setting('server_version_num')::pg_catalog.int4"
            f" >= {PG_RESTORE_STATS} THEN\n{body}END IF;\nEND{tag};\n"
        )
    return "".join(out)


def _tag(body: str) -> str:
    """A dollar-quote tag that the body does not contain."""
    tag, n = "$pgsnap_stats$", 0
    while tag in body:
        n += 1
        tag = f"$pgsnap_stats{n}$"
    return tag
