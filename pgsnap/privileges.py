"""Owners and GRANTs of a table, its partitions and its owned sequences (`--with-privileges`).

Read from pg_class.relacl and pg_attribute.attacl (exploded with aclexplode) inside the
dump's snapshot, and rendered as pg_dump renders them: `ALTER … OWNER TO`, a `REVOKE ALL …
FROM owner` when the owner's own privileges were reduced, then one GRANT per grantee,
grantor and grant option, in ACL order.  A grant made by another role than the owner runs
under `SET ROLE grantor`, so that the restored ACL records the same grantor.  The statements
end the table's post-data; the load's allow-list accepts them only on the table's own objects,
and a load checks up front that every role they name exists (check_roles).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import psycopg

from pgsnap.catalog import fetch
from pgsnap.ddl import ident
from pgsnap.errors import MissingRoleError
from pgsnap.model import TableSpec

Conn = psycopg.Connection[Any]


@dataclass(frozen=True, slots=True)
class AclItem:
    """One privilege of one grantee, as aclexplode() returns it."""

    grantor: str
    grantee: str | None  # None: PUBLIC
    privilege: str  # SELECT, INSERT, …, USAGE
    grantable: bool
    column: str | None = None  # a column privilege (pg_attribute.attacl)


@dataclass(frozen=True, slots=True)
class RelationAcl:
    kind: str  # TABLE | SEQUENCE: the keyword in ALTER … OWNER and GRANT … ON
    schema: str
    name: str
    owner: str
    has_acl: bool  # False: relacl is NULL, the owner holds the default privileges
    owner_default: tuple[str, ...]  # acldefault(): what the owner holds by default
    items: tuple[AclItem, ...]


# --------------------------------------------------------------------------- catalog


def read_acl(conn: Conn, kind: str, schema: str, name: str) -> RelationAcl:
    """Owner and ACLs of one relation.  Call inside the dump's snapshot."""
    relation = ident(schema, name)
    head = fetch(conn, "acl_relation", relation=relation)[0]
    items = tuple(
        AclItem(
            r["grantor"], r["grantee"], r["privilege_type"], r["is_grantable"], r["column_name"]
        )
        for r in fetch(conn, "acl_items", relation=relation)
    )
    return RelationAcl(
        kind,
        schema,
        name,
        head["owner"],
        head["has_acl"],
        tuple(head["owner_default"]),
        items,
    )


def read_acls(conn: Conn, spec: TableSpec) -> list[RelationAcl]:
    """The table's, then its partitions', then its owned sequences' owners and ACLs."""
    acls = [read_acl(conn, "TABLE", spec.schema, spec.name)]
    acls += [read_acl(conn, "TABLE", spec.schema, p.name) for p in spec.owned.partitions]
    acls += [read_acl(conn, "SEQUENCE", s.schema, s.name) for s in spec.owned.sequences]
    return acls


def with_privileges(conn: Conn, spec: TableSpec) -> TableSpec:
    """`spec` with its owners and GRANTs appended to its post-data, and recorded as such."""
    stmts = [s for acl in read_acls(conn, spec) for s in statements(acl)]
    return replace(spec, post_data=spec.post_data + tuple(stmts), with_privileges=True)


# --------------------------------------------------------------------------- rendering (pure)


def statements(acl: RelationAcl) -> list[str]:
    """ALTER … OWNER TO, then what makes the target's ACLs equal to the source's."""
    target = f"{acl.kind} {ident(acl.schema, acl.name)}"
    out = [f"ALTER {target} OWNER TO {ident(acl.owner)}"]
    if acl.has_acl:
        out += _relation_grants(acl, target, [i for i in acl.items if i.column is None])
    out += _grants(acl, target, [i for i in acl.items if i.column is not None])
    return out


def _owner_self(acl: RelationAcl, item: AclItem) -> bool:
    return item.grantee == acl.owner and item.grantor == acl.owner


def _relation_grants(acl: RelationAcl, target: str, items: list[AclItem]) -> list[str]:
    own = [i for i in items if _owner_self(acl, i)]
    out = []
    if {(i.privilege, i.grantable) for i in own} != {(p, False) for p in acl.owner_default}:
        # the owner gave up some of its own privileges: start from none, as pg_dump does
        out.append(f"REVOKE ALL ON {target} FROM {ident(acl.owner)}")
        out += _grants(acl, target, own)
    out += _grants(acl, target, [i for i in items if not _owner_self(acl, i)])
    if not out and acl.owner_default:
        # an ACL that equals the defaults but is spelled out (granted, then revoked): one
        # grant of what the owner has anyway makes the target's relacl non-NULL too
        out.append(f"GRANT {acl.owner_default[0]} ON {target} TO {ident(acl.owner)}")
    return out


def _grants(acl: RelationAcl, target: str, items: Iterable[AclItem]) -> list[str]:
    """One GRANT per (column, grantor, grantee, grant option), in the order of the ACL, so the
    restored aclitems come in the same order."""
    groups: dict[tuple[str | None, str, str | None, bool], list[str]] = {}
    for i in items:
        shown = i.privilege if i.column is None else f"{i.privilege} ({ident(i.column)})"
        groups.setdefault((i.column, i.grantor, i.grantee, i.grantable), []).append(shown)
    out = []
    for (_, grantor, grantee, grantable), privileges in groups.items():
        to = "PUBLIC" if grantee is None else ident(grantee)
        option = " WITH GRANT OPTION" if grantable else ""
        grant = f"GRANT {', '.join(privileges)} ON {target} TO {to}{option}"
        if grantor == acl.owner:
            out.append(grant)
        else:  # the grantor must be the one who grants: pg_dump uses SET SESSION AUTHORIZATION
            out += [f"SET ROLE {ident(grantor)}", grant, "RESET ROLE"]
    return out


# --------------------------------------------------------------------------- load


def check_roles(conn: Conn, specs: Sequence[TableSpec]) -> None:
    """Raise MissingRoleError, naming them, if roles the specs' privilege statements name do
    not exist on the target.  Runs before the load changes anything."""
    from pgsnap.sqlcheck import statement_roles  # pglast: only on the load's side

    stmts = [s for spec in specs if spec.with_privileges for s in spec.post_data]
    wanted = sorted({r for s in stmts for r in statement_roles(s)})
    if not wanted:
        return
    missing = [r["name"] for r in fetch(conn, "missing_roles", roles=wanted)]
    if len(missing) == 1:
        raise MissingRoleError(
            f'role "{missing[0]}" does not exist on the target; create it, '
            "or load with --no-privileges"
        )
    if missing:
        names = ", ".join(f'"{m}"' for m in missing)
        raise MissingRoleError(
            f"roles {names} do not exist on the target; create them, or load with --no-privileges"
        )


def without_privileges(spec: TableSpec) -> TableSpec:
    """`spec` with its owner and GRANT statements left out (`load --no-privileges`)."""
    if not spec.with_privileges:
        return spec
    from pgsnap.sqlcheck import is_privilege_statement

    kept = tuple(s for s in spec.post_data if not is_privilege_statement(s))
    return replace(spec, post_data=kept, with_privileges=False)
