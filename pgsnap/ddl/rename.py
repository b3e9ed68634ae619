"""Rename a dumped table, and the objects that belong to it, in its stored DDL.

The catalog facts in the TableSpec decide *what* is renamed: the table, its owned
sequences, its indexes, constraints, triggers and policies.  The pglast AST decides
*where* a name is used as one of those objects.  Nothing is matched by prefix or
substring, so another table ``papers_authors``, its ``papers_authors_id_seq``, a column
``papers_count``, ``other.papers``, string constants and comment text stay as they are.

Pure: values in, values out, no connection.  See design.md §5 and notes/pglast.md.

Names in the DDL that carry no schema are taken to be in the old table's schema.  The
dumper writes every name schema-qualified (search_path=''), so that only matters for
hand-written DDL.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, cast

from pglast import ast
from pglast.enums import AlterTableType, ConstrType, ObjectType
from pglast.printers.ddl import AlterTableTypePrinter
from pglast.stream import RawStream
from pglast.visitors import Ancestor, Visitor

from pgsnap.ddl.parsing import ParseError, parse_sql
from pgsnap.ddl.printing import print_sql
from pgsnap.errors import NameTooLongError, RenameError, UsageError
from pgsnap.model import (
    Owned,
    OwnedSequence,
    OwnedStatistics,
    Partition,
    QualifiedName,
    TableSpec,
)
from pgsnap.naming import MAX_IDENT_BYTES, check_length, quote_ident_if_needed, split_qualified

# 32 bits of sha1 keep shortened names apart; the plan still checks for duplicates.
HASH_HEX_DIGITS = 8
_EXCERPT_CHARS = 80  # how much of a statement an error message quotes

# Functions whose first argument is a relation name given as text, not as regclass.
_SEQUENCE_FUNCTIONS = frozenset({"nextval", "currval", "setval", "pg_get_serial_sequence"})
_RELATION_COMMENTS = frozenset(
    {
        ObjectType.OBJECT_TABLE,
        ObjectType.OBJECT_INDEX,
        ObjectType.OBJECT_SEQUENCE,
        ObjectType.OBJECT_VIEW,
        ObjectType.OBJECT_MATVIEW,
        ObjectType.OBJECT_FOREIGN_TABLE,
    }
)
_MEMBER_COMMENTS = {
    ObjectType.OBJECT_TABCONSTRAINT: "constraint",
    ObjectType.OBJECT_TRIGGER: "trigger",
    ObjectType.OBJECT_POLICY: "policy",
}
_CONSTRAINT_COMMANDS = frozenset(
    {AlterTableType.AT_ValidateConstraint, AlterTableType.AT_DropConstraint}
)
_TRIGGER_COMMANDS = frozenset(
    {
        AlterTableType.AT_EnableTrig,
        AlterTableType.AT_DisableTrig,
        AlterTableType.AT_EnableAlwaysTrig,
        AlterTableType.AT_EnableReplicaTrig,
    }
)
# In a trigger's WHEN clause OLD and NEW are row names, never a table called old or new.
_TRIGGER_ROWS = frozenset({"old", "new"})
# COMMENT ON objects named `… ON relation` whose own name stays: a column, a rule.
_KEPT_MEMBER_COMMENTS = frozenset({ObjectType.OBJECT_COLUMN, ObjectType.OBJECT_RULE})


def _print_enable_always_rule(self: object, node: ast.AlterTableCmd, output: RawStream) -> None:
    output.write("ENABLE ALWAYS RULE ")
    output.print_name(node.name)


# pglast 8.8 prints ENABLE RULE, DISABLE RULE and ENABLE REPLICA RULE but not this one, which
# the dumper writes for a rule with ev_enabled 'A'; the rename's parse-back check covers it.
if not hasattr(AlterTableTypePrinter, "AT_EnableAlwaysRule"):
    setattr(AlterTableTypePrinter, "AT_EnableAlwaysRule", _print_enable_always_rule)  # noqa: B010


# --------------------------------------------------------------------------- the plan


@dataclass(frozen=True, slots=True)
class RenamePlan:
    """Every old name that changes, and its new name, from a TableSpec's catalog facts.

    ``relations`` holds the names in pg_class's schema-wide namespace (the table, its
    owned sequences, its indexes), schema-qualified.  ``constraints``, ``triggers`` and
    ``policies`` hold names in the table's own namespaces.  ``statistics`` holds the
    extended statistics objects, schema-qualified (their schema may not be the table's).
    Rules keep their names: they live in the table's namespace, not in a schema.
    """

    old: QualifiedName
    new: QualifiedName
    relations: Mapping[QualifiedName, QualifiedName]
    constraints: Mapping[str, str]
    triggers: Mapping[str, str]
    policies: Mapping[str, str]
    statistics: Mapping[QualifiedName, QualifiedName] = field(
        default_factory=lambda: MappingProxyType({})
    )

    def resolve(self, schema: str | None, name: str) -> QualifiedName:
        """The relation a possibly unqualified name means (unqualified: the table's schema)."""
        return QualifiedName(self.old.schema if schema is None else schema, name)

    def relation(self, schema: str | None, name: str) -> QualifiedName | None:
        """The new name of a relation that is renamed, or None."""
        return self.relations.get(self.resolve(schema, name))

    def member(self, kind: str, name: str) -> str:
        """The new name of a constraint, trigger or policy of the table (same if unknown)."""
        names = {"constraint": self.constraints, "trigger": self.triggers, "policy": self.policies}
        return names[kind].get(name, name)

    def stale_relations(self) -> frozenset[QualifiedName]:
        """Old relation names that must not survive a rename (they are not also new names)."""
        return frozenset(self.relations) - frozenset(self.relations.values())

    def stale_statistics(self) -> frozenset[QualifiedName]:
        """Old statistics names that must not survive a rename."""
        return frozenset(self.statistics) - frozenset(self.statistics.values())


def plan_rename(spec: TableSpec, new: QualifiedName, *, shorten_names: bool = False) -> RenamePlan:
    """Compute every new name for renaming ``spec``'s table to ``new``.

    Raises NameTooLongError for a new name over 63 bytes (the table's own name always;
    other names unless ``shorten_names``), RenameError when two objects would get the
    same new name.
    """
    check_length(new.schema, "schema")
    check_length(new.name, "table")
    namer = _Namer(spec.name, new.name, changed=new != spec.qname, shorten=shorten_names)
    relations = _plan_relations(spec, new, namer)
    plan = RenamePlan(
        old=spec.qname,
        new=new,
        relations=MappingProxyType(relations),
        constraints=MappingProxyType(_plan_constraints(spec, relations, namer)),
        triggers=MappingProxyType({t: namer.member("trigger", t) for t in spec.owned.triggers}),
        policies=MappingProxyType({p: namer.member("policy", p) for p in spec.owned.policies}),
        statistics=MappingProxyType(_plan_statistics(spec, new, namer)),
    )
    _check_distinct(plan)
    return plan


def _plan_relations(
    spec: TableSpec, new: QualifiedName, namer: _Namer
) -> dict[QualifiedName, QualifiedName]:
    old = spec.qname
    relations = {old: new}
    for seq in spec.owned.sequences:
        # a sequence moves with the table only if it lived in the table's schema
        schema = new.schema if seq.schema == old.schema else seq.schema
        name = namer.relation("sequence", seq.name, stays=schema == seq.schema)
        relations[QualifiedName(seq.schema, seq.name)] = QualifiedName(schema, name)
    # a partition (and an index) in the table's schema follows the table into its new schema;
    # one in another schema stays there; both take the new table name alike
    backing = (
        QualifiedName(spec.relation(c.relation).schema, c.name)
        for c in spec.owned.constraints
        if c.uses_index
    )
    members = [("partition", p) for p in spec.partition_names()]
    members += [("index", i) for i in dict.fromkeys([*spec.index_names(), *backing])]
    for kind, member in members:
        schema = new.schema if member.schema == old.schema else member.schema
        name = namer.relation(kind, member.name, stays=schema == member.schema)
        relations[member] = QualifiedName(schema, name)
    return relations


def _plan_statistics(
    spec: TableSpec, new: QualifiedName, namer: _Namer
) -> dict[QualifiedName, QualifiedName]:
    """Like a sequence: a statistics object moves with the table only from the table's schema;
    the table-name part of its name follows the new table name, as an index's does."""
    out = {}
    for st in spec.owned.statistics:
        schema = new.schema if st.schema == spec.schema else st.schema
        name = namer.relation("statistics", st.name, stays=schema == st.schema)
        out[QualifiedName(st.schema, st.name)] = QualifiedName(schema, name)
    return out


def _plan_constraints(
    spec: TableSpec, relations: Mapping[QualifiedName, QualifiedName], namer: _Namer
) -> dict[str, str]:
    names: dict[str, str] = {}
    for con in spec.owned.constraints:
        if con.uses_index:  # the constraint and its index share one name
            index = QualifiedName(spec.relation(con.relation).schema, con.name)
            names[con.name] = relations[index].name
        else:
            names[con.name] = namer.member("constraint", con.name)
    return names


def _check_distinct(plan: RenamePlan) -> None:
    relations = {old.display(): new.display() for old, new in plan.relations.items()}
    _require_distinct("relation", relations)
    _require_distinct("constraint", plan.constraints)
    _require_distinct("trigger", plan.triggers)
    _require_distinct("policy", plan.policies)
    statistics = {old.display(): new.display() for old, new in plan.statistics.items()}
    _require_distinct("statistics", statistics)


def _require_distinct(kind: str, names: Mapping[str, str]) -> None:
    counts = Counter(names.values())
    for new, count in counts.items():
        if count > 1:
            olds = ", ".join(f'"{old}"' for old, n in names.items() if n == new)
            raise RenameError(f'{kind} names {olds} would all be renamed to "{new}"')


# --------------------------------------------------------------------------- naming


@dataclass(frozen=True, slots=True)
class _Namer:
    """Derives the new name of one object of the table (design.md §5).

    The old table name found as whole '_'-delimited tokens is replaced by the new one
    (``papers_pkey`` -> ``papers_test_pkey``, ``idx_papers_tags`` -> ``idx_papers_test_tags``).
    Otherwise a relation that stays in its schema gets the new table name prepended, so that
    it cannot collide with the original; a constraint, trigger or policy keeps its name.
    """

    old_table: str
    new_table: str
    changed: bool  # False when the table keeps schema and name: then every name stays
    shorten: bool

    def relation(self, kind: str, old_name: str, *, stays: bool) -> str:
        must_differ = stays and self.changed
        found = _around_table(old_name, self.old_table)
        if found is not None:
            name = self._fit(kind, old_name, found[0], self.new_table, found[1])
            if name != old_name or not must_differ:
                return name
        if must_differ:
            return self._fit(kind, old_name, "", self.new_table, "_" + old_name)
        return self._fit(kind, old_name, "", old_name, "")

    def member(self, kind: str, old_name: str) -> str:
        found = _around_table(old_name, self.old_table)
        if found is None:
            return self._fit(kind, old_name, "", old_name, "")
        return self._fit(kind, old_name, found[0], self.new_table, found[1])

    def _fit(self, kind: str, old_name: str, head: str, table: str, tail: str) -> str:
        """head + table + tail, checked against the 63-byte limit or shortened."""
        name = head + table + tail
        size = _nbytes(name)
        if size <= MAX_IDENT_BYTES:
            return name
        if self.shorten:
            return _shorten(head, table, tail)
        raise NameTooLongError(
            f'{kind} "{old_name}" would be renamed to "{name}" ({size} bytes); postgresql '
            f"allows {MAX_IDENT_BYTES}; choose a shorter name or use --shorten-names"
        )


def _around_table(name: str, table: str) -> tuple[str, str] | None:
    """Split ``name`` around ``table`` found as whole '_'-delimited tokens: (head, tail).

    'papers_pkey' -> ('', '_pkey'), 'idx_papers_tags' -> ('idx_', '_tags'); a prefix is
    the match at the first token.  None when the table's tokens are not there.
    """
    tokens, wanted = name.split("_"), table.split("_")
    width = len(wanted)
    for i in range(len(tokens) - width + 1):
        if tokens[i : i + width] == wanted:
            head = "_".join(tokens[:i]) + "_" if i else ""
            rest = tokens[i + width :]
            return head, ("_" + "_".join(rest) if rest else "")
    return None


def _shorten(head: str, table: str, tail: str) -> str:
    """Deterministically fit head + table + tail in 63 bytes, as PostgreSQL's makeObjectName
    does (keep the suffix, clip the table part) plus a hash of the full intended name, so
    that different long names stay different."""
    full = head + table + tail
    digest = hashlib.sha1(full.encode("utf-8"), usedforsecurity=False).hexdigest()
    tag = "_" + digest[:HASH_HEX_DIGITS]
    room = MAX_IDENT_BYTES - _nbytes(head) - _nbytes(tail) - len(tag)
    if room > 0:
        return head + _clip(table, room) + tag + tail
    return _clip(full, MAX_IDENT_BYTES - len(tag)) + tag


def _clip(text: str, limit: int) -> str:
    """At most ``limit`` UTF-8 bytes of ``text``, never cutting a character in half."""
    return text.encode("utf-8")[:limit].decode("utf-8", errors="ignore")


def _nbytes(text: str) -> int:
    return len(text.encode("utf-8"))


# --------------------------------------------------------------------------- public entry points


def rename_table(spec: TableSpec, new: QualifiedName, *, shorten_names: bool = False) -> TableSpec:
    """``spec`` restored as ``new``: names, owned objects and both DDL lists renamed.

    The owned tuples keep their order and length, so old and new pair up positionally.
    Raises NameTooLongError or RenameError (see plan_rename and rename_statements).
    """
    plan = plan_rename(spec, new, shorten_names=shorten_names)
    return replace(
        spec,
        schema=new.schema,
        name=new.name,
        owned=_rename_owned(spec.owned, plan),
        pre_data=rename_statements(spec.pre_data, plan),
        post_data=rename_statements(spec.post_data, plan),
    )


def rename_statements(statements: Sequence[str], plan: RenamePlan) -> tuple[str, ...]:
    """Each statement (one per string) parsed, renamed by ``plan`` and printed again.

    Raises RenameError, naming the statement, when one does not parse, still names an old
    relation after renaming, or does not print back to the same tree.
    """
    return tuple(_rename_statement(sql, plan) for sql in statements)


def _rename_owned(owned: Owned, plan: RenamePlan) -> Owned:
    old_schema, new_schema = plan.old.schema, plan.new.schema
    indexes = [
        plan.relations[QualifiedName(owned.index_schema(n, old_schema), i)]
        for n, i in enumerate(owned.indexes)
    ]

    def on(partition: str) -> str:
        if not partition:
            return ""
        return plan.relations[
            QualifiedName(owned.partition_schema(partition, old_schema), partition)
        ].name

    def renamed(p: Partition) -> Partition:
        new = plan.relations[p.qname(old_schema)]
        return replace(p, name=new.name, schema="" if new.schema == new_schema else new.schema)

    index_schemas = tuple("" if i.schema == new_schema else i.schema for i in indexes)
    return Owned(
        sequences=tuple(_rename_sequence(s, plan) for s in owned.sequences),
        indexes=tuple(i.name for i in indexes),
        index_schemas=index_schemas if any(index_schemas) else (),
        constraints=tuple(
            replace(c, name=plan.constraints[c.name], relation=on(c.relation))
            for c in owned.constraints
        ),
        triggers=tuple(plan.triggers[t] for t in owned.triggers),
        policies=tuple(plan.policies[p] for p in owned.policies),
        partitions=tuple(renamed(p) for p in owned.partitions),
        trigger_relations=tuple(on(r) for r in owned.trigger_relations),
        policy_relations=tuple(on(r) for r in owned.policy_relations),
        statistics=tuple(_rename_statistics(s, plan) for s in owned.statistics),
        rules=owned.rules,
    )


def _rename_statistics(st: OwnedStatistics, plan: RenamePlan) -> OwnedStatistics:
    new = plan.statistics[QualifiedName(st.schema, st.name)]
    return OwnedStatistics(new.schema, new.name)


def _rename_sequence(seq: OwnedSequence, plan: RenamePlan) -> OwnedSequence:
    new = plan.relations[QualifiedName(seq.schema, seq.name)]
    return replace(seq, schema=new.schema, name=new.name)


def _rename_statement(sql: str, plan: RenamePlan) -> str:
    stmt = _parse_one(sql, "cannot parse statement")
    _Renamer(plan).rename(stmt)
    leftovers = _find_leftovers(stmt, plan)
    if leftovers:
        raise RenameError(
            f'statement "{_excerpt(sql)}" still names {", ".join(leftovers)} after renaming'
        )
    out = _deparse(stmt, sql)
    # safety belt (notes/pglast.md §10.2): the printed SQL must mean the renamed tree
    if _parse_one(out, "renamed statement does not parse") != stmt:
        raise RenameError(f'renamed statement "{_excerpt(out)}" does not parse back the same')
    return out


def _parse_one(sql: str, what: str) -> ast.Node:
    try:
        raws = parse_sql(sql)
    except ParseError as exc:
        raise RenameError(f'{what} "{_excerpt(sql)}": {exc}') from exc
    if len(raws) != 1 or raws[0].stmt is None:
        raise RenameError(f'{what} "{_excerpt(sql)}": expected one statement, got {len(raws)}')
    return raws[0].stmt


def _deparse(stmt: ast.Node, sql: str) -> str:
    try:
        return print_sql(stmt)
    except Exception as exc:  # the printers raise many kinds; every one means "cannot print"
        raise RenameError(f'cannot print renamed statement "{_excerpt(sql)}": {exc}') from exc


def _excerpt(sql: str) -> str:
    flat = " ".join(sql.split())
    return flat if len(flat) <= _EXCERPT_CHARS else flat[:_EXCERPT_CHARS] + "..."


# --------------------------------------------------------------------------- AST helpers


def _strings(items: object) -> list[str] | None:
    """The values of a tuple of String nodes (a qualified name), or None."""
    if not isinstance(items, tuple):
        return None
    values = [n.sval for n in items if isinstance(n, ast.String) and n.sval is not None]
    return values if len(values) == len(items) else None


def _as_strings(values: Iterable[str]) -> tuple[ast.String, ...]:
    return tuple(ast.String(sval=v) for v in values)


def _resolve(plan: RenamePlan, names: Sequence[str]) -> QualifiedName | None:
    """[catalog.][schema.]relation as the relation it means, or None for other shapes."""
    if not 1 <= len(names) <= 3:
        return None
    return plan.resolve(names[-2] if len(names) > 1 else None, names[-1])


def _requalify(plan: RenamePlan, names: Sequence[str], new: QualifiedName) -> list[str]:
    """The new name in the shape of the old one, qualified when it moved schema."""
    if len(names) > 1 or new.schema != plan.old.schema:
        return [*names[:-2], new.schema, new.name]
    return [new.name]


def _renamed(plan: RenamePlan, names: Sequence[str]) -> list[str] | None:
    """A qualified relation name renamed, in the same shape, or None if it is not renamed."""
    old = _resolve(plan, names)
    new = None if old is None else plan.relations.get(old)
    return None if new is None else _requalify(plan, names, new)


def _map_names(plan: RenamePlan, items: object) -> tuple[ast.String, ...] | None:
    """A qualified relation name (tuple of String) renamed, or None if it is not renamed."""
    names = _strings(items)
    renamed = None if names is None else _renamed(plan, names)
    return None if renamed is None else _as_strings(renamed)


def _map_statistics(plan: RenamePlan, items: object) -> tuple[ast.String, ...] | None:
    """A statistics object's [schema.]name renamed, or None if it is not one of the table's."""
    names = _strings(items)
    old = None if names is None else _resolve(plan, names)
    new = None if old is None else plan.statistics.get(old)
    return None if new is None or names is None else _as_strings(_requalify(plan, names, new))


def _relation_literal(node: ast.Node | None) -> ast.A_Const | None:
    """A string constant holding a relation name: the operand of ::regclass, or the first
    argument of nextval/currval/setval/pg_get_serial_sequence."""
    if isinstance(node, ast.TypeCast) and node.typeName is not None:
        names = _strings(node.typeName.names)
        if names and names[-1] == "regclass" and names[:-1] in ([], ["pg_catalog"]):
            return _string_const(node.arg)
    if isinstance(node, ast.FuncCall) and node.args:
        names = _strings(node.funcname)
        if names and names[-1] in _SEQUENCE_FUNCTIONS and names[:-1] in ([], ["pg_catalog"]):
            return _string_const(node.args[0])
    return None


def _string_const(node: object) -> ast.A_Const | None:
    if isinstance(node, ast.A_Const) and isinstance(node.val, ast.String):
        return node
    return None


def _literal_parts(const: ast.A_Const) -> list[str] | None:
    """The literal split like regclass input does it ('"a.b".C' -> ['a.b', 'c'])."""
    text = cast(ast.String, const.val).sval
    if text is None:
        return None
    try:
        parts = split_qualified(text)
    except UsageError:  # not a name at all: some other string
        return None
    return parts if 1 <= len(parts) <= 2 else None


def _statement_target(stmt: ast.Node, plan: RenamePlan) -> QualifiedName | None:
    """The old name of the relation a statement is ON.

    Found before visiting: the Visitor walks breadth-first and renames the statement's
    RangeVar before it reaches the constraints and names below it (notes/pglast.md §10.12).
    """
    relation: ast.RangeVar | None = None
    if isinstance(stmt, ast.CreateStmt | ast.AlterTableStmt | ast.IndexStmt | ast.CreateTrigStmt):
        relation = stmt.relation
    elif isinstance(stmt, ast.CreatePolicyStmt):
        relation = stmt.table
    elif isinstance(stmt, ast.CommentStmt) and stmt.objtype in _MEMBER_COMMENTS:
        names = _strings(stmt.object)
        return None if names is None else _resolve(plan, names[:-1])
    if relation is None or relation.relname is None:
        return None
    return plan.resolve(relation.schemaname, relation.relname)


class _AliasNames(Visitor):
    """Every alias a statement introduces (FROM x AS a, sub-select aliases)."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_Alias(self, ancestors: Ancestor, node: ast.Alias) -> None:
        if node.aliasname is not None:
            self.names.add(node.aliasname)


def _aliases(stmt: ast.Node) -> frozenset[str]:
    collector = _AliasNames()
    collector(stmt)
    if isinstance(stmt, ast.CreateTrigStmt | ast.RuleStmt):  # a rule's OLD and NEW rows too
        collector.names |= _TRIGGER_ROWS
    return frozenset(collector.names)


# --------------------------------------------------------------------------- the renamer


class _Renamer(Visitor):
    """Rewrites, in place, every node that names an object of the plan."""

    def __init__(self, plan: RenamePlan) -> None:
        self._plan = plan
        self._target: QualifiedName | None = None
        self._aliases: frozenset[str] = frozenset()

    def rename(self, stmt: ast.Node) -> None:
        self._target = _statement_target(stmt, self._plan)
        self._aliases = _aliases(stmt)
        self(stmt)

    # -- helpers

    def _on_table(self) -> bool:
        """The statement is on the table or on one of its partitions."""
        return self._target == self._plan.old or self._target in self._plan.relations

    def _member(self, kind: str, name: str | None) -> str | None:
        """A constraint/trigger/policy name, renamed when the statement is on our table."""
        if name is None or not self._on_table():
            return name
        return self._plan.member(kind, name)

    def _index(self, name: str | None) -> str | None:
        """An index name, which lives in the schema of the table the statement is on."""
        if name is None or self._target is None:
            return name
        new = self._plan.relation(self._target.schema, name)
        return name if new is None else new.name

    def _literal(self, const: ast.A_Const | None) -> None:
        parts = None if const is None else _literal_parts(const)
        renamed = None if parts is None else _renamed(self._plan, parts)
        if const is not None and renamed is not None and renamed != parts:
            const.val = ast.String(sval=".".join(quote_ident_if_needed(p) for p in renamed))

    # -- relations

    def visit_RangeVar(self, ancestors: Ancestor, node: ast.RangeVar) -> None:
        if node.relname is None:
            return
        new = self._plan.relation(node.schemaname, node.relname)
        if new is None:
            return
        if node.schemaname is not None or new.schema != self._plan.old.schema:
            node.schemaname = new.schema
        node.relname = new.name

    def visit_IndexStmt(self, ancestors: Ancestor, node: ast.IndexStmt) -> None:
        node.idxname = self._index(node.idxname)

    def visit_ReplicaIdentityStmt(self, ancestors: Ancestor, node: ast.ReplicaIdentityStmt) -> None:
        node.name = self._index(node.name)

    def visit_DefElem(self, ancestors: Ancestor, node: ast.DefElem) -> None:
        if node.defname == "sequence_name":  # identity: SEQUENCE NAME s.seq
            new = _map_names(self._plan, node.arg)
            if new is not None:
                node.arg = new
        elif node.defname == "owned_by" and isinstance(node.arg, tuple) and len(node.arg) > 1:
            new = _map_names(self._plan, node.arg[:-1])  # OWNED BY s.table.column
            if new is not None:
                node.arg = (*new, node.arg[-1])

    def visit_TypeCast(self, ancestors: Ancestor, node: ast.TypeCast) -> None:
        self._literal(_relation_literal(node))

    def visit_FuncCall(self, ancestors: Ancestor, node: ast.FuncCall) -> None:
        self._literal(_relation_literal(node))

    def visit_TypeName(self, ancestors: Ancestor, node: ast.TypeName) -> None:
        # the table's row type; an unqualified type name resolves in pg_catalog first
        names = _strings(node.names)
        if names and len(names) in (2, 3) and _resolve(self._plan, names) == self._plan.old:
            node.names = _as_strings([*names[:-2], self._plan.new.schema, self._plan.new.name])

    def visit_ColumnRef(self, ancestors: Ancestor, node: ast.ColumnRef) -> None:
        fields = node.fields or ()
        names = _strings(fields[:-1])
        if not names or len(fields) > 3:
            return
        old, new = self._plan.old, self._plan.new
        if len(names) == 1 and names[0] == old.name and names[0] not in self._aliases:
            node.fields = (ast.String(sval=new.name), fields[-1])
        elif len(names) == 2 and QualifiedName(*names) == old:
            node.fields = (*_as_strings([new.schema, new.name]), fields[-1])

    def visit_CommentStmt(self, ancestors: Ancestor, node: ast.CommentStmt) -> None:
        items = node.object
        if not isinstance(items, tuple) or node.objtype is None:
            return
        new = self._comment_object(node.objtype, items)
        if new is not None:
            node.object = cast(Any, new)  # pglast's stub says Node; the parser gives a tuple

    def _comment_object(
        self, objtype: ObjectType, items: tuple[Any, ...]
    ) -> tuple[Any, ...] | None:
        """COMMENT ON's object renamed: rel, rel.column, or member ON rel; None if unchanged."""
        if objtype in _RELATION_COMMENTS:
            return _map_names(self._plan, items)
        if objtype == ObjectType.OBJECT_STATISTIC_EXT:
            return _map_statistics(self._plan, items)
        kind = _MEMBER_COMMENTS.get(objtype)
        if objtype not in _KEPT_MEMBER_COMMENTS and kind is None:
            return None
        owner = _map_names(self._plan, items[:-1])
        if owner is None:
            return None
        last = items[-1]
        if kind is not None:
            last = ast.String(sval=self._member(kind, last.sval))
        return (*owner, last)

    # -- members of the table

    def visit_Constraint(self, ancestors: Ancestor, node: ast.Constraint) -> None:
        node.conname = self._member("constraint", node.conname)
        node.indexname = self._index(node.indexname)  # ... USING INDEX name

    def visit_ATAlterConstraint(self, ancestors: Ancestor, node: ast.ATAlterConstraint) -> None:
        node.conname = self._member("constraint", node.conname)

    def visit_AlterTableCmd(self, ancestors: Ancestor, node: ast.AlterTableCmd) -> None:
        if node.subtype in _CONSTRAINT_COMMANDS:
            node.name = self._member("constraint", node.name)
        elif node.subtype in _TRIGGER_COMMANDS:
            node.name = self._member("trigger", node.name)
        elif node.subtype == AlterTableType.AT_ClusterOn:
            node.name = self._index(node.name)

    def visit_CreateTrigStmt(self, ancestors: Ancestor, node: ast.CreateTrigStmt) -> None:
        node.trigname = self._member("trigger", node.trigname)

    def visit_CreatePolicyStmt(self, ancestors: Ancestor, node: ast.CreatePolicyStmt) -> None:
        node.policy_name = self._member("policy", node.policy_name)

    # -- extended statistics (their FROM relation is a RangeVar)

    def visit_CreateStatsStmt(self, ancestors: Ancestor, node: ast.CreateStatsStmt) -> None:
        new = _map_statistics(self._plan, node.defnames)
        if new is not None:
            node.defnames = new

    def visit_AlterStatsStmt(self, ancestors: Ancestor, node: ast.AlterStatsStmt) -> None:
        new = _map_statistics(self._plan, node.defnames)
        if new is not None:
            node.defnames = new


# --------------------------------------------------------------------------- the audit


class _Leftovers(Visitor):
    """Relations and relation literals that still name an old object after renaming."""

    def __init__(self, plan: RenamePlan) -> None:
        self._plan = plan
        self._stale = plan.stale_relations()
        self.found: list[str] = []

    def visit_RangeVar(self, ancestors: Ancestor, node: ast.RangeVar) -> None:
        if node.relname is not None:
            self._check(self._plan.resolve(node.schemaname, node.relname))

    def visit_TypeCast(self, ancestors: Ancestor, node: ast.TypeCast) -> None:
        self._check_literal(_relation_literal(node))

    def visit_FuncCall(self, ancestors: Ancestor, node: ast.FuncCall) -> None:
        self._check_literal(_relation_literal(node))

    def visit_CreateStatsStmt(self, ancestors: Ancestor, node: ast.CreateStatsStmt) -> None:
        self._check_statistics(node.defnames)

    def visit_AlterStatsStmt(self, ancestors: Ancestor, node: ast.AlterStatsStmt) -> None:
        self._check_statistics(node.defnames)

    def visit_CommentStmt(self, ancestors: Ancestor, node: ast.CommentStmt) -> None:
        if node.objtype == ObjectType.OBJECT_STATISTIC_EXT:
            self._check_statistics(node.object)

    def _check_statistics(self, items: object) -> None:
        names = _strings(items)
        old = None if names is None else _resolve(self._plan, names)
        if old is not None and old in self._plan.stale_statistics():
            self.found.append(f"statistics {old.display()}")

    def _check_literal(self, const: ast.A_Const | None) -> None:
        parts = None if const is None else _literal_parts(const)
        if parts is not None:
            self._check(_resolve(self._plan, parts))

    def _check(self, name: QualifiedName | None) -> None:
        if name is not None and name in self._stale:
            self.found.append(name.display())


def _find_leftovers(stmt: ast.Node, plan: RenamePlan) -> list[str]:
    """Old relation names still used in ``stmt``: a guard against node kinds the renamer
    misses.  Empty when the rename keeps every name (old == new)."""
    audit = _Leftovers(plan)
    audit(stmt)
    return audit.found


# --------------------------------------------------------------------------- other tables


def rename_references(
    spec: TableSpec, targets: Mapping[QualifiedName, QualifiedName], *, schema: str
) -> TableSpec:
    """``spec`` with its FOREIGN KEYs' REFERENCES retargeted: a referenced table that is a
    key of ``targets`` becomes its value (the other tables of a multi-table load --as).

    Only the referenced relation changes; the constraint keeps its name and every other
    statement stays as it is.  An unqualified referenced name means ``schema`` (the table's
    schema in the archive).  Run it after the table's own rename_table, with targets whose
    new names are no archive table's old name, so nothing is renamed twice.  Raises
    RenameError when a changed statement does not print back to the same tree.
    """
    return replace(
        spec,
        pre_data=tuple(_retarget_statement(s, targets, schema) for s in spec.pre_data),
        post_data=tuple(_retarget_statement(s, targets, schema) for s in spec.post_data),
        inherits=tuple(targets.get(p, p) for p in spec.inherits),
    )


def _retarget_statement(
    sql: str, targets: Mapping[QualifiedName, QualifiedName], schema: str
) -> str:
    stmt = _parse_one(sql, "cannot parse statement")
    retargeter = _ReferenceRenamer(targets, schema)
    retargeter(stmt)
    if not retargeter.changed:
        return sql  # untouched statements keep their exact text
    out = _deparse(stmt, sql)
    if _parse_one(out, "renamed statement does not parse") != stmt:
        raise RenameError(f'renamed statement "{_excerpt(out)}" does not parse back the same')
    return out


class _ReferenceRenamer(Visitor):
    """Rewrites the referenced table of every FOREIGN KEY constraint found in ``targets``, and
    the parents of an inheritance child (CREATE TABLE … INHERITS)."""

    def __init__(self, targets: Mapping[QualifiedName, QualifiedName], schema: str) -> None:
        self._targets = targets
        self._schema = schema
        self.changed = False

    def visit_Constraint(self, ancestors: Ancestor, node: ast.Constraint) -> None:
        ref = node.pktable
        if node.contype != ConstrType.CONSTR_FOREIGN or ref is None or ref.relname is None:
            return
        new = self._targets.get(QualifiedName(ref.schemaname or self._schema, ref.relname))
        if new is None:
            return
        ref.schemaname, ref.relname = new.schema, new.name  # always qualified: it may move
        self.changed = True

    def visit_CreateStmt(self, ancestors: Ancestor, node: ast.CreateStmt) -> None:
        for parent in node.inhRelations or ():
            if not isinstance(parent, ast.RangeVar) or parent.relname is None:
                continue
            new = self._targets.get(
                QualifiedName(parent.schemaname or self._schema, parent.relname)
            )
            if new is not None:
                parent.schemaname, parent.relname = new.schema, new.name
                self.changed = True
