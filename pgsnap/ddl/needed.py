"""Pure: which of an archive's dependencies its tables need, read from the DDL with pglast.

A dump carries the types, functions and collations its tables use, each because some table
statement names it (a column's type, a default's or a trigger's function, a column's
collation…) or because another carried one does (a domain's check function).  A table
archive that carries one that nothing names is not one pgsnap wrote: a load refuses it before
any change, rather than create, say, a function whose body is unrestricted that no table
calls.  Extensions are not checked: what they provide is not in the archive.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache

from pglast import ast
from pglast.visitors import Ancestor, Visitor

from pgsnap.ddl.statements import one_statement
from pgsnap.errors import UnsafeStatementError, UsageError
from pgsnap.model import Dependency, TableSpec
from pgsnap.naming import split_qualified

CHECKED_KINDS = ("function", "type", "collation", "sequence")
# functions whose first argument names a sequence: nextval('public.s'::regclass) in a default
SEQUENCE_FUNCTIONS = frozenset({"nextval", "currval", "setval"})


class _Names(Visitor):
    """Every schema-qualified name a statement uses as a type, a function, a collation or (in
    a nextval/currval/setval literal) a sequence."""

    def __init__(self) -> None:
        self.found: set[tuple[str, str]] = set()

    def _add(self, items: object) -> None:
        if not isinstance(items, tuple):
            return
        parts = [n.sval for n in items if isinstance(n, ast.String) and n.sval is not None]
        if len(parts) == len(items) and len(parts) >= 2:
            self.found.add((parts[-2], parts[-1]))

    def visit_TypeName(self, ancestors: Ancestor, node: ast.TypeName) -> None:
        self._add(node.names)  # also a range type's CANONICAL, SUBTYPE_DIFF, COLLATION

    def visit_FuncCall(self, ancestors: Ancestor, node: ast.FuncCall) -> None:
        self._add(node.funcname)
        names = [n.sval for n in node.funcname or () if isinstance(n, ast.String)]
        if names and names[-1] in SEQUENCE_FUNCTIONS and names[:-1] in ([], ["pg_catalog"]):
            self._add_literal(node.args[0] if node.args else None)

    def _add_literal(self, arg: object) -> None:
        """A sequence named by 'schema.name' or 'schema.name'::regclass."""
        if isinstance(arg, ast.TypeCast) and arg.typeName is not None:
            cast = [n.sval for n in arg.typeName.names or () if isinstance(n, ast.String)]
            if cast and cast[-1] == "regclass" and cast[:-1] in ([], ["pg_catalog"]):
                arg = arg.arg
        if not (isinstance(arg, ast.A_Const) and isinstance(arg.val, ast.String)):
            return
        try:
            parts = split_qualified(arg.val.sval or "")
        except UsageError:
            return
        if len(parts) == 2:
            self.found.add((parts[0], parts[1]))

    def visit_CreateTrigStmt(self, ancestors: Ancestor, node: ast.CreateTrigStmt) -> None:
        self._add(node.funcname)

    def visit_CollateClause(self, ancestors: Ancestor, node: ast.CollateClause) -> None:
        self._add(node.collname)

    def visit_IndexElem(self, ancestors: Ancestor, node: ast.IndexElem) -> None:
        self._add(node.collation)

    def visit_PartitionElem(self, ancestors: Ancestor, node: ast.PartitionElem) -> None:
        self._add(node.collation)


def _names_in(statements: Iterable[str]) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for text in statements:
        found |= _names_of(text)
    return found


@cache  # the same statements are asked again as needed dependencies are found
def _names_of(text: str) -> frozenset[tuple[str, str]]:
    names = _Names()
    names(one_statement(text))
    return frozenset(names.found)


def check_dependencies_needed(specs: Sequence[TableSpec], deps: Sequence[Dependency]) -> None:
    """Refuse (UnsafeStatementError) a type, function, collation or sequence that neither a table
    statement of the archive nor another needed dependency names.  Run it after
    allowlist.check_statements, which made sure every statement parses."""
    pending = [d for d in deps if d.kind in CHECKED_KINDS]
    if not pending:  # (a whole-database archive carries none: its objects are checked apart)
        return
    names = _names_in(s for spec in specs for s in (*spec.pre_data, *spec.post_data))
    while True:
        needed = [d for d in pending if (d.schema, d.name) in names]
        if not needed:
            break
        pending = [d for d in pending if d not in needed]
        names |= _names_in(d.ddl for d in needed)
    if pending:
        dep = pending[0]
        raise UnsafeStatementError(
            f"refusing the archive: it would create {dep.display()}, which none of its "
            "tables uses (pgsnap does not write that)"
        )
