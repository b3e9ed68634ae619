"""Pure: catalog values -> the table's DDL, split into pre-data and post-data.

Pre-data runs before the rows (sequences, CREATE TABLE with its CHECK and NOT NULL
constraints, comments on the table and its columns).  Post-data runs after them: keys,
indexes, foreign keys, NOT VALID checks, triggers, row security, the other comments, and
setval.  Loading rows before building indexes is what makes restores fast (design §4).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from pgsnap.catalog.values import (
    CatColumn,
    CatConstraint,
    CatPartition,
    CatPartitionIndex,
    CatPolicy,
    CatRule,
    CatSequence,
    CatStatistics,
    CatTable,
)
from pgsnap.model import (
    Column,
    Constraint,
    Owned,
    OwnedSequence,
    OwnedStatistics,
    Partition,
    QualifiedName,
    TableSpec,
    TableStats,
)
from pgsnap.naming import ident, literal

IDENTITY_KIND = {"a": "ALWAYS", "d": "BY DEFAULT"}
GENERATED_KIND = {"s": "STORED", "v": "VIRTUAL"}
TRIGGER_STATE = {"D": "DISABLE", "R": "ENABLE REPLICA", "A": "ENABLE ALWAYS"}
RULE_STATE = TRIGGER_STATE  # pg_rewrite.ev_enabled uses the same letters as tgenabled
POLICY_COMMANDS = {"r": "SELECT", "a": "INSERT", "w": "UPDATE", "d": "DELETE", "*": "ALL"}
REPLICA_IDENTITY = {"f": "FULL", "n": "NOTHING"}
INLINE_CONSTRAINTS = {"c", "n"}  # CHECK and (PG18) NOT NULL live in CREATE TABLE
PG_NOT_NULL_CONSTRAINTS = 180000  # from PG18 on, NOT NULL is a constraint with a name
PG_CHILD_GENERATION = 160000  # from PG16 on, a child may state its own generation expression


def with_late_checks(t: CatTable, late: frozenset[int]) -> CatTable:
    """`t` with its CHECKs of `late` (constraint oids) added after the rows."""
    if not late or not any(c.oid in late for c in t.constraints):
        return t
    marked = tuple(replace(c, late=c.oid in late) for c in t.constraints)
    return replace(t, constraints=marked)


def table_spec(t: CatTable) -> TableSpec:
    """Render the DDL and collect the owned-object names that a rename must follow."""
    return TableSpec(
        schema=t.schema,
        name=t.name,
        columns=tuple(
            Column(c.name, c.type, c.not_null, c.identity, c.generated) for c in t.columns
        ),
        owned=_owned(t),
        pre_data=tuple(pre_data(t)),
        post_data=tuple(post_data(t)),
        kind=t.kind,
        # a partitioned table holds no rows itself: its size is its partitions'
        stats=TableStats(
            t.table_bytes + sum(p.table_bytes for p in t.partitions),
            t.total_bytes,
            t.est_rows,
            t.index_bytes,
        ),
        inherits=t.parents,
    )


def parents_first(
    specs: list[TableSpec], after: Mapping[QualifiedName, Sequence[QualifiedName]] | None = None
) -> list[TableSpec]:
    """The tables in their order, except that an inheritance parent comes before its children,
    and a table after those `after` names for it (the owners of the sequences its defaults
    call): a load creates them in the archive's order."""
    by_name = {s.qname: s for s in specs}
    out: list[TableSpec] = []
    placed: set[QualifiedName] = set()
    after = after or {}

    def place(s: TableSpec, seen: frozenset[QualifiedName]) -> None:
        if s.qname in placed or s.qname in seen:
            return
        for parent in (*s.inherits, *after.get(s.qname, ())):
            if parent in by_name:
                place(by_name[parent], seen | {s.qname})
        placed.add(s.qname)
        out.append(s)

    for s in specs:
        place(s, frozenset())
    return out


def _owned(t: CatTable) -> Owned:
    partition_indexes = tuple(i.name for p in t.partitions for i in p.indexes)
    partition_keys = tuple(
        Constraint(i.constraint, "p", True, p.name)
        for p in t.partitions
        for i in p.indexes
        if i.constraint
    )
    family = [t, *(p.own for p in t.partitions if p.own is not None)]

    def on(m: CatTable) -> str:  # "" for the table, else the partition's name
        return "" if m is t else m.name

    return Owned(
        sequences=tuple(
            OwnedSequence(s.schema, s.name, s.column, s.identity, s.last_value, s.is_called)
            for s in t.sequences
        ),
        indexes=tuple(i.name for m in family for i in m.indexes) + partition_indexes,
        index_schemas=_index_schemas(t, family),
        constraints=tuple(
            Constraint(c.name, c.type, c.uses_index, on(m)) for m in family for c in m.constraints
        )
        + partition_keys,
        triggers=tuple(tr.name for m in family for tr in m.triggers),
        policies=tuple(p.name for m in family for p in m.policies),
        partitions=tuple(
            Partition(p.name, p.kind == "r", p.table_bytes, _other(p.schema, t), p.toast_bytes)
            for p in t.partitions
        ),
        trigger_relations=tuple(on(m) for m in family for _ in m.triggers),
        policy_relations=tuple(on(m) for m in family for _ in m.policies),
        statistics=tuple(OwnedStatistics(s.schema, s.name) for m in family for s in m.statistics),
        rules=tuple(r.name for m in family for r in m.rules),
    )


def _other(schema: str, t: CatTable) -> str:
    """A partition's or an index's schema as Owned keeps it: "" for the table's."""
    return "" if schema == t.schema else schema


def _index_schemas(t: CatTable, family: list[CatTable]) -> tuple[str, ...]:
    """Owned.index_schemas, in the order of Owned.indexes; () when all are the table's."""
    schemas = tuple(_other(m.schema, t) for m in family for _ in m.indexes)
    schemas += tuple(_other(p.schema, t) for p in t.partitions for _ in p.indexes)
    return schemas if any(schemas) else ()


# -- pre-data ---------------------------------------------------------------------------


def pre_data(t: CatTable) -> list[str]:
    out = [_create_sequence(s) for s in t.sequences if not s.identity]
    out.append(create_table(t))
    out += _inherited_columns(t)
    for p in t.partitions:
        out.append(_create_partition(p))
        if p.own is not None:
            out += _inherited_columns(p.own)
            out += _column_settings(p.own)
    out += _column_settings(t)
    out += [
        f"ALTER SEQUENCE {ident(s.schema, s.name)} OWNED BY {ident(t.schema, t.name, s.column)}"
        for s in t.sequences
        if not s.identity
    ]
    for member in (t, *(p.own for p in t.partitions if p.own is not None)):
        out += _table_comments(member)
    return out


def _table_comments(t: CatTable) -> list[str]:
    out = []
    if t.comment is not None:
        out.append(f"COMMENT ON TABLE {ident(t.schema, t.name)} IS {literal(t.comment)}")
    out += [
        f"COMMENT ON COLUMN {ident(t.schema, t.name, c.name)} IS {literal(c.comment)}"
        for c in t.columns
        if c.comment is not None
    ]
    return out


def _sequence_options(s: CatSequence) -> str:
    cycle = "CYCLE" if s.cycle else "NO CYCLE"
    return (
        f"START WITH {s.start} INCREMENT BY {s.increment} MINVALUE {s.min} "
        f"MAXVALUE {s.max} CACHE {s.cache} {cycle}"
    )


def _create_sequence(s: CatSequence) -> str:
    unlogged = "UNLOGGED " if s.unlogged else ""
    return f"CREATE {unlogged}SEQUENCE {ident(s.schema, s.name)} AS {s.type} {_sequence_options(s)}"


def create_table(t: CatTable) -> str:
    identity = {s.column: s for s in t.sequences if s.identity}
    not_null_names = _not_null_names(t)
    late = _late_not_null(t)
    listed = _listed_columns(t)
    if t.of_type:
        items = [_typed_column_def(t, i, not_null_names, late) for i in listed]
        items = [i for i in items if i]
    else:
        items = [_column_def(t, i, identity, not_null_names, late) for i in listed]
    items += _not_null_items(t, listed) + _check_items(t)
    unlogged = "UNLOGGED " if t.persistence == "u" else ""
    text = f"CREATE {unlogged}TABLE {ident(t.schema, t.name)}"
    if t.of_type:
        text += f" OF {t.of_type}" + (f" ({', '.join(items)})" if items else "")
    else:
        text += f" ({', '.join(items)})"
    if t.parents:
        text += f" INHERITS ({', '.join(ident(p.schema, p.name) for p in t.parents)})"
    if t.partkey:
        text += f" PARTITION BY {t.partkey}"
    return text + _using(t) + _with_options(t)


def _using(t: CatTable | None) -> str:
    """USING the table access method, when it is not heap."""
    return f" USING {ident(t.access_method)}" if t is not None and t.access_method else ""


def _check_items(t: CatTable) -> list[str]:
    return [
        f"CONSTRAINT {ident(c.name)} {c.definition}"
        for c in t.constraints
        if c.type == "c" and c.validated and not c.late
    ]


def _with_options(t: CatTable) -> str:
    options = [_reloption(o) for o in t.reloptions]
    options += [_reloption("toast." + o) for o in t.toast_options]
    return f" WITH ({', '.join(options)})" if options else ""


def _listed_columns(t: CatTable) -> list[int]:
    """Indexes of the columns CREATE TABLE names: an inheritance child names only its own
    (the others come from its parents, in their place); a partition names none."""
    if t.is_partition:
        return []
    if t.parents:
        return [i for i, c in enumerate(t.columns) if c.local]
    return list(range(len(t.columns)))


def _inherited_columns(t: CatTable) -> list[str]:
    """What a child or a partition changed on columns it took from a parent: its own default,
    or NOT NULL (a named constraint on PG18), as pg_dump restores them."""
    if not t.parents and not t.is_partition:
        return []
    listed = set(_listed_columns(t))
    only = f"ALTER TABLE ONLY {ident(t.schema, t.name)}"
    out = []
    for i, c in enumerate(t.columns):
        if i in listed:
            continue
        col = f"{only} ALTER COLUMN {ident(c.name)}"
        if not c.generated and not c.identity and c.default != c.inherited_default:
            out.append(f"{col} SET DEFAULT {c.default}" if c.default else f"{col} DROP DEFAULT")
        if t.server_version < PG_NOT_NULL_CONSTRAINTS and c.not_null and not c.inherited_not_null:
            out.append(f"{col} SET NOT NULL")
    return out


def _not_null_items(t: CatTable, listed: list[int]) -> list[str]:
    """PG18: a NOT NULL constraint of the table's own on a column it does not name (taken from
    a parent), as a table constraint of CREATE TABLE: that is how it keeps its name."""
    by_number = {c.attnum: c.name for c in t.columns}
    named = {t.columns[i].attnum for i in listed}
    return [
        f"CONSTRAINT {ident(c.name)} NOT NULL {ident(by_number[c.columns[0]])}"
        + (" NO INHERIT" if c.no_inherit else "")
        for c in t.constraints
        if c.type == "n" and c.validated and c.columns and c.columns[0] not in named
    ]


def _create_partition(p: CatPartition) -> str:
    """A partition created under its parent: it takes the parent's columns (pg_dump creates it
    on its own and attaches it; this form is the same table for a whole-family restore).  Its
    own CHECKs, persistence and storage parameters come with it."""
    own = p.own
    unlogged = "UNLOGGED " if own is not None and own.persistence == "u" else ""
    checks = _not_null_items(own, _listed_columns(own)) + _check_items(own) if own else []
    text = f"CREATE {unlogged}TABLE {ident(p.schema, p.name)} PARTITION OF "
    text += ident(p.parent_schema, p.parent_name)
    if checks:
        text += f" ({', '.join(checks)})"
    text += f" {p.bound}"
    text += f" PARTITION BY {p.partkey}" if p.partkey else ""
    return text + _using(own) + (_with_options(own) if own is not None else "")


def _partition_keys(t: CatTable) -> list[str]:
    """Each partition's key constraint, attached to the parent's (pg_dump's order)."""
    out = []
    for p in t.partitions:
        for i in p.indexes:
            if i.constraint:
                out.append(
                    f"ALTER TABLE ONLY {ident(p.schema, p.name)} ADD CONSTRAINT "
                    f"{ident(i.constraint)} {i.constraint_def}"
                )
                out.append(_attach(p, i))
    return out


def _partition_indexes(t: CatTable) -> list[str]:
    out = []
    for p in t.partitions:
        for i in p.indexes:
            if not i.constraint:
                out += [i.definition, _attach(p, i)]
    return out


def _attach(p: CatPartition, i: CatPartitionIndex) -> str:
    """The parent's index is in the parent's schema, the partition's in the partition's."""
    parent = ident(p.parent_schema, i.parent_index)
    return f"ALTER INDEX {parent} ATTACH PARTITION {ident(p.schema, i.name)}"


def _not_null_names(t: CatTable) -> dict[int, str]:
    """PG18 keeps NOT NULL as named constraints: attnum -> `CONSTRAINT name NOT NULL …`."""
    return {
        c.columns[0]: f"CONSTRAINT {ident(c.name)} NOT NULL"
        + (" NO INHERIT" if c.no_inherit else "")
        for c in t.constraints
        if c.type == "n" and c.columns and c.validated
    }


def _late_not_null(t: CatTable) -> set[int]:
    """Columns whose (PG18) NOT NULL is NOT VALID: added after the rows, as pg_dump does."""
    return {c.columns[0] for c in t.constraints if c.type == "n" and c.columns and not c.validated}


def _typed_column_def(
    t: CatTable, i: int, not_null_names: dict[int, str], late_not_null: set[int]
) -> str:
    """A typed table's column: named only for what it adds to the type (WITH OPTIONS)."""
    c = t.columns[i]
    parts = []
    if c.default is not None:
        parts.append(f"DEFAULT {c.default}")
    if c.not_null and c.attnum not in late_not_null:
        parts.append(not_null_names.get(c.attnum, "NOT NULL"))
    return f"{ident(c.name)} WITH OPTIONS {' '.join(parts)}" if parts else ""


def _column_def(
    t: CatTable,
    i: int,
    identity: dict[str, CatSequence],
    not_null_names: dict[int, str],
    late_not_null: set[int],
) -> str:
    c = t.columns[i]
    parts = [ident(c.name), c.type]
    if c.collation:
        parts.append(f"COLLATE {c.collation}")
    if c.generated and c.inherited_generated and t.server_version < PG_CHILD_GENERATION:
        pass  # before PG16 a child takes its parent's expression and may not restate it
    elif c.generated:
        parts.append(f"GENERATED ALWAYS AS ({c.default}) {GENERATED_KIND[c.generated]}")
    elif c.identity:
        seq = identity[c.name]
        parts.append(
            f"GENERATED {IDENTITY_KIND[c.identity]} AS IDENTITY "
            f"(SEQUENCE NAME {ident(seq.schema, seq.name)} {_sequence_options(seq)})"
        )
    elif c.default is not None:
        parts.append(f"DEFAULT {c.default}")
    if c.not_null and c.attnum not in late_not_null:
        parts += _not_null_clause(t, c, not_null_names)
    return " ".join(parts)


def _not_null_clause(t: CatTable, c: CatColumn, not_null_names: dict[int, str]) -> list[str]:
    """A column's NOT NULL: its named constraint (PG18); none when that constraint comes from
    a parent under the parent's name (the column inherits it; saying NOT NULL would add a
    constraint of the child's own)."""
    if c.attnum in not_null_names:
        return [not_null_names[c.attnum]]
    if t.server_version >= PG_NOT_NULL_CONSTRAINTS and t.parents and c.inherited_not_null:
        return []
    return ["NOT NULL"]


STORAGE = {"p": "PLAIN", "e": "EXTERNAL", "m": "MAIN", "x": "EXTENDED"}
COMPRESSION = {"p": "pglz", "l": "lz4"}


def _column_settings(t: CatTable) -> list[str]:
    """ALTER COLUMN … SET STATISTICS / STORAGE / COMPRESSION / (options), as pg_dump does."""
    only = f"ALTER TABLE ONLY {ident(t.schema, t.name)} ALTER COLUMN"
    out = []
    for c in t.columns:
        col = f"{only} {ident(c.name)}"
        if c.stattarget is not None:
            out.append(f"{col} SET STATISTICS {c.stattarget}")
        if c.storage is not None:
            out.append(f"{col} SET STORAGE {STORAGE[c.storage]}")
        if c.compression is not None and c.compression in COMPRESSION:
            out.append(f"{col} SET COMPRESSION {COMPRESSION[c.compression]}")
        if c.options:
            out.append(f"{col} SET ({', '.join(_reloption(o) for o in c.options)})")
    return out


def _reloption(option: str) -> str:
    name, _, value = option.partition("=")
    return f"{name} = {literal(value)}"


# -- post-data --------------------------------------------------------------------------


def post_data(t: CatTable) -> list[str]:
    out = _post_data(t)
    for p in t.partitions:
        if p.own is not None:
            out += _post_data(p.own)
    out += [
        f"SELECT pg_catalog.setval({literal(ident(s.schema, s.name))}, {s.last_value}, "
        f"{'true' if s.is_called else 'false'})"
        for s in t.sequences
    ]
    return out


def _post_data(t: CatTable) -> list[str]:
    """What comes after the rows for one table (or one partition, which has its own indexes,
    constraints, triggers, row security and comments)."""
    table = ident(t.schema, t.name)
    only = f"ALTER TABLE ONLY {table}"
    keys, later = _post_constraints(t.constraints)
    # pg_get_constraintdef prints an EXCLUDE's index options itself, not a key's
    keyed = {c.name for c in keys if c.type in ("p", "u")}
    options = {i.name: i.reloptions for i in t.indexes if i.name in keyed}
    out = [
        f"{only} ADD CONSTRAINT {ident(c.name)} "
        + _with_index_options(c.definition, options.get(c.name, ()))
        for c in keys
    ]
    out += _partition_keys(t)
    out += [i.definition for i in t.indexes if not i.backs_constraint]
    out += _partition_indexes(t)
    # foreign keys after every index: one may reference a unique index, not a constraint.
    # PostgreSQL refuses ONLY for a foreign key on a partitioned table (pg_dump leaves it out)
    fk_on = f"ALTER TABLE {table}" if t.kind == "p" else only
    out += [
        f"{fk_on if c.type == 'f' else only} ADD CONSTRAINT {ident(c.name)} {c.definition}"
        for c in later
    ]
    out += [f"{only} CLUSTER ON {ident(i.name)}" for i in t.indexes if i.clustered]
    out += [
        f"ALTER INDEX {ident(t.schema, i.name)} ALTER COLUMN {col} SET STATISTICS {target}"
        for i in t.indexes
        for col, target in i.stattargets
    ]
    out += _replica_identity(t, only)
    for tr in t.triggers:
        out.append(tr.definition)
        if tr.enabled in TRIGGER_STATE:
            out.append(f"ALTER TABLE {table} {TRIGGER_STATE[tr.enabled]} TRIGGER {ident(tr.name)}")
    for st in t.trigger_states:  # a clone of the parent's trigger, enabled otherwise here
        state = TRIGGER_STATE.get(st.enabled, "ENABLE")
        out.append(f"ALTER TABLE {table} {state} TRIGGER {ident(st.name)}")
    if t.row_security:
        out.append(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    if t.force_row_security:
        out.append(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    out += [create_policy(t.schema, t.name, p) for p in t.policies]
    out += [stmt for st in t.statistics for stmt in _statistics(st)]
    out += [stmt for r in t.rules for stmt in _rule(t, r)]
    out += _post_comments(t)
    return out


def _with_index_options(definition: str, reloptions: tuple[str, ...]) -> str:
    """A key constraint with its index's storage parameters, which pg_get_constraintdef
    leaves out: `UNIQUE (a) WITH (fillfactor='80') DEFERRABLE` (WITH precedes DEFERRABLE)."""
    if not reloptions:
        return definition
    with_clause = f" WITH ({', '.join(_reloption(o) for o in reloptions)})"
    head, sep, tail = definition.partition(" DEFERRABLE")
    return head + with_clause + sep + tail


def _post_constraints(
    constraints: tuple[CatConstraint, ...],
) -> tuple[list[CatConstraint], list[CatConstraint]]:
    """(keys, then foreign keys and NOT VALID checks): FKs may need the keys."""
    keys = [c for c in constraints if c.type in ("p", "u", "x")]
    fks = [c for c in constraints if c.type == "f"]
    late_checks = [c for c in constraints if c.type in ("c", "n") and (c.late or not c.validated)]
    return keys, fks + late_checks


def _replica_identity(t: CatTable, only: str) -> list[str]:
    if t.replica_identity in REPLICA_IDENTITY:
        return [f"{only} REPLICA IDENTITY {REPLICA_IDENTITY[t.replica_identity]}"]
    return [
        f"{only} REPLICA IDENTITY USING INDEX {ident(i.name)}"
        for i in t.indexes
        if i.replica_identity and t.replica_identity == "i"
    ]


def create_policy(schema: str, table: str, p: CatPolicy) -> str:
    """CREATE POLICY as pg_dump writes it."""
    kind = "PERMISSIVE" if p.permissive else "RESTRICTIVE"
    roles = ", ".join("PUBLIC" if r == "public" else r for r in p.roles) or "PUBLIC"
    text = (
        f"CREATE POLICY {ident(p.name)} ON {ident(schema, table)} AS {kind} "
        f"FOR {POLICY_COMMANDS[p.command]} TO {roles}"
    )
    if p.qual is not None:
        text += f" USING ({p.qual})"
    if p.with_check is not None:
        text += f" WITH CHECK ({p.with_check})"
    return text


def _post_comments(t: CatTable) -> list[str]:
    """COMMENT ON the objects post-data creates: (object as COMMENT ON names it, comment)."""
    table = ident(t.schema, t.name)
    commented: list[tuple[str, str | None]] = [
        *((f"CONSTRAINT {ident(c.name)} ON {table}", c.comment) for c in t.constraints),
        *(
            (f"INDEX {ident(t.schema, i.name)}", i.comment)
            for i in t.indexes
            if not i.backs_constraint  # the constraint's comment is the one shown
        ),
        *((f"SEQUENCE {ident(s.schema, s.name)}", s.comment) for s in t.sequences),
        *((f"TRIGGER {ident(tr.name)} ON {table}", tr.comment) for tr in t.triggers),
        *((f"POLICY {ident(p.name)} ON {table}", p.comment) for p in t.policies),
    ]
    return [f"COMMENT ON {what} IS {literal(text)}" for what, text in commented if text is not None]


def _statistics(s: CatStatistics) -> list[str]:
    """CREATE STATISTICS, its target and its comment (pg_get_statisticsobjdef names the schema)."""
    name = ident(s.schema, s.name)
    out = [s.definition]
    if s.target is not None:
        out.append(f"ALTER STATISTICS {name} SET STATISTICS {s.target}")
    if s.comment is not None:
        out.append(f"COMMENT ON STATISTICS {name} IS {literal(s.comment)}")
    return out


def _rule(t: CatTable, r: CatRule) -> list[str]:
    return rule_statements(ident(t.schema, t.name), r.name, r.definition, r.enabled, r.comment)


def rule_statements(
    table: str, name: str, definition: str, enabled: str, comment: str | None
) -> list[str]:
    """CREATE RULE (`definition`), its enabled state and its comment, on `table` (quoted);
    its actions may name other tables."""
    out = [definition]
    if enabled in RULE_STATE:
        out.append(f"ALTER TABLE {table} {RULE_STATE[enabled]} RULE {ident(name)}")
    if comment is not None:
        out.append(f"COMMENT ON RULE {ident(name)} ON {table} IS {literal(comment)}")
    return out
