"""Progress of the steps after the rows: each slow statement said as a phase, and the
server's own progress of index builds (pg_stat_progress_create_index), read by a thread on
its own connection while the load's connection is busy with the statement.

The watcher never fails a load: if it cannot connect or read, the load goes on without
percentages.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Mapping, Sequence

import psycopg

from pgsnap import connection
from pgsnap.catalog.fetch import fetch_as, fetch_column
from pgsnap.catalog.values import IndexProgress
from pgsnap.config import ConnSource
from pgsnap.connection import Conn
from pgsnap.ddl.staging import unstaged
from pgsnap.ddl.statements import phase_of
from pgsnap.errors import PgsnapError
from pgsnap.model import QualifiedName
from pgsnap.naming import ident
from pgsnap.progress import Event, ProgressFn, no_progress

WATCH_INTERVAL_S = 1.0
PHASES_SAID = 20  # slow statements said one by one; more are said a batch at a time


def table_oids(conn: Conn, tables: Sequence[QualifiedName]) -> list[int]:
    """The tables' oids and their partitions', as `conn` sees them (its own new tables too),
    in one query."""
    names = [ident(t.schema, t.name) for t in tables]
    return fetch_column(conn, "table_family", int, tables=names) if names else []


@contextlib.contextmanager
def index_builds_watched(
    source: ConnSource, oids: Sequence[int], label: str, progress: ProgressFn
) -> Iterator[None]:
    """While the block runs, a thread reports the index builds on `oids` as percent events."""
    if progress is no_progress or not oids:
        yield
        return
    stop = threading.Event()
    thread = threading.Thread(
        target=_watch, args=(source, list(oids), label, progress, stop), daemon=True
    )
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


def _watch(
    source: ConnSource,
    oids: list[int],
    label: str,
    progress: ProgressFn,
    stop: threading.Event,
) -> None:
    with (
        contextlib.suppress(psycopg.Error, PgsnapError, OSError),
        connection.connect(source, autocommit=True) as conn,
    ):
        while not stop.wait(WATCH_INTERVAL_S):
            builds = fetch_as(conn, "index_progress", IndexProgress, oids=oids)
            done = [b.percent for b in builds if b.percent is not None]
            if done:
                phase = builds[0].phase
                progress(Event("percent", label, percent=min(done), message=phase))


def run_phases(
    conn: Conn,
    statements: Sequence[str],
    label: str,
    progress: ProgressFn,
    names: Mapping[str, str],
) -> None:
    """Run `statements` in order on `conn`, saying each slow one as a phase ("building index
    i (2 of 5)"), staged names said as their final `names`.  The statements go a batch per
    round trip (connection.run_all): up to PHASES_SAID slow ones, each starts a batch and is
    said as it begins; beyond (many small tables), a batch is said by its first slow one."""
    slow = [None if (p := phase_of(s)) is None else unstaged(p, names) for s in statements]
    count = sum(1 for p in slow if p is not None)
    n = 0
    for group in _groups(slow, each=count <= PHASES_SAID):
        phases = [p for p in slow[group.start : group.stop] if p is not None]
        if phases:
            progress(Event("phase", label, message=f"{phases[0]} ({n + 1} of {count})"))
            n += len(phases)
        connection.run_all(conn, statements[group.start : group.stop])


def _groups(slow: Sequence[str | None], *, each: bool) -> Iterator[range]:
    """Runs of positions sent together: a new run at each slow statement when `each`, and
    after connection.BATCH_STATEMENTS."""
    start = 0
    for i in range(1, len(slow)):
        if (each and slow[i] is not None) or i - start >= connection.BATCH_STATEMENTS:
            yield range(start, i)
            start = i
    if slow:
        yield range(start, len(slow))
