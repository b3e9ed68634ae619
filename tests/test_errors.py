"""Every failure a user can cause: one clear line on stderr and a stable exit code."""

from __future__ import annotations

import gzip
from pathlib import Path

from helpers import EDGE_TABLE, cli
from pgservers import Server, TestDB

import pgsnap


def test_cannot_connect_wrong_port(server: Server) -> None:
    dsn = server.dsn(port="1", password="secret-pw-123")
    res = cli("dump", "t", "--dsn", dsn)
    assert res.exit_code == 3
    assert res.stderr.startswith("pgsnap: error: cannot connect to postgres@127.0.0.1:1/postgres")
    assert "secret-pw-123" not in res.output
    assert len(res.stderr.strip().splitlines()) == 1


def test_cannot_connect_wrong_password(server: Server) -> None:
    res = cli("dump", "t", "--dsn", server.dsn(password="wrong-pw-456"))
    assert res.exit_code == 3
    assert "password authentication failed" in res.stderr
    assert "wrong-pw-456" not in res.output


def test_cannot_connect_wrong_database(server: Server) -> None:
    res = cli("dump", "t", "--dsn", server.dsn("no_such_db"))
    assert res.exit_code == 3
    assert 'database "no_such_db" does not exist' in res.stderr


def test_cannot_connect_wrong_host(server: Server) -> None:
    res = cli("dump", "t", "--dsn", server.dsn(host="no-such-host.invalid"))
    assert res.exit_code == 3 and "cannot connect" in res.stderr


def test_table_not_found_suggests_close_names(db: TestDB, tmp_path: Path) -> None:
    db.execute("CREATE TABLE papers (id int)")
    res = cli("dump", "paper", "--dsn", db.dsn, "--output-dir", str(tmp_path))
    assert res.exit_code == 4
    assert (
        res.stderr.strip() == 'pgsnap: error: table "paper" does not exist; did you mean "papers"?'
    )
    assert list(tmp_path.iterdir()) == []


def test_view_is_not_a_table(db: TestDB) -> None:
    db.execute("CREATE VIEW v AS SELECT 1 AS x")
    res = cli("dump", "v", "--dsn", db.dsn)
    assert res.exit_code == 2 and "is a view, not a table" in res.stderr


def test_file_not_found(db: TestDB, tmp_path: Path) -> None:
    res = cli("load", str(tmp_path / "nope.sql.zst"), "--dsn", db.dsn)
    assert res.exit_code == 4 and "does not exist" in res.stderr


def test_not_a_pgsnap_file(db: TestDB, tmp_path: Path) -> None:
    plain = tmp_path / "plain.sql.gz"
    plain.write_bytes(gzip.compress(b"CREATE TABLE x (id int);\n"))
    res = cli("load", str(plain), "--dsn", db.dsn)
    assert res.exit_code == 5 and "not a pgsnap archive" in res.stderr
    junk = tmp_path / "junk.sql.zst"
    junk.write_bytes(b"hello world, not compressed at all")
    assert cli("load", str(junk), "--dsn", db.dsn).exit_code == 5


def test_truncated_file_is_refused_before_anything_runs(db: TestDB, tmp_path: Path) -> None:
    db.execute(EDGE_TABLE)
    out = tmp_path / "edge.sql.zst"
    pgsnap.dump("edge", dsn=db.dsn, output=out)
    data = out.read_bytes()
    target = db.make_db()
    for cut in (len(data) - 3, len(data) // 2, 40):
        out.write_bytes(data[:cut])
        res = cli("load", str(out), "--dsn", target.dsn)
        assert res.exit_code == 5, res.output
        assert "truncated" in res.stderr
    assert target.execute("SELECT count(*) FROM pg_class WHERE relname = 'edge'") == [(0,)]


def test_existing_output_file_needs_force(db: TestDB, tmp_path: Path) -> None:
    db.execute(EDGE_TABLE)
    out = tmp_path / "edge.sql.zst"
    out.write_bytes(b"precious")
    res = cli("dump", "edge", "--dsn", db.dsn, "-o", str(out))
    assert res.exit_code == 6 and "--force" in res.stderr
    assert out.read_bytes() == b"precious"
    assert cli("dump", "edge", "--dsn", db.dsn, "-o", str(out), "--force").exit_code == 0
    assert out.read_bytes() != b"precious"


def test_bad_output_extension(db: TestDB, tmp_path: Path) -> None:
    db.execute(EDGE_TABLE)
    res = cli("dump", "edge", "--dsn", db.dsn, "-o", str(tmp_path / "edge.txt"))
    assert res.exit_code == 2 and ".zst" in res.stderr
    assert list(tmp_path.iterdir()) == []


def test_permission_denied(db: TestDB, tmp_path: Path) -> None:
    role = f"r_{db.name}"
    db.execute(
        EDGE_TABLE
        + f"""
      CREATE ROLE {role} LOGIN PASSWORD 'pw-{role}';
      GRANT CONNECT ON DATABASE {db.name} TO {role};
      CREATE TABLE secret (id int);"""
    )
    out = tmp_path / "edge.sql.zst"
    pgsnap.dump("edge", dsn=db.dsn, output=out)
    try:
        user_dsn = db.server.dsn(db.name, user=role, password=f"pw-{role}")
        res = cli("dump", "secret", "--dsn", user_dsn, "-o", str(tmp_path / "s.sql.zst"))
        assert res.exit_code == 7, res.output
        assert "permission denied" in res.stderr and "secret" in res.stderr
        res = cli("load", str(out), "--dsn", user_dsn, "--as", "edge_copy")
        assert res.exit_code == 7, res.output
        assert "permission denied for schema public" in res.stderr
    finally:
        db.execute(f"DROP OWNED BY {role}; DROP ROLE {role}")


def test_rls_protected_table_is_an_error_not_a_partial_dump(db: TestDB, tmp_path: Path) -> None:
    role = f"r_{db.name}"
    db.execute(f"""
      CREATE ROLE {role} LOGIN PASSWORD 'pw-{role}';
      CREATE TABLE notes (id int, owner text);
      INSERT INTO notes VALUES (1, 'a'), (2, '{role}');
      ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
      CREATE POLICY mine ON notes USING (owner = current_user);
      GRANT SELECT ON notes TO {role};""")
    try:
        user_dsn = db.server.dsn(db.name, user=role, password=f"pw-{role}")
        res = cli("dump", "notes", "--dsn", user_dsn, "-o", str(tmp_path / "n.sql.zst"))
        assert res.exit_code == 7, res.output
        assert "row-level security" in res.stderr
        assert list(tmp_path.iterdir()) == []
    finally:
        db.execute(f"DROP OWNED BY {role}; DROP ROLE {role}")


def test_log_file_records_quiet_runs_and_errors(db: TestDB, tmp_path: Path) -> None:
    db.execute(EDGE_TABLE)
    log = tmp_path / "pgsnap.log"
    res = cli(
        "--log-file",
        str(log),
        "dump",
        "edge",
        "--dsn",
        db.dsn,
        "--quiet",
        "--output-dir",
        str(tmp_path),
    )
    assert res.exit_code == 0 and res.stderr == ""
    res = cli("--log-file", str(log), "dump", "missing", "--dsn", db.dsn, "--quiet")
    assert res.exit_code == 4
    lines = log.read_text().splitlines()
    assert any("dumping public.edge" in line for line in lines)
    assert any("wrote " in line and "5 rows" in line for line in lines)
    assert lines[-1].endswith('error: table "missing" does not exist (exit 4)')
    assert all(" pgsnap[" in line for line in lines)
