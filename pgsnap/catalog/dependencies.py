"""The extensions, collations, types and functions a table needs, read from the catalog, and
their DDL.

`pg_dump -t` leaves these out, so its restore fails on a fresh database.  pgsnap carries
them in the archive and, on load, creates the missing ones, refuses an existing one whose
definition differs, and runs CREATE EXTENSION IF NOT EXISTS (design notes/anchors.md §1).
"""

from __future__ import annotations

from typing import Any

from pgsnap.catalog.fetch import fetch
from pgsnap.connection import Conn
from pgsnap.ddl.dependencies import collation_definition, fingerprint_of, normalize
from pgsnap.model import Dependency
from pgsnap.naming import ident, literal

SYSTEM_SCHEMAS = ("pg_catalog", "information_schema")
RECREATABLE_TYPES = {"e": "enum", "d": "domain", "c": "composite", "r": "range"}


# -- reading (inside the dump's snapshot) -------------------------------------------------


def read_dependencies(conn: Conn, table_oid: int) -> list[Dependency]:
    """Extensions first, then types and functions, each after what it is built from.  A
    partitioned table's partitions count: each has its own triggers, defaults and indexes."""
    walker = _Walker(conn)
    relations = fetch(conn, "dep_relations", oid=table_oid)
    oids = [int(r["oid"]) for r in relations]
    for rel in relations:
        walker.visit_type(int(rel["reloftype"]))
    for (type_oid,) in conn.execute(
        "SELECT atttypid FROM pg_catalog.pg_attribute "
        "WHERE attrelid = ANY (%s::pg_catalog.oid[]) AND attnum > 0 AND NOT attisdropped "
        "ORDER BY attrelid <> %s, attrelid, attnum",
        (oids, table_oid),
    ).fetchall():
        walker.visit_type(int(type_oid))
    for c in fetch(conn, "dep_table_collations", oids=oids):
        walker.visit_collation(int(c["oid"]))
    for f in fetch(conn, "dep_functions", oids=oids):
        walker.visit_function(f)
    walker.extensions.update(r["extname"] for r in fetch(conn, "dep_index_extensions", oids=oids))
    return [_extension(conn, name) for name in sorted(walker.extensions)] + walker.ordered


class _Walker:
    """Depth-first over types and functions, recording each after the things it needs."""

    def __init__(self, conn: Conn) -> None:
        self.conn = conn
        self.seen: set[tuple[str, int]] = set()
        self.ordered: list[Dependency] = []
        self.extensions: set[str] = set()

    def visit_type(self, oid: int) -> None:
        if ("t", oid) in self.seen or oid == 0:
            return
        self.seen.add(("t", oid))
        rows = fetch(self.conn, "dep_types", oid=oid)
        if not rows:
            return
        t = rows[0]
        if t["extension"]:
            self.extensions.add(t["extension"])
            return
        if t["typcategory"] == "A" and t["typelem"]:
            self.visit_type(int(t["typelem"]))  # an array comes with its element type
            return
        if t["nspname"] in SYSTEM_SCHEMAS or t["typtype"] not in RECREATABLE_TYPES:
            return
        self._visit_type_parts(t)
        for c in fetch(self.conn, "dep_type_collations", oid=oid):
            self.visit_collation(int(c["oid"]))
        self.ordered.append(_type(self.conn, t))

    def _visit_type_parts(self, t: dict[str, Any]) -> None:
        if t["typtype"] == "d":
            self.visit_type(int(t["typbasetype"]))
            for f in fetch(self.conn, "dep_domain_functions", oid=t["oid"]):
                self.visit_function(f)
        elif t["typtype"] == "r":
            self.visit_type(int(t["rngsubtype"]))
        elif t["typtype"] == "c":
            for a in fetch(self.conn, "dep_composite_attributes", relid=t["typrelid"]):
                self.visit_type(int(a["atttypid"]))

    def visit_function(self, f: dict[str, Any]) -> None:
        if ("f", f["oid"]) in self.seen:
            return
        self.seen.add(("f", f["oid"]))
        if f["extension"]:
            self.extensions.add(f["extension"])
            return
        for t in [f["prorettype"], *f["argtypes"]]:
            self.visit_type(int(t))
        self.ordered.append(_function(self.conn, f))

    def visit_collation(self, oid: int) -> None:
        if ("c", oid) in self.seen:
            return
        self.seen.add(("c", oid))
        rows = fetch(self.conn, "dep_collation", oid=oid)
        if not rows or rows[0]["nspname"] in SYSTEM_SCHEMAS:
            return
        if rows[0]["extension"]:
            self.extensions.add(rows[0]["extension"])
            return
        self.ordered.append(_collation(rows[0]))


def _extension(conn: Conn, name: str) -> Dependency:
    row = fetch(conn, "dep_extension", name=name)[0]
    ddl = f"CREATE EXTENSION IF NOT EXISTS {ident(name)} WITH SCHEMA {ident(row['nspname'])}"
    return Dependency("extension", row["nspname"], name, name, ddl, name)


def _type(conn: Conn, t: dict[str, Any]) -> Dependency:
    name = ident(t["nspname"], t["typname"])
    ddl, fingerprint = type_definition(conn, t, name)
    return Dependency("type", t["nspname"], t["typname"], name, ddl, fingerprint)


def type_definition(conn: Conn, t: dict[str, Any], name: str) -> tuple[str, str]:
    """(CREATE statement, fingerprint) of an enum, domain, composite or range type."""
    kind = t["typtype"]
    if kind == "e":
        labels = [r["enumlabel"] for r in fetch(conn, "dep_enum_labels", oid=t["oid"])]
        return (
            f"CREATE TYPE {name} AS ENUM ({', '.join(literal(x) for x in labels)})",
            fingerprint_of("enum", labels),
        )
    if kind == "d":
        return _domain(conn, t, name)
    if kind == "c":
        attrs = [
            (a["attname"], a["type"])
            for a in fetch(conn, "dep_composite_attributes", relid=t["typrelid"])
        ]
        body = ", ".join(f"{ident(a)} {ty}" for a, ty in attrs)
        return f"CREATE TYPE {name} AS ({body})", fingerprint_of("composite", attrs)
    options = [f"SUBTYPE = {t['subtype']}"]
    for key, column in (
        ("SUBTYPE_OPCLASS", "subtype_opclass"),
        ("COLLATION", "collation"),
        ("CANONICAL", "canonical"),
        ("SUBTYPE_DIFF", "subtype_diff"),
    ):
        if t[column]:
            options.append(f"{key} = {t[column]}")
    return f"CREATE TYPE {name} AS RANGE ({', '.join(options)})", fingerprint_of("range", options)


def _domain(conn: Conn, t: dict[str, Any], name: str) -> tuple[str, str]:
    constraints = fetch(conn, "dep_domain_constraints", oid=t["oid"])
    parts = [f"CREATE DOMAIN {name} AS {t['basetype']}"]
    if t["collation"]:
        parts.append(f"COLLATE {t['collation']}")
    if t["typdefault"] is not None:
        parts.append(f"DEFAULT {t['typdefault']}")
    named_not_null = [c for c in constraints if c["contype"] == "n"]
    if named_not_null:
        parts.append(f"CONSTRAINT {ident(named_not_null[0]['conname'])} NOT NULL")
    elif t["typnotnull"]:
        parts.append("NOT NULL")
    checks = [c for c in constraints if c["contype"] == "c"]
    parts += [f"CONSTRAINT {ident(c['conname'])} {c['def']}" for c in checks]
    # names of NOT NULL constraints differ between server versions: not part of the identity
    fingerprint = fingerprint_of(
        "domain",
        [
            t["basetype"],
            t["collation"],
            t["typdefault"],
            bool(named_not_null or t["typnotnull"]),
            sorted(c["def"] for c in checks),
        ],
    )
    return " ".join(parts), fingerprint


def _collation(c: dict[str, Any]) -> Dependency:
    name = ident(c["nspname"], c["collname"])
    ddl, fingerprint = collation_definition(c, name)
    return Dependency("collation", c["nspname"], c["collname"], name, ddl, fingerprint)


def _function(conn: Conn, f: dict[str, Any]) -> Dependency:
    definition = fetch(conn, "dep_function_def", oid=f["oid"])[0]["def"]
    ident_text = f["signature"]
    return Dependency(
        "function",
        f["nspname"],
        f["proname"],
        ident_text,
        definition.strip(),
        fingerprint_of("function", normalize(definition)),
    )


# -- applying (on load, inside the restore's transaction) -----------------------------------
