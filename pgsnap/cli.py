"""The command line: parse options, call one library function, report, map errors to exit codes.

No SQL and no psycopg here.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import click

from pgsnap.errors import EXIT_INTERRUPTED, PgsnapError
from pgsnap.progress import Display, human_bytes, log_line, rows_text, set_log_file
from pgsnap.version import __version__

T = TypeVar("T")


def fail(message: str, code: int) -> NoReturn:
    click.echo(f"pgsnap: error: {message}", err=True)
    log_line(f"error: {message} (exit {code})")
    sys.exit(code)


def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run one library call; a PgsnapError becomes one line on stderr and its exit code."""
    try:
        return fn(*args, **kwargs)
    except PgsnapError as exc:
        fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        fail("interrupted; nothing was left behind", EXIT_INTERRUPTED)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pgsnap")
@click.option(
    "--log-file", metavar="FILE", help="Also append timestamped messages to FILE (for cron)."
)
def main(log_file: str | None) -> None:
    """Dump and restore PostgreSQL tables: one compressed file, no client tools needed."""
    set_log_file(log_file)


dsn_option = click.option(
    "--dsn",
    metavar="DSN",
    help="Connection string or URI. Default: DATABASE_URL, POSTGRES_URL, PG* variables, .env.",
)
jobs_option = click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Parallel workers, each with its own connection.",
)
quiet_option = click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")


@main.command()
@click.argument("tables", nargs=-1)
@click.option(
    "--schema",
    "schemas",
    multiple=True,
    metavar="SCHEMA",
    help="Every table of SCHEMA (repeatable).",
)
@click.option("--all", "all_tables", is_flag=True, help="Every user table of the database.")
@click.option(
    "-T",
    "--exclude-table",
    "exclude",
    multiple=True,
    metavar="PATTERN",
    help="Leave out tables matching PATTERN (shell-style; repeatable).",
)
@dsn_option
@click.option(
    "-o", "--output", metavar="FILE", help="Output file (.sql.zst or .sql.gz); - is stdout."
)
@click.option(
    "--output-dir", metavar="DIR", help="Directory for the default timestamped file name."
)
@click.option(
    "--compress",
    type=click.Choice(["zstd", "gzip"]),
    help="Codec (default zstd, or from -o's extension).",
)
@click.option("--level", type=int, help="Compression level (default 1).")
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
@jobs_option
@click.option(
    "--snapshot",
    metavar="ID",
    help="Join a snapshot exported by another session (pg_export_snapshot()).",
)
@click.option("--where", metavar="CONDITION", help="Dump only the rows that match (one table).")
@click.option("--schema-only", is_flag=True, help="Only the DDL, no rows.")
@click.option(
    "--data-only", is_flag=True, help="Only the rows (loads append to an existing table)."
)
@click.option(
    "--with-privileges",
    is_flag=True,
    help="Keep owners and GRANTs of the tables and their sequences (left out by default).",
)
@click.option(
    "--warn-after",
    type=click.IntRange(min=0),
    default=5,
    show_default=True,
    help="Warn when the directory holds more backups of the table than this.",
)
@quiet_option
def dump(
    tables: tuple[str, ...],
    schemas: tuple[str, ...],
    all_tables: bool,
    exclude: tuple[str, ...],
    dsn: str | None,
    output: str | None,
    output_dir: str | None,
    compress: str | None,
    level: int | None,
    force: bool,
    jobs: int,
    snapshot: str | None,
    where: str | None,
    schema_only: bool,
    data_only: bool,
    with_privileges: bool,
    warn_after: int,
    quiet: bool,
) -> None:
    """Dump TABLE(S) (or --schema / --all) into one compressed archive that is also a psql script.

    Python: pgsnap.dump(tables, ...).
    """
    from pgsnap.dump import dump as dump_fn

    display = Display(verb="dumping", quiet=quiet)
    result = call(
        dump_fn,
        list(tables),
        schemas=schemas,
        all_tables=all_tables,
        exclude=exclude,
        dsn=dsn,
        output=output,
        output_dir=output_dir,
        compress=compress,
        level=level,
        force=force,
        jobs=jobs,
        snapshot=snapshot,
        where=where,
        schema_only=schema_only,
        data_only=data_only,
        with_privileges=with_privileges,
        warn_after=warn_after,
        progress=display,
    )
    for warning in result.warnings:
        display.info(f"warning: {warning}")
    display.info(
        f"wrote {result.path}: {human_bytes(result.file_bytes)}, {rows_text(result.rows)} "
        f"in {result.seconds:.1f} s (tables {human_bytes(result.table_bytes)} on disk; "
        f"source {result.source})"
    )


@main.command()
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
    "--cascade", is_flag=True, help="With --drop-existing/--replace: drop dependants too."
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
@quiet_option
def load(
    file: str,
    dsn: str | None,
    as_name: tuple[str, ...],
    table: str | None,
    drop_existing: bool,
    cascade: bool,
    append: bool,
    yes: bool,
    replace: bool,
    shorten_names: bool,
    jobs: int,
    schema_only: bool,
    data_only: bool,
    no_privileges: bool,
    quiet: bool,
) -> None:
    """Restore a table from FILE (- reads stdin).  Atomic: on any error nothing changes.

    Python: pgsnap.load(file, ...).
    """
    from pgsnap.load import load as load_fn
    from pgsnap.rename_many import split_as_option

    new_name, as_names = call(split_as_option, as_name)
    if append and not yes:
        _confirm_append(new_name or ", ".join(as_names.values()) or "the table")
    display = Display(verb="loading", quiet=quiet)
    result = call(
        load_fn,
        file,
        dsn=dsn,
        as_name=new_name,
        as_names=as_names,
        table=table,
        drop_existing=drop_existing,
        cascade=cascade,
        append=append,
        replace=replace,
        shorten_names=shorten_names,
        jobs=jobs,
        schema_only=schema_only,
        data_only=data_only,
        no_privileges=no_privileges,
        progress=display,
    )
    display.info(
        f"{result.mode} {result.table}: {rows_text(result.rows)} in {result.seconds:.1f} s, "
        f"row count verified (target {result.source})"
    )


def _confirm_append(what: str) -> None:
    if not sys.stdin.isatty():
        fail("--append needs confirmation: add --yes to append in a non-interactive run", 2)
    if not click.confirm(f"append the archive's rows to {what} if it exists?", default=False):
        fail("not confirmed; nothing was changed", 1)


@main.command()
@click.option(
    "--rows",
    type=click.IntRange(min=1),
    default=300_000,
    show_default=True,
    help="Rows in the sample table.",
)
@click.option("--keep", is_flag=True, help="Keep the demo's files and print where they are.")
def demo(rows: int, keep: bool) -> None:
    """Start a throwaway PostgreSQL, dump a sample papers table, load it as papers_test, verify.

    Python: pgsnap.demo.run(...).
    """
    from pgsnap.demo import run

    call(run, rows=rows, keep=keep, echo=lambda s: click.echo(s, err=True))


# The backup-workflow commands (list, inspect, verify, export, prune) live in cli_tools.py.
from pgsnap import cli_tools  # noqa: E402,F401  (registers its commands on `main`)
