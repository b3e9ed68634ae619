"""The extensions, collations, types, functions and sequences a table needs, read from the
catalog.

`pg_dump -t` leaves these out, so its restore fails on a fresh database.  pgsnap carries
them in the archive (as Dependency values, DDL rendered by pgsnap.ddl.dependencies) and, on
load, creates the missing ones (pgsnap.restore.dependencies).
"""

from __future__ import annotations

from dataclasses import replace

from psycopg import sql

from pgsnap.catalog.fetch import fetch_as, fetch_column
from pgsnap.catalog.values import (
    Attribute,
    CollationRow,
    DepRelation,
    DomainConstraint,
    ExtensionRow,
    FunctionRow,
    SequenceRow,
    TypeRow,
)
from pgsnap.connection import Conn
from pgsnap.ddl.dependencies import (
    collation_definition,
    composite_definition,
    domain_definition,
    enum_definition,
    extension_dependency,
    function_dependency,
    range_definition,
    sequence_dependency,
)
from pgsnap.model import Dependency
from pgsnap.naming import ident

SYSTEM_SCHEMAS = ("pg_catalog", "information_schema")
RECREATABLE_TYPES = {"e": "enum", "d": "domain", "c": "composite", "r": "range"}


def read_dependencies(conn: Conn, table_oid: int) -> list[Dependency]:
    """Extensions first, then types and functions, each after what it is built from.  A
    partitioned table's partitions count: each has its own triggers, defaults and indexes."""
    walker = _Walker(conn)
    relations = fetch_as(conn, "dep_relations", DepRelation, oid=table_oid)
    oids = [r.oid for r in relations]
    for rel in relations:
        walker.visit_type(rel.of_type)
    for type_oid in fetch_column(conn, "dep_column_types", int, oids=oids, table=table_oid):
        walker.visit_type(type_oid)
    for collation in fetch_column(conn, "dep_table_collations", int, oids=oids):
        walker.visit_collation(collation)
    for f in _functions(conn, fetch_column(conn, "dep_functions", int, oids=oids)):
        walker.visit_function(f)
    walker.extensions.update(fetch_column(conn, "dep_index_extensions", str, oids=oids))
    sequences = [sequence_dependency(s) for s in _sequences(conn, oids)]
    return (
        [_extension(conn, name) for name in sorted(walker.extensions)] + walker.ordered + sequences
    )


def _sequences(conn: Conn, oids: list[int]) -> list[SequenceRow]:
    """The sequences the defaults call that the table does not own, with their values."""
    out = []
    for s in fetch_as(conn, "dep_sequences", SequenceRow, oids=oids):
        state = conn.execute(
            sql.SQL("SELECT last_value, is_called FROM {}").format(sql.Identifier(s.schema, s.name))
        ).fetchone()
        assert state is not None  # a sequence has one row
        out.append(replace(s, last_value=int(state[0]), is_called=bool(state[1])))
    return out


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
        t = type_row(self.conn, oid)
        if t is None:
            return
        if t.extension:
            self.extensions.add(t.extension)
            return
        if t.category == "A" and t.element:
            self.visit_type(t.element)  # an array comes with its element type
            return
        if t.schema in SYSTEM_SCHEMAS or t.kind not in RECREATABLE_TYPES:
            return
        self._visit_type_parts(t)
        for collation in fetch_column(self.conn, "dep_type_collations", int, oid=oid):
            self.visit_collation(collation)
        name = ident(t.schema, t.name)
        ddl, fingerprint = type_definition(self.conn, t, name)
        self.ordered.append(Dependency("type", t.schema, t.name, name, ddl, fingerprint))

    def _visit_type_parts(self, t: TypeRow) -> None:
        if t.kind == "d":
            self.visit_type(t.base)
            oids = fetch_column(self.conn, "dep_domain_functions", int, oid=t.oid)
            for f in _functions(self.conn, oids):
                self.visit_function(f)
        elif t.kind == "r" and t.range_subtype is not None:
            self.visit_type(t.range_subtype)
        elif t.kind == "c":
            for a in fetch_as(self.conn, "dep_composite_attributes", Attribute, relid=t.relid):
                self.visit_type(a.type_oid)

    def visit_function(self, f: FunctionRow) -> None:
        if ("f", f.oid) in self.seen:
            return
        self.seen.add(("f", f.oid))
        if f.extension:
            self.extensions.add(f.extension)
            return
        for t in [f.rettype, *f.argtypes]:
            self.visit_type(t)
        self.ordered.append(function_dependency(f, function_definition(self.conn, f.oid)))

    def visit_collation(self, oid: int) -> None:
        if ("c", oid) in self.seen:
            return
        self.seen.add(("c", oid))
        c = collation_row(self.conn, oid)
        if c is None or c.schema in SYSTEM_SCHEMAS:
            return
        if c.extension:
            self.extensions.add(c.extension)
            return
        name = ident(c.schema, c.name)
        ddl, fingerprint = collation_definition(c, name)
        self.ordered.append(Dependency("collation", c.schema, c.name, name, ddl, fingerprint))


def _functions(conn: Conn, oids: list[int]) -> list[FunctionRow]:
    return fetch_as(conn, "functions", FunctionRow, oids=oids) if oids else []


def type_row(conn: Conn, oid: int) -> TypeRow | None:
    rows = fetch_as(conn, "dep_types", TypeRow, oid=oid)
    return rows[0] if rows else None


def collation_row(conn: Conn, oid: int) -> CollationRow | None:
    rows = fetch_as(conn, "dep_collation", CollationRow, oid=oid)
    return rows[0] if rows else None


def extension_row(conn: Conn, name: str) -> ExtensionRow | None:
    rows = fetch_as(conn, "dep_extension", ExtensionRow, name=name)
    return rows[0] if rows else None


def function_definition(conn: Conn, oid: int) -> str:
    return fetch_column(conn, "dep_function_def", str, oid=oid)[0]


def _extension(conn: Conn, name: str) -> Dependency:
    row = extension_row(conn, name)
    assert row is not None, name  # read in the same snapshot that found it
    return extension_dependency(row)


def type_definition(conn: Conn, t: TypeRow, name: str) -> tuple[str, str]:
    """(CREATE statement, fingerprint) of an enum, domain, composite or range type."""
    if t.kind == "e":
        labels = fetch_column(conn, "dep_enum_labels", str, oid=t.oid)
        return enum_definition(name, labels)
    if t.kind == "d":
        constraints = fetch_as(conn, "dep_domain_constraints", DomainConstraint, oid=t.oid)
        return domain_definition(name, t, constraints)
    if t.kind == "c":
        attrs = fetch_as(conn, "dep_composite_attributes", Attribute, relid=t.relid)
        return composite_definition(name, attrs)
    return range_definition(name, t)
