"""Owners and ACLs of a table, its partitions and its owned sequences (`--with-privileges`).

Read from pg_class.relacl and pg_attribute.attacl (exploded with aclexplode) inside the
dump's snapshot; pgsnap.ddl.privileges renders them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from pgsnap.catalog.fetch import fetch_by_relation, fetch_column
from pgsnap.catalog.values import AclHead, AclItem, RelationAcl
from pgsnap.connection import Conn
from pgsnap.ddl.privileges import statements
from pgsnap.model import QualifiedName, TableSpec
from pgsnap.naming import ident


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
