"""Frozen value classes that describe a dumped table; their JSON form is the archive's.

These values travel in the archive's header and manifest (docs/format.md §4), read back by
the strict parser of pgsnap.shape: the field metadata below are the bounds it checks.
Everything the loader decides (what to rename, what to verify) comes from them, never from
name patterns.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from pgsnap.planstats import RelationStats
from pgsnap.shape import IDENTIFIER, OMITTED_IF_DEFAULT, choices, decode, encode, minimum

NONNEG = minimum(0)


@dataclass(frozen=True, slots=True)
class QualifiedName:
    schema: str = field(metadata=IDENTIFIER)
    name: str = field(metadata=IDENTIFIER)

    def display(self) -> str:
        """Human form, quoted only where SQL would need quotes: public."Papers Archive"."""
        from pgsnap.naming import quote_ident_if_needed

        return f"{quote_ident_if_needed(self.schema)}.{quote_ident_if_needed(self.name)}"


@dataclass(frozen=True, slots=True)
class TableName:
    """A table as a user named it (`--as`, `--table`): parsed once, with SQL's rules (unquoted
    parts fold to lower case); `schema` is None when none was given.  `text` is the spelling
    as typed, for messages."""

    schema: str | None
    name: str
    text: str

    @classmethod
    def parse(cls, text: str) -> TableName:
        """Raises UsageError for text that is not a [schema.]name."""
        from pgsnap.naming import parse_table_arg

        schema, name = parse_table_arg(text)
        return cls(schema, name, text)

    def qualified(self, default_schema: str) -> QualifiedName:
        """The name, in `default_schema` when it names none."""
        return QualifiedName(self.schema or default_schema, self.name)

    def matches(self, name: QualifiedName) -> bool:
        """Whether it names `name` (an unqualified one matches in any schema)."""
        return self.name == name.name and self.schema in (None, name.schema)


@dataclass(frozen=True, slots=True)
class Column:
    name: str = field(metadata=IDENTIFIER)
    type: str  # format_type() output, fully quoted
    not_null: bool = False
    identity: str = field(default="", metadata=choices("", "a", "d"))  # ALWAYS, BY DEFAULT
    generated: str = field(default="", metadata=choices("", "s", "v"))  # STORED, VIRTUAL (PG18)


@dataclass(frozen=True, slots=True)
class OwnedSequence:
    """A sequence that belongs to the table: serial (OWNED BY) or identity."""

    schema: str = field(metadata=IDENTIFIER)
    name: str = field(metadata=IDENTIFIER)
    column: str = field(metadata=IDENTIFIER)
    identity: bool
    last_value: int | None = None
    is_called: bool = False


@dataclass(frozen=True, slots=True)
class Constraint:
    name: str = field(metadata=IDENTIFIER)
    type: str = field(metadata=choices(*"pufcxnt"))  # pg_constraint.contype
    uses_index: bool = False  # PK / UNIQUE / EXCLUDE: an index of the same name backs it
    relation: str = ""  # the partition it is on (in the table's schema); "" for the table


@dataclass(frozen=True, slots=True)
class Partition:
    """A partition under a partitioned table.  Leaves hold the rows.  `schema` is "" for a
    partition in the table's schema (archives before partitions could have another)."""

    name: str = field(metadata=IDENTIFIER)
    leaf: bool = True
    table_bytes: int = field(default=0, metadata=NONNEG)  # its heap
    schema: str = field(default="", metadata=OMITTED_IF_DEFAULT)
    # its TOAST heap, for the chunk planner; 0 (and left out) without out-of-line values
    toast_bytes: int = field(default=0, metadata={**NONNEG, **OMITTED_IF_DEFAULT})

    def qname(self, table_schema: str) -> QualifiedName:
        return QualifiedName(self.schema or table_schema, self.name)


@dataclass(frozen=True, slots=True)
class OwnedStatistics:
    """An extended statistics object on the table; its schema may differ from the table's."""

    schema: str = field(metadata=IDENTIFIER)
    name: str = field(metadata=IDENTIFIER)


@dataclass(frozen=True, slots=True)
class Owned:
    """Names of the objects that belong to the table, read from the catalog.

    Indexes live in the table's schema; constraints, triggers and policies live in
    the table's own namespace.  An index-backed constraint appears in both lists.
    """

    sequences: tuple[OwnedSequence, ...] = ()
    indexes: tuple[str, ...] = ()
    constraints: tuple[Constraint, ...] = ()
    triggers: tuple[str, ...] = ()
    policies: tuple[str, ...] = ()
    partitions: tuple[Partition, ...] = ()
    # the partition each trigger / policy is on, position by position ("" for the table);
    # empty in archives that had none on partitions
    trigger_relations: tuple[str, ...] = ()
    policy_relations: tuple[str, ...] = ()

    def relation_of(self, kind: str, index: int) -> str:
        """The partition the index-th trigger or policy is on, "" for the table itself."""
        relations = self.trigger_relations if kind == "trigger" else self.policy_relations
        return relations[index] if index < len(relations) else ""

    statistics: tuple[OwnedStatistics, ...] = ()
    rules: tuple[str, ...] = ()  # per-table names: a rename keeps them
    # the schema of each index, position by position ("" for the table's schema): a
    # partition's indexes live in the partition's schema; empty when all are the table's
    index_schemas: tuple[str, ...] = field(default=(), metadata=OMITTED_IF_DEFAULT)

    def index_schema(self, index: int, table_schema: str) -> str:
        """The schema of the index-th index."""
        schemas = self.index_schemas
        return (schemas[index] if index < len(schemas) else "") or table_schema

    def partition_schema(self, name: str, table_schema: str) -> str:
        """The schema of the partition `name` ("" names the table: its schema)."""
        for p in self.partitions:
            if p.name == name:
                return p.schema or table_schema
        return table_schema


@dataclass(frozen=True, slots=True)
class TableStats:
    """Sizes captured at dump time (bytes), for messages and `inspect`."""

    table_bytes: int = field(default=0, metadata=NONNEG)
    total_bytes: int = field(default=0, metadata=NONNEG)
    est_rows: int = field(default=0, metadata=NONNEG)
    index_bytes: int = field(default=0, metadata=NONNEG)


@dataclass(frozen=True, slots=True)
class TableSpec:
    """One table as the archive stores it: identity, columns, owned objects, DDL."""

    schema: str = field(metadata=IDENTIFIER)
    name: str = field(metadata=IDENTIFIER)
    columns: tuple[Column, ...]
    owned: Owned = field(default_factory=Owned)
    pre_data: tuple[str, ...] = ()  # run before the rows: CREATE SEQUENCE/TABLE, comments
    post_data: tuple[str, ...] = ()  # run after the rows: constraints, indexes, triggers, setval
    kind: str = field(default="r", metadata=choices("r", "p"))  # pg_class.relkind
    stats: TableStats = field(default_factory=TableStats)
    where: str | None = None  # the row filter of a --where dump: such archives append by default
    inherits: tuple[QualifiedName, ...] = ()  # the parents of an inheritance child, in order
    # dump --with-privileges: post-data ends with owners and GRANTs (see privileges.py)
    with_privileges: bool = False
    # the planner statistics of the table, its partitions and its indexes' expressions
    # (pgsnap/planstats.py); none in older archives and in dump --no-statistics
    planner_stats: tuple[RelationStats, ...] = field(default=(), metadata=OMITTED_IF_DEFAULT)

    def __post_init__(self) -> None:
        for r in self.planner_stats:
            if r.partition >= len(self.owned.partitions) or r.index >= len(self.owned.indexes):
                raise ValueError("planner_stats: a partition or index the table does not own")

    @property
    def qname(self) -> QualifiedName:
        return QualifiedName(self.schema, self.name)

    def relation(self, partition: str | None = None) -> QualifiedName:
        """The table, or its partition of that name (in the partition's own schema)."""
        if not partition:
            return self.qname
        return QualifiedName(self.owned.partition_schema(partition, self.schema), partition)

    def index_names(self) -> tuple[QualifiedName, ...]:
        """The table's indexes (and its partitions'), each in its schema."""
        o = self.owned
        return tuple(
            QualifiedName(o.index_schema(i, self.schema), n) for i, n in enumerate(o.indexes)
        )

    def partition_names(self) -> tuple[QualifiedName, ...]:
        return tuple(p.qname(self.schema) for p in self.owned.partitions)

    @property
    def copy_columns(self) -> tuple[str, ...]:
        """Columns that COPY carries: generated columns are computed, not stored."""
        return tuple(c.name for c in self.columns if not c.generated)

    def with_ddl(self, pre_data: tuple[str, ...], post_data: tuple[str, ...]) -> TableSpec:
        return replace(self, pre_data=pre_data, post_data=post_data)


def table_to_json(t: TableSpec) -> dict[str, Any]:
    """The spec as the archive stores it."""
    out: dict[str, Any] = encode(t)
    return out


def table_from_json(d: object) -> TableSpec:
    """A spec from its archive form; pgsnap.shape.ShapeError when it has another shape."""
    return decode(TableSpec, d)


@dataclass(frozen=True, slots=True)
class Dependency:
    """Something a table needs that `pg_dump -t` leaves out: an extension, a type, a function,
    a sequence that a default calls but that the table does not own.

    `identity` is what to_regtype()/to_regprocedure()/to_regclass() take (the name, for an
    extension); `fingerprint` describes the definition, to compare with an existing object of
    that name.  A sequence's `setval` is the statement that gives it its dumped value, run only
    when the load creates it ("" for the other kinds).
    """

    kind: str = field(metadata=choices("extension", "collation", "type", "function", "sequence"))
    schema: str = field(metadata=IDENTIFIER)
    name: str = field(metadata=IDENTIFIER)
    identity: str
    ddl: str
    fingerprint: str
    setval: str = field(default="", metadata=OMITTED_IF_DEFAULT)

    def display(self) -> str:
        if self.kind == "extension":
            return f'extension "{self.name}"'
        return f"{self.kind} {self.identity}"  # identity is already quoted SQL


# what a whole-database (or --schema) archive holds besides its tables, as pg_dump names them
OBJECT_KINDS = (
    "schema",
    "extension",
    "collation",
    "type",
    "domain",
    "function",
    "procedure",
    "aggregate",
    "operator",
    "operator family",
    "operator class",
    "cast",
    "text search parser",
    "text search template",
    "text search dictionary",
    "text search configuration",
    "conversion",
    "sequence",
    "view",
    "materialized view",
    "rule",
    "trigger",
    "event trigger",
    "publication",
    "default privileges",
    "large object",
    "language",
    "transform",
    "access method",
    "foreign data wrapper",
    "server",
    "user mapping",
    "foreign table",
)
LARGE_OBJECT = "large object"  # its data is in blob frames (archive/blobs.py)
SECTIONS = ("pre", "post")


@dataclass(frozen=True, slots=True)
class DbObject:
    """An object of a whole-database or --schema archive other than its tables.

    `ddl` runs in archive order among the tables' pre-data: after the first `after_tables`
    tables' pre-data (section "pre"), or after every table's rows and post-data (section
    "post": materialized view contents, rules, event triggers, publications, default
    privileges, and whatever needs a table's constraint).  `post` runs after every table's
    post-data in either case (a materialized view's REFRESH and indexes).  `needs` are the
    indexes of the objects it needs (archive order), `tables` the indexes of the tables whose
    DDL needs it: a load of some tables creates what they need, and only that.
    """

    kind: str = field(metadata=choices(*OBJECT_KINDS))
    schema: str  # "" for what lives in no schema (a schema, a cast, an event trigger…)
    name: str
    identity: str  # as SQL names it: quoted, with a function's argument types
    ddl: tuple[str, ...]
    post: tuple[str, ...] = ()
    section: str = field(default="pre", metadata=choices(*SECTIONS))
    after_tables: int = field(default=0, metadata=NONNEG)
    needs: tuple[int, ...] = ()
    tables: tuple[int, ...] = ()

    def display(self) -> str:
        return f"{self.kind} {self.identity}"


def dependency_from_json(d: object) -> Dependency:
    """A dependency from its archive form; pgsnap.shape.ShapeError for another shape."""
    return decode(Dependency, d)


def parse_time(text: str | None) -> dt.datetime | None:
    """An archive's ISO 8601 time as an aware datetime (UTC when it names no zone); None
    when there is none or it does not parse."""
    if text is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def iso_time(value: dt.datetime | None) -> str | None:
    """The JSON form of a time: ISO 8601, as the archive has it."""
    return None if value is None else value.isoformat()
