"""pgsnap dump."""

from __future__ import annotations

from typing import Any

import click

from pgsnap.cli.common import (
    call,
    count_option,
    dsn_option,
    jobs_option,
    quiet_option,
    selection_options,
)
from pgsnap.cli.display import Display, warn
from pgsnap.progress import human_bytes, rows_text


@click.command()
@click.argument("tables", nargs=-1)
@selection_options
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
    "--statistics/--no-statistics",
    default=True,
    help="Carry the tables' planner statistics, restored by a load into PostgreSQL 18+ instead"
    " of ANALYZE (default); --no-statistics leaves them out, and a load then runs ANALYZE.",
)
@count_option(
    "--warn-after",
    minimum=0,
    default=5,
    help="Warn when the directory holds more backups of the table than this.",
)
@quiet_option
def dump(tables: tuple[str, ...], quiet: bool, **options: Any) -> None:
    """Dump TABLE(S) (or --schema / --all) into one compressed archive that is also a psql script.

    The file appears only when complete (papers_YYYYMMDD_HHMMSS.sql.zst unless -o).

    \b
    Examples:
      pgsnap dump papers                      # before a risky migration
      pgsnap dump papers -j 2 --output-dir backups/
      pgsnap dump --all -o shop.sql.zst       # the whole database
      pgsnap dump events --where "created_at > now() - interval '7 days'"

    Python: pgsnap.dump(tables, ...).
    """
    from pgsnap.backup.dump import dump as dump_fn

    display = Display(verb="dumping", quiet=quiet)
    # every option is one of pgsnap.dump's keywords, by the same name (tests/test_docs.py)
    result = call(dump_fn, list(tables), progress=display, **options)
    for warning in result.warnings:
        warn(warning)
    where = "to stdout" if result.path == "-" else result.path
    display.info(
        f"wrote {where}: {human_bytes(result.file_bytes)}, {rows_text(result.rows)} "
        f"in {result.seconds:.1f} s (tables {human_bytes(result.table_bytes)} on disk; "
        f"source {result.source})"
    )
