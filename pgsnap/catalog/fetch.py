"""Catalog SQL: the text of queries/*.sql, run with named parameters."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from psycopg.rows import dict_row

from pgsnap.connection import Conn


@cache
def query(name: str) -> str:
    """The text of queries/<name>.sql."""
    return (resources.files("pgsnap.catalog") / "queries" / f"{name}.sql").read_text(
        encoding="utf-8"
    )


def fetch(conn: Conn, query_name: str, /, **params: Any) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(query(query_name).encode(), params)
        return cur.fetchall()
