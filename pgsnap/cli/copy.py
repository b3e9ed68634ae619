"""pgsnap copy."""

from __future__ import annotations

from typing import Any

import click

from pgsnap.cli.common import call, jobs_option, quiet_option, selection_options
from pgsnap.cli.display import Display
from pgsnap.progress import rows_text


@click.command()
@click.argument("tables", nargs=-1)
@click.option(
    "--from",
    "from_dsn",
    metavar="DSN",
    help="The source. Default: DATABASE_URL, POSTGRES_URL, PG* variables, .env (as dump).",
)
@click.option("--to", "to_dsn", metavar="DSN", required=True, help="The target database.")
@selection_options
@click.option(
    "--as",
    "as_name",  # repeatable: a tuple here, split into as_name / as_names below
    multiple=True,
    metavar="[SCHEMA.]NAME | SRC=DEST",
    help="Copy under another name; SRC=DEST renames one of several tables (repeatable).",
)
@click.option(
    "--drop-existing", is_flag=True, help="Drop the existing target table first (undone on error)."
)
@click.option(
    "--cascade",
    is_flag=True,
    help="With --drop-existing/--replace: drop what depends on the table too, naming each.",
)
@click.option("--append", is_flag=True, help="Add the rows to the existing target table.")
@click.option("--replace", is_flag=True, help="Copy beside the old table, then swap atomically.")
@click.option(
    "--shorten-names", is_flag=True, help="Shorten renamed names over 63 bytes with a hash."
)
@jobs_option
@click.option("--where", metavar="CONDITION", help="Copy only the rows that match (one table).")
@click.option("--schema-only", is_flag=True, help="Only the DDL, no rows.")
@click.option("--data-only", is_flag=True, help="Only the rows, into existing tables.")
@click.option(
    "--with-privileges",
    is_flag=True,
    help="Keep owners and GRANTs of the tables (a whole-database copy always does).",
)
@click.option("--no-privileges", is_flag=True, help="Leave out every owner and GRANT.")
@click.option(
    "--statistics/--no-statistics",
    default=True,
    help="Give the target the source's planner statistics (18+) instead of running ANALYZE"
    " (default); --no-statistics analyzes.",
)
@click.option(
    "--analyze",
    is_flag=True,
    help="Run ANALYZE even where the archive's planner statistics could be restored (18+).",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Check everything, say what would happen; change nothing.",
)
@quiet_option
def copy(tables: tuple[str, ...], as_name: tuple[str, ...], quiet: bool, **options: Any) -> None:
    """Copy TABLE(S) (or --schema / --all) from one database to another, with no file between.

    The same as `pgsnap dump` into `pgsnap load`: one snapshot of the source, the same DDL,
    renaming, checks and modes, and one transaction on the target, so on any error the
    target is left as it was.  -j N copies a big table in chunks by N workers, each
    streaming its chunks from the source straight into the target.  A copy onto the very
    table it reads (same database, no --as) is refused.

    \b
    Examples:
      pgsnap copy papers --from postgres://prod/app --to postgres://staging/app
      pgsnap copy papers --to postgres://localhost/scratch --as papers_test -j 2
      pgsnap copy --all --from postgres://prod/app --to postgres://localhost/app_copy

    Python: pgsnap.copy(tables, ...).
    """
    from pgsnap.ddl.targets import split_as_option
    from pgsnap.transfer.copy import copy as copy_fn

    new_name, as_names = call(split_as_option, as_name)
    display = Display(verb="copying", quiet=quiet)
    # every other option is one of pgsnap.copy's keywords, by the same name (tests/test_docs.py)
    result = call(
        copy_fn, list(tables), as_name=new_name, as_names=as_names, progress=display, **options
    )
    for action in result.actions:
        display.info(action)
    if result.dry_run:
        display.info(
            f"dry run: {result.table} would be copied from {result.source} to {result.target};"
            " nothing was changed"
        )
        return
    display.info(
        f"{result.mode} {result.table}: {rows_text(result.rows)} in {result.seconds:.1f} s, "
        f"row count verified (from {result.source} to {result.target})"
    )
