"""Malformed headers and manifests: every command refuses them with one clean line, exit 5.

The archives here are well-formed at the frame level (checksums, offsets and footer are
right), so only the strict parser of pgsnap/archive/manifest.py stands between them and the
commands.  `list` and `prune` flag the bad file and go on with the good ones.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fuzzkit import Draft, Part, read_draft, write_draft, write_rich
from helpers import cli, cli_subprocess
from pgservers import TestDB
from synthetic import write_archive

from pgsnap import archive
from pgsnap.archive import FrameFile, compress_frame, encode_footer
from pgsnap.archive.frames import HEADER_PREFIX, MANIFEST_PREFIX, dumps_json
from pgsnap.errors import EXIT_BAD_ARCHIVE
from pgsnap.shape import ShapeError, loads

Doc = dict[str, Any]
DEEP = "__deep__"  # replaced by a deeply nested JSON value in the text


def _deep(d: Doc) -> None:
    d["tables"][0]["owned"] = {"indexes": DEEP}


def _set(path: tuple[Any, ...], value: Any) -> Callable[[Doc], None]:
    def mutate(d: Doc) -> None:
        for key in path[:-1]:
            d = d[key]
        d[path[-1]] = value

    return mutate


def _drop(path: tuple[Any, ...]) -> Callable[[Doc], None]:
    def mutate(d: Doc) -> None:
        for key in path[:-1]:
            d = d[key]
        del d[path[-1]]

    return mutate


def _misspell(d: Doc) -> None:
    column = d["tables"][0]["columns"][0]
    column["nmae"] = column.pop("name")


# (case id, mutation, where: "manifest" | "header" | "both", what the error must say)
CASES: list[tuple[str, Callable[[Doc], None], str, str]] = [
    ("deep-nesting", _deep, "manifest", "nests more than"),
    ("tables-not-a-list", _set(("tables",), -1), "manifest", "tables: expected a list"),
    ("tables-an-object", _set(("tables",), {"a": 1}), "both", "tables: expected a list"),
    ("no-tables", _drop(("tables",)), "manifest", 'missing key "tables"'),
    ("no-rows", _drop(("rows",)), "manifest", 'missing key "rows"'),
    ("rows-a-string", _set(("rows",), "2"), "manifest", "rows: expected a list"),
    ("misspelled-column-key", _misspell, "both", 'unknown key "nmae"'),
    ("column-type-a-number", _set(("tables", 0, "columns", 0, "type"), 7), "both", "type"),
    ("not-null-a-string", _set(("tables", 0, "columns", 0, "not_null"), "yes"), "both", "true"),
    ("no-columns", _drop(("tables", 0, "columns")), "both", 'missing key "columns"'),
    ("unknown-top-key", _set(("surprise",), 1), "both", 'unknown key "surprise"'),
    ("long-table-name", _set(("tables", 0, "name"), "t" * 300), "both", "1 to 63 bytes"),
    ("bad-relkind", _set(("tables", 0, "kind"), "v"), "both", "tables[0].kind"),
    ("negative-size", _set(("tables", 0, "stats"), {"table_bytes": -5}), "both", "at least 0"),
    ("header-disagrees", _set(("database",), "other"), "header", 'another "database"'),
    # found by tests/test_fuzz.py: each crashed a command (UnicodeEncodeError) or broke the line
    ("lone-surrogate-name", _set(("tables", 0, "name"), "\ud800"), "both", "lone surrogate"),
    ("nul-in-a-column", _set(("tables", 0, "columns", 0, "name"), "a\x00b"), "both", "NUL"),
    ("surrogate-in-a-type", _set(("tables", 0, "columns", 0, "type"), "\udcff"), "both", "unicode"),
    ("integer-over-64-bits", _set(("database_bytes",), 2**64), "both", "fits in 64 bits"),
    ("newline-in-a-key", _set(("tables", 0, "\nbad"), 1), "both", 'unknown key "\\x0abad"'),
]
IDS = [c[0] for c in CASES]


def _mutated(doc: Doc, mutate: Callable[[Doc], None]) -> str:
    changed = copy.deepcopy(doc)
    mutate(changed)
    return dumps_json(changed).replace(json.dumps(DEEP), "[" * 5000 + "]" * 5000)


def write_bad(path: Path, mutate: Callable[[Doc], None], where: str) -> Path:
    """A copy of a good synthetic archive whose header and/or manifest JSON is mutated; the
    frames' offsets, checksums and the footer are recomputed, so only the shape is wrong."""
    good = write_archive(path.with_name("good_" + path.name))
    with FrameFile.open(good) as reader:
        header, manifest = reader.header_json, reader.manifest_json
        frames = [reader.read_compressed(i) for i in range(len(reader.frames))]
        first = reader.read_frame(0).decode()
    body = first.split("\n", 2)[2]
    head_json = _mutated(header, mutate) if where in ("header", "both") else dumps_json(header)
    head_text = first.split("\n", 1)[0] + "\n" + HEADER_PREFIX + head_json + "\n" + body
    out = [compress_frame("zstd", head_text.encode()), *frames[1:]]
    entries = _entries(out, [raw for raw in [head_text.encode()]], manifest)
    doc = dict(manifest, frames=entries)
    text = _mutated(doc, mutate) if where in ("manifest", "both") else dumps_json(doc)
    data = compress_frame("zstd", (MANIFEST_PREFIX + text + "\n").encode())
    offset = sum(len(f) for f in out)
    path.write_bytes(b"".join(out) + data + encode_footer("zstd", offset, len(data)))
    good.unlink()
    return path


def _entries(frames: list[bytes], first_raw: list[bytes], manifest: Doc) -> list[Doc]:
    """The manifest's frame list with frame 0 replaced by the rewritten header frame."""
    entries: list[Doc] = copy.deepcopy(manifest["frames"])
    raw = first_raw[0]
    entries[0].update(length=len(frames[0]), raw_size=len(raw), crc32=archive.crc32(raw))
    offset = 0
    for entry, data in zip(entries, frames, strict=True):
        entry["offset"] = offset
        offset += len(data)
    return entries


def _one_error_line(stderr: str, name: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("pgsnap: error: "), stderr
    assert name in lines[0] and "Traceback" not in stderr
    return lines[0]


@pytest.mark.parametrize(("case", "mutate", "where", "says"), CASES, ids=IDS)
@pytest.mark.parametrize("command", ["inspect", "verify", "export"])
def test_file_commands_refuse_a_malformed_archive(
    command: str, case: str, mutate: Callable[[Doc], None], where: str, says: str, tmp_path: Path
) -> None:
    bad = write_bad(tmp_path / "bad.sql.zst", mutate, where)
    extra = ["--csv", str(tmp_path / "csv")] if command == "export" else []
    res = cli(command, str(bad), *extra)
    assert res.exit_code == EXIT_BAD_ARCHIVE, res.output
    line = _one_error_line(res.stderr, str(bad))
    assert "is corrupt" in line and says in line
    assert not (tmp_path / "csv").exists() or not list((tmp_path / "csv").iterdir())


@pytest.mark.parametrize(("case", "mutate", "where", "says"), CASES, ids=IDS)
def test_list_and_prune_flag_the_bad_file_and_keep_the_good_ones(
    case: str, mutate: Callable[[Doc], None], where: str, says: str, tmp_path: Path
) -> None:
    bad = write_bad(tmp_path / "papers_bad.sql.zst", mutate, where)
    for day in (1, 2):
        write_archive(tmp_path / f"papers_{day}.sql.zst", created_at=f"2026-01-0{day}T10:00:00")
    res = cli("list", str(tmp_path))
    assert res.exit_code == EXIT_BAD_ARCHIVE
    assert "papers_1.sql.zst" in res.stdout and "papers_2.sql.zst" in res.stdout
    assert "damaged" in res.stdout and "Traceback" not in res.output
    warnings = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(warnings) == 1 and str(bad) in warnings[0] and says in warnings[0]
    res = cli("prune", str(tmp_path), "--keep", "1")
    assert res.exit_code == EXIT_BAD_ARCHIVE, res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["papers_2.sql.zst", "papers_bad.sql.zst"]
    assert f"left {bad} alone: it is damaged" in res.stderr


@pytest.mark.parametrize(("case", "mutate", "where", "says"), CASES, ids=IDS)
def test_load_refuses_a_malformed_archive_before_any_change(
    case: str, mutate: Callable[[Doc], None], where: str, says: str, db: TestDB, tmp_path: Path
) -> None:
    bad = write_bad(tmp_path / "bad.sql.zst", mutate, where)
    res = cli("load", str(bad), "--dsn", db.dsn)
    assert res.exit_code == EXIT_BAD_ARCHIVE, res.output
    line = _one_error_line(res.stderr, str(bad))
    assert says in line
    assert db.execute("SELECT count(*) FROM pg_class WHERE relname = 'papers'") == [(0,)]


@pytest.mark.parametrize(("case", "mutate", "where", "says"), CASES, ids=IDS)
def test_load_from_a_pipe_refuses_a_malformed_archive(
    case: str, mutate: Callable[[Doc], None], where: str, says: str, db: TestDB, tmp_path: Path
) -> None:
    """Read front to back, a bad header stops the load at once and a bad manifest at its end;
    either way the restore is rolled back."""
    bad = write_bad(tmp_path / "bad.sql.zst", mutate, where)
    res = cli("load", "-", "--dsn", db.dsn, "-q", input=bad.read_bytes())
    assert res.exit_code == EXIT_BAD_ARCHIVE, res.output
    line = _one_error_line(res.stderr, "the input stream")
    assert says in line
    assert db.execute("SELECT count(*) FROM pg_class WHERE relname = 'papers'") == [(0,)]


def test_the_depth_check_takes_linear_time(tmp_path: Path) -> None:
    """A manifest cut inside a long string of escaped quotes: the depth check used to retry
    from every quote (40 kB took 12 s); now it is one pass, and the file is refused."""
    started = time.monotonic()
    with pytest.raises(ValueError):
        loads('{"tables":' + '"\\' * 200_000)
    assert time.monotonic() - started < 5
    draft = read_draft(write_archive(tmp_path / "good.sql.zst"))
    draft.manifest["database"] = '"\\' * 100_000
    draft.manifest_text = lambda text: text[: len(text) // 2]
    bad = write_draft(draft, tmp_path / "bad.sql.zst")
    started = time.monotonic()
    res = cli("verify", str(bad))
    assert time.monotonic() - started < 10
    assert res.exit_code == EXIT_BAD_ARCHIVE and "is corrupt: bad json" not in res.stderr
    assert "the manifest at byte" in _one_error_line(res.stderr, str(bad))


# --- the script around the rows must say what the manifest says --------------------------
#
# The frames are intact and every checksum is right; only the manifest's frame list or its
# tables disagree with the script (the sql frames' text).  Believed, each of these would
# export, verify or load rows under the wrong table, or drop some of them.


def _entry(index: int, **values: Any) -> Callable[[Draft], None]:
    def change(d: Draft) -> None:
        d.edits.append(lambda entries: entries[index].update(values))
        d.recount = True

    return change


def _both(change: Callable[[Doc], None]) -> Callable[[Draft], None]:
    def apply(d: Draft) -> None:
        for doc in (d.header, d.manifest):
            change(doc)
        d.recount = True

    return apply


def _reorder(doc: Doc) -> None:
    doc["tables"][0], doc["tables"][1] = doc["tables"][1], doc["tables"][0]


def _add_table(doc: Doc) -> None:
    added = 'CREATE TABLE "public"."added" ("x" text)'
    doc["tables"].append(dict(copy.deepcopy(doc["tables"][2]), name="added", pre_data=[added]))


def _bad_row(d: Draft) -> None:
    part = d.parts[6]  # the second data frame of app."Big Orders"
    d.parts[6] = Part("data", part.table, part.raw.replace(b"\n", b"\tone more\n", 1))


def _end_marker(d: Draft) -> None:
    part = d.parts[1]
    d.parts[1] = Part("data", part.table, part.raw + b"\\.\n")
    d.recount = True


# frames of the rich archive: 0 header + COPY papers, 1-3 papers, 4 \. + COPY "Big Orders",
# 5-6 "Big Orders", 7 \. + COPY empty, 8 \. + COPY single, 9 single, 10 \. + COPY nocols,
# 11 nocols, 12 \. + post-data
SCRIPT_CASES: list[tuple[str, Callable[[Draft], None], str]] = [
    ("data-frame-said-to-be-sql", _entry(2, kind="sql", table=None, rows=0), "frame 2 at byte"),
    ("sql-frame-said-to-be-data", _entry(12, kind="data", table=4, rows=1), "ends inside a COPY"),
    ("frame-given-to-another-table", _entry(5, table=0), "inside the COPY of table 1"),
    ("frame-given-to-a-later-table", _entry(3, table=1), "inside the COPY of table 0"),
    ("tables-reordered", _both(_reorder), "its COPY line is not that of table 0"),
    ("table-added", _both(_add_table), "5 COPY sections, the manifest 6 tables"),
    ("column-renamed", _both(_set(("tables", 3, "columns", 0, "name"), "w")), "table 3"),
    ("column-dropped", _both(_drop(("tables", 0, "columns", 2))), "table 0"),
    ("row-with-another-field-count", _bad_row, "row 1 has 5 fields, the table has 4 columns"),
    ("row-that-ends-the-copy", _end_marker, "starts with the end-of-copy marker"),
]
SCRIPT_IDS = [c[0] for c in SCRIPT_CASES]


def write_lying(path: Path, change: Callable[[Draft], None]) -> Path:
    good = write_rich(path.with_name("good_" + path.name), "zstd")
    draft = read_draft(good)
    change(draft)
    good.unlink()
    return write_draft(draft, path)


@pytest.mark.parametrize(("case", "change", "says"), SCRIPT_CASES, ids=SCRIPT_IDS)
@pytest.mark.parametrize("command", ["inspect", "verify", "export", "list"])
def test_a_manifest_that_disagrees_with_the_script_is_refused(
    command: str, case: str, change: Callable[[Draft], None], says: str, tmp_path: Path
) -> None:
    bad = write_lying(tmp_path / "bad.sql.zst", change)
    rows_only = case.startswith("row-")  # the frame list is right: open() cannot tell
    if command == "list":
        res = cli("list", str(tmp_path))
        assert res.exit_code == (0 if rows_only else EXIT_BAD_ARCHIVE), res.output
        assert rows_only or (says in res.stderr and "damaged" in res.stdout)
        return
    csv = tmp_path / "csv"
    res = cli(command, str(bad), "-q", *(["--csv", str(csv)] if command == "export" else []))
    if command == "inspect" and rows_only:  # inspect reads no rows
        assert res.exit_code == 0, res.output
        return
    assert res.exit_code == EXIT_BAD_ARCHIVE, res.output
    line = _one_error_line(res.stderr, str(bad))
    assert "is corrupt" in line and says in line
    assert not csv.exists() or {p.name for p in csv.iterdir()} <= {"papers.csv"}


@pytest.mark.parametrize(("case", "change", "says"), SCRIPT_CASES, ids=SCRIPT_IDS)
def test_load_refuses_a_manifest_that_disagrees_with_the_script(
    case: str, change: Callable[[Draft], None], says: str, db: TestDB, tmp_path: Path
) -> None:
    bad = write_lying(tmp_path / "bad.sql.zst", change)
    for source, stdin in ((str(bad), None), ("-", bad.read_bytes())):
        res = cli("load", source, "--dsn", db.dsn, "-q", input=stdin)
        assert res.exit_code == EXIT_BAD_ARCHIVE, res.output
        _one_error_line(res.stderr, "the input stream" if stdin else str(bad))
        assert db.execute("SELECT count(*) FROM pg_class WHERE relname = 'papers'") == [(0,)]


def test_a_300_character_table_name_through_the_cli(db: TestDB, tmp_path: Path) -> None:
    """Every command, in a subprocess: one line, exit 5; list and prune keep the good files."""
    bad = write_bad(
        tmp_path / "papers_long.sql.zst", _set(("tables", 0, "name"), "t" * 300), "both"
    )
    write_archive(tmp_path / "papers_good.sql.zst")
    runs = {
        "inspect": ["inspect", str(bad)],
        "verify": ["verify", str(bad)],
        "export": ["export", str(bad), "--csv", str(tmp_path / "csv")],
        "load": ["load", str(bad), "--dsn", db.dsn],
    }
    for command, args in runs.items():
        res = cli_subprocess(*args)
        stderr = res.stderr.decode()
        assert res.returncode == EXIT_BAD_ARCHIVE, (command, stderr)
        assert "1 to 63 bytes" in _one_error_line(stderr, str(bad)), command
    assert not (tmp_path / "csv").exists() or not list((tmp_path / "csv").iterdir())
    for args in (["list", str(tmp_path)], ["prune", str(tmp_path), "--keep", "1", "--dry-run"]):
        res = cli_subprocess(*args)
        out, err = res.stdout.decode(), res.stderr.decode()
        assert res.returncode == EXIT_BAD_ARCHIVE and "Traceback" not in err, err
        assert all(line.startswith("pgsnap: warning: ") for line in err.splitlines() if line)
        assert "papers_good.sql.zst" in out or args[0] == "prune"
        assert str(bad) in err


@pytest.mark.parametrize(
    ("text", "deep"),
    [
        ("[" * 16 + "]" * 16, False),
        ("[" * 17 + "]" * 17, True),
        ('{"a":' * 16 + "1" + "}" * 16, False),
        ('{"a":' * 16 + "{}" + "}" * 16, True),  # an empty object is a level too
        ('[{"a":[' + "[]," * 3 + '"[[[[[[[[[[[[[[[[[["]}]', False),  # brackets in a string
        ("[" * 200_000 + "]" * 200_000, True),  # deeper than json.loads goes
        ('"' + "[" * 50 + '"', False),
    ],
)
def test_loads_bounds_the_nesting(text: str, deep: bool) -> None:
    if deep:
        with pytest.raises(ShapeError, match="nests more than 16 levels deep"):
            loads(text)
    else:
        assert loads(text) == json.loads(text)
