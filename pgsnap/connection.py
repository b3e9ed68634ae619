"""The only module that opens connections.  Session settings, snapshots, error mapping."""

from __future__ import annotations

import contextlib
import logging
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import errors as pgerr
from psycopg import sql

from pgsnap.config import ConnSource, mask_text
from pgsnap.errors import ConnectError, PermissionDeniedError, PgsnapError, SQLError
from pgsnap.naming import without_secrets

# Every connection pgsnap opens; the row type is chosen per cursor (rows are typed there).
Conn = psycopg.Connection[Any]

CONNECT_TIMEOUT_S = 10  # a wrong host fails in seconds, not after the OS's TCP timeout

# What pg_dump sets, so that text output means one thing everywhere (design §3).
SESSION_SETTINGS: tuple[tuple[str, str], ...] = (
    ("DateStyle", "ISO"),
    # timestamptz text is the same instant in any zone; one zone makes archives reproducible
    # and lets verify compare rows as text
    ("TimeZone", "UTC"),
    ("IntervalStyle", "postgres"),
    ("extra_float_digits", "3"),
    ("client_encoding", "UTF8"),
    ("standard_conforming_strings", "on"),
    ("synchronize_seqscans", "off"),
    ("statement_timeout", "0"),
    ("lock_timeout", "0"),
    ("idle_in_transaction_session_timeout", "0"),
    ("row_security", "off"),
    ("check_function_bodies", "off"),  # a function may name the table it is restored before
    # catalog output fully quoted: a keyword that is new in pglast's grammar stays an identifier
    ("quote_all_identifiers", "on"),
    ("search_path", ""),
)

STATEMENT_SHOWN_CHARS = 300  # enough to recognise the statement in a one-line error
# SQLSTATEs that say the session is gone rather than that a statement failed: class 08
# (connection exception), and the operator interventions that end sessions (admin_shutdown,
# crash_shutdown, cannot_connect_now, database_dropped, idle_session_timeout).
SESSION_ENDED_STATES = frozenset({"57P01", "57P02", "57P03", "57P04", "57P05"})

_OURS: weakref.WeakSet[Conn] = weakref.WeakSet()  # every connection connect() opened


class _QuietAfterError(logging.Filter):
    """psycopg logs a warning ("error ignored terminating <psycopg.Copy [BAD] …>: the connection
    is lost", "error ignored in rollback …") when ending a COPY or a transaction fails after
    the error that ended it; it then re-raises that first error, which pgsnap reports in its
    one error line.  For pgsnap's own connections the warning is a stray second line: drop
    it.  Every other record passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith("error ignored"):
            return True
        args = record.args if isinstance(record.args, tuple) else ()
        owner = args[0] if args else None  # the Copy, Transaction or Connection
        conn = getattr(owner, "connection", owner)
        return not (isinstance(conn, psycopg.Connection) and conn in _OURS)


logging.getLogger("psycopg").addFilter(_QuietAfterError())


def connect(source: ConnSource, *, autocommit: bool = False) -> Conn:
    """Connect and apply the session settings.  Raises ConnectError naming the masked target."""
    # UTF8 from the first query on: a SQL_ASCII database's own default would make psycopg
    # hand back text as bytes (the search path read before the settings, say)
    kwargs: dict[str, object] = {
        "application_name": "pgsnap",
        "autocommit": autocommit,
        "client_encoding": "UTF8",
    }
    if "connect_timeout" not in source.conninfo:
        kwargs["connect_timeout"] = CONNECT_TIMEOUT_S
    try:
        conn = psycopg.connect(source.conninfo, **kwargs)  # type: ignore[arg-type]
    except psycopg.OperationalError as exc:
        reason = _first_line(mask_text(str(exc), source.conninfo))
        raise ConnectError(f"cannot connect to {source.describe()}: {reason}") from None
    _OURS.add(conn)
    return conn


def user_search_path(conn: Conn) -> list[str]:
    """The schemas an unqualified table name would be looked up in, before we clear search_path."""
    row = conn.execute("SELECT pg_catalog.current_schemas(false)").fetchone()
    return list(row[0]) if row and row[0] else []


def apply_session_settings(conn: Conn) -> None:
    for name, value in SESSION_SETTINGS:
        conn.execute(
            sql.SQL("SELECT pg_catalog.set_config({}, {}, false)").format(
                sql.Literal(name), sql.Literal(value)
            )
        )


@contextlib.contextmanager
def names_for_people(conn: Conn) -> Iterator[None]:
    """Within the block, the server names objects as people read them (public.v, not
    "public"."v"): for what is shown to the user, never for DDL that pglast parses."""
    conn.execute("SELECT pg_catalog.set_config('quote_all_identifiers', 'off', false)")
    try:
        yield
    finally:
        if not conn.closed and conn.info.transaction_status != psycopg.pq.TransactionStatus.INERROR:
            conn.execute("SELECT pg_catalog.set_config('quote_all_identifiers', 'on', false)")


def copy_encoding(database_encoding: str | None) -> str:
    """The client encoding of the rows' COPY text: UTF8, the server converting from the
    database's encoding, but for SQL_ASCII, which has no conversion: its bytes as they are."""
    return "SQL_ASCII" if database_encoding == "SQL_ASCII" else "UTF8"


def set_client_encoding(conn: Conn, encoding: str, *, local: bool = False) -> None:
    """The session's client encoding (`local`: for the transaction only)."""
    with statement_errors():
        conn.execute("SELECT pg_catalog.set_config('client_encoding', %s, %s)", (encoding, local))


def server_version(conn: Conn) -> int:
    """server_version_num, e.g. 150018."""
    return int(conn.info.server_version)


@contextmanager
def statement_errors(statement: str | None = None) -> Iterator[None]:
    """Turn a server error into a one-line PgsnapError that shows the statement."""
    try:
        yield
    except PgsnapError:
        raise
    except psycopg.Error as exc:
        raise pgsnap_error(exc, statement) from None


OUT_OF_SHARED_MEMORY = "53200"  # out of lock slots, too: max_locks_per_transaction


def pgsnap_error(exc: psycopg.Error, statement: str | None = None) -> PgsnapError:
    """The one-line PgsnapError for a server or libpq error: a lost connection (exit 3),
    permission denied (7), or a failed statement (8), which shows `statement`."""
    if isinstance(exc, pgerr.InsufficientPrivilege):
        return PermissionDeniedError(_describe(exc, statement))
    if session_ended(exc):
        return ConnectError(f"connection lost: {_first_line(str(exc))}")
    error = SQLError(_describe(exc, statement))
    if exc.sqlstate == OUT_OF_SHARED_MEMORY and "max_locks_per_transaction" in str(
        exc.diag.message_hint
    ):
        error.extend(
            "a load runs in one transaction, holding a lock on every table, index and sequence "
            "it makes: raise max_locks_per_transaction on the target (a restart), or load the "
            "archive's tables in parts with --table"
        )
    return error


def session_ended(exc: psycopg.Error) -> bool:
    """The error says the connection is gone (exit 3), not that a statement failed (exit 8).

    By SQLSTATE when there is one: an OperationalError such as disk_full (53100) or
    query_canceled (57014) is a failed statement.  Without one, the error is libpq's own: the
    socket closed, the server went away (a result that libpq made has no SQLSTATE, and
    psycopg makes it a plain DatabaseError)."""
    state = exc.sqlstate
    if state:
        return state.startswith("08") or state in SESSION_ENDED_STATES
    return isinstance(exc, psycopg.OperationalError) or type(exc) is psycopg.DatabaseError


@contextmanager
def transaction(
    conn: Conn,
    *,
    read_only: bool = False,
    snapshot: str | None = None,
    settings: Sequence[tuple[str, str]] = (),
) -> Iterator[None]:
    """One transaction on an autocommit connection: BEGIN, then COMMIT when the block ends,
    ROLLBACK when it raises (anything, Ctrl-C too; a lost connection has rolled back by
    itself).  `settings` are set for the transaction only.  `read_only` opens a REPEATABLE
    READ, READ ONLY snapshot (joining the exported `snapshot` when given), which always ends
    in ROLLBACK: it has nothing to commit, and ending it releases its locks."""
    try:
        with statement_errors():
            conn.execute(
                "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY" if read_only else "BEGIN"
            )
            if snapshot is not None:
                conn.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot)))
            for name, value in settings:
                conn.execute("SELECT pg_catalog.set_config(%s, %s, true)", (name, value))
        yield
    except BaseException:
        rollback(conn)
        raise
    with statement_errors():
        conn.execute("ROLLBACK" if read_only else "COMMIT")


def rollback(conn: Conn) -> None:
    """End the connection's transaction, if it still can; never raises."""
    if conn.closed:
        return
    with contextlib.suppress(psycopg.Error):
        conn.execute("ROLLBACK")


def run(conn: Conn, statement: str) -> None:
    """Execute one stored DDL statement; failures show it."""
    with statement_errors(statement):
        conn.execute(statement.encode())  # bytes: a % in the DDL is not a placeholder


# Stored statements sent in one simple-query string, not one round trip each: 2,000 small
# tables have 20,000 statements (issue 13).  Bounded, so that a failure's replay is short.
BATCH_STATEMENTS = 200
BATCH_BYTES = 1 << 20
_BATCH_SAVEPOINT = "pgsnap_batch"


def batches(statements: Sequence[str]) -> Iterator[list[str]]:
    """`statements` cut into runs of at most BATCH_STATEMENTS and about BATCH_BYTES."""
    batch: list[str] = []
    size = 0
    for stmt in statements:
        if batch and (len(batch) >= BATCH_STATEMENTS or size + len(stmt) > BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(stmt)
        size += len(stmt)
    if batch:
        yield batch


def run_all(conn: Conn, statements: Sequence[str]) -> None:
    """Execute stored DDL statements in order, inside the connection's open transaction, a
    batch per round trip.  Each text must be one whole statement (the allow-list parsed it):
    they are joined with ";" and a newline, so a trailing comment ends before the next.  A
    failure rolls its batch back to a savepoint and replays it one statement at a time, so
    the error is the same one-line SQLError naming the failing statement as run()'s.  Outside
    a transaction (the staged load's autocommit steps) each statement still runs on its own:
    a batch there would be one implicit transaction, with no savepoint."""
    in_transaction = conn.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
    for batch in batches(statements) if in_transaction else ([s] for s in statements):
        if len(batch) == 1:
            run(conn, batch[0])
        else:
            _run_batch(conn, batch)


def _run_batch(conn: Conn, batch: Sequence[str]) -> None:
    savepoint = sql.Identifier(_BATCH_SAVEPOINT).as_bytes(conn)
    body = b";\n".join(s.encode() for s in batch)
    text = b"SAVEPOINT %s;\n%s;\nRELEASE SAVEPOINT %s" % (savepoint, body, savepoint)
    try:
        conn.execute(text)  # no parameters: one simple query, several statements
    except psycopg.Error as exc:
        with statement_errors():
            conn.execute(b"ROLLBACK TO SAVEPOINT %s" % savepoint)
        for stmt in batch:
            run(conn, stmt)
        raise pgsnap_error(exc) from None  # (the replay passed: the batch's own error)


def _describe(exc: psycopg.Error, statement: str | None) -> str:
    diag = exc.diag
    message = diag.message_primary or _first_line(str(exc))
    text = message[0].lower() + message[1:] if message else "server error"
    if statement:
        shown = without_secrets(" ".join(statement.split()))
        if len(shown) > STATEMENT_SHOWN_CHARS:
            shown = shown[: STATEMENT_SHOWN_CHARS - 3] + "..."
        text += f"; statement: {shown}"
    for label, extra in (("detail", diag.message_detail), ("hint", diag.message_hint)):
        if extra:
            text += f"; {label}: {' '.join(extra.split())}"
    return text


def _first_line(text: str) -> str:
    for line in text.strip().splitlines():
        if line.strip():
            return line.strip()
    return text.strip()
