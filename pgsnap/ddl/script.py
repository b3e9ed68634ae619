"""Pure: the psql-script text around the rows.  Decompressed, an archive reads as

    \\set ON_ERROR_STOP on, \\restrict KEY, session SETs, BEGIN
    pre-data of every table
    COPY t0 (cols) FROM stdin;   rows…   \\.
    COPY t1 (cols) FROM stdin;   rows…   \\.
    lo_put lines of each large object (a whole database's), in blob frames
    post-data of every table, COMMIT, \\unrestrict KEY

so `zstd -dc FILE | psql` restores it in one transaction with no pgsnap installed.  KEY is
random per dump (the caller draws it): between \\restrict and \\unrestrict psql runs no other
meta-command, so none can hide in the DDL or the rows (pg_dump 18 does the same;
archive/psql.py is the readers' side of it).
"""

from __future__ import annotations

from collections.abc import Sequence

from pgsnap.ddl.copy import copy_from
from pgsnap.ddl.dependencies import archive_schemas, psql_guarded
from pgsnap.ddl.order import objects_post, pre_data
from pgsnap.model import LARGE_OBJECT, DbObject, Dependency, TableSpec
from pgsnap.naming import ident

PREAMBLE = """\\set ON_ERROR_STOP on
\\restrict {key}
SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = '{encoding}';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;
BEGIN;
"""

END_OF_COPY = "\\.\n"


def statements(stmts: Sequence[str]) -> str:
    return "".join(s.rstrip().rstrip(";") + ";\n" for s in stmts)


def copy_from_stdin(t: TableSpec) -> str:
    return copy_from(t) + ";\n"


SETVAL_PREFIX = "SELECT pg_catalog.setval("


def header_sql(
    tables: Sequence[TableSpec],
    contents: str = "all",
    deps: Sequence[Dependency] = (),
    *,
    restrict_key: str,
    encoding: str = "UTF8",
    objects: Sequence[DbObject] = (),
) -> str:
    """Preamble, the dependencies (each created only if missing), all pre-data, and the COPY
    line of the first table (no COPY for schema only, no DDL for data only).  `encoding` is
    the rows' (connection.copy_encoding)."""
    if contents == "data":  # large objects are data, their lo_create, owner, ACL, comment too
        pre = statements([s for o in objects if o.kind == LARGE_OBJECT for s in o.ddl])
    else:
        pre = statements(pre_data(tables, objects))
    if contents != "data" and not objects:  # a whole database's schemas are objects of it
        schemas = [f"CREATE SCHEMA IF NOT EXISTS {ident(n)}" for n in archive_schemas(tables, deps)]
        pre = statements(schemas + [psql_guarded(d) for d in deps]) + pre
    first_copy = copy_from_stdin(tables[0]) if tables and contents != "schema" else ""
    return PREAMBLE.format(key=restrict_key, encoding=encoding) + pre + first_copy


def between_sql(next_table: TableSpec) -> str:
    return END_OF_COPY + copy_from_stdin(next_table)


def end_sql(
    tables: Sequence[TableSpec],
    contents: str = "all",
    *,
    restrict_key: str,
    objects: Sequence[DbObject] = (),
    copy_open: bool | None = None,
    statistics: str = "",
) -> str:
    """End of the last COPY (unless `copy_open` is False: an sql frame before the large
    objects' frames ended it), all post-data (only the sequence values for data only), the
    planner `statistics` (ddl/planstats.script_sql: after the index builds, which overwrite a
    table's relpages and reltuples), COMMIT, and the end of the restricted mode header_sql
    began."""
    if contents == "data":
        post = "".join(
            statements([s for s in t.post_data if s.startswith(SETVAL_PREFIX)]) for t in tables
        )
    else:
        # foreign keys after every table's keys: tables may reference each other.  (pglast
        # is imported here, after the dump's workers were forked: each would map it again.)
        from pgsnap.ddl.statements import post_data_in_order

        after = objects_post(objects, with_data=contents != "schema")
        post = statements(post_data_in_order(tables) + after)
    if copy_open is None:
        copy_open = bool(tables) and contents != "schema"
    end_copy = END_OF_COPY if copy_open else ""
    return end_copy + post + statistics + f"COMMIT;\n\\unrestrict {restrict_key}\n"
