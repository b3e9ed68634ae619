"""The whole-database oracle (design.md §9) on every file of tests/corpus_db.

Each file is loaded with the server's psql into a fresh database, dumped once with
`pgsnap.dump(all_tables=True)`, and restored into an empty database; then `pg_dump
--schema-only` of the two whole databases must be identical (tests/dboracle.py normalises
them), and so must their data: every table's sorted COPY output, every materialized view's
rows, every large object and every sequence's last value.

The base round trip (`pgsnap.load`) runs on every file; the variants on SUBSET only, to keep
the suite's time down: `jobs=2` for the dump and the load, the archive decompressed by zstd
into the server's psql, and `load(create=NAME)` making the target database itself.
"""

from __future__ import annotations

import secrets
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from dboracle import (
    corpus_files,
    data_fingerprint,
    data_problem,
    load_corpus_file,
    psql_script,
    schema_problem,
    whole_schema,
)
from pgservers import ScratchDatabases, Server, TestDB
from psycopg import sql

import pgsnap

FILES = [path.stem for path in corpus_files()]
# the variants run on the hand-written file and two real schemas: pagila (views, functions,
# partitions, triggers, a materialized view) and pg_dump's own test objects
SUBSET = ("10_object_kinds", "01_pagila", "09_pg_dump_objects")
VARIANTS = ("jobs2", "psql", "create")
# (file, variant) in file order, so that one file's cases follow each other and its source
# database is made once
CASES = [
    (name, variant) for name in FILES for variant in ("load", *(VARIANTS if name in SUBSET else ()))
]


@dataclass(frozen=True, slots=True)
class Source:
    """A corpus file loaded into a database, what that database holds, and its archive."""

    name: str
    db: TestDB
    schema: list[str]
    data: dict[str, str]
    archive: Path


class Sources:
    """The source of the current file on each server: made on first use, dropped when the
    next file's is asked for (and at the end), so that one at a time exists per server."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self._current: dict[str, tuple[Source, ScratchDatabases]] = {}

    def get(self, server: Server, name: str) -> Source:
        held = self._current.get(server.label)
        if held is not None and held[0].name == name:
            return held[0]
        if held is not None:
            held[1].drop_all()
        self._current.pop(server.label, None)
        scratch = ScratchDatabases(server)
        try:
            source = make_source(server, name, scratch, self.workdir)
        except BaseException:
            scratch.drop_all()
            raise
        self._current[server.label] = (source, scratch)
        return source

    def drop_all(self) -> None:
        for _, scratch in self._current.values():
            scratch.drop_all()
        self._current.clear()


def make_source(server: Server, name: str, scratch: ScratchDatabases, workdir: Path) -> Source:
    db = scratch.create()
    load_corpus_file(server, next(p for p in corpus_files([name]) if p.stem == name), db.name)
    archive = workdir / f"{name}_{server.label}.sql.zst"
    pgsnap.dump(all_tables=True, dsn=db.dsn, output=archive, force=True)
    return Source(name, db, whole_schema(server, db.name), data_fingerprint(db.dsn), archive)


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sources]:
    held = Sources(tmp_path_factory.mktemp("dboracle"))
    try:
        yield held
    finally:
        held.drop_all()


def restore(variant: str, source: Source, target: TestDB, tmp_path: Path) -> None:
    """Restore the source's database into `target` (empty) the variant's way."""
    if variant == "load":
        pgsnap.load(source.archive, dsn=target.dsn)
    elif variant == "jobs2":
        archive = tmp_path / "jobs2.sql.zst"
        pgsnap.dump(all_tables=True, dsn=source.db.dsn, output=archive, jobs=2)
        pgsnap.load(archive, dsn=target.dsn, jobs=2)
    elif variant == "psql":
        script = subprocess.run(
            ["zstd", "-dc", str(source.archive)], capture_output=True, check=True
        ).stdout
        psql_script(target.server, script, target.name)
    else:
        raise AssertionError(f"unknown variant {variant}")


def load_creating(source: Source, server: Server, dbname: str) -> None:
    """`load(create=NAME)`: pgsnap makes the database NAME on the server `dsn` reaches (here its
    maintenance database) and restores into it.  The keyword comes with another branch; until
    then this raises TypeError, and mypy does not know it yet, hence the dict."""
    options: dict[str, Any] = {"create": dbname}
    pgsnap.load(source.archive, dsn=server.dsn("postgres"), **options)


def drop_database(server: Server, dbname: str) -> None:
    with psycopg.connect(server.dsn(), autocommit=True) as conn:
        stmt = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname))
        conn.execute(stmt)


def problems(source: Source, server: Server, dbname: str) -> list[str]:
    """What differs between the source database and the restored `dbname`."""
    found = [
        schema_problem(source.schema, whole_schema(server, dbname)),
        data_problem(source.data, data_fingerprint(server.dsn(dbname))),
    ]
    return [p for p in found if p is not None]


@pytest.mark.parametrize(("name", "variant"), CASES, ids=[f"{n}-{v}" for n, v in CASES])
def test_whole_database_round_trip(
    server: Server, sources: Sources, tmp_path: Path, name: str, variant: str
) -> None:
    source = sources.get(server, name)
    scratch = ScratchDatabases(server)
    try:
        if variant == "create":
            dbname = f"t_{secrets.token_hex(8)}"
            try:
                load_creating(source, server, dbname)
                found = problems(source, server, dbname)
            finally:
                drop_database(server, dbname)
        else:
            target = scratch.create()
            restore(variant, source, target, tmp_path)
            found = problems(source, server, target.name)
    finally:
        scratch.drop_all()
    assert not found, f"{name} ({variant}) on {server.label}:\n" + "\n\n".join(found)
