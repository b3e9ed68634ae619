"""Pure: the comments, owners and GRANTs of a whole-database archive's objects, as statements
appended to each object's DDL, named as SQL names each kind.

`KEYWORDS[kind]` is (what COMMENT ON and ALTER … OWNER TO call the kind, what GRANT … ON
calls it); None where the kind has no owner or no ACL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from pgsnap.catalog.values import AclItem, ObjectAclRow, ObjectCommentRow, ObjectRow, RelationAcl
from pgsnap.ddl.privileges import grants
from pgsnap.naming import ident, literal

KEYWORDS: dict[str, tuple[str, str | None]] = {
    "schema": ("SCHEMA", "SCHEMA"),
    "extension": ("EXTENSION", None),
    "collation": ("COLLATION", None),
    "type": ("TYPE", "TYPE"),
    "domain": ("DOMAIN", "DOMAIN"),
    "function": ("FUNCTION", "FUNCTION"),
    "procedure": ("PROCEDURE", "PROCEDURE"),
    "aggregate": ("AGGREGATE", "FUNCTION"),
    "operator": ("OPERATOR", None),
    "operator family": ("OPERATOR FAMILY", None),
    "operator class": ("OPERATOR CLASS", None),
    "cast": ("CAST", None),
    "text search parser": ("TEXT SEARCH PARSER", None),
    "text search template": ("TEXT SEARCH TEMPLATE", None),
    "text search dictionary": ("TEXT SEARCH DICTIONARY", None),
    "text search configuration": ("TEXT SEARCH CONFIGURATION", None),
    "conversion": ("CONVERSION", None),
    "sequence": ("SEQUENCE", "SEQUENCE"),
    "view": ("VIEW", "TABLE"),
    "materialized view": ("MATERIALIZED VIEW", "TABLE"),
    "event trigger": ("EVENT TRIGGER", None),
    "publication": ("PUBLICATION", None),
    "large object": ("LARGE OBJECT", "LARGE OBJECT"),
    "language": ("LANGUAGE", "LANGUAGE"),
    "transform": ("TRANSFORM", None),
    "access method": ("ACCESS METHOD", None),
    "foreign data wrapper": ("FOREIGN DATA WRAPPER", "FOREIGN DATA WRAPPER"),
    "server": ("SERVER", "FOREIGN SERVER"),
    "user mapping": ("USER MAPPING", None),
    "foreign table": ("FOREIGN TABLE", "TABLE"),
}
NO_OWNER = (
    "extension",
    "cast",
    "text search parser",
    "text search template",
    "transform",
    "access method",
    "user mapping",
)


def with_extras(
    rows: Sequence[ObjectRow],
    comments: Sequence[ObjectCommentRow],
    acls: Sequence[ObjectAclRow],
) -> list[ObjectRow]:
    """Each row with its comments, then its owner and GRANTs, after its own DDL (a comment
    on a part made after the rows, a view's rule or trigger, after that part)."""
    by_comment: dict[tuple[str, int], list[ObjectCommentRow]] = {}
    for c in comments:
        by_comment.setdefault((c.cls, c.oid), []).append(c)
    by_acl = {(a.cls, a.oid): a for a in acls}
    out = []
    for row in rows:
        key = (row.cls, row.oid)
        notes = by_comment.get(key, ())
        extra = [comment_statement(row, c) for c in notes if not c.after]
        later = tuple(comment_statement(row, c) for c in notes if c.after)
        if row.kind == "schema" and row.name == "public" and not notes:
            # every new database's public has a comment: the source's had it removed
            extra.append(f"COMMENT ON SCHEMA {row.identity} IS NULL")
        acl = by_acl.get(key)
        if acl is not None:
            extra += privilege_statements(row, acl)
        out.append(replace(row, ddl=row.ddl + tuple(extra), post=row.post + later))
    return out


def comment_statement(row: ObjectRow, c: ObjectCommentRow) -> str:
    target = c.target or f"{KEYWORDS[row.kind][0]} {row.identity}"
    return f"COMMENT ON {target} IS {literal(c.description)}"


def privilege_statements(row: ObjectRow, acl: ObjectAclRow) -> list[str]:
    """ALTER … OWNER TO, then the GRANTs (and REVOKEs) that give the source's ACL."""
    if row.kind in NO_OWNER:
        return []
    keyword, grant_keyword = KEYWORDS[row.kind]
    out = [f"ALTER {keyword} {row.identity} OWNER TO {ident(acl.owner)}"]
    if grant_keyword is None:
        return out
    columns = acl.columns or (None,) * len(acl.grantors)
    items = tuple(
        AclItem(acl.grantors[i], acl.grantees[i], acl.privileges[i], acl.grantables[i], columns[i])
        for i in range(len(acl.grantors))
    )
    relation = RelationAcl("", "", "", acl.owner, acl.has_acl, acl.owner_default, items)
    identity = row.identity
    if row.kind == "aggregate" and identity.endswith("(*)"):
        identity = identity[: -len("(*)")] + "()"  # GRANT … ON FUNCTION takes no (*)
    target = f"{grant_keyword} {identity}"
    public = {i.privilege for i in items if i.grantee is None and i.column is None}
    if acl.has_acl and not set(acl.public_default) <= public:
        # PUBLIC lost a default privilege (REVOKE USAGE ON LANGUAGE … FROM PUBLIC)
        out.append(f"REVOKE ALL ON {target} FROM PUBLIC")
    elif row.kind == "schema" and row.name == "public":
        # a new database's public lets PUBLIC use it (not acldefault's): start from none
        out.append(f"REVOKE ALL ON {target} FROM PUBLIC")
    return out + grants(relation, target)
