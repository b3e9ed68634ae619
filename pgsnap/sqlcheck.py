"""Pure checks of SQL text supplied from outside, with pglast (PostgreSQL's own grammar)."""

from __future__ import annotations

from typing import Any

from pglast import ast, parse_sql
from pglast.enums import (
    AlterTableType,
    CmdType,
    ConstrType,
    DropBehavior,
    GrantTargetType,
    ObjectType,
    RoleSpecType,
    SetOperation,
    SortByDir,
    SortByNulls,
    VariableSetKind,
)
from pglast.parser import ParseError
from pglast.stream import RawStream
from pglast.visitors import Ancestor, Visitor

from pgsnap.errors import UnsafeStatementError, UsageError
from pgsnap.model import Dependency, TableSpec
from pgsnap.naming import split_qualified

# everything a SELECT can carry beyond its target list (pglast field names)
SELECT_CLAUSES = (
    "fromClause",
    "groupClause",
    "havingClause",
    "sortClause",
    "limitCount",
    "intoClause",
    "lockingClause",
    "withClause",
    "distinctClause",
)


def _has_clauses(select: Any, *more: str) -> bool:
    """A set operation, or any clause of SELECT_CLAUSES (plus `more`)."""
    return select.op != SetOperation.SETOP_NONE or any(
        getattr(select, c, None) for c in (*SELECT_CLAUSES, *more)
    )


def check_where(condition: str) -> str:
    """Accept `condition` only if it is one boolean expression usable after WHERE.

    The text is parsed inside `SELECT 1 WHERE (…)`; anything that closes the parenthesis and
    adds clauses or statements (`1=1) TO PROGRAM …`) does not parse as one plain SELECT.
    """
    text = condition.strip()
    if not text:
        raise UsageError("--where needs a condition")
    try:
        stmts = parse_sql(f"SELECT 1 WHERE ({text})")
    except ParseError as exc:
        raise UsageError(f"--where is not a valid condition: {exc}") from None
    if len(stmts) != 1 or not isinstance(stmts[0].stmt, ast.SelectStmt):
        raise UsageError("--where must be a single condition")
    select = stmts[0].stmt
    if _has_clauses(select):
        raise UsageError("--where must be a single condition")
    return text


# -- the load's allow-list --------------------------------------------------------------------
#
# A load executes DDL that it reads from a file.  Every statement is parsed with PostgreSQL's
# grammar first, and runs only if it is one of the kinds pgsnap writes, aimed at an object the
# manifest names.  Anything else is refused before the database is touched.

TABLE_COMMANDS = {
    AlterTableType.AT_AddConstraint,
    AlterTableType.AT_ClusterOn,
    AlterTableType.AT_ReplicaIdentity,
    AlterTableType.AT_EnableTrig,
    AlterTableType.AT_DisableTrig,
    AlterTableType.AT_EnableAlwaysTrig,
    AlterTableType.AT_EnableReplicaTrig,
    AlterTableType.AT_EnableRowSecurity,
    AlterTableType.AT_ForceRowSecurity,
    AlterTableType.AT_SetStatistics,
    AlterTableType.AT_SetStorage,
    AlterTableType.AT_SetCompression,
    AlterTableType.AT_SetOptions,
    AlterTableType.AT_ColumnDefault,  # a child's or a partition's own default on a parent's column
    AlterTableType.AT_SetNotNull,
}
TABLE_COMMENTS = {
    ObjectType.OBJECT_TABLE,
    ObjectType.OBJECT_COLUMN,
    ObjectType.OBJECT_TABCONSTRAINT,
    ObjectType.OBJECT_TRIGGER,
    ObjectType.OBJECT_POLICY,
}
# rules: ALTER TABLE … DISABLE / ENABLE REPLICA / ENABLE ALWAYS RULE, COMMENT ON RULE … ON table
TABLE_COMMANDS |= {
    AlterTableType.AT_DisableRule,
    AlterTableType.AT_EnableReplicaRule,
    AlterTableType.AT_EnableAlwaysRule,
}
TABLE_COMMENTS |= {ObjectType.OBJECT_RULE}
# what a rule of a table may do (an action list of none is DO NOTHING); an ON SELECT rule
# would turn the table into a view
RULE_ACTIONS = (ast.SelectStmt, ast.InsertStmt, ast.UpdateStmt, ast.DeleteStmt, ast.NotifyStmt)
RULE_EVENTS = {CmdType.CMD_INSERT, CmdType.CMD_UPDATE, CmdType.CMD_DELETE}


class _Names:
    """The objects a table's DDL may touch, as (schema, name) pairs."""

    def __init__(self, spec: TableSpec) -> None:
        self.table = (spec.schema, spec.name)
        self.sequences = {(s.schema, s.name) for s in spec.owned.sequences}
        self.indexes = {(spec.schema, i) for i in spec.owned.indexes}
        self.partitions = {(spec.schema, p.name) for p in spec.owned.partitions}
        self.family = {self.table} | self.partitions
        self.parents = [(p.schema, p.name) for p in spec.inherits]
        self.statistics = {(s.schema, s.name) for s in spec.owned.statistics}


def check_statements(spec: TableSpec, deps: list[Dependency]) -> None:
    """Refuse (UnsafeStatementError) any stored statement pgsnap would not have written."""
    names = _Names(spec)
    for text in (*spec.pre_data, *spec.post_data):
        stmt = _one_statement(text)
        if not _table_statement_allowed(stmt, names) and not (
            spec.with_privileges and _privilege_allowed(stmt, names)
        ):
            raise UnsafeStatementError(_refusal(text, spec))
    for dep in deps:
        stmt = _one_statement(dep.ddl)
        if not _dependency_allowed(stmt, dep):
            raise UnsafeStatementError(_refusal(dep.ddl, spec))


def _refusal(text: str, spec: TableSpec) -> str:
    shown = " ".join(text.split())[:120]
    return (
        f"refusing the archive of {spec.qname.display()}: it holds a statement pgsnap does not "
        f"write: {shown}"
    )


def _one_statement(text: str) -> Any:
    try:
        stmts = parse_sql(text)
    except ParseError:
        shown = " ".join(text.split())[:120]
        raise UnsafeStatementError(
            f"refusing the archive: a stored statement does not parse: {shown}"
        ) from None
    if len(stmts) != 1:
        raise UnsafeStatementError(
            f"refusing the archive: {len(stmts)} statements where one was stored: "
            f"{' '.join(text.split())[:120]}"
        )
    return stmts[0].stmt


def _rel(rv: Any) -> tuple[str | None, str]:
    return rv.schemaname, rv.relname


def _table_statement_allowed(stmt: Any, n: _Names) -> bool:
    if isinstance(stmt, ast.CreateStmt):
        if _rel(stmt.relation) == n.table:
            parents = [_rel(r) for r in stmt.inhRelations or ()]
            return stmt.partbound is None and parents == n.parents
        parents = [_rel(r) for r in stmt.inhRelations or ()]
        return (
            _rel(stmt.relation) in n.partitions
            and stmt.partbound is not None
            and len(parents) == 1
            and parents[0] in n.family
        )
    if isinstance(stmt, ast.CreateSeqStmt):
        return _rel(stmt.sequence) in n.sequences
    if isinstance(stmt, ast.AlterSeqStmt):
        return _rel(stmt.sequence) in n.sequences
    if isinstance(stmt, ast.AlterTableStmt):
        cmds = [c.subtype for c in stmt.cmds or ()]
        if stmt.objtype == ObjectType.OBJECT_INDEX:
            return _rel(stmt.relation) in n.indexes and _index_commands_allowed(stmt, n)
        if stmt.objtype != ObjectType.OBJECT_TABLE:
            return False
        return _rel(stmt.relation) in n.family and all(c in TABLE_COMMANDS for c in cmds)
    if isinstance(stmt, ast.IndexStmt):
        return _rel(stmt.relation) in n.family and (n.table[0], stmt.idxname) in n.indexes
    if isinstance(stmt, ast.CreateTrigStmt):
        return _rel(stmt.relation) in n.family and not stmt.replace
    if isinstance(stmt, ast.CreatePolicyStmt):
        return _rel(stmt.table) in n.family
    if isinstance(stmt, ast.CommentStmt):
        return _comment_allowed(stmt, n)
    if isinstance(stmt, ast.SelectStmt):
        return _is_setval(stmt, n)
    return _statistics_or_rule_allowed(stmt, n)


def _statistics_or_rule_allowed(stmt: Any, n: _Names) -> bool:
    """CREATE STATISTICS of ours on the table (or a partition) alone, ALTER STATISTICS of
    ours, CREATE RULE on the table (or a partition) with DML or NOTIFY actions only."""
    if isinstance(stmt, ast.CreateStatsStmt):
        relations = [_rel(r) for r in stmt.relations or () if isinstance(r, ast.RangeVar)]
        return (
            _names(stmt.defnames or ()) in n.statistics
            and len(stmt.relations or ()) == 1
            and len(relations) == 1
            and relations[0] in n.family
            and not stmt.if_not_exists
        )
    if isinstance(stmt, ast.AlterStatsStmt):
        return _names(stmt.defnames or ()) in n.statistics and not stmt.missing_ok
    if isinstance(stmt, ast.RuleStmt):
        return (
            _rel(stmt.relation) in n.family
            and not stmt.replace
            and stmt.event in RULE_EVENTS
            and all(_rule_action_allowed(a) for a in stmt.actions or ())
        )
    return False


def _rule_action_allowed(action: Any) -> bool:
    if isinstance(action, ast.SelectStmt) and action.intoClause is not None:
        return False  # SELECT … INTO creates a table
    return isinstance(action, RULE_ACTIONS)


# -- owners and GRANTs (dump --with-privileges) -------------------------------------------

ROLE_SETTING = "role"  # SET ROLE grantor / RESET ROLE around a grant made by another role


def _privilege_allowed(stmt: Any, n: _Names) -> bool:
    """GRANT / REVOKE on the table (or a partition) and its owned sequences, ALTER … OWNER TO
    of those, and SET ROLE / RESET ROLE: what privileges.py writes, nothing wider."""
    if isinstance(stmt, ast.GrantStmt):
        return _grant_allowed(stmt, n)
    if isinstance(stmt, ast.AlterTableStmt):
        cmds = stmt.cmds or ()
        if not cmds or any(c.subtype != AlterTableType.AT_ChangeOwner for c in cmds):
            return False
        return _rel(stmt.relation) in _privilege_targets(stmt.objtype, n)
    if isinstance(stmt, ast.VariableSetStmt):
        return _is_role_setting(stmt)
    return False


def _privilege_targets(objtype: Any, n: _Names) -> set[tuple[str, str]]:
    if objtype == ObjectType.OBJECT_TABLE:
        return n.family
    if objtype == ObjectType.OBJECT_SEQUENCE:
        return n.sequences
    return set()


def _grant_allowed(stmt: Any, n: _Names) -> bool:
    objects = stmt.objects or ()
    targets = _privilege_targets(stmt.objtype, n)
    return (
        stmt.targtype == GrantTargetType.ACL_TARGET_OBJECT
        and stmt.grantor is None
        and stmt.behavior == DropBehavior.DROP_RESTRICT
        and bool(objects)
        and all(isinstance(o, ast.RangeVar) and _rel(o) in targets for o in objects)
    )


def _is_role_setting(stmt: Any) -> bool:
    if stmt.name != ROLE_SETTING or stmt.is_local:
        return False
    if stmt.kind == VariableSetKind.VAR_RESET:
        return True
    args: tuple[Any, ...] = tuple(stmt.args or ())
    return (
        stmt.kind == VariableSetKind.VAR_SET_VALUE
        and len(args) == 1
        and isinstance(args[0], ast.A_Const)
        and isinstance(args[0].val, ast.String)
    )


def is_privilege_statement(text: str) -> bool:
    """Whether a stored statement is one of the owner / GRANT statements (privileges.py)."""
    stmt = _one_statement(text)
    if isinstance(stmt, ast.GrantStmt):
        return True
    if isinstance(stmt, ast.VariableSetStmt):
        return stmt.name == ROLE_SETTING
    return isinstance(stmt, ast.AlterTableStmt) and any(
        c.subtype == AlterTableType.AT_ChangeOwner for c in stmt.cmds or ()
    )


class _Roles(Visitor):
    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_RoleSpec(self, ancestors: Ancestor, node: ast.RoleSpec) -> None:
        if node.roletype == RoleSpecType.ROLESPEC_CSTRING and node.rolename is not None:
            self.names.add(node.rolename)

    def visit_VariableSetStmt(self, ancestors: Ancestor, node: ast.VariableSetStmt) -> None:
        if node.name == ROLE_SETTING:
            for arg in node.args or ():
                if isinstance(arg, ast.A_Const) and isinstance(arg.val, ast.String):
                    self.names.add(arg.val.sval or "")


def statement_roles(text: str) -> set[str]:
    """The roles a stored statement names: grantees, new owners, SET ROLE (PUBLIC is none)."""
    roles = _Roles()
    roles(_one_statement(text))
    return roles.names


def _index_commands_allowed(stmt: Any, n: _Names) -> bool:
    """ALTER INDEX … ALTER COLUMN n SET STATISTICS, or … ATTACH PARTITION another of ours."""
    for cmd in stmt.cmds or ():
        if cmd.subtype == AlterTableType.AT_SetStatistics:
            continue
        if cmd.subtype != AlterTableType.AT_AttachPartition:
            return False
        child = getattr(cmd.def_, "name", None)
        if not isinstance(child, ast.RangeVar) or _rel(child) not in n.indexes:
            return False
    return True


def _comment_allowed(stmt: Any, n: _Names) -> bool:
    parts = (
        tuple(s.sval for s in stmt.object if isinstance(s, ast.String))
        if isinstance(stmt.object, tuple)
        else ()
    )
    if stmt.objtype == ObjectType.OBJECT_TABLE:
        return parts in n.family
    if stmt.objtype == ObjectType.OBJECT_COLUMN:
        return parts[:2] in n.family and len(parts) == 3
    if stmt.objtype == ObjectType.OBJECT_INDEX:
        return parts in n.indexes
    if stmt.objtype == ObjectType.OBJECT_SEQUENCE:
        return parts in n.sequences
    if stmt.objtype == ObjectType.OBJECT_STATISTIC_EXT:
        return parts in n.statistics
    if stmt.objtype in TABLE_COMMENTS:  # constraint, trigger, policy: ... ON table
        return parts[:2] in n.family and len(parts) == 3
    return False


def _is_setval(stmt: Any, n: _Names) -> bool:
    if _has_clauses(stmt, "whereClause") or len(stmt.targetList or ()) != 1:
        return False
    call = stmt.targetList[0].val
    if not isinstance(call, ast.FuncCall):
        return False
    if _names(call.funcname or ()) not in (("pg_catalog", "setval"), ("setval",)):
        return False
    args = call.args or ()
    if len(args) != 3 or not all(isinstance(a, ast.A_Const) for a in args):
        return False
    if not isinstance(args[0].val, ast.String):
        return False
    try:
        parts = tuple(split_qualified(args[0].val.sval or ""))
    except UsageError:
        return False
    return parts in n.sequences


def _dependency_allowed(stmt: Any, dep: Dependency) -> bool:
    target = (dep.schema, dep.name)
    if dep.kind == "extension":
        return (
            isinstance(stmt, ast.CreateExtensionStmt)
            and bool(stmt.if_not_exists)
            and stmt.extname == dep.name
        )
    if dep.kind == "function":
        return isinstance(stmt, ast.CreateFunctionStmt) and _names(stmt.funcname) == target
    if dep.kind == "collation":
        return _collation_allowed(stmt, target)
    if isinstance(stmt, (ast.CreateEnumStmt, ast.CreateRangeStmt)):
        return _names(stmt.typeName) == target
    if isinstance(stmt, ast.CreateDomainStmt):
        return _names(stmt.domainname) == target
    if isinstance(stmt, ast.CompositeTypeStmt):
        return _rel(stmt.typevar) == target
    return False


COLLATION_OPTIONS = frozenset(
    {"provider", "deterministic", "locale", "lc_collate", "lc_ctype", "rules"}
)


def _collation_allowed(stmt: Any, target: tuple[str, str]) -> bool:
    """CREATE COLLATION of the named collation, with only the options pgsnap writes (not FROM
    another collation, not IF NOT EXISTS)."""
    return (
        isinstance(stmt, ast.DefineStmt)
        and stmt.kind == ObjectType.OBJECT_COLLATION
        and _names(stmt.defnames) == target
        and not stmt.if_not_exists
        and not stmt.replace
        and all(d.defname in COLLATION_OPTIONS for d in stmt.definition or ())
    )


def _names(items: Any) -> tuple[str, ...]:
    return tuple(s.sval for s in items)


def is_foreign_key(text: str) -> bool:
    """Whether a stored statement adds a foreign key (they run after every table's keys)."""
    stmt = _one_statement(text)
    if not isinstance(stmt, ast.AlterTableStmt):
        return False
    return any(
        c.subtype == AlterTableType.AT_AddConstraint
        and isinstance(c.def_, ast.Constraint)
        and c.def_.contype == ConstrType.CONSTR_FOREIGN
        for c in stmt.cmds or ()
    )


def split_key_constraint(text: str) -> tuple[str, str] | None:
    """`ADD CONSTRAINT k PRIMARY KEY|UNIQUE (…)` as (CREATE UNIQUE INDEX k …, ADD CONSTRAINT k
    … USING INDEX k), or None when it is not such a statement.

    The index builds then run side by side with the other indexes (ADD CONSTRAINT takes an
    ACCESS EXCLUSIVE lock and would build them one after another), and attaching the built
    index is a catalog change.  pgcopydb restores keys the same way.
    """
    stmt = _one_statement(text)
    if not isinstance(stmt, ast.AlterTableStmt) or len(stmt.cmds or ()) != 1:
        return None
    cmd = stmt.cmds[0]  # type: ignore[index]
    c = cmd.def_
    if cmd.subtype != AlterTableType.AT_AddConstraint or not isinstance(c, ast.Constraint):
        return None
    if c.contype not in (ConstrType.CONSTR_PRIMARY, ConstrType.CONSTR_UNIQUE):
        return None
    if c.indexname or c.without_overlaps or c.indexspace or (c.nulls_not_distinct and c.options):
        return None  # already USING INDEX, a PG18 temporal key, or a form the printer misorders
    index = _key_index(stmt, c)
    c.keys = c.including = c.options = None
    c.nulls_not_distinct = False
    c.indexname = c.conname
    attach = RawStream()(stmt)
    try:  # safety belt: both must parse back
        _one_statement(index)
        _one_statement(attach)
    except UnsafeStatementError:
        return None
    return index, attach


def _key_index(stmt: Any, c: Any) -> str:
    def elem(name: str) -> Any:
        return ast.IndexElem(
            name=name,
            ordering=SortByDir.SORTBY_DEFAULT,
            nulls_ordering=SortByNulls.SORTBY_NULLS_DEFAULT,
        )

    relation = ast.RangeVar(
        schemaname=stmt.relation.schemaname,
        relname=stmt.relation.relname,
        inh=True,
        relpersistence="p",
    )
    index = ast.IndexStmt(
        idxname=c.conname,
        relation=relation,
        accessMethod="btree",
        indexParams=tuple(elem(k.sval) for k in c.keys or ()),
        indexIncludingParams=tuple(elem(k.sval) for k in c.including or ()),
        options=c.options,
        unique=True,
        nulls_not_distinct=bool(c.nulls_not_distinct),
    )
    return str(RawStream()(index))
