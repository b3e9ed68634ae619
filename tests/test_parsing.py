"""pgsnap's parse (pglast's parser without its per-attribute checks) builds the same trees as
pglast's own, and the checks still hold for every node built outside the parser."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pglast.parser
import pytest
from pglast import ast

from pgsnap.ddl.parsing import ParseError, parse_sql
from pgsnap.ddl.statements import nodes_of

HERE = Path(__file__).parent
# the hand-written cases and the real applications' schemas (their origins are in the files)
CORPUS = sorted([*HERE.glob("corpus/*.sql"), *HERE.glob("corpus_db/*.sql")])


def _same(a: Any, b: Any, where: str) -> None:
    """Fail unless `a` and `b` are equal and of the same types all the way down (Node.__eq__
    would take a list for a tuple and skips the locations)."""
    assert type(a) is type(b), f"{where}: {type(a).__name__} against {type(b).__name__}"
    if isinstance(a, ast.Node):
        for name in a:
            _same(getattr(a, name), getattr(b, name), f"{where}.{name}")
    elif isinstance(a, tuple):
        assert len(a) == len(b), f"{where}: {len(a)} items against {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{where}[{i}]")
    else:
        assert a == b, f"{where}: {a!r} against {b!r}"


def _statements(path: Path) -> list[str]:
    """The file's statements as pglast splits them, leaving out psql meta-commands; where
    its scanner cannot, at each semicolon that ends a line (pieces that do not parse must
    fail both ways)."""
    text = "\n".join(ln for ln in path.read_text().splitlines() if not ln.startswith("\\"))
    try:
        return list(pglast.parser.split(text, with_parser=False))
    except pglast.parser.ParseError:
        return [s for s in re.split(r";[ \t]*\n", text) if s.strip()]


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_trees_are_those_pglast_checks(path: Path) -> None:
    statements = _statements(path)
    assert statements, f"{path.name}: no statements"
    for text in statements:
        try:
            checked = pglast.parser.parse_sql(text)
        except pglast.parser.ParseError:
            with pytest.raises(ParseError):
                parse_sql(text)
            continue
        trees = parse_sql(text)
        _same(trees, checked, f"{path.name}: {text[:60]!r}")
        assert sorted(map(id, nodes_of(trees))) == sorted(map(id, _every_node(trees)))


def _every_node(tree: Any) -> list[Any]:
    """Every node, reading every attribute (nodes_of reads only those that can hold one)."""
    if isinstance(tree, tuple):
        return [n for item in tree for n in _every_node(item)]
    if not isinstance(tree, ast.Node):
        return []
    return [tree, *(n for name in tree for n in _every_node(getattr(tree, name)))]


def test_the_corpus_is_there() -> None:
    assert len(CORPUS) >= 80


def test_nodes_built_outside_the_parser_are_still_checked() -> None:
    with pytest.raises(ValueError, match="Bad value"):
        ast.RangeVar(relname=5)
    with pytest.raises(ParseError):
        parse_sql("CREATE TABLE (")
    with pytest.raises(ValueError, match="Bad value"):  # the failed parse left checks on
        ast.RangeVar(relname=5)
    assert ast.RangeVar(relname="t", inh=1).inh is True  # and coercions too
