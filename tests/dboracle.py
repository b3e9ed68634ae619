"""The whole-database oracle (design.md §9): `pg_dump --schema-only` of the whole source and
target databases must be the same, and so must their data.  Shared by tests/test_dboracle.py
and tests/corpus_db/measure.py.

- The schema: pg_dump's output without the lines that differ between any two dumps of one
  schema (comment lines, ``SET`` lines, the search_path line, ``\\restrict`` keys, blank lines).
- The data: for every user table the md5 of its sorted ``COPY … TO STDOUT`` lines, for every
  materialized view the same of its rows (or that it is not populated), for every large object
  its md5, and every sequence's last value.

pg_dump and psql are test dependencies only; pgsnap itself never runs them.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import psycopg
from pgservers import ClientError, Server
from psycopg import sql
from psycopg.rows import TupleRow

CORPUS_DIR = Path(__file__).resolve().parent / "corpus_db"
ROLES = ".roles.sql"  # NN_name.roles.sql: the roles NN_name.sql needs, made once per cluster
FIRST_NORMAL_OID = 16384  # objects below this oid come with initdb
DIFF_LINES = 60  # a failing assertion shows this many lines of the diff

# pg_dump lines that differ between any two dumps of one schema
_NOISE = (
    re.compile(r"^--"),
    re.compile(r"^SET "),
    re.compile(r"^SELECT pg_catalog\.set_config\('search_path'"),
    re.compile(r"^\\(un)?restrict \S+$"),
    re.compile(r"^\s*$"),
)
_TOC = re.compile(r"^-- Name: (?P<name>.*); Type: (?P<type>[^;]*); Schema: (?P<schema>[^;]*);")


def user_filter(alias: str, catalog: str, internal: bool = False) -> str:
    """A WHERE clause keeping user-made objects that no extension owns; with `internal`, also
    dropping those made along with another object (a range type's constructor functions)."""
    kinds = "('e', 'i')" if internal else "('e')"
    return (
        f"{alias}.oid >= {FIRST_NORMAL_OID} AND NOT EXISTS (SELECT 1 FROM pg_depend e"
        f" WHERE e.classid = '{catalog}'::regclass AND e.objid = {alias}.oid"
        f" AND e.deptype IN {kinds})"
    )


USER_NS = "n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')"
# FROM … WHERE for the user relations, as c (and their schema as n)
CLASS_FROM = (
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    f" WHERE {USER_NS} AND {user_filter('c', 'pg_class')}"
)
_RELATIONS = f"SELECT n.nspname, c.relname {CLASS_FROM} AND c.relkind IN ({{kinds}}) ORDER BY 1, 2"
_MATVIEWS = (
    f"SELECT n.nspname, c.relname, c.relispopulated {CLASS_FROM} AND c.relkind = 'm' ORDER BY 1, 2"
)
_LARGE_OBJECTS = "SELECT oid::bigint, md5(lo_get(oid)) FROM pg_largeobject_metadata ORDER BY 1"
_SEQUENCES = f"""
SELECT s.schemaname, s.sequencename, s.last_value::text FROM pg_sequences s
JOIN pg_namespace n ON n.nspname = s.schemaname
JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = s.sequencename
WHERE {user_filter("c", "pg_class")} ORDER BY 1, 2
"""


# --- the corpus -------------------------------------------------------------------------------


def corpus_files(only: Sequence[str] = ()) -> list[Path]:
    """tests/corpus_db/NN_name.sql, those whose name holds one of `only` (all without)."""
    files = sorted(f for f in CORPUS_DIR.glob("[0-9][0-9]_*.sql") if not f.name.endswith(ROLES))
    return [f for f in files if not only or any(o in f.name for o in only)]


def psql_file(server: Server, path: Path, dbname: str) -> None:
    """Run a SQL file with the server's own psql, stopping at the first error (ClientError)."""
    server.run_client("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", str(path), dbname=dbname)


def psql_script(server: Server, script: bytes, dbname: str) -> None:
    """Run a script from stdin with the server's psql, stopping at the first error."""
    server.run_client("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", dbname=dbname, stdin=script)


def load_corpus_file(server: Server, path: Path, dbname: str) -> None:
    """The file's roles (NN_name.roles.sql, idempotent) into the cluster, then the file."""
    roles = path.with_name(path.stem + ROLES)
    if roles.exists():
        psql_file(server, roles, "postgres")
    psql_file(server, path, dbname)


# --- the schema -------------------------------------------------------------------------------


def normalised(dump: bytes) -> list[str]:
    """pg_dump's lines without those that differ between two dumps of one schema."""
    lines = dump.decode(errors="replace").splitlines()
    return [line for line in lines if not any(p.search(line) for p in _NOISE)]


def raw_schema_dump(server: Server, dbname: str, *args: str) -> bytes | None:
    """pg_dump --schema-only of a database (or of the tables named in args); None on error."""
    try:
        return server.run_client("pg_dump", "--schema-only", *args, dbname=dbname).stdout
    except ClientError:
        return None


def schema_dump(server: Server, dbname: str, *args: str) -> list[str] | None:
    """raw_schema_dump(), normalised."""
    raw = raw_schema_dump(server, dbname, *args)
    return None if raw is None else normalised(raw)


def whole_schema(server: Server, dbname: str) -> list[str]:
    """pg_dump --schema-only of the whole database, normalised; ClientError when it fails."""
    return normalised(server.run_client("pg_dump", "--schema-only", dbname=dbname).stdout)


def toc_entries(dump: bytes) -> Counter[tuple[str, str, str]]:
    """pg_dump's entries, from its '-- Name: N; Type: T; Schema: S;' comments: (T, S, N)."""
    found: Counter[tuple[str, str, str]] = Counter()
    for line in dump.decode(errors="replace").splitlines():
        match = _TOC.match(line)
        if match:
            found[(match["type"], match["schema"], match["name"])] += 1
    return found


def by_type(entries: Counter[tuple[str, str, str]]) -> str:
    """'TYPE n, …' of pg_dump entries, or 'none'."""
    kinds = Counter(kind for kind, _, _ in entries.elements())
    return ", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items())) or "none"


def diff_counts(a: Sequence[str], b: Sequence[str]) -> tuple[int, int]:
    """Lines of `a` missing from `b`, and lines of `b` not in `a`, as multisets."""
    src, dst = Counter(a), Counter(b)
    return sum((src - dst).values()), sum((dst - src).values())


def schema_problem(
    source: Sequence[str], restored: Sequence[str], what: str = "source"
) -> str | None:
    """None when the two normalised dumps are identical; else a summary and a unified diff of
    at most DIFF_LINES lines."""
    if list(source) == list(restored):
        return None
    missing, extra = diff_counts(source, restored)
    head = (
        f"pg_dump --schema-only differs: {missing} lines of the {what} missing in the restored"
        f" database, {extra} lines only there"
    )
    if not missing and not extra:
        head += " (the same lines in another order)"
    diff = list(difflib.unified_diff(source, restored, what, "restored", lineterm=""))
    return "\n".join([head, *truncated(diff)])


def truncated(lines: Sequence[str], keep: int = DIFF_LINES) -> list[str]:
    """The first `keep` lines, and how many more there were."""
    if len(lines) <= keep:
        return list(lines)
    return [*lines[:keep], f"... ({len(lines) - keep} more lines)"]


# --- the data ---------------------------------------------------------------------------------


def _sorted_md5(data: bytes) -> str:
    return hashlib.md5(b"\n".join(sorted(data.split(b"\n")))).hexdigest()


def _copy_out(conn: psycopg.Connection[TupleRow], query: sql.Composed) -> bytes:
    with conn.cursor() as cur, cur.copy(query) as copy:
        return b"".join(bytes(block) for block in copy)


def _rows_md5(conn: psycopg.Connection[TupleRow], query: sql.Composed) -> str:
    try:
        return _sorted_md5(_copy_out(conn, query))
    except psycopg.Error as exc:
        return f"unreadable: {type(exc).__name__}"


def data_fingerprint(dsn: str) -> dict[str, str]:
    """What the database holds besides its schema, by object ('table s.t': md5, …)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        found: dict[str, str] = {}
        for schema, name in conn.execute(_RELATIONS.format(kinds="'r'").encode()).fetchall():
            rel = sql.Identifier(str(schema), str(name))
            found[f"table {schema}.{name}"] = _rows_md5(
                conn, sql.SQL("COPY {} TO STDOUT").format(rel)
            )
        for schema, name, populated in conn.execute(_MATVIEWS.encode()).fetchall():
            rel = sql.Identifier(str(schema), str(name))
            query = sql.SQL("COPY (SELECT * FROM {}) TO STDOUT").format(rel)
            key = f"materialized view {schema}.{name}"
            found[key] = _rows_md5(conn, query) if populated else "not populated"
        for oid, md5 in conn.execute(_LARGE_OBJECTS.encode()).fetchall():
            found[f"large object {oid}"] = str(md5)
        for schema, name, last in conn.execute(_SEQUENCES.encode()).fetchall():
            found[f"sequence {schema}.{name}"] = f"last_value {last}"
        return found


def data_problem(
    source: dict[str, str], restored: dict[str, str], what: str = "source"
) -> str | None:
    """None when both hold the same; else one line per object that differs."""
    lines = [
        f"{key}: {what} {source.get(key, 'missing')}, restored {restored.get(key, 'missing')}"
        for key in sorted(source.keys() | restored.keys())
        if source.get(key) != restored.get(key)
    ]
    if not lines:
        return None
    return "\n".join([f"the data differs in {len(lines)} objects:", *truncated(lines)])


def user_tables(dsn: str) -> list[tuple[str, str]]:
    """(schema, name) of the user's ordinary and partitioned tables."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        query = _RELATIONS.format(kinds="'r', 'p'").encode()
        return [(str(s), str(t)) for s, t in conn.execute(query).fetchall()]


def table_pattern(schema: str, table: str) -> str:
    """A pg_dump -t pattern matching exactly this table, whatever its name holds."""

    def quote(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    return f"{quote(schema)}.{quote(table)}"
