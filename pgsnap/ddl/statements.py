"""Pure: what a stored or user-given statement is, read with pglast (PostgreSQL's grammar)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from functools import cache
from typing import Any

from pglast import ast
from pglast.enums import (
    AlterTableType,
    ConstrType,
    RoleSpecType,
    SetOperation,
    SortByDir,
    SortByNulls,
)

from pgsnap.ddl.parsing import ParseError, child_slots, parse_sql
from pgsnap.ddl.printing import print_sql
from pgsnap.errors import UnsafeStatementError, UsageError
from pgsnap.model import TableSpec
from pgsnap.naming import without_secrets

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


def has_clauses(select: Any, *more: str) -> bool:
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
    if has_clauses(select):
        raise UsageError("--where must be a single condition")
    return text


# text -> its parse tree, while statements_parsed_once() is active: a load asks several
# questions of each stored statement (allow-list, roles, foreign keys, phases), and a pglast
# parse costs about 125 us, most of it in building the Python tree (issue 13: 2,000 tables
# parsed 94,000 times).  The trees are shared, so they are read, never changed.
_PARSED: ContextVar[dict[str, Any] | None] = ContextVar("pgsnap_parsed", default=None)


@contextlib.contextmanager
def statements_parsed_once() -> Iterator[None]:
    """Within the block, one_statement parses each text once and returns the same tree again
    (about 1.3 kB a statement, released when the block ends).  Re-entrant."""
    if _PARSED.get() is not None:
        yield
        return
    token = _PARSED.set({})
    try:
        yield
    finally:
        _PARSED.reset(token)


def one_statement(text: str) -> Any:
    """The one statement of `text`, as a tree to read (it may be shared: see _PARSED);
    UnsafeStatementError when it does not parse or holds another number of statements."""
    memo = _PARSED.get()
    if memo is None:
        return own_statement(text)
    tree = memo.get(text)
    if tree is None:
        tree = memo[text] = own_statement(text)
    return tree


def own_statement(text: str) -> Any:
    """As one_statement, but a tree of the caller's own, to change."""
    try:
        stmts = parse_sql(text)
    except ParseError:
        shown = without_secrets(" ".join(text.split()))[:120]
        raise UnsafeStatementError(
            f"refusing the archive: a stored statement does not parse: {shown}"
        ) from None
    if len(stmts) != 1:
        raise UnsafeStatementError(
            f"refusing the archive: {len(stmts)} statements where one was stored: "
            f"{without_secrets(' '.join(text.split()))[:120]}"
        )
    return stmts[0].stmt


def rel(rv: Any) -> tuple[str | None, str]:
    return rv.schemaname, rv.relname


ROLE_SETTING = "role"  # SET ROLE grantor / RESET ROLE around a grant made by another role


def is_privilege_statement(text: str) -> bool:
    """Whether a stored statement is one of the owner / GRANT statements (privileges.py)."""
    stmt = one_statement(text)
    if isinstance(stmt, (ast.GrantStmt, ast.AlterOwnerStmt)):
        return True
    if isinstance(stmt, ast.VariableSetStmt):
        return stmt.name == ROLE_SETTING
    return isinstance(stmt, ast.AlterTableStmt) and any(
        c.subtype == AlterTableType.AT_ChangeOwner for c in stmt.cmds or ()
    )


def nodes_of(tree: Any) -> Iterator[Any]:
    """Every node of a parse tree, in no particular order: pglast's Visitor does the same
    walk with ancestry chains and a method lookup per call, several times slower (a load
    asks each of thousands of statements for its roles)."""
    todo = [tree]
    while todo:
        item = todo.pop()
        if isinstance(item, tuple):
            todo.extend(item)
        elif isinstance(item, ast.Node):
            yield item
            todo.extend(
                v
                for v in (getattr(item, name) for name in child_slots(type(item)))
                if isinstance(v, tuple | ast.Node)
            )


def _role_names(node: Any) -> Iterator[str]:
    if isinstance(node, ast.RoleSpec):
        if node.roletype == RoleSpecType.ROLESPEC_CSTRING and node.rolename is not None:
            yield node.rolename
    elif isinstance(node, ast.VariableSetStmt) and node.name == ROLE_SETTING:
        for arg in node.args or ():
            if isinstance(arg, ast.A_Const) and isinstance(arg.val, ast.String):
                yield arg.val.sval or ""


_QUOTED_NAME = r'"(?:[^"]|"")+"'  # a quoted identifier, "" standing for a "

# PostgreSQL's grammar takes a role name (a RoleSpec) only after or beside one of these
# keywords (GRANT … TO, REVOKE … FROM, OWNER TO, OWNER (a tablespace's), AUTHORIZATION,
# GRANTED BY, OWNED BY, FOR ROLE / USER MAPPING FOR, CREATE / ALTER / DROP ROLE, USER or
# GROUP, IN ROLE, ADMIN, POLICY … TO), and SET ROLE names one after ROLE.  A keyword is a
# token of ASCII letters that no identifier character touches, so a statement in which none
# of them stands as a word names no role, and its tree need not be walked (the 12,000
# post-data statements of 2,000 tables: walking them was most of a load's role check)
_ROLE_KEYWORDS = (
    *("TO", "FROM", "FOR", "BY", "AUTHORIZATION"),
    *("OWNER", "ROLE", "USER", "GROUP", "ADMIN"),
)


def may_name_roles(text: str) -> bool:
    """Whether a statement's text holds a word before which a role name can stand; False
    means it names none (a True is settled by the parse)."""
    upper = text.upper()  # ASCII letters stay where they are; no other character turns
    for keyword in _ROLE_KEYWORDS:  # into an ASCII one that is not a letter
        at = upper.find(keyword)
        while at >= 0:
            end = at + len(keyword)
            if not _starts_word(upper, at - 1) and not _continues_word(upper, end):
                return True
            at = upper.find(keyword, at + 1)
    return False


def _starts_word(text: str, at: int) -> bool:
    """Whether the character at `at` (none when out of range) is one an identifier, and so a
    keyword, can start with or continue: then the letters after it belong to its word.  (A
    digit before a keyword does not join it: older servers read 1TO as 1 and TO.)"""
    if at < 0:
        return False
    char = text[at]
    return not char.isascii() or char.isalpha() or char == "_"


def _continues_word(text: str, at: int) -> bool:
    if at >= len(text):
        return False
    char = text[at]
    return not char.isascii() or char.isalnum() or char in "_$"


# ALTER TABLE "s"."t" OWNER TO "r", as ddl/privileges.py writes it for every table and
# sequence: with every name quoted, "r" is the one role it names
_OWNER_TO = re.compile(
    rf"ALTER (?:TABLE|SEQUENCE|VIEW|MATERIALIZED VIEW|FOREIGN TABLE) {_QUOTED_NAME}\."
    rf"{_QUOTED_NAME} OWNER TO ({_QUOTED_NAME})\Z"
)


@cache  # a load asks again of the same statements (frozen answers, small)
def statement_roles(text: str) -> frozenset[str]:
    """The roles a stored statement names: grantees, new owners, SET ROLE (PUBLIC is none)."""
    owner = _OWNER_TO.match(text) if may_name_roles(text) else None
    tree = one_statement(text)  # what does not parse is refused, whatever it names
    if owner is not None:
        return frozenset([owner.group(1)[1:-1].replace('""', '"')])
    if not may_name_roles(text):
        return frozenset()
    return frozenset(name for node in nodes_of(tree) for name in _role_names(node))


def names_of(items: Any) -> tuple[str, ...]:
    return tuple(s.sval for s in items)


# ALTER TABLE [ONLY] "s"."t" ADD CONSTRAINT "c" FOREIGN KEY: with every name quoted, the
# words after them cannot be anything else, so a dump of 2,000 tables need not parse their
# foreign keys to order them (the load's allow-list still parses every statement)
_ADDS_FOREIGN_KEY = re.compile(
    rf"ALTER TABLE (?:ONLY )?{_QUOTED_NAME}\.{_QUOTED_NAME} ADD CONSTRAINT {_QUOTED_NAME}"
    r" FOREIGN KEY \("
)


def is_foreign_key(text: str) -> bool:
    """Whether a stored statement adds a foreign key (they run after every table's keys)."""
    if "FOREIGN" not in text.upper():  # the parse is what decides; most statements skip it
        return False
    if _ADDS_FOREIGN_KEY.match(text):  # the form ddl/table.py writes: no other reading
        return True
    stmt = one_statement(text)
    if not isinstance(stmt, ast.AlterTableStmt):
        return False
    return any(
        c.subtype == AlterTableType.AT_AddConstraint
        and isinstance(c.def_, ast.Constraint)
        and c.def_.contype == ConstrType.CONSTR_FOREIGN
        for c in stmt.cmds or ()
    )


def foreign_key_targets(text: str) -> list[tuple[str | None, str]]:
    """The tables a stored statement's foreign keys reference, as (schema or None, name)."""
    stmt = one_statement(text)
    if not isinstance(stmt, ast.AlterTableStmt):
        return []
    return [
        (c.def_.pktable.schemaname, c.def_.pktable.relname or "")
        for c in stmt.cmds or ()
        if c.subtype == AlterTableType.AT_AddConstraint
        and isinstance(c.def_, ast.Constraint)
        and c.def_.contype == ConstrType.CONSTR_FOREIGN
        and c.def_.pktable is not None
    ]


_BUILT_CONSTRAINTS = {
    ConstrType.CONSTR_PRIMARY: "primary key",
    ConstrType.CONSTR_UNIQUE: "unique key",
    ConstrType.CONSTR_EXCLUSION: "exclusion constraint",
    ConstrType.CONSTR_FOREIGN: "foreign key",
    ConstrType.CONSTR_CHECK: "check constraint",
}


def phase_of(text: str) -> str | None:
    """What a post-data statement that takes time does, as a progress phase says it
    ("building index papers_title", "adding foreign key papers_venue_fk"); None for the
    quick ones (comments, triggers, renames…)."""
    try:
        stmt = one_statement(text)
    except UnsafeStatementError:
        return None
    if isinstance(stmt, ast.IndexStmt):
        return f"building index {stmt.idxname}" if stmt.idxname else "building an index"
    if not isinstance(stmt, ast.AlterTableStmt):
        return None
    for cmd in stmt.cmds or ():
        c = cmd.def_
        if cmd.subtype == AlterTableType.AT_AddConstraint and isinstance(c, ast.Constraint):
            kind = _BUILT_CONSTRAINTS.get(c.contype) if c.contype is not None else None
            if kind is not None and not c.indexname:  # USING INDEX attaches a built one
                return f"adding {kind} {c.conname}" if c.conname else f"adding a {kind}"
        if cmd.subtype == AlterTableType.AT_ValidateConstraint:
            return f"validating constraint {cmd.name}"
    return None


def split_key_constraint(text: str) -> tuple[str, str] | None:
    """`ADD CONSTRAINT k PRIMARY KEY|UNIQUE (…)` as (CREATE UNIQUE INDEX k …, ADD CONSTRAINT k
    … USING INDEX k), or None when it is not such a statement.

    The index builds then run side by side with the other indexes (ADD CONSTRAINT takes an
    ACCESS EXCLUSIVE lock and would build them one after another), and attaching the built
    index is a catalog change.  pgcopydb restores keys the same way.
    """
    stmt = own_statement(text)  # changed below
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
    attach = print_sql(stmt)
    try:  # safety belt: both must parse back
        one_statement(index)
        one_statement(attach)
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
    return print_sql(index)


def post_data_in_order(specs: Sequence[TableSpec]) -> list[str]:
    """Every table's post-data, foreign keys after every table's keys: each table's statements
    up to its first foreign key, then, table by table, the rest (its foreign keys and what
    follows them; a comment on a foreign key needs it).  So tables that reference each other
    restore in any order, and one table's statements keep their order."""
    head: list[str] = []
    tail: list[str] = []
    for spec in specs:
        stmts = spec.post_data
        first = next((i for i, s in enumerate(stmts) if is_foreign_key(s)), len(stmts))
        head += stmts[:first]
        tail += stmts[first:]
    return head + tail
