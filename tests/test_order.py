"""The whole-database order (pgsnap.ddl.order), a pure function of catalog facts: no server."""

from __future__ import annotations

import pytest

from pgsnap.catalog.values import DependRow, NodeRow, ObjectRow
from pgsnap.ddl.order import Facts, loop_checks, order, pre_data
from pgsnap.errors import UsageError
from pgsnap.model import Column, TableSpec


def _table(name: str) -> TableSpec:
    return TableSpec("public", name, (Column("a", "integer"),), pre_data=(f"CREATE TABLE {name}",))


def _object(oid: int, kind: str, name: str, shell: bool = False) -> ObjectRow:
    cls = {"view": "pg_class", "type": "pg_type", "schema": "pg_namespace"}.get(kind, "pg_proc")
    return ObjectRow(
        cls,
        oid,
        kind,
        "public",
        name,
        f"public.{name}",
        (f"CREATE {kind.upper()} {name}",),
        shell=(f"CREATE VIEW {name} AS SELECT NULL",) if shell else None,
    )


def test_objects_come_before_the_tables_that_need_them_and_after_those_they_need() -> None:
    fn = _object(2, "function", "f")
    view = _object(3, "view", "v")
    facts = Facts(
        objects=(view, fn),
        depends=(
            DependRow("pg_attrdef", 10, "pg_proc", 2),  # t's default calls f
            DependRow("pg_rewrite", 11, "pg_class", 1),  # v reads t
        ),
        nodes=(
            NodeRow("pg_attrdef", 10, "pg_class", 1, False),
            NodeRow("pg_rewrite", 11, "pg_class", 3, False),
        ),
    )
    done = order(facts, [(1, _table("t"))])
    assert [o.name for o in done.objects] == ["f", "v"]
    assert [o.after_tables for o in done.objects] == [0, 1]
    assert done.objects[0].tables == (0,)  # t needs f: a load of t alone creates f
    assert pre_data(done.tables, done.objects) == [
        "CREATE FUNCTION f",
        "CREATE TABLE t",
        "CREATE VIEW v",
    ]


def test_a_view_that_needs_a_key_goes_after_the_post_data() -> None:
    facts = Facts(
        objects=(_object(3, "view", "v"),),
        depends=(DependRow("pg_rewrite", 11, "pg_constraint", 20),),
        nodes=(
            NodeRow("pg_rewrite", 11, "pg_class", 3, False),
            NodeRow("pg_constraint", 20, "pg_class", 1, True),  # t's primary key
        ),
    )
    assert order(facts, [(1, _table("t"))]).objects[0].section == "post"


def test_a_loop_through_a_view_is_broken_with_its_stand_in() -> None:
    facts = Facts(
        objects=(_object(3, "view", "v", shell=True), _object(2, "function", "f")),
        depends=(DependRow("pg_rewrite", 11, "pg_proc", 2), DependRow("pg_proc", 2, "pg_type", 30)),
        nodes=(
            NodeRow("pg_rewrite", 11, "pg_class", 3, False),
            NodeRow("pg_type", 30, "pg_class", 3, False),  # v's row type
        ),
    )
    done = order(facts, [])
    assert [(o.name, o.ddl[0]) for o in done.objects] == [
        ("v", "CREATE VIEW v AS SELECT NULL"),
        ("f", "CREATE FUNCTION f"),
        ("v", "CREATE OR REPLACE VIEW v"),
    ]


def test_a_loop_without_a_view_is_refused_by_name() -> None:
    facts = Facts(
        objects=(_object(2, "function", "f"), _object(4, "function", "g")),
        depends=(DependRow("pg_proc", 2, "pg_proc", 4), DependRow("pg_proc", 4, "pg_proc", 2)),
    )
    with pytest.raises(
        UsageError, match=r"dependency loop among function public\.f, function public\.g"
    ):
        order(facts, [])


def test_a_check_in_a_loop_with_its_table_is_added_after_the_rows() -> None:
    facts = Facts(
        objects=(_object(2, "function", "quota_ok"),),
        depends=(
            DependRow("pg_constraint", 20, "pg_proc", 2),  # t's CHECK calls quota_ok
            DependRow("pg_proc", 2, "pg_class", 1),  # whose SQL body reads t
        ),
        nodes=(NodeRow("pg_constraint", 20, "pg_class", 1, False),),
    )
    late = loop_checks(facts, [1])
    assert late == {20}
    with pytest.raises(UsageError):
        order(facts, [(1, _table("t"))])
    done = order(facts, [(1, _table("t"))], late_checks=late)
    assert [o.after_tables for o in done.objects] == [1]  # after t, which no longer needs it
