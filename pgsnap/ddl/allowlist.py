"""Pure: the load's allow-list.

A load executes DDL that it reads from a file.  Every statement is parsed with PostgreSQL's
grammar first, and runs only if it is one of the kinds pgsnap writes, aimed at an object the
manifest names.  Anything else is refused (UnsafeStatementError) before the database is
touched.
"""

from __future__ import annotations

from typing import Any

from pglast import ast
from pglast.enums import (
    AlterTableType,
    CmdType,
    ConstrType,
    DropBehavior,
    GrantTargetType,
    ObjectType,
    VariableSetKind,
)

from pgsnap.ddl.statements import ROLE_SETTING, has_clauses, names_of, one_statement, rel
from pgsnap.errors import UnsafeStatementError, UsageError
from pgsnap.model import Dependency, TableSpec
from pgsnap.naming import split_qualified
from pgsnap.shape import printable

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
        self.indexes = {(i.schema, i.name) for i in spec.index_names()}
        self.partitions = {(p.schema, p.name) for p in spec.partition_names()}
        self.family = {self.table} | self.partitions
        # partitioned members: a foreign key on one is added without ONLY (PostgreSQL refuses it)
        self.partitioned = {(spec.schema, p.name) for p in spec.owned.partitions if not p.leaf}
        if spec.kind == "p":
            self.partitioned.add(self.table)
        self.parents = [(p.schema, p.name) for p in spec.inherits]
        self.statistics = {(s.schema, s.name) for s in spec.owned.statistics}


def check_statements(spec: TableSpec, deps: list[Dependency], archive: str = "") -> None:
    """Refuse (UnsafeStatementError) any stored statement pgsnap would not have written;
    the message starts with `archive` (the file, or "the input stream") when given."""
    try:
        _check_statements(spec, deps)
    except UnsafeStatementError as exc:
        if archive:
            exc.reword(f'"{archive}": {exc}')
        raise


def _check_statements(spec: TableSpec, deps: list[Dependency]) -> None:
    names = _Names(spec)
    for text in (*spec.pre_data, *spec.post_data):
        stmt = one_statement(text)
        if not _table_statement_allowed(stmt, names) and not (
            spec.with_privileges and _privilege_allowed(stmt, names)
        ):
            raise UnsafeStatementError(_refusal(text, spec))
    for dep in deps:
        stmt = one_statement(dep.ddl)
        if not _dependency_allowed(stmt, dep):
            raise UnsafeStatementError(_refusal(dep.ddl, spec))
        if dep.setval and not (
            dep.kind == "sequence" and _sets_sequence(one_statement(dep.setval), dep)
        ):
            raise UnsafeStatementError(_refusal(dep.setval, spec))


def _refusal(text: str, spec: TableSpec) -> str:
    shown = printable(" ".join(text.split())[:120])
    return (
        f"refusing the archive of {printable(spec.qname.display())}: it holds a statement "
        f"pgsnap does not write: {shown}"
    )


def _table_statement_allowed(stmt: Any, n: _Names) -> bool:
    if isinstance(stmt, ast.CreateStmt):
        if rel(stmt.relation) == n.table:
            parents = [rel(r) for r in stmt.inhRelations or ()]
            return stmt.partbound is None and parents == n.parents
        parents = [rel(r) for r in stmt.inhRelations or ()]
        return (
            rel(stmt.relation) in n.partitions
            and stmt.partbound is not None
            and len(parents) == 1
            and parents[0] in n.family
        )
    if isinstance(stmt, ast.CreateSeqStmt):
        return rel(stmt.sequence) in n.sequences
    if isinstance(stmt, ast.AlterSeqStmt):
        return rel(stmt.sequence) in n.sequences
    if isinstance(stmt, ast.AlterTableStmt):
        cmds = [c.subtype for c in stmt.cmds or ()]
        if stmt.objtype == ObjectType.OBJECT_INDEX:
            return rel(stmt.relation) in n.indexes and _index_commands_allowed(stmt, n)
        if stmt.objtype != ObjectType.OBJECT_TABLE:
            return False
        return (
            rel(stmt.relation) in n.family
            and all(c in TABLE_COMMANDS for c in cmds)
            and _recursion_allowed(stmt, n)
        )
    if isinstance(stmt, ast.IndexStmt):
        # an index lives in the schema of the table (or partition) it is on
        on = rel(stmt.relation)
        return on in n.family and (on[0], stmt.idxname) in n.indexes
    if isinstance(stmt, ast.CreateTrigStmt):
        return rel(stmt.relation) in n.family and not stmt.replace
    if isinstance(stmt, ast.CreatePolicyStmt):
        return rel(stmt.table) in n.family
    if isinstance(stmt, ast.CommentStmt):
        return _comment_allowed(stmt, n)
    if isinstance(stmt, ast.SelectStmt):
        return _is_setval(stmt, n)
    return _statistics_or_rule_allowed(stmt, n)


def _recursion_allowed(stmt: Any, n: _Names) -> bool:
    """ADD CONSTRAINT without ONLY (which reaches inheritance children and partitions) only for
    a foreign key on a partitioned member: pgsnap writes every other constraint with ONLY."""
    adds = [c for c in stmt.cmds or () if c.subtype == AlterTableType.AT_AddConstraint]
    if not adds or not stmt.relation.inh:
        return True
    return rel(stmt.relation) in n.partitioned and all(
        isinstance(c.def_, ast.Constraint) and c.def_.contype == ConstrType.CONSTR_FOREIGN
        for c in adds
    )


def _statistics_or_rule_allowed(stmt: Any, n: _Names) -> bool:
    """CREATE STATISTICS of ours on the table (or a partition) alone, ALTER STATISTICS of
    ours, CREATE RULE on the table (or a partition) with DML or NOTIFY actions only."""
    if isinstance(stmt, ast.CreateStatsStmt):
        relations = [rel(r) for r in stmt.relations or () if isinstance(r, ast.RangeVar)]
        return (
            names_of(stmt.defnames or ()) in n.statistics
            and len(stmt.relations or ()) == 1
            and len(relations) == 1
            and relations[0] in n.family
            and not stmt.if_not_exists
        )
    if isinstance(stmt, ast.AlterStatsStmt):
        return names_of(stmt.defnames or ()) in n.statistics and not stmt.missing_ok
    if isinstance(stmt, ast.RuleStmt):
        return (
            rel(stmt.relation) in n.family
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


def _privilege_allowed(stmt: Any, n: _Names) -> bool:
    """GRANT / REVOKE on the table (or a partition) and its owned sequences, ALTER … OWNER TO
    of those, and SET ROLE / RESET ROLE: what privileges.py writes, nothing wider."""
    if isinstance(stmt, ast.GrantStmt):
        return _grant_allowed(stmt, n)
    if isinstance(stmt, ast.AlterTableStmt):
        cmds = stmt.cmds or ()
        if not cmds or any(c.subtype != AlterTableType.AT_ChangeOwner for c in cmds):
            return False
        return rel(stmt.relation) in _privilege_targets(stmt.objtype, n)
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
        and all(isinstance(o, ast.RangeVar) and rel(o) in targets for o in objects)
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


def _index_commands_allowed(stmt: Any, n: _Names) -> bool:
    """ALTER INDEX … ALTER COLUMN n SET STATISTICS, or … ATTACH PARTITION another of ours."""
    for cmd in stmt.cmds or ():
        if cmd.subtype == AlterTableType.AT_SetStatistics:
            continue
        if cmd.subtype != AlterTableType.AT_AttachPartition:
            return False
        child = getattr(cmd.def_, "name", None)
        if not isinstance(child, ast.RangeVar) or rel(child) not in n.indexes:
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
    return _setval_target(stmt) in n.sequences


def _setval_target(stmt: Any) -> tuple[str, ...] | None:
    """The sequence of SELECT pg_catalog.setval('seq', constant, constant), None for any other
    statement."""
    if not isinstance(stmt, ast.SelectStmt):
        return None
    if has_clauses(stmt, "whereClause") or len(stmt.targetList or ()) != 1:
        return None
    call = stmt.targetList[0].val  # type: ignore[index]  # one target: checked above
    if not isinstance(call, ast.FuncCall):
        return None
    if names_of(call.funcname or ()) not in (("pg_catalog", "setval"), ("setval",)):
        return None
    args = call.args or ()
    if len(args) != 3 or not all(isinstance(a, ast.A_Const) for a in args):
        return None
    if not isinstance(args[0].val, ast.String):
        return None
    try:
        return tuple(split_qualified(args[0].val.sval or ""))
    except UsageError:
        return None


def _sets_sequence(stmt: Any, dep: Dependency) -> bool:
    return _setval_target(stmt) == (dep.schema, dep.name)


def _names_sequence(identity: str, target: tuple[str, str]) -> bool:
    """The identity the load looks the sequence up by names the one it creates."""
    try:
        return tuple(split_qualified(identity)) == target
    except UsageError:
        return False


SEQUENCE_OPTIONS = frozenset({"as", "start", "increment", "minvalue", "maxvalue", "cache", "cycle"})


def _sequence_allowed(stmt: Any, target: tuple[str, str]) -> bool:
    """CREATE [UNLOGGED] SEQUENCE of the named sequence with only the options pgsnap writes:
    not OWNED BY (it is no table's of the archive), not IF NOT EXISTS, not TEMPORARY."""
    return (
        isinstance(stmt, ast.CreateSeqStmt)
        and stmt.sequence is not None
        and rel(stmt.sequence) == target
        and stmt.sequence.relpersistence in {"p", "u"}
        and not stmt.if_not_exists
        and not stmt.for_identity
        and all(d.defname in SEQUENCE_OPTIONS for d in stmt.options or ())
    )


def _dependency_allowed(stmt: Any, dep: Dependency) -> bool:
    target = (dep.schema, dep.name)
    if dep.kind == "extension":
        return (
            isinstance(stmt, ast.CreateExtensionStmt)
            and bool(stmt.if_not_exists)
            and stmt.extname == dep.name
        )
    if dep.kind == "function":
        return isinstance(stmt, ast.CreateFunctionStmt) and names_of(stmt.funcname) == target
    if dep.kind == "collation":
        return collation_allowed(stmt, target)
    if dep.kind == "sequence":
        return _sequence_allowed(stmt, target) and _names_sequence(dep.identity, target)
    if isinstance(stmt, (ast.CreateEnumStmt, ast.CreateRangeStmt)):
        return names_of(stmt.typeName) == target
    if isinstance(stmt, ast.CreateDomainStmt):
        return names_of(stmt.domainname) == target
    if isinstance(stmt, ast.CompositeTypeStmt):
        return rel(stmt.typevar) == target
    return False


COLLATION_OPTIONS = frozenset(
    {"provider", "deterministic", "locale", "lc_collate", "lc_ctype", "rules"}
)


def collation_allowed(stmt: Any, target: tuple[str, str]) -> bool:
    """CREATE COLLATION of the named collation, with only the options pgsnap writes (not FROM
    another collation, not IF NOT EXISTS)."""
    return (
        isinstance(stmt, ast.DefineStmt)
        and stmt.kind == ObjectType.OBJECT_COLLATION
        and names_of(stmt.defnames) == target
        and not stmt.if_not_exists
        and not stmt.replace
        and all(d.defname in COLLATION_OPTIONS for d in stmt.definition or ())
    )
