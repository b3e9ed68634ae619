"""Progress events.  Library code only emits them; the CLI (pgsnap.cli.display) shows them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Event:
    """What a command is doing, for a progress display.  `kind` is one of:

    - ``start``: the rows of `table` begin (`total_bytes`: their size, when known);
    - ``rows``: `rows` and `bytes` so far (cumulative for the table);
    - ``done``: the table's rows are all through;
    - ``phase``: a slower step after the rows begins, said in `message` ("building index
      papers_title (1 of 3)", "analyzing", "swapping into place");
    - ``percent``: how far the current phase is, in `percent` (0-100; the server's
      pg_stat_progress_create_index for index and key builds), `message` its sub-phase;
    - ``step``: something to tell the user, in `message`.
    """

    kind: str
    table: str
    rows: int = 0
    bytes: int = 0
    total_bytes: int | None = None  # size estimate, for a bar; None when unknown
    message: str = ""
    percent: float | None = None


ProgressFn = Callable[[Event], None]


def no_progress(_event: Event) -> None:
    """The default sink: library calls never print."""


def printed_progress() -> ProgressFn:
    """A progress sink for scripts and notebooks: a printed line when the rows start, at
    every tenth of them, when they are done, and for every phase and step:
    ``pgsnap.load(file, progress=printed_progress())``."""
    tenths: dict[str, int] = {}

    def show(event: Event) -> None:
        name = f"{event.table}: " if event.table else ""
        if event.kind == "rows" and event.total_bytes:
            tenth = min(10, event.bytes * 10 // event.total_bytes)
            if tenth > tenths.get(event.table, 0):
                tenths[event.table] = tenth
                print(f"{name}{rows_text(event.rows)}, {tenth * 10}%", flush=True)
        elif event.kind == "start":
            print(f"{name}rows begin", flush=True)
        elif event.kind == "done":
            print(f"{name}{rows_text(event.rows)}, {human_bytes(event.bytes)}", flush=True)
        elif event.kind in ("phase", "step"):
            print(f"{name}{event.message}", flush=True)

    return show


def human_bytes(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"


def rows_text(n: int) -> str:
    """'1 row', '300,000 rows'."""
    return f"{n:,} row" if n == 1 else f"{n:,} rows"
