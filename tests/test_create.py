"""load --create NAME: the target database is made on the server first, with the source's
encoding and locale, and dropped again when the load fails."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fuzzkit import read_draft, write_draft
from helpers import AUTHORS_PAPERS, DECOYS, cli, content_md5
from pgservers import Server, TestDB
from psycopg import sql
from test_allowlist import rewrite
from test_load_modes import corrupt_last_data_frame

import pgsnap
from pgsnap.errors import PgsnapWarning, TargetExistsError, UsageError

TABLES = ("authors", "papers")


@pytest.fixture
def new_name(server: Server) -> Iterator[str]:
    """A database name nobody has; whatever a test made under it is dropped after."""
    name = f"created_{secrets.token_hex(6)}"
    yield name
    with psycopg.connect(server.dsn(), autocommit=True) as conn:
        stmt = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        conn.execute(stmt)


def _database(server: Server, name: str) -> tuple[Any, ...] | None:
    """The pg_database row that carries a database's encoding and locale, or None."""
    provider = ", datlocprovider" if server.major >= 15 else ""
    query = (
        "SELECT pg_encoding_to_char(encoding), datcollate, datctype"
        f"{provider} FROM pg_database WHERE datname = %s"
    )
    with psycopg.connect(server.dsn(), autocommit=True) as conn:
        return conn.execute(query.encode(), (name,)).fetchone()


def _app(db: TestDB, tmp_path: Path) -> tuple[TestDB, Path]:
    """A LATIN1 (C locale) source with two tables that reference each other, dumped."""
    source = db.make_db(encoding="LATIN1")
    source.execute(AUTHORS_PAPERS)
    out = tmp_path / "app.sql.zst"
    pgsnap.dump(schemas=["app"], dsn=source.dsn, output=out)
    return source, out


def test_create_loads_every_table_with_the_sources_encoding_and_locale(
    db: TestDB, tmp_path: Path, new_name: str
) -> None:
    source, out = _app(db, tmp_path)
    res = cli("load", str(out), "--dsn", db.server.dsn(), "--create", new_name)
    assert res.exit_code == 0, res.output
    server = f"{db.server.host}:{db.server.port}"
    assert f'created database "{new_name}" on {server} (encoding LATIN1' in res.stderr
    assert db.server.password not in res.output
    target = db.server.dsn(new_name)
    for table in TABLES:
        assert content_md5(target, table, "app") == content_md5(source.dsn, table, "app")
    assert _database(db.server, new_name) == _database(db.server, source.name)
    assert _database(db.server, new_name)[0] == "LATIN1"  # type: ignore[index]


def test_an_existing_database_is_refused_and_left_as_it_was(db: TestDB, tmp_path: Path) -> None:
    _, out = _app(db, tmp_path)
    db.execute("CREATE TABLE keep (id int); INSERT INTO keep VALUES (1)")
    res = cli("load", str(out), "--dsn", db.server.dsn(), "--create", db.name)
    assert res.exit_code == 6
    server = f"{db.server.host}:{db.server.port}"
    assert f'database "{db.name}" already exists on {server}' in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert db.execute("SELECT to_regclass('app.authors') IS NULL, count(*) FROM keep") == [
        (True, 1)
    ]
    with pytest.raises(TargetExistsError, match="already exists"):
        pgsnap.load(out, dsn=db.server.dsn(), create=db.name)


def test_a_corrupt_frame_drops_the_database_it_created(
    db: TestDB, tmp_path: Path, new_name: str
) -> None:
    db.execute(
        "CREATE TABLE big AS SELECT g AS id, repeat(md5(g::text), 8) AS pad "
        "FROM generate_series(1, 60000) g"
    )
    out = tmp_path / "big.sql.zst"
    pgsnap.dump("big", dsn=db.dsn, output=out)
    corrupt_last_data_frame(out)
    for jobs in ("1", "2"):
        res = cli("load", str(out), "--dsn", db.server.dsn(), "--create", new_name, "-j", jobs)
        assert res.exit_code == 5, res.output
        assert "frame" in res.stderr.splitlines()[-1]  # the load's error is the error line
        assert f'dropped database "{new_name}"' in res.stderr
        assert _database(db.server, new_name) is None


def test_a_failing_statement_drops_the_database_it_created(
    db: TestDB, tmp_path: Path, new_name: str
) -> None:
    # a CHECK the rows break, added after them: a statement of the archive that fails
    db.execute("CREATE TABLE t (id int); INSERT INTO t VALUES (1)")
    out, failing = tmp_path / "t.sql.zst", tmp_path / "failing.sql.zst"
    pgsnap.dump("t", dsn=db.dsn, output=out)
    check = 'ALTER TABLE ONLY "public"."t" ADD CONSTRAINT "over_five" CHECK (id > 5)'

    def add_check(meta: dict[str, Any]) -> None:
        meta["tables"][0]["post_data"].append(check)

    rewrite(out, failing, add_check)
    res = cli("load", str(failing), "--dsn", db.server.dsn(), "--create", new_name)
    assert res.exit_code == 8, res.output
    assert "over_five" in res.stderr.splitlines()[-1]
    assert f'dropped database "{new_name}"' in res.stderr
    assert _database(db.server, new_name) is None


def test_a_wrong_row_count_drops_the_database_it_created(
    db: TestDB, tmp_path: Path, new_name: str
) -> None:
    _, out = _app(db, tmp_path)
    draft = read_draft(out)
    first_data = draft.data_parts()[0]

    def one_row_more(entries: list[dict[str, Any]]) -> None:
        entries[first_data]["rows"] += 1

    draft.edits.append(one_row_more)
    draft.recount = True  # the manifest's counts agree with the frames' lie
    lying = write_draft(draft, tmp_path / "lying.sql.zst")
    with pytest.raises(pgsnap.PgsnapError) as caught:
        pgsnap.load(lying, dsn=db.server.dsn(), create=new_name)
    assert "row" in str(caught.value) and "dropped" not in str(caught.value)
    assert any(
        f'dropped database "{new_name}"' in n for n in getattr(caught.value, "__notes__", [])
    )
    assert _database(db.server, new_name) is None


def test_dry_run_says_it_would_create_and_creates_nothing(
    db: TestDB, tmp_path: Path, new_name: str
) -> None:
    _, out = _app(db, tmp_path)
    res = cli("load", str(out), "--dsn", db.server.dsn(), "--create", new_name, "--dry-run")
    assert res.exit_code == 0, res.output
    assert f'would create database "{new_name}"' in res.stderr
    assert "encoding LATIN1" in res.stderr and "nothing was changed" in res.stderr
    assert _database(db.server, new_name) is None
    res = cli("load", str(out), "--dsn", db.server.dsn(), "--create", db.name, "--dry-run")
    assert res.exit_code == 6 and "already exists" in res.stderr


def test_parallel_and_stdin_loads_create_the_database(
    db: TestDB, tmp_path: Path, new_name: str
) -> None:
    db.execute(
        "CREATE TABLE big AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 50000) g;"
        "ALTER TABLE big ADD PRIMARY KEY (id)"
    )
    out = tmp_path / "big.sql.zst"
    pgsnap.dump("big", dsn=db.dsn, output=out)
    res = cli("load", str(out), "--dsn", db.server.dsn(), "--create", new_name, "-j", "2")
    assert res.exit_code == 0, res.output
    assert content_md5(db.server.dsn(new_name), "big") == content_md5(db.dsn, "big")
    piped = f"{new_name}_stdin"
    try:
        res = cli("load", "-", "--dsn", db.server.dsn(), "--create", piped, input=out.read_bytes())
        assert res.exit_code == 0, res.output
        assert content_md5(db.server.dsn(piped), "big") == content_md5(db.dsn, "big")
    finally:
        with psycopg.connect(db.server.dsn(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(piped)))


def test_a_missing_foreign_key_target_is_refused_before_creating(
    db: TestDB, tmp_path: Path, new_name: str
) -> None:
    db.execute(DECOYS)  # papers references venues, which the archive lacks
    out = tmp_path / "papers.sql.zst"
    pgsnap.dump("papers", dsn=db.dsn, output=out)
    res = cli("load", str(out), "--dsn", db.server.dsn(), "--create", new_name)
    assert res.exit_code == 4 and "public.venues" in res.stderr, res.output
    assert "created database" not in res.stderr
    assert _database(db.server, new_name) is None


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--create", ""], "not a valid database name"),
        (["--create", "x" * 64], "over the 63-byte limit"),
        (["--create", "a\tb"], "control characters"),
        (["--create", "fresh", "--replace"], "--replace"),
        (["--create", "fresh", "--append", "--yes"], "--append"),
        (["--create", "fresh", "--drop-existing"], "--drop-existing"),
        (["--create", "fresh", "--data-only"], "--data-only"),
    ],
)
def test_refused_combinations_and_names(
    db: TestDB, tmp_path: Path, args: list[str], said: str
) -> None:
    _, out = _app(db, tmp_path)
    res = cli("load", str(out), "--dsn", db.server.dsn(), *args)
    assert res.exit_code == 2, res.output
    assert said in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert _database(db.server, "fresh") is None


def test_python_twin_creates_and_names_keywords(db: TestDB, tmp_path: Path, new_name: str) -> None:
    source, out = _app(db, tmp_path)
    result = pgsnap.load(out, dsn=db.server.dsn(), create=new_name)
    assert result.mode == "created" and result.rows == 4
    assert f"/{new_name} (from --dsn)" in result.source
    assert content_md5(db.server.dsn(new_name), "papers", "app") == content_md5(
        source.dsn, "papers", "app"
    )
    with pytest.raises(UsageError, match=r"replace=True"):
        pgsnap.load(out, dsn=db.server.dsn(), create="other", replace=True)


def test_a_locale_the_server_lacks_warns_and_creates_anyway(
    db: TestDB, tmp_path: Path, new_name: str
) -> None:
    _, out = _app(db, tmp_path)
    draft = read_draft(out)
    for doc in (draft.header, draft.manifest):
        doc.update(collate="xx_NOWHERE.UTF-8", ctype="xx_NOWHERE.UTF-8", locale_provider="libc")
        doc.update(encoding="UTF8", locale=None)
    foreign = write_draft(draft, tmp_path / "foreign.sql.zst")
    res = cli("load", str(foreign), "--dsn", db.server.dsn(), "--create", new_name)
    assert res.exit_code == 0, res.output
    warning = [line for line in res.stderr.splitlines() if "warning" in line]
    assert len(warning) == 1 and "xx_NOWHERE.UTF-8" in warning[0], res.stderr
    assert "created it with encoding UTF8" in warning[0]
    assert _database(db.server, new_name)[:3] == ("UTF8", "C.UTF-8", "C.UTF-8")  # type: ignore[index]


def test_the_builtin_provider_is_kept_or_said_to_be_missing(
    db: TestDB, tmp_path: Path, new_name: str
) -> None:
    """An archive of a builtin-locale database (PostgreSQL 17+): pg18 makes one, pg15 has no
    such provider and says so, creating a libc database with the same LC_COLLATE."""
    _, out = _app(db, tmp_path)
    draft = read_draft(out)
    for doc in (draft.header, draft.manifest):
        doc.update(encoding="UTF8", collate="C.UTF-8", ctype="C.UTF-8")
        doc.update(locale_provider="builtin", locale="C.UTF-8")
    built = write_draft(draft, tmp_path / "builtin.sql.zst")
    if db.server.major >= 17:
        result = pgsnap.load(built, dsn=db.server.dsn(), create=new_name)
        assert _database(db.server, new_name) == ("UTF8", "C.UTF-8", "C.UTF-8", "b")
    else:
        with pytest.warns(PgsnapWarning, match="has no builtin locale provider"):
            result = pgsnap.load(built, dsn=db.server.dsn(), create=new_name)
        assert _database(db.server, new_name) == ("UTF8", "C.UTF-8", "C.UTF-8", "c")
    assert result.rows == 4
