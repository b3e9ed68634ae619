"""Renaming a dumped table's DDL with pglast (pure: no database)."""

from __future__ import annotations

import contextlib
import re

import pytest
from pglast import ast
from pglast.parser import parse_sql
from pglast.visitors import Ancestor, Visitor

from pgsnap.ddl.rename import (
    RenamePlan,
    _find_leftovers,
    _Renamer,
    plan_rename,
    rename_statements,
    rename_table,
)
from pgsnap.errors import NameTooLongError, RenameError, UsageError
from pgsnap.model import (
    Constraint,
    Owned,
    OwnedSequence,
    OwnedStatistics,
    QualifiedName,
    TableSpec,
)
from pgsnap.naming import split_qualified

# What the dumper writes for public.papers (quote_all_identifiers=on, search_path='').
CREATE_SEQUENCE = (
    'CREATE SEQUENCE "public"."papers_legacy_no_seq" AS integer START WITH 1 INCREMENT BY 1 '
    "MINVALUE 1 MAXVALUE 2147483647 CACHE 1 NO CYCLE"
)
CREATE_TABLE = (
    'CREATE TABLE "public"."papers" ('
    '"id" bigint GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME "public"."papers_id_seq" '
    "START WITH 100 INCREMENT BY 5 MINVALUE 1 MAXVALUE 9223372036854775807 CACHE 1 NO CYCLE) "
    'CONSTRAINT "papers_id_not_null" NOT NULL, '
    '"legacy_no" integer DEFAULT nextval(\'"public"."papers_legacy_no_seq"\'::"regclass") NOT NULL, '
    '"title" "text" CONSTRAINT "papers_title_not_null" NOT NULL, '
    '"status" "public"."paper_status", "tags" "text"[], "venue_id" integer, '
    '"alt_no" integer DEFAULT nextval(\'"public"."papers_authors_id_seq"\'::"regclass"), '
    '"papers_count" integer, "parent_id" bigint, '
    'CONSTRAINT "papers_title_check" CHECK (("char_length"("title") > 0)), '
    'CONSTRAINT "pages_sane" CHECK (("papers_count" < 10000)))'
)
PRE_DATA = (
    CREATE_SEQUENCE,
    CREATE_TABLE,
    'ALTER SEQUENCE "public"."papers_legacy_no_seq" OWNED BY "public"."papers"."legacy_no"',
    'COMMENT ON TABLE "public"."papers" IS \'Research papers; don\'\'t rename "papers" inside this text\'',
    'COMMENT ON COLUMN "public"."papers"."title" IS \'Paper title\'',
    'COMMENT ON COLUMN "public"."papers"."papers_count" IS \'count of papers\'',
    'COMMENT ON SEQUENCE "public"."papers_legacy_no_seq" IS \'legacy numbers\'',
)
POST_DATA = (
    'ALTER TABLE ONLY "public"."papers" ADD CONSTRAINT "papers_pkey" PRIMARY KEY ("id")',
    'ALTER TABLE ONLY "public"."papers" ADD CONSTRAINT "papers_parent_fk" FOREIGN KEY ("parent_id") '
    'REFERENCES "public"."papers"("id") ON DELETE CASCADE',
    'ALTER TABLE ONLY "public"."papers" ADD CONSTRAINT "papers_venue_id_fkey" FOREIGN KEY ("venue_id") '
    'REFERENCES "public"."venues"("id")',
    'CREATE INDEX "idx_papers_tags" ON "public"."papers" USING "gin" ("tags")',
    'CREATE INDEX "papers_status_idx" ON "public"."papers" USING "btree" ("status") '
    'WHERE ("status" <> \'draft\'::"public"."paper_status")',
    'CREATE TRIGGER "papers_touch" BEFORE UPDATE ON "public"."papers" FOR EACH ROW '
    'EXECUTE FUNCTION "public"."touch_updated"()',
    'ALTER TABLE "public"."papers" ENABLE ROW LEVEL SECURITY',
    'CREATE POLICY "papers_visible" ON "public"."papers" AS PERMISSIVE FOR SELECT TO PUBLIC '
    'USING (("status" <> \'retracted\'::"public"."paper_status"))',
    'COMMENT ON INDEX "public"."papers_status_idx" IS \'partial index\'',
    'COMMENT ON CONSTRAINT "papers_title_check" ON "public"."papers" IS \'title must be non-empty\'',
    'COMMENT ON CONSTRAINT "papers_title_not_null" ON "public"."papers" IS \'named not-null\'',
    'COMMENT ON TRIGGER "papers_touch" ON "public"."papers" IS \'maintain updated_at\'',
    'COMMENT ON POLICY "papers_visible" ON "public"."papers" IS \'hide retracted\'',
    'SELECT pg_catalog.setval(\'"public"."papers_legacy_no_seq"\', 42, true)',
    'SELECT pg_catalog.setval(\'"public"."papers_id_seq"\', 105, true)',
)
OWNED = Owned(
    sequences=(
        OwnedSequence("public", "papers_id_seq", "id", identity=True, last_value=105),
        OwnedSequence("public", "papers_legacy_no_seq", "legacy_no", identity=False),
    ),
    indexes=("idx_papers_tags", "papers_pkey", "papers_status_idx"),
    constraints=(
        Constraint("pages_sane", "c"),
        Constraint("papers_title_check", "c"),
        Constraint("papers_pkey", "p", uses_index=True),
        Constraint("papers_parent_fk", "f"),
        Constraint("papers_venue_id_fkey", "f"),
        Constraint("papers_id_not_null", "n"),
        Constraint("papers_title_not_null", "n"),
    ),
    triggers=("papers_touch",),
    policies=("papers_visible",),
)
PAPERS = TableSpec("public", "papers", (), OWNED, PRE_DATA, POST_DATA)
PAPERS_TEST = QualifiedName("public", "papers_test")


def tree(sql: str) -> ast.Node:
    (raw,) = parse_sql(sql)
    assert raw.stmt is not None
    return raw.stmt


def assert_sql(actual: str, expected: str) -> None:
    """Same statement, compared as parse trees (quoting and spacing do not matter)."""
    assert tree(actual) == tree(expected), f"\n{actual}\n  is not\n{expected}"


class _CanonicalNames(Visitor):
    """Writes every string constant that reads as a relation name in one spelling."""

    def visit_A_Const(self, ancestors: Ancestor, node: ast.A_Const) -> None:
        if isinstance(node.val, ast.String) and node.val.sval is not None:
            with contextlib.suppress(UsageError):
                node.val = ast.String(sval="\x00".join(split_qualified(node.val.sval)))


def assert_same_meaning(actual: str, expected: str) -> None:
    """Same statement, also when a relation name in a literal is spelled differently."""
    trees = [tree(actual), tree(expected)]
    for t in trees:
        _CanonicalNames()(t)
    assert trees[0] == trees[1], f"\n{actual}\n  is not\n{expected}"


def ddl(spec: TableSpec) -> tuple[str, ...]:
    return spec.pre_data + spec.post_data


def renamed(*statements: str, new: QualifiedName = PAPERS_TEST, spec: TableSpec = PAPERS) -> str:
    """The statements renamed with the plan for spec -> new, joined for substring checks."""
    return "\n".join(rename_statements(statements, plan_rename(spec, new)))


def single_index_spec(table: str, *indexes: str) -> TableSpec:
    stmts = tuple(f'CREATE INDEX "{i}" ON "public"."{table}" ("id")' for i in indexes)
    return TableSpec("public", table, (), Owned(indexes=indexes), (), stmts)


# --------------------------------------------------------------------------- the main rename


def test_every_statement_is_renamed_as_expected() -> None:
    got = rename_table(PAPERS, PAPERS_TEST)
    expected_pre = (
        "CREATE SEQUENCE public.papers_test_legacy_no_seq AS integer START WITH 1 INCREMENT BY 1 "
        "MINVALUE 1 MAXVALUE 2147483647 CACHE 1 NO CYCLE",
        "CREATE TABLE public.papers_test (id bigint GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME "
        "public.papers_test_id_seq START WITH 100 INCREMENT BY 5 MINVALUE 1 "
        "MAXVALUE 9223372036854775807 CACHE 1 NO CYCLE) CONSTRAINT papers_test_id_not_null NOT NULL, "
        "legacy_no integer DEFAULT nextval('public.papers_test_legacy_no_seq'::regclass) NOT NULL, "
        "title text CONSTRAINT papers_test_title_not_null NOT NULL, status public.paper_status, "
        "tags text[], venue_id integer, "
        'alt_no integer DEFAULT nextval(\'"public"."papers_authors_id_seq"\'::regclass), '
        "papers_count integer, parent_id bigint, "
        "CONSTRAINT papers_test_title_check CHECK (char_length(title) > 0), "
        "CONSTRAINT pages_sane CHECK (papers_count < 10000))",
        "ALTER SEQUENCE public.papers_test_legacy_no_seq OWNED BY public.papers_test.legacy_no",
        "COMMENT ON TABLE public.papers_test IS "
        "'Research papers; don''t rename \"papers\" inside this text'",
        "COMMENT ON COLUMN public.papers_test.title IS 'Paper title'",
        "COMMENT ON COLUMN public.papers_test.papers_count IS 'count of papers'",
        "COMMENT ON SEQUENCE public.papers_test_legacy_no_seq IS 'legacy numbers'",
    )
    expected_post = (
        "ALTER TABLE ONLY public.papers_test ADD CONSTRAINT papers_test_pkey PRIMARY KEY (id)",
        "ALTER TABLE ONLY public.papers_test ADD CONSTRAINT papers_test_parent_fk "
        "FOREIGN KEY (parent_id) REFERENCES public.papers_test (id) ON DELETE CASCADE",
        "ALTER TABLE ONLY public.papers_test ADD CONSTRAINT papers_test_venue_id_fkey "
        "FOREIGN KEY (venue_id) REFERENCES public.venues (id)",
        "CREATE INDEX idx_papers_test_tags ON public.papers_test USING gin (tags)",
        "CREATE INDEX papers_test_status_idx ON public.papers_test USING btree (status) "
        "WHERE status <> 'draft'::public.paper_status",
        "CREATE TRIGGER papers_test_touch BEFORE UPDATE ON public.papers_test FOR EACH ROW "
        "EXECUTE FUNCTION public.touch_updated()",
        "ALTER TABLE public.papers_test ENABLE ROW LEVEL SECURITY",
        "CREATE POLICY papers_test_visible ON public.papers_test AS PERMISSIVE FOR SELECT "
        "TO PUBLIC USING (status <> 'retracted'::public.paper_status)",
        "COMMENT ON INDEX public.papers_test_status_idx IS 'partial index'",
        "COMMENT ON CONSTRAINT papers_test_title_check ON public.papers_test "
        "IS 'title must be non-empty'",
        "COMMENT ON CONSTRAINT papers_test_title_not_null ON public.papers_test "
        "IS 'named not-null'",
        "COMMENT ON TRIGGER papers_test_touch ON public.papers_test IS 'maintain updated_at'",
        "COMMENT ON POLICY papers_test_visible ON public.papers_test IS 'hide retracted'",
        "SELECT pg_catalog.setval('public.papers_test_legacy_no_seq', 42, true)",
        "SELECT pg_catalog.setval('public.papers_test_id_seq', 105, true)",
    )
    assert len(got.pre_data) == len(expected_pre)
    assert len(got.post_data) == len(expected_post)
    for actual, expected in zip(ddl(got), expected_pre + expected_post, strict=True):
        assert_sql(actual, expected)


def test_literals_are_rewritten_exactly() -> None:
    # string constants are compared by value, so check their text too
    text = "\n".join(ddl(rename_table(PAPERS, PAPERS_TEST)))
    assert "nextval(CAST('public.papers_test_legacy_no_seq' AS regclass))" in text
    assert "setval('public.papers_test_id_seq', 105, TRUE)" in text
    assert 'nextval(CAST(\'"public"."papers_authors_id_seq"\' AS regclass))' in text


def test_table_facts_and_owned_names_are_renamed() -> None:
    got = rename_table(PAPERS, PAPERS_TEST)
    assert (got.schema, got.name) == ("public", "papers_test")
    assert (got.columns, got.kind, got.stats) == (PAPERS.columns, PAPERS.kind, PAPERS.stats)
    assert [(s.schema, s.name) for s in got.owned.sequences] == [
        ("public", "papers_test_id_seq"),
        ("public", "papers_test_legacy_no_seq"),
    ]
    # everything but the name is kept, and the order pairs old with new
    assert got.owned.sequences[0].last_value == 105
    assert got.owned.sequences[0].identity
    assert got.owned.indexes == (
        "idx_papers_test_tags",
        "papers_test_pkey",
        "papers_test_status_idx",
    )
    assert [c.name for c in got.owned.constraints] == [
        "pages_sane",
        "papers_test_title_check",
        "papers_test_pkey",
        "papers_test_parent_fk",
        "papers_test_venue_id_fkey",
        "papers_test_id_not_null",
        "papers_test_title_not_null",
    ]
    assert [c.type for c in got.owned.constraints] == [c.type for c in OWNED.constraints]
    assert got.owned.triggers == ("papers_test_touch",)
    assert got.owned.policies == ("papers_test_visible",)


def test_original_spec_is_not_modified() -> None:
    before = (PAPERS.pre_data, PAPERS.post_data, PAPERS.owned)
    rename_table(PAPERS, PAPERS_TEST)
    assert (PAPERS.pre_data, PAPERS.post_data, PAPERS.owned) == before


def test_plan_lists_every_renamed_name() -> None:
    plan = plan_rename(PAPERS, PAPERS_TEST)
    assert isinstance(plan, RenamePlan)
    assert plan.relations[QualifiedName("public", "papers")] == PAPERS_TEST
    assert plan.relations[QualifiedName("public", "idx_papers_tags")] == QualifiedName(
        "public", "idx_papers_test_tags"
    )
    assert plan.constraints["pages_sane"] == "pages_sane"
    assert plan.constraints["papers_pkey"] == "papers_test_pkey"
    assert plan.triggers == {"papers_touch": "papers_test_touch"}
    assert plan.policies == {"papers_visible": "papers_test_visible"}


# --------------------------------------------------------------------------- decoys


def test_decoys_are_untouched() -> None:
    text = "\n".join(ddl(rename_table(PAPERS, PAPERS_TEST)))
    assert "papers_authors_id_seq" in text  # another table's sequence in our default
    assert "papers_count integer" in text  # a column named like the table
    assert "REFERENCES public.venues (id)" in text
    assert "don''t rename \"papers\" inside this text" in text
    # the only other "papers" left are the words in the two comments
    assert re.findall(r"\bpapers(?!_authors|_count|_test)\w*", text) == ["papers"] * 3


def test_same_name_in_another_schema_is_untouched() -> None:
    statements = (
        'COMMENT ON TABLE "other"."papers" IS \'x\'',
        'ALTER TABLE ONLY "other"."papers" ADD CONSTRAINT "papers_pkey" PRIMARY KEY ("id")',
        'CREATE INDEX "papers_status_idx" ON "other"."papers" ("status")',
        'CREATE TRIGGER "papers_touch" BEFORE UPDATE ON "other"."papers" FOR EACH ROW '
        'EXECUTE FUNCTION "public"."touch_updated"()',
        'SELECT pg_catalog.setval(\'"other"."papers_id_seq"\', 1, true)',
        'SELECT 1 FROM "other"."papers" WHERE "other"."papers"."id" = 1',
    )
    for before, after in zip(
        statements, rename_statements(statements, plan_rename(PAPERS, PAPERS_TEST)), strict=True
    ):
        assert_sql(after, before)
        assert "papers_test" not in after


def test_other_tables_and_their_names_are_untouched() -> None:
    statements = (
        'CREATE INDEX "papers_authors_author_idx" ON "public"."papers_authors" ("author")',
        'ALTER TABLE "public"."papers_authors" ADD CONSTRAINT "papers_title_check" CHECK (true)',
        'SELECT nextval(\'"public"."papers_authors_id_seq"\'::regclass)',
    )
    for before, after in zip(
        statements, rename_statements(statements, plan_rename(PAPERS, PAPERS_TEST)), strict=True
    ):
        assert_sql(after, before)


def test_inbound_reference_is_retargeted_but_keeps_its_own_name() -> None:
    out = renamed(
        'ALTER TABLE "public"."papers_authors" ADD CONSTRAINT "papers_parent_fk" '
        'FOREIGN KEY ("paper_id") REFERENCES "public"."papers"("id")'
    )
    assert_sql(
        out,
        "ALTER TABLE public.papers_authors ADD CONSTRAINT papers_parent_fk "
        "FOREIGN KEY (paper_id) REFERENCES public.papers_test (id)",
    )


# --------------------------------------------------------------------------- other node kinds


def test_alter_table_commands_naming_members() -> None:
    statements = (
        'ALTER TABLE "public"."papers" DISABLE TRIGGER "papers_touch"',
        'ALTER TABLE "public"."papers" VALIDATE CONSTRAINT "papers_parent_fk"',
        'ALTER TABLE "public"."papers" ALTER CONSTRAINT "papers_parent_fk" DEFERRABLE',
        'ALTER TABLE "public"."papers" CLUSTER ON "papers_status_idx"',
        'ALTER TABLE "public"."papers" REPLICA IDENTITY USING INDEX "papers_pkey"',
        'ALTER TABLE "public"."papers" ADD CONSTRAINT "papers_pkey" PRIMARY KEY USING INDEX "papers_pkey"',
        'ALTER INDEX "public"."papers_pkey" SET (fillfactor = 70)',
        'GRANT SELECT ON TABLE "public"."papers" TO PUBLIC',
    )
    expected = (
        "ALTER TABLE public.papers_test DISABLE TRIGGER papers_test_touch",
        "ALTER TABLE public.papers_test VALIDATE CONSTRAINT papers_test_parent_fk",
        "ALTER TABLE public.papers_test ALTER CONSTRAINT papers_test_parent_fk DEFERRABLE",
        "ALTER TABLE public.papers_test CLUSTER ON papers_test_status_idx",
        "ALTER TABLE public.papers_test REPLICA IDENTITY USING INDEX papers_test_pkey",
        "ALTER TABLE public.papers_test ADD CONSTRAINT papers_test_pkey PRIMARY KEY "
        "USING INDEX papers_test_pkey",
        "ALTER INDEX public.papers_test_pkey SET (fillfactor = 70)",
        "GRANT SELECT ON TABLE public.papers_test TO PUBLIC",
    )
    out = rename_statements(statements, plan_rename(PAPERS, PAPERS_TEST))
    for actual, wanted in zip(out, expected, strict=True):
        assert_sql(actual, wanted)


def test_sequence_functions_and_case_folding() -> None:
    out = renamed(
        "SELECT pg_catalog.currval('PUBLIC.Papers_Legacy_No_Seq'), "
        "pg_get_serial_sequence('\"public\".\"papers\"', 'legacy_no'), "
        "nextval('papers_id_seq'), nextval('\"Papers_id_seq\"'), "
        '\'"public"."papers_status_idx"\'::pg_catalog.regclass, '
        "'public.papers_pkey'::text"
    )
    assert "currval('public.papers_test_legacy_no_seq')" in out
    assert "pg_get_serial_sequence('public.papers_test', 'legacy_no')" in out
    assert "nextval('papers_test_id_seq')" in out  # unqualified stays unqualified
    assert "nextval('\"Papers_id_seq\"')" in out  # quoted: another name, not ours
    assert "'public.papers_test_status_idx'" in out
    assert "'public.papers_pkey'" in out  # plain text, not a relation name


def test_qualified_column_references_and_aliases() -> None:
    out = renamed(
        'CREATE POLICY "papers_visible" ON "public"."papers" USING ('
        '"public"."papers"."parent_id" IS NULL AND "papers"."papers_count" > 0 AND EXISTS ('
        'SELECT 1 FROM "public"."papers_authors" "pa" WHERE "pa"."id" = "papers"."id"))'
    )
    assert_sql(
        out,
        "CREATE POLICY papers_test_visible ON public.papers_test USING ("
        "public.papers_test.parent_id IS NULL AND papers_test.papers_count > 0 AND EXISTS ("
        "SELECT 1 FROM public.papers_authors pa WHERE pa.id = papers_test.id))",
    )


def test_alias_named_like_the_table_is_not_renamed() -> None:
    out = renamed(
        'CREATE POLICY "p" ON "public"."papers_authors" USING (EXISTS ('
        'SELECT 1 FROM "public"."papers_authors" "papers" WHERE "papers"."id" = 1))'
    )
    assert "papers_test" not in out
    assert "papers.id = 1" in out


def test_trigger_old_and_new_rows_are_not_a_table() -> None:
    spec = TableSpec("public", "new", (), Owned(triggers=("new_touch",)))
    out = renamed(
        'CREATE TRIGGER "new_touch" BEFORE UPDATE ON "public"."new" FOR EACH ROW '
        'WHEN (("old"."title" IS DISTINCT FROM "new"."title")) EXECUTE FUNCTION "public"."f"()',
        spec=spec,
        new=QualifiedName("public", "new_copy"),
    )
    assert_sql(
        out,
        "CREATE TRIGGER new_copy_touch BEFORE UPDATE ON public.new_copy FOR EACH ROW "
        "WHEN (old.title IS DISTINCT FROM new.title) EXECUTE FUNCTION public.f()",
    )


def test_row_type_is_renamed_but_unqualified_type_names_are_not() -> None:
    spec = TableSpec("public", "text", (), Owned())
    out = renamed(
        'CREATE TABLE "public"."text" ("a" "text", "b" "public"."text", "c" "public"."text"[])',
        spec=spec,
        new=QualifiedName("public", "text_copy"),
    )
    assert_sql(
        out, "CREATE TABLE public.text_copy (a text, b public.text_copy, c public.text_copy[])"
    )


def test_unqualified_names_mean_the_table_schema() -> None:
    statements = (
        'CREATE INDEX "papers_status_idx" ON "papers" ("status")',
        "SELECT setval('papers_legacy_no_seq', 1)",
    )
    same_schema = rename_statements(statements, plan_rename(PAPERS, PAPERS_TEST))
    assert_sql(same_schema[0], "CREATE INDEX papers_test_status_idx ON papers_test (status)")
    assert "setval('papers_test_legacy_no_seq', 1)" in same_schema[1]
    moved = rename_statements(statements, plan_rename(PAPERS, QualifiedName("archive", "papers")))
    assert_sql(moved[0], "CREATE INDEX papers_status_idx ON archive.papers (status)")
    assert "setval('archive.papers_legacy_no_seq', 1)" in moved[1]


# --------------------------------------------------------------------------- names that need quotes


@pytest.mark.parametrize(
    ("new_name", "table_sql", "pkey_sql", "seq_literal"),
    [
        ("Papers Test", '"Papers Test"', '"Papers Test_pkey"', 'public."Papers Test_id_seq"'),
        ("order", '"order"', "order_pkey", "public.order_id_seq"),
        ('pa"pers', '"pa""pers"', '"pa""pers_pkey"', 'public."pa""pers_id_seq"'),
        ("pa.pers", '"pa.pers"', '"pa.pers_pkey"', 'public."pa.pers_id_seq"'),
    ],
)
def test_new_names_that_need_quotes(
    new_name: str, table_sql: str, pkey_sql: str, seq_literal: str
) -> None:
    got = rename_table(PAPERS, QualifiedName("public", new_name))
    text = "\n".join(ddl(got))
    assert f"CREATE TABLE public.{table_sql} (" in text
    assert f"ADD CONSTRAINT {pkey_sql} PRIMARY KEY" in text
    assert f"setval('{seq_literal}', 105, TRUE)" in text
    assert got.owned.indexes[1] == f"{new_name}_pkey"
    for statement in ddl(got):
        tree(statement)


def test_source_table_with_quoted_names() -> None:
    spec = TableSpec(
        "public",
        "Papers Archive",
        (),
        Owned(
            sequences=(OwnedSequence("public", "Papers Archive_Id_seq", "Id", identity=False),),
            indexes=("Papers Archive_pkey",),
            constraints=(Constraint("Papers Archive_pkey", "p", uses_index=True),),
        ),
        (
            'CREATE TABLE "public"."Papers Archive" ("Id" integer DEFAULT '
            'nextval(\'"public"."Papers Archive_Id_seq"\'::"regclass") NOT NULL, "select" integer)',
        ),
        (
            'ALTER TABLE ONLY "public"."Papers Archive" ADD CONSTRAINT "Papers Archive_pkey" '
            'PRIMARY KEY ("Id")',
            'SELECT pg_catalog.pg_relation_size(\'"public"."Papers Archive_pkey"\'::"regclass")',
            'SELECT pg_catalog.setval(\'"public"."Papers Archive_Id_seq"\', 3, true)',
        ),
    )
    got = rename_table(spec, QualifiedName("public", "archive_copy"))
    text = "\n".join(ddl(got))
    assert "CREATE TABLE public.archive_copy (" in text
    assert "nextval(CAST('public.\"archive_copy_Id_seq\"' AS regclass))" in text
    assert '"select" integer' in text
    assert 'ADD CONSTRAINT archive_copy_pkey PRIMARY KEY ("Id")' in text
    assert "pg_relation_size(CAST('public.archive_copy_pkey' AS regclass))" in text
    assert "setval('public.\"archive_copy_Id_seq\"', 3, TRUE)" in text
    assert "Papers Archive" not in text
    assert got.owned.sequences[0].name == "archive_copy_Id_seq"


# --------------------------------------------------------------------------- other schemas


def test_rename_into_another_schema_keeping_the_name() -> None:
    got = rename_table(PAPERS, QualifiedName("archive", "papers"))
    text = "\n".join(ddl(got))
    assert "CREATE TABLE archive.papers (" in text
    assert "SEQUENCE NAME archive.papers_id_seq " in text
    assert "nextval(CAST('archive.papers_legacy_no_seq' AS regclass))" in text
    assert "OWNED BY archive.papers.legacy_no" in text
    assert "REFERENCES archive.papers (id)" in text
    assert "COMMENT ON INDEX archive.papers_status_idx" in text
    assert "setval('archive.papers_id_seq', 105, TRUE)" in text
    # names stay: the new schema has no originals to collide with
    assert got.owned.indexes == OWNED.indexes
    assert got.owned.constraints == OWNED.constraints
    assert [(s.schema, s.name) for s in got.owned.sequences] == [
        ("archive", "papers_id_seq"),
        ("archive", "papers_legacy_no_seq"),
    ]
    # types, functions and other tables keep their schema
    assert "public.paper_status" in text
    assert "public.touch_updated()" in text
    assert "public.venues" in text
    assert "public.papers" not in text.replace("public.papers_authors_id_seq", "")


def test_rename_into_another_schema_with_a_new_name() -> None:
    got = rename_table(PAPERS, QualifiedName("archive", "papers_2024"))
    text = "\n".join(ddl(got))
    assert "ALTER TABLE ONLY archive.papers_2024 ADD CONSTRAINT papers_2024_pkey" in text
    assert "CREATE INDEX idx_papers_2024_tags ON archive.papers_2024" in text
    assert "setval('archive.papers_2024_legacy_no_seq', 42, TRUE)" in text


def test_sequence_in_another_schema_stays_there_under_a_new_name() -> None:
    spec = TableSpec(
        "public",
        "papers",
        (),
        Owned(sequences=(OwnedSequence("seqs", "papers_id_seq", "id", identity=False),)),
        (),
        ('SELECT pg_catalog.setval(\'"seqs"."papers_id_seq"\', 7, true)',),
    )
    renamed_spec = rename_table(spec, PAPERS_TEST)
    assert renamed_spec.owned.sequences[0].schema == "seqs"
    assert renamed_spec.owned.sequences[0].name == "papers_test_id_seq"
    moved = rename_table(spec, QualifiedName("archive", "papers"))
    # same schema, same table name: the sequence must still differ from the original
    assert (moved.owned.sequences[0].schema, moved.owned.sequences[0].name) == (
        "seqs",
        "papers_papers_id_seq",
    )
    assert "setval('seqs.papers_papers_id_seq', 7, TRUE)" in moved.post_data[0]


def test_index_backed_constraint_takes_its_index_name() -> None:
    # a constraint alone would keep "by_title_key"; its index must change, so both do
    spec = TableSpec(
        "public",
        "papers",
        (),
        Owned(indexes=("by_title_key",), constraints=(Constraint("by_title_key", "u", True),)),
        (),
        ('ALTER TABLE "public"."papers" ADD CONSTRAINT "by_title_key" UNIQUE ("title")',),
    )
    got = rename_table(spec, PAPERS_TEST)
    assert got.owned.indexes == ("papers_test_by_title_key",)
    assert got.owned.constraints[0].name == "papers_test_by_title_key"
    assert "ADD CONSTRAINT papers_test_by_title_key UNIQUE" in got.post_data[0]


def test_relation_without_the_table_name_gets_it_prepended() -> None:
    spec = single_index_spec("papers", "by_title")
    assert rename_table(spec, PAPERS_TEST).owned.indexes == ("papers_test_by_title",)
    # moving schema: no collision with the original, so the name is kept
    assert rename_table(spec, QualifiedName("archive", "x")).owned.indexes == ("by_title",)


def test_renaming_to_the_same_name_changes_nothing() -> None:
    got = rename_table(PAPERS, PAPERS.qname)
    assert got.owned == OWNED
    for before, after in zip(ddl(PAPERS), ddl(got), strict=True):
        assert_sql(after, before)  # string constants included: literals are left as written
    assert 'setval(\'"public"."papers_id_seq"\', 105, TRUE)' in got.post_data[-1]


def test_there_and_back_reproduces_the_original() -> None:
    there = rename_table(PAPERS, PAPERS_TEST)
    back = rename_table(there, PAPERS.qname)
    assert back.owned == OWNED
    assert (back.schema, back.name) == ("public", "papers")
    for before, after in zip(ddl(PAPERS), ddl(back), strict=True):
        assert_same_meaning(after, before)
    moved_back = rename_table(rename_table(PAPERS, QualifiedName("archive", "p2")), PAPERS.qname)
    assert moved_back.owned == OWNED


# --------------------------------------------------------------------------- 63 bytes


def test_over_long_name_is_refused_with_a_clear_message() -> None:
    spec = single_index_spec("papers", "papers_pkey")
    new = QualifiedName("public", "n" * 61)
    with pytest.raises(NameTooLongError) as info:
        plan_rename(spec, new)
    message = str(info.value)
    assert f'index "papers_pkey" would be renamed to "{"n" * 61}_pkey" (66 bytes)' in message
    assert "postgresql allows 63" in message
    assert "--shorten-names" in message


def test_over_long_name_in_full_spec_names_the_object() -> None:
    with pytest.raises(NameTooLongError, match='sequence "papers_legacy_no_seq"'):
        rename_table(PAPERS, QualifiedName("public", "n" * 50))


def test_over_long_table_name_is_refused_even_when_shortening() -> None:
    for name in ("t" * 64, "ü" * 32):
        with pytest.raises(NameTooLongError, match="64 bytes"):
            plan_rename(PAPERS, QualifiedName("public", name), shorten_names=True)
    # 31 ü are 62 bytes: allowed
    assert plan_rename(PAPERS, QualifiedName("public", "ü" * 31), shorten_names=True)


def owned_names(spec: TableSpec) -> list[str]:
    o = spec.owned
    return [
        *(s.name for s in o.sequences),
        *o.indexes,
        *(c.name for c in o.constraints),
        *o.triggers,
        *o.policies,
    ]


@pytest.mark.parametrize("new_name", ["n" * 60, "ü" * 31, "nü" * 20 + "n"])
def test_shortened_names_fit_are_deterministic_and_distinct(new_name: str) -> None:
    new = QualifiedName("public", new_name)
    got = rename_table(PAPERS, new, shorten_names=True)
    names = owned_names(got)
    assert all(len(n.encode("utf-8")) <= 63 for n in names)
    assert all("\ufffd" not in n for n in names)
    assert len(set(got.owned.indexes)) == len(got.owned.indexes)
    assert len({s.name for s in got.owned.sequences}) == len(got.owned.sequences)
    assert rename_table(PAPERS, new, shorten_names=True) == got
    # the suffix after the table part survives, and a hash marks the shortened ones
    pkey = got.owned.indexes[1]
    assert pkey.endswith("_pkey")
    assert re.search(r"_[0-9a-f]{8}_pkey$", pkey)
    assert pkey.startswith(new_name[:3])
    assert got.owned.constraints[0].name == "pages_sane"  # short names are untouched
    text = "\n".join(ddl(got))
    assert got.owned.sequences[1].name in text or f'"{got.owned.sequences[1].name}"' in text


def test_shortening_keeps_similar_long_names_apart() -> None:
    spec = single_index_spec("papers", "papers_title_lower_idx_one", "papers_title_lower_idx_two")
    got = rename_table(spec, QualifiedName("public", "x" * 55), shorten_names=True)
    one, two = got.owned.indexes
    assert one != two
    assert one.endswith("_title_lower_idx_one")
    assert two.endswith("_title_lower_idx_two")
    assert len(one.encode()) <= 63


def test_shortening_long_head_and_tail_still_fits() -> None:
    # the parts around the table name alone leave no room: the whole name is clipped
    index = "i" * 30 + "_p_" + "j" * 30
    spec = single_index_spec("p", index)
    got = rename_table(spec, QualifiedName("public", "q" * 40), shorten_names=True)
    (name,) = got.owned.indexes
    assert len(name.encode()) <= 63
    assert name.startswith("i" * 30 + "_")
    assert re.search(r"_[0-9a-f]{8}$", name)


# --------------------------------------------------------------------------- failures


def test_duplicate_new_relation_names_are_refused() -> None:
    # moving schema keeps x_a as it is, while papers_a becomes x_a too
    spec = single_index_spec("papers", "papers_a", "x_a")
    with pytest.raises(
        RenameError,
        match=re.escape('"public.papers_a", "public.x_a" would all be renamed to "archive.x_a"'),
    ):
        plan_rename(spec, QualifiedName("archive", "x"))


def test_duplicate_new_constraint_names_are_refused() -> None:
    spec = TableSpec(
        "public",
        "papers",
        (),
        Owned(constraints=(Constraint("papers_check", "c"), Constraint("x_check", "c"))),
    )
    with pytest.raises(RenameError, match=r'constraint names .* renamed to "x_check"'):
        plan_rename(spec, QualifiedName("public", "x"))


def test_unparsable_statement_is_a_rename_error_naming_it() -> None:
    spec = TableSpec("public", "papers", (), OWNED, ("CREATE TABLE oops (" + "a int, " * 30,))
    with pytest.raises(RenameError, match=r'cannot parse statement "CREATE TABLE oops \(a int,'):
        rename_table(spec, PAPERS_TEST)


def test_more_than_one_statement_per_string_is_refused() -> None:
    with pytest.raises(RenameError, match="expected one statement, got 2"):
        renamed("SELECT 1; SELECT 2")


def test_leftover_audit_reports_old_relation_names() -> None:
    plan = plan_rename(PAPERS, PAPERS_TEST)
    stmt = tree(
        'CREATE INDEX "x" ON "public"."papers" ("id") '
        'WHERE "id" <> nextval(\'"public"."papers_id_seq"\'::regclass)'
    )
    assert _find_leftovers(stmt, plan) == ["public.papers", "public.papers_id_seq"]
    assert _find_leftovers(tree("SELECT 1 FROM public.papers_test"), plan) == []
    identity = plan_rename(PAPERS, PAPERS.qname)
    assert _find_leftovers(stmt, identity) == []


def test_a_missed_node_kind_is_caught_by_the_audit(monkeypatch: pytest.MonkeyPatch) -> None:
    # pretend the renamer did not know RangeVar: the audit must refuse the result
    monkeypatch.setattr(_Renamer, "visit_RangeVar", lambda self, ancestors, node: None)
    with pytest.raises(
        RenameError,
        match=r'^statement "CREATE SEQUENCE .*" still names public\.papers_legacy_no_seq after',
    ):
        rename_table(PAPERS, PAPERS_TEST)


def test_printed_sql_must_parse_back_to_the_renamed_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    # pretend the printer lost a clause: the safety belt must refuse it
    monkeypatch.setattr("pgsnap.ddl.rename._deparse", lambda stmt, sql: "SELECT 1")
    with pytest.raises(RenameError, match='renamed statement "SELECT 1" does not parse back'):
        renamed('CREATE INDEX "papers_status_idx" ON "public"."papers" ("status")')


def test_every_renamed_statement_parses_again() -> None:
    for new in (PAPERS_TEST, QualifiedName("archive", "Papers 2024"), QualifiedName("x", "ü" * 31)):
        got = rename_table(PAPERS, new, shorten_names=True)
        assert len(ddl(got)) == len(ddl(PAPERS))
        for statement in ddl(got):
            assert isinstance(tree(statement), ast.Node)


# --------------------------------------------------------------------------- statistics and rules

# What the dumper writes for extended statistics: one in the table's schema, one elsewhere.
STATISTICS_SPEC = TableSpec(
    "public",
    "papers",
    (),
    Owned(statistics=(OwnedStatistics("public", "papers_ab"), OwnedStatistics("st", "by_title"))),
    (),
    (
        'CREATE STATISTICS "public"."papers_ab" (ndistinct) ON "a", "b" FROM "public"."papers"',
        'ALTER STATISTICS "public"."papers_ab" SET STATISTICS 500',
        'COMMENT ON STATISTICS "public"."papers_ab" IS \'papers_ab stays in here\'',
        'CREATE STATISTICS "st"."by_title" (mcv) ON "a", "lower"("title") FROM "public"."papers"',
        'COMMENT ON STATISTICS "st"."by_title" IS \'elsewhere\'',
        'COMMENT ON STATISTICS "public"."papers_authors_ab" IS \'not ours\'',
    ),
)


def test_extended_statistics_follow_the_table() -> None:
    got = rename_table(STATISTICS_SPEC, PAPERS_TEST)
    assert got.owned.statistics == (
        OwnedStatistics("public", "papers_test_ab"),
        OwnedStatistics("st", "papers_test_by_title"),  # stays in its schema, must differ
    )
    expected = (
        "CREATE STATISTICS public.papers_test_ab (ndistinct) ON a, b FROM public.papers_test",
        "ALTER STATISTICS public.papers_test_ab SET STATISTICS 500",
        "COMMENT ON STATISTICS public.papers_test_ab IS 'papers_ab stays in here'",
        "CREATE STATISTICS st.papers_test_by_title (mcv) ON a, lower(title) "
        "FROM public.papers_test",
        "COMMENT ON STATISTICS st.papers_test_by_title IS 'elsewhere'",
        "COMMENT ON STATISTICS public.papers_authors_ab IS 'not ours'",
    )
    for actual, wanted in zip(got.post_data, expected, strict=True):
        assert_sql(actual, wanted)
    plan = plan_rename(STATISTICS_SPEC, PAPERS_TEST)
    assert plan.statistics[QualifiedName("st", "by_title")] == QualifiedName(
        "st", "papers_test_by_title"
    )


def test_statistics_move_with_the_table_only_from_its_schema() -> None:
    got = rename_table(STATISTICS_SPEC, QualifiedName("archive", "papers"))
    assert got.owned.statistics == (
        OwnedStatistics("archive", "papers_ab"),
        OwnedStatistics("st", "papers_by_title"),
    )
    assert_sql(
        got.post_data[0],
        "CREATE STATISTICS archive.papers_ab (ndistinct) ON a, b FROM archive.papers",
    )
    assert_sql(got.post_data[1], "ALTER STATISTICS archive.papers_ab SET STATISTICS 500")


def test_duplicate_new_statistics_names_are_refused() -> None:
    spec = TableSpec(
        "public",
        "papers",
        (),
        Owned(statistics=(OwnedStatistics("public", "papers_a"), OwnedStatistics("public", "x_a"))),
    )
    with pytest.raises(
        RenameError,
        match=re.escape('statistics names "public.papers_a", "public.x_a" would all be renamed'),
    ):
        plan_rename(spec, QualifiedName("archive", "x"))


def test_over_long_statistics_name_is_refused_naming_it() -> None:
    spec = TableSpec("public", "p", (), Owned(statistics=(OwnedStatistics("public", "p_s"),)))
    with pytest.raises(NameTooLongError, match=r'^statistics "p_s" would be renamed to "q{62}_s"'):
        plan_rename(spec, QualifiedName("public", "q" * 62))


def test_leftover_audit_reports_old_statistics_names() -> None:
    plan = plan_rename(STATISTICS_SPEC, PAPERS_TEST)
    stmt = tree('ALTER STATISTICS "st"."by_title" SET STATISTICS 5')
    assert _find_leftovers(stmt, plan) == ["statistics st.by_title"]
    assert _find_leftovers(tree('COMMENT ON STATISTICS "public"."papers_ab" IS NULL'), plan) == [
        "statistics public.papers_ab"
    ]


RULES_SPEC = TableSpec(
    "public",
    "papers",
    (),
    Owned(rules=("papers_orphans", "papers_guard")),
    (),
    (
        # pg_get_ruledef's text, the closing semicolon taken off
        'CREATE RULE "papers_orphans" AS\n    ON DELETE TO "public"."papers" DO  UPDATE '
        '"public"."papers" SET "parent_id" = NULL::bigint\n  WHERE ("papers"."parent_id" = '
        '"old"."id")',
        'CREATE RULE "papers_log" AS\n    ON INSERT TO "public"."papers" DO  INSERT INTO '
        '"public"."papers_authors" ("id", "author") VALUES ("new"."id", (SELECT "count"(*) '
        'FROM "public"."papers" "p" WHERE "p"."id" > 0)::"text")',
        'CREATE RULE "papers_guard" AS\n    ON UPDATE TO "public"."papers"\n   WHERE '
        '("old"."id" < 0) DO INSTEAD NOTHING',
        'ALTER TABLE "public"."papers" DISABLE RULE "papers_guard"',
        'ALTER TABLE "public"."papers" ENABLE REPLICA RULE "papers_orphans"',
        'ALTER TABLE "public"."papers" ENABLE ALWAYS RULE "papers_log"',
        'COMMENT ON RULE "papers_guard" ON "public"."papers" IS \'papers_guard\'',
    ),
)


def test_rules_keep_their_names_and_follow_the_table() -> None:
    got = rename_table(RULES_SPEC, PAPERS_TEST)
    assert got.owned.rules == RULES_SPEC.owned.rules
    expected = (
        "CREATE RULE papers_orphans AS ON DELETE TO public.papers_test DO UPDATE "
        "public.papers_test SET parent_id = NULL::bigint WHERE papers_test.parent_id = old.id",
        "CREATE RULE papers_log AS ON INSERT TO public.papers_test DO INSERT INTO "
        "public.papers_authors (id, author) VALUES (new.id, (SELECT count(*) "
        "FROM public.papers_test p WHERE p.id > 0)::text)",
        "CREATE RULE papers_guard AS ON UPDATE TO public.papers_test WHERE old.id < 0 "
        "DO INSTEAD NOTHING",
        "ALTER TABLE public.papers_test DISABLE RULE papers_guard",
        "ALTER TABLE public.papers_test ENABLE REPLICA RULE papers_orphans",
        "ALTER TABLE public.papers_test ENABLE ALWAYS RULE papers_log",
        "COMMENT ON RULE papers_guard ON public.papers_test IS 'papers_guard'",
    )
    for actual, wanted in zip(got.post_data, expected, strict=True):
        assert_sql(actual, wanted)


def test_rule_old_and_new_rows_are_not_a_table() -> None:
    spec = TableSpec("public", "new", (), Owned(rules=("r",)))
    out = renamed(
        'CREATE RULE "r" AS ON INSERT TO "public"."new" DO ALSO NOTIFY "n"; ',
        'CREATE RULE "r2" AS ON UPDATE TO "public"."new" WHERE ("new"."id" <> "old"."id") '
        'DO INSTEAD UPDATE "public"."new" SET "id" = "new"."id"',
        spec=spec,
        new=QualifiedName("public", "new_copy"),
    )
    assert_sql(
        out.splitlines()[1],
        "CREATE RULE r2 AS ON UPDATE TO public.new_copy WHERE new.id <> old.id "
        "DO INSTEAD UPDATE public.new_copy SET id = new.id",
    )


def test_owner_and_grant_statements_follow_the_rename() -> None:
    # a role named like the table, or like its sequence, is a role: never renamed
    statements = (
        'ALTER TABLE "public"."papers" OWNER TO "papers"',
        'ALTER SEQUENCE "public"."papers_legacy_no_seq" OWNER TO "papers_legacy_no_seq"',
        'REVOKE ALL ON TABLE "public"."papers" FROM "papers"',
        'GRANT SELECT, INSERT ON TABLE "public"."papers" TO "papers" WITH GRANT OPTION',
        'GRANT UPDATE ("title") ON TABLE "public"."papers" TO PUBLIC',
        'GRANT USAGE ON SEQUENCE "public"."papers_id_seq" TO "reader"',
        'SET ROLE "papers"',
        'GRANT SELECT ON TABLE "public"."papers_authors" TO "reader"',
        "RESET ROLE",
    )
    new = QualifiedName("archive", "papers_2024")
    out = rename_statements(statements, plan_rename(PAPERS, new))
    expected = (
        "ALTER TABLE archive.papers_2024 OWNER TO papers",
        "ALTER SEQUENCE archive.papers_2024_legacy_no_seq OWNER TO papers_legacy_no_seq",
        "REVOKE ALL ON TABLE archive.papers_2024 FROM papers",
        "GRANT SELECT, INSERT ON TABLE archive.papers_2024 TO papers WITH GRANT OPTION",
        "GRANT UPDATE (title) ON TABLE archive.papers_2024 TO PUBLIC",
        "GRANT USAGE ON SEQUENCE archive.papers_2024_id_seq TO reader",
        'SET ROLE "papers"',
        "GRANT SELECT ON TABLE public.papers_authors TO reader",
        "RESET ROLE",
    )
    for after, want in zip(out, expected, strict=True):
        assert_sql(after, want)
