"""Owners and ACLs of a table, its partitions and its owned sequences (`--with-privileges`).

Read from pg_class.relacl and pg_attribute.attacl (exploded with aclexplode) inside the
dump's snapshot; pgsnap.ddl.privileges renders them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from pgsnap.catalog.fetch import fetch_as, fetch_by_relation, fetch_column
from pgsnap.catalog.values import AclHead, AclItem, RelationAcl
from pgsnap.connection import Conn
from pgsnap.ddl.privileges import statements
from pgsnap.model import QualifiedName, TableSpec
from pgsnap.naming import ident


def read_acl(conn: Conn, kind: str, schema: str, name: str) -> RelationAcl:
    """Owner and ACLs of one relation.  Call inside the dump's snapshot."""
    relation = ident(schema, name)
    head = fetch_as(conn, "acl_relation", AclHead, relation=relation)[0]
    items = tuple(fetch_as(conn, "acl_items", AclItem, relation=relation))
    return RelationAcl(kind, schema, name, head.owner, head.has_acl, head.owner_default, items)


def read_acls(conn: Conn, spec: TableSpec) -> list[RelationAcl]:
    """The table's, then its partitions', then its owned sequences' owners and ACLs."""
    acls = [read_acl(conn, "TABLE", spec.schema, spec.name)]
    acls += [read_acl(conn, "TABLE", p.schema, p.name) for p in spec.partition_names()]
    acls += [read_acl(conn, "SEQUENCE", s.schema, s.name) for s in spec.owned.sequences]
    return acls


def with_privileges_all(conn: Conn, specs: Sequence[TableSpec]) -> list[TableSpec]:
    """Every spec as with_privileges gives it, in four queries whatever their number."""
    wanted = [(spec, kind, q) for spec in specs for kind, q in _relations(spec)]
    names = [ident(q.schema, q.name) for _, _, q in wanted]
    oids = fetch_column(conn, "relation_oids", int, names=names) if names else []
    heads = fetch_by_relation(conn, "acl_relations", AclHead, oids)
    items = fetch_by_relation(conn, "acl_items_many", AclItem, oids)
    stmts: dict[QualifiedName, list[str]] = {spec.qname: [] for spec in specs}
    for (spec, kind, q), oid in zip(wanted, oids, strict=True):
        head = heads[oid][0]
        acl = RelationAcl(
            kind, q.schema, q.name, head.owner, head.has_acl, head.owner_default,
            tuple(items[oid]),
        )  # fmt: skip
        stmts[spec.qname] += statements(acl)
    return [
        replace(s, post_data=s.post_data + tuple(stmts[s.qname]), with_privileges=True)
        for s in specs
    ]


def _relations(spec: TableSpec) -> list[tuple[str, QualifiedName]]:
    """What read_acls reads, in its order: the table, its partitions, its sequences."""
    out = [("TABLE", spec.qname)]
    out += [("TABLE", p) for p in spec.partition_names()]
    return out + [("SEQUENCE", QualifiedName(s.schema, s.name)) for s in spec.owned.sequences]


def with_privileges(conn: Conn, spec: TableSpec) -> TableSpec:
    """`spec` with its owners and GRANTs appended to its post-data, and recorded as such."""
    stmts = [s for acl in read_acls(conn, spec) for s in statements(acl)]
    return replace(spec, post_data=spec.post_data + tuple(stmts), with_privileges=True)
