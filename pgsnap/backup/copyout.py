"""COPY … TO STDOUT, the dump's hot path: rows handed on in blocks of about 4 MiB."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from typing import Any

import psycopg
import psycopg.errors
from psycopg import pq

from pgsnap import connection
from pgsnap.archive.frames import FRAME_TARGET_BYTES
from pgsnap.connection import Conn

COPY_BLOCK_TARGET = FRAME_TARGET_BYTES
# binary COPY's file header (signature, flags, no extension) and trailer (field count -1)
BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8
BINARY_TRAILER = b"\xff\xff"


def copy_out(conn: Conn, statement: str | bytes, emit: Callable[[bytearray, int], None]) -> int:
    """Run COPY … TO STDOUT and hand rows to `emit` in blocks of about COPY_BLOCK_TARGET bytes,
    cut at row boundaries.  Returns the number of rows.

    Text COPY sends one message per row, so this loop is the hot path.  It talks to libpq
    directly (blocking PQgetCopyData) and appends into one bytearray: measured on 2M narrow
    rows, 1.5 s against 3.3 s for psycopg's Copy.read() loop, and 7 s when the rows were kept
    as separate objects until the block was joined.
    """
    total = 0
    for block, rows in copy_blocks(conn, statement):
        emit(block, rows)  # the consumer compresses it before we reuse the buffer
        total += rows
    return total


def copy_blocks(
    conn: Conn, statement: str | bytes, *, binary: bool = False
) -> Iterator[tuple[bytearray, int]]:
    """copy_out's blocks as an iterator, for a consumer that pulls (pgsnap copy's live row
    source): each (block, rows) is valid until the next one is asked for.  A consumer that
    stops early leaves the connection inside the COPY: it must close the connection.
    `binary`: the statement is a COPY … (FORMAT binary), and the blocks hold its rows only,
    without the file header and trailer (a consumer writes those once around its COPY)."""
    query = statement if isinstance(statement, bytes) else statement.encode()
    shown = query.decode("utf-8", "replace")
    pg = conn.pgconn
    with connection.statement_errors(shown):
        pg.send_query(query)
        result = pg.get_result()
        if result is None or result.status != pq.ExecStatus.COPY_OUT:
            _raise_result(pg, result)
        whole = yield from (_read_binary_copy_data if binary else _read_copy_data)(pg)
        final = pg.get_result()
        while pg.get_result() is not None:
            pass
        if final is None or final.status != pq.ExecStatus.COMMAND_OK:
            _raise_result(pg, final)
        if not whole:
            raise psycopg.DataError("binary COPY data without its header or trailer")


def _read_copy_data(pg: Any) -> Generator[tuple[bytearray, int], None, bool]:
    block = bytearray()
    rows = 0
    get = pg.get_copy_data
    while True:
        size, data = get(0)
        if size <= 0:
            break
        block += data
        rows += 1
        if len(block) >= COPY_BLOCK_TARGET:
            yield block, rows
            rows = 0
            del block[:]
    if size == -2:
        raise psycopg.OperationalError(pg.error_message.decode("utf-8", "replace"))
    if rows:
        yield block, rows
    return True


def _read_binary_copy_data(pg: Any) -> Generator[tuple[bytearray, int], None, bool]:
    """As _read_copy_data, for binary COPY: the server sends the file header with the first
    row and the trailer as a message of its own after the last (both in one message when
    there are no rows).  A block is handed on before a message is added, so that the last
    message, the trailer, is always in the last block, where it is cut off.  False when the
    header or the trailer is missing (a COPY the server ended with an error has none)."""
    block = bytearray()
    rows = 0
    get = pg.get_copy_data
    size, data = get(0)
    whole = size > 0 and bytes(data[: len(BINARY_HEADER)]) == BINARY_HEADER
    if whole:
        block += data[len(BINARY_HEADER) :]
        rows = 1 if len(block) else 0  # the header came with the first row (or the trailer)
        while True:
            size, data = get(0)
            if size <= 0:
                break
            if len(block) >= COPY_BLOCK_TARGET:
                yield block, rows
                rows = 0
                del block[:]
            block += data
            rows += 1
    while size > 0:  # (no header: the rest is read and dropped, the COPY fails)
        size, data = get(0)
    if size == -2:
        raise psycopg.OperationalError(pg.error_message.decode("utf-8", "replace"))
    whole = whole and block.endswith(BINARY_TRAILER)
    if whole:
        del block[-len(BINARY_TRAILER) :]
        rows -= 1
        if block:
            yield block, rows
    return whole


def _raise_result(pg: Any, result: Any) -> None:
    """Raise the psycopg error (with its SQLSTATE class) that `result` carries.  A result with
    no SQLSTATE is libpq's own (the server closed the connection): an OperationalError, so
    that it reads as a lost connection (exit 3), not as a failed statement."""
    while pg.get_result() is not None:
        pass
    if result is None or not result.error_field(pq.DiagnosticField.SQLSTATE):
        message = (result.error_message if result is not None else b"") or pg.error_message
        raise psycopg.OperationalError(message.decode("utf-8", "replace"))
    raise psycopg.errors.error_from_result(result, encoding="utf-8")
