"""Progress events.  Library code only emits them; the CLI (pgsnap.cli.display) shows them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Event:
    """kind: 'start' | 'rows' | 'step' | 'done'.  Counters are cumulative for the table."""

    kind: str
    table: str
    rows: int = 0
    bytes: int = 0
    total_bytes: int | None = None  # size estimate, for a bar; None when unknown
    message: str = ""


ProgressFn = Callable[[Event], None]


def no_progress(_event: Event) -> None:
    """The default sink: library calls never print."""


def human_bytes(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"


def rows_text(n: int) -> str:
    """'1 row', '300,000 rows'."""
    return f"{n:,} row" if n == 1 else f"{n:,} rows"
