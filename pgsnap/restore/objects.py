"""On load: a whole-database (or --schema) archive's objects, among its tables' DDL.

A load of every table of such an archive creates every object, in archive order, in the
restore's transaction: into an empty database (or one made with --create), as pg_restore
does.  A load of some of its tables (--table) creates only what those tables need, and of
that only what the database lacks: an object that exists is left as it is.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace

from pgsnap.connection import Conn
from pgsnap.ddl.order import interleaved
from pgsnap.errors import PgsnapWarning
from pgsnap.model import LARGE_OBJECT, DbObject, TableSpec


def _by_name(catalog: str, name: str, namespace: str) -> str:
    return (
        f"SELECT FROM pg_catalog.{catalog} x JOIN pg_catalog.pg_namespace n "
        f"ON n.oid = x.{namespace} WHERE x.{name} = %(name)s AND n.nspname = %(schema)s"
    )


# how to ask whether an object of a kind exists, by its identity
EXISTS = {
    "schema": "SELECT FROM pg_catalog.pg_namespace WHERE nspname = %(name)s",
    "extension": "SELECT FROM pg_catalog.pg_extension WHERE extname = %(name)s",
    "type": "SELECT WHERE pg_catalog.to_regtype(%(identity)s) IS NOT NULL",
    "domain": "SELECT WHERE pg_catalog.to_regtype(%(identity)s) IS NOT NULL",
    "function": "SELECT WHERE pg_catalog.to_regprocedure(%(identity)s) IS NOT NULL",
    "procedure": "SELECT WHERE pg_catalog.to_regprocedure(%(identity)s) IS NOT NULL",
    "aggregate": "SELECT WHERE pg_catalog.to_regprocedure("
    "pg_catalog.regexp_replace(%(identity)s, '[(][*][)]$', '()')) IS NOT NULL",
    "collation": "SELECT WHERE pg_catalog.to_regcollation(%(identity)s) IS NOT NULL",
    "operator": "SELECT WHERE pg_catalog.to_regoperator(%(identity)s) IS NOT NULL",
    "operator family": "SELECT FROM pg_catalog.pg_opfamily f JOIN pg_catalog.pg_am a "
    "ON a.oid = f.opfmethod JOIN pg_catalog.pg_namespace n ON n.oid = f.opfnamespace "
    "WHERE pg_catalog.format('%%I.%%I USING %%I', n.nspname, f.opfname, a.amname) "
    "= %(identity)s",
    "operator class": "SELECT FROM pg_catalog.pg_opclass c JOIN pg_catalog.pg_am a "
    "ON a.oid = c.opcmethod JOIN pg_catalog.pg_namespace n ON n.oid = c.opcnamespace "
    "WHERE pg_catalog.format('%%I.%%I USING %%I', n.nspname, c.opcname, a.amname) "
    "= %(identity)s",
    "cast": "SELECT FROM pg_catalog.pg_cast WHERE pg_catalog.format('(%%s AS %%s)', "
    "pg_catalog.format_type(castsource, NULL), pg_catalog.format_type(casttarget, NULL)) "
    "= %(identity)s",
    "text search parser": _by_name("pg_ts_parser", "prsname", "prsnamespace"),
    "text search template": _by_name("pg_ts_template", "tmplname", "tmplnamespace"),
    "text search dictionary": _by_name("pg_ts_dict", "dictname", "dictnamespace"),
    "text search configuration": _by_name("pg_ts_config", "cfgname", "cfgnamespace"),
    "conversion": _by_name("pg_conversion", "conname", "connamespace"),
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


def described(objects: Sequence[DbObject]) -> list[str]:
    """What a dry run says of the objects: 'would create 3 schemas, 2 views, …'."""
    if not objects:
        return []
    counts = Counter(o.kind for o in objects)
    shown = ", ".join(f"{n} {kind}" for kind, n in counts.items())
    return [f"would create the archive's objects: {shown}"]


def missing(conn: Conn, objects: Sequence[DbObject]) -> list[DbObject]:
    """Those of `objects` the database lacks (a kind it cannot ask about counts as lacking)."""
    out = []
    for o in objects:
        query = EXISTS.get(o.kind)
        params = {"schema": o.schema, "name": o.name, "identity": o.identity}
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


def available_extensions(conn: Conn, objects: Sequence[DbObject]) -> list[DbObject]:
    """`objects`, each extension at the version the archive names when the server has that
    version, else at the server's default version (the warning says so); DependencyError
    before any change for an extension the server lacks."""
    from pgsnap.restore.dependencies import DependencyError

    out = []
    for o in objects:
        version = _version_of(o) if o.kind == "extension" else None
        if version is None:
            out.append(o)
            continue
        rows = conn.execute(EXTENSION_VERSIONS.encode(), {"name": o.name}).fetchall()
        if not rows:
            raise DependencyError(f'the server lacks the extension "{o.name}" the archive needs')
        if version in {r[0] for r in rows}:
            out.append(o)
            continue
        default = next((r[0] for r in rows if r[1]), rows[0][0])
        warnings.warn(
            f'extension "{o.name}": the server has no version {version}; installing its '
            f"version {default}",
            PgsnapWarning,
            stacklevel=2,
        )
        out.append(replace(o, ddl=(_without_version(o.ddl[0]), *o.ddl[1:])))
    return out


EXTENSION_VERSIONS = (
    "SELECT v.version, v.version = a.default_version"
    " FROM pg_catalog.pg_available_extension_versions v"
    " JOIN pg_catalog.pg_available_extensions a ON a.name = v.name WHERE v.name = %(name)s"
)


def _version_of(o: DbObject) -> str | None:
    from pgsnap.ddl.statements import one_statement

    stmt = one_statement(o.ddl[0]) if o.ddl else None
    for opt in getattr(stmt, "options", None) or ():
        if opt.defname == "new_version":
            return str(getattr(opt.arg, "sval", opt.arg))
    return None


def _without_version(text: str) -> str:
    from pglast.stream import RawStream

    from pgsnap.ddl.statements import own_statement

    stmt = own_statement(text)  # changed below
    stmt.options = tuple(o for o in stmt.options or () if o.defname != "new_version")
    return str(RawStream()(stmt))


def pre_statements(
    objects: Sequence[DbObject], tables: Sequence[tuple[int, TableSpec]], n_tables: int
) -> list[str]:
    """The objects' pre-data among the created tables' (archive index, spec to create)."""
    out = interleaved(objects, dict(tables), n_tables)
    if any(o.kind in AS_WRITTEN for o in objects):
        out = [*UNQUOTED, *out, *QUOTED]
    return out


# a text search dictionary's options are stored as text the server quotes (quote_identifier):
# with the session's quote_all_identifiers they would be stored "stopwords" = …, unlike the
# source's (and the psql script's); the objects' DDL runs without it
AS_WRITTEN = ("text search dictionary",)
UNQUOTED = ("SET LOCAL quote_all_identifiers = off",)
QUOTED = ("SET LOCAL quote_all_identifiers = on",)


def put_large_objects(
    conn: Conn, writes: Iterable[tuple[int, int, bytes]], objects: Sequence[DbObject]
) -> None:
    """The data of those large objects of `objects` the load made (their lo_create ran among
    the pre-data), written as the archive's blob frames are read and checked, one chunk at a
    time: nothing is read when the load makes none (the row source skips the frames)."""
    made = {int(o.name) for o in objects if o.kind == LARGE_OBJECT}
    if not made:
        return
    for oid, offset, data in writes:
        if oid in made:
            conn.execute(_LO_PUT, (oid, offset, data))


_LO_PUT = "SELECT pg_catalog.lo_put(%s::pg_catalog.oid, %s::pg_catalog.int8, %b::pg_catalog.bytea)"
