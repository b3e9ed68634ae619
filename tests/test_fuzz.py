"""Fuzz: damaged and hostile archives never crash a command and are never half-believed.

Seeded and bounded (the case counts below; PGSNAP_FUZZ_SCALE=N runs N times as many).  Every
case is a file made from a good archive by one mutation of tests/fuzzkit.py, byte damage or
a structural lie with its checksums recomputed.  Each case goes through pgsnap.verify,
pgsnap.export, pgsnap.inspect, the pipe reader, pgsnap.list_backups and pgsnap.prune on a
directory, in-process, under a time bound; a sample goes through the CLI in a subprocess,
and another through pgsnap.load into a real server.  Every call must either

- refuse the file with a PgsnapError whose message is one lowercase line that names it, or
- accept it and give exactly what the good archive gives: the same row checksums, the same
  CSV bytes, the same rows read from a pipe, the same content md5 of the loaded tables.

Anything else (another exception, a hang, an accepted difference) fails the test, with the
case id (seed, base archive, mutation, number) that rebuilds the file: damaged() or lying()
with that base, kind and number writes it again.

Per run (PGSNAP_FUZZ_SCALE=1): 3 base archives x 450 byte-damage cases (the 9 kinds in turn),
3 x 30 structural mutations x 12, 120 loads per server (8 of them through the CLI too, from
the file or a pipe), and 24 CLI runs in a subprocess.  About two minutes on two busy cores.
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import psycopg
import pytest
from fuzzkit import (
    BYTE_DAMAGE,
    STRUCTURAL,
    layout_of,
    read_draft,
    reframed,
    write_draft,
    write_rich,
)
from helpers import content_md5
from pgservers import TestDB
from synthetic import write_archive

import pgsnap
from pgsnap.archive.inventory import (
    DAMAGED,
    EMPTY,
    INCOMPLETE,
    NEWER,
    OK,
    UNRECOGNISED,
    count_backups,
)
from pgsnap.archive.reader import manifest_mentions
from pgsnap.archive.sources import StreamSource
from pgsnap.errors import EXIT_BAD_ARCHIVE, ArchiveError, PgsnapError

SEED = 20260425
SCALE = float(os.environ.get("PGSNAP_FUZZ_SCALE", "1"))
BYTE_CASES = max(1, round(450 * SCALE))  # per base archive, the kinds of damage in turn
STRUCTURAL_CASES = max(1, round(12 * SCALE))  # per base archive and per mutation
LOAD_CASES = max(1, round(120 * SCALE))  # per server; every LOAD_CLI_EVERY-th one by the CLI too
LOAD_CLI_EVERY = 15
CLI_CASES = max(1, round(24 * SCALE))
CASE_SECONDS = 30.0  # the bound on one case: every call on it together
BASES = ("one.sql.zst", "rich.sql.zst", "rich.sql.gz")
EXIT_CODES = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 130}  # README: "Exit codes"


class Hung(BaseException):
    """Raised by the watchdog in a case that takes longer than CASE_SECONDS."""


@contextlib.contextmanager
def time_bound(seconds: float) -> Iterator[None]:
    def expire(signum: int, frame: FrameType | None) -> None:
        raise Hung(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# --- what the good archive gives -----------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    path: Path
    checksums: list[tuple[str, Any]]  # (table, Checksum) from verify
    csv: dict[str, bytes]  # export: file name -> bytes
    stream: list[tuple[str, bytes]]  # (table, rows) read from a pipe


def reference(path: Path, work: Path) -> Reference:
    result = pgsnap.verify(path)
    out = work / f"ref-csv-{path.name}"
    pgsnap.export(path, csv_dir=out)
    return Reference(
        path,
        [(t.table, t.archive) for t in result.tables],
        _files(out),
        _stream_rows(path.read_bytes()),
    )


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.exists() else {}


def _stream_rows(data: bytes) -> list[tuple[str, bytes]]:
    source = StreamSource(io.BytesIO(data))
    tables = [t.qname.display() for t in source.header.tables]
    rows = [b"".join(source.data(i)) for i in range(len(tables))]
    source.finish()
    return list(zip(tables, rows, strict=True))


@pytest.fixture(scope="module")
def bases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Reference]:
    work = tmp_path_factory.mktemp("bases")
    rows = b"".join(b"%d\tt\\\\itle %d\\nline\n" % (i, i) for i in range(300))
    one = write_archive(work / "one.sql.zst", rows=rows)
    paths = {
        "one.sql.zst": reframed(one, work / "one-framed.sql.zst", 3),
        "rich.sql.zst": write_rich(work / "rich.sql.zst", "zstd"),
        "rich.sql.gz": write_rich(work / "rich.sql.gz", "gzip"),
    }
    return {name: reference(path, work) for name, path in paths.items()}


# --- one case ------------------------------------------------------------------------------


@dataclass
class Tally:
    """Outcomes by (call, result) and the failures, for the report and the assertion."""

    outcomes: Counter[tuple[str, str]] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    seconds: dict[str, float] = field(default_factory=dict)  # per kind of case
    failures: list[str] = field(default_factory=list)
    slowest: float = 0.0

    def timed(self, kind: str, started: float) -> None:
        took = time.monotonic() - started
        self.kinds[kind] += 1
        self.seconds[kind] = self.seconds.get(kind, 0.0) + took
        self.slowest = max(self.slowest, took)

    def report(self, title: str) -> str:
        cases, total = sum(self.kinds.values()), sum(self.seconds.values())
        lines = [f"{title}: {cases} cases in {total:.1f} s, slowest {self.slowest:.2f} s"]
        lines += [
            f"  {call:8} {result:30} {n}" for (call, result), n in sorted(self.outcomes.items())
        ]
        most = sorted(self.seconds.items(), key=lambda kv: -kv[1])[:4]
        slow = ", ".join(f"{k} {t:.1f} s" for k, t in most)
        return "\n".join([*lines, f"  most time: {slow}"])

    def check(self, title: str) -> None:
        print("\n" + self.report(title))
        shown = "\n".join(self.failures[:15])
        assert not self.failures, f"{len(self.failures)} failures:\n{shown}"


Check = Callable[[Path, Reference, Path], str | None]


def check_message(error: PgsnapError, name: str) -> str | None:
    """What is wrong with an error's message: one lowercase line, that names the file when
    the file is what is wrong (an ArchiveError)."""
    text = str(error)
    if "\n" in text or "\r" in text or not text or len(text) > 2000:
        return f"message is not one short line: {text[:300]!r}"
    if text[0].isupper():
        return f"message starts with a capital: {text[:200]!r}"
    if isinstance(error, ArchiveError) and name not in text:
        return f"message does not name {name!r}: {text[:300]!r}"
    return None


def run_case(case: str, path: Path, ref: Reference, work: Path, tally: Tally) -> None:
    """Every in-process check on one file; the outcomes and failures go to `tally`."""
    for call, check in CHECKS.items():
        try:
            with time_bound(CASE_SECONDS):
                problem = check(path, ref, work)
        except PgsnapError as e:
            tally.outcomes[(call, f"refused {type(e).__name__}")] += 1
            name = "the input stream" if call == "stream" else str(path)
            problem = check_message(e, name)
        except Hung as e:
            problem = f"hung: {e}"
        except Exception as e:
            where = traceback.extract_tb(e.__traceback__)[-1]
            problem = f"{type(e).__name__}: {str(e)[:200]} at {where.filename}:{where.lineno}"
        else:
            tally.outcomes[(call, "accepted, identical" if problem is None else "accepted")] += 1
        if problem is not None:
            tally.failures.append(f"{case}: {call}: {problem}")


def check_verify(path: Path, ref: Reference, work: Path) -> str | None:
    got = [(t.table, t.archive) for t in pgsnap.verify(path).tables]
    return None if got == ref.checksums else f"accepted other rows: {got} != {ref.checksums}"


def check_export(path: Path, ref: Reference, work: Path) -> str | None:
    out = work / "csv"
    shutil.rmtree(out, ignore_errors=True)
    try:
        pgsnap.export(path, csv_dir=out)
    except PgsnapError:
        left = _files(out)
        wrong = [n for n, data in left.items() if ref.csv.get(n) != data]
        if wrong:  # a table exported before the bad one must be whole and right
            return f"refused, but left {wrong} behind"
        raise
    got = _files(out)
    return None if got == ref.csv else f"accepted other csv: {sorted(got)} ({len(got)} files)"


def check_inspect(path: Path, ref: Reference, work: Path) -> str | None:
    from pgsnap.tools.inspect import to_json

    info = pgsnap.inspect(path)
    to_json(info)
    return None


def check_stream(path: Path, ref: Reference, work: Path) -> str | None:
    got = _stream_rows(path.read_bytes())
    return None if got == ref.stream else "accepted other rows from a pipe"


def check_directory(path: Path, ref: Reference, work: Path) -> str | None:
    """list and prune on a directory that holds the case's file and a good archive."""
    folder = work / "dir"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    shutil.copy(ref.path, folder / f"good{''.join(ref.path.suffixes)}")
    shutil.copy(path, folder / f"case{''.join(path.suffixes)}")
    entries = {e.name: e for e in pgsnap.list_backups(folder)}
    good = entries.get(f"good{''.join(ref.path.suffixes)}")
    if good is None or good.status != OK:
        return f"list lost the good file: {good}"
    case = entries.get(f"case{''.join(path.suffixes)}")
    if case is None:
        return "list left out a file named like an archive"
    if case.status not in (OK, DAMAGED, INCOMPLETE, NEWER, UNRECOGNISED, EMPTY):
        return f"list says {case.status}"
    if case.status not in (OK, NEWER) and not case.flagged:
        return f"list does not flag a {case.status} file"
    result = pgsnap.prune(folder, keep=1, dry_run=True)
    if any(e.name.startswith("good") for e in result.untouched):
        return "prune flagged the good file"
    return _check_count(folder, entries)


def _check_count(folder: Path, entries: dict[str, Any]) -> str | None:
    """count_backups, which opens only the archives whose manifest names the table, counts
    what the full listing counts (and the look into the case's manifest never raises)."""
    name = entries[next(n for n in entries if n.startswith("good"))].tables[0].name
    for path in folder.iterdir():
        if not isinstance(manifest_mentions(path, [name, "x"]), bool):
            return "manifest_mentions gave no bool"
    expected = sum(
        1 for e in entries.values() if e.complete and any(t.name == name for t in e.tables)
    )
    counted = count_backups(folder, name)
    return None if counted == expected else f"count_backups says {counted}, the list {expected}"


CHECKS: dict[str, Check] = {
    "verify": check_verify,
    "export": check_export,
    "inspect": check_inspect,
    "stream": check_stream,
    "list": check_directory,
}


# --- the cases -----------------------------------------------------------------------------


def damaged(ref: Reference, kind: str, number: int, out: Path) -> tuple[str, Path]:
    """Case `number` of byte damage `kind` to the base archive, written to `out`."""
    case = f"seed {SEED} {ref.path.name} {kind} #{number}"
    rng = random.Random(case)
    data = ref.path.read_bytes()
    out.write_bytes(BYTE_DAMAGE[kind](rng, data, layout_of(ref.path)))
    return case, out


def lying(ref: Reference, kind: str, number: int, out: Path) -> tuple[str, Path]:
    """Case `number` of the structural mutation `kind`, written to `out`."""
    case = f"seed {SEED} {ref.path.name} {kind} #{number}"
    draft = read_draft(ref.path)
    STRUCTURAL[kind](random.Random(case), draft)
    return case, write_draft(draft, out)


def _out(work: Path, ref: Reference) -> Path:
    return work / f"case{''.join(ref.path.suffixes)}"


@pytest.mark.parametrize("base", BASES)
def test_byte_damage(base: str, bases: dict[str, Reference], tmp_path: Path) -> None:
    ref, tally = bases[base], Tally()
    kinds = sorted(BYTE_DAMAGE)
    for number in range(BYTE_CASES):
        kind, started = kinds[number % len(kinds)], time.monotonic()
        case, path = damaged(ref, kind, number, _out(tmp_path, ref))
        run_case(case, path, ref, tmp_path, tally)
        tally.timed(kind, started)
    tally.check(f"byte damage to {base}")


@pytest.mark.parametrize("base", BASES)
def test_structural_lies(base: str, bases: dict[str, Reference], tmp_path: Path) -> None:
    ref, tally = bases[base], Tally()
    for kind in sorted(STRUCTURAL):
        for number in range(STRUCTURAL_CASES):
            started = time.monotonic()
            case, path = lying(ref, kind, number, _out(tmp_path, ref))
            run_case(case, path, ref, tmp_path, tally)
            tally.timed(kind, started)
    tally.check(f"structural lies in {base}")


def test_the_good_archives_are_accepted(bases: dict[str, Reference], tmp_path: Path) -> None:
    """The oracle's own check: an unchanged archive passes every check."""
    for ref in bases.values():
        tally = Tally()
        run_case("good", ref.path, ref, tmp_path, tally)
        assert not tally.failures and all(r == "accepted, identical" for _, r in tally.outcomes)


# --- the CLI, in a subprocess ----------------------------------------------------------------


def cli_run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, "-m", "pgsnap", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def cli_problem(res: subprocess.CompletedProcess[str], listing: bool) -> str | None:
    """What is wrong with a run: a traceback, an undocumented exit code, noise on stderr."""
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    if "Traceback" in res.stderr or res.returncode not in EXIT_CODES:
        return f"exit {res.returncode}: {res.stderr[-800:]}"
    if listing:  # list and prune: warnings for flagged files, exit 5
        ok = all(line.startswith("pgsnap: warning: ") for line in lines)
        return None if ok and res.returncode in (0, EXIT_BAD_ARCHIVE) else res.stderr[-800:]
    if res.returncode == 0:
        return None if not lines else f"exit 0 but stderr: {res.stderr[-800:]}"
    if len(lines) != 1 or not lines[0].startswith("pgsnap: error: "):
        return f"exit {res.returncode}, stderr not one error line: {res.stderr[-800:]}"
    return None if res.returncode == EXIT_BAD_ARCHIVE else f"exit {res.returncode}: {lines[0]}"


def test_cli_in_a_subprocess(bases: dict[str, Reference], tmp_path: Path) -> None:
    """A sample of the cases through `python -m pgsnap`: no traceback, no hang, one line."""
    rng, failures, codes = random.Random(SEED), [], Counter[tuple[str, int]]()
    commands = ["verify", "export", "inspect", "list", "prune"]
    for number in range(CLI_CASES):
        ref = bases[BASES[number % len(BASES)]]
        folder = tmp_path / f"d{number}"
        folder.mkdir()
        shutil.copy(ref.path, folder / f"good{''.join(ref.path.suffixes)}")
        out = _out(folder, ref)
        if number % 2:
            case, path = damaged(ref, rng.choice(sorted(BYTE_DAMAGE)), number, out)
        else:
            case, path = lying(ref, rng.choice(sorted(STRUCTURAL)), number, out)
        command = commands[number % len(commands)]
        args = {
            "export": [command, str(path), "--csv", str(folder / "csv"), "-q"],
            "list": [command, str(folder), "-q"],
            "prune": [command, str(folder), "--keep", "1", "--dry-run", "-q"],
        }.get(command, [command, str(path), "-q"])
        res = cli_run(*args)
        codes[(command, res.returncode)] += 1
        problem = cli_problem(res, command in ("list", "prune"))
        if problem is not None:
            failures.append(f"{case}: {command}: {problem}")
    print(f"\ncli exit codes: {sorted(codes.items())}")
    assert not failures, "\n".join(failures[:10])


# --- load into a real server ---------------------------------------------------------------

LOAD_SOURCE = r"""
CREATE SCHEMA app;
CREATE TABLE papers (id int PRIMARY KEY, title text NOT NULL, note text, score numeric);
INSERT INTO papers SELECT g, 'paper ' || g, CASE WHEN g % 3 = 0 THEN NULL ELSE E'tab\there\nline ✓' END, g / 7.0
  FROM generate_series(1, 120) g;
CREATE TABLE app.items (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, tags text[], b bytea, "Odd, name" text);
INSERT INTO app.items (tags, b, "Odd, name") SELECT ARRAY['a', g::text], decode(md5(g::text), 'hex'), E'\\.'
  FROM generate_series(1, 60) g;
CREATE TABLE one_col (v text);
INSERT INTO one_col VALUES (''), (NULL), (E'\\.'), ('x');
"""
LOADED = (("public", "papers"), ("app", "items"), ("public", "one_col"))


def _user_tables(dsn: str) -> list[tuple[str, str]]:
    query = (
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
        " ORDER BY 1, 2"
    )
    with psycopg.connect(dsn) as conn:
        return [(str(s), str(t)) for s, t in conn.execute(query).fetchall()]


def _clean(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        for (name,) in conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%'"
            " AND nspname NOT IN ('information_schema')"
        ).fetchall():
            conn.execute(f'DROP SCHEMA "{name}" CASCADE')
        conn.execute("CREATE SCHEMA public")


def _loaded(dsn: str) -> dict[tuple[str, str], tuple[int, str]]:
    return {(s, t): content_md5(dsn, t, s) for s, t in _user_tables(dsn)}


def test_load_never_accepts_other_rows(db: TestDB, tmp_path: Path) -> None:
    db.execute(LOAD_SOURCE)
    dumped = tmp_path / "src.sql.zst"
    pgsnap.dump(schemas=["public", "app"], dsn=db.dsn, output=dumped)
    good = reframed(dumped, tmp_path / "good.sql.zst", 3)
    expected = {name: content_md5(db.dsn, name[1], name[0]) for name in LOADED}
    ref = Reference(good, [], {}, [])
    target = db.make_db()
    rng, tally = random.Random(SEED), Tally()
    pgsnap.load(str(good), dsn=target.dsn)
    assert _loaded(target.dsn) == expected
    for number in range(LOAD_CASES):
        _clean(target.dsn)
        out, started = tmp_path / "case.sql.zst", time.monotonic()
        if number % 3 == 0:
            case, path = damaged(ref, rng.choice(sorted(BYTE_DAMAGE)), number, out)
        else:
            case, path = lying(ref, rng.choice(sorted(STRUCTURAL)), number, out)
        problem = _load_case(path, target.dsn, expected, tally)
        if problem is None and number % LOAD_CLI_EVERY == 0:
            problem = _load_cli(path, target.dsn, expected, pipe=number % 2 == 1)
        if problem is not None:
            tally.failures.append(f"{case}: load: {problem}")
        tally.timed(case.split()[3], started)
    tally.check(f"load on {db.server.label}")


def _load_case(
    path: Path, dsn: str, expected: dict[tuple[str, str], tuple[int, str]], tally: Tally
) -> str | None:
    try:
        with time_bound(CASE_SECONDS * 2):
            pgsnap.load(str(path), dsn=dsn)
    except PgsnapError as e:
        tally.outcomes[("load", f"refused {type(e).__name__}")] += 1
        left = _user_tables(dsn)
        return f"refused but left {left}: {e}" if left else check_message(e, str(path))
    except Hung as e:
        return f"hung: {e}"
    except Exception as e:
        where = traceback.extract_tb(e.__traceback__)[-1]
        return f"{type(e).__name__}: {str(e)[:200]} at {where.filename}:{where.lineno}"
    got = _loaded(dsn)
    tally.outcomes[("load", "accepted, identical" if got == expected else "accepted")] += 1
    return None if got == expected else f"accepted other rows: {got}"


def _load_cli(
    path: Path, dsn: str, expected: dict[tuple[str, str], tuple[int, str]], *, pipe: bool
) -> str | None:
    """The same case through `python -m pgsnap load`, from the file or from a pipe."""
    _clean(dsn)
    args = ["load", "-" if pipe else str(path), "--dsn", dsn, "-q"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "DATABASE_URL"))}
    res = subprocess.run(
        [sys.executable, "-m", "pgsnap", *args],
        input=path.read_bytes() if pipe else None,
        capture_output=True,
        env=env,
        timeout=120,
    )
    text = subprocess.CompletedProcess(
        args, res.returncode, "", res.stderr.decode(errors="replace")
    )
    problem = cli_problem(text, listing=False)
    if problem is None and res.returncode == 0 and _loaded(dsn) != expected:
        problem = "the cli accepted other rows"
    if problem is None and res.returncode != 0 and _user_tables(dsn):
        problem = f"the cli refused but left {_user_tables(dsn)}"
    return None if problem is None else f"cli ({'pipe' if pipe else 'file'}): {problem}"
