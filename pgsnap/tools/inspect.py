"""What an archive holds, from its manifest alone: source, time, tables, sizes, DDL.

`pgsnap inspect` replaces the BACKUP_INFO.txt and statistics.txt files of the old backup
scripts: everything they said is in the manifest.  Index and constraint definitions and the
dependencies are read from the stored DDL with pglast; the file's rows are never read.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pglast import ast
from pglast.stream import RawStream
from pglast.visitors import Ancestor, Visitor

from pgsnap import archive
from pgsnap.api import python_api
from pgsnap.ddl.parsing import ParseError, parse_sql
from pgsnap.ddl.targets import parse_renames
from pgsnap.errors import UsageError
from pgsnap.model import (
    OBJECT_KINDS,
    Column,
    DbObject,
    Dependency,
    OwnedSequence,
    QualifiedName,
    TableName,
    TableSpec,
    TableStats,
    iso_time,
    parse_time,
)
from pgsnap.naming import split_qualified
from pgsnap.restore.options import LoadOptions
from pgsnap.restore.plan import selected

CONSTRAINT_KINDS = {
    "p": "primary key",
    "u": "unique",
    "f": "foreign key",
    "c": "check",
    "x": "exclusion",
    "n": "not null",
    "t": "constraint trigger",
}
_BUILTIN_SCHEMAS = frozenset({"pg_catalog", "information_schema"})


@dataclass(frozen=True, slots=True)
class IndexInfo:
    name: str
    definition: str  # CREATE INDEX …, or the constraint that creates it
    constraint: str | None = None  # the PRIMARY KEY / UNIQUE / EXCLUDE constraint behind it


@dataclass(frozen=True, slots=True)
class ConstraintInfo:
    name: str
    kind: str  # "primary key", "foreign key", … (CONSTRAINT_KINDS)
    definition: str  # PRIMARY KEY (id), CHECK (…), NOT NULL title; "" when unknown


@dataclass(frozen=True, slots=True)
class Dependencies:
    """Objects outside the table that its DDL names: they must exist where it is loaded.

    Built-in objects (pg_catalog) are left out; so are the table's own sequences.
    """

    tables: tuple[str, ...] = ()  # referenced by foreign keys, policies, …
    sequences: tuple[str, ...] = ()  # nextval('other_seq') defaults
    types: tuple[str, ...] = ()  # enum, domain, composite and extension types
    functions: tuple[str, ...] = ()  # in defaults, checks, index expressions, triggers
    collations: tuple[str, ...] = ()
    operator_classes: tuple[str, ...] = ()  # in index definitions (gin_trgm_ops, …)

    def __bool__(self) -> bool:
        return any(
            (
                self.tables,
                self.sequences,
                self.types,
                self.functions,
                self.collations,
                self.operator_classes,
            )
        )


@dataclass(frozen=True, slots=True)
class TableInfo:
    name: str  # schema.table, quoted where SQL needs it
    schema: str
    table: str
    columns: tuple[Column, ...]
    rows: int
    raw_bytes: int  # COPY text of the rows, uncompressed
    compressed_bytes: int  # the rows' frames in the file
    frames: int  # data frames
    stats: TableStats  # sizes on the source server at dump time
    indexes: tuple[IndexInfo, ...]
    constraints: tuple[ConstraintInfo, ...]
    triggers: tuple[str, ...]
    policies: tuple[str, ...]
    sequences: tuple[OwnedSequence, ...]
    dependencies: Dependencies
    pre_data: tuple[str, ...]  # the DDL a load runs before the rows
    post_data: tuple[str, ...]  # and after them
    renamed_from: str | None = None  # the archive's name, when `as_name` renamed it
    statistics: tuple[str, ...] = ()  # extended statistics objects, schema.name
    rules: tuple[str, ...] = ()
    with_privileges: bool = False  # post-data ends with owners and GRANTs
    # the planner statistics carried (pgsnap/planstats.py): relations, and pg_stats rows;
    # 0 and 0 when a load would run ANALYZE
    planner_relations: int = 0
    planner_columns: int = 0

    @property
    def copy_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if not c.generated)


@dataclass(frozen=True, slots=True)
class ArchiveInfo:
    path: str
    file_bytes: int
    codec: str
    format: int
    pgsnap_version: str | None
    created_at: dt.datetime | None  # aware, UTC
    finished_at: dt.datetime | None
    server_version: str | None
    database: str | None
    encoding: str | None
    database_bytes: int | None  # pg_database_size() at dump time
    frames: int  # every frame, the manifest included
    tables: tuple[TableInfo, ...] = field(default=())
    # extensions, types and functions the archive carries; load creates the missing ones
    carried: tuple[Dependency, ...] = field(default=())
    contents: str = "all"  # all | schema (no rows) | data (rows only)
    scope: str = "tables"  # tables | schema | database (dump --all)
    # a whole-database or --schema archive's objects besides its tables, in archive order
    objects: tuple[DbObject, ...] = field(default=())

    @property
    def object_counts(self) -> dict[str, int]:
        """How many objects of each kind, in the order kinds are created."""
        counts = Counter(o.kind for o in self.objects)
        return {k: counts[k] for k in OBJECT_KINDS if counts[k]}

    large_objects: int = 0  # a whole database's large objects, and their bytes in all
    large_object_bytes: int = 0

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)

    @property
    def statistics(self) -> int:
        """How many of the tables carry planner statistics (restored by a load into 18+)."""
        return sum(1 for t in self.tables if t.planner_relations or t.planner_columns)


@python_api
def inspect(
    file: str | os.PathLike[str],
    *,
    table: str | None = None,
    as_name: str | None = None,
    shorten_names: bool = False,
    as_names: Mapping[str, str] | None = None,
) -> ArchiveInfo:
    """Describe the archive `file` from its footer, manifest and header; no rows are read.

    `table` keeps one table of a multi-table archive.  `as_name` shows that table renamed,
    with the DDL a `pgsnap load --as` would run (the rename of pgsnap.load); `as_names`
    ({"src": "dest"}) shows tables renamed as `pgsnap load --as SRC=DEST` would.  Raises
    FileNotFoundError_, the ArchiveError subclasses for a bad file, UsageError for an
    unknown table, NameTooLongError / RenameError when the rename cannot be done.
    """
    options = LoadOptions(
        table=None if table is None else TableName.parse(table),
        as_name=None if as_name is None else TableName.parse(as_name),
        as_names=parse_renames(as_names or {}),
        shorten_names=shorten_names,
    )
    with archive.ArchiveReader.open(file) as reader:
        h, m = reader.header, reader.manifest
        specs = list(h.tables)
        chosen = selected(specs, options)  # as pgsnap.load would name them
        tables = tuple(_table_info(reader, i, final, specs[i]) for i, final in chosen)
        return ArchiveInfo(
            path=reader.path,
            file_bytes=reader.size,
            codec=reader.codec,
            format=archive.FORMAT_VERSION,
            pgsnap_version=h.pgsnap_version,
            created_at=parse_time(h.created_at),
            finished_at=parse_time(m.finished_at),
            server_version=h.server_version,
            database=h.database,
            encoding=h.encoding,
            database_bytes=h.database_bytes,
            frames=len(reader.frames) + 1,  # and the manifest, as verify counts them
            tables=tables,
            carried=h.dependencies,
            contents=h.contents,
            scope=h.scope,
            objects=h.objects,
            large_objects=len(m.large_objects),
            large_object_bytes=sum(e.size for e in m.large_objects),
        )


def _table_info(
    reader: archive.ArchiveReader, index: int, spec: TableSpec, original: TableSpec
) -> TableInfo:
    frames = [reader.frames[i] for i in reader.manifest.table_frames(index)]
    parsed = _parse_all(spec.pre_data + spec.post_data)
    constraints = _constraints(spec, parsed)
    renamed = None if spec.qname == original.qname else original.qname.display()
    return TableInfo(
        name=spec.qname.display(),
        schema=spec.schema,
        table=spec.name,
        columns=spec.columns,
        rows=reader.manifest.rows[index],
        raw_bytes=sum(f.raw_size for f in frames),
        compressed_bytes=sum(f.length for f in frames),
        frames=len(frames),
        stats=spec.stats,
        indexes=_indexes(spec, parsed, constraints),
        constraints=constraints,
        triggers=spec.owned.triggers,
        policies=spec.owned.policies,
        sequences=spec.owned.sequences,
        dependencies=dependencies(spec),
        pre_data=spec.pre_data,
        post_data=spec.post_data,
        renamed_from=renamed,
        statistics=tuple(QualifiedName(s.schema, s.name).display() for s in spec.owned.statistics),
        rules=spec.owned.rules,
        with_privileges=spec.with_privileges,
        planner_relations=sum(1 for r in spec.planner_stats if r.index < 0),
        planner_columns=sum(len(r.columns) for r in spec.planner_stats),
    )


# --- definitions from the stored DDL ---------------------------------------------------


def _parse_all(statements: tuple[str, ...]) -> list[ast.Node]:
    """The statements that parse; one that does not (a newer server's syntax) is skipped,
    since inspect only describes."""
    nodes: list[ast.Node] = []
    for text in statements:
        try:
            nodes.extend(raw.stmt for raw in parse_sql(text) if raw.stmt is not None)
        except ParseError:
            continue
    return nodes


def _deparse(node: ast.Node) -> str:
    try:
        return str(RawStream()(node))
    except Exception:  # the printers raise many kinds; every one means "cannot print"
        return ""


def _constraint_nodes(parsed: list[ast.Node]) -> dict[str, tuple[ast.Constraint, str | None]]:
    """Named constraints in the DDL, with the column they are declared on (if any)."""
    found: dict[str, tuple[ast.Constraint, str | None]] = {}
    for stmt in parsed:
        if isinstance(stmt, ast.CreateStmt):
            for element in stmt.tableElts or ():
                if isinstance(element, ast.Constraint) and element.conname:
                    found[element.conname] = (element, None)
                elif isinstance(element, ast.ColumnDef):
                    for con in element.constraints or ():
                        if isinstance(con, ast.Constraint) and con.conname:
                            found[con.conname] = (con, element.colname)
        elif isinstance(stmt, ast.AlterTableStmt):
            for cmd in stmt.cmds or ():
                con = getattr(cmd, "def_", None)
                if isinstance(con, ast.Constraint) and con.conname:
                    found[con.conname] = (con, None)
    return found


def _definition(con: ast.Constraint, column: str | None) -> str:
    """The constraint without its CONSTRAINT name prefix; a column constraint names its column."""
    name, con.conname = con.conname, None
    try:
        text = _deparse(con)
    finally:
        con.conname = name
    return f"{text} {column}" if column is not None and text == "NOT NULL" else text


def _constraints(spec: TableSpec, parsed: list[ast.Node]) -> tuple[ConstraintInfo, ...]:
    nodes = _constraint_nodes(parsed)
    out = []
    for c in spec.owned.constraints:
        node = nodes.get(c.name)
        definition = "" if node is None else _definition(*node)
        out.append(ConstraintInfo(c.name, CONSTRAINT_KINDS.get(c.type, c.type), definition))
    return tuple(out)


def _indexes(
    spec: TableSpec, parsed: list[ast.Node], constraints: tuple[ConstraintInfo, ...]
) -> tuple[IndexInfo, ...]:
    statements = {
        s.idxname: s for s in parsed if isinstance(s, ast.IndexStmt) and s.idxname is not None
    }
    backing = {c.name: c for c in spec.owned.constraints if c.uses_index}
    shown = {c.name: c for c in constraints}
    out = []
    for name in spec.owned.indexes:
        if name in backing:
            con = shown.get(name)
            out.append(IndexInfo(name, con.definition if con else "", constraint=name))
        else:
            stmt = statements.get(name)
            out.append(IndexInfo(name, "" if stmt is None else _deparse(stmt)))
    return tuple(out)


# --- dependencies ----------------------------------------------------------------------


_SEQUENCE_FUNCTIONS = frozenset({"nextval", "currval", "setval"})


class _References(Visitor):
    """Collects the schema-qualified, non-built-in names a statement refers to, by kind."""

    def __init__(self) -> None:
        self.relations: set[QualifiedName] = set()  # RangeVars and 'name'::regclass
        self.sequences: set[QualifiedName] = set()  # nextval('name'::regclass) and the like
        self.types: set[str] = set()
        self.functions: set[str] = set()
        self.collations: set[str] = set()
        self.opclasses: set[str] = set()

    def visit_RangeVar(self, ancestors: Ancestor, node: ast.RangeVar) -> None:
        if node.relname is not None and node.schemaname is not None:
            self.relations.add(QualifiedName(node.schemaname, node.relname))

    def visit_TypeName(self, ancestors: Ancestor, node: ast.TypeName) -> None:
        _add_qualified(self.types, node.names)

    def visit_FuncCall(self, ancestors: Ancestor, node: ast.FuncCall) -> None:
        _add_qualified(self.functions, node.funcname)
        names = _names(node.funcname)
        if names and names[-1] in _SEQUENCE_FUNCTIONS and node.args:
            literal = _relation_literal(node.args[0])
            if literal is not None:
                self.sequences.add(literal)

    def visit_CreateTrigStmt(self, ancestors: Ancestor, node: ast.CreateTrigStmt) -> None:
        _add_qualified(self.functions, node.funcname)

    def visit_CollateClause(self, ancestors: Ancestor, node: ast.CollateClause) -> None:
        _add_qualified(self.collations, node.collname)

    def visit_IndexElem(self, ancestors: Ancestor, node: ast.IndexElem) -> None:
        _add_qualified(self.opclasses, node.opclass)

    def visit_TypeCast(self, ancestors: Ancestor, node: ast.TypeCast) -> None:
        literal = _relation_literal(node)
        if literal is not None:
            self.relations.add(literal)


def _add_qualified(found: set[str], items: object) -> None:
    """Adds schema.name when `items` is a name qualified with a schema that is not built in."""
    names = _names(items)
    if names is not None and len(names) >= 2 and names[-2] not in _BUILTIN_SCHEMAS:
        found.add(".".join(names[-2:]))


def _relation_literal(node: object) -> QualifiedName | None:
    """The relation in '"schema"."name"'::regclass (or a bare string), when qualified."""
    if isinstance(node, ast.TypeCast) and node.typeName is not None:
        names = _names(node.typeName.names)
        if names is None or names[-1] != "regclass":
            return None
        node = node.arg
    if not isinstance(node, ast.A_Const) or not isinstance(node.val, ast.String):
        return None
    return None if node.val.sval is None else _split_literal(node.val.sval)


def _names(items: object) -> list[str] | None:
    if not isinstance(items, tuple):
        return None
    values = [n.sval for n in items if isinstance(n, ast.String) and n.sval is not None]
    return values if len(values) == len(items) and values else None


def _split_literal(text: str) -> QualifiedName | None:
    try:
        parts = split_qualified(text)
    except UsageError:
        return None
    return QualifiedName(parts[0], parts[1]) if len(parts) == 2 else None


@dataclass(frozen=True, slots=True)
class Outside:
    """What a table's stored DDL names outside the table and its own objects."""

    tables: frozenset[QualifiedName]  # referenced by foreign keys, policies, …
    sequences: frozenset[QualifiedName]  # nextval('other_seq') defaults
    types: tuple[str, ...]
    functions: tuple[str, ...]
    collations: tuple[str, ...]
    operator_classes: tuple[str, ...]

    @property
    def others(self) -> bool:
        """It names a type, function, collation or operator class outside pg_catalog."""
        return bool(self.types or self.functions or self.collations or self.operator_classes)


def outside(spec: TableSpec) -> Outside:
    """What the table's stored DDL names outside the table and its own objects.

    The dump writes every name schema-qualified, so a name with no schema is a built-in
    (pg_catalog) one and is not a dependency.  Statements that do not parse are skipped.
    """
    refs = _References()
    for stmt in _parse_all(spec.pre_data + spec.post_data):
        refs(stmt)
    own = {spec.qname} | {QualifiedName(s.schema, s.name) for s in spec.owned.sequences}
    own |= {QualifiedName(spec.schema, i) for i in spec.owned.indexes}
    return Outside(
        tables=frozenset(refs.relations - own - refs.sequences),
        sequences=frozenset(refs.sequences - own),
        types=tuple(sorted(refs.types)),
        functions=tuple(sorted(refs.functions)),
        collations=tuple(sorted(refs.collations)),
        operator_classes=tuple(sorted(refs.opclasses)),
    )


def dependencies(spec: TableSpec) -> Dependencies:
    """outside(), as inspect shows it: names as text."""
    o = outside(spec)
    return Dependencies(
        tables=_shown(o.tables),
        sequences=_shown(o.sequences),
        types=o.types,
        functions=o.functions,
        collations=o.collations,
        operator_classes=o.operator_classes,
    )


def _shown(names: frozenset[QualifiedName]) -> tuple[str, ...]:
    return tuple(sorted(n.display() for n in names))


def to_json(info: ArchiveInfo) -> dict[str, Any]:
    """The ArchiveInfo as plain JSON values (what `pgsnap inspect --json` prints)."""
    from dataclasses import asdict

    data = asdict(info)
    data["rows"] = info.rows
    data["statistics"] = info.statistics
    data["object_counts"] = info.object_counts
    data["created_at"] = iso_time(info.created_at)
    data["finished_at"] = iso_time(info.finished_at)
    return data
