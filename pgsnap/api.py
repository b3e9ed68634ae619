"""The Python face of the commands: an error raised to a script names keywords, not flags.

Library messages are written for the command line ("use --drop-existing"); a script that
called pgsnap.load() gets the same message in its own terms ("use drop_existing=True").  The
CLI runs the functions inside `from_cli()`, and then nothing is rewritten.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import gc
import inspect
import re
import threading
from collections.abc import Callable, Iterator
from typing import ParamSpec, TypeVar

from pgsnap.errors import PgsnapError

P = ParamSpec("P")
R = TypeVar("R")

_FROM_CLI = contextvars.ContextVar("pgsnap_from_cli", default=False)
# gc's third threshold while a command runs: a full collection after this many of the second
# generation's (CPython's default is 10).  A command builds its catalog, archive header and
# parse trees as hundreds of thousands of long-lived, acyclic objects, and each full
# collection walks them all: loading a 2,000-table archive made 5 full collections, 0.44 s
# of its 1.9 s of client CPU (issue 13).  With 100 it made none; young garbage is collected
# as before, and a long command still gets a full collection now and then.
FULL_COLLECTION_EVERY = 100
_GC_LOCK = threading.Lock()
_gc_users = 0  # calls running (threads of one process may call pgsnap at once)
_gc_saved: tuple[int, ...] = ()
_FLAG = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*|-j)\b(?: (NEW|SRC=DEST|N|DSN)\b)?")
# flags whose keyword is not the flag's own name
_KEYWORDS = {
    "--as": "as_name",
    "--rename-to": "as_name",
    "-j": "jobs",
    "--all": "all_tables",
    "--csv": "csv_dir",
    "--from": "from_dsn",
    "--to": "to_dsn",
}


@contextlib.contextmanager
def from_cli() -> Iterator[None]:
    """Within the block, errors keep their command-line wording."""
    token = _FROM_CLI.set(True)
    try:
        yield
    finally:
        _FROM_CLI.reset(token)


def python_api(fn: Callable[P, R]) -> Callable[P, R]:
    """Decorate a public function: a PgsnapError it raises to Python code names keywords."""
    defaults = {
        name: p.default
        for name, p in inspect.signature(fn).parameters.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    }

    @functools.wraps(fn)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        with rare_full_collections():
            if _FROM_CLI.get():
                return fn(*args, **kwargs)
            try:
                return fn(*args, **kwargs)
            except PgsnapError as exc:
                exc.reword(in_keywords(str(exc), defaults))
                raise

    return call


@contextlib.contextmanager
def rare_full_collections() -> Iterator[None]:
    """Within the block, gc makes a full collection after FULL_COLLECTION_EVERY collections
    of its middle generation (or the caller's own threshold, if higher); the caller's
    thresholds are back when the last of the blocks running in the process ends."""
    global _gc_users, _gc_saved
    with _GC_LOCK:
        if _gc_users == 0:
            _gc_saved = gc.get_threshold()
            young, middle, old = _gc_saved
            gc.set_threshold(young, middle, max(old, FULL_COLLECTION_EVERY))
        _gc_users += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _gc_users -= 1
            if _gc_users == 0:
                gc.set_threshold(*_gc_saved)


def in_keywords(text: str, defaults: dict[str, object]) -> str:
    """`text` with each flag of the function's keywords written as its keyword argument:
    "--drop-existing" as "drop_existing=True", "--jobs" as "jobs=", "--as SRC=DEST" as
    "as_names={SRC: DEST}".  A flag that is no keyword of the function stays as it is."""

    def keyword(match: re.Match[str]) -> str:
        flag, value = match.group(1), match.group(2)
        if flag == "--as" and value == "SRC=DEST" and "as_names" in defaults:
            return 'as_names={"SRC": "DEST"}'
        name = _KEYWORDS.get(flag, flag.lstrip("-").replace("-", "_"))
        if name not in defaults:
            return match.group(0)
        if defaults[name] is False:
            return f"{name}=True"
        return f"{name}={value}" if value else f"{name}=..."

    return _FLAG.sub(keyword, text)
