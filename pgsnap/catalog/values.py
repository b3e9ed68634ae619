"""What the catalog says about a table and what belongs to it, as frozen values.

Pure: no connection and no psycopg, so the DDL renderer (pgsnap.ddl) can take them.
"""

from __future__ import annotations

from dataclasses import dataclass

from pgsnap.model import QualifiedName


@dataclass(frozen=True, slots=True)
class CatColumn:
    name: str
    type: str
    not_null: bool
    identity: str
    generated: str
    default: str | None
    collation: str | None
    comment: str | None
    stattarget: int | None = None
    storage: str | None = None
    compression: str | None = None
    options: tuple[str, ...] = ()
    local: bool = True  # declared by the table itself, not only inherited from a parent
    inherited_default: str | None = None  # the default a parent gives the column
    inherited_not_null: bool = False  # a parent's column is NOT NULL
    attnum: int = 0  # what constraints' column lists refer to (dropped columns leave gaps)


@dataclass(frozen=True, slots=True)
class CatConstraint:
    name: str
    type: str
    definition: str
    validated: bool
    columns: tuple[int, ...]
    uses_index: bool
    comment: str | None
    no_inherit: bool = False


@dataclass(frozen=True, slots=True)
class CatIndex:
    name: str
    definition: str
    backs_constraint: bool
    replica_identity: bool
    clustered: bool
    comment: str | None
    stattargets: tuple[tuple[int, int], ...] = ()  # (column number, statistics target)
    reloptions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CatSequence:
    schema: str
    name: str
    column: str
    identity: bool
    type: str
    start: int
    increment: int
    min: int
    max: int
    cache: int
    cycle: bool
    last_value: int
    is_called: bool
    unlogged: bool = False
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class CatTrigger:
    name: str
    definition: str
    enabled: str
    comment: str | None


@dataclass(frozen=True, slots=True)
class CatPolicy:
    name: str
    permissive: bool
    command: str
    roles: tuple[str, ...]
    qual: str | None
    with_check: str | None
    comment: str | None


@dataclass(frozen=True, slots=True)
class CatStatistics:
    """An extended statistics object (CREATE STATISTICS) on the table, in its own schema."""

    schema: str
    name: str
    definition: str
    target: int | None  # ALTER STATISTICS … SET STATISTICS; None is the default
    comment: str | None


@dataclass(frozen=True, slots=True)
class CatRule:
    name: str
    definition: str  # pg_get_ruledef without its closing semicolon
    enabled: str  # pg_rewrite.ev_enabled: O (origin), D, R, A
    comment: str | None


@dataclass(frozen=True, slots=True)
class CatPartitionIndex:
    """An index of a partition that is attached to an index of its parent."""

    name: str
    definition: str
    parent_index: str
    constraint: str | None  # the partition's key constraint behind it, if any
    constraint_def: str | None


@dataclass(frozen=True, slots=True)
class CatPartition:
    schema: str
    name: str
    parent_schema: str
    parent_name: str
    kind: str  # r (a leaf, holds rows) or p (sub-partitioned)
    bound: str
    partkey: str | None
    table_bytes: int
    indexes: tuple[CatPartitionIndex, ...]
    own: CatTable | None = None  # what the partition has of its own (options, indexes, triggers…)


@dataclass(frozen=True, slots=True)
class CatTable:
    """Everything the DDL renderer needs about one table."""

    oid: int
    schema: str
    name: str
    kind: str
    persistence: str
    reloptions: tuple[str, ...]
    toast_options: tuple[str, ...]
    row_security: bool
    force_row_security: bool
    replica_identity: str
    comment: str | None
    table_bytes: int
    total_bytes: int
    est_rows: int
    server_version: int
    index_bytes: int
    columns: tuple[CatColumn, ...]
    constraints: tuple[CatConstraint, ...]
    indexes: tuple[CatIndex, ...]
    sequences: tuple[CatSequence, ...]
    triggers: tuple[CatTrigger, ...]
    policies: tuple[CatPolicy, ...]
    partkey: str | None = None
    partitions: tuple[CatPartition, ...] = ()
    of_type: str | None = None  # CREATE TABLE … OF this composite type
    parents: tuple[QualifiedName, ...] = ()  # INHERITS (…), in order; never a partition's parent
    is_partition: bool = False
    statistics: tuple[CatStatistics, ...] = ()
    rules: tuple[CatRule, ...] = ()

    @property
    def qname(self) -> QualifiedName:
        return QualifiedName(self.schema, self.name)


@dataclass(frozen=True, slots=True)
class AclItem:
    """One privilege of one grantee, as aclexplode() returns it."""

    grantor: str
    grantee: str | None  # None: PUBLIC
    privilege: str  # SELECT, INSERT, …, USAGE
    grantable: bool
    column: str | None = None  # a column privilege (pg_attribute.attacl)


@dataclass(frozen=True, slots=True)
class RelationAcl:
    kind: str  # TABLE | SEQUENCE: the keyword in ALTER … OWNER and GRANT … ON
    schema: str
    name: str
    owner: str
    has_acl: bool  # False: relacl is NULL, the owner holds the default privileges
    owner_default: tuple[str, ...]  # acldefault(): what the owner holds by default
    items: tuple[AclItem, ...]


@dataclass(frozen=True, slots=True)
class DatabaseFacts:
    """The source database, as the manifest records it (queries/database.sql)."""

    database: str
    encoding: str
    server_version: str
    server_version_num: int
    block_size: int
    database_bytes: int
