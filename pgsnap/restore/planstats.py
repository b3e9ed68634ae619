"""The statistics step of a load: the archive's planner statistics, or ANALYZE.

Into PostgreSQL 18 or later, a table that the load created and filled gets the statistics
its archive carries (ddl/planstats.py builds the calls on the final names), after its indexes
are built (CREATE INDEX overwrites relpages and reltuples) and after the swap of a staged
load.  Every other table is analyzed as before: into an older server, with `--analyze`, when
the archive has none (dump --no-statistics, an older pgsnap, a never-analyzed source table),
and for rows added to a table that was there (--append, --data-only: the source's numbers
would not describe it).

The calls go in batches, each one statement and one round trip, under a savepoint: a call
the server refuses (an error) or that only partly applies (pg_restore_*_stats() warns and
returns false: a column that no longer exists, a value of another type) is one warning
naming the table and column, never a failure; the load's transaction goes on.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import psycopg
import psycopg.errors

from pgsnap import connection
from pgsnap.connection import Conn
from pgsnap.ddl.planstats import PG_RESTORE_STATS, StatsCall, calls
from pgsnap.errors import PgsnapWarning
from pgsnap.model import TableSpec
from pgsnap.progress import Event, ProgressFn
from pgsnap.restore import ops
from pgsnap.restore.plan import TablePlan

BATCH_PARAMS = 30000  # bound values per statement: the protocol allows 65535
BATCH_CALLS = 1000  # calls per SELECT: a target list holds at most 1664 entries
_SAVEPOINT = "pgsnap_stats"


def restores_statistics(conn: Conn, plan: TablePlan, *, analyze: bool) -> bool:
    """Whether the load gives `plan`'s table its archived statistics instead of ANALYZE."""
    if analyze or not plan.create or not plan.rows or not plan.spec.planner_stats:
        return False
    return connection.server_version(conn) >= PG_RESTORE_STATS


def statistics_step(
    conn: Conn,
    plans: Sequence[TablePlan],
    version: int | None,
    *,
    analyze: bool,
    label: str,
    progress: ProgressFn,
) -> None:
    """In the load's transaction, after the post-data and swaps: each table's statistics
    restored, or ANALYZE.  `version` is the source's server_version_num."""
    restored = [p for p in plans if restores_statistics(conn, p, analyze=analyze)]
    analyzed = [p for p in plans if p not in restored]
    if restored:
        progress(Event("phase", label, message="restoring planner statistics"))
        restore_statistics(conn, [p.spec for p in restored], version)
    if analyzed:
        progress(Event("phase", label, message="analyzing"))
        ops.analyze(conn, [p.spec.qname for p in analyzed])


def restore_statistics(conn: Conn, specs: Sequence[TableSpec], version: int | None) -> None:
    """Every call for `specs` (named as they are now), in batches; a refused or partial call
    is a PgsnapWarning.  Inside a transaction."""
    pending = [c for s in specs for c in calls(s, version)]
    batch: list[StatsCall] = []
    size = 0
    for call in pending:
        if batch and (size + len(call.args) > BATCH_PARAMS or len(batch) >= BATCH_CALLS):
            _run_batch(conn, batch)
            batch, size = [], 0
        batch.append(call)
        size += len(call.args)
    if batch:
        _run_batch(conn, batch)


def _run_batch(conn: Conn, batch: Sequence[StatsCall]) -> None:
    """One statement for the batch; the calls that failed or warned are run again one by one
    (a restore sets values: running it twice changes nothing) to say which one it was."""
    results, _ = _run(conn, batch)
    if results is None:
        retry = list(batch)
    else:
        retry = [c for c, ok in zip(batch, results, strict=True) if not ok]
    for call in retry:
        ok, heard = _run(conn, [call])
        if ok is None or not all(ok):
            why = heard[0] if heard else "the server did not apply it"
            warnings.warn(
                f"planner statistics of {call.shown()} not restored: {why}",
                PgsnapWarning,
                stacklevel=2,
            )


def _run(conn: Conn, batch: Sequence[StatsCall]) -> tuple[list[bool] | None, list[str]]:
    """The calls in one SELECT under a savepoint: each call's result (None when the statement
    failed, rolled back to the savepoint), and the server's warnings or error."""
    stmt = "SELECT " + ", ".join(c.expression() for c in batch)
    params = [v for c in batch for v in c.params()]
    heard: list[str] = []

    def hear(diag: psycopg.errors.Diagnostic) -> None:
        if diag.severity_nonlocalized == "WARNING" and diag.message_primary:
            heard.append(diag.message_primary)

    conn.add_notice_handler(hear)
    try:
        conn.execute(f"SAVEPOINT {_SAVEPOINT}")
        try:
            row = conn.execute(stmt.encode(), params).fetchone()
        except psycopg.Error as exc:
            if connection.session_ended(exc):
                raise connection.pgsnap_error(exc) from exc
            conn.execute(f"ROLLBACK TO SAVEPOINT {_SAVEPOINT}")
            return None, [exc.diag.message_primary or str(exc).splitlines()[0], *heard]
        conn.execute(f"RELEASE SAVEPOINT {_SAVEPOINT}")
    finally:
        conn.remove_notice_handler(hear)
    return [bool(v) for v in (row or ())], heard
