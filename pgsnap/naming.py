"""Pure helpers for SQL names: the one quoting helper, splitting user input, the 63-byte limit.

Every identifier pgsnap writes into SQL text goes through ident() (or psycopg.sql.Identifier
where a statement is composed for a connection), every string through literal().
"""

from __future__ import annotations

import re

from pgsnap.errors import NameTooLongError, UsageError

MAX_IDENT_BYTES = 63  # NAMEDATALEN - 1: longer names are truncated by the server, silently

_SIMPLE = re.compile(r"^[a-z_][a-z0-9_$]*$")


def quote_ident_if_needed(name: str) -> str:
    """Quote like PostgreSQL's quote_ident(): only when the name is not a plain lowercase word.

    Keywords are quoted too (pglast carries the newest keyword list).
    """
    if _SIMPLE.match(name) and not _is_keyword(name):
        return name
    return '"' + name.replace('"', '""') + '"'


def _is_keyword(name: str) -> bool:
    from pglast.keywords import COL_NAME_KEYWORDS, RESERVED_KEYWORDS, TYPE_FUNC_NAME_KEYWORDS

    return name in RESERVED_KEYWORDS or name in COL_NAME_KEYWORDS or name in TYPE_FUNC_NAME_KEYWORDS


def split_qualified(text: str) -> list[str]:
    """Split 'schema.name' with SQL rules: unquoted parts fold to lower case, "" is a quote.

    Raises UsageError for text that is not a valid (possibly qualified) name.
    """
    parts: list[str] = []
    i, n = 0, len(text)
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i < n and text[i] == '"':
            i, part = _read_quoted(text, i + 1)
            parts.append(part)
        else:
            j = i
            while j < n and text[j] != "." and not text[j].isspace():
                j += 1
            if j == i:
                raise UsageError(f'"{text}" is not a valid table name')
            parts.append(text[i:j].lower())
            i = j
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            return parts
        if text[i] != ".":
            raise UsageError(f'"{text}" is not a valid table name')
        i += 1


def _read_quoted(text: str, i: int) -> tuple[int, str]:
    buf: list[str] = []
    while True:
        j = text.find('"', i)
        if j < 0:
            raise UsageError(f'"{text}" has an unterminated quote')
        buf.append(text[i:j])
        if j + 1 < len(text) and text[j + 1] == '"':
            buf.append('"')
            i = j + 2
        else:
            return j + 1, "".join(buf)


def parse_table_arg(text: str) -> tuple[str | None, str]:
    """A table named on the command line: ('schema' or None, 'name'), SQL folding rules."""
    parts = split_qualified(text)
    if len(parts) == 1:
        return None, parts[0]
    if len(parts) == 2:
        return parts[0], parts[1]
    raise UsageError(f'"{text}" has too many dots: use schema.table')


def check_length(name: str, what: str) -> str:
    """Refuse a name PostgreSQL would truncate; return it unchanged otherwise."""
    size = len(name.encode("utf-8"))
    if size > MAX_IDENT_BYTES:
        raise NameTooLongError(
            f'{what} name "{name}" is {size} bytes; postgresql allows {MAX_IDENT_BYTES}'
        )
    return name


def ident(*parts: str) -> str:
    """A fully quoted, dot-joined identifier, as quote_all_identifiers prints it."""
    return ".".join('"' + p.replace('"', '""') + '"' for p in parts)


# a user mapping's options may hold a password: messages show none of them
_MAPPING_OPTIONS = re.compile(r"(?is)\b(USER\s+MAPPING\b.*?\bOPTIONS\b).*")


def without_secrets(text: str) -> str:
    """`text` (a statement to show in a message) with a user mapping's options left out."""
    return _MAPPING_OPTIONS.sub(r"\1 (...)", text)


def literal(text: str) -> str:
    """A string literal for standard_conforming_strings=on (every session pgsnap opens)."""
    return "'" + text.replace("'", "''") + "'"


UNSAFE_FILENAME_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(text: str) -> str:
    """`text` with every run of characters outside [A-Za-z0-9._-] replaced by one "_"."""
    return UNSAFE_FILENAME_CHARS.sub("_", text)


def check_database_name(name: str) -> None:
    """Raise UsageError unless `name` can be a database name as it is (taken literally, as
    createdb takes it): 1 to 63 bytes, no control characters, no surrounding spaces."""
    shown = "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in name)
    if not name or name != name.strip():
        raise UsageError(f'--create "{shown}" is not a valid database name: it is empty or padded')
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise UsageError(
            f'--create "{shown}" is not a valid database name: it holds control characters'
        )
    size = len(name.encode("utf-8"))
    if size > MAX_IDENT_BYTES:
        raise UsageError(
            f'--create "{shown}" is not a valid database name: {size} bytes, over the '
            f"{MAX_IDENT_BYTES}-byte limit"
        )
