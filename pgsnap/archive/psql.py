"""What psql would do with an archive: the guard on its sql frames (CVE-2025-8714's class).

Decompressed, an archive is a psql script, so a hostile one could hide psql meta-commands
(``\\! rm …``) in it.  pgsnap writes only these, in this order:

    \\set ON_ERROR_STOP on          first line of the header frame
    \\restrict KEY                  second line (pg_dump 18's guard: psql then runs no other
                                    meta-command, KEY being random per dump)
    \\.                             at the start of each sql frame after a table's rows
                                    (and the lo_put lines of blob frames hold a backslash
                                    only inside their bytea literal)
    \\unrestrict KEY                last line of the last sql frame, the same KEY

The readers (verify, export, load) refuse any other: a backslash anywhere in the SQL text
outside quotes and comments starts a meta-command for psql.  They also refuse a data frame
that psql would not read as COPY data (not right after a ``COPY … FROM stdin;``) and a data
line that would end the COPY early (``\\.``: COPY text escapes every backslash, so no row
starts with one).  Archives written before the guard (no \\restrict) are accepted.
"""

from __future__ import annotations

import re

from pgsnap.archive.frames import copy_line
from pgsnap.archive.reader import FrameFile
from pgsnap.errors import UnsafeStatementError

END_OF_COPY = "\\.\n"
_ON_ERROR_STOP = re.compile(r"\\set ON_ERROR_STOP on\Z")
_RESTRICT = re.compile(r"\\(restrict|unrestrict) ([A-Za-z0-9]{16,64})\Z")
# A letter, "_" or any non-ASCII character (then also a digit), as the complement of the
# other ASCII characters: the class spelled [A-Za-z_\x80-\U0010ffff] took 8 ms to compile, at
# every start of pgsnap (the same characters: tests/test_psql_guard.py checks every one)
_NAME_START = r"[^\x00-\x40\x5b-\x5e\x60\x7b-\x7f]"
_NAME_CHAR = r"[^\x00-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]"
_DOLLAR_TAG = re.compile(rf"\$(?:{_NAME_START}{_NAME_CHAR}*)?\$")
_IDENT_START = re.compile(_NAME_CHAR)
# What lies between the tokens that matter, skipped in one match: characters that start no
# token, a lone - or /, and whole double-quoted names (a doubled "" inside one is two names
# back to back, ending where the one name does).  A 2,000-table script was lexed a token per
# call before, 86,000 calls for its quoted names (issue 13): 0.13 s, now 0.03 s.
_PLAIN = re.compile(r'(?:[^\\\'"$/-]+|"[^"]*"|-(?!-)|/(?!\*))*')


def meta_commands(sql: str) -> list[str]:
    """The psql meta-commands in `sql` (each from its backslash to the end of its line), as
    psql's lexer finds them: not inside quotes, dollar quotes or comments."""
    found: list[str] = []
    if "\\" not in sql:  # every meta-command starts with one: most sql frames hold none
        return found
    i, n = 0, len(sql)
    while (i := _plain_end(sql, i)) < n:
        i = _skip_token(sql, i, found)
    return found


def _plain_end(sql: str, i: int) -> int:
    """Where the next token that matters starts, from `i` on (or the end of `sql`)."""
    plain = _PLAIN.match(sql, i)  # (it matches, if only the empty string)
    return i if plain is None else plain.end()


def _skip_token(sql: str, i: int, found: list[str]) -> int:
    """The position after the token at `i`; a meta-command is recorded in `found`."""
    char = sql[i]
    if char == "\\":
        end = sql.find("\n", i)
        end = len(sql) if end < 0 else end
        found.append(sql[i:end])
        return end
    if sql.startswith("--", i):
        end = sql.find("\n", i)
        return len(sql) if end < 0 else end
    if sql.startswith("/*", i):
        return _block_comment_end(sql, i)
    if char in "'\"":
        escapes = char == "'" and i > 0 and sql[i - 1] in "eE" and not _word_before(sql, i - 1)
        return _quoted_end(sql, i, char, escapes)
    if char == "$" and not (i > 0 and _IDENT_START.match(sql[i - 1])):
        tag = _DOLLAR_TAG.match(sql, i)
        if tag:
            end = sql.find(tag.group(), tag.end())
            return len(sql) if end < 0 else end + len(tag.group())
    return i + 1


def _word_before(sql: str, i: int) -> bool:
    """The E at `i` is the end of a longer word (a name ending in e), not a string prefix."""
    return i > 0 and _IDENT_START.match(sql[i - 1]) is not None


def _quoted_end(sql: str, i: int, quote: str, escapes: bool) -> int:
    if not escapes:  # the next quote ends it, unless doubled: found, not walked to
        j = sql.find(quote, i + 1)
        while j >= 0 and sql.startswith(quote * 2, j):
            j = sql.find(quote, j + 2)
        return len(sql) if j < 0 else j + 1
    j = i + 1
    while j < len(sql):
        if sql[j] == "\\":
            j += 2
            continue
        if sql[j] == quote:
            if sql.startswith(quote * 2, j):  # a doubled quote stays inside
                j += 2
                continue
            return j + 1
        j += 1
    return len(sql)


def _block_comment_end(sql: str, i: int) -> int:
    depth, j = 0, i
    while j < len(sql):
        if sql.startswith("/*", j):
            depth, j = depth + 1, j + 2
        elif sql.startswith("*/", j):
            depth, j = depth - 1, j + 2
            if depth == 0:
                return j
        else:
            j += 1
    return len(sql)


class ScriptGuard:
    """Follows an archive's frames in file order (the manifest aside), as psql would read
    them; refuses (UnsafeStatementError, exit 5) what pgsnap does not write.  `label` names
    the file."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.opened: str | None = None  # the COPY line the last sql frame ended with, if any
        self.key: str | None = None
        self.closed = False  # \unrestrict seen: nothing may follow
        self.sql_frames = 0

    def sql(self, index: int, text: str) -> None:
        """An sql frame."""
        self._open(index)
        if self.in_copy:
            if not text.startswith(END_OF_COPY):
                raise self._refusal(index, "does not end the COPY its rows belong to")
            text = text[len(END_OF_COPY) :]
        for command in meta_commands(text):
            self._allowed(index, command.rstrip())
        self.opened = copy_line(text)
        self.sql_frames += 1

    @property
    def in_copy(self) -> bool:
        """Data frames may follow: the last sql frame opened a COPY."""
        return self.opened is not None

    def data(self, index: int) -> None:
        """A data frame, at its place in the file (its rows: check_rows)."""
        self._open(index)
        if not self.in_copy:
            raise self._refusal(index, "would be read by psql as SQL: no COPY comes before it")

    def blob(self, index: int) -> None:
        """A blob frame, at its place in the file: outside any COPY (its text, lo_put lines
        and nothing else, is checked as it is read: blobs.parse_blob)."""
        self._open(index)
        if self.in_copy:
            raise self._refusal(index, "would be read by psql as rows: it is inside a COPY")

    def _open(self, index: int) -> None:
        if self.closed:
            raise self._refusal(index, "comes after the script's \\unrestrict")

    def _allowed(self, index: int, command: str) -> None:
        self._open(index)
        first = self.sql_frames == 0
        if first and _ON_ERROR_STOP.match(command):
            return
        found = _RESTRICT.match(command)
        if found and found.group(1) == "restrict" and first and self.key is None:
            self.key = found.group(2)
            return
        if found and found.group(1) == "unrestrict" and found.group(2) == self.key:
            self.closed = True
            return
        shown = command if len(command) <= 60 else command[:57] + "..."
        raise self._refusal(index, f"holds a psql meta-command: {shown}")

    def _refusal(self, index: int, reason: str) -> UnsafeStatementError:
        return UnsafeStatementError(f'refusing "{self.label}": frame {index} {reason}')


def check_script(reader: FrameFile) -> None:
    """The frames of a seekable archive in file order, as psql would read them: every sql
    frame decompressed and checked (they are small), each data frame's place (its rows are
    checked as they are read: frames.rows_problem)."""
    guard = ScriptGuard(reader.path)
    for index, info in enumerate(reader.frames):
        if info.kind == "sql":
            guard.sql(index, reader.read_frame(index).decode("utf-8", "replace"))
        elif info.kind == "blob":
            guard.blob(index)
        else:
            guard.data(index)
