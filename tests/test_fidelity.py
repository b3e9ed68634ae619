"""The DDL fidelity oracle (design.md §7) over the corpus in tests/corpus/ (fidelity_oracle.py).

Each case is dumped with pgsnap and loaded into a fresh database; `pg_dump --schema-only` of
the table must be the same in both, and so must the rows.  A case whose prerequisites pgsnap
carries is also loaded into a database where they do not exist yet: then the whole database's
schema must come out the same.  Cases with an ``-- as:`` header are also loaded beside the
original under that name, and compared with the names mapped.

Every case runs on every server that can hold it: a PG18-only case is not generated for pg15.
``PGSNAP_FIDELITY_CORPUS=tests/corpus/pending`` runs the cases that do not pass yet.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fidelity_oracle import (
    CORPUS_DIR,
    PENDING_DIR,
    Case,
    CaseError,
    DatabasePool,
    NameMap,
    content_md5,
    corpus_dir,
    diff,
    entries,
    entries_diff,
    extended_statistics,
    installed_servers,
    load_cases,
    map_owned,
    normalize,
    owned_names,
    parse_case,
    schema_dump,
)
from pgservers import Server, TestDB

from pgsnap.archive import ArchiveReader
from pgsnap.backup.dump import dump
from pgsnap.ddl.rename import plan_rename
from pgsnap.model import (
    Constraint,
    Owned,
    OwnedSequence,
    QualifiedName,
    TableSpec,
    table_from_json,
)
from pgsnap.naming import ident
from pgsnap.restore.load import load

MIN_CORPUS = 40
MIN_AS_CASES = 10
RESTORE, DEPENDENCIES, AS_NAME = "restore", "dependencies", "as"


def _variants(case: Case) -> list[str]:
    out = [RESTORE]
    if case.carries_dependencies:
        out.append(DEPENDENCIES)
    if case.as_name is not None:
        out.append(AS_NAME)
    return out


def _params() -> list[object]:
    """(label, case, variant), case by case, so that a source database lives only while its
    case runs (many live databases make CREATE and DROP DATABASE slow)."""
    return [
        pytest.param(s.label, c, v, id=f"{s.label}-{c.name}-{v}")
        for c in load_cases(corpus_dir())
        for s in installed_servers()
        if c.runs_on(s)
        for v in _variants(c)
    ]


@dataclass
class Prepared:
    """One case on one server: its source database, its pgsnap archive, the source's pg_dump
    (run in the background while the test goes on)."""

    server: Server
    source: TestDB
    archive: Path
    rows: int
    spec: TableSpec
    schema: Future[str]  # normalized pg_dump of case.tables
    quoted: Future[str] | None  # the same with --quote-all-identifiers (--as cases)
    database: Future[str] | None  # of the whole database (cases that carry dependencies)
    uses_left: int  # variants still to run; the source is dropped after the last one

    def wait_for_dumps(self) -> None:
        """Before the source database changes (a load beside the original)."""
        for f in (self.schema, self.quoted, self.database):
            if f is not None:
                f.result()


@dataclass
class Workspace:
    """Source databases and archives, made once per (server, case) and shared by its variants."""

    servers: list[Server]
    tmp: Path
    pools: dict[str, DatabasePool] = field(default_factory=dict)
    prepared: dict[tuple[str, str], Prepared] = field(default_factory=dict)
    dumps: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(4))

    def pool(self, label: str) -> DatabasePool:
        if label not in self.pools:
            self.pools[label] = DatabasePool(next(s for s in self.servers if s.label == label))
        return self.pools[label]

    @contextmanager
    def prepared_case(self, label: str, case: Case) -> Iterator[Prepared]:
        key = (label, case.name)
        if key not in self.prepared:
            self.prepared[key] = self._prepare(label, case)
        prepared = self.prepared[key]
        try:
            yield prepared
        finally:
            prepared.uses_left -= 1
            if prepared.uses_left == 0:
                prepared.wait_for_dumps()
                self.pool(label).release(prepared.source)

    def _prepare(self, label: str, case: Case) -> Prepared:
        source = self.pool(label).take()
        server = source.server
        if case.requires:
            source.execute(case.requires)
        source.execute(case.body)
        out = self.tmp / f"{label}-{case.name}.sql.zst"
        result = dump(
            ident(case.table.schema, case.table.name),
            dsn=source.dsn,
            output=out,
            with_privileges=case.privileges,
        )
        with ArchiveReader.open(out) as reader:
            spec = table_from_json(reader.header_json["tables"][0])
        quoted = database = None
        if case.as_name is not None:
            quoted = self.dumps.submit(
                schema_dump,
                server,
                source.name,
                case.tables,
                quote_all=True,
                privileges=case.privileges,
            )
        if case.carries_dependencies:
            database = self.dumps.submit(
                schema_dump, server, source.name, [], privileges=case.privileges
            )
        schema = self.dumps.submit(
            schema_dump, server, source.name, case.tables, privileges=case.privileges
        )
        uses = len(_variants(case))
        return Prepared(server, source, out, result.rows, spec, schema, quoted, database, uses)

    def close(self) -> None:
        self.dumps.shutdown(wait=True)
        for pool in self.pools.values():
            pool.close()


@pytest.fixture(scope="module")
def workspace(
    servers: list[Server], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Workspace]:
    ws = Workspace(servers, tmp_path_factory.mktemp("fidelity"))
    try:
        yield ws
    finally:
        ws.close()


@pytest.mark.parametrize(("label", "case", "variant"), _params())
def test_fidelity(workspace: Workspace, label: str, case: Case, variant: str) -> None:
    with workspace.prepared_case(label, case) as prepared:
        if variant == AS_NAME:
            check_as_name(case, prepared)
            return
        pool = workspace.pool(label)
        target = pool.take()
        try:
            if variant == RESTORE:
                check_restore(case, prepared, target)
            else:
                check_dependencies(case, prepared, target)
        finally:
            pool.release(target)


def check_restore(case: Case, prepared: Prepared, target: TestDB) -> None:
    """Into a fresh database that has the prerequisites: the same pg_dump -t, the same rows."""
    if case.requires:
        target.execute(case.requires)
    loaded = load(str(prepared.archive), dsn=target.dsn)
    assert loaded.rows == prepared.rows
    restored = schema_dump(prepared.server, target.name, case.tables, privileges=case.privileges)
    source = prepared.schema.result()
    assert restored == source, diff(source, restored)
    assert extended_statistics(target.dsn, case.table) == extended_statistics(
        prepared.source.dsn, case.table
    )
    _assert_same_rows(case, prepared.source, target)


def check_dependencies(case: Case, prepared: Prepared, target: TestDB) -> None:
    """Into a fresh database without the prerequisites: pgsnap brings them, so the whole
    database's pg_dump is the source's."""
    assert prepared.database is not None
    load(str(prepared.archive), dsn=target.dsn)
    restored = schema_dump(prepared.server, target.name, [], privileges=case.privileges)
    source = prepared.database.result()
    assert restored == source, diff(source, restored)
    _assert_same_rows(case, prepared.source, target)


def check_as_name(case: Case, prepared: Prepared) -> None:
    """Beside the original under another name: the owned objects renamed as planned, nothing
    else renamed, and the same pg_dump once the names are mapped."""
    assert case.as_name is not None and prepared.quoted is not None
    source, new = prepared.source, case.as_name
    prepared.wait_for_dumps()
    load(str(prepared.archive), dsn=source.dsn, as_name=ident(new.schema, new.name))
    plan = plan_rename(prepared.spec, new)
    # the catalog, read independently of pgsnap: every owned object has its planned name...
    old_owned = owned_names(source.dsn, case.table)
    assert map_owned(old_owned, plan) == owned_names(source.dsn, new)
    # ...and the plan renames nothing that is not the table's
    renamed = {o.name for o in plan.relations if o != plan.old} | set(plan.constraints)
    renamed |= set(plan.triggers) | set(plan.policies) | {o.name for o in plan.statistics}
    assert renamed <= {name for _, name in old_owned}
    names = NameMap.from_plan(plan)
    expected = [names.apply(e) for e in entries(prepared.quoted.result())]
    # partitions (also-dump tables) follow the plan
    renamed_tables = [plan.relations.get(t, t) for t in case.tables]
    got = entries(
        schema_dump(
            prepared.server,
            source.name,
            renamed_tables,
            quote_all=True,
            privileges=case.privileges,
        )
    )
    assert entries_diff(expected, got) == ""
    # pg_dump -t leaves extended statistics out: compare them from the catalog, names mapped
    old_stats = extended_statistics(source.dsn, case.table, quote_all=True)
    new_stats = extended_statistics(source.dsn, new, quote_all=True)
    assert sorted(names.apply(s) for s in old_stats) == sorted(new_stats)
    for old_table, new_table in zip(case.tables, renamed_tables, strict=True):
        assert content_md5(source.dsn, new_table) == content_md5(source.dsn, old_table)


def _assert_same_rows(case: Case, source: TestDB, target: TestDB) -> None:
    for table in case.tables:
        assert content_md5(target.dsn, table) == content_md5(source.dsn, table), table


def test_corpus_is_complete_and_well_formed() -> None:
    active, pending = load_cases(CORPUS_DIR), load_cases(PENDING_DIR)
    everything = active + pending
    names = [c.name for c in everything]
    assert len(names) >= MIN_CORPUS
    assert len(set(names)) == len(names), "a case is both active and pending"
    tables = [c.table for c in everything]
    assert len(set(tables)) == len(tables), "two cases dump tables of the same name"
    assert sum(c.as_name is not None for c in active) >= MIN_AS_CASES
    for case in everything:
        assert case.body, case.name
        assert case.requires or not case.carries_dependencies, case.name
    # every active case runs on at least one server of this machine
    servers = installed_servers()
    assert [c.name for c in active if not any(c.runs_on(s) for s in servers)] == []


# --------------------------------------------------------------------------- the oracle itself


def test_normalize_drops_only_what_legitimately_differs() -> None:
    dump = (
        "--\n-- Dumped from database version 18.6\n-- Dumped by pg_dump version 18.6\n\n"
        "\\restrict AbC123\nSET x = 1;\n\nCREATE TABLE public.t (a integer);   \n"
        "\\unrestrict AbC123\n"
    )
    assert normalize(dump) == "--\nSET x = 1;\nCREATE TABLE public.t (a integer);\n"
    assert normalize("CREATE TABLE public.t (a integer);\n") != normalize(
        "CREATE TABLE public.t (a bigint);\n"
    )


def test_name_map_renames_the_tables_names_and_nothing_else() -> None:
    old, new = QualifiedName("public", "t"), QualifiedName("public", "t2")
    spec = TableSpec(
        "public",
        "t",
        columns=(),
        owned=Owned(
            sequences=(OwnedSequence("public", "t_id_seq", "id", identity=False),),
            indexes=("t_pkey", "idx_t_x"),
            constraints=(Constraint("t_pkey", "p", uses_index=True), Constraint("c", "c")),
            triggers=("t_trg",),
        ),
    )
    names = NameMap.from_plan(plan_rename(spec, new))
    text = (
        'CREATE INDEX "idx_t_x" ON "public"."t" USING "btree" ("t");\n'
        'ALTER TABLE ONLY "public"."t" ALTER COLUMN "id" SET DEFAULT '
        '"nextval"(\'"public"."t_id_seq"\'::"regclass");\n'
        'COMMENT ON TABLE "public"."t" IS \'the "t" table, see "public"."t"\';\n'
        'ALTER TABLE ONLY "public"."t" ADD CONSTRAINT "t_pkey" PRIMARY KEY ("id");\n'
        'CREATE TRIGGER "t_trg" AFTER INSERT ON "public"."t" FOR EACH ROW EXECUTE FUNCTION '
        '"public"."t_fn"();\n'
        'ALTER TABLE ONLY "public"."t" ADD CONSTRAINT "c" FOREIGN KEY ("x") REFERENCES '
        '"other"."t"("id");\n'
    )
    assert names.apply(text) == (
        'CREATE INDEX "idx_t2_x" ON "public"."t2" USING "btree" ("t");\n'
        'ALTER TABLE ONLY "public"."t2" ALTER COLUMN "id" SET DEFAULT '
        '"nextval"(\'"public"."t2_id_seq"\'::"regclass");\n'
        'COMMENT ON TABLE "public"."t2" IS \'the "t" table, see "public"."t"\';\n'
        'ALTER TABLE ONLY "public"."t2" ADD CONSTRAINT "t2_pkey" PRIMARY KEY ("id");\n'
        'CREATE TRIGGER "t2_trg" AFTER INSERT ON "public"."t2" FOR EACH ROW EXECUTE FUNCTION '
        '"public"."t_fn"();\n'
        'ALTER TABLE ONLY "public"."t2" ADD CONSTRAINT "c" FOREIGN KEY ("x") REFERENCES '
        '"other"."t"("id");\n'
    )
    assert old in plan_rename(spec, new).relations


def test_entries_diff_sees_a_missing_or_changed_entry() -> None:
    dump = "SET x = 1;\n--\n-- Name: t; Type: TABLE\n--\nCREATE TABLE t ();\n"
    assert entries(dump) == ["SET x = 1;", "CREATE TABLE t ();"]
    assert entries_diff(entries(dump), list(reversed(entries(dump)))) == ""
    assert "CREATE TABLE t ();" in entries_diff(entries(dump), ["SET x = 1;"])


def test_a_malformed_case_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "99_bad.sql"
    bad.write_text("-- table: t\n-- carries-dependencies: no\n-- case:\nSELECT 1;\n")
    with pytest.raises(CaseError, match="schema-qualified"):
        parse_case(bad)
    bad.write_text("-- table: public.t\n-- case:\nSELECT 1;\n")
    with pytest.raises(CaseError, match="carries-dependencies"):
        parse_case(bad)
    bad.write_text("-- table: public.t\n-- carries-dependencies: no\nSELECT 1;\n")
    with pytest.raises(CaseError, match="before the"):
        parse_case(bad)
    good = tmp_path / "98_good.sql"
    good.write_text(
        '-- table: public."A, b"\n-- also-dump: public."x,y", s.z\n-- min-version: 18\n'
        "-- needs: lz4, pg_trgm\n-- carries-dependencies: yes\n-- as: public.c\n"
        '-- requires:\nCREATE TYPE e AS ENUM ();\n-- case:\nCREATE TABLE "A, b" ();\n'
    )
    case = parse_case(good)
    assert case.tables == (
        QualifiedName("public", "A, b"),
        QualifiedName("public", "x,y"),
        QualifiedName("s", "z"),
    )
    assert (case.min_version, case.needs, case.carries_dependencies) == (
        18,
        frozenset({"lz4", "pg_trgm"}),
        True,
    )
    assert case.requires == "CREATE TYPE e AS ENUM ();"
    assert case.as_name == QualifiedName("public", "c")
