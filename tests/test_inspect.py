"""pgsnap inspect: an archive described from its manifest, against real dumps."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import click
import pytest
from helpers import DECOYS, cli
from pgservers import TestDB

import pgsnap
from pgsnap import archive
from pgsnap.cli import main
from pgsnap.errors import UsageError
from pgsnap.model import Owned, OwnedSequence, TableSpec
from pgsnap.tools.inspect import dependencies

EXTRAS = r"""
CREATE SCHEMA app;
CREATE TYPE app.mood AS ENUM ('sad', 'ok');
CREATE FUNCTION app.code() RETURNS text LANGUAGE sql AS $$ SELECT 'c' $$;
CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE COLLATION app.c2 (locale = 'C');
CREATE TABLE app.people (
  id int PRIMARY KEY, m app.mood, code text DEFAULT app.code(), name text COLLATE app.c2,
  venue int REFERENCES public.venues (id), u text UNIQUE, EXCLUDE USING btree (code WITH =)
);
CREATE TRIGGER people_touch BEFORE INSERT ON app.people FOR EACH ROW EXECUTE FUNCTION app.touch();
INSERT INTO app.people VALUES (1, 'ok', 'x', 'Bob', 1, 'u');
"""


@pytest.fixture
def papers(db: TestDB, tmp_path: Path) -> Path:
    db.execute(DECOYS)
    out = tmp_path / "papers.sql.zst"
    pgsnap.dump("papers", dsn=db.dsn, output=out)
    return out


def test_inspect_describes_source_table_and_sizes(db: TestDB, papers: Path) -> None:
    info = pgsnap.inspect(papers)
    assert (
        info.database == db.name and info.codec == "zstd" and info.format == archive.FORMAT_VERSION
    )
    assert info.server_version is not None
    assert info.server_version.startswith(str(db.server.major))
    assert info.database_bytes is not None and info.database_bytes > 1_000_000
    assert info.file_bytes == papers.stat().st_size and info.created_at is not None
    [t] = info.tables
    assert t.name == "public.papers" and t.rows == 500 and t.frames == 1
    assert [c.name for c in t.columns][:3] == ["id", "legacy_no", "title"]
    assert 0 < t.compressed_bytes < t.raw_bytes
    assert t.stats.total_bytes > t.stats.table_bytes > 0
    indexes = {i.name: i for i in t.indexes}
    assert set(indexes) == {"papers_pkey", "idx_papers_title", "papers_count_idx"}
    assert indexes["papers_pkey"].constraint == "papers_pkey"
    assert indexes["papers_pkey"].definition == "PRIMARY KEY (id)"
    assert indexes["papers_count_idx"].definition.endswith("WHERE papers_count > 0")
    kinds = {c.name: (c.kind, c.definition) for c in t.constraints}
    assert kinds["papers_parent_fk"] == (
        "foreign key",
        "FOREIGN KEY (parent_id) REFERENCES public.papers (id)",
    )
    assert kinds["pages_sane"] == ("check", "CHECK (papers_count < 10000)")
    assert [s.name for s in t.sequences] == ["papers_id_seq", "papers_legacy_no_seq"]
    # what must exist where it is loaded: the FK's table and a sequence of another table
    assert t.dependencies.tables == ("public.venues",)
    assert t.dependencies.sequences == ("public.papers_authors_id_seq",)
    assert not t.dependencies.types and not t.dependencies.functions


def test_dependencies_found_in_the_ddl(db: TestDB, tmp_path: Path) -> None:
    db.execute(DECOYS + EXTRAS)
    out = tmp_path / "people.sql.gz"
    pgsnap.dump("app.people", dsn=db.dsn, output=out)
    info = pgsnap.inspect(out)
    [t] = info.tables
    deps = t.dependencies
    assert deps.tables == ("public.venues",)
    assert deps.types == ("app.mood",)
    assert deps.functions == ("app.code", "app.touch")
    assert deps.collations == ("app.c2",)
    assert t.triggers == ("people_touch",)
    kinds = {c.kind for c in t.constraints}
    assert {"primary key", "unique", "exclusion", "foreign key"} <= kinds
    # the archive carries the type, the functions and the collation (load creates them)
    assert {(d.kind, d.name) for d in info.carried} >= {
        ("type", "mood"),
        ("function", "code"),
        ("collation", "c2"),
    }
    text = cli("inspect", str(out)).stdout
    assert "    type app.mood (carried in the archive)\n" in text
    assert "    collation app.c2 (carried in the archive)\n" in text
    assert "    table public.venues\n" in text


def test_dependencies_leave_out_builtins_and_own_objects() -> None:
    pre = (
        'CREATE TABLE "public"."t" ("id" integer DEFAULT "nextval"(\'"public"."t_id_seq"\''
        '::"regclass"), "x" "text" COLLATE "pg_catalog"."C", "y" "pg_catalog"."int4")',
    )
    post = ('CREATE INDEX "t_x" ON "public"."t" USING "btree" ("lower"("x"))',)
    owned = Owned(sequences=(OwnedSequence("public", "t_id_seq", "id", identity=False),))
    assert not dependencies(TableSpec("public", "t", (), owned, pre, post))
    # the same default on a sequence the table does not own is a dependency
    deps = dependencies(TableSpec("public", "t", (), Owned(), pre, post))
    assert deps.sequences == ("public.t_id_seq",) and not deps.tables and not deps.collations


def test_as_shows_the_renamed_table(papers: Path) -> None:
    info = pgsnap.inspect(papers, as_name="archive.papers_old")
    [t] = info.tables
    assert t.name == "archive.papers_old" and t.renamed_from == "public.papers"
    assert {i.name for i in t.indexes} == {
        "papers_old_pkey",
        "idx_papers_old_title",
        "papers_old_count_idx",
    }
    assert any("REFERENCES archive.papers_old (id)" in s for s in t.post_data)


def test_cli_text_ddl_and_json(papers: Path) -> None:
    res = cli("inspect", str(papers))
    assert res.exit_code == 0, res.output
    out = res.stdout
    assert "table public.papers: 500 rows" in out and "1 data frame" in out
    assert "papers_title_check (check): CHECK (title <> CAST('' AS text))" in out
    assert "    table public.venues" in out and "indexes and TOAST" in out
    ddl = cli("inspect", str(papers), "--ddl", "--as", "papers_copy").stdout
    lines = ddl.splitlines()
    # papers_authors_id_seq (another table's, called by a default) comes as a dependency,
    # under its own name
    assert lines[0].startswith("-- load first creates these")
    assert lines[1].startswith('CREATE SEQUENCE "public"."papers_authors_id_seq" AS integer')
    assert lines[2].startswith("CREATE SEQUENCE") and "papers_copy_legacy_no_seq" in lines[2]
    assert any(line.startswith("CREATE TABLE public.papers_copy (") for line in lines)
    assert "-- then the rows: COPY public.papers_copy (" in ddl and "-- 500 rows" in ddl
    assert "CREATE INDEX idx_papers_copy_title ON public.papers_copy" in ddl
    assert all(line.endswith(";") or line.startswith("--") for line in lines)
    parsed = json.loads(cli("inspect", str(papers), "--json").stdout)
    assert parsed["rows"] == 500 and parsed["tables"][0]["stats"]["total_bytes"] > 0
    assert parsed["tables"][0]["dependencies"]["tables"] == ["public.venues"]


def test_multi_table_archive_and_table_choice(db: TestDB, tmp_path: Path) -> None:
    db.execute(DECOYS)
    out = tmp_path / "two.sql.zst"
    pgsnap.dump(["papers", "venues"], dsn=db.dsn, output=out)
    info = pgsnap.inspect(out)
    assert [t.name for t in info.tables] == ["public.papers", "public.venues"]
    assert info.rows == 501
    assert [t.name for t in pgsnap.inspect(out, table="venues").tables] == ["public.venues"]
    with pytest.raises(UsageError, match=r"pick one with table=\.\.\."):
        pgsnap.inspect(out, as_name="x")


def test_errors_have_exit_codes(tmp_path: Path) -> None:
    assert cli("inspect", str(tmp_path / "missing.sql.zst")).exit_code == 4
    (tmp_path / "junk.sql.zst").write_bytes(b"junk")
    res = cli("inspect", str(tmp_path / "junk.sql.zst"))
    assert res.exit_code == 5 and "is not a pgsnap archive" in res.stderr


def test_python_twin_takes_keyword_options() -> None:
    params = list(inspect.signature(pgsnap.inspect).parameters.values())
    assert params[0].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params[1:])
    for option in main.commands["inspect"].params:
        if isinstance(option, click.Option) and option.name not in ("quiet", "as_json", "ddl"):
            assert option.name in inspect.signature(pgsnap.inspect).parameters, option.name
