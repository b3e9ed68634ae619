"""pgsnap list / prune and count_backups: the archives of a directory, read from manifests."""

from __future__ import annotations

import gzip
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
import zstandard
from helpers import cli
from pgservers import Server, TestDB
from synthetic import write_archive

import pgsnap
from pgsnap import archive
from pgsnap.archive import inventory
from pgsnap.archive.inventory import count_backups, list_backups, prune
from pgsnap.cli import main
from pgsnap.errors import FileNotFoundError_, UsageError
from pgsnap.model import QualifiedName


def _day(n: int) -> str:
    return f"2026-01-{n:02d}T10:00:00+00:00"


def _dead_pid() -> int:
    """The PID of a process that has exited (reaped), so no process has it now."""
    proc = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(proc.stdout)


def test_lists_newest_first_with_manifest_facts(tmp_path: Path) -> None:
    write_archive(
        tmp_path / "a.sql.zst", created_at=_day(3), finished_at="2026-01-03T10:00:07+00:00"
    )
    write_archive(tmp_path / "b.sql.gz", table="orders", created_at=_day(5), rows=b"1\tx\n")
    write_archive(tmp_path / "c.sql.zst", created_at=_day(1))
    entries = list_backups(tmp_path)
    assert [e.name for e in entries] == ["b.sql.gz", "a.sql.zst", "c.sql.zst"]
    b, a = entries[0], entries[1]
    assert b.table_names == ("public.orders",) and b.rows == 1 and b.codec == "gzip"
    assert a.status == "ok" and a.rows == 2 and a.seconds == 7.0 and a.database == "shop"
    assert a.server_version == "18.6" and a.file_bytes == (tmp_path / "a.sql.zst").stat().st_size


def test_lists_every_archive_named_file_and_flags_damaged_ones(tmp_path: Path) -> None:
    good = write_archive(tmp_path / "good.sql.zst")
    (tmp_path / "notes.txt").write_text("not an archive")
    (tmp_path / "plain.gz").write_bytes(gzip.compress(b"just some text\n"))
    (tmp_path / "empty.sql.zst").write_bytes(b"")
    (tmp_path / "sub.sql.zst").mkdir()  # a directory with an archive's name
    cut = tmp_path / "cut.sql.zst"
    cut.write_bytes(good.read_bytes()[:-40])  # the footer is gone
    bad = tmp_path / "bad.sql.zst"
    data = bytearray(good.read_bytes())
    data[-5] ^= 0xFF  # inside the footer's crc32
    bad.write_bytes(bytes(data))
    (tmp_path / "garbage.sql.zst").write_bytes(os.urandom(300))
    by_name = {e.name: e for e in list_backups(tmp_path)}
    assert set(by_name) == {
        *("good.sql.zst", "cut.sql.zst", "bad.sql.zst", "empty.sql.zst", "garbage.sql.zst"),
        "plain.gz",  # not ours, listed as such: nothing vanishes from the listing
    }
    assert by_name["empty.sql.zst"].status == "empty" and by_name["empty.sql.zst"].flagged
    assert "is empty (0 bytes)" in by_name["empty.sql.zst"].problem
    assert by_name["garbage.sql.zst"].status == "unrecognised"
    assert by_name["garbage.sql.zst"].flagged
    assert "named like one" in by_name["garbage.sql.zst"].problem
    assert by_name["plain.gz"].status == "not pgsnap" and not by_name["plain.gz"].flagged
    assert by_name["cut.sql.zst"].status == "incomplete" and by_name["cut.sql.zst"].flagged
    assert "truncated" in by_name["cut.sql.zst"].problem
    # the header still names the table of a file that lost its end
    assert by_name["cut.sql.zst"].table_names == ("public.papers",)
    assert by_name["bad.sql.zst"].status == "damaged" and "footer" in by_name["bad.sql.zst"].problem
    assert not by_name["good.sql.zst"].flagged


def test_partial_files_are_interrupted_or_in_progress(tmp_path: Path) -> None:
    source = write_archive(tmp_path / "src.sql.zst").read_bytes()
    os.unlink(tmp_path / "src.sql.zst")
    dead = tmp_path / f".papers_1.sql.zst.partial-{_dead_pid()}"
    dead.write_bytes(source[: len(source) // 2])
    running = tmp_path / f".papers_2.sql.zst.partial-{os.getpid()}"
    running.write_bytes(source[:10])  # not even the whole header yet
    by_name = {e.name: e for e in list_backups(tmp_path)}
    assert by_name[dead.name].status == "interrupted" and by_name[dead.name].flagged
    assert by_name[dead.name].table_names == ("public.papers",)
    assert "temporary file of an interrupted dump (process" in by_name[dead.name].problem
    assert by_name[running.name].status == "in progress" and not by_name[running.name].flagged


def test_list_reads_only_the_manifest(tmp_path: Path) -> None:
    """A corrupt data frame does not show in list (only verify reads the rows)."""
    path = write_archive(tmp_path / "a.sql.zst", rows=b"".join(b"%d\tt\n" % i for i in range(5000)))
    with archive.ArchiveReader.open(path) as reader:
        frame = next(f for f in reader.frames if f.kind == "data")
    data = bytearray(path.read_bytes())
    data[frame.offset + frame.length // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    assert [e.status for e in list_backups(tmp_path)] == ["ok"]
    assert cli("verify", str(path)).exit_code == 5


def test_missing_directory_and_file_argument(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError_, match="does not exist"):
        list_backups(tmp_path / "nope")
    path = write_archive(tmp_path / "a.sql.zst")
    with pytest.raises(UsageError, match="is not a directory"):
        list_backups(path)
    res = cli("list", str(tmp_path / "nope"))
    assert res.exit_code == 4 and 'directory "' in res.stderr


def test_cli_list_table_json_and_exit_codes(tmp_path: Path) -> None:
    write_archive(tmp_path / "papers_1.sql.zst", created_at=_day(2))
    write_archive(tmp_path / "orders_1.sql.gz", table="orders", created_at=_day(1))
    res = cli("list", str(tmp_path))
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert "papers_1.sql.zst" in lines[2] and "public.papers" in lines[2]  # newest first
    assert "orders_1.sql.gz" in lines[3] and "gzip" in lines[3] and "18.6 shop" in lines[3]
    parsed = json.loads(cli("list", str(tmp_path), "--json").stdout)
    assert [p["tables"] for p in parsed] == [["public.papers"], ["public.orders"]]
    assert parsed[0]["rows"] == 2 and parsed[0]["status"] == "ok" and parsed[0]["seconds"] == 7
    (tmp_path / "papers_2.sql.zst").write_bytes((tmp_path / "papers_1.sql.zst").read_bytes()[:-1])
    log = tmp_path / "cron.log"
    res = cli("--log-file", str(log), "list", str(tmp_path), "--quiet")
    assert res.exit_code == 5 and res.stdout == ""
    assert 'papers_2.sql.zst" is truncated' in log.read_text()
    assert f'warning: "{tmp_path / "papers_2.sql.zst"}" is truncated' in res.stderr


def test_cli_list_defaults_to_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_archive(tmp_path / "here.sql.zst")
    monkeypatch.chdir(tmp_path)
    res = cli("list")
    assert res.exit_code == 0 and "here.sql.zst" in res.stdout


def test_count_backups_by_table_and_database(tmp_path: Path) -> None:
    for day in (1, 2, 3):
        write_archive(tmp_path / f"papers_{day}.sql.zst", created_at=_day(day))
    write_archive(tmp_path / "papers_other.sql.zst", database="staging")
    write_archive(tmp_path / "orders.sql.zst", table="orders")
    write_archive(tmp_path / "archived.sql.zst", schema="archive")
    (tmp_path / "broken.sql.zst").write_bytes((tmp_path / "orders.sql.zst").read_bytes()[:50])
    assert count_backups(tmp_path, "public.papers") == 4
    assert count_backups(tmp_path, QualifiedName("public", "papers"), database="shop") == 3
    assert count_backups(tmp_path, "papers") == 5  # a bare name matches in any schema
    assert count_backups(tmp_path, "orders") == 1  # the broken file does not count
    assert count_backups(tmp_path, "public.nothing") == 0
    assert inventory.backup_warning(tmp_path, "public.papers", warn_after=4) is None
    warning = inventory.backup_warning(tmp_path, "public.papers", warn_after=3)
    assert warning is not None and "holds 4 backups of public.papers (more than 3)" in warning
    assert f"pgsnap prune {tmp_path} --keep 3" in warning


def test_count_backups_opens_only_the_archives_that_name_the_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # issue 13: a dump's count of its table's backups opened every archive of its folder
    write_archive(tmp_path / "papers_1.sql.zst")
    write_archive(tmp_path / "papers_2.sql.gz", created_at=_day(2))
    write_archive(tmp_path / "orders.sql.zst", table="orders")
    write_archive(tmp_path / "decoy.sql.zst", table="orders", columns=("id", "papers"))
    write_archive(tmp_path / "other_db.sql.zst", database="staging")
    write_archive(tmp_path / "päpers.sql.zst", table="päpers", database="schöp")
    (tmp_path / "cut.sql.zst").write_bytes((tmp_path / "papers_1.sql.zst").read_bytes()[:-9])
    opened: list[str] = []
    read_entry = inventory._read_entry
    monkeypatch.setattr(
        inventory,
        "_read_entry",
        lambda path, stat: opened.append(Path(path).name) or read_entry(path, stat),
    )
    listed = list_backups(tmp_path)
    opened.clear()
    assert count_backups(tmp_path, "public.papers", database="shop") == 2
    # the decoy names papers (a column) and is opened to be sure; the cut file has no manifest
    assert sorted(opened) == ["decoy.sql.zst", "papers_1.sql.zst", "papers_2.sql.gz"]
    for table, database in [("papers", None), ("päpers", "schöp"), ("orders", "shop")]:
        expected = sum(
            1
            for e in listed
            if e.complete
            and any(t.name == table for t in e.tables)
            and database in (None, e.database)
        )
        assert count_backups(tmp_path, table, database=database) == expected > 0


def test_prune_keeps_the_newest_per_table(tmp_path: Path) -> None:
    # names sort the other way round from created_at: prune must go by the manifest
    for day in range(1, 6):
        write_archive(tmp_path / f"p_{9 - day}.sql.zst", created_at=_day(day))
    for day in (1, 2):
        write_archive(tmp_path / f"o_{day}.sql.zst", table="orders", created_at=_day(day))
    write_archive(tmp_path / "staging.sql.zst", database="staging", created_at=_day(1))
    cut = tmp_path / "cut.sql.zst"
    cut.write_bytes((tmp_path / "o_1.sql.zst").read_bytes()[:-1])
    plan = prune(tmp_path, keep=2, dry_run=True)
    assert sorted(e.name for e in plan.removed) == ["p_6.sql.zst", "p_7.sql.zst", "p_8.sql.zst"]
    assert plan.dry_run and all(Path(e.path).exists() for e in plan.removed)
    assert [e.name for e in plan.untouched] == ["cut.sql.zst"]
    done = prune(tmp_path, keep=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "cut.sql.zst",
        "o_1.sql.zst",
        "o_2.sql.zst",
        "p_4.sql.zst",
        "p_5.sql.zst",
        "staging.sql.zst",
    ]
    assert done.freed_bytes == sum(e.file_bytes for e in plan.removed) > 0
    assert len(done.kept) == 5


def test_extracts_are_not_counted_as_backups(tmp_path: Path) -> None:
    for day in range(1, 6):
        write_archive(tmp_path / f"full_{day}.sql.zst", created_at=_day(day))
    write_archive(tmp_path / "recent.sql.zst", created_at=_day(9), where="id > 100")
    write_archive(tmp_path / "ddl.sql.zst", created_at=_day(8), contents="schema", rows=b"")
    write_archive(tmp_path / "rows.sql.zst", created_at=_day(7), contents="data")
    kinds = {e.name: (e.kind, e.complete) for e in list_backups(tmp_path)}
    assert kinds["recent.sql.zst"] == ("where", False)
    assert kinds["ddl.sql.zst"] == ("schema-only", False)
    assert kinds["rows.sql.zst"] == ("data-only", False)
    assert kinds["full_1.sql.zst"] == ("full", True)
    assert count_backups(tmp_path, "papers") == 5
    assert inventory.backup_warning(tmp_path, "papers", warn_after=5) is None
    plan = prune(tmp_path, keep=2, dry_run=True)  # the five full backups compete alone
    assert sorted(e.name for e in plan.removed) == [f"full_{d}.sql.zst" for d in (1, 2, 3)]
    assert "recent.sql.zst" not in {e.name for e in plan.kept}
    every = prune(tmp_path, keep=1, dry_run=True, include_extracts=True)
    assert len(every.removed) == 4 and len(every.kept) == 4  # each kind kept on its own
    res = cli("list", str(tmp_path))
    assert res.exit_code == 0 and "ok, where" in res.stdout


def test_pg_dump_files_are_recognised_and_explained(server: Server, tmp_path: Path) -> None:
    pg_dump = server.client("pg_dump")
    plain = subprocess.run(
        [str(pg_dump), "--dbname", server.client_dsn(), "--schema-only"],
        capture_output=True,
        check=True,
        env=server.client_env(),
    ).stdout
    (tmp_path / "old_backup.sql.gz").write_bytes(gzip.compress(plain))
    (tmp_path / "custom.dump.zst").write_bytes(zstandard.compress(b"PGDMP\x01\x0e\x00" * 10))
    write_archive(tmp_path / "good.sql.zst")
    by_name = {e.name: e for e in list_backups(tmp_path)}
    old = by_name["old_backup.sql.gz"]
    assert old.status == "not pgsnap" and not old.flagged
    assert "a pg_dump SQL script: restore it with gzip -dc" in old.problem
    assert "| psql -d DATABASE" in old.problem
    assert "pg_dump custom-format archive" in by_name["custom.dump.zst"].problem
    res = cli("list", str(tmp_path))
    assert res.exit_code == 0
    assert "2 files are not pgsnap archives:" in res.stderr and "old_backup.sql.gz" in res.stderr
    res = cli("load", str(tmp_path / "old_backup.sql.gz"), "--dsn", server.dsn())
    assert res.exit_code == 5
    assert "is not a pgsnap archive: it is a pg_dump SQL script: restore it with" in res.stderr
    listed = json.loads(cli("list", str(tmp_path), "--json").stdout)
    assert {e["status"] for e in listed} == {"ok", "not pgsnap"}


def test_prune_one_table_and_bad_keep(tmp_path: Path) -> None:
    for day in (1, 2, 3):
        write_archive(tmp_path / f"p_{day}.sql.zst", created_at=_day(day))
        write_archive(tmp_path / f"o_{day}.sql.zst", table="orders", created_at=_day(day))
    result = prune(tmp_path, keep=1, table="orders")
    assert sorted(e.name for e in result.removed) == ["o_1.sql.zst", "o_2.sql.zst"]
    assert count_backups(tmp_path, "papers") == 3
    with pytest.raises(UsageError, match="at least 1"):
        prune(tmp_path, keep=0)


def test_cli_prune(tmp_path: Path) -> None:
    for day in (1, 2, 3):
        write_archive(tmp_path / f"p_{day}.sql.zst", created_at=_day(day))
    res = cli("prune", str(tmp_path), "--keep", "1", "--dry-run")
    assert res.exit_code == 0 and "would remove 2 files" in res.stdout
    assert (
        f"would remove {tmp_path / 'p_1.sql.zst'} (public.papers, 2026-01-01 10:00:00 UTC)"
        in res.stdout
    )
    assert len(list(tmp_path.iterdir())) == 3
    res = cli("prune", str(tmp_path), "--keep", "1", "-q")
    assert res.exit_code == 0 and res.stdout == ""
    assert [p.name for p in tmp_path.iterdir()] == ["p_3.sql.zst"]
    assert cli("prune", str(tmp_path), "--keep", "0").exit_code == 2


def test_real_dumps_are_listed_and_counted(db: TestDB, tmp_path: Path) -> None:
    db.execute("CREATE TABLE t (id int); INSERT INTO t SELECT generate_series(1, 10)")
    for n in (1, 2):
        assert (
            cli("dump", "t", "--dsn", db.dsn, "-o", str(tmp_path / f"t_{n}.sql.zst")).exit_code == 0
        )
    entries = list_backups(tmp_path)
    assert [e.status for e in entries] == ["ok", "ok"]
    assert entries[0].rows == 10 and entries[0].database == db.name
    assert entries[0].server_version is not None
    assert entries[0].server_version.startswith(str(db.server.major))
    assert count_backups(tmp_path, "public.t", database=db.name) == 2


@pytest.mark.parametrize(("command", "fn"), [("list", "list_backups"), ("prune", "prune")])
def test_python_twin_takes_keyword_options(command: str, fn: str) -> None:
    twin = getattr(pgsnap, fn)
    params = list(inspect.signature(twin).parameters.values())
    assert params[0].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params[1:])
    for option in main.commands[command].params:
        if isinstance(option, click.Option) and option.name not in ("quiet", "as_json"):
            assert option.name in inspect.signature(twin).parameters, option.name


def test_names_that_look_like_markup_are_printed_as_they_are(tmp_path: Path) -> None:
    write_archive(tmp_path / "[bold]x.sql.zst", table="[/]")
    res = cli("list", str(tmp_path))
    assert res.exit_code == 0, res.output
    assert "[bold]x.sql.zst" in res.stdout and 'public."[/]"' in res.stdout
