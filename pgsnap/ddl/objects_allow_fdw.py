"""Pure: the load's allow-list for procedural languages, transforms, access methods,
foreign-data wrappers, servers, user mappings and foreign tables.

Each check takes one parsed statement and the archive object it claims to be part of, and
accepts only the statement pgsnap writes for that kind, aimed at that object: a language's
CREATE (not OR REPLACE); a transform's CREATE for the type and language its identity names;
an access method's CREATE; a wrapper's, a server's CREATE; a user mapping's CREATE for the
role and server its identity names; a foreign table's CREATE (a partition: of one table,
with nothing of its own), its NOT VALID checks, its owner, a partition's own column options
and defaults.  COMMENT, ALTER … OWNER TO and GRANT are
checked in objects_allow.py, with the object types named here.
"""

from __future__ import annotations

from typing import Any

from pglast import ast
from pglast.enums import AlterTableType, ConstrType, ObjectType, RoleSpecType

from pgsnap.ddl.statements import one_statement, rel
from pgsnap.errors import PgsnapError
from pgsnap.model import DbObject
from pgsnap.naming import ident

# what COMMENT ON and ALTER … OWNER TO must name for these kinds (objects_allow._of_type)
OBJECT_TYPES = {
    "language": ObjectType.OBJECT_LANGUAGE,
    "transform": ObjectType.OBJECT_TRANSFORM,
    "access method": ObjectType.OBJECT_ACCESS_METHOD,
    "foreign data wrapper": ObjectType.OBJECT_FDW,
    "server": ObjectType.OBJECT_FOREIGN_SERVER,
}
# what GRANT … ON must name for these kinds
GRANT_TYPES = {
    "language": ObjectType.OBJECT_LANGUAGE,
    "foreign data wrapper": ObjectType.OBJECT_FDW,
    "server": ObjectType.OBJECT_FOREIGN_SERVER,
    "foreign table": ObjectType.OBJECT_TABLE,
}


def language(stmt: Any, obj: DbObject) -> bool:
    return (
        isinstance(stmt, ast.CreatePLangStmt)
        and not obj.schema
        and stmt.plname == obj.name
        and not stmt.replace
        and bool(stmt.plhandler)
    )


def _transform_target(obj: DbObject) -> Any:
    """(type, language) as the object's identity names them: FOR type LANGUAGE lang."""
    try:
        stmt = one_statement(f"COMMENT ON TRANSFORM {obj.identity} IS NULL")
    except PgsnapError:
        return None
    return stmt.object if isinstance(stmt, ast.CommentStmt) else None


def transform(stmt: Any, obj: DbObject) -> bool:
    if not isinstance(stmt, ast.CreateTransformStmt) or stmt.replace or obj.schema:
        return False
    wanted = _transform_target(obj)
    return wanted is not None and (stmt.type_name, ast.String(sval=stmt.lang)) == tuple(wanted)


def transform_comment(stmt: Any, obj: DbObject) -> bool:
    """COMMENT ON TRANSFORM FOR type LANGUAGE lang, of the object's type and language."""
    wanted = _transform_target(obj)
    return (
        stmt.objtype == ObjectType.OBJECT_TRANSFORM
        and wanted is not None
        and tuple(stmt.object) == tuple(wanted)
    )


def access_method(stmt: Any, obj: DbObject) -> bool:
    return isinstance(stmt, ast.CreateAmStmt) and stmt.amname == obj.name and not obj.schema


def wrapper(stmt: Any, obj: DbObject) -> bool:
    return isinstance(stmt, ast.CreateFdwStmt) and stmt.fdwname == obj.name and not obj.schema


def server(stmt: Any, obj: DbObject) -> bool:
    return (
        isinstance(stmt, ast.CreateForeignServerStmt)
        and stmt.servername == obj.name
        and not stmt.if_not_exists
        and not obj.schema
    )


def user_mapping(stmt: Any, obj: DbObject) -> bool:
    """CREATE USER MAPPING FOR the role and server the identity names (FOR r SERVER s)."""
    if not isinstance(stmt, ast.CreateUserMappingStmt) or stmt.if_not_exists or obj.schema:
        return False
    user: Any = stmt.user
    if user.roletype == RoleSpecType.ROLESPEC_PUBLIC:
        who = "PUBLIC"
    elif user.roletype == RoleSpecType.ROLESPEC_CSTRING and user.rolename is not None:
        who = ident(user.rolename)
    else:
        return False
    return f"FOR {who} SERVER {ident(stmt.servername or '')}" == obj.identity


def foreign_table(stmt: Any, obj: DbObject) -> bool:
    name = (obj.schema, obj.name)
    if isinstance(stmt, ast.CreateForeignTableStmt):
        base: Any = stmt.base
        if rel(base.relation) != name or base.ofTypename is not None or base.if_not_exists:
            return False
        # a partition of one table, with its columns and constraints
        return base.partbound is None or (len(base.inhRelations or ()) == 1 and not base.tableElts)
    if not isinstance(stmt, ast.AlterTableStmt) or rel(stmt.relation) != name:
        return False
    cmds = stmt.cmds or ()
    return (
        stmt.objtype == ObjectType.OBJECT_FOREIGN_TABLE
        and len(cmds) == 1
        and (cmds[0].subtype in FOREIGN_TABLE_COMMANDS or _adds_check(cmds[0]))
    )


# what an ALTER FOREIGN TABLE of the object may do besides adding a CHECK: its owner, and a
# partition's own column options and defaults
FOREIGN_TABLE_COMMANDS = (
    AlterTableType.AT_ChangeOwner,
    AlterTableType.AT_AlterColumnGenericOptions,
    AlterTableType.AT_ColumnDefault,
)


def _adds_check(cmd: Any) -> bool:
    c = cmd.def_
    return (
        cmd.subtype == AlterTableType.AT_AddConstraint
        and isinstance(c, ast.Constraint)
        and c.contype == ConstrType.CONSTR_CHECK
    )


CHECKS = {
    "language": language,
    "transform": transform,
    "access method": access_method,
    "foreign data wrapper": wrapper,
    "server": server,
    "user mapping": user_mapping,
    "foreign table": foreign_table,
}
COMMENT_CHECKS = {"transform": transform_comment}
