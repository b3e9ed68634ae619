"""A load runs only the statements pgsnap writes; a tampered archive is refused before any change."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers import DECOYS, cli, exists
from pgservers import TestDB

import pgsnap
from pgsnap import archive
from pgsnap.ddl.allowlist import check_statements
from pgsnap.errors import UnsafeStatementError
from pgsnap.model import Owned, OwnedStatistics, TableSpec

Mutation = Callable[[dict[str, Any]], None]


def rewrite(src: Path, dst: Path, mutate: Mutation) -> None:
    """Copy an archive, changing its header and manifest the same way (a careful attacker)."""
    with archive.ArchiveReader.open(src) as reader:
        header = copy.deepcopy(reader.header_json)
        manifest = copy.deepcopy(reader.manifest_json)
        for meta in (header, manifest):
            meta.pop("format", None)
            meta.pop("frames", None)
            mutate(meta)
        with dst.open("wb") as out:
            writer = archive.ArchiveWriter(out, codec=reader.codec)
            for i, frame in enumerate(reader.frames):
                raw = reader.read_frame(i)
                if i == 0:
                    text = raw.decode()
                    body = text.split("\n", 2)[2]
                    writer.write_header(header, body)
                elif frame.kind == "data":
                    writer.write_data(frame.table or 0, raw, frame.rows)
                else:
                    writer.write_sql(raw.decode())
            writer.finish(manifest)


def _add_pre(stmt: str) -> Mutation:
    def mutate(meta: dict[str, Any]) -> None:
        meta["tables"][0]["pre_data"].append(stmt)

    return mutate


def _replace_first(stmt: str) -> Mutation:
    def mutate(meta: dict[str, Any]) -> None:
        meta["tables"][0]["pre_data"][0] = stmt

    return mutate


def _add_post(stmt: str) -> Mutation:
    def mutate(meta: dict[str, Any]) -> None:
        meta["tables"][0]["post_data"].append(stmt)

    return mutate


def _owned_statistics(stmt: str) -> Mutation:
    """A statement about statistics that the manifest, tampered too, calls the table's own."""

    def mutate(meta: dict[str, Any]) -> None:
        owned = meta["tables"][0]["owned"]
        owned["statistics"] = [*owned.get("statistics", ()), {"schema": "public", "name": "st"}]
        meta["tables"][0]["post_data"].append(stmt)

    return mutate


def _bad_dependency(meta: dict[str, Any]) -> None:
    meta.setdefault("dependencies", []).append(
        {
            "kind": "function",
            "schema": "public",
            "name": "harmless",
            "identity": "public.harmless()",
            "ddl": "CREATE OR REPLACE FUNCTION pg_catalog.now() RETURNS timestamptz LANGUAGE sql AS 'SELECT 1'",
            "fingerprint": "x",
        }
    )


TAMPERS: dict[str, Mutation] = {
    "drop database": _add_pre("DROP DATABASE postgres"),
    "copy to program": _add_post('COPY "public"."papers" TO PROGRAM \'touch /tmp/pgsnap-pwned\''),
    "alter system": _add_post("ALTER SYSTEM SET fsync = off"),
    "second statement": _replace_first(
        'CREATE SEQUENCE "public"."papers_legacy_no_seq"; DROP TABLE "public"."venues"'
    ),
    "hidden after a comment": _add_pre('/* harmless */ DROP TABLE "public"."venues"'),
    "psql meta-command": _add_pre("\\! touch /tmp/pgsnap-pwned"),
    "index on another table": _add_post('CREATE INDEX "papers_x" ON "public"."venues" ("name")'),
    "grant": _add_post('GRANT ALL ON "public"."venues" TO PUBLIC'),
    "setval of another sequence": _add_post(
        'SELECT pg_catalog.setval(\'"public"."venues_id_seq"\', 99, true)'
    ),
    "setval with a subquery": _add_post(
        'SELECT pg_catalog.setval(\'"public"."papers_legacy_no_seq"\', (SELECT 1 FROM pg_sleep(0)), true)'
    ),
    "dependency under another name": _bad_dependency,
    "statistics on another table": _owned_statistics(
        'CREATE STATISTICS "public"."st" ON "id", "name" FROM "public"."venues"'
    ),
    "statistics on two tables": _owned_statistics(
        'CREATE STATISTICS "public"."st" ON "id", "title" FROM "public"."papers", "public"."venues"'
    ),
    "statistics of a foreign name": _add_post(
        'CREATE STATISTICS "public"."venues_st" ON "id", "title" FROM "public"."papers"'
    ),
    "alter statistics of a foreign name": _add_post(
        'ALTER STATISTICS "public"."venues_st" SET STATISTICS 0'
    ),
    "comment on foreign statistics": _add_post(
        'COMMENT ON STATISTICS "public"."venues_st" IS \'x\''
    ),
    "rule on another table": _add_post(
        'CREATE RULE "papers_r" AS ON INSERT TO "public"."venues" DO INSTEAD NOTHING'
    ),
    "rule making a table": _add_post(
        'CREATE RULE "papers_r" AS ON INSERT TO "public"."papers" DO ALSO SELECT 1 INTO "pwned"'
    ),
    "rule turning the table into a view": _add_post(
        'CREATE RULE "_RETURN" AS ON SELECT TO "public"."papers" DO INSTEAD SELECT * FROM '
        '"public"."papers_authors"'
    ),
    "rule replacing another": _add_post(
        'CREATE OR REPLACE RULE "papers_r" AS ON DELETE TO "public"."papers" DO INSTEAD NOTHING'
    ),
    "rule state on another table": _add_post(
        'ALTER TABLE "public"."venues" DISABLE RULE "venues_r"'
    ),
    "comment on a rule of another table": _add_post(
        'COMMENT ON RULE "venues_r" ON "public"."venues" IS \'x\''
    ),
}


@pytest.mark.parametrize("case", sorted(TAMPERS))
def test_tampered_archive_is_refused_before_any_change(
    db: TestDB, tmp_path: Path, case: str
) -> None:
    db.execute(DECOYS)
    good = tmp_path / "papers.sql.zst"
    pgsnap.dump("papers", dsn=db.dsn, output=good)
    bad = tmp_path / "tampered.sql.zst"
    rewrite(good, bad, TAMPERS[case])
    res = cli("load", str(bad), "--dsn", db.dsn, "--as", "papers_copy")
    assert res.exit_code == 5, res.output
    assert "refusing the archive" in res.stderr and f'"{bad}": ' in res.stderr
    assert not exists(db.dsn, "papers_copy") and exists(db.dsn, "venues")
    assert not Path("/tmp/pgsnap-pwned").exists()
    # the untouched archive loads
    assert cli("load", str(good), "--dsn", db.dsn, "--as", "papers_copy").exit_code == 0


def test_stream_load_checks_statements_too(db: TestDB, tmp_path: Path) -> None:
    import subprocess
    import sys

    db.execute(DECOYS)
    good = tmp_path / "papers.sql.zst"
    pgsnap.dump("papers", dsn=db.dsn, output=good)
    bad = tmp_path / "tampered.sql.zst"
    rewrite(good, bad, TAMPERS["drop database"])
    res = subprocess.run(
        [sys.executable, "-m", "pgsnap", "load", "-", "--dsn", db.dsn, "--as", "p2"],
        input=bad.read_bytes(),
        capture_output=True,
        timeout=120,
    )
    assert res.returncode == 5 and b"refusing the archive" in res.stderr
    assert not exists(db.dsn, "p2")


STATISTICS_AND_RULES = (
    'CREATE STATISTICS "st"."papers_ab" (ndistinct) ON "a", "lower"("b") FROM "public"."papers"',
    'ALTER STATISTICS "st"."papers_ab" SET STATISTICS 500',
    'COMMENT ON STATISTICS "st"."papers_ab" IS \'x\'',
    'CREATE RULE "r" AS ON DELETE TO "public"."papers" DO ( INSERT INTO "public"."log" '
    'VALUES ("old"."id"); UPDATE "public"."papers" SET "n" = 0; DELETE FROM "public"."log"; '
    'NOTIFY "papers_deleted"; SELECT 1 )',
    'CREATE RULE "r2" AS ON UPDATE TO "public"."papers" WHERE ("old"."id" < 0) DO INSTEAD NOTHING',
    'ALTER TABLE "public"."papers" DISABLE RULE "r"',
    'ALTER TABLE "public"."papers" ENABLE REPLICA RULE "r"',
    'ALTER TABLE "public"."papers" ENABLE ALWAYS RULE "r2"',
    'COMMENT ON RULE "r" ON "public"."papers" IS \'x\'',
)


def _spec(*post_data: str) -> TableSpec:
    owned = Owned(statistics=(OwnedStatistics("st", "papers_ab"),), rules=("r", "r2"))
    return TableSpec("public", "papers", (), owned, (), post_data)


def test_statistics_and_rules_of_the_table_are_allowed() -> None:
    check_statements(_spec(*STATISTICS_AND_RULES), [])  # raises when one is refused


@pytest.mark.parametrize(
    "stmt",
    [
        # the same statements, aimed elsewhere: another statistics name, another table
        'CREATE STATISTICS "public"."papers_ab" ON "a", "b" FROM "public"."papers"',
        'CREATE STATISTICS "st"."papers_ab" ON "a", "b" FROM "public"."other"',
        'CREATE STATISTICS IF NOT EXISTS "st"."papers_ab" ON "a", "b" FROM "public"."papers"',
        'ALTER STATISTICS "public"."papers_ab" SET STATISTICS 500',
        'ALTER STATISTICS IF EXISTS "st"."papers_ab" SET STATISTICS 500',
        'COMMENT ON STATISTICS "st"."other" IS \'x\'',
        'CREATE RULE "r" AS ON DELETE TO "public"."other" DO INSTEAD NOTHING',
        'CREATE RULE "r" AS ON DELETE TO "public"."papers" DO ALSO SELECT 1 INTO "t"',
        'CREATE RULE "_RETURN" AS ON SELECT TO "public"."papers" DO INSTEAD SELECT 1 AS "id"',
        'ALTER TABLE "public"."other" ENABLE ALWAYS RULE "r"',
        'COMMENT ON RULE "r" ON "public"."other" IS \'x\'',
    ],
)
def test_statistics_and_rules_elsewhere_are_refused(stmt: str) -> None:
    with pytest.raises(UnsafeStatementError, match="refusing the archive"):
        check_statements(_spec(stmt), [])


def _no_privileges_flag(meta: dict[str, Any]) -> None:
    meta["tables"][0]["with_privileges"] = False  # the GRANT statements stay


PRIVILEGE_TAMPERS: dict[str, Mutation] = {
    "grant on another table": _add_post('GRANT ALL ON TABLE "public"."venues" TO PUBLIC'),
    "grant on another sequence": _add_post(
        'GRANT USAGE ON SEQUENCE "public"."venues_id_seq" TO PUBLIC'
    ),
    "grant on all tables": _add_post('GRANT SELECT ON ALL TABLES IN SCHEMA "public" TO PUBLIC'),
    "grant a role": _add_post('GRANT "pg_read_server_files" TO "pgsnap_nobody"'),
    "alter role": _add_post('ALTER ROLE "pgsnap_nobody" SUPERUSER'),
    "owner of another table": _add_post('ALTER TABLE "public"."venues" OWNER TO "pgsnap_nobody"'),
    "owner of another sequence": _add_post(
        'ALTER SEQUENCE "public"."venues_id_seq" OWNER TO "pgsnap_nobody"'
    ),
    "owner of a function": _add_post('ALTER FUNCTION "pg_catalog"."now"() OWNER TO "x"'),
    "session authorization": _add_post('SET SESSION AUTHORIZATION "pgsnap_nobody"'),
    "own grant, flag off": _no_privileges_flag,
}


@pytest.mark.parametrize("case", sorted(PRIVILEGE_TAMPERS))
def test_tampered_privileges_are_refused_before_any_change(
    db: TestDB, tmp_path: Path, case: str
) -> None:
    db.execute(DECOYS + "GRANT SELECT ON papers TO PUBLIC;")
    good = tmp_path / "papers.sql.zst"
    pgsnap.dump("papers", dsn=db.dsn, output=good, with_privileges=True)
    bad = tmp_path / "tampered.sql.zst"
    rewrite(good, bad, PRIVILEGE_TAMPERS[case])
    res = cli("load", str(bad), "--dsn", db.dsn, "--as", "papers_copy")
    assert res.exit_code == 5, res.output
    assert "refusing the archive" in res.stderr
    assert not exists(db.dsn, "papers_copy")
    owner_is_me = "SELECT relowner::regrole::text = current_user, relacl IS NULL FROM pg_class"
    assert db.execute(owner_is_me + " WHERE relname = 'venues'") == [(True, True)]
    # the untouched archive loads, with its grant
    assert cli("load", str(good), "--dsn", db.dsn, "--as", "papers_copy").exit_code == 0
    copied = db.execute("SELECT relacl::text FROM pg_class WHERE relname = 'papers_copy'")
    assert copied == db.execute("SELECT relacl::text FROM pg_class WHERE relname = 'papers'")


UNUSED_FUNCTION = {
    "kind": "function",
    "schema": "public",
    "name": "sneaky",
    "identity": '"public"."sneaky"()',
    "ddl": 'CREATE FUNCTION "public"."sneaky"() RETURNS integer LANGUAGE plpgsql '
    "AS $$BEGIN PERFORM pg_sleep(0); RETURN 1; END$$",
    "fingerprint": "[]",
}


@pytest.mark.parametrize("used", [False, True])
def test_a_dependency_nothing_uses_is_refused(db: TestDB, tmp_path: Path, used: bool) -> None:
    """A table archive carries only what its tables name: a function that no statement of it
    calls is not one pgsnap wrote, whatever its body (the same function, called from a
    default, is accepted)."""
    db.execute(DECOYS)
    good = tmp_path / "papers.sql.zst"
    pgsnap.dump("papers", dsn=db.dsn, output=good)
    bad = tmp_path / "tampered.sql.zst"

    def add(meta: dict[str, Any]) -> None:
        meta.setdefault("dependencies", []).append(UNUSED_FUNCTION)
        if used:
            table = meta["tables"][0]
            table["post_data"].append(
                'ALTER TABLE ONLY "public"."papers" ALTER COLUMN "papers_count" '
                'SET DEFAULT "public"."sneaky"()'
            )

    rewrite(good, bad, add)
    res = cli("load", str(bad), "--dsn", db.dsn, "--as", "papers_copy")
    if used:
        assert res.exit_code == 0, res.output
        assert db.execute("SELECT to_regprocedure('public.sneaky()') IS NOT NULL") == [(True,)]
        return
    assert res.exit_code == 5, res.output
    assert 'would create function "public"."sneaky"(), which none of its tables uses' in res.stderr
    assert not exists(db.dsn, "papers_copy")
    assert db.execute("SELECT to_regprocedure('public.sneaky()') IS NULL") == [(True,)]


@pytest.mark.parametrize("chosen", [None, "venues"])
def test_a_bad_dependency_of_a_many_table_archive_is_refused(
    db: TestDB, tmp_path: Path, chosen: str | None
) -> None:
    """The archive's dependencies are checked once, with the first table the load takes:
    whichever that is, the bad one is refused and nothing is made."""
    db.execute(DECOYS)
    good = tmp_path / "two.sql.zst"
    pgsnap.dump(["papers", "venues"], dsn=db.dsn, output=good)
    bad = tmp_path / "tampered.sql.zst"
    rewrite(good, bad, _bad_dependency)
    only = ["--table", chosen] if chosen else []
    target = db.make_db()
    res = cli("load", str(bad), *only, "--dsn", target.dsn)
    assert res.exit_code == 5, res.output
    assert f"refusing the archive of public.{chosen or 'papers'}: " in res.stderr, res.stderr
    assert "pg_catalog.now()" in res.stderr
    tables = "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace"
    assert target.execute(tables) == [(0,)]
    assert cli("load", str(good), *only, "--dsn", target.dsn).exit_code == 0
    assert target.execute(tables) != [(0,)]
