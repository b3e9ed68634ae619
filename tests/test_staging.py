"""The names a staged load swaps into place: object_name() must build what the server builds."""

from __future__ import annotations

import pytest
from pgservers import TestDB
from psycopg import sql

from pgsnap.ddl.staging import object_name

CASES = [
    ("papers", "title"),
    ("t" * 60, "c"),  # the table's name is clipped
    ("t", "c" * 62),  # the column's
    ("ä" * 31, "ö" * 31),  # both, at character boundaries (two bytes each)
    ("pgsnap_stage_0a1b2c3d_papers", "published_at"),
]


@pytest.mark.parametrize(("table", "column"), CASES)
def test_object_name_is_the_servers(db: TestDB, table: str, column: str) -> None:
    """An unnamed CHECK on one column is named by makeObjectName(table, column, "check"), as
    an unnamed NOT NULL is with "not_null" on 18: compare with the server's own choice."""
    db.execute(
        sql.SQL("CREATE TABLE {} ({} int CHECK ({} > 0))")
        .format(sql.Identifier(table), sql.Identifier(column), sql.Identifier(column))
        .as_string()
    )
    (name,) = db.execute("SELECT conname FROM pg_constraint WHERE contype = 'c' AND conrelid <> 0")[
        0
    ]
    assert name == object_name(table, column, "check")
    assert len(name.encode()) <= 63
