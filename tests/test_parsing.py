"""pgsnap's parse (pglast's parser without its per-attribute checks) builds the same trees as
pglast's own, and the checks still hold for every node built outside the parser."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pglast.parser
import pytest
from pglast import ast
from pglast.enums import RoleSpecType

from pgsnap.ddl.parsing import ParseError, parse_sql
from pgsnap.ddl.statements import may_name_roles, nodes_of, statement_roles

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


def _roles_by_walking(text: str) -> frozenset[str]:
    """Every role a statement names, read from every node of its tree: the answer that
    statement_roles' shortcuts (a keyword filter, the OWNER TO form) must give."""
    (raw,) = pglast.parser.parse_sql(text)
    names = set()
    for node in _every_node(raw.stmt):
        if isinstance(node, ast.RoleSpec) and node.roletype == RoleSpecType.ROLESPEC_CSTRING:
            names.add(node.rolename)
        if isinstance(node, ast.VariableSetStmt) and node.name == "role":
            names |= {a.val.sval for a in node.args or () if isinstance(a, ast.A_Const)}
    return frozenset(names)


# one statement of each grammar rule that takes a role name (PostgreSQL 18's gram.y), in
# the cases and spacings the filter has to see through
ROLE_FORMS = [
    ('CREATE ROLE "r1" IN ROLE r2 ADMIN r3 ROLE r4', {"r2", "r3", "r4"}),  # r1: made, a name
    ("create user u1 in group g1", {"g1"}),
    ("CREATE GROUP g1 USER u1", {"u1"}),
    ("alter role r1 with user u1", {"r1", "u1"}),
    ("ALTER USER u1 IN DATABASE d SET work_mem = 1", {"u1"}),
    ("DROP ROLE IF EXISTS r1, r2", {"r1", "r2"}),
    ("drop group g1", {"g1"}),
    ("ALTER GROUP g1 ADD USER u1, u2", {"g1", "u1", "u2"}),
    ("CREATE SCHEMA AUTHORIZATION a1", {"a1"}),
    ('create schema s authorization"a b"', {"a b"}),
    ("CREATE SCHEMA s CREATE TABLE t (i int) GRANT SELECT ON t TO g1", {"g1"}),
    ("ALTER TABLE ALL IN TABLESPACE ts OWNED BY o1 SET TABLESPACE ts2", {"o1"}),
    ('ALTER TABLE "s"."t" OWNER TO "o""1"', {'o"1'}),
    ('ALTER TABLE ONLY "s"."t" OWNER TO "o1"', {"o1"}),
    ('ALTER SEQUENCE "s"."q" OWNER TO "Ö"', {"Ö"}),
    ("alter materialized view m owner to\to1", {"o1"}),
    ("CREATE TABLESPACE ts OWNER o1 LOCATION '/x'", {"o1"}),
    ("CREATE USER MAPPING IF NOT EXISTS FOR m1 SERVER s", {"m1"}),
    ("ALTER USER MAPPING FOR m1 SERVER s OPTIONS (a 'b')", {"m1"}),
    ("DROP USER MAPPING FOR USER SERVER s", set()),
    ("CREATE POLICY p ON t AS PERMISSIVE FOR SELECT TO p1, p2 USING (true)", {"p1", "p2"}),
    ("CREATE POLICY p ON t USING (true)", set()),
    ("ALTER POLICY p ON t TO p1", {"p1"}),
    ("DROP OWNED BY d1 CASCADE", {"d1"}),
    ("REASSIGN OWNED BY a1 TO b1", {"a1", "b1"}),
    ("GRANT SELECT ON t TO GROUP g1, u1 WITH GRANT OPTION GRANTED BY gb", {"g1", "u1", "gb"}),
    ("REVOKE GRANT OPTION FOR ALL ON t FROM r1 GRANTED BY gb CASCADE", {"r1", "gb"}),
    ("GRANT r0 TO r1 WITH ADMIN OPTION GRANTED BY r2", {"r1", "r2"}),
    ("revoke admin option for r0 from r1", {"r1"}),
    (
        "ALTER DEFAULT PRIVILEGES FOR ROLE d1 IN SCHEMA s GRANT SELECT ON TABLES TO d2",
        {"d1", "d2"},
    ),
    ("ALTER DEFAULT PRIVILEGES FOR USER d1 REVOKE ALL ON TABLES FROM d2", {"d1", "d2"}),
    ("ALTER ROLE r1 RENAME TO r2", set()),  # names, not references
    ("ALTER FUNCTION f(int) OWNER TO o1", {"o1"}),
    ("ALTER LARGE OBJECT 5 OWNER TO CURRENT_USER", set()),
    ("ALTER DATABASE d OWNER TO o1", {"o1"}),
    ("SET ROLE r1", {"r1"}),
    ("SET LOCAL ROLE 'r 1'", {"r 1"}),
    ("RESET ROLE", set()),
    ("SELECT 1 AS TO_", set()),
]


@pytest.mark.parametrize(("text", "roles"), ROLE_FORMS, ids=[t for t, _ in ROLE_FORMS])
def test_statement_roles_names_each_rule_s_roles(text: str, roles: set[str]) -> None:
    assert _roles_by_walking(text) == roles  # the case says what the grammar gives
    assert statement_roles(text) == roles
    if roles:
        assert may_name_roles(text)


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_statement_roles_agrees_with_the_whole_tree(path: Path) -> None:
    """On the real schemas (pg_dump's own test objects among them), what the shortcuts say
    of each statement is what reading its whole tree says."""
    skipped = 0
    for text in _statements(path):
        try:
            expected = _roles_by_walking(text)
        except (pglast.parser.ParseError, ValueError):
            continue
        assert statement_roles(text) == expected, text[:200]
        skipped += not may_name_roles(text)
    assert skipped or len(_statements(path)) < 5, f"{path.name}: the filter never applied"


def test_the_role_filter_sees_words_not_letters() -> None:
    for text in [
        'CREATE INDEX "tokens" ON "public"."t" ("toto", "byte", "fortune")',
        'ALTER TABLE ONLY "s"."t" ADD CONSTRAINT "k" FOREIGN KEY ("a") REFERENCES "s"."u"("a")',
        'CREATE TABLE t (to_do text, _by int, rolex int, "users" int, owner_ int)',
        "COMMENT ON TABLE t IS 'a ö'",
    ]:
        assert not may_name_roles(text), text
    for text in ["GRANT SELECT ON t TO\"x\"", "grant all on t to x", "ALTER TABLE t OWNER\nTO x",
                 "SELECT 1TO", "GRANT SELECT ON t TO PUBLIC", "x)to(y"]:  # fmt: skip
        assert may_name_roles(text), text
