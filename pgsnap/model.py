"""Frozen value classes that describe a dumped table, and their JSON form.

These values travel in the archive's header and manifest.  Everything the loader
decides (what to rename, what to verify) comes from them, never from name patterns.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any


@dataclass(frozen=True, slots=True)
class QualifiedName:
    schema: str
    name: str

    def display(self) -> str:
        """Human form, quoted only where SQL would need quotes: public."Papers Archive"."""
        from pgsnap.naming import quote_ident_if_needed

        return f"{quote_ident_if_needed(self.schema)}.{quote_ident_if_needed(self.name)}"


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: str  # format_type() output, fully quoted
    not_null: bool = False
    identity: str = ""  # '' | 'a' (ALWAYS) | 'd' (BY DEFAULT)
    generated: str = ""  # '' | 's' (STORED) | 'v' (VIRTUAL, PG18)


@dataclass(frozen=True, slots=True)
class OwnedSequence:
    """A sequence that belongs to the table: serial (OWNED BY) or identity."""

    schema: str
    name: str
    column: str
    identity: bool
    last_value: int | None = None
    is_called: bool = False


@dataclass(frozen=True, slots=True)
class Constraint:
    name: str
    type: str  # pg_constraint.contype: p u f c x n t
    uses_index: bool = False  # PK / UNIQUE / EXCLUDE: an index of the same name backs it
    relation: str = ""  # the partition it is on (in the table's schema); "" for the table


@dataclass(frozen=True, slots=True)
class Partition:
    """A partition under a partitioned table (in the table's schema).  Leaves hold the rows."""

    name: str
    leaf: bool = True
    table_bytes: int = 0


@dataclass(frozen=True, slots=True)
class OwnedStatistics:
    """An extended statistics object on the table; its schema may differ from the table's."""

    schema: str
    name: str


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


@dataclass(frozen=True, slots=True)
class TableStats:
    """Sizes captured at dump time (bytes), for messages and `inspect`."""

    table_bytes: int = 0
    total_bytes: int = 0
    est_rows: int = 0
    index_bytes: int = 0


@dataclass(frozen=True, slots=True)
class TableSpec:
    """One table as the archive stores it: identity, columns, owned objects, DDL."""

    schema: str
    name: str
    columns: tuple[Column, ...]
    owned: Owned = field(default_factory=Owned)
    pre_data: tuple[str, ...] = ()  # run before the rows: CREATE SEQUENCE/TABLE, comments
    post_data: tuple[str, ...] = ()  # run after the rows: constraints, indexes, triggers, setval
    kind: str = "r"  # pg_class.relkind
    stats: TableStats = field(default_factory=TableStats)
    where: str | None = None  # the row filter of a --where dump: such archives append by default
    inherits: tuple[QualifiedName, ...] = ()  # the parents of an inheritance child, in order
    # dump --with-privileges: post-data ends with owners and GRANTs (see privileges.py)
    with_privileges: bool = False

    @property
    def qname(self) -> QualifiedName:
        return QualifiedName(self.schema, self.name)

    @property
    def copy_columns(self) -> tuple[str, ...]:
        """Columns that COPY carries: generated columns are computed, not stored."""
        return tuple(c.name for c in self.columns if not c.generated)

    def with_ddl(self, pre_data: tuple[str, ...], post_data: tuple[str, ...]) -> TableSpec:
        return replace(self, pre_data=pre_data, post_data=post_data)


def table_to_json(t: TableSpec) -> dict[str, Any]:
    return asdict(t)


def table_from_json(d: dict[str, Any]) -> TableSpec:
    o = d.get("owned", {})
    owned = Owned(
        sequences=tuple(OwnedSequence(**s) for s in o.get("sequences", ())),
        indexes=tuple(o.get("indexes", ())),
        constraints=tuple(Constraint(**c) for c in o.get("constraints", ())),
        triggers=tuple(o.get("triggers", ())),
        policies=tuple(o.get("policies", ())),
        partitions=tuple(Partition(**p) for p in o.get("partitions", ())),
        trigger_relations=tuple(o.get("trigger_relations", ())),
        policy_relations=tuple(o.get("policy_relations", ())),
        statistics=tuple(OwnedStatistics(**s) for s in o.get("statistics", ())),
        rules=tuple(o.get("rules", ())),
    )
    return TableSpec(
        schema=d["schema"],
        name=d["name"],
        columns=tuple(Column(**c) for c in d["columns"]),
        owned=owned,
        pre_data=tuple(d.get("pre_data", ())),
        post_data=tuple(d.get("post_data", ())),
        kind=d.get("kind", "r"),
        stats=TableStats(**d.get("stats", {})),
        where=d.get("where"),
        inherits=tuple(QualifiedName(**q) for q in d.get("inherits", ())),
        with_privileges=bool(d.get("with_privileges", False)),
    )


@dataclass(frozen=True, slots=True)
class Dependency:
    """Something a table needs that `pg_dump -t` leaves out: an extension, a type, a function.

    `identity` is what to_regtype()/to_regprocedure() take (the name, for an extension);
    `fingerprint` describes the definition, to compare with an existing object of that name.
    """

    kind: str  # extension | collation | type | function
    schema: str
    name: str
    identity: str
    ddl: str
    fingerprint: str

    def display(self) -> str:
        if self.kind == "extension":
            return f'extension "{self.name}"'
        return f"{self.kind} {self.identity}"  # identity is already quoted SQL


def dependency_from_json(d: dict[str, Any]) -> Dependency:
    return Dependency(**d)
