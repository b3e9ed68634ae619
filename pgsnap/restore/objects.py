"""On load: a whole-database (or --schema) archive's objects, among its tables' DDL.

A load of every table of such an archive creates every object, in archive order, in the
restore's transaction: into an empty database (or one made with --create), as pg_restore
does.  A load of some of its tables (--table) creates only what those tables need, and of
that only what the database lacks: an object that exists is left as it is.
"""

from __future__ import annotations

from collections.abc import Sequence

from pgsnap.connection import Conn
from pgsnap.ddl.order import objects_post
from pgsnap.model import DbObject, TableSpec

# how to ask whether an object of a kind exists, by its identity
EXISTS = {
    "schema": "SELECT FROM pg_catalog.pg_namespace WHERE nspname = %(name)s",
    "extension": "SELECT FROM pg_catalog.pg_extension WHERE extname = %(name)s",
    "type": "SELECT WHERE pg_catalog.to_regtype(%(identity)s) IS NOT NULL",
    "domain": "SELECT WHERE pg_catalog.to_regtype(%(identity)s) IS NOT NULL",
    "function": "SELECT WHERE pg_catalog.to_regprocedure(%(identity)s) IS NOT NULL",
    "procedure": "SELECT WHERE pg_catalog.to_regprocedure(%(identity)s) IS NOT NULL",
    "aggregate": "SELECT WHERE pg_catalog.to_regprocedure(%(identity)s) IS NOT NULL",
    "collation": "SELECT WHERE pg_catalog.to_regcollation(%(identity)s) IS NOT NULL",
    "operator": "SELECT WHERE pg_catalog.to_regoperator(%(identity)s) IS NOT NULL",
    "sequence": "SELECT WHERE pg_catalog.to_regclass(%(identity)s) IS NOT NULL",
    "view": "SELECT WHERE pg_catalog.to_regclass(%(identity)s) IS NOT NULL",
    "materialized view": "SELECT WHERE pg_catalog.to_regclass(%(identity)s) IS NOT NULL",
    "foreign table": "SELECT WHERE pg_catalog.to_regclass(%(identity)s) IS NOT NULL",
    "language": "SELECT FROM pg_catalog.pg_language WHERE lanname = %(name)s",
    "access method": "SELECT FROM pg_catalog.pg_am WHERE amname = %(name)s",
    "foreign data wrapper": (
        "SELECT FROM pg_catalog.pg_foreign_data_wrapper WHERE fdwname = %(name)s"
    ),
    "server": "SELECT FROM pg_catalog.pg_foreign_server WHERE srvname = %(name)s",
}


def needed(objects: Sequence[DbObject], tables: Sequence[int], n_tables: int) -> list[DbObject]:
    """The objects a load of the archive's tables `tables` (indexes) creates: all of them for
    every table, else those the tables need and what those need, in archive order."""
    if len(set(tables)) == n_tables:
        return list(objects)
    wanted = set(tables)
    keep = {i for i, o in enumerate(objects) if wanted & set(o.tables)}
    pending = list(keep)
    while pending:
        for n in objects[pending.pop()].needs:
            if n not in keep and n < len(objects):
                keep.add(n)
                pending.append(n)
    return [o for i, o in enumerate(objects) if i in keep]


def missing(conn: Conn, objects: Sequence[DbObject]) -> list[DbObject]:
    """Those of `objects` the database lacks (a kind it cannot ask about counts as lacking)."""
    out = []
    for o in objects:
        query = EXISTS.get(o.kind)
        params = {"name": o.name, "identity": o.identity}
        if query is None or conn.execute(query.encode(), params).fetchone() is None:
            out.append(o)
    return out


def without_existing_schemas(conn: Conn, objects: Sequence[DbObject]) -> list[DbObject]:
    """`objects` but the schemas the database has already, public aside (it is in every
    database, and its comment and ACL are the archive's): a schema made for the load, with
    its owner and grants, is left as it is."""
    schemas = [o for o in objects if o.kind == "schema" and o.name != "public"]
    there = {o.name for o in schemas if not missing(conn, [o])}
    return [o for o in objects if not (o.kind == "schema" and o.name in there)]


def pre_statements(
    objects: Sequence[DbObject], tables: Sequence[tuple[int, TableSpec]], n_tables: int
) -> list[str]:
    """The objects' pre-data among the created tables' (archive index, spec to create)."""
    by_index = dict(tables)
    before: dict[int, list[DbObject]] = {}
    for o in objects:
        if o.section == "pre":
            before.setdefault(min(o.after_tables, n_tables), []).append(o)
    out: list[str] = []
    for i in range(n_tables + 1):
        out += [s for o in before.get(i, ()) for s in o.ddl]
        if i in by_index:
            out += by_index[i].pre_data
    return out


def post_statements(objects: Sequence[DbObject], *, with_data: bool) -> list[str]:
    return objects_post(objects, with_data=with_data)
