"""pglast's parser, without re-checking the trees it builds itself.

pglast builds each node of a parse tree through ``Node.__setattr__``, which checks and
coerces every value: the type of each attribute, enum names, lists into tuples, dicts into
nodes.  Its own parser hands over values that are already of those types, except the C
integers that the checks turn into bools or chars (those still go through the checks), so
for its trees skipping the rest changes nothing (tests/test_parsing.py compares the trees of
every statement of the corpus both ways).  They were most of a parse: the 20,000
statements of a 2,000-table archive, which a load parses before it runs any of them, took
1.22-1.52 s with them, 0.72-0.75 s without.

So parse_sql() turns the checks off while pglast's parser runs, in this thread only; a node
that pgsnap builds itself (rename.py) is checked as before.  pglast is pinned exactly
(pyproject.toml): a new version may build its trees otherwise, and the test says so.
child_slots() names the attributes of a node class that can hold other nodes, for walks.
"""

from __future__ import annotations

import threading
from typing import Any

from pglast import ast, enums
from pglast.parser import ParseError
from pglast.parser import parse_sql as _checked_parse_sql

__all__ = ["ParseError", "child_slots", "parse_sql"]

_STATE = threading.local()  # .trusted: pglast's parser is building a tree in this thread
_CHECKED_SETATTR = ast.Node.__setattr__


# the C integer types pglast stores as they come (ast.py's _fixup_attribute_descriptors)
_PLAIN_INTS = frozenset(
    [
        "AclMode",
        "AttrNumber",
        "Index",
        "ParseLoc",
        "RelFileNumber",
        "SubTransactionId",
        "bits32",
        "int",
        "int16",
        "int32",
        "long",
        "uint32",
        "uint64",
    ]
)


def _setattr(node: Any, name: str, value: Any) -> None:
    """Node.__setattr__: unchecked for what pglast's parser builds, except a C integer that
    the checks turn into something else (a bool's 0 into False, a char's code into a str)."""
    if getattr(_STATE, "trusted", False) and (
        type(value) is not int or node.__slots__[name][0] in _PLAIN_INTS
    ):
        object.__setattr__(node, name, value)
    else:
        _CHECKED_SETATTR(node, name, value)


ast.Node.__setattr__ = _setattr  # type: ignore[method-assign,assignment]  # once, at import


def parse_sql(text: str) -> tuple[ast.RawStmt, ...]:
    """The RawStmt nodes of `text`, as pglast.parser.parse_sql returns them; ParseError."""
    _STATE.trusted = True
    try:
        return tuple(_checked_parse_sql(text))
    finally:
        _STATE.trusted = False


_SCALARS = _PLAIN_INTS | {"bool", "char", "char*", "Cardinality", "Cost"}


_CHILD_SLOTS: dict[type, tuple[str, ...]] = {}


def child_slots(cls: type) -> tuple[str, ...]:
    """The attributes of a node class that may hold nodes or tuples of them: not the ones
    typed as a string, a number, a bool or an enum (most of a node's attributes)."""
    found = _CHILD_SLOTS.get(cls)
    if found is None:
        slots: Any = vars(cls).get("__slots__", ())
        found = _CHILD_SLOTS[cls] = (
            tuple(
                name
                for name, (ctype, _, _) in slots.items()
                if ctype not in _SCALARS and not hasattr(enums, ctype)
            )
            if isinstance(slots, dict)
            else tuple(slots)
        )
    return found
