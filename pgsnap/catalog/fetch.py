"""Catalog SQL: the text of queries/*.sql, run with named parameters, rows typed at fetch time.

fetch_as() turns each row into a frozen value: the query aliases its columns to the fields of
the value class (a column without a field, or a required field without a column, is a
TypeError: a programming error, caught by any test that runs the query).  Arrays become
tuples, arrays of arrays tuples of tuples.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from functools import cache
from importlib import resources
from typing import Any, TypeVar

from psycopg import Cursor
from psycopg.rows import RowMaker

from pgsnap.connection import Conn


@cache
def query(name: str) -> str:
    """The text of queries/<name>.sql."""
    return (resources.files("pgsnap.catalog") / "queries" / f"{name}.sql").read_text(
        encoding="utf-8"
    )


T = TypeVar("T")


def fetch_as(conn: Conn, query_name: str, cls: type[T], /, **params: Any) -> list[T]:
    """The rows of queries/<query_name>.sql as `cls` values."""
    with conn.cursor(row_factory=value_row(cls)) as cur:
        cur.execute(query(query_name).encode(), params)
        return cur.fetchall()


def fetch_column(conn: Conn, query_name: str, kind: type[T], /, **params: Any) -> list[T]:
    """The first column of queries/<query_name>.sql, each value checked to be a `kind`."""
    with conn.cursor() as cur:
        cur.execute(query(query_name).encode(), params)
        values = [row[0] for row in cur.fetchall()]
    for value in values:
        if not isinstance(value, kind):
            raise TypeError(f"{query_name}.sql gave {value!r}, not a {kind.__name__}")
    return values


def fetch_by_relation(
    conn: Conn, query_name: str, cls: type[T], oids: Sequence[int]
) -> dict[int, list[T]]:
    """The rows of a per-relation query (it takes %(oids)s and returns a first column relid)
    as `cls` values, grouped by relation in the query's order: one round trip for any number
    of relations."""
    out: dict[int, list[T]] = {oid: [] for oid in oids}
    with conn.cursor(row_factory=value_row(cls, skip_first=True)) as cur:
        cur.execute(query(query_name).encode(), {"oids": list(oids)})
        for relid, value in cur.fetchall():
            out[int(relid)].append(value)
    return out


def value_row(cls: type[T], *, skip_first: bool = False) -> Callable[[Cursor[Any]], RowMaker[Any]]:
    """A psycopg row factory making `cls` from the row's columns by name; with `skip_first`,
    (first column, value) pairs."""

    def factory(cursor: Cursor[Any]) -> RowMaker[Any]:
        names = [c.name for c in cursor.description or ()]
        fields = names[1:] if skip_first else names
        start = 1 if skip_first else 0
        # the columns in the fields' order (the common case): positional, no dict per row
        positional = fields == _field_names(cls)[: len(fields)]  # type: ignore[arg-type]

        def make(values: Sequence[Any]) -> Any:
            row = [_tuples(v) if type(v) is list else v for v in values[start:]]
            value = cls(*row) if positional else cls(**dict(zip(fields, row, strict=True)))
            return (values[0], value) if skip_first else value

        return make

    assert dataclasses.is_dataclass(cls), cls
    return factory


@cache
def _field_names(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]


def _tuples(value: Any) -> Any:
    """Arrays as tuples, all the way down (the values are frozen)."""
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value
