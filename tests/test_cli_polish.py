"""The small things a new user trips on: output folders, what is written where, ignored
options said, --help examples, the append question, and the Python API's own terms."""

from __future__ import annotations

import datetime as dt
import gc
import os
import pty
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from helpers import cli
from pgservers import TestDB

import pgsnap
from pgsnap import api
from pgsnap.errors import TargetExistsError, UsageError

TWO = """
CREATE TABLE a (id int PRIMARY KEY); INSERT INTO a SELECT generate_series(1, 30);
CREATE TABLE b (id int PRIMARY KEY); INSERT INTO b SELECT generate_series(1, 20);
"""


def test_output_dir_is_created_and_stdout_is_named(db: TestDB, tmp_path: Path) -> None:
    db.execute(TWO)
    folder = tmp_path / "backups" / "daily"
    res = cli("dump", "a", "--dsn", db.dsn, "--output-dir", str(folder))
    assert res.exit_code == 0, res.output
    assert len(list(folder.glob("a_*.sql.zst"))) == 1
    (tmp_path / "file").write_text("x")
    res = cli("dump", "a", "--dsn", db.dsn, "--output-dir", str(tmp_path / "file"))
    assert res.exit_code == 2 and "is a file, not a directory" in res.stderr
    res = cli("dump", "a", "--dsn", db.dsn, "-o", "-")
    assert res.exit_code == 0 and "wrote to stdout:" in res.stderr and "wrote -:" not in res.stderr


def test_jobs_on_a_multi_table_load_is_said(db: TestDB, tmp_path: Path) -> None:
    db.execute(TWO)
    out = tmp_path / "ab.sql.zst"
    pgsnap.dump(["a", "b"], dsn=db.dsn, output=out)
    other = db.make_db()
    res = cli("load", str(out), "--dsn", other.dsn, "-j", "2")
    assert res.exit_code == 0, res.output
    assert "2 tables load in one transaction: --jobs ignored" in res.stderr


@pytest.mark.parametrize("command", ["dump", "load", "list", "prune"])
def test_help_has_examples(command: str) -> None:
    res = cli(command, "--help")
    assert res.exit_code == 0 and "Examples:" in res.output
    assert f"pgsnap {command} " in res.output


def test_load_help_says_what_happens_when_the_target_exists() -> None:
    text = cli("load", "--help").output
    assert "When the target table exists, load refuses (exit 6)" in " ".join(text.split())


def test_python_errors_name_keywords_and_the_cli_flags(db: TestDB, tmp_path: Path) -> None:
    db.execute(TWO)
    out = tmp_path / "a.sql.zst"
    pgsnap.dump("a", dsn=db.dsn, output=out)
    with pytest.raises(TargetExistsError) as raised:
        pgsnap.load(out, dsn=db.dsn)  # a Path is a file
    text = str(raised.value)
    assert "drop_existing=True, replace=True or append=True" in text
    assert "as_name=" in text and "--" not in text
    with pytest.raises(UsageError, match="cannot be combined") as usage:
        pgsnap.load(out, dsn=db.dsn, append=True, replace=True)
    assert "append=True and replace=True" in str(usage.value)
    res = cli("load", str(out), "--dsn", db.dsn)
    assert "use --drop-existing, --replace or --append" in res.stderr


def test_api_values_are_typed(db: TestDB, tmp_path: Path) -> None:
    db.execute(TWO)
    out = tmp_path / "a.sql.zst"
    pgsnap.dump("a", dsn=db.dsn, output=out)
    entry = pgsnap.list_backups(tmp_path)[0]
    assert isinstance(entry.created_at, dt.datetime) and entry.created_at.tzinfo is not None
    assert abs((dt.datetime.now(dt.timezone.utc) - entry.created_at).total_seconds()) < 600
    assert isinstance(pgsnap.inspect(out).created_at, dt.datetime)
    check = pgsnap.verify(out).tables[0].archive
    assert check.hex == f"{check.sum:016x}" == str(check)


def test_api_calls_make_full_collections_rare_and_give_the_thresholds_back(
    db: TestDB, tmp_path: Path
) -> None:
    db.execute(TWO)
    before = gc.get_threshold()
    seen: list[tuple[int, ...]] = []
    out = tmp_path / "a.sql.zst"
    pgsnap.dump("a", dsn=db.dsn, output=out, progress=lambda _: seen.append(gc.get_threshold()))
    assert seen and set(seen) == {(*before[:2], max(before[2], api.FULL_COLLECTION_EVERY))}
    assert gc.get_threshold() == before
    with pytest.raises(TargetExistsError):  # a failed call gives them back too
        pgsnap.load(out, dsn=db.dsn)
    assert gc.get_threshold() == before


def test_rare_full_collections_end_with_the_last_block_and_keep_a_higher_threshold() -> None:
    before = gc.get_threshold()
    try:
        gc.set_threshold(before[0], before[1], 10)
        first, second = api.rare_full_collections(), api.rare_full_collections()
        first.__enter__()
        second.__enter__()  # (another thread's call, say)
        first.__exit__(None, None, None)
        assert gc.get_threshold()[2] == api.FULL_COLLECTION_EVERY
        second.__exit__(None, None, None)
        assert gc.get_threshold() == (before[0], before[1], 10)
        gc.set_threshold(before[0], before[1], api.FULL_COLLECTION_EVERY * 5)
        with api.rare_full_collections():
            assert gc.get_threshold()[2] == api.FULL_COLLECTION_EVERY * 5
    finally:
        gc.set_threshold(*before)


def test_append_question_says_how_many_rows_go_where(db: TestDB, tmp_path: Path) -> None:
    db.execute(TWO)
    out = tmp_path / "a.sql.zst"
    pgsnap.dump("a", dsn=db.dsn, output=out)
    db.execute("CREATE TABLE a2 (id int); INSERT INTO a2 VALUES (0)")
    main, tty = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    argv = [sys.executable, "-m", "pgsnap", "load", str(out), "--dsn", db.dsn, "--append"]
    argv += ["--as", "a2"]
    proc = subprocess.Popen(argv, stdin=tty, stdout=tty, stderr=tty, env=env)
    os.close(tty)
    said = _read_until(main, b"[y/N]")
    assert "append 30 rows from" in said and "to public.a2?" in said
    os.write(main, b"y\n")
    assert proc.wait(timeout=60) == 0
    os.close(main)
    assert db.execute("SELECT count(*) FROM a2") == [(31,)]


def _read_until(fd: int, marker: bytes, timeout: float = 60.0) -> str:
    data = b""
    deadline = time.monotonic() + timeout
    while marker not in data and time.monotonic() < deadline:
        try:
            data += os.read(fd, 4096)
        except OSError:
            break
    return data.decode(errors="replace")


def test_every_combination_of_load_flags_is_taken_or_refused_in_one_line() -> None:
    """All 2**9 combinations of load's flags (--create NAME among them), with three --jobs
    values: each one builds the options or raises UsageError naming a flag, never anything
    else."""
    import itertools

    from pgsnap.restore.options import LoadOptions

    flags = (
        "drop_existing", "cascade", "append", "replace",
        "schema_only", "data_only", "dry_run", "no_privileges", "create",
    )  # fmt: skip
    refused = 0
    for values in itertools.product((False, True), repeat=len(flags)):
        for jobs in (0, 1, 2):
            chosen: dict[str, Any] = dict(zip(flags, values, strict=True))
            chosen["create"] = "new_db" if chosen["create"] else None
            try:
                LoadOptions(jobs=jobs, **chosen)
            except UsageError as exc:
                refused += 1
                text = str(exc)
                assert "\n" not in text and text[0] in "-abcdefghijklmnopqrstuvwxyz", text
                assert "--" in text, text  # names the flag at fault
    assert 0 < refused < 2**9 * 3
