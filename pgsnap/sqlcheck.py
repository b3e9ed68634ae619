"""Pure checks of SQL text supplied from outside, with pglast (PostgreSQL's own grammar)."""

from __future__ import annotations

from pglast import ast, parse_sql
from pglast.enums import SetOperation
from pglast.parser import ParseError

from pgsnap.errors import UsageError


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
    clauses = (
        "fromClause",
        "groupClause",
        "havingClause",
        "sortClause",
        "limitCount",
        "intoClause",
        "lockingClause",
        "withClause",
    )
    if select.op != SetOperation.SETOP_NONE or any(getattr(select, c, None) for c in clauses):
        raise UsageError("--where must be a single condition")
    return text
