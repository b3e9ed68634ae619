"""pgsnap load."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from pgsnap.cli.common import call, dsn_option, fail, jobs_option, quiet_option
from pgsnap.cli.display import Display
from pgsnap.progress import rows_text

if TYPE_CHECKING:
    from pgsnap.restore.load import LoadResult


@click.command()
@click.argument("file")
@dsn_option
@click.option(
    "--as",
    "--rename-to",
    "as_name",  # repeatable: a tuple here, split into as_name / as_names below
    multiple=True,
    metavar="[SCHEMA.]NAME | SRC=DEST",
    help="Restore under another name; SRC=DEST renames one table of a multi-table archive"
    " (repeatable).",
)
@click.option("--table", metavar="NAME", help="Which table of a multi-table archive.")
@click.option(
    "--drop-existing",
    is_flag=True,
    help="Drop the existing table first; the drop is undone if the load fails.",
)
@click.option(
    "--cascade",
    is_flag=True,
    help="With --drop-existing/--replace: drop what depends on the table too, naming each.",
)
@click.option("--append", is_flag=True, help="Add the rows to the existing table.")
@click.option("-y", "--yes", is_flag=True, help="Do not ask before appending.")
@click.option("--replace", is_flag=True, help="Load beside the old table, then swap atomically.")
@click.option(
    "--shorten-names", is_flag=True, help="Shorten renamed names over 63 bytes with a hash."
)
@jobs_option
@click.option("--schema-only", is_flag=True, help="Create the empty table; no rows.")
@click.option("--data-only", is_flag=True, help="Only add the rows to the existing table.")
@click.option(
    "--no-privileges", is_flag=True, help="Skip the owners and GRANTs the archive carries."
)
@click.option(
    "--analyze",
    is_flag=True,
    help="Run ANALYZE even where the archive's planner statistics could be restored (18+).",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Check everything and say what the load would do; change nothing.",
)
@click.option(
    "--create",
    metavar="NAME",
    help="Create database NAME on the connection's server first, with the source's encoding"
    " and locale (no createdb needed), and load into it; a failed load drops it again.",
)
@quiet_option
def load(file: str, as_name: tuple[str, ...], yes: bool, quiet: bool, **options: Any) -> None:
    """Restore a table from FILE (- reads stdin).  Atomic: on any error nothing changes.

    When the target table exists, load refuses (exit 6) unless told what to do:
    --replace loads beside it and swaps atomically, keeping the views, foreign keys, rules
    and policies that depend on it; --drop-existing drops it first (refused while others
    depend on it, unless --cascade, which names every object it drops); --append adds the
    rows.  --create NAME makes a new database for the load on the server that the
    connection names (its database serves only to connect).  --dry-run checks all of it and
    says what would happen.

    \b
    Examples:
      pgsnap load papers_20261201_101500.sql.zst --as papers_test
      pgsnap load papers.sql.zst --replace --dry-run
      pgsnap load papers.sql.zst --replace -j 2
      pgsnap load shop_20261201_101500.sql.zst --dsn postgres://me@db/postgres --create shop
      ssh backups cat papers.sql.zst | pgsnap load - --as papers_copy

    Python: pgsnap.load(file, ...).
    """
    from pgsnap.ddl.targets import split_as_option
    from pgsnap.restore.load import load as load_fn
    from pgsnap.workers import bound_heap

    bound_heap()  # this process loads frames too (workers.py: the memory of -j 4)

    new_name, as_names = call(split_as_option, as_name)
    names = {"as_name": new_name, "as_names": as_names}
    if options["append"] and not yes and not options["dry_run"]:
        _confirm_append(load_fn, file, names, options)
    display = Display(verb="loading", quiet=quiet)
    # every other option is one of pgsnap.load's keywords, by the same name (tests/test_docs.py)
    result = call(load_fn, file, progress=display, **names, **options)
    for action in result.actions:
        display.info(action)
    if result.dry_run:
        # a stream's row count is in its manifest, at its end: a dry run does not read that far
        rows = "its rows" if file == "-" else rows_text(result.rows)
        display.info(
            f"dry run: {result.table} would load {rows} into {result.source}; nothing was changed"
        )
        return
    display.info(
        f"{result.mode} {result.table}: {rows_text(result.rows)} in {result.seconds:.1f} s, "
        f"row count verified (target {result.source})"
    )


def _confirm_append(
    load_fn: Callable[..., LoadResult], file: str, names: dict[str, Any], options: dict[str, Any]
) -> None:
    """Ask before appending, saying how many rows go where: after a dry run, so that a load
    that would fail fails before the question."""
    if not sys.stdin.isatty():
        fail("--append needs confirmation: add --yes to append in a non-interactive run", 2)
    plan = call(load_fn, file, **names, **{**options, "dry_run": True})
    question = f"append {rows_text(plan.rows)} from {file} to {plan.table}?"
    if not click.confirm(question, default=False):
        fail("not confirmed; nothing was changed", 1)
