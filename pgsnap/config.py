"""Where the connection comes from (design §6), and how it is shown without its password.

Precedence, first match wins:
  1. --dsn (a libpq conninfo string or a postgres:// URI)
  2. DATABASE_URL, then POSTGRES_URL (Neon-style hosts; sslmode/channel_binding work as-is)
  3. the libpq environment (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSERVICE), which
     libpq reads by itself; ~/.pgpass works in every case
  4. a .env file in the current or the parent directory: DB_HOST, DB_PORT, DB_NAME, DB_USER,
     DB_PASSWORD (as the old backup scripts read it), or DATABASE_URL inside it
  5. libpq's own defaults (local socket, current user)
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import psycopg.conninfo
from dotenv import dotenv_values

from pgsnap.errors import PgsnapWarning, UsageError

URL_VARS = ("DATABASE_URL", "POSTGRES_URL")
LIBPQ_VARS = ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "PGSERVICE", "PGHOSTADDR")
DOTENV_KEYS = {"DB_HOST": "host", "DB_PORT": "port", "DB_NAME": "dbname", "DB_USER": "user"}


@dataclass(frozen=True, slots=True)
class ConnSource:
    """A connection target and where it came from.  `conninfo` holds secrets: never print it."""

    conninfo: str = field(repr=False)
    origin: str

    def describe(self) -> str:
        """user@host:port/dbname (from ORIGIN), with no password."""
        return f"{mask_conninfo(self.conninfo)} (from {self.origin})"


def in_database(source: ConnSource, dbname: str) -> ConnSource:
    """The same server, credentials and origin, connected to database `dbname`."""
    return ConnSource(psycopg.conninfo.make_conninfo(source.conninfo, dbname=dbname), source.origin)


def resolve(
    dsn: str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    flag: str = "--dsn",
) -> ConnSource:
    """Pick the connection source by the precedence in the module docstring; a `dsn` given
    is said to come from `flag` (pgsnap copy's --from).

    Raises UsageError when the chosen DSN cannot be parsed (the message never shows it).
    """
    env = os.environ if env is None else env
    if dsn:
        return _checked(dsn, flag)
    for var in URL_VARS:
        if env.get(var):
            return _checked(env[var], var)
    libpq = [var for var in LIBPQ_VARS if env.get(var)]
    dotenv = _dotenv(cwd or Path.cwd())
    if libpq:
        if dotenv is not None:
            _say_dotenv_unread(libpq, dotenv[0])
        return ConnSource("", f"libpq environment: {', '.join(libpq)}")
    if dotenv is not None:
        return _from_dotenv(*dotenv)
    return ConnSource("", "libpq defaults")


def _say_dotenv_unread(libpq: list[str], path: Path) -> None:
    names = ", ".join(libpq)
    warnings.warn(
        f"{names} {'is' if len(libpq) == 1 else 'are'} set, so the libpq environment decides "
        f"the connection and {path} is not read; unset {names}, or pass --dsn",
        PgsnapWarning,
        stacklevel=3,
    )


def _checked(dsn: str, origin: str) -> ConnSource:
    try:
        psycopg.conninfo.conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        raise UsageError(f"the connection string from {origin} is not valid") from None
    return ConnSource(dsn, origin)


def _dotenv(cwd: Path) -> tuple[Path, dict[str, str]] | None:
    """The first .env file, in `cwd` or its parent, that names a database, and its values."""
    for folder in (cwd, cwd.parent):
        path = folder / ".env"
        if not path.is_file():
            continue
        values = {k: v for k, v in dotenv_values(path).items() if v}
        if values.get("DATABASE_URL") or any(var in values for var in DOTENV_KEYS):
            return path, values
    return None


def _from_dotenv(path: Path, values: dict[str, str]) -> ConnSource:
    origin = f".env file {path}"
    if values.get("DATABASE_URL"):
        return _checked(values["DATABASE_URL"], origin)
    params = {key: values[var] for var, key in DOTENV_KEYS.items() if var in values}
    if "DB_PASSWORD" in values:
        params["password"] = values["DB_PASSWORD"]
    return ConnSource(psycopg.conninfo.make_conninfo(**params), origin)


def mask_conninfo(conninfo: str) -> str:
    """user@host:port/dbname, filling gaps from the libpq environment; never the password."""
    try:
        params = psycopg.conninfo.conninfo_to_dict(conninfo)
    except psycopg.ProgrammingError:
        return "<invalid connection string>"
    env = os.environ
    user = str(params.get("user") or env.get("PGUSER") or "")
    host = params.get("host") or env.get("PGHOST") or "localhost"
    port = params.get("port") or env.get("PGPORT") or "5432"
    db = params.get("dbname") or env.get("PGDATABASE") or user or ""
    if str(host).startswith("/"):
        host = f"socket {host}"
    return f"{user + '@' if user else ''}{host}:{port}/{db}"


def mask_text(text: str, conninfo: str) -> str:
    """Remove the password of `conninfo` from any text (an error message, a log line)."""
    try:
        password = psycopg.conninfo.conninfo_to_dict(conninfo).get("password")
    except psycopg.ProgrammingError:
        return text
    if password:
        text = text.replace(str(password), "****")
    return text
