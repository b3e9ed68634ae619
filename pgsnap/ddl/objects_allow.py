"""Pure: the load's allow-list for a whole-database archive's objects (design §9).

Each statement of an object is parsed, and runs only if it is a kind of statement pgsnap
writes for that kind of object, aimed at that object: its CREATE (a view's, a type's…), the
comments, owner and GRANTs of it, and what belongs to it (a materialized view's indexes and
REFRESH, a view's rules and triggers, a sequence's value).  A table archive holds no objects:
one that does is refused whole.  Kinds read by their own module register their CREATE check
in CREATE_CHECKS.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from pglast import ast
from pglast.enums import (
    AlterTableType,
    AlterTSConfigType,
    GrantTargetType,
    ObjectType,
    VariableSetKind,
)
from pglast.stream import RawStream

from pgsnap.ddl import objects_allow_events as events
from pgsnap.ddl import objects_allow_fdw as fdw
from pgsnap.ddl.statements import ROLE_SETTING, names_of, one_statement, rel
from pgsnap.errors import UnsafeStatementError, UsageError
from pgsnap.model import DbObject
from pgsnap.naming import split_qualified, without_secrets
from pgsnap.shape import printable

Check = Callable[[Any, DbObject], bool]
SYSTEM_SCHEMAS = ("pg_catalog", "information_schema")


def target(obj: DbObject) -> tuple[str, ...]:
    return (obj.schema, obj.name) if obj.schema else (obj.name,)


def check_objects(objects: Sequence[DbObject], scope: str, archive: str = "") -> None:
    """Refuse (UnsafeStatementError) an object statement pgsnap would not have written, or
    objects in a table archive; the message starts with `archive` when given."""
    where = f'"{archive}": ' if archive else ""
    if objects and scope == "tables":
        raise UnsafeStatementError(
            f"{where}refusing the archive: it is a table archive but holds "
            f"{printable(objects[0].display())} (pgsnap does not write that)"
        )
    standins: set[tuple[str, str, str]] = set()  # the views an earlier object stood in for
    for obj in objects:
        key = (obj.kind, obj.schema, obj.name)
        for text in (*obj.ddl, *obj.post):
            stmt = one_statement(text)
            if obj.schema in SYSTEM_SCHEMAS and not isinstance(stmt, ast.GrantStmt):
                stmt = None  # a system object: only its GRANTs and REVOKEs, never a CREATE
            if not statement_allowed(stmt, obj) or (_replaces(stmt) and key not in standins):
                shown = printable(without_secrets(" ".join(text.split()))[:120])
                raise UnsafeStatementError(
                    f"{where}refusing the archive: for {printable(obj.display())} it holds a "
                    f"statement pgsnap does not write: {shown}"
                )
        if obj.kind == "view":
            standins.add(key)


def statement_allowed(stmt: Any, obj: DbObject) -> bool:
    if obj.kind == "large object":
        return _large_object(stmt, obj)
    if isinstance(stmt, (ast.CommentStmt, ast.AlterOwnerStmt)) and obj.kind in NAMED_WHOLE:
        objtype = stmt.objtype if isinstance(stmt, ast.CommentStmt) else stmt.objectType
        return objtype == NAMED_WHOLE[obj.kind] and _same_object(stmt.object, obj)
    if isinstance(stmt, ast.CommentStmt) and stmt.objtype == ObjectType.OBJECT_INDEX:
        return obj.kind == "materialized view" and _names_one_of_its_indexes(stmt, obj)
    if isinstance(stmt, ast.CommentStmt):
        special = fdw.COMMENT_CHECKS.get(obj.kind)
        if special is not None:
            return special(stmt, obj)
        return _of_type(stmt.objtype, obj) and target(obj) in set(_names_in(stmt.object))
    if isinstance(stmt, ast.GrantStmt):
        return _grant_allowed(stmt, obj)
    if isinstance(stmt, ast.AlterOwnerStmt):
        return _of_type(stmt.objectType, obj) and target(obj) in set(_names_in(stmt.object))
    if isinstance(stmt, ast.VariableSetStmt):
        return _is_role_setting(stmt)
    check = CREATE_CHECKS.get(obj.kind)
    return check is not None and check(stmt, obj)


def _replaces(stmt: Any) -> bool:
    """CREATE OR REPLACE VIEW: pgsnap writes it only for a view a stand-in came before (a
    dependency loop broken as pg_dump breaks it, ddl/order.py)."""
    return isinstance(stmt, ast.ViewStmt) and bool(stmt.replace)


def _of_type(objtype: Any, obj: DbObject) -> bool:
    """A COMMENT or ALTER OWNER names the object's type (checked for the kinds that say it)."""
    wanted = OBJECT_TYPES.get(obj.kind)
    return wanted is None or objtype == wanted


# kinds whose COMMENT and ALTER … OWNER name them by more than a qualified name (an access
# method, two types): the statement's object must be the one the identity spells
NAMED_WHOLE = {
    "operator class": ObjectType.OBJECT_OPCLASS,
    "operator family": ObjectType.OBJECT_OPFAMILY,
    "cast": ObjectType.OBJECT_CAST,
}


def _identity_object(obj: DbObject) -> Any:
    """The object node of `COMMENT ON <kind> <identity>`; None when that does not parse or
    names another object than the DbObject's schema and name."""
    from pgsnap.ddl.objects import KEYWORDS

    try:
        stmt = one_statement(f"COMMENT ON {KEYWORDS[obj.kind][0]} {obj.identity} IS NULL")
    except UnsafeStatementError:
        return None
    if not isinstance(stmt, ast.CommentStmt):
        return None
    node = stmt.object
    if obj.kind == "cast":
        return node if obj.name == obj.identity and not obj.schema else None
    return node if _rendered(node)[1:] == target(obj) else None


def _rendered(node: Any) -> Any:
    if isinstance(node, tuple):
        return tuple(_rendered(n) for n in node)
    if isinstance(node, ast.String):
        return node.sval
    return RawStream()(node)


def _same_object(node: Any, obj: DbObject) -> bool:
    wanted = _identity_object(obj)
    return wanted is not None and _rendered(node) == _rendered(wanted)


def _names_one_of_its_indexes(stmt: Any, obj: DbObject) -> bool:
    """COMMENT ON INDEX of an index the materialized view's own post-data creates."""
    made = set()
    for text in obj.post:
        index = one_statement(text)
        if isinstance(index, ast.IndexStmt) and rel(index.relation) == target(obj):
            made.add((obj.schema, index.idxname))
    return names_of(stmt.object) in made if isinstance(stmt.object, tuple) else False


def _names_in(node: Any) -> Iterator[tuple[str, ...]]:
    """The names a statement's object node spells: a qualified name (and its first parts, a
    column's relation), a function's or operator's name, a type's, a relation's."""
    if isinstance(node, ast.String) and node.sval is not None:
        yield (node.sval,)
    elif isinstance(node, (ast.Integer, ast.Float)):
        yield (str(node.ival if isinstance(node, ast.Integer) else node.fval),)
    elif isinstance(node, ast.ObjectWithArgs):
        yield names_of(node.objname or ())
    elif isinstance(node, ast.TypeName):
        yield names_of(node.names or ())
    elif isinstance(node, ast.RangeVar):
        yield rel(node)  # type: ignore[misc]
    elif isinstance(node, tuple):
        if node and all(isinstance(n, ast.String) for n in node):
            parts = tuple(n.sval for n in node)
            yield from (parts[:i] for i in range(len(parts), 0, -1))
        else:
            for n in node:
                yield from _names_in(n)


def _grant_allowed(stmt: Any, obj: DbObject) -> bool:
    objects = stmt.objects or ()
    names = {n for o in objects for n in _names_in(o)}
    objtype = fdw.GRANT_TYPES.get(obj.kind)
    return (
        (objtype is None or stmt.objtype == objtype)
        and stmt.targtype == GrantTargetType.ACL_TARGET_OBJECT
        and stmt.grantor is None
        and len(objects) == 1
        and target(obj) in names
    )


def _is_role_setting(stmt: Any) -> bool:
    if stmt.name != ROLE_SETTING or stmt.is_local:
        return False
    args: tuple[Any, ...] = tuple(stmt.args or ())
    return stmt.kind == VariableSetKind.VAR_RESET or (
        stmt.kind == VariableSetKind.VAR_SET_VALUE
        and len(args) == 1
        and isinstance(args[0], ast.A_Const)
        and isinstance(args[0].val, ast.String)
    )


def _owner_change(stmt: Any, obj: DbObject, objtype: Any) -> bool:
    cmds = stmt.cmds or ()
    return (
        stmt.objtype == objtype
        and rel(stmt.relation) == target(obj)
        and bool(cmds)
        and all(
            c.subtype in (AlterTableType.AT_ChangeOwner, AlterTableType.AT_ColumnDefault)
            for c in cmds
        )
    )


# -- CREATE and what belongs to an object, by kind ------------------------------------------


def _schema(stmt: Any, obj: DbObject) -> bool:
    return (
        isinstance(stmt, ast.CreateSchemaStmt)
        and stmt.schemaname == obj.name
        and not stmt.schemaElts
        and stmt.authrole is None
    )


def _extension(stmt: Any, obj: DbObject) -> bool:
    return isinstance(stmt, ast.CreateExtensionStmt) and stmt.extname == obj.name


def _type(stmt: Any, obj: DbObject) -> bool:
    if isinstance(stmt, (ast.CreateEnumStmt, ast.CreateRangeStmt)):
        return names_of(stmt.typeName) == target(obj)
    if isinstance(stmt, ast.CompositeTypeStmt):
        return rel(stmt.typevar) == target(obj)
    return (  # a base type, and its shell
        isinstance(stmt, ast.DefineStmt)
        and stmt.kind == ObjectType.OBJECT_TYPE
        and names_of(stmt.defnames) == target(obj)
        and not stmt.replace
    )


def _domain(stmt: Any, obj: DbObject) -> bool:
    if isinstance(stmt, ast.CreateDomainStmt):
        return names_of(stmt.domainname) == target(obj)
    return isinstance(stmt, ast.AlterDomainStmt) and names_of(stmt.typeName) == target(obj)


def _function(stmt: Any, obj: DbObject) -> bool:
    return isinstance(stmt, ast.CreateFunctionStmt) and names_of(stmt.funcname) == target(obj)


def _sequence(stmt: Any, obj: DbObject) -> bool:
    if isinstance(stmt, ast.CreateSeqStmt):
        return rel(stmt.sequence) == target(obj)
    if isinstance(stmt, ast.AlterTableStmt):
        return _owner_change(stmt, obj, ObjectType.OBJECT_SEQUENCE)
    return isinstance(stmt, ast.SelectStmt) and is_setval_of(stmt, target(obj))


def is_setval_of(stmt: Any, name: tuple[str, ...]) -> bool:
    """SELECT pg_catalog.setval('schema.name', n, bool) of that sequence, nothing more."""
    if stmt.whereClause is not None or stmt.fromClause or len(stmt.targetList or ()) != 1:
        return False
    call = stmt.targetList[0].val
    if not isinstance(call, ast.FuncCall) or names_of(call.funcname) != ("pg_catalog", "setval"):
        return False
    args = call.args or ()
    if len(args) not in (2, 3) or not all(isinstance(a, ast.A_Const) for a in args):
        return False
    if not isinstance(args[0].val, ast.String):
        return False
    try:
        return tuple(split_qualified(args[0].val.sval or "")) == name
    except UsageError:
        return False


def _view(stmt: Any, obj: DbObject) -> bool:
    if isinstance(stmt, ast.ViewStmt):
        return rel(stmt.view) == target(obj)
    if isinstance(stmt, ast.AlterTableStmt):
        return _owner_change(stmt, obj, ObjectType.OBJECT_VIEW)
    if isinstance(stmt, ast.RuleStmt):
        return rel(stmt.relation) == target(obj) and not stmt.replace
    if isinstance(stmt, ast.CreateTrigStmt):
        return rel(stmt.relation) == target(obj) and not stmt.replace
    return False


def _matview(stmt: Any, obj: DbObject) -> bool:
    if isinstance(stmt, ast.CreateTableAsStmt):
        return (
            stmt.into is not None
            and stmt.objtype == ObjectType.OBJECT_MATVIEW
            and rel(stmt.into.rel) == target(obj)
            and bool(stmt.into.skipData)
        )
    if isinstance(stmt, ast.IndexStmt):
        return rel(stmt.relation) == target(obj)
    if isinstance(stmt, ast.RefreshMatViewStmt):
        return rel(stmt.relation) == target(obj)
    if isinstance(stmt, ast.AlterTableStmt):
        return _owner_change(stmt, obj, ObjectType.OBJECT_MATVIEW)
    return False


def _large_object(stmt: Any, obj: DbObject) -> bool:
    """lo_create of that oid, COMMENT ON / ALTER … OWNER TO / GRANT or REVOKE … ON LARGE
    OBJECT that oid: nothing aimed at another kind of object of the same name."""
    lo = ObjectType.OBJECT_LARGEOBJECT
    if isinstance(stmt, ast.CommentStmt):
        return stmt.objtype == lo and tuple(_names_in(stmt.object)) == (target(obj),)
    if isinstance(stmt, ast.AlterOwnerStmt):
        return stmt.objectType == lo and tuple(_names_in(stmt.object)) == (target(obj),)
    if isinstance(stmt, ast.GrantStmt):
        return stmt.objtype == lo and _grant_allowed(stmt, obj)
    return isinstance(stmt, ast.SelectStmt) and is_lo_create_of(stmt, obj.name)


def is_lo_create_of(stmt: Any, oid: str) -> bool:
    """SELECT pg_catalog.lo_create('oid') of that oid, nothing more."""
    if stmt.whereClause is not None or stmt.fromClause or len(stmt.targetList or ()) != 1:
        return False
    call = stmt.targetList[0].val
    if not isinstance(call, ast.FuncCall) or names_of(call.funcname) != ("pg_catalog", "lo_create"):
        return False
    args = call.args or ()
    return (
        len(args) == 1
        and isinstance(args[0], ast.A_Const)
        and isinstance(args[0].val, ast.String)
        and args[0].val.sval == oid
        and not (stmt.distinctClause or stmt.groupClause or stmt.havingClause)
    )


def _collation(stmt: Any, obj: DbObject) -> bool:
    from pgsnap.ddl.allowlist import collation_allowed

    return collation_allowed(stmt, (obj.schema, obj.name))


def _defined(kind: Any) -> Check:
    """CREATE AGGREGATE / OPERATOR / TEXT SEARCH …: a DefineStmt of that kind for that name."""

    def check(stmt: Any, obj: DbObject) -> bool:
        return (
            isinstance(stmt, ast.DefineStmt)
            and stmt.kind == kind
            and names_of(stmt.defnames) == target(obj)
            and not stmt.replace
            and not stmt.if_not_exists
        )

    return check


def _access_method(obj: DbObject) -> str | None:
    node = _identity_object(obj)
    return node[0].sval if node else None


def _opfamily(stmt: Any, obj: DbObject) -> bool:
    if isinstance(stmt, ast.CreateOpFamilyStmt) or (
        isinstance(stmt, ast.AlterOpFamilyStmt) and not stmt.isDrop
    ):
        return names_of(stmt.opfamilyname) == target(obj) and stmt.amname == _access_method(obj)
    return False


def _opclass(stmt: Any, obj: DbObject) -> bool:
    return (
        isinstance(stmt, ast.CreateOpClassStmt)
        and names_of(stmt.opclassname) == target(obj)
        and stmt.amname == _access_method(obj)
    )


def _cast(stmt: Any, obj: DbObject) -> bool:
    if not isinstance(stmt, ast.CreateCastStmt):
        return False
    return _same_object((stmt.sourcetype, stmt.targettype), obj)


def _ts_config(stmt: Any, obj: DbObject) -> bool:
    if isinstance(stmt, ast.AlterTSConfigurationStmt):
        return (
            stmt.kind == AlterTSConfigType.ALTER_TSCONFIG_ADD_MAPPING
            and names_of(stmt.cfgname) == target(obj)
            and not stmt.override
            and not stmt.replace
        )
    return _defined(ObjectType.OBJECT_TSCONFIGURATION)(stmt, obj)


def _conversion(stmt: Any, obj: DbObject) -> bool:
    return isinstance(stmt, ast.CreateConversionStmt) and names_of(stmt.conversion_name) == target(
        obj
    )


CREATE_CHECKS: dict[str, Check] = {
    "aggregate": _defined(ObjectType.OBJECT_AGGREGATE),
    "operator": _defined(ObjectType.OBJECT_OPERATOR),
    "operator family": _opfamily,
    "operator class": _opclass,
    "cast": _cast,
    "text search parser": _defined(ObjectType.OBJECT_TSPARSER),
    "text search template": _defined(ObjectType.OBJECT_TSTEMPLATE),
    "text search dictionary": _defined(ObjectType.OBJECT_TSDICTIONARY),
    "text search configuration": _ts_config,
    "conversion": _conversion,
    "schema": _schema,
    "extension": _extension,
    "type": _type,
    "domain": _domain,
    "function": _function,
    "procedure": _function,
    "sequence": _sequence,
    "view": _view,
    "materialized view": _matview,
    "collation": _collation,
    **events.CHECKS,
    **fdw.CHECKS,
}
OBJECT_TYPES = {**events.OBJECT_TYPES, **fdw.OBJECT_TYPES}
