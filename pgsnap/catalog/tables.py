"""Read a table and the objects that belong to it from the catalog, into frozen values.

Runs inside the dump's snapshot, with quote_all_identifiers on, so every name and expression
the server prints is fully quoted and schema-qualified.  The SQL lives in queries/*.sql.
"""

from __future__ import annotations

import difflib
import fnmatch
from typing import Any

from psycopg import sql

from pgsnap.catalog.fetch import fetch, fetch_as
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
    DatabaseFacts,
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
    candidates = _name_candidates(text)
    rows: list[dict[str, Any]] = []
    for schema, name in candidates:
        rows = fetch(conn, "resolve_table", schema=schema, name=name, path=path)
        if rows:
            break
    if not rows:
        raise TableNotFoundError(_not_found_message(conn, text))
    row = rows[0]
    kind = row["relkind"]
    if kind not in SUPPORTED_KINDS:
        qn = QualifiedName(row["nspname"], row["relname"]).display()
        what = KIND_NAMES.get(kind, f"relation of kind {kind!r}")
        raise UsageError(f"{qn} is a {what}, not a table")
    if row["relispartition"]:
        qn = QualifiedName(row["nspname"], row["relname"]).display()
        raise UsageError(f"{qn} is a partition of {row['parent']}; dump {row['parent']} instead")
    return int(row["oid"]), str(row["nspname"]), str(row["relname"])


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
        rows = fetch(conn, "schema_tables", schemas=schemas or None)
        if schemas:
            present = {r["nspname"] for r in rows}
            missing = [s for s in schemas if s not in present]
            if missing:
                raise TableNotFoundError(f'schema "{missing[0]}" does not exist or has no tables')
        for r in rows:
            if _excluded(r["nspname"], r["relname"], exclude or []):
                continue
            if r["relispartition"]:
                continue  # it comes with the partitioned table above it
            found.append((int(r["oid"]), r["nspname"], r["relname"]))
    found = [f for f in dict.fromkeys(found) if not _excluded(f[1], f[2], exclude or [])]
    if not found:
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
    names = [f"{r['nspname']}.{r['relname']}" for r in fetch(conn, "list_tables")]
    pool = names + [n.split(".", 1)[1] for n in names]
    close = difflib.get_close_matches(shown, pool, n=SUGGESTIONS, cutoff=0.6)
    message = f'table "{shown}" does not exist'
    if close:
        message += "; did you mean " + ", ".join(f'"{c}"' for c in dict.fromkeys(close)) + "?"
    return message


def read_table(conn: Conn, oid: int, schema: str, name: str) -> CatTable:
    """Read the table and what belongs to it.  Call inside the dump's snapshot."""
    return _read_tables(conn, [(oid, schema, name)], with_partitions=True)[0]


# per-relation queries: each takes an array of relation oids and returns a relid column, so a
# table with hundreds of partitions is read in one round trip per query, not one per partition
RELATION_QUERIES = (
    "columns",
    "constraints",
    "indexes",
    "sequences",
    "triggers",
    "policies",
    "statistics",
    "rules",
)


def _by_relation(conn: Conn, query_name: str, oids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The rows of a per-relation query, grouped by relation, in the query's order."""
    out: dict[int, list[dict[str, Any]]] = {oid: [] for oid in oids}
    for r in fetch(conn, query_name, oids=oids):
        out[int(r["relid"])].append(r)
    return out


def _read_tables(
    conn: Conn, relations: list[tuple[int, str, str]], *, with_partitions: bool
) -> list[CatTable]:
    oids = [oid for oid, _, _ in relations]
    tables = _by_relation(conn, "table", oids)
    rows = {name: _by_relation(conn, name, oids) for name in RELATION_QUERIES}
    return [
        _cat_table(
            conn,
            oid,
            schema,
            name,
            tables[oid][0],
            {k: v[oid] for k, v in rows.items()},
            with_partitions=with_partitions,
        )
        for oid, schema, name in relations
    ]


def _cat_table(
    conn: Conn,
    oid: int,
    schema: str,
    name: str,
    t: dict[str, Any],
    rows: dict[str, list[dict[str, Any]]],
    *,
    with_partitions: bool,
) -> CatTable:
    partitions = t["relkind"] == "p" and with_partitions
    return CatTable(
        oid=oid,
        schema=schema,
        name=name,
        kind=t["relkind"],
        persistence=t["relpersistence"],
        reloptions=tuple(t["reloptions"] or ()),
        toast_options=tuple(t["toast_options"] or ()),
        row_security=t["relrowsecurity"],
        force_row_security=t["relforcerowsecurity"],
        replica_identity=t["relreplident"],
        comment=t["comment"],
        table_bytes=t["table_bytes"],
        total_bytes=t["total_bytes"],
        est_rows=t["est_rows"],
        index_bytes=t["index_bytes"],
        server_version=int(conn.info.server_version),
        columns=tuple(_columns(rows["columns"])),
        constraints=tuple(_constraints(rows["constraints"])),
        indexes=tuple(_indexes(rows["indexes"])),
        sequences=tuple(_sequences(conn, rows["sequences"])),
        triggers=tuple(_triggers(rows["triggers"])),
        policies=tuple(_policies(rows["policies"])),
        partkey=t["partkey"],
        partitions=tuple(_partitions(conn, oid)) if partitions else (),
        of_type=t["of_type"],
        parents=tuple(QualifiedName(s, n) for s, n in t["parents"]),
        is_partition=t["relispartition"],
        statistics=tuple(_statistics(rows["statistics"])),
        rules=tuple(_rules(rows["rules"])),
    )


def _columns(rows: list[dict[str, Any]]) -> list[CatColumn]:
    return [
        CatColumn(
            name=r["attname"],
            type=r["type"],
            not_null=r["attnotnull"],
            identity=r["attidentity"],
            generated=r["attgenerated"],
            default=r["default_expr"],
            collation=r["collation"],
            comment=r["comment"],
            stattarget=r["stattarget"],
            storage=r["storage"],
            compression=r["compression"],
            options=tuple(r["attoptions"] or ()),
            local=r["attislocal"],
            inherited_default=r["inherited_default"],
            inherited_not_null=r["inherited_not_null"],
            attnum=r["attnum"],
        )
        for r in rows
    ]


def _constraints(rows: list[dict[str, Any]]) -> list[CatConstraint]:
    return [
        CatConstraint(
            name=r["conname"],
            type=r["contype"],
            definition=r["def"],
            validated=r["convalidated"],
            columns=tuple(r["conkey"] or ()),
            uses_index=r["uses_index"],
            comment=r["comment"],
            no_inherit=r["connoinherit"],
        )
        for r in rows
    ]


def _indexes(rows: list[dict[str, Any]]) -> list[CatIndex]:
    return [
        CatIndex(
            name=r["relname"],
            definition=r["def"],
            backs_constraint=r["backs_constraint"],
            replica_identity=r["indisreplident"],
            clustered=r["indisclustered"],
            comment=r["comment"],
            reloptions=tuple(r["reloptions"] or ()),
            stattargets=tuple(
                (int(a), int(b)) for a, b in (x.split() for x in r["stattargets"] or ())
            ),
        )
        for r in rows
    ]


def _sequences(conn: Conn, rows: list[dict[str, Any]]) -> list[CatSequence]:
    out = []
    for r in rows:
        state = conn.execute(
            sql.SQL("SELECT last_value, is_called FROM {}").format(
                sql.Identifier(r["nspname"], r["relname"])
            )
        ).fetchone()
        assert state is not None
        out.append(
            CatSequence(
                schema=r["nspname"],
                name=r["relname"],
                column=r["attname"],
                identity=r["is_identity"],
                type=r["seqtype"],
                start=r["seqstart"],
                increment=r["seqincrement"],
                min=r["seqmin"],
                max=r["seqmax"],
                cache=r["seqcache"],
                cycle=r["seqcycle"],
                last_value=int(state[0]),
                is_called=bool(state[1]),
                unlogged=bool(r["unlogged"]),
                comment=r["comment"],
            )
        )
    return out


def _partitions(conn: Conn, oid: int) -> list[CatPartition]:
    rows = fetch(conn, "partitions", oid=oid)
    oids = [int(r["oid"]) for r in rows]
    indexes = _by_relation(conn, "partition_indexes", oids)
    own = _read_tables(
        conn, [(int(r["oid"]), r["nspname"], r["relname"]) for r in rows], with_partitions=False
    )
    return [
        CatPartition(
            schema=r["nspname"],
            name=r["relname"],
            parent_schema=r["parent_schema"],
            parent_name=r["parent_name"],
            kind=r["relkind"],
            bound=r["bound"],
            partkey=r["partkey"],
            table_bytes=r["table_bytes"],
            indexes=tuple(
                CatPartitionIndex(
                    i["relname"], i["def"], i["parent_index"], i["conname"], i["condef"]
                )
                for i in indexes[int(r["oid"])]
            ),
            own=mine,
        )
        for r, mine in zip(rows, own, strict=True)
    ]


def _triggers(rows: list[dict[str, Any]]) -> list[CatTrigger]:
    return [
        CatTrigger(
            name=r["tgname"], definition=r["def"], enabled=r["tgenabled"], comment=r["comment"]
        )
        for r in rows
    ]


def _policies(rows: list[dict[str, Any]]) -> list[CatPolicy]:
    return [
        CatPolicy(
            name=r["polname"],
            permissive=r["polpermissive"],
            command=r["polcmd"],
            roles=tuple(r["roles"]),
            qual=r["qual"],
            with_check=r["with_check"],
            comment=r["comment"],
        )
        for r in rows
    ]


def _statistics(rows: list[dict[str, Any]]) -> list[CatStatistics]:
    return [
        CatStatistics(
            schema=r["nspname"],
            name=r["stxname"],
            definition=r["def"],
            target=r["stattarget"],
            comment=r["comment"],
        )
        for r in rows
    ]


def _rules(rows: list[dict[str, Any]]) -> list[CatRule]:
    return [
        CatRule(
            name=r["rulename"],
            definition=r["def"].rstrip().removesuffix(";"),
            enabled=r["ev_enabled"],
            comment=r["comment"],
        )
        for r in rows
    ]


def database_facts(conn: Conn) -> DatabaseFacts:
    return fetch_as(conn, "database", DatabaseFacts)[0]
