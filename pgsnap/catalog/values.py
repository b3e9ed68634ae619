"""What the catalog says about a table and what belongs to it, as frozen values.

Pure: no connection and no psycopg, so the DDL renderer (pgsnap.ddl) can take them.
"""

from __future__ import annotations

from dataclasses import dataclass

from pgsnap.model import QualifiedName


@dataclass(frozen=True, slots=True)
class Relation:
    """A relation a user named, or one of a schema (resolve_table.sql, schema_tables.sql)."""

    oid: int
    schema: str
    name: str
    kind: str  # pg_class.relkind
    is_partition: bool
    parent: str | None  # a partition's parent, as regclass text

    @property
    def qname(self) -> QualifiedName:
        return QualifiedName(self.schema, self.name)


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
    inherited_generated: bool = False  # a parent's column is a generated column
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
    oid: int = 0
    late: bool = False  # a CHECK added after the rows: it is in a dependency loop (ddl/order.py)


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
    unlogged: bool = False
    comment: str | None = None
    last_value: int = 0  # read from the sequence itself, after the catalog row
    is_called: bool = False


@dataclass(frozen=True, slots=True)
class SequenceRow:
    """A sequence a default calls that the table does not own (dep_sequences.sql)."""

    schema: str
    name: str
    type: str
    start: int
    increment: int
    min: int
    max: int
    cache: int
    cycle: bool
    unlogged: bool = False
    last_value: int = 0  # read from the sequence itself, after the catalog row
    is_called: bool = False


@dataclass(frozen=True, slots=True)
class CatTrigger:
    name: str
    definition: str
    enabled: str
    comment: str | None


@dataclass(frozen=True, slots=True)
class CatTriggerState:
    """A partition's clone of its parent's trigger, enabled otherwise (trigger_states.sql)."""

    name: str
    enabled: str  # tgenabled: O(rigin), D(isabled), R(eplica), A(lways)


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
    oid: int
    schema: str
    name: str
    parent_schema: str
    parent_name: str
    kind: str  # r (a leaf, holds rows) or p (sub-partitioned)
    bound: str
    partkey: str | None
    table_bytes: int
    toast_bytes: int
    indexes: tuple[CatPartitionIndex, ...] = ()
    own: CatTable | None = None  # what the partition has of its own (options, indexes, triggers…)


@dataclass(frozen=True, slots=True)
class CatTable:
    """Everything the DDL renderer needs about one table (queries/table.sql, then what
    belongs to it from the per-relation queries)."""

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
    partkey: str | None = None
    of_type: str | None = None  # CREATE TABLE … OF this composite type
    parents: tuple[QualifiedName, ...] = ()  # INHERITS (…), in order; never a partition's parent
    is_partition: bool = False
    access_method: str | None = None  # CREATE TABLE … USING this, when it is not heap
    columns: tuple[CatColumn, ...] = ()
    constraints: tuple[CatConstraint, ...] = ()
    indexes: tuple[CatIndex, ...] = ()
    sequences: tuple[CatSequence, ...] = ()
    triggers: tuple[CatTrigger, ...] = ()
    trigger_states: tuple[CatTriggerState, ...] = ()  # a partition's own states of clones
    policies: tuple[CatPolicy, ...] = ()
    partitions: tuple[CatPartition, ...] = ()
    statistics: tuple[CatStatistics, ...] = ()
    rules: tuple[CatRule, ...] = ()

    def __post_init__(self) -> None:
        # the catalog gives the parents as (schema, name) pairs
        parents = tuple(
            p if isinstance(p, QualifiedName) else QualifiedName(*p) for p in self.parents
        )
        object.__setattr__(self, "parents", parents)

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
class AclHead:
    """A relation's owner, and whether it has an ACL of its own (queries/acl_relations.sql)."""

    owner: str
    has_acl: bool  # False: relacl is NULL, the owner holds the default privileges
    owner_default: tuple[str, ...]  # acldefault(): what the owner holds by default


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
class LiveTable:
    """A live table for verify: its stored columns and its indexes (queries/verify_table.sql)."""

    oid: int
    kind: str
    columns: tuple[str, ...]
    indexes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MayCreate:
    """What the current role may create (queries/verify_privileges.sql)."""

    may_create_database: bool
    may_create_schema: bool
    database: str
    role: str


@dataclass(frozen=True, slots=True)
class DatabaseFacts:
    """The source database, as the manifest records it (queries/database.sql)."""

    database: str
    encoding: str
    server_version: str
    server_version_num: int
    block_size: int
    database_bytes: int
    # its locale (queries/database_locale*.sql), read after the facts above
    collate: str | None = None
    ctype: str | None = None
    locale_provider: str | None = None
    locale: str | None = None


LOCALE_PROVIDERS = ("libc", "icu", "builtin")


@dataclass(frozen=True, slots=True)
class DatabaseLocale:
    """How a database sorts and classifies text (queries/database_locale*.sql): LC_COLLATE,
    LC_CTYPE, the locale provider, and the ICU or builtin locale (None for libc)."""

    collate: str
    ctype: str
    locale_provider: str  # LOCALE_PROVIDERS
    locale: str | None


# -- what a table needs outside itself (catalog/dependencies.py) ----------------------------


@dataclass(frozen=True, slots=True)
class TypeRow:
    """One type (queries/dep_types.sql): what it is, and what it is built from."""

    oid: int
    kind: str  # pg_type.typtype: e(num), d(omain), c(omposite), r(ange), b(ase), …
    category: str  # typcategory: "A" for an array
    schema: str
    name: str
    element: int  # typelem: an array's element type
    base: int  # typbasetype: a domain's base type
    relid: int  # typrelid: a composite type's attributes
    basetype: str | None
    not_null: bool
    default: str | None
    collation: str | None
    range_subtype: int | None
    subtype: str | None
    subtype_opclass: str | None
    canonical: str | None
    subtype_diff: str | None
    extension: str | None  # the extension it belongs to


@dataclass(frozen=True, slots=True)
class FunctionRow:
    """One function a table (or a domain) calls (queries/dep_functions.sql)."""

    oid: int
    schema: str
    name: str
    signature: str  # regprocedure text, quoted
    rettype: int
    argtypes: tuple[int, ...]
    kind: str  # prokind
    extension: str | None


@dataclass(frozen=True, slots=True)
class CollationRow:
    """One collation (queries/dep_collation.sql)."""

    provider: str  # c(libc), i(cu), b(uiltin)
    deterministic: bool
    collate: str | None
    ctype: str | None
    locale: str | None  # ICU and builtin (PG15/16 colliculocale, PG17+ colllocale)
    rules: str | None  # ICU rules (PG16+)
    oid: int = 0
    schema: str = ""
    name: str = ""
    extension: str | None = None


@dataclass(frozen=True, slots=True)
class Attribute:
    """An attribute of a composite type."""

    name: str
    type: str
    type_oid: int
    collation: str | None = None  # quoted, when not the type's default


@dataclass(frozen=True, slots=True)
class DomainConstraint:
    name: str
    type: str  # c(heck), n(ot null; PG17+ names it)
    definition: str


@dataclass(frozen=True, slots=True)
class ExtensionRow:
    name: str
    schema: str
    version: str


@dataclass(frozen=True, slots=True)
class DepRelation:
    """The table, or a partition under it, and its composite type (a typed table)."""

    oid: int
    of_type: int


@dataclass(frozen=True, slots=True)
class NotNull:
    """A NOT NULL constraint of a table or partition (queries/not_null_constraints.sql)."""

    relation: str  # the table's or partition's name, in the table's schema
    name: str
    column: str


# -- what depends on a table a load drops or replaces (restore/dependants.py) ---------------


@dataclass(frozen=True, slots=True)
class Dependant:
    """An object outside a table that depends on it (queries/dependants.sql)."""

    classid: int  # the catalog it is in: pg_class, pg_constraint, pg_rewrite, …
    objid: int
    depth: int  # 1: on the table itself; more: on a view on it
    relation: tuple[str, str] | None  # (schema, name) of the relation it is or belongs to
    kind: str  # pg_identify_object's type: view, table constraint, rule, …
    description: str  # pg_describe_object's: view v, constraint fk on table t, …
    columns: tuple[str, ...]  # the table's columns it uses

    @property
    def relation_name(self) -> QualifiedName | None:
        return None if self.relation is None else QualifiedName(*self.relation)


@dataclass(frozen=True, slots=True)
class DependantRelation:
    """A view or materialized view to re-create (queries/dependant_relation.sql)."""

    oid: int
    schema: str
    name: str
    kind: str  # v | m
    reloptions: tuple[str, ...]
    definition: str
    populated: bool
    access_method: str | None
    comment: str | None
    column_comments: tuple[tuple[str, str], ...]
    indexes: tuple[str, ...]
    triggers: tuple[str, ...]
    rules: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DependantConstraint:
    name: str
    table: str  # quoted, qualified
    definition: str
    comment: str | None


@dataclass(frozen=True, slots=True)
class DependantRule:
    name: str
    table: str  # quoted, qualified
    definition: str
    enabled: str
    comment: str | None


@dataclass(frozen=True, slots=True)
class DependantPolicy:
    schema: str
    table: str
    relid: int
    name: str


@dataclass(frozen=True, slots=True)
class DependantFunction:
    definition: str
    signature: str
    comment: str | None


@dataclass(frozen=True, slots=True)
class DependantPublication:
    publication: str
    row_filter: str | None
    columns: tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class NameClash:
    """A name a load creates, taken by another object (queries/name_clashes.sql)."""

    plan: int  # the position, among the tables the load creates, of the one that wants it
    schema: str
    name: str
    holder: str  # pg_describe_object's: view public.v, index public.i, type public.t


@dataclass(frozen=True, slots=True)
class IndexProgress:
    """One index build in progress (queries/index_progress.sql)."""

    phase: str
    blocks_total: int
    blocks_done: int
    tuples_total: int
    tuples_done: int

    @property
    def percent(self) -> float | None:
        """How far the build is in its current phase: tuples when it counts them (sorting,
        loading), else blocks (scanning the table); None when it counts neither."""
        if self.tuples_total > 0:
            return 100.0 * self.tuples_done / self.tuples_total
        if self.blocks_total > 0:
            return 100.0 * self.blocks_done / self.blocks_total
        return None


@dataclass(frozen=True, slots=True)
class ObjectRow:
    """An object of a whole-database dump other than a table (queries/objects_*.sql), its DDL
    rendered by the server: `ddl` in pre-data, `post` after the rows, `shell` a stand-in
    that breaks a dependency loop (a view's columns, no query)."""

    cls: str  # the catalog it lives in: pg_proc, pg_type, pg_class…
    oid: int
    kind: str  # pgsnap.model.OBJECT_KINDS
    schema: str
    name: str
    identity: str
    ddl: tuple[str, ...]
    post: tuple[str, ...] = ()
    shell: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class ObjectCommentRow:
    """A comment on an object, or on a part of one that `target` names
    (queries/objects_comments.sql); `after`: the part is made in the object's post."""

    cls: str
    oid: int
    target: str | None
    description: str
    after: bool = False


@dataclass(frozen=True, slots=True)
class ObjectAclRow:
    """An object's owner and ACL, exploded in order (queries/objects_acls.sql)."""

    cls: str
    oid: int
    owner: str
    has_acl: bool
    owner_default: tuple[str, ...]
    grantors: tuple[str, ...]
    grantees: tuple[str | None, ...]
    privileges: tuple[str, ...]
    grantables: tuple[bool, ...]
    public_default: tuple[str, ...] = ()  # what PUBLIC holds by default (EXECUTE, USAGE)
    columns: tuple[str | None, ...] = ()  # the column of each item (a foreign table's), or None


@dataclass(frozen=True, slots=True)
class NodeRow:
    """A catalog row that stands for another object in the ordering (queries/objects_nodes.sql);
    `post`: it is part of that object's post-data (an index, a key, a trigger)."""

    cls: str
    oid: int
    node_cls: str
    node_oid: int
    post: bool


@dataclass(frozen=True, slots=True)
class DependRow:
    """One pg_depend edge between user objects (queries/objects_depend.sql)."""

    cls: str
    oid: int
    ref_cls: str
    ref_oid: int
