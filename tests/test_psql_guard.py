"""The psql script guards itself (\\restrict, as pg_dump 18 does), and every reader refuses an
archive whose script would run a psql meta-command that pgsnap does not write."""

from __future__ import annotations

import random
import re
import subprocess
from pathlib import Path

import pytest
from helpers import cli
from pgservers import TestDB
from synthetic import rebuild

import pgsnap
from pgsnap.archive.psql import _DOLLAR_TAG, _IDENT_START, _skip_token, meta_commands

MARK = Path("/tmp/pgsnap-psql-guard-pwned")
TABLE = """
CREATE TABLE notes (id int PRIMARY KEY, body text);
INSERT INTO notes VALUES (1, 'a'), (2, E'back\\\\slash \\\\. and \\\\! inside a value'), (3, NULL);
COMMENT ON TABLE notes IS E'a comment\\n\\\\! that is only text';
"""


def _inject_in_sql(index: int, kind: str, raw: bytes) -> list[tuple[str, bytes]]:
    """A meta-command in the middle of the header frame's SQL (between \\restrict and the
    rest), as a file editor could put it."""
    if index == 0:
        head, sep, rest = raw.partition(b"SET statement_timeout")
        return [(kind, head + f"\\! touch {MARK}\n".encode() + sep + rest)]
    return [(kind, raw)]


def _end_copy_early(index: int, kind: str, raw: bytes) -> list[tuple[str, bytes]]:
    """A data row that ends the COPY for psql, and a meta-command after it."""
    if kind == "data":
        return [(kind, raw + f"\\.\n\\! touch {MARK}\n".encode())]
    return [(kind, raw)]


def _rows_as_sql(index: int, kind: str, raw: bytes) -> list[tuple[str, bytes]]:
    """The COPY line dropped from the header frame: psql would read the rows as SQL."""
    if index == 0:
        return [(kind, raw.replace(b'COPY "public"."notes"', b"SELECT 1; -- "))]
    return [(kind, raw)]


CASES = {
    "meta-command in the DDL": (_inject_in_sql, "holds a psql meta-command: \\! touch"),
    "row ends the COPY": (_end_copy_early, "holds a row that would end the COPY early"),
    "rows where psql reads SQL": (_rows_as_sql, "no COPY comes before it"),
}


def test_the_script_is_restricted_and_still_restores(db: TestDB, tmp_path: Path) -> None:
    db.execute(TABLE)
    out = tmp_path / "notes.sql.zst"
    pgsnap.dump("notes", dsn=db.dsn, output=out)
    script = subprocess.run(["zstd", "-dc", str(out)], capture_output=True, check=True).stdout
    text = script.decode()
    commands = meta_commands(text.split("COPY ", 1)[0]) + meta_commands(text.rsplit("\\.\n", 1)[1])
    assert commands[0] == "\\set ON_ERROR_STOP on"
    key = commands[1].removeprefix("\\restrict ")
    assert len(key) == 32 and commands[1] != key
    assert commands[2:] == [f"\\unrestrict {key}"]
    other = db.make_db()
    db.server.run_client("psql", "-X", "-q", dbname=other.name, stdin=script)
    assert other.execute("SELECT count(*) FROM notes") == [(3,)]
    again = tmp_path / "again.sql.zst"
    pgsnap.dump("notes", dsn=db.dsn, output=again)  # another key each time
    assert (
        key.encode() not in subprocess.run(["zstd", "-dc", str(again)], capture_output=True).stdout
    )


@pytest.mark.parametrize("case", sorted(CASES))
def test_readers_refuse_meta_commands(db: TestDB, tmp_path: Path, case: str) -> None:
    edit, says = CASES[case]
    db.execute(TABLE)
    good = tmp_path / "notes.sql.zst"
    pgsnap.dump("notes", dsn=db.dsn, output=good)
    bad = rebuild(good, tmp_path / "bad.sql.zst", edit)
    target = db.make_db()
    runs = [
        cli("verify", str(bad), "-q"),
        cli("export", str(bad), "--csv", str(tmp_path / "csv"), "-q"),
        cli("load", str(bad), "--dsn", target.dsn, "-q"),
        cli("load", "-", "--dsn", target.dsn, "-q", input=bad.read_bytes()),
    ]
    for res in runs:
        assert res.exit_code == 5, res.output
        lines = [line for line in res.stderr.splitlines() if line.strip()]
        assert len(lines) == 1, res.stderr
        # the psql guard says why; a row that no COPY of the header could hold may be
        # refused first by the reader's own checks, as a corrupt frame
        refused = lines[0].startswith("pgsnap: error: refusing") and says in lines[0]
        assert refused or " is corrupt: " in lines[0], lines[0]
    assert target.execute("SELECT to_regclass('notes') IS NULL") == [(True,)]
    assert not (tmp_path / "csv").exists() or not list((tmp_path / "csv").iterdir())


def test_psql_refuses_an_injected_meta_command(db: TestDB, tmp_path: Path) -> None:
    """What \\restrict is for: psql runs no meta-command between it and \\unrestrict."""
    MARK.unlink(missing_ok=True)
    db.execute(TABLE)
    good = tmp_path / "notes.sql.zst"
    pgsnap.dump("notes", dsn=db.dsn, output=good)
    bad = rebuild(good, tmp_path / "bad.sql.zst", _inject_in_sql)
    script = subprocess.run(["zstd", "-dc", str(bad)], capture_output=True, check=True).stdout
    other = db.make_db()
    psql = db.server.client("psql")
    res = subprocess.run(
        [str(psql), "-X", "-q", "--dbname", db.server.client_dsn(other.name)],
        input=script,
        capture_output=True,
        env=db.server.client_env(),
    )
    assert res.returncode != 0 and b"backslash commands are restricted" in res.stderr
    assert not MARK.exists()
    assert other.execute("SELECT to_regclass('notes') IS NULL") == [(True,)]


def _meta_commands_token_by_token(sql: str) -> list[str]:
    """The lexer as it was first written: every character between the tokens that matter is
    a token of its own, stepped over one at a time."""
    special = re.compile(r"[\\'\"$]|--|/\*")
    found: list[str] = []
    i = 0
    while (start := special.search(sql, i)) is not None:
        i = _skip_token(sql, start.start(), found)
    return found


# the pieces where the two could part: quotes doubled and escaped, E-strings after a word,
# dollar tags after a name, comments nested and cut short, non-ASCII names
_LEXER_PIECES = (
    "\\", "\\x", "'", '"', '""', "$", "$$", "$a$", "$é$", "-", "--", "/", "/*", "*/", "*",
    "\n", "e", "E", "x", " ", "a$", "e'", "''", "\\'", "é", "_", "1",
)  # fmt: skip


def test_the_lexer_skips_plain_text_as_it_would_step_over_it() -> None:
    rnd = random.Random(8714)
    found_any = 0
    for _ in range(60_000):
        sql = "".join(rnd.choice(_LEXER_PIECES) for _ in range(rnd.randint(0, 16)))
        expected = _meta_commands_token_by_token(sql)
        assert meta_commands(sql) == expected, repr(sql)
        found_any += bool(expected)
    assert 10_000 < found_any < 50_000  # meta-commands found, and hidden, in many of them


def test_name_characters_are_the_ones_spelled_out() -> None:
    """The lexer's name classes, written as complements, hold the characters of
    [A-Za-z_\\x80-\\U0010ffff] (a name's start) and [A-Za-z0-9_\\x80-\\U0010ffff] (its rest)."""
    start = re.compile(r"[A-Za-z_\x80-\U0010ffff]")
    rest = re.compile(r"[A-Za-z0-9_\x80-\U0010ffff]")
    for code in range(0x110000):
        char = chr(code)
        assert bool(start.match(char)) == bool(_DOLLAR_TAG.fullmatch(f"${char}$")), code
        assert bool(rest.match(char)) == bool(_IDENT_START.match(char)), code
        assert bool(rest.match(char)) == bool(_DOLLAR_TAG.fullmatch(f"$a{char}$")), code
