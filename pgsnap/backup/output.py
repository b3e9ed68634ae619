"""The dump's output: a timestamped default name, and a file that appears only when complete."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from typing import BinaryIO

from pgsnap.errors import TargetExistsError, UsageError
from pgsnap.naming import safe_filename

EXTENSIONS = {"zstd": ".sql.zst", "gzip": ".sql.gz"}


def default_filename(stem: str, codec: str, now: dt.datetime | None = None) -> str:
    """papers_20261123_101500.sql.zst"""
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d_%H%M%S")
    return f"{safe_filename(stem)}_{stamp}{EXTENSIONS[codec]}"


def final_path(
    output: str | os.PathLike[str] | None,
    output_dir: str | os.PathLike[str] | None,
    stem: str,
    codec: str,
) -> str:
    if output is not None:
        if output_dir is not None:
            raise UsageError("give either --output or --output-dir, not both")
        return str(output)
    folder = Path(output_dir) if output_dir is not None else Path(".")
    if output_dir is not None:
        _make_folder(folder)
    return str(folder / default_filename(stem, codec))


def _make_folder(folder: Path) -> None:
    """The --output-dir, created with its parents when missing (as export's --csv is)."""
    if folder.exists() and not folder.is_dir():
        raise UsageError(f'output directory "{folder}" is a file, not a directory')
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        raise UsageError(f'cannot create output directory "{folder}": {reason}') from None


class _Output:
    """A file that appears at its final path only after commit(); or stdout."""

    def __init__(self, path: str, force: bool) -> None:
        self.path = path
        self.tmp: str | None = None
        self.committed = False
        if path == "-":
            if sys.stdout.isatty():
                raise UsageError("refusing to write a compressed archive to a terminal")
            self.stream: BinaryIO = sys.stdout.buffer
            return
        if os.path.exists(path) and not force:
            raise TargetExistsError(f'file "{path}" already exists; use --force to overwrite it')
        folder, name = os.path.split(os.path.abspath(path))
        self.tmp = os.path.join(folder, f".{name}.partial-{os.getpid()}")

    def commit(self) -> None:
        self.stream.flush()
        if self.tmp is not None:
            os.fsync(self.stream.fileno())
            self.stream.close()
            os.replace(self.tmp, self.path)
        self.committed = True

    def __enter__(self) -> _Output:
        """Create the partial file here, not in __init__: a Ctrl-C between creating it and
        entering the with block would otherwise leave it behind (seen under load)."""
        if self.tmp is None:
            return self
        try:
            self.stream = open(self.tmp, "wb")
        except OSError as exc:
            reason = (exc.strerror or str(exc)).lower()
            raise UsageError(f'cannot write "{self.path}": {reason}') from None
        except BaseException:
            self._remove()
            raise
        return self

    def _remove(self) -> None:
        if self.tmp is not None and not self.committed and os.path.exists(self.tmp):
            os.unlink(self.tmp)

    def __exit__(self, *exc: object) -> None:
        if self.tmp is None:
            return
        try:
            self.stream.close()
        finally:
            self._remove()


def open_output(path: str, force: bool) -> _Output:
    return _Output(path, force)
