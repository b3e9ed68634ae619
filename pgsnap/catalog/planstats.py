"""Read the planner statistics of the dumped tables (pgsnap/planstats.py) in the snapshot.

Two queries for the whole selection, whatever its size (design §9): the relations' pg_class
numbers (queries/relation_stats*.sql) and the pg_stats rows of their columns and of their
indexes' expression columns (queries/attribute_stats*.sql), chosen by the source's version
(relallfrozen from 18, the range_* columns from 17).  Values stay the text the server printed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from pgsnap.catalog.fetch import query
from pgsnap.connection import Conn
from pgsnap.model import QualifiedName, TableSpec
from pgsnap.planstats import MIN_POSITION, ColumnStats, RelationStats

PG_RELALLFROZEN = 180000
PG_RANGE_STATS = 170000
_Key = tuple[str, str, str, str]  # the relation's schema and name, the index's (or "")


def with_planner_stats(
    conn: Conn, specs: Sequence[TableSpec], oids: Mapping[QualifiedName, int]
) -> list[TableSpec]:
    """`specs` with their planner statistics; `oids` gives each table's oid.  A relation with
    no pg_stats row (never analyzed: CREATE INDEX and VACUUM set reltuples, not the columns')
    carries none, so that a load of a table without any analyzes it, as before."""
    wanted = [oids[s.qname] for s in specs]
    if not wanted:
        return list(specs)
    version = conn.info.server_version
    relations = _by_root(_rows(conn, "relation_stats", version >= PG_RELALLFROZEN, wanted))
    columns = _by_root(_rows(conn, "attribute_stats", version >= PG_RANGE_STATS, wanted))
    return [
        replace(s, planner_stats=_of(s, relations.get(oid, []), columns.get(oid, [])))
        for s, oid in zip(specs, wanted, strict=True)
    ]


def _rows(conn: Conn, name: str, newer: bool, oids: list[int]) -> list[tuple[Any, ...]]:
    suffix = {"relation_stats": "_pg18", "attribute_stats": "_pg17"}[name] if newer else ""
    with conn.cursor() as cur:
        cur.execute(query(name + suffix).encode(), {"oids": oids})
        return cur.fetchall()


def _by_root(rows: list[tuple[Any, ...]]) -> dict[int, list[tuple[Any, ...]]]:
    """The rows of each table (their first column), without that column."""
    out: dict[int, list[tuple[Any, ...]]] = {}
    for row in rows:
        out.setdefault(int(row[0]), []).append(row[1:])
    return out


def _of(
    spec: TableSpec, relations: Sequence[tuple[Any, ...]], columns: Sequence[tuple[Any, ...]]
) -> tuple[RelationStats, ...]:
    """The table's entries: each relation of it, then each index with expression stats."""
    parts = {q: i for i, q in enumerate(spec.partition_names())} | {spec.qname: MIN_POSITION}
    indexes = {q: i for i, q in enumerate(spec.index_names())}
    by_key: dict[_Key, list[ColumnStats]] = {}
    for row in columns:
        by_key.setdefault(row[:4], []).append(ColumnStats(*row[4:]))
    out: list[RelationStats] = []
    for schema, name, relpages, reltuples, allvisible, allfrozen in relations:
        position = parts.get(QualifiedName(schema, name))
        cols = tuple(by_key.get((schema, name, "", ""), ()))
        if position is None or not cols:  # never analyzed: a load analyzes it
            continue
        numbers = (relpages, reltuples, allvisible, allfrozen)
        out.append(RelationStats(position, MIN_POSITION, *numbers, cols))
    for (schema, name, ischema, iname), found in by_key.items():
        index = indexes.get(QualifiedName(ischema, iname)) if iname else None
        if index is not None and QualifiedName(schema, name) in parts:
            out.append(RelationStats(MIN_POSITION, index, columns=tuple(found)))
    return tuple(out)
