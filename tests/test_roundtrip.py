"""Dump and load against real servers: data byte-identical, renames, psql compatibility."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from helpers import DECOYS, EDGE_TABLE, cli, cli_subprocess, content_md5, exists
from pgservers import TestDB

import pgsnap


@pytest.mark.parametrize("ext", [".sql.zst", ".sql.gz"])
def test_round_trip_is_byte_identical(db: TestDB, tmp_path: Path, ext: str) -> None:
    db.execute(EDGE_TABLE)
    target = db.make_db()
    out = tmp_path / f"edge{ext}"
    result = pgsnap.dump("edge", dsn=db.dsn, output=out)
    assert result.rows == 5 and out.exists()
    loaded = pgsnap.load(str(out), dsn=target.dsn)
    assert loaded.rows == 5 and loaded.mode == "created"
    assert content_md5(target.dsn, "edge") == content_md5(db.dsn, "edge")
    # the serial sequence was carried over and set: the next id continues after the dump
    assert target.execute("SELECT nextval('public.edge_id_seq')") == [(6,)]


def test_as_renames_owned_objects_and_leaves_decoys(db: TestDB, tmp_path: Path) -> None:
    db.execute(DECOYS)
    before = content_md5(db.dsn, "papers")
    out = tmp_path / "papers.sql.zst"
    assert cli("dump", "papers", "--dsn", db.dsn, "-o", str(out)).exit_code == 0
    res = cli("load", str(out), "--dsn", db.dsn, "--as", "papers_test")
    assert res.exit_code == 0, res.output
    assert content_md5(db.dsn, "papers_test") == before
    assert content_md5(db.dsn, "papers") == before
    indexes = {
        r[0] for r in db.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'papers_test'")
    }
    assert indexes == {"papers_test_pkey", "idx_papers_test_title", "papers_test_count_idx"}
    cons = {
        r[0]
        for r in db.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'papers_test'::regclass AND contype <> 'n'"
        )
    }
    assert cons == {
        "papers_test_pkey",
        "papers_test_title_check",
        "papers_test_parent_fk",
        "papers_test_venue_id_fkey",
        "pages_sane",
    }
    # self-FK follows the new table; the FK to venues does not
    refs: dict[str, str] = dict(
        db.execute(
            "SELECT conname, confrelid::regclass::text FROM pg_constraint "
            "WHERE conrelid = 'papers_test'::regclass AND contype = 'f'"
        )
    )
    assert refs == {"papers_test_parent_fk": "papers_test", "papers_test_venue_id_fkey": "venues"}
    # owned sequences are new ones; the decoy sequence default still points at papers_authors
    seqs: dict[str, str] = dict(
        db.execute(
            "SELECT column_name, column_default FROM information_schema.columns "
            "WHERE table_name = 'papers_test' AND column_default IS NOT NULL"
        )
    )
    assert "papers_test_legacy_no_seq" in seqs["legacy_no"]
    assert "papers_authors_id_seq" in seqs["alt_no"]
    assert db.execute("SELECT pg_get_serial_sequence('papers_test', 'id')") == [
        ("public.papers_test_id_seq",)
    ]
    # the identity sequence continues where the source's was
    assert db.execute("SELECT nextval('papers_test_id_seq') = nextval('papers_id_seq')") == [
        (True,)
    ]
    comments = db.execute(
        "SELECT obj_description('papers_test'::regclass, 'pg_class'), "
        "obj_description('idx_papers_test_title'::regclass, 'pg_class')"
    )
    assert comments == [('papers; don\'t rename "papers" in here', "lower title")]
    # decoys untouched
    assert exists(db.dsn, "papers_authors") and exists(db.dsn, "papers_authors_id_seq")
    assert not exists(db.dsn, "papers_test_authors_id_seq")


def test_quoted_table_and_other_schema(db: TestDB, tmp_path: Path) -> None:
    db.execute(DECOYS + "CREATE SCHEMA archive;")
    out = tmp_path / "pa.sql.gz"
    assert cli("dump", "Papers Archive", "--dsn", db.dsn, "-o", str(out)).exit_code == 0
    res = cli("load", str(out), "--dsn", db.dsn, "--as", 'archive."Old Papers"')
    assert res.exit_code == 0, res.output
    assert content_md5(db.dsn, "Old Papers", "archive") == content_md5(db.dsn, "Papers Archive")
    idx = db.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'archive'")
    assert idx == [("Old Papers_pkey",)]
    assert exists(db.dsn, 'archive."Old Papers_Id_seq"')


def test_psql_restores_the_decompressed_file(db: TestDB, tmp_path: Path) -> None:
    db.execute(EDGE_TABLE + DECOYS)
    for table, ext, tool in (("edge", ".sql.zst", "zstd"), ("papers", ".sql.gz", "gzip")):
        target = db.make_db()
        if table == "papers":  # its FK needs venues and its default needs papers_authors_id_seq
            target.execute(
                "CREATE TABLE venues (id int PRIMARY KEY); INSERT INTO venues VALUES (1);"
                "CREATE SEQUENCE papers_authors_id_seq;"
            )
        out = tmp_path / f"{table}{ext}"
        pgsnap.dump(table, dsn=db.dsn, output=out)
        script = subprocess.run([tool, "-dc", str(out)], capture_output=True, check=True).stdout
        assert b"pgsnap-manifest" in script  # the manifest rides along as a comment
        db.server.run_client("psql", "-X", "-q", dbname=target.name, stdin=script)
        assert content_md5(target.dsn, table) == content_md5(db.dsn, table)


def test_load_from_stdin_pipe(db: TestDB, tmp_path: Path) -> None:
    db.execute(EDGE_TABLE)
    out = tmp_path / "edge.sql.zst"
    dumped = cli_subprocess("dump", "edge", "--dsn", db.dsn, "-o", "-")
    assert dumped.returncode == 0, dumped.stderr
    out.write_bytes(dumped.stdout)
    target = db.make_db()
    res = cli_subprocess(
        "load", "-", "--dsn", target.dsn, "--as", "edge_copy", stdin=out.read_bytes()
    )
    assert res.returncode == 0, res.stderr
    assert content_md5(target.dsn, "edge_copy") == content_md5(db.dsn, "edge")
    # a truncated stream is refused and leaves nothing
    res = cli_subprocess(
        "load",
        "-",
        "--dsn",
        target.dsn,
        "--as",
        "edge_cut",
        stdin=out.read_bytes()[: len(out.read_bytes()) // 2],
    )
    assert res.returncode == 5, res.stderr
    assert not exists(target.dsn, "edge_cut")


def test_default_file_name_and_output_dir(db: TestDB, tmp_path: Path) -> None:
    db.execute(EDGE_TABLE)
    res = cli("dump", "edge", "--dsn", db.dsn, "--output-dir", str(tmp_path))
    assert res.exit_code == 0, res.output
    files = list(tmp_path.iterdir())
    assert len(files) == 1
    name = files[0].name
    assert (
        name.startswith("edge_")
        and name.endswith(".sql.zst")
        and len(name) == len("edge_20261123_101500.sql.zst")
    )
    assert "5 rows" in res.stderr


def test_zero_column_and_empty_tables(db: TestDB, tmp_path: Path) -> None:
    db.execute(
        "CREATE TABLE nothing (); INSERT INTO nothing DEFAULT VALUES; INSERT INTO nothing DEFAULT VALUES;"
        "CREATE TABLE empty (id int PRIMARY KEY, v text);"
    )
    target = db.make_db()
    for t in ("nothing", "empty"):
        out = tmp_path / f"{t}.sql.zst"
        pgsnap.dump(t, dsn=db.dsn, output=out)
        pgsnap.load(str(out), dsn=target.dsn)
    assert target.execute("SELECT count(*) FROM nothing") == [(2,)]
    assert target.execute("SELECT count(*) FROM empty") == [(0,)]


def test_generated_and_identity_columns(db: TestDB, tmp_path: Path) -> None:
    db.execute("""
      CREATE TABLE g (id int GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, a int NOT NULL,
                      twice int GENERATED ALWAYS AS (a * 2) STORED, c text COLLATE "C");
      INSERT INTO g (a, c) SELECT x, 'v' || x FROM generate_series(1, 50) x;""")
    out = tmp_path / "g.sql.zst"
    pgsnap.dump("g", dsn=db.dsn, output=out)
    pgsnap.load(str(out), dsn=db.dsn, as_name="g2")
    assert content_md5(db.dsn, "g2") == content_md5(db.dsn, "g")
    assert db.execute(
        "SELECT attgenerated, attidentity FROM pg_attribute WHERE attrelid = 'g2'::regclass "
        "AND attname IN ('id', 'twice') ORDER BY attname"
    ) == [("", "d"), ("s", "")]
    assert db.execute("INSERT INTO g2 (a) VALUES (7) RETURNING id, twice") == [(51, 14)]


def test_unlogged_reloptions_trigger_and_policy(db: TestDB, tmp_path: Path) -> None:
    db.execute("""
      CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
      CREATE UNLOGGED TABLE u (id int PRIMARY KEY, owner text) WITH (fillfactor = 70);
      CREATE TRIGGER u_touch BEFORE UPDATE ON u FOR EACH ROW EXECUTE FUNCTION touch();
      ALTER TABLE u DISABLE TRIGGER u_touch;
      ALTER TABLE u ENABLE ROW LEVEL SECURITY;
      CREATE POLICY u_own ON u USING (owner = current_user);
      INSERT INTO u VALUES (1, 'a'), (2, 'b');""")
    out = tmp_path / "u.sql.zst"
    pgsnap.dump("u", dsn=db.dsn, output=out)
    pgsnap.load(str(out), dsn=db.dsn, as_name="u_test")
    rel = db.execute(
        "SELECT relpersistence, reloptions, relrowsecurity FROM pg_class WHERE relname = 'u_test'"
    )
    assert rel == [("u", ["fillfactor=70"], True)]
    assert db.execute(
        "SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'u_test'::regclass"
    ) == [("u_test_touch", "D")]
    assert db.execute("SELECT polname FROM pg_policy WHERE polrelid = 'u_test'::regclass") == [
        ("u_test_own",)
    ]


def test_long_target_name_is_refused_or_shortened(db: TestDB, tmp_path: Path) -> None:
    db.execute(EDGE_TABLE)
    out = tmp_path / "edge.sql.zst"
    pgsnap.dump("edge", dsn=db.dsn, output=out)
    long_name = "e" * 60
    res = cli("load", str(out), "--dsn", db.dsn, "--as", long_name)
    assert res.exit_code == 2
    assert "63" in res.stderr and "--shorten-names" in res.stderr
    assert not exists(db.dsn, long_name)
    res = cli("load", str(out), "--dsn", db.dsn, "--as", long_name, "--shorten-names")
    assert res.exit_code == 0, res.output
    names = [
        r[0]
        for r in db.execute("SELECT relname FROM pg_class WHERE relname LIKE 'eee%' ORDER BY 1")
    ]
    assert long_name in names and all(len(n.encode()) <= 63 for n in names) and len(names) == 3


def test_api_rejects_bad_input(db: TestDB, tmp_path: Path) -> None:
    with pytest.raises(pgsnap.PgsnapError, match="does not exist"):
        pgsnap.dump("missing_table", dsn=db.dsn, output=tmp_path / "x.sql.zst")
    assert not list(tmp_path.iterdir())
    with pytest.raises(pgsnap.PgsnapError, match="contradicts"):
        pgsnap.dump("t", dsn=db.dsn, output=tmp_path / "x.sql.gz", compress="zstd")
    with pytest.raises(pgsnap.PgsnapError, match="cannot be combined"):
        pgsnap.load(str(tmp_path / "x.sql.zst"), dsn=db.dsn, append=True, replace=True)


def test_column_and_index_settings_travel(db: TestDB, tmp_path: Path) -> None:
    db.execute("""
      CREATE TABLE s (id int PRIMARY KEY, a text, b text, c int, d jsonb)
        WITH (fillfactor = 90, toast.autovacuum_enabled = false);
      ALTER TABLE s ALTER COLUMN a SET STATISTICS 500, ALTER COLUMN b SET STORAGE EXTERNAL,
        ALTER COLUMN d SET COMPRESSION pglz, ALTER COLUMN c SET (n_distinct = -0.5);
      CREATE INDEX s_expr_idx ON s ((c + 1));
      ALTER INDEX s_expr_idx ALTER COLUMN 1 SET STATISTICS 300;
      INSERT INTO s VALUES (1, 'x', 'y', 3, '{}');""")
    out = tmp_path / "s.sql.zst"
    pgsnap.dump("s", dsn=db.dsn, output=out)
    pgsnap.load(str(out), dsn=db.dsn, as_name="s2")
    query = """SELECT attname, attstattarget::int, attstorage, attcompression::text, attoptions
               FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 ORDER BY attnum"""
    assert db.execute(query, ("s2",)) == db.execute(query, ("s",))
    assert db.execute("SELECT reloptions FROM pg_class WHERE relname = 's2'") == [
        (["fillfactor=90"],)
    ]
    assert db.execute(
        "SELECT t.reloptions FROM pg_class c JOIN pg_class t ON t.oid = c.reltoastrelid "
        "WHERE c.relname = 's2'"
    ) == [(["autovacuum_enabled=false"],)]
    assert db.execute(
        "SELECT attstattarget::int FROM pg_attribute WHERE attrelid = 's2_expr_idx'::regclass"
    ) == [(300,)]


def test_dump_warns_past_five_backups_of_the_table(db: TestDB, tmp_path: Path) -> None:
    db.execute(EDGE_TABLE)
    for i in range(6):
        res = cli("dump", "edge", "--dsn", db.dsn, "-o", str(tmp_path / f"edge_{i}.sql.zst"))
        assert res.exit_code == 0, res.output
        assert ("warning:" in res.stderr) == (i == 5), (i, res.stderr)
    assert "pgsnap prune" in res.stderr
    quiet = cli("dump", "edge", "--dsn", db.dsn, "-o", str(tmp_path / "edge_q.sql.zst"), "--quiet")
    assert quiet.exit_code == 0 and quiet.stderr == ""
    more = cli(
        "dump",
        "edge",
        "--dsn",
        db.dsn,
        "-o",
        str(tmp_path / "edge_r.sql.zst"),
        "--warn-after",
        "10",
    )
    assert "warning:" not in more.stderr


STATISTICS_AND_RULES = """
  CREATE SCHEMA st;
  CREATE TABLE r_log (id int, what text);
  CREATE TABLE r (id int PRIMARY KEY, parent int, v text);
  CREATE STATISTICS st.r_pv (dependencies) ON parent, v FROM r;
  ALTER STATISTICS st.r_pv SET STATISTICS 50;
  COMMENT ON STATISTICS st.r_pv IS 'parent and v';
  CREATE RULE r_del AS ON DELETE TO r DO ALSO (
    INSERT INTO r_log VALUES (OLD.id, 'deleted');
    UPDATE r SET parent = NULL WHERE r.parent = OLD.id);
  CREATE RULE r_guard AS ON UPDATE TO r WHERE OLD.id < 0 DO INSTEAD NOTHING;
  ALTER TABLE r DISABLE RULE r_guard;
  COMMENT ON RULE r_del ON r IS 'log; orphan the children';
  INSERT INTO r VALUES (1, NULL, 'a'), (2, 1, 'b');"""
# the rules and extended statistics of a table, as the catalog prints them
RULES_AND_STATISTICS = """
  SELECT pg_get_ruledef(oid), ev_enabled::text, obj_description(oid, 'pg_rewrite')
  FROM pg_rewrite WHERE ev_class = %(t)s::regclass AND rulename <> '_RETURN'
  UNION ALL
  SELECT pg_get_statisticsobjdef(oid), stxstattarget::int::text,
         obj_description(oid, 'pg_statistic_ext')
  FROM pg_statistic_ext WHERE stxrelid = %(t)s::regclass
  ORDER BY 1"""


def test_rules_and_statistics_through_psql_and_inspect_ddl(db: TestDB, tmp_path: Path) -> None:
    db.execute(STATISTICS_AND_RULES)
    source = db.execute(RULES_AND_STATISTICS, {"t": "r"})
    assert len(source) == 3
    out = tmp_path / "r.sql.zst"
    pgsnap.dump("r", dsn=db.dsn, output=out)
    script = subprocess.run(["zstd", "-dc", str(out)], capture_output=True, check=True).stdout
    ddl = cli("inspect", str(out), "--ddl").stdout.encode()
    for text, rows in ((script, 2), (ddl, 0)):  # inspect --ddl prints no rows
        target = db.make_db()
        target.execute("CREATE SCHEMA st; CREATE TABLE r_log (id int, what text)")
        target.server.run_client(
            "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", dbname=target.name, stdin=text
        )
        assert target.execute(RULES_AND_STATISTICS, {"t": "r"}) == source
        assert target.execute("SELECT count(*) FROM r") == [(rows,)]


def test_load_as_renames_statistics_and_retargets_rules(db: TestDB, tmp_path: Path) -> None:
    db.execute(STATISTICS_AND_RULES)
    out = tmp_path / "r.sql.zst"
    pgsnap.dump("r", dsn=db.dsn, output=out)
    pgsnap.load(str(out), dsn=db.dsn, as_name="r_copy")
    assert db.execute(
        "SELECT stxnamespace::regnamespace::text, stxname, stxstattarget::int FROM "
        "pg_statistic_ext WHERE stxrelid = 'r_copy'::regclass"
    ) == [("st", "r_copy_pv", 50)]
    assert db.execute(
        "SELECT rulename, ev_enabled FROM pg_rewrite WHERE ev_class = 'r_copy'::regclass ORDER BY 1"
    ) == [("r_del", "O"), ("r_guard", "D")]
    # the rule acts on the copy (its own table, renamed) and still logs to r_log
    db.execute("DELETE FROM r_copy WHERE id = 1")
    assert db.execute("SELECT id, parent FROM r_copy") == [(2, None)]
    assert db.execute("SELECT id, parent FROM r ORDER BY id") == [(1, None), (2, 1)]
    assert db.execute("SELECT * FROM r_log") == [(1, "deleted")]
    inspected = cli("inspect", str(out), "--as", "r_copy").stdout
    assert "st.r_copy_pv" in inspected and "r_del" in inspected


def test_staged_loads_give_statistics_their_final_names(db: TestDB, tmp_path: Path) -> None:
    # --replace and --jobs build under a staging name, then rename everything into place
    db.execute(STATISTICS_AND_RULES)
    source = db.execute(RULES_AND_STATISTICS, {"t": "r"})
    out = tmp_path / "r.sql.zst"
    pgsnap.dump("r", dsn=db.dsn, output=out)
    target = db.make_db()
    target.execute("CREATE SCHEMA st; CREATE TABLE r_log (id int, what text)")
    pgsnap.load(str(out), dsn=target.dsn, jobs=2)
    assert target.execute(RULES_AND_STATISTICS, {"t": "r"}) == source
    assert pgsnap.load(str(out), dsn=db.dsn, replace=True).mode == "replaced"
    assert db.execute(RULES_AND_STATISTICS, {"t": "r"}) == source
    assert db.execute("SELECT stxname FROM pg_statistic_ext") == [("r_pv",)]


def test_a_statistics_schema_is_created_like_the_table_schema(db: TestDB, tmp_path: Path) -> None:
    db.execute("""
      CREATE SCHEMA stx;
      CREATE TABLE s (a int, b int);
      CREATE STATISTICS stx.s_ab (ndistinct) ON a, b FROM s;
      INSERT INTO s VALUES (1, 2);""")
    out = tmp_path / "s.sql.zst"
    pgsnap.dump("s", dsn=db.dsn, output=out)
    query = "SELECT stxnamespace::regnamespace::text, stxname FROM pg_statistic_ext"
    loaded, piped = db.make_db(), db.make_db()
    pgsnap.load(str(out), dsn=loaded.dsn)
    script = subprocess.run(["zstd", "-dc", str(out)], capture_output=True, check=True).stdout
    db.server.run_client("psql", "-X", "-q", dbname=piped.name, stdin=script)
    assert loaded.execute(query) == piped.execute(query) == [("stx", "s_ab")]
    # the restore test's fresh database gets the schema too
    result = pgsnap.verify(out, dsn=db.dsn, restore_test=True)
    assert result.restore_test is not None and result.restore_test.startswith("database ")
