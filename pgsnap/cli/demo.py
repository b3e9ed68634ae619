"""pgsnap demo."""

from __future__ import annotations

import click

from pgsnap.cli.common import call, count_option


@click.command()
@count_option("--rows", minimum=1, default=300_000, help="Rows in the sample table.")
@click.option("--keep", is_flag=True, help="Keep the demo's files and print where they are.")
def demo(rows: int, keep: bool) -> None:
    """Start a throwaway PostgreSQL, dump a sample papers table, load it as papers_test, verify.

    Python: pgsnap.demo.run(...).
    """
    from pgsnap.demo import run

    call(run, rows=rows, keep=keep, echo=lambda s: click.echo(s, err=True))
