"""Planner statistics as an archive carries them (docs/format.md §4, "planner_stats").

A dump reads, per table and partition, pg_class's relpages, reltuples, relallvisible (and
relallfrozen from PostgreSQL 18) and the pg_stats rows of its columns, and of its indexes'
expression columns; a load into PostgreSQL 18 or later gives them back with
pg_restore_relation_stats() / pg_restore_attribute_stats() instead of running ANALYZE.

The values are kept as the text the source printed (as pg_dump reads them), and bound as
parameters with the type each argument takes.  Relations are named by position, not by name:
`partition` is an index into the table's owned.partitions, `index` into owned.indexes, and a
renamed spec (ddl/rename.py) keeps those tuples in order, so the statistics follow --as and
the staging names by construction.  Each number is checked when the archive is read, so a
damaged archive is refused as corrupt instead of reaching the server.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pgsnap.shape import OMITTED_IF_DEFAULT, minimum

# float4 text as PostgreSQL prints it (extra_float_digits=3), and what float4in also takes
_REAL = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|-?Infinity|NaN")
_INTEGER = re.compile(r"-?[0-9]{1,10}")
MAX_REAL_ARRAY_CHARS = 1 << 20  # a statistics target of 10000 prints about 200 kB
MIN_POSITION = -1  # -1: the table itself (partition) or no index (index)


def _check_real(name: str, text: str | None) -> None:
    if text is not None and not _REAL.fullmatch(text):
        raise ValueError(f"{name}: expected a number, not {text[:40]!r}")


def _check_real_array(name: str, text: str | None) -> None:
    """A real[] literal: {n,n,…} of numbers only."""
    if text is None:
        return
    inner = text[1:-1] if len(text) >= 2 and text[0] == "{" and text[-1] == "}" else None
    if inner is None or len(text) > MAX_REAL_ARRAY_CHARS:
        raise ValueError(f"{name}: expected an array of numbers, not {text[:40]!r}")
    if inner and not all(_REAL.fullmatch(x) for x in inner.split(",")):
        raise ValueError(f"{name}: expected an array of numbers, not {text[:40]!r}")


@dataclass(frozen=True, slots=True)
class ColumnStats:
    """One pg_stats row: a column of the relation (`attname`), or of an index's expression
    (`attnum`, the index column's number, as pg_dump addresses them: an index's column names
    are made up by the server and may differ on the target)."""

    attname: str = ""
    attnum: int = field(default=0, metadata=minimum(0))
    inherited: bool = False
    null_frac: str | None = None
    avg_width: str | None = None
    n_distinct: str | None = None
    most_common_vals: str | None = None
    most_common_freqs: str | None = None
    histogram_bounds: str | None = None
    correlation: str | None = None
    most_common_elems: str | None = None
    most_common_elem_freqs: str | None = None
    elem_count_histogram: str | None = None
    range_length_histogram: str | None = None
    range_empty_frac: str | None = None
    range_bounds_histogram: str | None = None

    def __post_init__(self) -> None:
        if bool(self.attname) == bool(self.attnum):
            raise ValueError("a column's statistics name it by attname or by attnum")
        for name in REAL_ARGS:
            _check_real(name, getattr(self, name))
        for name in REAL_ARRAY_ARGS:
            _check_real_array(name, getattr(self, name))
        if self.avg_width is not None and not _INTEGER.fullmatch(self.avg_width):
            raise ValueError(f"avg_width: expected an integer, not {self.avg_width[:40]!r}")


# the argument types of pg_restore_attribute_stats(), in pg_stats' column order
ATTRIBUTE_ARGS: tuple[tuple[str, str], ...] = (
    ("null_frac", "real"),
    ("avg_width", "integer"),
    ("n_distinct", "real"),
    ("most_common_vals", "text"),
    ("most_common_freqs", "real[]"),
    ("histogram_bounds", "text"),
    ("correlation", "real"),
    ("most_common_elems", "text"),
    ("most_common_elem_freqs", "real[]"),
    ("elem_count_histogram", "real[]"),
    ("range_length_histogram", "text"),
    ("range_empty_frac", "real"),
    ("range_bounds_histogram", "text"),
)
REAL_ARGS = tuple(n for n, t in ATTRIBUTE_ARGS if t == "real")
REAL_ARRAY_ARGS = tuple(n for n, t in ATTRIBUTE_ARGS if t == "real[]")


@dataclass(frozen=True, slots=True)
class RelationStats:
    """The statistics of the table (`partition` -1) or of one of its partitions, or (`index`
    ≥ 0) of one of its indexes' expression columns.  relpages, reltuples, relallvisible and
    relallfrozen are the relation's (None for an index: its build sets them)."""

    partition: int = field(default=MIN_POSITION, metadata=minimum(MIN_POSITION))
    index: int = field(default=MIN_POSITION, metadata=minimum(MIN_POSITION))
    relpages: int | None = field(default=None, metadata=minimum(-1))  # -1: partitioned
    reltuples: str | None = None
    relallvisible: int | None = field(default=None, metadata=minimum(0))
    relallfrozen: int | None = field(default=None, metadata=OMITTED_IF_DEFAULT | minimum(0))
    columns: tuple[ColumnStats, ...] = ()

    def __post_init__(self) -> None:
        _check_real("reltuples", self.reltuples)
        if self.index >= 0 and self.partition >= 0:
            raise ValueError("statistics of an index name no partition")
        for c in self.columns:
            if bool(c.attnum) != (self.index >= 0):
                raise ValueError("an index's columns are named by attnum, a table's by attname")
