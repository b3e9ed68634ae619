"""The DDL fidelity oracle (design.md §7): the corpus of edge-case tables, and pg_dump as judge.

A case is one ``tests/corpus/NN_name.sql`` file::

    -- table: public."Mixed Case"          the table pgsnap dumps (SQL name syntax)
    -- also-dump: public.part_a, public.part_b   further tables pg_dump compares (partitions)
    -- min-version: 18                     only on servers of this major or newer
    -- needs: btree_gist, lz4              extensions (or lz4/icu) the server must offer
    -- carries-dependencies: yes           pgsnap must carry the requires part itself
    -- as: public.mixed_copy               also load it beside the original under this name
    -- privileges: yes                     dump --with-privileges; compare owners and GRANTs
    -- requires:
    CREATE TYPE …;                         run on the source and, before the load, on the target
    -- case:
    CREATE TABLE …; INSERT …;              run on the source only

With ``carries-dependencies: yes`` the requires part holds only what pgsnap must bring along
(types, functions, extensions, collations): the case is also loaded into a database where it
was not run, and then the whole database's schema must match the source's.  Otherwise it holds
what pgsnap expects to find (referenced tables, inheritance parents, roles, schemas).

The oracle compares ``pg_dump --schema-only -t TABLE`` (which adds the table's owned sequences
by itself) of the source with that of the restored copy, after dropping what legitimately
differs: the ``\\restrict``/``\\unrestrict`` lines with their random keys, the ``Dumped
from/by`` comments and blank lines.  For ``--as`` both outputs are printed with
``--quote-all-identifiers``, the source's names are mapped to the new ones, and the two are
compared as multisets of pg_dump's entries (renaming can change pg_dump's name order).

pg_dump is a test dependency only; pgsnap itself never runs it.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import re
import secrets
import subprocess
import threading
from collections import Counter, deque
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import psycopg
from pgservers import (
    DSN_ENV,
    EXTERNAL_LABEL,
    ScratchDatabases,
    Server,
    TestDB,
    available_bindirs,
    binary_major,
)
from psycopg import sql

from pgsnap.ddl.rename import RenamePlan
from pgsnap.model import QualifiedName
from pgsnap.naming import split_qualified

CORPUS_DIR = Path(__file__).parent / "corpus"
PENDING_DIR = CORPUS_DIR / "pending"
CORPUS_ENV = "PGSNAP_FIDELITY_CORPUS"  # another directory of cases, e.g. tests/corpus/pending

_HEADER_RE = re.compile(r"^--\s*([a-z-]+):\s*(.*?)\s*$")
_KNOWN_KEYS = frozenset(
    {"table", "also-dump", "min-version", "needs", "carries-dependencies", "as", "privileges"}
)
_FEATURES = frozenset({"lz4", "icu"})  # needs that are build options, not extensions
_DROPPED_LINES = (
    re.compile(r"^\\(un)?restrict \S+$"),
    re.compile(r"^-- Dumped (from database version|by pg_dump version) "),
)
# a string literal, or a chain of quoted identifiers joined by dots ("s"."t"."c")
_TOKEN_RE = re.compile(r"""('(?:[^']|'')*')(::"regclass")?|("(?:[^"]|"")*"(?:\."(?:[^"]|"")*")*)""")
_QUOTED_RE = re.compile(r'"((?:[^"]|"")*)"')


class CaseError(ValueError):
    """A corpus file does not follow the case format."""


# --------------------------------------------------------------------------- the corpus


@dataclass(frozen=True, slots=True)
class Case:
    name: str  # the file's stem: "18_index_methods"
    path: Path
    table: QualifiedName
    also_dump: tuple[QualifiedName, ...]
    min_version: int
    needs: frozenset[str]
    carries_dependencies: bool
    as_name: QualifiedName | None
    requires: str
    body: str
    privileges: bool = False  # dumped --with-privileges, compared with owners and GRANTs

    @property
    def tables(self) -> tuple[QualifiedName, ...]:
        """What pg_dump compares: the table, then the also-dump tables."""
        return (self.table, *self.also_dump)

    def runs_on(self, server: ServerInfo) -> bool:
        return server.major >= self.min_version and self.needs <= server.features


def qualified(text: str) -> QualifiedName:
    """`schema.name` in SQL syntax (quotes, case folding) as a QualifiedName; schema required."""
    parts = split_qualified(text)
    if len(parts) != 2:
        raise CaseError(f"{text!r} is not a schema-qualified name")
    return QualifiedName(parts[0], parts[1])


def parse_case(path: Path) -> Case:
    """Read one corpus file.  Raises CaseError for a malformed one."""
    header: dict[str, str] = {}
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() in ("-- requires:", "-- case:"):
            key = line.strip()[3:-1]
            if key in sections:
                raise CaseError(f"{path.name}: two '-- {key}:' sections")
            current = sections[key] = []
            continue
        if current is not None:
            current.append(line)
            continue
        match = _HEADER_RE.match(line)
        if match and match.group(1) in _KNOWN_KEYS:
            header[match.group(1)] = match.group(2)
        elif line.strip() and not line.startswith("--"):
            raise CaseError(f"{path.name}: SQL before the '-- case:' section: {line!r}")
    for required in ("table", "carries-dependencies"):
        if required not in header:
            raise CaseError(f"{path.name}: no '-- {required}:' header")
    if "case" not in sections:
        raise CaseError(f"{path.name}: no '-- case:' section")
    carries = header["carries-dependencies"]
    if carries not in ("yes", "no"):
        raise CaseError(f"{path.name}: carries-dependencies must be yes or no, not {carries!r}")
    also = header.get("also-dump", "")
    return Case(
        name=path.stem,
        path=path,
        table=qualified(header["table"]),
        also_dump=tuple(qualified(t) for t in _split_list(also)),
        min_version=int(header.get("min-version", "0")),
        needs=frozenset(_split_list(header.get("needs", ""))),
        carries_dependencies=carries == "yes",
        as_name=qualified(header["as"]) if "as" in header else None,
        requires="\n".join(sections.get("requires", ())).strip(),
        body="\n".join(sections["case"]).strip(),
        privileges=_yes_no(path, header, "privileges"),
    )


def _yes_no(path: Path, header: dict[str, str], key: str) -> bool:
    value = header.get(key, "no")
    if value not in ("yes", "no"):
        raise CaseError(f"{path.name}: {key} must be yes or no, not {value!r}")
    return value == "yes"


def _split_list(text: str) -> list[str]:
    """Comma-separated items; a comma inside double quotes does not split."""
    items: list[str] = []
    buf: list[str] = []
    quoted = False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            items.append("".join(buf).strip())
            buf = []
        else:
            buf.append(ch)
    items.append("".join(buf).strip())
    return [i for i in items if i]


def load_cases(directory: Path) -> list[Case]:
    """Every NN_name.sql of the directory (not of its subdirectories), in file-name order."""
    return [parse_case(p) for p in sorted(directory.glob("*.sql"))]


def corpus_dir() -> Path:
    """The active corpus, or the directory named by PGSNAP_FIDELITY_CORPUS."""
    return Path(os.environ.get(CORPUS_ENV) or CORPUS_DIR)


# --------------------------------------------------------------------------- the servers


@dataclass(frozen=True, slots=True)
class ServerInfo:
    """What a test server offers, known at collection time without starting it."""

    label: str
    major: int
    features: frozenset[str]  # available extensions, plus "lz4"/"icu" when built with them


@cache
def installed_servers() -> tuple[ServerInfo, ...]:
    """The servers the session will start (or the external one), with their features."""
    dsn = os.environ.get(DSN_ENV)
    if dsn:
        return (_external_info(dsn),)
    return tuple(_installation_info(label, bindir) for label, bindir in available_bindirs())


def _installation_info(label: str, bindir: Path) -> ServerInfo:
    pg_config = str(bindir / "pg_config")
    sharedir = _run_text(pg_config, "--sharedir")
    configure = _run_text(pg_config, "--configure")
    extensions = {p.stem for p in (Path(sharedir) / "extension").glob("*.control")}
    built = {f for f in _FEATURES if f"--with-{f}" in configure}
    return ServerInfo(label, binary_major(bindir / "postgres"), frozenset(extensions | built))


def _run_text(*argv: str) -> str:
    return subprocess.run(argv, capture_output=True, check=True, text=True).stdout.strip()


def _external_info(dsn: str) -> ServerInfo:
    with psycopg.connect(dsn) as conn:
        major = int(conn.info.server_version) // 10000
        names = {r[0] for r in conn.execute("SELECT name FROM pg_available_extensions")}
        row = conn.execute(
            "SELECT 'lz4' = ANY (enumvals) FROM pg_settings"
            " WHERE name = 'default_toast_compression'"
        ).fetchone()
        if row and row[0]:
            names.add("lz4")
        icu = conn.execute("SELECT EXISTS (SELECT FROM pg_collation WHERE collprovider = 'i')")
        if (icu.fetchone() or (False,))[0]:
            names.add("icu")
    return ServerInfo(EXTERNAL_LABEL, major, frozenset(names))


class DatabasePool:
    """Empty databases on one server, created a few ahead in background threads.

    CREATE DATABASE is most of the oracle's time (it copies template0); made ahead, it
    overlaps with the dumps and loads of the test before.  Every database is dropped by
    release() or close().
    """

    def __init__(self, server: Server, ahead: int = 3) -> None:
        self.server = server
        self._ahead = ahead
        self._executor = ThreadPoolExecutor(ahead, thread_name_prefix=f"fidelity-{server.label}")
        self._ready: deque[Future[str]] = deque()
        self._names: set[str] = set()
        self._lock = threading.Lock()
        self._scratch = ScratchDatabases(server)  # only for TestDB.make_db()

    def take(self) -> TestDB:
        while len(self._ready) <= self._ahead:
            self._ready.append(self._executor.submit(self._create))
        return TestDB(self.server, self._ready.popleft().result(), self._scratch)

    def release(self, db: TestDB) -> None:
        """Drop the database (in the background)."""
        self._executor.submit(self._drop, db.name)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            names = sorted(self._names)
        for name in names:
            self._drop(name)
        self._scratch.drop_all()

    def _create(self) -> str:
        name = f"fidelity_{secrets.token_hex(6)}"
        with self._lock:
            self._names.add(name)
        stmt = sql.SQL("CREATE DATABASE {} TEMPLATE template0")
        with psycopg.connect(self.server.dsn(), autocommit=True) as conn:
            conn.execute(stmt.format(sql.Identifier(name)))
        return name

    def _drop(self, name: str) -> None:
        with psycopg.connect(self.server.dsn(), autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        with self._lock:
            self._names.discard(name)


# --------------------------------------------------------------------------- pg_dump


def dump_pattern(name: QualifiedName) -> str:
    """A pg_dump -t pattern that matches exactly this table (quotes disable wildcards)."""
    return ".".join('"' + p.replace('"', '""') + '"' for p in (name.schema, name.name))


def schema_dump(
    server: Server,
    dbname: str,
    tables: Iterable[QualifiedName],
    *,
    quote_all: bool = False,
    privileges: bool = False,
) -> str:
    """`pg_dump --schema-only --no-owner --no-privileges -t …` of the tables, normalized.

    With no tables, the whole database's schema.  With ``privileges``, owners and GRANTs too.
    """
    args = ["--schema-only", "--strict-names"]
    if not privileges:
        args += ["--no-owner", "--no-privileges"]
    if quote_all:
        args.append("--quote-all-identifiers")
    for t in tables:
        args += ["-t", dump_pattern(t)]
    out = server.run_client("pg_dump", *args, dbname=dbname).stdout.decode("utf-8")
    return normalize(out)


def normalize(text: str) -> str:
    """Drop what legitimately differs between two dumps of the same structure."""
    kept = [
        line.rstrip()
        for line in text.splitlines()
        if line.strip() and not any(r.match(line) for r in _DROPPED_LINES)
    ]
    return "\n".join(kept) + "\n"


def diff(source: str, target: str) -> str:
    """A unified diff (source → target); empty when equal."""
    lines = difflib.unified_diff(
        source.splitlines(keepends=True),
        target.splitlines(keepends=True),
        "pg_dump of the source",
        "pg_dump of the restored copy",
        n=2,
    )
    return "".join(lines)


def entries(text: str) -> list[str]:
    """pg_dump's entries (each `-- Name: …` header starts one), without the header comments."""
    out: list[list[str]] = [[]]
    for line in text.splitlines():
        if line.startswith("-- Name: "):
            out.append([])
        elif line != "--":
            out[-1].append(line)
    return ["\n".join(e) for e in out if e]


def entries_diff(source: Iterable[str], target: Iterable[str]) -> str:
    """What only one side has, as multisets of entries; empty when equal."""
    src, tgt = Counter(source), Counter(target)
    parts = [f"only in the (mapped) source:\n{e}" for e in (src - tgt).elements()]
    parts += [f"only in the renamed copy:\n{e}" for e in (tgt - src).elements()]
    return "\n\n".join(parts)


# --------------------------------------------------------------------------- renames


@dataclass(frozen=True, slots=True)
class NameMap:
    """Old → new names, as pg_dump prints them with --quote-all-identifiers.

    Relations are printed schema-qualified (and inside ``'…'::"regclass"`` literals); index,
    constraint, trigger and policy names are printed alone.  A column qualified with the
    table's name alone (``"t"."c"`` in a rule's action) is a ``qualifiers`` entry: taken for a
    column, not for a relation, unless ``"t"`` is a schema holding a mapped relation.
    """

    relations: Mapping[tuple[str, str], tuple[str, str]]
    members: Mapping[str, str]
    qualifiers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_plan(cls, plan: RenamePlan) -> NameMap:
        relations = {(o.schema, o.name): (n.schema, n.name) for o, n in plan.relations.items()}
        relations |= {(o.schema, o.name): (n.schema, n.name) for o, n in plan.statistics.items()}
        members: dict[str, str] = {}
        singles = [
            *((o.name, n.name) for o, n in plan.relations.items() if o != plan.old),
            *plan.constraints.items(),
            *plan.triggers.items(),
            *plan.policies.items(),
        ]
        for old, new in singles:
            if members.setdefault(old, new) != new:
                raise CaseError(f'"{old}" is renamed both to "{members[old]}" and to "{new}"')
        return cls(relations, members, {plan.old.name: plan.new.name})

    def apply(self, text: str) -> str:
        """The text with every mapped name replaced; other string literals are left alone."""
        return _TOKEN_RE.sub(self._token, text)

    def _token(self, m: re.Match[str]) -> str:
        literal, regclass, chain = m.group(1), m.group(2), m.group(3)
        if literal is not None:
            if regclass is None:
                return m.group(0)
            inner = literal[1:-1].replace("''", "'")
            return "'" + self._chain(inner).replace("'", "''") + "'" + regclass
        return self._chain(chain)

    def _chain(self, chain: str) -> str:
        parts = [p.replace('""', '"') for p in _QUOTED_RE.findall(chain)]
        if len(parts) >= 2 and (parts[0], parts[1]) in self.relations:
            parts[0], parts[1] = self.relations[parts[0], parts[1]]
        elif len(parts) == 2 and parts[0] in self.qualifiers:
            parts[0] = self.qualifiers[parts[0]]
        elif len(parts) == 1:
            parts[0] = self.members.get(parts[0], parts[0])
        return ".".join('"' + p.replace('"', '""') + '"' for p in parts)


OWNED_NAMES = """
WITH RECURSIVE family AS (  -- the table and its partitions, sub-partitions included
    SELECT %(oid)s::pg_catalog.oid AS oid
  UNION ALL
    SELECT i.inhrelid FROM pg_catalog.pg_inherits i
    JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid AND c.relispartition
    JOIN family f ON i.inhparent = f.oid
)
SELECT 'relation', c.relname FROM family f JOIN pg_catalog.pg_class c ON c.oid = f.oid
  WHERE f.oid <> %(oid)s
UNION ALL
SELECT 'relation', c.relname FROM pg_catalog.pg_index i JOIN family f ON f.oid = i.indrelid
  JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
UNION ALL
SELECT 'relation', s.relname FROM pg_catalog.pg_depend d
  JOIN pg_catalog.pg_class s ON s.oid = d.objid AND s.relkind = 'S'
  WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.refobjid = %(oid)s
    AND d.deptype IN ('a', 'i')
UNION ALL
SELECT 'constraint', conname FROM pg_catalog.pg_constraint JOIN family f ON f.oid = conrelid
UNION ALL
SELECT 'trigger', tgname FROM pg_catalog.pg_trigger JOIN family f ON f.oid = tgrelid
  WHERE NOT tgisinternal
UNION ALL
SELECT 'policy', polname FROM pg_catalog.pg_policy JOIN family f ON f.oid = polrelid
UNION ALL
SELECT 'statistics', stxname FROM pg_catalog.pg_statistic_ext JOIN family f ON f.oid = stxrelid
"""


def owned_names(dsn: str, table: QualifiedName) -> set[tuple[str, str]]:
    """(kind, name) of the table's owned sequences, its partitions (sub-partitions included),
    and the indexes, constraints, triggers and policies of all of them, read from the catalog
    (independently of pgsnap)."""
    with psycopg.connect(dsn) as conn:
        regclass = sql.Identifier(table.schema, table.name).as_string(conn)
        row = conn.execute("SELECT %s::regclass::oid", (regclass,)).fetchone()
        assert row is not None
        rows = conn.execute(OWNED_NAMES, {"oid": row[0]}).fetchall()
    return {(str(kind), str(name)) for kind, name in rows}


def map_owned(names: Iterable[tuple[str, str]], plan: RenamePlan) -> set[tuple[str, str]]:
    """The owned names of the source, as the plan says they are called after the rename."""
    kinds = {"constraint": plan.constraints, "trigger": plan.triggers, "policy": plan.policies}
    kinds["statistics"] = {o.name: n.name for o, n in plan.statistics.items()}
    out = set()
    for kind, name in names:
        if kind == "relation":
            new = plan.relations.get(QualifiedName(plan.old.schema, name))
            out.add((kind, new.name if new else name))
        else:
            out.add((kind, kinds[kind].get(name, name)))
    return out


# --------------------------------------------------------------------------- not in pg_dump -t

# pg_dump -t leaves out the table's extended statistics (their schema is not dumped), so the
# oracle reads them from the catalog.  stxstattarget: -1 (before PG17) or NULL means default.
EXTENDED_STATISTICS = """
SELECT pg_catalog.pg_get_statisticsobjdef(s.oid)
       || coalesce(' -- statistics ' || nullif(s.stxstattarget, -1), '')
       || coalesce(' -- comment ' || pg_catalog.quote_literal(
              pg_catalog.obj_description(s.oid, 'pg_statistic_ext')), '')
FROM pg_catalog.pg_statistic_ext s
WHERE s.stxrelid IN (  -- the table and its partitions, sub-partitions included
    WITH RECURSIVE family AS (
        SELECT %s::pg_catalog.regclass::pg_catalog.oid AS oid
      UNION ALL
        SELECT i.inhrelid FROM pg_catalog.pg_inherits i
        JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid AND c.relispartition
        JOIN family f ON i.inhparent = f.oid
    )
    SELECT oid FROM family)
ORDER BY 1
"""


def extended_statistics(dsn: str, table: QualifiedName, *, quote_all: bool = False) -> list[str]:
    """The CREATE STATISTICS definitions of the table and its partitions, with their
    statistics targets and comments.

    With ``quote_all``, every name is quoted and schema-qualified (for NameMap.apply).
    """
    with psycopg.connect(dsn) as conn:
        if quote_all:
            conn.execute("SET search_path = ''")
            conn.execute("SET quote_all_identifiers = on")
        regclass = sql.Identifier(table.schema, table.name).as_string(conn)
        return [str(r[0]) for r in conn.execute(EXTENDED_STATISTICS, (regclass,))]


# --------------------------------------------------------------------------- content


def content_md5(dsn: str, table: QualifiedName) -> tuple[int, str]:
    """(rows, md5 of the sorted COPY text) of the table's own rows.

    `COPY (SELECT …)` works for partitioned tables too (COPY of one refuses them); ONLY keeps
    inheritance children out, as COPY of a table does.
    """
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        rows: list[bytes] = []
        stmt = sql.SQL("COPY (SELECT * FROM {}) TO STDOUT")
        with cur.copy(stmt.format(_only_unless_partitioned(conn, table))) as copy:
            rows.extend(bytes(r) for r in copy)
    rows.sort()
    return len(rows), hashlib.md5(b"".join(rows)).hexdigest()


def _only_unless_partitioned(
    conn: psycopg.Connection[tuple[object, ...]], t: QualifiedName
) -> sql.Composable:
    name = sql.Identifier(t.schema, t.name)
    row = conn.execute(
        "SELECT relkind FROM pg_catalog.pg_class WHERE oid = %s::regclass",
        (name.as_string(conn),),
    ).fetchone()
    if row is not None and row[0] == "p":
        return name
    return sql.SQL("ONLY {}").format(name)
