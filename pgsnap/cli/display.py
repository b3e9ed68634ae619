"""How the CLI shows progress events: a rich bar on a terminal, plain lines otherwise; and
the --log-file."""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from typing import Any

from pgsnap.progress import Event, human_bytes

PLAIN_INTERVAL_S = 10.0  # how often a non-terminal run logs a progress line
_log_path: list[str] = []  # the CLI's --log-file, if any
_shown: list[Display] = []  # the command's display, once it has one


def set_log_file(path: str | None) -> None:
    """Called once per command: its --log-file, and no display yet."""
    _log_path[:] = [path] if path else []
    _shown.clear()


def log_line(text: str) -> None:
    """Append a timestamped line to the --log-file (the CLI's; --quiet does not silence it)."""
    if not _log_path:
        return
    stamp = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    try:
        with open(_log_path[0], "a", encoding="utf-8") as f:
            f.write(f"{stamp} pgsnap[{os.getpid()}] {text}\n")
    except OSError:
        pass  # a log that cannot be written must not fail the backup


def warn(text: str) -> None:
    """One "pgsnap: warning:" line on stderr (above a running bar; not with the display's
    --quiet), and in the log file."""
    log_line(f"warning: {text}")
    line = f"pgsnap: warning: {text}"
    display = _shown[0] if _shown else None
    if display is not None and display.quiet:
        return
    if display is not None and display.console is not None:
        display.console.print(line, soft_wrap=True, markup=False)
    else:
        print(line, file=sys.stderr, flush=True)


def clear_progress() -> None:
    """Take the progress bar off the terminal, before an error line."""
    for display in _shown:
        display.stop()


class Display:
    """Renders events on stderr: a rich bar on a terminal, plain log lines otherwise."""

    def __init__(self, *, verb: str, quiet: bool = False) -> None:
        self.verb = verb
        self.quiet = quiet
        # rich only on a terminal: off one (cron, pipes) plain lines need no console, and the
        # dump's forked workers do not carry rich's modules
        self.live = sys.stderr.isatty() and not quiet
        self.console: Any = None
        if self.live:
            from rich.console import Console

            self.console = Console(stderr=True, highlight=False)
        self._bar: Any = None
        self._task: Any = None
        self._last_line = 0.0
        self._started = 0.0  # when the rows (or the phase) began, for the plain lines' ETA
        self._phase_text = ""
        _shown[:] = [self]

    def __call__(self, event: Event) -> None:
        # quiet: nothing on stderr, but the --log-file still gets the lines
        if event.kind == "start":
            self._start(event)
        elif event.kind == "rows":
            self._rows(event)
        elif event.kind == "done":
            self.stop()
        elif event.kind == "phase":
            self._phase(event)
        elif event.kind == "percent" and event.percent is not None:
            self._percent(event)
        elif event.kind == "step" and event.message:
            self.info(event.message)

    def _start(self, event: Event) -> None:
        what = "on disk" if self.verb == "dumping" else "of rows"
        size = f" ({human_bytes(event.total_bytes)} {what})" if event.total_bytes else ""
        how = f"; {event.message}" if event.message else ""
        self.info(f"{self.verb} {event.table}{size}{how}")
        self._last_line = self._started = time.monotonic()
        if not self.live:
            return
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        self._bar = Progress(
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TextColumn("{task.fields[rows]:,} rows"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=self.console,
            transient=True,
        )
        self._task = self._bar.add_task(event.table, total=event.total_bytes, rows=0)
        self._bar.start()

    def _rows(self, event: Event) -> None:
        if self._bar is not None:
            # the size estimate is the table on disk; once the text outgrows it, grow the total
            total = max(event.total_bytes or 0, event.bytes)
            self._bar.update(self._task, completed=event.bytes, total=total, rows=event.rows)
            return
        now = time.monotonic()
        if now - self._last_line >= PLAIN_INTERVAL_S:
            self._last_line = now
            done = f"{event.rows:,} rows, {human_bytes(event.bytes)}"
            if event.total_bytes:
                share = min(1.0, event.bytes / event.total_bytes)
                done = f"{share:.0%} ({done}){_eta(now - self._started, share)}"
            self.info(f"  {event.table}: {self.verb} rows {done}")

    def _phase(self, event: Event) -> None:
        """A step after the rows: a line, and on a terminal a bar for its percentages."""
        self.stop()
        self._phase_text = event.message
        self._last_line = self._started = time.monotonic()
        self.info(f"  {event.table}: {event.message}")
        if not self.live:
            return
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self._bar = Progress(
            TextColumn("  {task.description}", markup=False),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
        )
        self._task = self._bar.add_task(event.message, total=100)
        self._bar.start()

    def _percent(self, event: Event) -> None:
        percent = event.percent or 0.0
        if self._bar is not None:
            self._bar.update(self._task, completed=percent)
            return
        now = time.monotonic()
        if now - self._last_line >= PLAIN_INTERVAL_S:
            self._last_line = now
            eta = _eta(now - self._started, percent / 100)
            self.info(f"  {event.table}: {self._phase_text}: {event.message} {percent:.0f}%{eta}")

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def info(self, text: str) -> None:
        log_line(text)
        if self.quiet:
            return
        if self.console is not None:
            self.console.print(text, soft_wrap=True, markup=False)
        else:
            print(text, file=sys.stderr, flush=True)


def _eta(elapsed: float, share: float) -> str:
    """ ", about 12 s left" from the time so far and the share done; "" before it is known."""
    if share <= 0.01 or share >= 1.0:
        return ""
    left = elapsed * (1 - share) / share
    return f", about {left:.0f} s left" if left < 120 else f", about {left / 60:.0f} min left"
