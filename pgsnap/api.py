"""The Python face of the commands: an error raised to a script names keywords, not flags.

Library messages are written for the command line ("use --drop-existing"); a script that
called pgsnap.load() gets the same message in its own terms ("use drop_existing=True").  The
CLI runs the functions inside `from_cli()`, and then nothing is rewritten.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import inspect
import re
from collections.abc import Callable, Iterator
from typing import ParamSpec, TypeVar

from pgsnap.errors import PgsnapError

P = ParamSpec("P")
R = TypeVar("R")

_FROM_CLI = contextvars.ContextVar("pgsnap_from_cli", default=False)
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
        if _FROM_CLI.get():
            return fn(*args, **kwargs)
        try:
            return fn(*args, **kwargs)
        except PgsnapError as exc:
            exc.reword(in_keywords(str(exc), defaults))
            raise

    return call


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
