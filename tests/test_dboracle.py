"""The whole-database oracle (design.md §9) on every file of tests/corpus_db.

Each file is loaded with the server's psql into a fresh database, dumped once with
`pgsnap.dump(all_tables=True)`, and restored into an empty database; then `pg_dump
--schema-only` of the two whole databases must be identical (tests/dboracle.py normalises
them), and so must their data: every table's sorted COPY output, every materialized view's
rows, every large object and every sequence's last value.

The base round trip (`pgsnap.load`) runs on every file; the variants on SUBSET only, to keep
the suite's time down: `jobs=2` for the dump and the load, the archive decompressed by zstd
into the server's psql, and `load(create=NAME)` making the target database itself.

Where the restored database differs from the source, it is compared again with what `pg_dump |
psql` makes of the source, and passes if it is the same as that: pg_dump refreshes materialized
views after the data (a stale one, made before its tables' rows, comes back up to date), and a
few expressions deparse differently once reloaded (08_musicbrainz: `= ANY ((ARRAY[...])::text[])`
becomes `= ANY (ARRAY[(...)::text, ...])`).  pgsnap is asked to do as well as pg_dump, not better.
For 10_object_kinds, the hand-written file, pg_dump's copy must be the same as the source.
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
class Fingerprint:
    """What the oracle compares of a database: pg_dump's schema (normalised) and the data."""

    schema: list[str]
    data: dict[str, str]

    @classmethod
    def of(cls, server: Server, dbname: str) -> Fingerprint:
        return cls(whole_schema(server, dbname), data_fingerprint(server.dsn(dbname)))


@dataclass
class Source:
    """A corpus file loaded into a database, what it holds, and its archive (or why
    pgsnap.dump could not make it, raised again by each case that needs it)."""

    name: str
    db: TestDB
    held: Fingerprint
    archive: Path
    dump_error: Exception | None = None
    reference: Fingerprint | None = None  # of a pg_dump | psql copy, made when first needed

    def archive_path(self) -> Path:
        if self.dump_error is not None:
            raise self.dump_error
        return self.archive


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
            source = make_source(server, name, scratch.create(), self.workdir)
        except BaseException:
            scratch.drop_all()
            raise
        self._current[server.label] = (source, scratch)
        return source

    def reference(self, server: Server, source: Source) -> Fingerprint:
        """What pg_dump | psql makes of the source, in a database dropped with it."""
        if source.reference is None:
            copy = source.db.make_db()
            script = server.run_client("pg_dump", dbname=source.db.name).stdout
            psql_script(server, script, copy.name)
            source.reference = Fingerprint.of(server, copy.name)
        return source.reference

    def drop_all(self) -> None:
        for _, scratch in self._current.values():
            scratch.drop_all()
        self._current.clear()


def make_source(server: Server, name: str, db: TestDB, workdir: Path) -> Source:
    load_corpus_file(server, next(p for p in corpus_files([name]) if p.stem == name), db.name)
    archive = workdir / f"{name}_{server.label}.sql.zst"
    source = Source(name, db, Fingerprint.of(server, db.name), archive)
    try:
        pgsnap.dump(all_tables=True, dsn=db.dsn, output=archive, force=True)
    except pgsnap.PgsnapError as exc:
        source.dump_error = exc
    return source


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
        pgsnap.load(source.archive_path(), dsn=target.dsn)
    elif variant == "jobs2":
        archive = tmp_path / "jobs2.sql.zst"
        pgsnap.dump(all_tables=True, dsn=source.db.dsn, output=archive, jobs=2)
        pgsnap.load(archive, dsn=target.dsn, jobs=2)
    elif variant == "psql":
        script = subprocess.run(
            ["zstd", "-dc", str(source.archive_path())], capture_output=True, check=True
        ).stdout
        psql_script(target.server, script, target.name)
    else:
        raise AssertionError(f"unknown variant {variant}")


def load_creating(source: Source, server: Server, dbname: str) -> None:
    """`load(create=NAME)`: pgsnap makes the database NAME on the server `dsn` reaches (here its
    maintenance database) and restores into it.  The keyword comes with another branch; until
    then this raises TypeError, and mypy does not know it yet, hence the dict."""
    options: dict[str, Any] = {"create": dbname}
    pgsnap.load(source.archive_path(), dsn=server.dsn("postgres"), **options)


def drop_database(server: Server, dbname: str) -> None:
    with psycopg.connect(server.dsn(), autocommit=True) as conn:
        stmt = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname))
        conn.execute(stmt)


def problems(sources: Sources, source: Source, server: Server, dbname: str) -> list[str]:
    """What differs between the restored `dbname` and the source (or, where they differ, what
    differs between it and pg_dump's copy of the source)."""
    restored = Fingerprint.of(server, dbname)
    if restored == source.held:
        return []
    expected, what = source.held, "source"
    reference = sources.reference(server, source)
    if reference != source.held:
        expected, what = reference, "pg_dump | psql copy of the source"
    found = [
        schema_problem(expected.schema, restored.schema, what),
        data_problem(expected.data, restored.data, what),
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
                found = problems(sources, source, server, dbname)
            finally:
                drop_database(server, dbname)
        else:
            target = scratch.create()
            restore(variant, source, target, tmp_path)
            found = problems(sources, source, server, target.name)
    finally:
        scratch.drop_all()
    assert not found, f"{name} ({variant}) on {server.label}:\n" + "\n\n".join(found)


def test_pg_dump_copy_of_object_kinds_is_the_source(server: Server, sources: Sources) -> None:
    """The oracle itself: on the hand-written file it finds nothing between the source and
    pg_dump | psql's copy (so every difference it shows for pgsnap is pgsnap's)."""
    source = sources.get(server, "10_object_kinds")
    found = [
        schema_problem(source.held.schema, sources.reference(server, source).schema),
        data_problem(source.held.data, sources.reference(server, source).data),
    ]
    assert found == [None, None], "\n\n".join(p for p in found if p is not None)
