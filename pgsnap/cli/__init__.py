"""The command line: parse options, call one library function, report, map errors to exit codes.

No SQL and no psycopg here.  Each command lives in its own module and calls one library
function with keyword-only options; this module only makes the group and registers them.
"""

from __future__ import annotations

import warnings
from typing import TextIO

import click

from pgsnap.cli.copy import copy
from pgsnap.cli.demo import demo
from pgsnap.cli.display import set_log_file, warn
from pgsnap.cli.dump import dump
from pgsnap.cli.load import load
from pgsnap.cli.tools import export, inspect, list_, prune, verify
from pgsnap.version import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pgsnap")
@click.option(
    "--log-file", metavar="FILE", help="Also append timestamped messages to FILE (for cron)."
)
def main(log_file: str | None) -> None:
    """Dump and restore PostgreSQL tables: one compressed file, no client tools needed."""
    set_log_file(log_file)
    _show_library_warnings()


def _show_library_warnings() -> None:
    """The library says what a user should know with warnings.warn(PgsnapWarning): each
    becomes one "pgsnap: warning:" line, every time."""
    from pgsnap.errors import PgsnapWarning

    shown_before = warnings.showwarning
    if getattr(shown_before, "pgsnap", False):
        return  # installed by an earlier command in this process

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        if issubclass(category, PgsnapWarning):
            warn(str(message))
        else:
            shown_before(message, category, filename, lineno, file, line)

    show.pgsnap = True  # type: ignore[attr-defined]
    warnings.showwarning = show
    warnings.simplefilter("always", PgsnapWarning)


for _command in (dump, load, copy, list_, inspect, verify, export, prune, demo):
    main.add_command(_command)
