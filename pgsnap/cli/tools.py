"""CLI commands for the backup workflows: list, inspect, verify, export, prune.

Each command parses options, calls one library function and prints; see cli.py for the rules.
Listings and reports go to stdout (``--json`` makes them machine-readable); progress and
warnings go to stderr; ``--quiet`` leaves only errors and warnings.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import click

from pgsnap.cli.common import DURATION, call, dsn_option, jobs_option, quiet_option
from pgsnap.cli.display import Display, warn
from pgsnap.errors import EXIT_BAD_ARCHIVE
from pgsnap.progress import human_bytes, rows_text

if TYPE_CHECKING:
    from pgsnap.archive.inventory import BackupEntry, PruneResult
    from pgsnap.model import Column, Dependency, OwnedSequence
    from pgsnap.tools.inspect import ArchiveInfo, TableInfo
    from pgsnap.tools.verify import VerifyResult

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")


def _echo_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False))


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {many or word + 's'}"


# --- list -------------------------------------------------------------------------------


@click.command("list")
@click.argument("directory", default=".", required=False)
@json_option
@quiet_option
def list_(directory: str, as_json: bool, quiet: bool) -> None:
    """List the pgsnap archives in DIRECTORY (default: here), newest first.

    Reads only each file's footer and manifest.  Every file named *.zst, *.zstd or *.gz is
    listed: damaged, incomplete, interrupted, empty and unrecognised ones are flagged (a
    warning on stderr) and make the exit code 5; pg_dump files and other files that are not
    pgsnap archives are listed as "not pgsnap", saying how to restore a pg_dump file.

    \b
    Examples:
      pgsnap list backups/
      pgsnap list backups/ --json | jq '.[] | select(.complete) | .path'

    Python: pgsnap.list_backups(directory).
    """
    from pgsnap.archive.inventory import FOREIGN, list_backups

    entries = call(list_backups, directory)
    if as_json:
        _echo_json([e.to_json() for e in entries])
    elif not quiet:
        _print_backups(entries)
    for entry in entries:
        if entry.flagged:
            warn(entry.problem)
    skipped = [e for e in entries if e.status == FOREIGN]
    if skipped and not quiet:
        what = (
            "file is not a pgsnap archive" if len(skipped) == 1 else "files are not pgsnap archives"
        )
        click.echo(f"{len(skipped)} {what}:", err=True)
        for e in skipped:
            click.echo(f"  {e.problem}", err=True)
    if any(e.flagged for e in entries):
        sys.exit(EXIT_BAD_ARCHIVE)


def _print_backups(entries: Iterable[BackupEntry]) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for name, justify in _LIST_COLUMNS:
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for e in entries:
        cells = (
            _short_time(e.created_at),
            e.name,
            _what(e),
            "" if e.rows is None else f"{e.rows:,}",
            human_bytes(e.file_bytes),
            "" if e.seconds is None else f"{e.seconds:.0f} s",
            e.codec or "",
            "" if e.codec is None else f"{e.server_version or '?'} {e.database or '?'}",
            e.status if e.kind in ("", "full") else f"{e.status}, {e.kind}",
        )
        table.add_row(*(Text(c) for c in cells))  # Text: a name is never rich markup
    console = Console(highlight=False, soft_wrap=False)
    if not console.is_terminal:
        console.width = 250  # a pipe or a cron mail: never wrap the rows
    console.print(table)


def _what(e: BackupEntry) -> str:
    """The table column: its tables, or what a whole-database or --schema archive holds."""
    holds = f"{_plural(len(e.tables), 'table')}, {_plural(e.objects, 'object')}"
    if e.scope == "database":
        return f"whole database: {holds}"
    if e.scope == "schema":
        return f"schema {', '.join(dict.fromkeys(t.schema for t in e.tables))}: {holds}"
    return ", ".join(e.table_names) or ("" if e.codec is None else "?")


_LIST_COLUMNS = (
    ("created (UTC)", "left"),
    ("file", "left"),
    ("table", "left"),
    ("rows", "right"),
    ("size", "right"),
    ("took", "right"),
    ("codec", "left"),
    ("source", "left"),
    ("status", "left"),
)


def _short_time(when: dt.datetime | None) -> str:
    return "" if when is None else when.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


# --- inspect ----------------------------------------------------------------------------


@click.command()
@click.argument("file")
@click.option("--table", metavar="NAME", help="Only this table of a multi-table archive.")
@click.option("--ddl", is_flag=True, help="Print the DDL a load would run, and nothing else.")
@click.option(
    "--as",
    "as_name",  # repeatable, as for load: NEW, or SRC=DEST per table
    multiple=True,
    metavar="[SCHEMA.]NAME | SRC=DEST",
    help="Show the table(s) renamed, as load --as would.",
)
@click.option(
    "--shorten-names", is_flag=True, help="Shorten renamed names over 63 bytes with a hash."
)
@json_option
@quiet_option
def inspect(
    file: str,
    table: str | None,
    ddl: bool,
    as_name: tuple[str, ...],
    shorten_names: bool,
    as_json: bool,
    quiet: bool,
) -> None:
    """Describe an archive from its manifest: source, time, tables, sizes, indexes, DDL.

    Python: pgsnap.inspect(file, ...).
    """
    from pgsnap.ddl.targets import split_as_option
    from pgsnap.tools.inspect import inspect as inspect_fn
    from pgsnap.tools.inspect import to_json

    new_name, as_names = call(split_as_option, as_name)
    info = call(
        inspect_fn,
        file,
        table=table,
        as_name=new_name,
        as_names=as_names,
        shorten_names=shorten_names,
    )
    if quiet:
        return
    if as_json:
        _echo_json(to_json(info))
    elif ddl:
        _print_carried_ddl(info)
        for t in info.tables:
            _print_ddl(t)
        _print_objects_ddl(info)
    else:
        _print_info(info)


def _print_carried_ddl(info: ArchiveInfo) -> None:
    if not info.carried:
        return
    click.echo("-- load first creates these, each only when it is missing:")
    for dep in info.carried:
        click.echo(dep.ddl.rstrip().rstrip(";") + ";")


def _print_objects_ddl(info: ArchiveInfo) -> None:
    """A whole-database archive's objects, in archive order (load runs each among the
    tables' pre-data, or after the rows: README "What is covered")."""
    if not info.objects:
        return
    click.echo("-- and the database's objects, in the order load creates them:")
    for o in info.objects:
        when = "" if o.section == "pre" else " (after the rows)"
        click.echo(f"-- {o.display()}{when}")
        for stmt in (*o.ddl, *o.post):
            click.echo(stmt.rstrip().rstrip(";") + ";")


def _print_ddl(t: TableInfo) -> None:
    for stmt in t.pre_data:
        click.echo(stmt + ";")
    columns = ", ".join(t.copy_columns)
    click.echo(f"-- then the rows: COPY {t.name} ({columns}) FROM STDIN; -- {t.rows:,} rows")
    for stmt in t.post_data:
        click.echo(stmt + ";")


def _print_info(info: ArchiveInfo) -> None:
    echo = click.echo
    echo(
        f"{info.path}: pgsnap archive format {info.format}, {info.codec}, "
        f"{human_bytes(info.file_bytes)}, {info.frames} frames"
    )
    db_size = "" if info.database_bytes is None else f" ({human_bytes(info.database_bytes)})"
    echo(
        f"source:   PostgreSQL {info.server_version}, database {info.database}{db_size}, "
        f"encoding {info.encoding}"
    )
    echo(
        f"dumped:   {_short_time(info.created_at)} UTC to {_short_time(info.finished_at)} UTC "
        f"by pgsnap {info.pgsnap_version}"
        + ("" if info.contents == "all" else f" ({info.contents} only)")
    )
    if info.carried:
        shown = ", ".join(_carried_name(d) for d in info.carried)
        echo(f"carries:  {shown} (load creates them when missing)")
    if info.scope != "tables":
        echo(f"holds:    {_holds(info)}")
    if info.large_objects:
        n, size = _plural(info.large_objects, "large object"), human_bytes(info.large_object_bytes)
        echo(f"          {n}, {size} in all")
    carried = {(d.kind, f"{d.schema}.{d.name}") for d in info.carried}
    for t in info.tables:
        _print_table(t, carried)


def _holds(info: ArchiveInfo) -> str:
    """'the whole database: 12 tables, 3 schemas, 2 views…' (a --schema archive: 'schemas …')."""
    what = "the whole database" if info.scope == "database" else "whole schemas"
    parts = [_plural(len(info.tables), "table")]
    parts += [_plural(n, kind, _kinds(kind)) for kind, n in info.object_counts.items()]
    return f"{what}: {', '.join(parts)}"


def _kinds(kind: str) -> str:
    if kind.endswith("privileges"):
        return kind
    if kind.endswith("y"):
        return kind[:-1] + "ies"
    return kind + "es" if kind.endswith("s") else kind + "s"


def _carried_name(d: Dependency) -> str:
    return f"extension {d.name}" if d.kind == "extension" else f"{d.kind} {d.identity}"


def _print_table(t: TableInfo, carried: set[tuple[str, str]]) -> None:
    echo = click.echo
    renamed = f" (renamed from {t.renamed_from})" if t.renamed_from else ""
    echo(
        f"\ntable {t.name}{renamed}: {_plural(t.rows, 'row')}, "
        f"{human_bytes(t.raw_bytes)} of COPY text, "
        f"{human_bytes(t.compressed_bytes)} compressed in {_plural(t.frames, 'data frame')}"
    )
    _print_dump_facts(t)
    echo("  columns:")
    width = max((len(c.name) for c in t.columns), default=0)
    for c in t.columns:
        echo(f"    {c.name:<{width}}  {c.type}{_column_flags(c)}")
    _section("indexes", [f"{i.name}: {i.definition}" for i in t.indexes])
    _section("constraints", [f"{c.name} ({c.kind}): {c.definition}" for c in t.constraints])
    _section("sequences", [_sequence(q) for q in t.sequences])
    _section("triggers", list(t.triggers))
    _section("policies", list(t.policies))
    if t.statistics:  # rare: no "none" line for them
        _section("extended statistics", list(t.statistics))
    if t.rules:
        _section("rules", list(t.rules))
    d = t.dependencies
    _section(
        "depends on",
        [
            f"{kind} {name}" + (" (carried in the archive)" if (kind, name) in carried else "")
            for kind, names in (
                ("table", d.tables),
                ("sequence", d.sequences),
                ("type", d.types),
                ("function", d.functions),
                ("collation", d.collations),
                ("operator class", d.operator_classes),
            )
            for name in names
        ],
    )


def _print_dump_facts(t: TableInfo) -> None:
    """Sizes at dump time, privileges, planner statistics: what a table's load will meet."""
    s = t.stats
    click.echo(
        f"  at dump time: table {human_bytes(s.table_bytes)}, indexes and TOAST "
        f"{human_bytes(max(s.total_bytes - s.table_bytes, 0))}, total "
        f"{human_bytes(s.total_bytes)}; {s.est_rows:,} rows in the planner's estimate"
    )
    if t.with_privileges:
        click.echo("  privileges: owners and GRANTs included (load --no-privileges skips them)")
    if t.planner_relations or t.planner_columns:
        click.echo(
            f"  planner statistics: {_plural(t.planner_relations, 'relation')}, "
            f"{_plural(t.planner_columns, 'column')} (a load into PostgreSQL 18+ restores them)"
        )
    else:
        click.echo("  planner statistics: none (a load runs ANALYZE)")


def _column_flags(c: Column) -> str:
    flags = []
    if c.not_null:
        flags.append("not null")
    if c.identity:
        flags.append("identity always" if c.identity == "a" else "identity by default")
    if c.generated:
        flags.append("generated")
    return f"  ({', '.join(flags)})" if flags else ""


def _sequence(q: OwnedSequence) -> str:
    kind = "identity" if q.identity else "serial"
    return f"{q.schema}.{q.name} ({kind} of {q.column}, last value {q.last_value})"


def _section(title: str, lines: list[str]) -> None:
    if not lines:
        click.echo(f"  {title}: none")
        return
    click.echo(f"  {title}:")
    for line in lines:
        click.echo(f"    {line}")


# --- verify -----------------------------------------------------------------------------


@click.command()
@click.argument("file")
@dsn_option
@click.option("--live", is_flag=True, help="Compare with the live table (connection as usual).")
@click.option("--as", "as_name", metavar="[SCHEMA.]NAME", help="The live table to compare with.")
@click.option("--table", metavar="NAME", help="Only this table of a multi-table archive.")
@click.option(
    "--restore-test",
    is_flag=True,
    help="Load into a temporary database or schema, compare, drop it.",
)
@jobs_option
@json_option
@quiet_option
def verify(
    file: str,
    dsn: str | None,
    live: bool,
    as_name: str | None,
    table: str | None,
    restore_test: bool,
    jobs: int,
    as_json: bool,
    quiet: bool,
) -> None:
    """Check every frame of FILE (checksums, row counts, manifest, footer); with --dsn or
    --live also compare row counts and row checksums with the live table.

    Exit code 0: OK; 5: a bad frame (named by index and byte offset); 9: a table differs.

    Python: pgsnap.verify(file, ...).
    """
    from pgsnap.tools.verify import verify as verify_fn

    display = Display(verb="verifying", quiet=quiet or as_json)
    result = call(
        verify_fn,
        file,
        dsn=dsn,
        live=live,
        as_name=as_name,
        table=table,
        restore_test=restore_test,
        jobs=jobs,
        progress=display,
    )
    if as_json:
        _echo_json(asdict(result) | {"rows": result.rows, "ok": True})
    elif not quiet:
        _print_verified(result)


def _print_verified(r: VerifyResult) -> None:
    rate = f", {human_bytes(r.raw_bytes / r.file_seconds)}/s" if r.file_seconds else ""
    total = f"; {r.seconds:.1f} s in all" if r.source else ""
    click.echo(
        f"OK {r.path}: {_plural(r.frames, 'frame')}, {_plural(r.rows, 'row')}, "
        f"{human_bytes(r.raw_bytes)} checked in {r.file_seconds:.1f} s{rate}{total}"
    )
    for t in r.tables:
        line = f"  {t.table}: {t.archive.rows:,} rows, row checksum {t.archive}"
        if t.live is not None:
            line += f"; live table {t.live_table}: the same"
        if t.restored is not None:
            indexes = _plural(len(t.restored_indexes), "index", "indexes")
            line += f"; test restore: the same, {indexes}"
        click.echo(line)
    if r.restore_test:
        click.echo(f"  restore test ran in the temporary {r.restore_test}, now dropped")


# --- export -----------------------------------------------------------------------------


@click.command()
@click.argument("file")
@click.option(
    "--csv", "csv_dir", metavar="DIR", required=True, help="Write one CSV per table here."
)
@click.option("--table", metavar="NAME", help="Only this table.")
@click.option("--force", is_flag=True, help="Overwrite existing CSV files.")
@quiet_option
def export(file: str, csv_dir: str, table: str | None, force: bool, quiet: bool) -> None:
    """Write the tables of FILE as CSV files with a header line; no database needed.

    Python: pgsnap.export(file, csv_dir=..., ...).
    """
    from pgsnap.tools.export import export as export_fn

    display = Display(verb="exporting", quiet=quiet)
    result = call(export_fn, file, csv_dir=csv_dir, table=table, force=force, progress=display)
    for f in result.files:
        display.info(f"wrote {f.path}: {rows_text(f.rows)}, {human_bytes(f.bytes)} ({f.table})")


# --- prune ------------------------------------------------------------------------------


@click.command()
@click.argument("directory")
@click.option(
    "--keep", type=click.IntRange(min=1), required=True, help="Backups to keep per table."
)
@click.option("--table", metavar="NAME", help="Only prune this table's backups.")
@click.option("--dry-run", is_flag=True, help="Say what would be removed; remove nothing.")
@click.option(
    "--include-extracts",
    is_flag=True,
    help="Also prune --where, schema-only and data-only archives (each kind kept --keep deep).",
)
@click.option(
    "--stale-uploads-after",
    type=DURATION,
    default="24h",
    show_default=True,
    metavar="DURATION",
    help="On S3, abort the incomplete uploads of archives started longer ago (30m, 12h, 2d).",
)
@quiet_option
def prune(directory: str, quiet: bool, **options: Any) -> None:
    """Remove all but the newest --keep backups of each table in DIRECTORY.

    Newest by the manifest's created_at.  Only complete backups count: --where, schema-only
    and data-only extracts are neither counted nor removed unless --include-extracts.
    Damaged and incomplete files are never removed: each is named in a warning, and they
    make the exit code 5 (as for list).  On an S3 prefix, the incomplete multipart uploads of
    archives directly under it (dumps killed before they could abort them) are aborted once
    older than --stale-uploads-after.

    \b
    Examples:
      pgsnap prune backups/ --keep 5 --dry-run
      pgsnap prune backups/ --keep 5 --table papers
      pgsnap prune s3://bucket/nightly/ --keep 7 --stale-uploads-after 6h

    Python: pgsnap.prune(directory, keep=..., ...).
    """
    from pgsnap.archive.inventory import prune as prune_fn

    dry_run = options["dry_run"]
    result = call(prune_fn, directory, **options)
    verb = "would remove" if dry_run else "removed"
    for e in result.removed if not quiet else ():
        tables = ", ".join(e.table_names)
        click.echo(f"{verb} {e.path} ({tables}, {_short_time(e.created_at)} UTC)")
    _print_uploads(result, quiet)
    for e in result.untouched:
        warn(f"left {e.path} alone: it is {e.status}")
    if not quiet:
        click.echo(
            f"{verb} {_plural(len(result.removed), 'file')} ({human_bytes(result.freed_bytes)}), "
            f"kept {len(result.kept)}"
        )
    if result.untouched:
        sys.exit(EXIT_BAD_ARCHIVE)


def _print_uploads(result: PruneResult, quiet: bool) -> None:
    verb = "would abort" if result.dry_run else "aborted"
    for u in result.aborted if not quiet else ():
        click.echo(
            f"{verb} the incomplete upload of {u.url} (started {_short_time(u.initiated)} UTC)"
        )
    if result.recent_uploads and not quiet:
        count = _plural(len(result.recent_uploads), "incomplete upload")
        click.echo(f"left {count} alone: started less than --stale-uploads-after ago")
