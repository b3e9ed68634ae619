"""Pure: print a pglast tree back to SQL the way the server wrote it.

pglast prints a call the server wrote in SQL syntax (``NORMALIZE(s, NFKC)``, ``s AT TIME ZONE
'UTC'``, ``TRIM(LEADING 'x' FROM s)``, ``SUBSTRING(s FROM 2)``, ``COLLATION FOR (s)``…) as a
plain call (``pg_catalog.normalize(s, 'NFKC')``).  That calls the same function, but the server
keeps how a call was written (``funcformat``) and prints it back so: an index, CHECK, default,
generated column or trigger WHEN clause restored from the plain form differs in pg_dump from
the source's.  The parser marks each such call COERCE_SQL_SYNTAX; this stream prints every
call so marked in its SQL syntax, with pglast's own special-function printers, and every other
call as pglast does.  Printing (rather than keeping the server's text for the parts a rename
leaves alone) is what every re-printed statement goes through, so no statement kind and no
expression that also holds a renamed name can slip past it.
"""

from __future__ import annotations

from typing import Any

from pglast import ast, enums
from pglast.printers import SPECIAL_FUNCTIONS, special_function
from pglast.printers.sfuncs import can_use_special_syntax
from pglast.stream import RawStream

_SYSTEM_USER = "pg_catalog.system_user"


class SqlSyntaxStream(RawStream):
    """RawStream that keeps the SQL syntax of calls the server wrote in SQL syntax."""

    def get_printer_for_function(self, name: str, node: Any = None) -> Any:
        printer = super().get_printer_for_function(name, node)
        if printer is not None or not isinstance(node, ast.FuncCall):
            return printer
        if node.funcformat != enums.CoercionForm.COERCE_SQL_SYNTAX:
            return None
        special = SPECIAL_FUNCTIONS.get(name)
        if special is None or not can_use_special_syntax(special, node):
            return None
        return special


def print_sql(node: ast.Node) -> str:
    """The statement (or expression) as SQL, SQL-syntax calls kept."""
    return str(SqlSyntaxStream()(node))


if _SYSTEM_USER not in SPECIAL_FUNCTIONS:  # PG16's SYSTEM_USER: pglast 8.8 prints system_user()

    @special_function(_SYSTEM_USER)
    def _system_user(node: ast.FuncCall, output: RawStream) -> None:
        if node.args:  # not the SQL form: a plain call
            output.print_name(node.funcname)
            with output.expression(True):
                output.print_list(node.args)
        else:
            output.write("SYSTEM_USER")
