"""Measure how `pgsnap dump --all` does on the whole-database corpus (tests/corpus_db/*.sql).

Run it as ``.venv/bin/python tests/corpus_db/measure.py``: it starts a throwaway cluster per
PostgreSQL installation here (tests/pgservers.py), and for each corpus file and server

1. loads the file with the server's own psql (ON_ERROR_STOP) into an empty database;
2. counts the user objects of that source database by kind, from the catalogs;
3. runs ``pgsnap.dump(all_tables=True)`` of it, then ``pgsnap.load()`` into a second empty
   database, and counts that database's objects the same way;
4. compares ``pg_dump --schema-only`` of the two whole databases (comment lines, ``SET``
   lines, the search_path line, ``\\restrict`` keys and blank lines dropped), and then
   ``pg_dump --schema-only -t TABLE`` of each source table against the restored one;
5. compares the row count of each source table with the restored one.

It prints a markdown report and stops the clusters: BASELINE.md beside this file is its report
before whole-database archives (at 8a7a2b3), RESULTS.md after them.
``--only NAME`` keeps the files whose name contains NAME; ``--load-only`` stops after step 2;
``--diff-dir DIR`` writes the whole-database diffs there.  Not collected by pytest.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

TESTS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TESTS))  # pgservers lives in tests/, which is no package

from dboracle import (  # noqa: E402
    CLASS_FROM,
    FIRST_NORMAL_OID,
    ROLES,
    by_type,
    corpus_files,
    diff_counts,
    normalised,
    psql_file,
    raw_schema_dump,
    schema_dump,
    table_pattern,
    toc_entries,
    user_filter,
    user_tables,
)
from pgservers import (  # noqa: E402
    ClientError,
    ScratchDatabases,
    Server,
    available_bindirs,
    start_clusters,
    stop_clusters,
)

import pgsnap  # noqa: E402

PREAMBLE = """\
# pgsnap `dump --all` on the whole-database corpus

Made by `.venv/bin/python tests/corpus_db/measure.py` on {versions}, pgsnap {version}.
For each file of tests/corpus_db (their headers say where they come from): load it with the
server's psql into an empty database; `pgsnap.dump(all_tables=True)` of that database;
`pgsnap.load()` of the archive into another empty database; then compare the two databases.

- *pg_dump | psql*: the same source restored with `pg_dump` piped into `psql` (ON_ERROR_STOP),
  compared the same way as pgsnap's copy below: what the issue's "equal to pg_dump
  --schema-only" asks of pgsnap, and a check of the comparison itself.
- *whole pg_dump --schema-only*: `pg_dump --schema-only` of each whole database, without
  comment lines, `SET` lines, the search_path line, `\\restrict` lines and blank lines, compared
  as multisets of lines: lines of the source's dump missing from the restored one's / lines only
  in the restored one's.  0 / 0 means the schemas are the same.
- Under each schema's heading, pg_dump's entries (its `-- Name: ...; Type: ...` comments) of
  the source that the restored database's dump lacks, by type; an entry that is there but
  differs counts only in the line comparison.
- *tables identical in pg_dump -t*: source tables (ordinary, partitioned, partitions) whose
  `pg_dump --schema-only -t TABLE` output is the same in both databases.
- *tables with all rows*: tables whose row count is the same in both.
- The object counts come from the catalogs (user objects, not those of extensions); a
  **bold** count differs from the source's.

"""
_user = user_filter
_CLASS = CLASS_FROM
_PROC = f"FROM pg_proc p WHERE {_user('p', 'pg_proc', internal=True)}"
_TYPE = f"FROM pg_type t WHERE {_user('t', 'pg_type')}"
_CON = (
    f"FROM pg_constraint k WHERE {_user('k', 'pg_constraint')}"
    f" AND k.conrelid IN (SELECT c.oid {_CLASS})"
)

# (kind, query giving one count); the report lists the kinds in this order
COUNTS: tuple[tuple[str, str], ...] = (
    (
        "schemas",
        f"SELECT count(*) FROM pg_namespace n WHERE {_user('n', 'pg_namespace')} AND n.nspname NOT LIKE 'pg\\_%'",
    ),
    ("extensions", "SELECT count(*) FROM pg_extension x WHERE x.oid >= 16384"),
    ("tables", f"SELECT count(*) {_CLASS} AND c.relkind = 'r' AND NOT c.relispartition"),
    (
        "partitioned tables",
        f"SELECT count(*) {_CLASS} AND c.relkind = 'p' AND NOT c.relispartition",
    ),
    ("partitions", f"SELECT count(*) {_CLASS} AND c.relkind IN ('r', 'p') AND c.relispartition"),
    (
        "columns",
        f"SELECT count(*) FROM pg_attribute a WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attrelid IN (SELECT c.oid {_CLASS} AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c'))",
    ),
    ("views", f"SELECT count(*) {_CLASS} AND c.relkind = 'v'"),
    ("materialized views", f"SELECT count(*) {_CLASS} AND c.relkind = 'm'"),
    ("foreign tables", f"SELECT count(*) {_CLASS} AND c.relkind = 'f'"),
    ("sequences", f"SELECT count(*) {_CLASS} AND c.relkind = 'S'"),
    ("indexes", f"SELECT count(*) {_CLASS} AND c.relkind IN ('i', 'I')"),
    ("composite types", f"SELECT count(*) {_CLASS} AND c.relkind = 'c'"),
    ("enum types", f"SELECT count(*) {_TYPE} AND t.typtype = 'e'"),
    ("domains", f"SELECT count(*) {_TYPE} AND t.typtype = 'd'"),
    ("range types", f"SELECT count(*) {_TYPE} AND t.typtype = 'r'"),
    ("base types", f"SELECT count(*) {_TYPE} AND t.typtype = 'b' AND t.typelem = 0"),
    ("functions", f"SELECT count(*) {_PROC} AND p.prokind = 'f'"),
    ("procedures", f"SELECT count(*) {_PROC} AND p.prokind = 'p'"),
    ("aggregates", f"SELECT count(*) {_PROC} AND p.prokind = 'a'"),
    ("window functions", f"SELECT count(*) {_PROC} AND p.prokind = 'w'"),
    ("operators", f"SELECT count(*) FROM pg_operator o WHERE {_user('o', 'pg_operator')}"),
    ("casts", f"SELECT count(*) FROM pg_cast x WHERE {_user('x', 'pg_cast', internal=True)}"),
    ("collations", f"SELECT count(*) FROM pg_collation x WHERE {_user('x', 'pg_collation')}"),
    (
        "text search configurations",
        f"SELECT count(*) FROM pg_ts_config x WHERE {_user('x', 'pg_ts_config')}",
    ),
    (
        "text search dictionaries",
        f"SELECT count(*) FROM pg_ts_dict x WHERE {_user('x', 'pg_ts_dict')}",
    ),
    ("operator classes", f"SELECT count(*) FROM pg_opclass x WHERE {_user('x', 'pg_opclass')}"),
    ("operator families", f"SELECT count(*) FROM pg_opfamily x WHERE {_user('x', 'pg_opfamily')}"),
    ("primary keys", f"SELECT count(*) {_CON} AND k.contype = 'p'"),
    ("unique constraints", f"SELECT count(*) {_CON} AND k.contype = 'u'"),
    ("foreign keys", f"SELECT count(*) {_CON} AND k.contype = 'f'"),
    ("check constraints", f"SELECT count(*) {_CON} AND k.contype = 'c' AND k.conrelid <> 0"),
    ("exclusion constraints", f"SELECT count(*) {_CON} AND k.contype = 'x'"),
    (
        "not-null constraints (18+)",
        f"SELECT count(*) {_CON} AND k.contype = 'n' AND k.conrelid <> 0",
    ),
    (
        "domain constraints",
        "SELECT count(*) FROM pg_constraint k JOIN pg_type t ON t.oid = k.contypid"
        f" WHERE {_user('t', 'pg_type')}",
    ),
    ("column defaults", f"SELECT count(*) FROM pg_attrdef x WHERE {_user('x', 'pg_attrdef')}"),
    (
        "triggers",
        f"SELECT count(*) FROM pg_trigger x WHERE NOT x.tgisinternal AND {_user('x', 'pg_trigger')}",
    ),
    (
        "rules",
        f"SELECT count(*) FROM pg_rewrite x WHERE x.rulename <> '_RETURN' AND {_user('x', 'pg_rewrite')}",
    ),
    ("policies", f"SELECT count(*) FROM pg_policy x WHERE {_user('x', 'pg_policy')}"),
    ("row-security tables", f"SELECT count(*) {_CLASS} AND c.relrowsecurity"),
    (
        "extended statistics",
        f"SELECT count(*) FROM pg_statistic_ext x WHERE {_user('x', 'pg_statistic_ext')}",
    ),
    ("event triggers", "SELECT count(*) FROM pg_event_trigger x"),
    ("publication tables", "SELECT count(*) FROM pg_publication_rel x"),
    ("publications", "SELECT count(*) FROM pg_publication x"),
    (
        "foreign-data wrappers",
        f"SELECT count(*) FROM pg_foreign_data_wrapper x WHERE {_user('x', 'pg_foreign_data_wrapper')}",
    ),
    (
        "foreign servers",
        f"SELECT count(*) FROM pg_foreign_server x WHERE {_user('x', 'pg_foreign_server')}",
    ),
    ("user mappings", "SELECT count(*) FROM pg_user_mapping x"),
    ("languages", f"SELECT count(*) FROM pg_language x WHERE {_user('x', 'pg_language')}"),
    ("access methods", f"SELECT count(*) FROM pg_am x WHERE {_user('x', 'pg_am')}"),
    ("transforms", f"SELECT count(*) FROM pg_transform x WHERE {_user('x', 'pg_transform')}"),
    ("conversions", f"SELECT count(*) FROM pg_conversion x WHERE {_user('x', 'pg_conversion')}"),
    (
        "text search parsers",
        f"SELECT count(*) FROM pg_ts_parser x WHERE {_user('x', 'pg_ts_parser')}",
    ),
    (
        "text search templates",
        f"SELECT count(*) FROM pg_ts_template x WHERE {_user('x', 'pg_ts_template')}",
    ),
    ("default privileges", "SELECT count(*) FROM pg_default_acl x"),
    ("relations with privileges", f"SELECT count(*) {_CLASS} AND c.relacl IS NOT NULL"),
    (
        "comments",
        f"SELECT count(*) FROM pg_description x WHERE x.objoid >= {FIRST_NORMAL_OID} AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = x.classoid AND e.objid = x.objoid AND e.deptype = 'e')",
    ),
    ("large objects", "SELECT count(*) FROM pg_largeobject_metadata x"),
)


@dataclass
class Outcome:
    """One corpus file on one server."""

    name: str
    server: str
    load_file: str = "not run"  # "ok" or psql's error
    load_file_s: float = 0.0
    reference: str = "not run"  # pg_dump | psql of the source into an empty database
    dump: str = "not run"
    dump_tables: int = 0
    dump_s: float = 0.0
    load: str = "not run"
    load_s: float = 0.0
    source: dict[str, int] = field(default_factory=dict)
    restored: dict[str, int] = field(default_factory=dict)
    schema_diff: tuple[int, int] | None = None  # lines only in the source / only in the restored
    tables: int = 0
    entries: int = 0  # pg_dump's entries for the source
    entries_missing: str = ""  # by type, those not in the restored database's dump
    entries_extra: str = ""
    tables_identical: int = 0
    tables_differing: list[str] = field(default_factory=list)
    source_rows: int = 0
    restored_rows: int = 0
    tables_same_rows: int = 0


def count_objects(dsn: str) -> dict[str, int]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        counts: dict[str, int] = {}
        for kind, query in COUNTS:
            row = conn.execute(query.encode()).fetchone()
            counts[kind] = int(row[0]) if row else 0
        return counts


def row_counts(dsn: str, tables: Sequence[tuple[str, str]]) -> dict[tuple[str, str], int | None]:
    """count(*) of each table; None where the table is missing or unreadable."""
    out: dict[tuple[str, str], int | None] = {}
    with psycopg.connect(dsn, autocommit=True) as conn:
        for schema, table in tables:
            query = sql.SQL("SELECT count(*) FROM ONLY {}.{}").format(
                sql.Identifier(schema), sql.Identifier(table)
            )
            try:
                row = conn.execute(query).fetchone()
                out[(schema, table)] = int(row[0]) if row else None
            except psycopg.Error:
                out[(schema, table)] = None
    return out


def first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    # psql puts "psql:FILE:LINE: ERROR: ..." after notices; keep the error
    errors = [line for line in lines if "ERROR" in line or "FATAL" in line]
    chosen = errors[0] if errors else lines[0]
    return f"{type(exc).__name__}: {chosen}"[:300]


@contextlib.contextmanager
def timed() -> Iterator[list[float]]:
    box = [0.0]
    began = time.monotonic()
    try:
        yield box
    finally:
        box[0] = time.monotonic() - began


def measure_one(
    server: Server, path: Path, workdir: Path, load_only: bool, diff_dir: Path | None
) -> Outcome:
    out = Outcome(path.stem, server.label)
    scratch = ScratchDatabases(server)
    try:
        src = scratch.create()
        roles = path.with_name(path.stem + ROLES)
        with timed() as t:
            try:
                if roles.exists():
                    psql_file(server, roles, "postgres")
                psql_file(server, path, src.name)
                out.load_file = "ok"
            except ClientError as exc:
                out.load_file = first_line(exc)
        out.load_file_s = t[0]
        if out.load_file != "ok":
            return out
        out.source = count_objects(src.dsn)
        if load_only:
            return out
        out.reference = reference(server, src.name, scratch.create().name)
        archive = workdir / f"{path.stem}_{server.label}.sql.zst"
        with timed() as t:
            try:
                result = pgsnap.dump(all_tables=True, dsn=src.dsn, output=str(archive), force=True)
                out.dump = "ok"
                out.dump_tables = len(result.tables)
            except Exception as exc:
                out.dump = first_line(exc)
        out.dump_s = t[0]
        dst = scratch.create()
        if out.dump == "ok":
            with timed() as t:
                try:
                    pgsnap.load(str(archive), dsn=dst.dsn)
                    out.load = "ok"
                except Exception as exc:
                    out.load = first_line(exc)
            out.load_s = t[0]
        out.restored = count_objects(dst.dsn)
        compare(server, src.name, dst.name, src.dsn, dst.dsn, out, diff_dir)
        return out
    finally:
        scratch.drop_all()


def reference(server: Server, src_db: str, ref_db: str) -> str:
    """What pg_dump | psql makes of the source: the bar pgsnap is measured against."""
    try:
        dump = server.run_client("pg_dump", dbname=src_db).stdout
        server.run_client("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", dbname=ref_db, stdin=dump)
    except ClientError as exc:
        return first_line(exc)
    missing, extra = diff_counts(
        schema_dump(server, src_db) or [], schema_dump(server, ref_db) or []
    )
    return f"ok ({missing} / {extra})"


def compare(
    server: Server,
    src_db: str,
    dst_db: str,
    src_dsn: str,
    dst_dsn: str,
    out: Outcome,
    diff_dir: Path | None,
) -> None:
    raw_src = raw_schema_dump(server, src_db) or b""
    raw_dst = raw_schema_dump(server, dst_db) or b""
    whole_src, whole_dst = normalised(raw_src), normalised(raw_dst)
    out.schema_diff = diff_counts(whole_src, whole_dst)
    toc_src, toc_dst = toc_entries(raw_src), toc_entries(raw_dst)
    out.entries = sum(toc_src.values())
    out.entries_missing = by_type(toc_src - toc_dst)
    out.entries_extra = by_type(toc_dst - toc_src)
    if diff_dir is not None and out.schema_diff != (0, 0):
        diff_dir.mkdir(parents=True, exist_ok=True)
        text = "\n".join(
            difflib.unified_diff(whole_src, whole_dst, "source", "restored", lineterm="")
        )
        (diff_dir / f"{out.name}_{out.server}.diff").write_text(text + "\n")
    tables = user_tables(src_dsn)
    out.tables = len(tables)

    def same(table: tuple[str, str]) -> bool:
        pattern = table_pattern(*table)
        a = schema_dump(server, src_db, "-t", pattern)
        b = schema_dump(server, dst_db, "-t", pattern)
        return a is not None and a == b

    with ThreadPoolExecutor(max_workers=4) as pool:
        identical = list(pool.map(same, tables))
    out.tables_identical = sum(identical)
    out.tables_differing = [
        f"{s}.{t}" for (s, t), ok in zip(tables, identical, strict=True) if not ok
    ]
    src_rows = row_counts(src_dsn, tables)
    dst_rows = row_counts(dst_dsn, tables)
    out.source_rows = sum(n or 0 for n in src_rows.values())
    out.restored_rows = sum(n or 0 for n in dst_rows.values())
    out.tables_same_rows = sum(
        1 for t in tables if dst_rows[t] is not None and dst_rows[t] == src_rows[t]
    )


def report(outcomes: Sequence[Outcome], load_only: bool) -> str:
    lines: list[str] = []
    if load_only:
        lines += ["| schema | server | psql load | seconds |", "| --- | --- | --- | --- |"]
        lines += [
            f"| {o.name} | {o.server} | {cell(o.load_file)} | {o.load_file_s:.1f} |"
            for o in outcomes
        ]
    else:
        lines += [
            "| schema | server | psql load of the file | pg_dump \\| psql (lines missing / extra) | "
            "pgsnap dump --all | pgsnap load | "
            "whole pg_dump --schema-only: lines missing / extra in the restored | "
            "tables identical in pg_dump -t | tables with all rows | rows source / restored |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for o in outcomes:
            dump = f"ok ({o.dump_tables} tables, {o.dump_s:.1f} s)" if o.dump == "ok" else o.dump
            load = f"ok ({o.load_s:.1f} s)" if o.load == "ok" else o.load
            diff = "—" if o.schema_diff is None else f"{o.schema_diff[0]} / {o.schema_diff[1]}"
            lines.append(
                f"| {o.name} | {o.server} | {cell(o.load_file)} | {cell(o.reference)} | "
                f"{cell(dump)} | {cell(load)} | "
                f"{diff} | {o.tables_identical} / {o.tables} | {o.tables_same_rows} / {o.tables} | "
                f"{o.source_rows} / {o.restored_rows} |"
            )
    names = list(dict.fromkeys(o.name for o in outcomes))
    for name in names:
        mine = [o for o in outcomes if o.name == name and o.source]
        if not mine:
            continue
        lines += ["", f"### {name}", ""]
        if not load_only:
            for o in mine:
                lines.append(f"- {o.server}: {differing(o)}")
                lines.append(
                    f"- {o.server}: of pg_dump's {o.entries} entries for the source, missing in the"
                    f" restored database: {o.entries_missing}; extra there: {o.entries_extra}"
                )
            lines.append("")
        head = ["kind"]
        for o in mine:
            head += (
                [f"{o.server} source"]
                if load_only
                else [f"{o.server} source", f"{o.server} restored"]
            )
        lines += ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
        for kind, _ in COUNTS:
            cells: list[str] = []
            for o in mine:
                src = o.source.get(kind, 0)
                if load_only:
                    cells.append(str(src))
                else:
                    dst = o.restored.get(kind, 0)
                    cells += [str(src), str(dst) if dst == src else f"**{dst}**"]
            if any(o.source.get(kind, 0) or o.restored.get(kind, 0) for o in mine):
                lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def differing(o: Outcome, shown: int = 10) -> str:
    """Which tables pg_dump -t shows differently in the restored database."""
    if not o.tables_differing:
        return f"all {o.tables} tables identical in pg_dump -t"
    if not o.tables_identical:
        return f"none of the {o.tables} tables identical in pg_dump -t"
    names = ", ".join(f"`{n}`" for n in o.tables_differing[:shown])
    more = f" and {len(o.tables_differing) - shown} more" if len(o.tables_differing) > shown else ""
    return f"{len(o.tables_differing)} of {o.tables} tables differ in pg_dump -t: {names}{more}"


def summary(o: Outcome) -> str:
    return (
        f"psql: {o.load_file}; pg_dump|psql: {o.reference}; dump: {o.dump}; load: {o.load}; schema diff: {o.schema_diff}; "
        f"tables identical: {o.tables_identical}/{o.tables}; rows: {o.source_rows}/{o.restored_rows}"
    )


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--only", action="append", default=[], help="files whose name holds this")
    parser.add_argument("--server", action="append", default=[], help="label: pg18, pg15…")
    parser.add_argument("--load-only", action="store_true", help="only check that psql loads them")
    parser.add_argument("--diff-dir", type=Path, help="write whole-database schema diffs here")
    parser.add_argument("--output", type=Path, help="also write the report to this file")
    args = parser.parse_args(argv)
    files = corpus_files(args.only)
    if not files:
        parser.error("no corpus file matches")
    bindirs = [b for b in available_bindirs() if not args.server or b[0] in args.server]
    clusters = start_clusters(bindirs)
    outcomes: list[Outcome] = []
    try:
        with tempfile.TemporaryDirectory(prefix="pgsnap-corpus-db-") as tmp:
            for path in files:
                for cluster in clusters:
                    server = cluster.server
                    print(f"{path.name} on {server.label}…", file=sys.stderr, flush=True)
                    outcome = measure_one(server, path, Path(tmp), args.load_only, args.diff_dir)
                    print(f"  {summary(outcome)}", file=sys.stderr, flush=True)
                    outcomes.append(outcome)
    finally:
        stop_clusters(clusters)
    versions = ", ".join(f"{c.server.label} (PostgreSQL {c.server.major})" for c in clusters)
    head = PREAMBLE.format(versions=versions, version=pgsnap.__version__)
    text = head + report(outcomes, args.load_only)
    print(text)
    if args.output is not None:
        args.output.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
