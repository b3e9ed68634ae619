"""Read a table and the objects that belong to it from the catalog, into frozen values.

Runs inside the dump's snapshot, with quote_all_identifiers on, so every name and expression
the server prints is fully quoted and schema-qualified.  The SQL lives in queries/*.sql.
"""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Sequence
from dataclasses import replace

from pgsnap.catalog.fetch import fetch_as, fetch_by_relation
from pgsnap.catalog.values import (
    CatColumn,
    CatConstraint,
    CatIndex,
    CatPartition,
    CatPartitionIndex,
    CatPolicy,
    CatRule,
    CatSequence,
    CatStatistics,
    CatTable,
    CatTrigger,
    CatTriggerState,
    DatabaseFacts,
    DatabaseLocale,
    Relation,
)
from pgsnap.connection import Conn
from pgsnap.errors import TableNotFoundError, UsageError
from pgsnap.model import QualifiedName
from pgsnap.naming import parse_table_arg

SUPPORTED_KINDS = {"r": "table", "p": "partitioned table"}
KIND_NAMES = {
    "v": "view",
    "m": "materialized view",
    "S": "sequence",
    "f": "foreign table",
    "i": "index",
    "I": "partitioned index",
    "c": "composite type",
    "t": "toast table",
    "p": "partitioned table",
}
SUGGESTIONS = 3


def resolve_table(conn: Conn, text: str, path: list[str]) -> tuple[int, str, str]:
    """(oid, schema, name) of the table the user named.  SQL rules first (unquoted names fold
    to lower case, "" quotes); then, for input with no quotes, the name exactly as typed, so
    that `pgsnap dump "Papers Archive"` from a shell finds it.

    Raises TableNotFoundError with close names, or UsageError for a non-table relation.
    """
    found: list[Relation] = []
    for schema, name in _name_candidates(text):
        found = fetch_as(conn, "resolve_table", Relation, schema=schema, name=name, path=path)
        if found:
            break
    if not found:
        raise TableNotFoundError(_not_found_message(conn, text))
    rel = found[0]
    if rel.kind not in SUPPORTED_KINDS:
        what = KIND_NAMES.get(rel.kind, f"relation of kind {rel.kind!r}")
        raise UsageError(f"{rel.qname.display()} is a {what}, not a table")
    if rel.is_partition:
        shown = rel.qname.display()
        raise UsageError(f"{shown} is a partition of {rel.parent}; dump {rel.parent} instead")
    return rel.oid, rel.schema, rel.name


def select_tables(
    conn: Conn,
    names: list[str],
    path: list[str],
    *,
    schemas: list[str] | None = None,
    all_tables: bool = False,
    exclude: list[str] | None = None,
) -> list[tuple[int, str, str]]:
    """The tables a dump names: explicit names, whole schemas, or every user table, minus
    the `exclude` patterns (shell-style, matched against "schema.table" and "table").

    A partitioned table brings its partitions, so a whole-schema selection leaves partitions
    out.  Raises TableNotFoundError for a missing table or schema, UsageError for an empty
    selection.
    """
    found = [resolve_table(conn, n, path) for n in names]
    if schemas or all_tables:
        rels = fetch_as(conn, "schema_tables", Relation, schemas=schemas or None)
        if schemas:
            present = {r.schema for r in rels}
            missing = [s for s in schemas if s not in present]
            if missing:
                raise TableNotFoundError(f'schema "{missing[0]}" does not exist or has no tables')
        for r in rels:
            if _excluded(r.schema, r.name, exclude or []):
                continue
            if r.is_partition:
                continue  # it comes with the partitioned table above it
            found.append((r.oid, r.schema, r.name))
    found = [f for f in dict.fromkeys(found) if not _excluded(f[1], f[2], exclude or [])]
    if not found and not (all_tables and not names):  # a database of no table: its objects
        raise UsageError("nothing to dump: the selection holds no table")
    return found


def _excluded(schema: str, name: str, patterns: list[str]) -> bool:
    return any(
        fnmatch.fnmatchcase(f"{schema}.{name}", p) or fnmatch.fnmatchcase(name, p) for p in patterns
    )


def _name_candidates(text: str) -> list[tuple[str | None, str]]:
    out: list[tuple[str | None, str]] = []
    try:
        out.append(parse_table_arg(text))
    except UsageError:
        if '"' in text:
            raise
    if '"' not in text:
        out.append((None, text))
        if "." in text:
            schema, name = text.split(".", 1)
            out.append((schema, name))
    return list(dict.fromkeys(out))


def _not_found_message(conn: Conn, shown: str) -> str:
    tables = fetch_as(conn, "schema_tables", Relation, schemas=None)
    names = [f"{t.schema}.{t.name}" for t in tables]
    pool = names + [n.split(".", 1)[1] for n in names]
    close = difflib.get_close_matches(shown, pool, n=SUGGESTIONS, cutoff=0.6)
    message = f'table "{shown}" does not exist'
    if close:
        message += "; did you mean " + ", ".join(f'"{c}"' for c in dict.fromkeys(close)) + "?"
    return message


def read_tables(
    conn: Conn, found: Sequence[tuple[int, str, str]], *, foreign_partitions: bool = False
) -> list[CatTable]:
    """Every table of `found` (oid, schema, name) and what belongs to it, in a fixed number
    of queries whatever their number (design §9).  A foreign partition is refused by name,
    or with `foreign_partitions` left out (a whole-database archive holds it as an object).
    Call inside the dump's snapshot."""
    oids = [oid for oid, _, _ in found]
    return _read_tables(conn, oids, with_partitions=True, foreign=foreign_partitions)


def _read_tables(
    conn: Conn, oids: list[int], *, with_partitions: bool, foreign: bool = False
) -> list[CatTable]:
    """The tables of `oids` and what belongs to them.  Each per-relation query takes an array
    of relation oids and returns a relid column, so a table with hundreds of partitions is
    read in one round trip per query, not one per partition."""
    tables = fetch_by_relation(conn, "table", CatTable, oids)
    columns = fetch_by_relation(conn, "columns", CatColumn, oids)
    constraints = fetch_by_relation(conn, "constraints", CatConstraint, oids)
    indexes = fetch_by_relation(conn, "indexes", CatIndex, oids)
    sequences = fetch_by_relation(conn, "sequences", CatSequence, oids)
    triggers = fetch_by_relation(conn, "triggers", CatTrigger, oids)
    states = fetch_by_relation(conn, "trigger_states", CatTriggerState, oids)
    policies = fetch_by_relation(conn, "policies", CatPolicy, oids)
    statistics = fetch_by_relation(conn, "statistics", CatStatistics, oids)
    rules = fetch_by_relation(conn, "rules", CatRule, oids)
    out = []
    for oid in oids:
        t = replace(
            tables[oid][0],
            columns=tuple(columns[oid]),
            constraints=tuple(constraints[oid]),
            indexes=tuple(indexes[oid]),
            sequences=tuple(sequences[oid]),
            triggers=tuple(triggers[oid]),
            trigger_states=tuple(states[oid]),
            policies=tuple(policies[oid]),
            statistics=tuple(statistics[oid]),
            rules=tuple(rules[oid]),
        )
        out.append(t)
    if with_partitions:
        parted = [t.oid for t in out if t.kind == "p"]
        trees = _partitions(conn, parted, foreign) if parted else {}
        out = [replace(t, partitions=tuple(trees[t.oid])) if t.oid in trees else t for t in out]
    return out


def _partitions(conn: Conn, oids: list[int], foreign: bool) -> dict[int, list[CatPartition]]:
    """Each partitioned table's partitions, read for all of them at once; the foreign ones
    left out with `foreign`, else refused."""
    trees = fetch_by_relation(conn, "partitions", CatPartition, oids)
    if foreign:
        trees = {root: [p for p in tree if p.kind != "f"] for root, tree in trees.items()}
    for p in (p for tree in trees.values() for p in tree if p.kind == "f"):
        raise UsageError(
            f"cannot dump foreign table {QualifiedName(p.schema, p.name).display()}: it is a "
            f"partition of {QualifiedName(p.parent_schema, p.parent_name).display()}, and "
            "which only a whole-database or --schema archive can hold"
        )
    every = [p.oid for tree in trees.values() for p in tree]
    indexes = fetch_by_relation(conn, "partition_indexes", CatPartitionIndex, every)
    own = dict(zip(every, _read_tables(conn, every, with_partitions=False), strict=True))
    return {
        root: [replace(p, indexes=tuple(indexes[p.oid]), own=own[p.oid]) for p in tree]
        for root, tree in trees.items()
    }


PG_LOCALE_PROVIDER = 150000  # datlocprovider and daticulocale
PG_DATLOCALE = 170000  # daticulocale became datlocale, for ICU and the builtin provider


def database_facts(conn: Conn) -> DatabaseFacts:
    facts = fetch_as(conn, "database", DatabaseFacts)[0]
    locale = database_locale(conn, facts.database)
    if locale is None:
        return facts
    return replace(
        facts,
        collate=locale.collate,
        ctype=locale.ctype,
        locale_provider=locale.locale_provider,
        locale=locale.locale,
    )


def database_locale(conn: Conn, database: str) -> DatabaseLocale | None:
    """The locale of `database` on this server, or None when there is no such database."""
    version = conn.info.server_version
    suffix = (
        "_pg17" if version >= PG_DATLOCALE else "_pg15" if version >= PG_LOCALE_PROVIDER else ""
    )
    rows = fetch_as(conn, f"database_locale{suffix}", DatabaseLocale, database=database)
    return rows[0] if rows else None
