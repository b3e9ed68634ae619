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
from pglast.enums import AlterTableType, GrantTargetType, ObjectType, VariableSetKind

from pgsnap.ddl import objects_allow_events as events
from pgsnap.ddl import objects_allow_fdw as fdw
from pgsnap.ddl.statements import ROLE_SETTING, names_of, one_statement, rel
from pgsnap.errors import UnsafeStatementError, UsageError
from pgsnap.model import DbObject
from pgsnap.naming import split_qualified, without_secrets
from pgsnap.shape import printable

Check = Callable[[Any, DbObject], bool]


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
            if not statement_allowed(stmt, obj) or (_replaces(stmt) and key not in standins):
                shown = printable(without_secrets(" ".join(text.split()))[:120])
                raise UnsafeStatementError(
                    f"{where}refusing the archive: for {printable(obj.display())} it holds a "
                    f"statement pgsnap does not write: {shown}"
                )
        if obj.kind == "view":
            standins.add(key)


def statement_allowed(stmt: Any, obj: DbObject) -> bool:
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


def _collation(stmt: Any, obj: DbObject) -> bool:
    from pgsnap.ddl.allowlist import collation_allowed

    return collation_allowed(stmt, (obj.schema, obj.name))


CREATE_CHECKS: dict[str, Check] = {
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
