"""Pure: the load's allow-list for event triggers, publications and default privileges.

Each check takes one parsed statement and the archive object it claims to be part of, and
accepts only the statement pgsnap writes for that kind, aimed at that object: an event
trigger's CREATE and its ALTER … ENABLE/DISABLE; a publication's CREATE (no tables in it)
and one ALTER PUBLICATION … ADD per table or schema; an ALTER DEFAULT PRIVILEGES of one
privilege for one grantee whose role, schema and object type are those the object's name
spells.
"""

from __future__ import annotations

from typing import Any

from pglast import ast
from pglast.enums import (
    AlterPublicationAction,
    GrantTargetType,
    ObjectType,
    PublicationObjSpecType,
    RoleSpecType,
)

from pgsnap.model import DbObject
from pgsnap.naming import ident

PUBLICATION_OPTIONS = {"publish", "publish_via_partition_root", "publish_generated_columns"}
DEFAULT_ACL_TYPES = {
    ObjectType.OBJECT_TABLE: "tables",
    ObjectType.OBJECT_SEQUENCE: "sequences",
    ObjectType.OBJECT_FUNCTION: "functions",
    ObjectType.OBJECT_TYPE: "types",
    ObjectType.OBJECT_SCHEMA: "schemas",
    ObjectType.OBJECT_LARGEOBJECT: "large objects",
}
# what COMMENT ON and ALTER … OWNER TO must name for these kinds (statement_allowed)
OBJECT_TYPES = {
    "event trigger": ObjectType.OBJECT_EVENT_TRIGGER,
    "publication": ObjectType.OBJECT_PUBLICATION,
}


def event_trigger(stmt: Any, obj: DbObject) -> bool:
    if isinstance(stmt, (ast.CreateEventTrigStmt, ast.AlterEventTrigStmt)):
        return bool(stmt.trigname == obj.name and not obj.schema)
    return False


def publication(stmt: Any, obj: DbObject) -> bool:
    if obj.schema or getattr(stmt, "pubname", None) != obj.name:
        return False
    if isinstance(stmt, ast.CreatePublicationStmt):
        options = stmt.options or ()
        return not stmt.pubobjects and all(o.defname in PUBLICATION_OPTIONS for o in options)
    if isinstance(stmt, ast.AlterPublicationStmt):
        objects = stmt.pubobjects or ()
        return (
            stmt.action == AlterPublicationAction.AP_AddObjects
            and not stmt.for_all_tables
            and len(objects) == 1
            and _one_table_or_schema(objects[0])
        )
    return False


def _one_table_or_schema(spec: Any) -> bool:
    if spec.pubobjtype == PublicationObjSpecType.PUBLICATIONOBJ_TABLES_IN_SCHEMA:
        return isinstance(spec.name, str) and spec.pubtable is None
    return (
        spec.pubobjtype == PublicationObjSpecType.PUBLICATIONOBJ_TABLE
        and spec.pubtable is not None
        and spec.pubtable.relation.schemaname is not None
        and not spec.pubtable.relation.inh
    )


def default_privileges(stmt: Any, obj: DbObject) -> bool:
    if not isinstance(stmt, ast.AlterDefaultPrivilegesStmt):
        return False
    options = {o.defname: o.arg for o in stmt.options or ()}
    roles = options.pop("roles", ())
    schemas = options.pop("schemas", ())
    g: Any = stmt.action
    if options or len(roles) != 1 or len(schemas) > 1 or not _one_grant(g):
        return False
    if roles[0].roletype != RoleSpecType.ROLESPEC_CSTRING or g.objtype not in DEFAULT_ACL_TYPES:
        return False
    schema = schemas[0].sval if schemas else ""
    parts = ["role", ident(roles[0].rolename)]
    if schema:
        parts += ["in schema", ident(schema)]
    parts += ["on", DEFAULT_ACL_TYPES[g.objtype]]
    return schema == obj.schema and " ".join(parts) == obj.name


def _one_grant(g: Any) -> bool:
    privileges: tuple[Any, ...] = tuple(g.privileges or ())
    return (
        isinstance(g, ast.GrantStmt)
        and g.targtype == GrantTargetType.ACL_TARGET_DEFAULTS
        and g.grantor is None
        and len(privileges) == 1
        and privileges[0].cols is None
        and len(g.grantees or ()) == 1
    )


CHECKS = {
    "event trigger": event_trigger,
    "publication": publication,
    "default privileges": default_privileges,
}
