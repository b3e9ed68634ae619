"""load --create: make the target database on the server, load into it, drop it on failure.

The connection names a server and a maintenance database (postgres, say).  pgsnap connects
there, refuses a database that exists, runs CREATE DATABASE (autocommit: it cannot run in
a transaction) with the archive's encoding and, where this server can, its locale and
locale provider, then hands the load a connection source naming the new database on the
same server with the same credentials.  Whatever fails after that (a bad frame, a failed
statement, a wrong row count, Ctrl-C) drops the database again, and says so; the error
stays the load's.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import psycopg
from psycopg import errors as pgerr
from psycopg import sql

from pgsnap import connection
from pgsnap.archive.manifest import Header
from pgsnap.catalog.fetch import fetch_as
from pgsnap.catalog.tables import PG_DATLOCALE, PG_LOCALE_PROVIDER, database_locale
from pgsnap.catalog.values import DatabaseLocale, MayCreate
from pgsnap.config import ConnSource, in_database
from pgsnap.connection import Conn
from pgsnap.errors import PermissionDeniedError, PgsnapError, PgsnapWarning, TargetExistsError
from pgsnap.progress import Event, ProgressFn

PG_DROP_FORCE = 130000  # DROP DATABASE … WITH (FORCE)
# what a CREATE DATABASE refused for its locale raises: an unknown or mismatched locale
# (22023, 42809, 42704), a provider this build or version lacks (0A000, 42601)
LOCALE_ERRORS = (
    pgerr.DataError,
    pgerr.WrongObjectType,
    pgerr.UndefinedObject,
    pgerr.FeatureNotSupported,
    pgerr.SyntaxError,
)


Options = tuple[sql.Composable, ...]  # what follows CREATE DATABASE name


def server_label(conn: Conn) -> str:
    """host:port of the connection's server (a socket directory as "socket DIR"), for
    messages: never the password."""
    host = conn.info.host
    shown = f"socket {host}" if host.startswith("/") else host
    return f"{shown}:{conn.info.port}"


def check_new(conn: Conn, name: str) -> str:
    """Before anything changes: `name` does not exist on the server and the role may create
    databases.  Returns the server's host:port.  Raises TargetExistsError or
    PermissionDeniedError."""
    server = server_label(conn)
    if database_locale(conn, name) is not None:
        raise TargetExistsError(
            f'database "{name}" already exists on {server}; --create makes a new one: choose '
            "another name, or load into it without --create"
        )
    may = fetch_as(conn, "verify_privileges", MayCreate)[0]
    if not may.may_create_database:
        raise PermissionDeniedError(
            f'role "{may.role}" may not create databases on {server}, so --create cannot '
            f'make "{name}"; grant it CREATEDB, or create the database and load without --create'
        )
    return server


def would_create(name: str, server: str, header: Header) -> str:
    """What a dry run says it would create."""
    return f'would create database "{name}" on {server} with {_source_locale(header)}'


@contextlib.contextmanager
def created(
    conn_source: ConnSource, name: str, header: Header, progress: ProgressFn
) -> Iterator[ConnSource]:
    """Create database `name` and yield the connection source of it; on any failure in the
    block, drop it (and say so), then re-raise the block's error."""
    with contextlib.closing(connection.connect(conn_source, autocommit=True)) as conn:
        connection.apply_session_settings(conn)
        server = check_new(conn, name)
        _create(conn, name, header, server, progress)
        drop_force = connection.server_version(conn) >= PG_DROP_FORCE
    try:
        yield in_database(conn_source, name)
    except BaseException as exc:
        _drop(conn_source, name, server, drop_force, progress, exc)
        raise


def _create(conn: Conn, name: str, header: Header, server: str, progress: ProgressFn) -> None:
    """CREATE DATABASE, trying the attempts best first.  When the source's locale could not
    be given, one warning line says why and what the database got instead."""
    version = connection.server_version(conn)
    attempts = attempts_for(header, version)
    refusal = _provider_missing(header, version)
    for i, attempt in enumerate(attempts):
        parts = [sql.SQL("CREATE DATABASE"), sql.Identifier(name), *attempt]
        stmt = sql.SQL(" ").join(parts)
        try:
            with connection.statement_errors(stmt.as_string(conn)):
                _execute_or_locale_error(conn, stmt, last=i == len(attempts) - 1)
        except _LocaleRefused as refused:
            refusal = refusal or refused.reason
            continue
        got = describe(database_locale(conn, name), _encoding(conn, name))
        if refusal is not None:
            _warn(
                f'database "{name}" on {server} cannot have {_source_locale(header)} ({refusal}): '
                f"created it with {got} instead"
            )
        progress(Event("step", name, message=f'created database "{name}" on {server} ({got})'))
        return


def _provider_missing(header: Header, server_version: int) -> str | None:
    """Why this server cannot take the source's locale provider at all, or None."""
    provider = header.locale_provider or "libc"
    if provider == "libc" or _provider(header, server_version) is not None:
        return None
    major = server_version // 10000
    return f"PostgreSQL {major} has no {provider} locale provider"


class _LocaleRefused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _execute_or_locale_error(conn: Conn, stmt: sql.Composed, *, last: bool) -> None:
    try:
        conn.execute(stmt)
    except LOCALE_ERRORS as exc:
        if last:
            raise
        message = exc.diag.message_primary or str(exc)
        raise _LocaleRefused(message[0].lower() + message[1:]) from None


def _warn(message: str) -> None:
    import warnings

    warnings.warn(message, PgsnapWarning, stacklevel=2)


def _encoding(conn: Conn, name: str) -> str:
    row = conn.execute(
        "SELECT pg_catalog.pg_encoding_to_char(encoding) FROM pg_catalog.pg_database "
        "WHERE datname = %s",
        (name,),
    ).fetchone()
    return str(row[0]) if row else "?"


def describe(locale: DatabaseLocale | None, encoding: str) -> str:
    """ "encoding UTF8, locale C.UTF-8 (libc)", "…, ICU locale und (collate C, ctype C)"."""
    if locale is None:
        return f"encoding {encoding}"
    libc = (
        f"locale {locale.collate}"
        if locale.collate == locale.ctype
        else f"collate {locale.collate}, ctype {locale.ctype}"
    )
    if locale.locale_provider == "libc":
        return f"encoding {encoding}, {libc} (libc)"
    provider = "ICU" if locale.locale_provider == "icu" else "builtin"
    return f"encoding {encoding}, {provider} locale {locale.locale} ({libc})"


def _source_locale(header: Header) -> str:
    """The archive's encoding and locale as describe() says them, or what is missing."""
    if header.encoding is None:
        return "the server's default encoding and locale (the archive records neither)"
    if header.collate is None or header.ctype is None:
        return f"encoding {header.encoding} (the archive records no locale)"
    provider = header.locale_provider or "libc"
    return describe(
        DatabaseLocale(header.collate, header.ctype, provider, header.locale), header.encoding
    )


def attempts_for(header: Header, server_version: int) -> list[Options]:
    """The ways to create the database, best first: the source's encoding, locale and
    provider (when this server has it); its libc locale alone; its encoding alone; its
    encoding with the C locale (which takes any encoding); the server's defaults."""
    template = sql.SQL("TEMPLATE template0")
    # on 15+ say libc: template0 may have another provider
    libc = (sql.SQL("LOCALE_PROVIDER libc"),) if server_version >= PG_LOCALE_PROVIDER else ()
    out: list[Options] = []
    if header.encoding is not None:
        encoding = (template, sql.SQL("ENCODING"), sql.Literal(header.encoding))
        if header.collate is not None and header.ctype is not None:
            lc = (
                *(sql.SQL("LC_COLLATE"), sql.Literal(header.collate)),
                *(sql.SQL("LC_CTYPE"), sql.Literal(header.ctype)),
            )
            provider = _provider(header, server_version)
            if provider is not None and (header.locale_provider or "libc") != "libc":
                out.append((*encoding, *lc, *provider))
            out.append((*encoding, *lc, *libc))
        out.append(encoding)
        out.append((*encoding, sql.SQL("LC_COLLATE 'C' LC_CTYPE 'C'"), *libc))
    out.append((template,))
    return out


def _provider(header: Header, server_version: int) -> tuple[sql.Composable, ...] | None:
    """The LOCALE_PROVIDER clause of the source's provider, () when none is needed (libc on a
    server before 15), or None when this server has no such provider."""
    provider = header.locale_provider or "libc"
    if provider == "libc":
        return (sql.SQL("LOCALE_PROVIDER libc"),) if server_version >= PG_LOCALE_PROVIDER else ()
    if provider == "icu" and server_version >= PG_LOCALE_PROVIDER and header.locale:
        return (sql.SQL("LOCALE_PROVIDER icu ICU_LOCALE"), sql.Literal(header.locale))
    if provider == "builtin" and server_version >= PG_DATLOCALE and header.locale:
        return (sql.SQL("LOCALE_PROVIDER builtin BUILTIN_LOCALE"), sql.Literal(header.locale))
    return None


def _drop(
    conn_source: ConnSource,
    name: str,
    server: str,
    force: bool,
    progress: ProgressFn,
    exc: BaseException,
) -> None:
    """Drop the database this load created, after its failure `exc`; say what happened (a
    step, and a note on the error).  Never raises: the load's error is the one reported."""
    stmt = sql.SQL("DROP DATABASE IF EXISTS {}{}").format(
        sql.Identifier(name), sql.SQL(" WITH (FORCE)" if force else "")
    )
    try:
        conn = connection.connect(conn_source, autocommit=True)
        with contextlib.closing(conn), connection.statement_errors():
            conn.execute(stmt)
        said = f'dropped database "{name}" on {server}, which this load had created'
    except (psycopg.Error, PgsnapError) as failed:
        said = (
            f'could not drop database "{name}" on {server}, which this load had created: '
            f"{failed}; drop it by hand"
        )
    progress(Event("step", name, message=said))
    add_note = getattr(exc, "add_note", None)  # Python 3.11+: shown under a traceback
    if add_note is not None:
        add_note(said)
