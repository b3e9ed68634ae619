"""Progress for every phase of a load: rows, then each index and key build with the server's
own percentages, the swap and ANALYZE; plain lines off a terminal; a sink for scripts."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import cli_subprocess
from pgservers import TestDB

import pgsnap
from pgsnap.cli import display
from pgsnap.progress import Event, printed_progress

# an index whose build takes about 2 s: pg_sleep per row, so the watcher sees it in progress
SLOW_INDEX = """
CREATE FUNCTION slow_id(i int) RETURNS int LANGUAGE sql IMMUTABLE
  AS 'SELECT i FROM pg_catalog.pg_sleep(0.002)';
CREATE TABLE measures (id int PRIMARY KEY, v text);
INSERT INTO measures SELECT g, md5(g::text) FROM generate_series(1, 1000) g;
CREATE INDEX measures_slow ON measures (slow_id(id));
"""


@pytest.fixture
def measures(db: TestDB, tmp_path: Path) -> Path:
    db.execute(SLOW_INDEX)
    out = tmp_path / "measures.sql.zst"
    pgsnap.dump("measures", dsn=db.dsn, output=out)
    return out


@pytest.mark.parametrize("jobs", [1, 2])
def test_load_reports_every_phase(db: TestDB, measures: Path, jobs: int) -> None:
    events: list[Event] = []
    pgsnap.load(measures, dsn=db.dsn, replace=True, jobs=jobs, progress=events.append)
    phases = [e.message for e in events if e.kind == "phase"]
    assert any("measures_slow" in p or "indexes" in p for p in phases), phases
    assert any(p.startswith("adding primary key") or "indexes" in p for p in phases), phases
    assert (any("swapping" in p for p in phases) and phases[-1] == "analyzing") or jobs == 2
    percents = [e.percent for e in events if e.kind == "percent"]
    assert percents, "no percentage seen during a 2 s index build"
    assert all(p is not None and 0 <= p <= 100 for p in percents)
    kinds = [e.kind for e in events]
    assert kinds.index("done") < kinds.index("phase")  # the rows, then the phases


def test_plain_lines_say_the_phase_off_a_terminal(db: TestDB, measures: Path) -> None:
    res = cli_subprocess("load", str(measures), "--dsn", db.dsn, "--replace")
    err = res.stderr.decode()
    assert res.returncode == 0, err
    assert "  public.measures: building index measures_slow (2 of 2)" in err
    assert "  public.measures: analyzing" in err


def test_plain_row_lines_have_percent_and_eta(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(display, "PLAIN_INTERVAL_S", 0.0)
    shown = display.Display(verb="loading")
    shown(Event("start", "public.t", total_bytes=1000))
    shown(Event("rows", "public.t", rows=50, bytes=250, total_bytes=1000))
    shown(Event("phase", "public.t", message="building index i (1 of 1)"))
    shown(Event("percent", "public.t", percent=40.0, message="building index: scanning table"))
    err = capsys.readouterr().err.splitlines()
    assert err[1].startswith("  public.t: loading rows 25% (50 rows, 250 B)")
    assert err[2] == "  public.t: building index i (1 of 1)"
    assert err[3].startswith(
        "  public.t: building index i (1 of 1): building index: scanning table 40%"
    )


def test_printed_progress_for_scripts(capsys: pytest.CaptureFixture[str]) -> None:
    show = printed_progress()
    show(Event("start", "public.t", total_bytes=100))
    for done in range(0, 101, 5):
        show(Event("rows", "public.t", rows=done, bytes=done, total_bytes=100))
    show(Event("done", "public.t", rows=100, bytes=100))
    show(Event("phase", "public.t", message="analyzing"))
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "public.t: rows begin"
    assert [line for line in out if line.endswith("%")][-1] == "public.t: 100 rows, 100%"
    assert len([line for line in out if line.endswith("%")]) == 10
    assert out[-1] == "public.t: analyzing"


def test_the_bar_is_cleared_before_an_error_line() -> None:
    import io

    from rich.console import Console

    from pgsnap.cli.common import fail

    screen = io.StringIO()
    shown = display.Display(verb="loading")
    shown.live = True  # as on a terminal: a rich bar, drawn into `screen`
    shown.console = Console(file=screen, force_terminal=True, width=100)
    shown(Event("start", "public.t", total_bytes=1000))
    shown(Event("rows", "public.t", rows=10, bytes=100, total_bytes=1000))
    assert shown._bar is not None
    with pytest.raises(SystemExit) as exited:
        fail("connection lost: server closed the connection", 3)
    assert exited.value.code == 3
    assert shown._bar is None  # stopped (and, transient, erased) before the line was printed
