"""What depends on a table that a load drops or replaces, and how --replace keeps it.

`--drop-existing` refuses a table that others depend on (views, other tables' foreign keys,
rules, policies, functions with SQL bodies, publications…) unless `--cascade`, and then says
what it dropped.  `--replace` keeps them: in the swap transaction it reads their definitions,
drops the old table with CASCADE, renames the new one into place and re-creates them against
it (foreign keys NOT VALID, then validated), so that nothing is lost and no reader sees a
moment without them.  Before any change, a dependant that could not survive (it uses a column
the new table lacks, or holds the table's row type) is refused by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from pgsnap import connection
from pgsnap.catalog.fetch import fetch_as, fetch_by_relation
from pgsnap.catalog.values import (
    CatPolicy,
    Dependant,
    DependantConstraint,
    DependantFunction,
    DependantPolicy,
    DependantPublication,
    DependantRelation,
    DependantRule,
)
from pgsnap.connection import Conn
from pgsnap.ddl.table import create_policy, rule_statements
from pgsnap.model import QualifiedName
from pgsnap.naming import ident, literal


def dependants(conn: Conn, table: QualifiedName) -> list[Dependant]:
    """What depends on `table` (and its partitions) from outside it, views on views after
    the views they select from; [] when the table does not exist."""
    with connection.names_for_people(conn):  # their descriptions are shown to the user
        return fetch_as(conn, "dependants", Dependant, table=ident(table.schema, table.name))


def recreation(
    conn: Conn, found: Sequence[Dependant], table: QualifiedName
) -> tuple[list[str], list[str]]:
    """(statements that re-create `found` once `table` is back, statements that validate the
    re-created foreign keys), read from the catalog before the old table is dropped."""
    make: list[str] = []
    validate: list[str] = []
    for d in found:
        if d.kind in ("view", "materialized view"):
            make += _relation(_row(conn, "dependant_relation", DependantRelation, d))
        elif d.kind == "table constraint":
            c = _row(conn, "dependant_constraint", DependantConstraint, d)
            make += _constraint(c)
            validate.append(f"ALTER TABLE {c.table} VALIDATE CONSTRAINT {ident(c.name)}")
        elif d.kind == "rule":
            make += _rule(_row(conn, "dependant_rule", DependantRule, d))
        elif d.kind == "policy":
            make += _policy(conn, _row(conn, "dependant_policy", DependantPolicy, d))
        elif d.kind == "function":
            make += _function(_row(conn, "dependant_function", DependantFunction, d))
        elif d.kind == "publication relation":
            make.append(
                _publication(_row(conn, "dependant_publication", DependantPublication, d), table)
            )
    return make, validate


T = TypeVar("T")


def _row(conn: Conn, query_name: str, cls: type[T], d: Dependant) -> T:
    return fetch_as(conn, query_name, cls, oid=d.objid)[0]


def _relation(v: DependantRelation) -> list[str]:
    name = ident(v.schema, v.name)
    options = f" WITH ({', '.join(v.reloptions)})" if v.reloptions else ""
    body = v.definition.rstrip().rstrip(";")
    if v.kind == "m":
        using = f" USING {ident(v.access_method)}" if v.access_method else ""
        data = "WITH DATA" if v.populated else "WITH NO DATA"
        out = [f"CREATE MATERIALIZED VIEW {name}{using}{options} AS {body} {data}"]
    else:
        out = [f"CREATE VIEW {name}{options} AS {body}"]
    what = "MATERIALIZED VIEW" if v.kind == "m" else "VIEW"
    if v.comment is not None:
        out.append(f"COMMENT ON {what} {name} IS {literal(v.comment)}")
    out += [
        f"COMMENT ON COLUMN {ident(v.schema, v.name, col)} IS {literal(text)}"
        for col, text in v.column_comments
    ]
    return out + list(v.indexes) + list(v.triggers) + list(v.rules)


def _constraint(c: DependantConstraint) -> list[str]:
    out = [f"ALTER TABLE {c.table} ADD CONSTRAINT {ident(c.name)} {c.definition} NOT VALID"]
    if c.comment is not None:
        out.append(f"COMMENT ON CONSTRAINT {ident(c.name)} ON {c.table} IS {literal(c.comment)}")
    return out


def _rule(r: DependantRule) -> list[str]:
    return rule_statements(r.table, r.name, r.definition, r.enabled, r.comment)


def _policy(conn: Conn, p: DependantPolicy) -> list[str]:
    policies: list[CatPolicy] = fetch_by_relation(conn, "policies", CatPolicy, [p.relid])[p.relid]
    mine = next(x for x in policies if x.name == p.name)
    out = [create_policy(p.schema, p.table, mine)]
    if mine.comment is not None:
        on = ident(p.schema, p.table)
        out.append(f"COMMENT ON POLICY {ident(p.name)} ON {on} IS {literal(mine.comment)}")
    return out


def _function(f: DependantFunction) -> list[str]:
    out = [f.definition.strip()]
    if f.comment is not None:
        out.append(f"COMMENT ON FUNCTION {f.signature} IS {literal(f.comment)}")
    return out


def _publication(p: DependantPublication, table: QualifiedName) -> str:
    columns = f" ({', '.join(ident(c) for c in p.columns)})" if p.columns else ""
    where = f" WHERE ({p.row_filter})" if p.row_filter else ""
    name = ident(table.schema, table.name)
    return f"ALTER PUBLICATION {ident(p.publication)} ADD TABLE {name}{columns}{where}"
