"""What every command shares: running one library call, the error line, common options."""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable
from typing import Any, ClassVar, NoReturn, TypeVar

import click

from pgsnap.api import from_cli
from pgsnap.cli.display import clear_progress, log_line
from pgsnap.errors import EXIT_INTERRUPTED, EXIT_IO, PgsnapError

T = TypeVar("T")


def fail(message: str, code: int) -> NoReturn:
    clear_progress()
    click.echo(f"pgsnap: error: {message}", err=True)
    log_line(f"error: {message} (exit {code})")
    _settle_stdout()
    sys.exit(code)


def _settle_stdout() -> None:
    """A stdout that failed (a full disk, a closed pipe) still holds buffered bytes, and the
    interpreter's last flush would print a second error and exit 120.  Point it at /dev/null,
    as the Python docs advise for a broken pipe: the error line said what happened."""
    try:
        sys.stdout.flush()
    except OSError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run one library call; a PgsnapError becomes one line on stderr and its exit code."""
    try:
        with from_cli():  # the errors keep their flags
            return fn(*args, **kwargs)
    except PgsnapError as exc:
        fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        fail("interrupted; nothing was left behind", EXIT_INTERRUPTED)
    except OSError as exc:  # a backstop: the file-writing paths raise IOError_ themselves
        reason = (exc.strerror or str(exc)).lower()
        where = f' on "{exc.filename}"' if exc.filename else ""
        fail(f"i/o error{where}: {reason}", EXIT_IO)
    except Exception as exc:
        mapped = _server_error(exc)
        if mapped is None:
            raise
        fail(str(mapped), mapped.exit_code)


def _server_error(exc: Exception) -> PgsnapError | None:
    """A backstop for a psycopg error that no statement_errors() block turned into a
    PgsnapError (a lost connection between statements): the same one line and exit code."""
    psycopg = sys.modules.get("psycopg")  # not loaded: the error cannot be one of its own
    if psycopg is None or not isinstance(exc, psycopg.Error):
        return None
    from pgsnap.connection import pgsnap_error

    return pgsnap_error(exc)


dsn_option = click.option(
    "--dsn",
    metavar="DSN",
    help="Connection string or URI. Default: DATABASE_URL, POSTGRES_URL, PG* variables, .env.",
)


F = TypeVar("F", bound=Callable[..., Any])


def count_option(*names: str, minimum: int, default: int, help: str) -> Callable[[F], F]:
    """An integer option of at least `minimum`, its default shown in --help."""
    return click.option(
        *names, type=click.IntRange(min=minimum), default=default, show_default=True, help=help
    )


jobs_option = count_option(
    "-j", "--jobs", minimum=1, default=1, help="Parallel workers, each with its own connection."
)


quiet_option = click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")


def selection_options(fn: F) -> F:
    """What dump and copy take from the source: --schema, --all, -T (as pg_dump's -n, -T)."""
    options = (
        click.option(
            "--schema", "schemas", multiple=True, metavar="SCHEMA",
            help="Every table of SCHEMA, and its objects (repeatable).",
        ),
        click.option(
            "--all", "all_tables", is_flag=True,
            help="The whole database: every table and object.",
        ),
        click.option(
            "-T", "--exclude-table", "exclude", multiple=True, metavar="PATTERN",
            help="Leave out tables matching PATTERN (shell-style; repeatable).",
        ),
    )  # fmt: skip
    for option in reversed(options):
        fn = option(fn)
    return fn


class _Duration(click.ParamType[dt.timedelta, Any]):
    """A duration as 90s, 30m, 12h or 2d: a timedelta."""

    name = "duration"
    _UNITS: ClassVar[dict[str, int]] = {"s": 1, "m": 60, "h": 3600, "d": 86400}

    def convert(self, value: Any, param: Any, ctx: Any) -> dt.timedelta:
        if isinstance(value, dt.timedelta):
            return value
        text = str(value).strip().lower()
        if len(text) < 2 or text[-1] not in self._UNITS or not text[:-1].isdigit():
            self.fail(f"{value!r} is not a duration: write a number and s, m, h or d (30m)")
        return dt.timedelta(seconds=int(text[:-1]) * self._UNITS[text[-1]])


DURATION = _Duration()
