"""The dump's output: a timestamped default name, and a file that appears only when complete."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, cast

from pgsnap.errors import IOError_, TargetExistsError, UsageError
from pgsnap.naming import safe_filename
from pgsnap.storage import RemoteOutput, parse_url

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
        url = parse_url(os.fspath(output))
        if url is not None and url.is_prefix:  # s3://bucket/prefix/: a name under it
            return str(url.child(default_filename(stem, codec)))
        return str(output)
    remote = None if output_dir is None else parse_url(os.fspath(output_dir))
    if remote is not None:
        return str(remote.child(default_filename(stem, codec)))
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
        raise IOError_.of(exc, f'output directory "{folder}"', verb="create") from None


@contextlib.contextmanager
def _io_errors(shown: str) -> Iterator[None]:
    """An OSError (a full disk, a broken pipe) as one line that names the output."""
    try:
        yield
    except OSError as exc:
        raise IOError_.of(exc, shown) from None


class _Checked:
    """The output stream as the archive writer sees it: its OSErrors name the output.

    `placement` is (path, shown) when the output is a file of our own that dump workers may
    write frames into at their offsets (archive.writer.ArchiveWriter.placement), else None."""

    def __init__(self, stream: BinaryIO, shown: str, path: str | None = None) -> None:
        self._stream = stream
        self._shown = shown
        self.placement = None if path is None else (path, shown)

    def write(self, data: bytes) -> int:
        with _io_errors(self._shown):
            return self._stream.write(data)

    def flush(self) -> None:
        with _io_errors(self._shown):
            self._stream.flush()

    def seek(self, offset: int) -> None:
        """Go to `offset` (after frames that others wrote up to there)."""
        with _io_errors(self._shown):
            self._stream.seek(offset)


class _Output:
    """A file that appears at its final path only after commit(); or stdout.

    `stream` is what the archive writer writes to: an I/O error there (ENOSPC, EPIPE) is an
    IOError_ (exit 10) that names the file, and the partial file is removed."""

    def __init__(self, path: str, force: bool) -> None:
        self.path = path
        self.tmp: str | None = None
        self.committed = False
        self.shown = f'"{path}"'
        if path == "-":
            if sys.stdout.isatty():
                raise UsageError("refusing to write a compressed archive to a terminal")
            self.shown = "to standard output"
            self._file: BinaryIO = sys.stdout.buffer
            self.stream = self._checked()
            return
        if os.path.exists(path) and not force:
            raise TargetExistsError(f'file "{path}" already exists; use --force to overwrite it')
        folder, name = os.path.split(os.path.abspath(path))
        self.tmp = os.path.join(folder, f".{name}.partial-{os.getpid()}")

    def _checked(self) -> BinaryIO:
        # the writer needs only write() and flush(); _Checked has both
        return cast(BinaryIO, _Checked(self._file, self.shown, self.tmp))

    def commit(self) -> None:
        with _io_errors(self.shown):
            self._file.flush()
            if self.tmp is not None:
                os.fsync(self._file.fileno())
                self._file.close()
                os.replace(self.tmp, self.path)
        self.committed = True

    def __enter__(self) -> _Output:
        """Create the partial file here, not in __init__: a Ctrl-C between creating it and
        entering the with block would otherwise leave it behind (seen under load)."""
        if self.tmp is None:
            return self
        try:
            with _io_errors(self.shown):
                self._file = open(self.tmp, "wb")
        except BaseException:
            self._remove()
            raise
        self.stream = self._checked()
        return self

    def _remove(self) -> None:
        if self.tmp is not None and not self.committed and os.path.exists(self.tmp):
            os.unlink(self.tmp)

    def __exit__(self, *exc: object) -> None:
        if self.tmp is None:
            return
        try:
            # closing flushes the buffer, which fails again on a full disk: the error that
            # ended the dump is the one to report
            with contextlib.suppress(OSError):
                self._file.close()
        finally:
            self._remove()


def open_output(path: str, force: bool) -> _Output | RemoteOutput:
    """Where the dump writes: a file (or stdout), or an object when `path` is a URL."""
    url = parse_url(path)
    if url is not None:
        return RemoteOutput(url, force)
    return _Output(path, force)
