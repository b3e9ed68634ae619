"""What every command shares: running one library call, the error line, common options."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import click

from pgsnap.api import from_cli
from pgsnap.cli.display import clear_progress, log_line
from pgsnap.errors import EXIT_INTERRUPTED, PgsnapError

T = TypeVar("T")


def fail(message: str, code: int) -> NoReturn:
    clear_progress()
    click.echo(f"pgsnap: error: {message}", err=True)
    log_line(f"error: {message} (exit {code})")
    sys.exit(code)


def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run one library call; a PgsnapError becomes one line on stderr and its exit code."""
    try:
        with from_cli():  # the errors keep their flags
            return fn(*args, **kwargs)
    except PgsnapError as exc:
        fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        fail("interrupted; nothing was left behind", EXIT_INTERRUPTED)


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
