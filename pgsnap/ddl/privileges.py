"""Pure: owners and GRANTs rendered as pg_dump renders them (`dump --with-privileges`).

`ALTER … OWNER TO`, a `REVOKE ALL … FROM owner` when the owner's own privileges were
reduced, then one GRANT per grantee, grantor and grant option, in ACL order.  A grant made by
another role than the owner runs under `SET ROLE grantor`, so that the restored ACL records
the same grantor.  The statements end the table's post-data; the load's allow-list accepts
them only on the table's own objects.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from pgsnap.catalog.values import AclItem, RelationAcl
from pgsnap.model import DbObject, TableSpec
from pgsnap.naming import ident


def statements(acl: RelationAcl) -> list[str]:
    """ALTER … OWNER TO, then what makes the target's ACLs equal to the source's."""
    target = f"{acl.kind} {ident(acl.schema, acl.name)}"
    return [f"ALTER {target} OWNER TO {ident(acl.owner)}", *grants(acl, target)]


def grants(acl: RelationAcl, target: str) -> list[str]:
    """What makes the target's ACL (`target` is what GRANT … ON names) equal to the source's."""
    out = []
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


def without_privileges(spec: TableSpec) -> TableSpec:
    """`spec` with its owner and GRANT statements left out (`load --no-privileges`)."""
    if not spec.with_privileges:
        return spec
    from pgsnap.ddl.statements import is_privilege_statement

    kept = tuple(s for s in spec.post_data if not is_privilege_statement(s))
    return replace(spec, post_data=kept, with_privileges=False)


def without_object_privileges(obj: DbObject) -> DbObject:
    """`obj` without its owner and GRANT statements (`load --no-privileges`)."""
    from pgsnap.ddl.statements import is_privilege_statement

    return replace(
        obj,
        ddl=tuple(s for s in obj.ddl if not is_privilege_statement(s)),
        post=tuple(s for s in obj.post if not is_privilege_statement(s)),
    )
