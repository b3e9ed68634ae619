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
    _log_path[:] = [path] if path else []


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
    """One "pgsnap: warning:" line on stderr (above a running bar), and in the log file."""
    log_line(f"warning: {text}")
    line = f"pgsnap: warning: {text}"
    display = _shown[0] if _shown else None
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
        _shown[:] = [self]

    def __call__(self, event: Event) -> None:
        # quiet: nothing on stderr, but the --log-file still gets the lines
        if event.kind == "start":
            self._start(event)
        elif event.kind == "rows":
            self._rows(event)
        elif event.kind == "done":
            self.stop()
        elif event.kind == "step" and event.message:
            self.info(event.message)

    def _start(self, event: Event) -> None:
        what = "on disk" if self.verb == "dumping" else "of rows"
        size = f" ({human_bytes(event.total_bytes)} {what})" if event.total_bytes else ""
        how = f"; {event.message}" if event.message else ""
        self.info(f"{self.verb} {event.table}{size}{how}")
        self._last_line = time.monotonic()
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
            TextColumn("{task.description}"),
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
            self.info(f"  {event.table}: {event.rows:,} rows, {human_bytes(event.bytes)}")

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
