"""Progress events.  Library code only emits them; the CLI decides how to show them."""

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
