"""The archives in a directory: list them, count a table's backups, prune old ones.

Everything here reads only the start of each file (to recognise it), its footer and its
manifest, so a directory of gigabyte archives lists in milliseconds.  Files that are not
pgsnap archives are skipped; damaged ones are listed with a status that says why:

- ``ok``: a complete archive;
- ``incomplete``: a pgsnap file with no footer (a copy cut short, or a dump killed with
  ``kill -9`` after its temporary file was renamed by hand);
- ``damaged``: the footer or the manifest is corrupt;
- ``newer format``: written by a newer pgsnap;
- ``interrupted``: ``.NAME.partial-PID``, the temporary file of a dump whose process is gone;
- ``in progress``: the temporary file of a dump that is still running;
- ``unreadable``: the file could not be read (permissions);
- ``empty``: zero bytes (a dump that never wrote, a copy that failed);
- ``unrecognised``: named like a pgsnap dump (``*.sql.zst``, ``*.sql.gz``…) but not one;
- ``not pgsnap``: another file with an archive suffix: a pg_dump or pg_dumpall file (the
  problem says how to restore it), or anything else, listed so that nothing is skipped
  silently.

An object-storage prefix (``s3://bucket/prefix/``) is listed the same way, its objects read
by ranged GETs, several at once.  It has no temporary files: an upload that never completed
is no object, so it is not listed; on S3 a warning counts such uploads of archive names, and
prune aborts those started more than ``stale_uploads_after`` ago (default a day, so that a
dump running now is never touched; pgsnap/storage/uploads.py).

Only ``ok`` archives that hold complete backups (every row of the tables and their DDL: not a
``--where``, ``--schema-only`` or ``--data-only`` extract) are counted or pruned, unless
asked; a damaged file is never deleted automatically.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import re
import warnings
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pgsnap.api import python_api
from pgsnap.archive.foreign import recognise
from pgsnap.archive.frames import parse_header
from pgsnap.archive.manifest import Header, header_from_json
from pgsnap.archive.reader import ArchiveReader, manifest_mentions
from pgsnap.archive.stream import iter_stream_frames
from pgsnap.errors import (
    ArchiveError,
    FileNotFoundError_,
    IOError_,
    NotAnArchiveError,
    PermissionDeniedError,
    PgsnapError,
    PgsnapWarning,
    TruncatedArchiveError,
    UnsupportedFormatError,
    UsageError,
)
from pgsnap.model import QualifiedName, iso_time, parse_time
from pgsnap.naming import parse_table_arg
from pgsnap.storage import (
    ObjectInfo,
    ObjectURL,
    Upload,
    abort_upload,
    delete_object,
    list_objects,
    list_uploads,
    open_object,
    parse_url,
)

OK = "ok"
INCOMPLETE = "incomplete"
DAMAGED = "damaged"
NEWER = "newer format"
INTERRUPTED = "interrupted"
IN_PROGRESS = "in progress"
UNREADABLE = "unreadable"
EMPTY = "empty"
UNRECOGNISED = "unrecognised"
FOREIGN = "not pgsnap"
# Statuses that mean a backup failed or rotted: `pgsnap list` exits non-zero on them.
FLAGGED = frozenset({INCOMPLETE, DAMAGED, INTERRUPTED, UNREADABLE, EMPTY, UNRECOGNISED})

# The names pgsnap writes: *.zst / *.zstd / *.gz (codec_for_path), and the temporary
# .NAME.partial-PID of a dump that has not finished (dump._Output).
ARCHIVE_SUFFIXES = (".zst", ".zstd", ".gz")
DUMP_SUFFIXES = tuple(f".sql{s}" for s in ARCHIVE_SUFFIXES)  # what pgsnap dump names its files
PARTIAL_NAME = re.compile(r"^\.(?P<final>.+)\.partial-(?P<pid>[0-9]+)$")
# Objects read at once by `list` on a bucket: each is a few round trips of small GETs.
LIST_THREADS = 8
# The users' habit (notes/seeds.md): keep the last five backups, warn past that.
DEFAULT_WARN_AFTER = 5
# An incomplete upload younger than this may be a dump running now: prune leaves it alone.
# A day is longer than any dump runs, and what S3's lifecycle examples use.
DEFAULT_STALE_UPLOADS = dt.timedelta(hours=24)


class _Sized(Protocol):
    """What an entry needs of a file's stat (os.stat_result) or an object's listing."""

    @property
    def st_size(self) -> int: ...

    @property
    def st_mtime(self) -> float: ...


@dataclass(frozen=True, slots=True)
class _Stat:
    st_size: int
    st_mtime: float


@dataclass(frozen=True, slots=True)
class BackupEntry:
    """One file of the directory: what its manifest (or, failing that, its header) says."""

    path: str
    status: str  # one of the module's statuses
    file_bytes: int
    mtime: float  # the file's modification time, seconds since the epoch
    tables: tuple[QualifiedName, ...] = ()
    table_rows: tuple[int, ...] = ()  # aligned with tables; empty when there is no manifest
    created_at: dt.datetime | None = None  # from the header/manifest (aware, UTC)
    finished_at: dt.datetime | None = None
    codec: str | None = None
    server_version: str | None = None
    database: str | None = None
    problem: str = ""  # why the file is flagged or skipped: a one-line message naming it
    contents: str | None = None  # all | schema | data (the header's)
    filtered: bool = False  # a --where extract: some rows only
    scope: str = "tables"  # tables | schema | database (archive/manifest.py SCOPES)
    objects: int = 0  # a whole-database or --schema archive's objects besides its tables

    @property
    def complete(self) -> bool:
        """A whole backup: a sound archive of every row and the DDL of its tables."""
        return self.status == OK and self.contents == "all" and not self.filtered

    @property
    def kind(self) -> str:
        """full | where | schema-only | data-only, "" when the file is not a sound archive."""
        if self.status != OK:
            return ""
        if self.filtered:
            return "where"
        return {"schema": "schema-only", "data": "data-only"}.get(self.contents or "", "full")

    @property
    def name(self) -> str:
        return os.path.basename(self.path)

    @property
    def table_names(self) -> tuple[str, ...]:
        return tuple(t.display() for t in self.tables)

    @property
    def rows(self) -> int | None:
        """Rows in the archive, or None when the manifest is missing."""
        return sum(self.table_rows) if self.table_rows else None

    @property
    def seconds(self) -> float | None:
        """How long the dump took (whole seconds: the manifest keeps seconds)."""
        start, end = self.created_at, self.finished_at
        return None if start is None or end is None else (end - start).total_seconds()

    @property
    def flagged(self) -> bool:
        return self.status in FLAGGED

    @property
    def sort_time(self) -> dt.datetime:
        """When the backup was taken: created_at, else the file's mtime."""
        return self.created_at or dt.datetime.fromtimestamp(self.mtime, dt.timezone.utc)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "status": self.status,
            "tables": list(self.table_names),
            "table_rows": list(self.table_rows),
            "rows": self.rows,
            "file_bytes": self.file_bytes,
            "created_at": iso_time(self.created_at),
            "finished_at": iso_time(self.finished_at),
            "seconds": self.seconds,
            "codec": self.codec,
            "server_version": self.server_version,
            "database": self.database,
            "problem": self.problem,
            "kind": self.kind,
            "complete": self.complete,
            "scope": self.scope,
            "objects": self.objects,
        }


@dataclass(frozen=True, slots=True)
class PruneResult:
    removed: tuple[BackupEntry, ...]  # removed, or that would be with dry_run
    kept: tuple[BackupEntry, ...]
    untouched: tuple[BackupEntry, ...]  # flagged files: never removed by prune
    dry_run: bool
    aborted: tuple[Upload, ...] = ()  # stale incomplete uploads aborted (or, dry, to abort)
    recent_uploads: tuple[Upload, ...] = ()  # younger than stale_uploads_after: left alone

    @property
    def freed_bytes(self) -> int:
        return sum(e.file_bytes for e in self.removed)


@python_api
def list_backups(directory: str | os.PathLike[str] = ".") -> list[BackupEntry]:
    """The pgsnap files in `directory` (not its subdirectories), newest first.

    `directory` may be an object-storage prefix (``s3://bucket/prefix/``): the objects
    directly under it, each read by ranged GETs, several at once.  Skips files that are not
    pgsnap archives.  Raises FileNotFoundError_ when the directory does not exist (for a
    prefix, NotFoundError when the bucket does not) and UsageError when it is not a
    directory; a bad file never raises, it is listed with its status.
    """
    entries = _entries(directory)
    _warn_uploads_under(directory)
    return entries


def _entries(
    directory: str | os.PathLike[str], *, mentioning: Sequence[str] | None = None
) -> list[BackupEntry]:
    """list_backups() without its warning.  With `mentioning`, only the archives whose
    manifest holds each of those names (reader.manifest_mentions): a dump's count of the
    backups of its table opens only those, not every archive in the folder (beside two
    2,000-table archives the count took 0.62 s, 0.02 s so: issue 13)."""
    url = parse_url(os.fspath(directory))
    if url is not None:
        entries = _remote_entries(url, mentioning)
    else:
        paths = _candidates(_directory(directory))
        if mentioning is not None:
            paths = (p for p in paths if manifest_mentions(p, mentioning))
        found = (_entry(p) for p in paths)
        entries = [e for e in found if e is not None]
    entries.sort(key=lambda e: (e.sort_time, e.name), reverse=True)
    return entries


@python_api
def count_backups(
    directory: str | os.PathLike[str],
    table: str | QualifiedName,
    *,
    database: str | None = None,
) -> int:
    """How many complete archives in `directory` hold `table` ("schema.name"; a bare name
    matches it in any schema), optionally only those dumped from `database`.

    For `pgsnap dump`'s warning; see backup_warning().  Raises like list_backups().
    """
    wanted = _wanted(table)
    mentioned = [wanted[1]] if database is None else [wanted[1], database]
    entries = _entries(directory, mentioning=mentioned)
    _warn_uploads_under(directory)  # (as list_backups does)
    return sum(
        1 for e in entries if e.complete and _holds(e, wanted) and database in (None, e.database)
    )


def backup_warning(
    directory: str | os.PathLike[str],
    table: str | QualifiedName,
    *,
    warn_after: int = DEFAULT_WARN_AFTER,
    database: str | None = None,
) -> str | None:
    """The warning `pgsnap dump` prints when `directory` holds more than `warn_after`
    backups of `table`, or None."""
    count = count_backups(directory, table, database=database)
    if count <= warn_after:
        return None
    shown = table.display() if isinstance(table, QualifiedName) else table
    return (
        f'"{directory}" holds {count} backups of {shown} (more than {warn_after}); '
        f"remove old ones with: pgsnap prune {directory} --keep {warn_after}"
    )


@python_api
def prune(
    directory: str | os.PathLike[str],
    *,
    keep: int,
    dry_run: bool = False,
    table: str | None = None,
    include_extracts: bool = False,
    stale_uploads_after: dt.timedelta = DEFAULT_STALE_UPLOADS,
) -> PruneResult:
    """Remove all but the newest `keep` complete backups of each table (by created_at).
    Extracts (--where, schema-only, data-only archives) are neither counted nor removed,
    unless `include_extracts`: then they are pruned as backups of their own kind.

    Backups group by source database and table list, so one table's backups never push out
    another's.  `table` limits pruning to the archives of that table.  Flagged files
    (damaged, incomplete, interrupted) are left alone.  With `dry_run`, nothing is removed.

    On an S3 prefix, the incomplete multipart uploads of archive names directly under it
    (dumps killed before they could abort them) are aborted when they started more than
    `stale_uploads_after` ago, whatever `table`.  Raises UsageError when `keep` < 1 or
    `stale_uploads_after` is negative, PermissionDeniedError when a file cannot be removed
    or the store refuses to list or abort uploads (the files before it are gone by then).
    """
    if isinstance(keep, bool) or keep < 1:
        raise UsageError(f"--keep must be at least 1, not {keep}")
    if stale_uploads_after < dt.timedelta(0):
        seconds = stale_uploads_after.total_seconds()
        raise UsageError(f"--stale-uploads-after must not be negative, not {seconds:g} s")
    wanted = None if table is None else _wanted(table)
    entries = _entries(directory)
    stale, recent = _uploads_older_than(directory, stale_uploads_after)
    removed: list[BackupEntry] = []
    kept: list[BackupEntry] = []
    counted = [e for e in entries if e.status == OK and (include_extracts or e.complete)]
    for group in _groups(e for e in counted if _holds(e, wanted)):
        kept.extend(group[:keep])
        removed.extend(group[keep:])
    if not dry_run:
        for entry in removed:
            _remove(entry.path)
        for upload in stale:
            abort_upload(upload)
    untouched = tuple(e for e in entries if e.flagged)
    return PruneResult(tuple(removed), tuple(kept), untouched, dry_run, stale, recent)


# --- helpers ----------------------------------------------------------------------------


def _directory(directory: str | os.PathLike[str]) -> Path:
    path = Path(directory)
    if not path.exists():
        raise FileNotFoundError_(f'directory "{path}" does not exist')
    if not path.is_dir():
        raise UsageError(f'"{path}" is not a directory')
    return path


def _candidates(folder: Path) -> Iterator[Path]:
    """Regular files whose names pgsnap could have written, in name order."""
    try:
        names = sorted(os.listdir(folder))
    except PermissionError:
        raise PermissionDeniedError(
            f'cannot read directory "{folder}": permission denied'
        ) from None
    for name in names:
        path = folder / name
        wanted = name.lower().endswith(ARCHIVE_SUFFIXES) or _partial(name) is not None
        if wanted and path.is_file():
            yield path


def _remote_entries(prefix: ObjectURL, mentioning: Sequence[str] | None) -> list[BackupEntry]:
    """The archives directly under `prefix`, each read by ranged GETs (in parallel: each
    costs a few round trips, not bandwidth); with `mentioning`, as _entries.  Objects have
    no partial files: an upload that is not complete is no object at all."""
    wanted = [o for o in list_objects(prefix) if o.url.name.lower().endswith(ARCHIVE_SUFFIXES)]

    def read(o: ObjectInfo) -> BackupEntry | None:
        if mentioning is not None and not manifest_mentions(str(o.url), mentioning):
            return None
        return _read_entry(str(o.url), _Stat(o.size, o.mtime))

    with ThreadPoolExecutor(max_workers=LIST_THREADS) as pool:
        return [e for e in pool.map(read, wanted) if e is not None]


def _archive_uploads(prefix: ObjectURL) -> list[Upload]:
    """The incomplete uploads of archive names directly under `prefix` (an S3 one)."""
    prefix = prefix.as_prefix() if prefix.key else prefix
    return [
        u
        for u in list_uploads(prefix)
        if "/" not in u.url.key[len(prefix.key) :] and u.url.name.lower().endswith(DUMP_SUFFIXES)
    ]


def _uploads_older_than(
    directory: str | os.PathLike[str], age: dt.timedelta
) -> tuple[tuple[Upload, ...], tuple[Upload, ...]]:
    """The archive uploads under an S3 prefix: those started more than `age` ago, and the
    others; none for a directory or another store."""
    url = parse_url(os.fspath(directory))
    if url is None or url.scheme != "s3":
        return (), ()
    now = dt.datetime.now(dt.timezone.utc)
    uploads = _archive_uploads(url)
    stale = tuple(u for u in uploads if now - u.initiated >= age)
    return stale, tuple(u for u in uploads if u not in stale)


def _warn_uploads_under(directory: str | os.PathLike[str]) -> None:
    """_warn_uploads for an S3 prefix; nothing for a directory or another store."""
    url = parse_url(os.fspath(directory))
    if url is not None and url.scheme == "s3":
        _warn_uploads(url)


def _warn_uploads(url: ObjectURL) -> None:
    """A warning that counts the prefix's incomplete archive uploads; none when the store
    will not list them (a key that may read but not list uploads: the listing is what
    counts)."""
    try:
        count = len(_archive_uploads(url))
    except PgsnapError:
        return
    if count:
        what = "upload" if count == 1 else "uploads"
        warnings.warn(
            f'{count} incomplete {what} under "{url.as_prefix() if url.key else url}" (a dump '
            "that is running, or was killed): pgsnap prune aborts those older than a day",
            PgsnapWarning,
            stacklevel=2,
        )


def _entry(path: Path) -> BackupEntry | None:
    """The entry for one file, or None when it is not a pgsnap file."""
    try:
        stat = path.stat()
    except OSError:
        return None  # removed while we listed
    partial = _partial(path.name)
    if partial is not None:
        status = IN_PROGRESS if _pid_alive(partial) else INTERRUPTED
        gone = f'"{path}" is the temporary file of an interrupted dump (process {partial} is gone)'
        problem = "" if status == IN_PROGRESS else gone
        return _make(str(path), stat, status, _header_of(str(path)), problem=problem)
    return _read_entry(str(path), stat)


def _read_entry(path: str, stat: _Sized) -> BackupEntry | None:
    """The entry for one file or object that is not a dump's temporary file."""
    try:
        with ArchiveReader.open(path) as reader:
            m = reader.manifest
            return _make(path, stat, OK, m.header, rows=m.rows, finished_at=m.finished_at)
    except FileNotFoundError_:
        return None  # removed while we listed
    except NotAnArchiveError as exc:
        return _not_ours(path, stat, str(exc))
    except ArchiveError as exc:
        return _make(path, stat, _status_of(exc), _header_of(path), problem=str(exc))
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        return _make(path, stat, UNREADABLE, None, problem=f'cannot read "{path}": {reason}')
    except (PermissionDeniedError, IOError_) as exc:  # an object the store would not give
        return _make(path, stat, UNREADABLE, None, problem=str(exc))


def _not_ours(path: str, stat: _Sized, message: str) -> BackupEntry:
    """An entry for a file that is not a pgsnap archive: empty, named like ours, or other."""
    if stat.st_size == 0:
        problem = f'"{path}" is empty (0 bytes): a dump or a copy that wrote nothing'
        return _make(path, stat, EMPTY, None, problem=problem)
    if recognise(path) is not None:  # a pg_dump file…: the message says how to restore it
        return _make(path, stat, FOREIGN, None, problem=message)
    if os.path.basename(path).lower().endswith(DUMP_SUFFIXES):
        problem = f"{message}, though it is named like one"
        return _make(path, stat, UNRECOGNISED, None, problem=problem)
    return _make(path, stat, FOREIGN, None, problem=message)


def _make(
    path: str,
    stat: _Sized,
    status: str,
    header: Header | None,
    *,
    rows: tuple[int, ...] = (),
    finished_at: str | None = None,
    problem: str = "",
) -> BackupEntry:
    """An entry from the file's stat and what its manifest or header says."""
    return BackupEntry(
        path=str(path),
        status=status,
        file_bytes=stat.st_size,
        mtime=stat.st_mtime,
        tables=tuple(t.qname for t in header.tables) if header else (),
        table_rows=rows,
        created_at=parse_time(header.created_at) if header else None,
        finished_at=parse_time(finished_at),
        codec=header.codec if header else None,
        server_version=header.server_version if header else None,
        database=header.database if header else None,
        problem=problem,
        contents=header.contents if header else None,
        filtered=any(t.where is not None for t in header.tables) if header else False,
        scope=header.scope if header else "tables",
        objects=len(header.objects) if header else 0,
    )


def _partial(name: str) -> int | None:
    """The PID in the name of a dump's temporary file (.NAME.partial-PID), or None."""
    found = PARTIAL_NAME.match(name)
    if found is None or not found["final"].lower().endswith(ARCHIVE_SUFFIXES):
        return None
    return int(found["pid"])


def _status_of(exc: ArchiveError) -> str:
    if isinstance(exc, TruncatedArchiveError):
        return INCOMPLETE
    if isinstance(exc, UnsupportedFormatError):
        return NEWER
    return DAMAGED


def _header_of(path: str) -> Header | None:
    """The header of a file with no usable footer, read front to back (only frame 0); None
    when even that is unreadable or malformed."""
    url = parse_url(path)
    try:
        with open_object(url) if url else open(path, "rb") as f:
            first = next(iter_stream_frames(f, name=path), None)
        if first is None:
            return None
        return header_from_json(parse_header(first[2].decode("utf-8", "replace"), source=path))
    except (PgsnapError, OSError, ValueError):  # ValueError: ShapeError, a malformed header
        return None


def _pid_alive(pid: int) -> bool:
    """Whether process `pid` exists here (a dump on another host looks interrupted)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    except OSError:
        return False
    return True


def _wanted(table: str | QualifiedName) -> tuple[str | None, str]:
    if isinstance(table, QualifiedName):
        return table.schema, table.name
    return parse_table_arg(table)


def _holds(entry: BackupEntry, wanted: tuple[str | None, str] | None) -> bool:
    if wanted is None:
        return True
    schema, name = wanted
    return any(t.name == name and schema in (None, t.schema) for t in entry.tables)


def _groups(entries: Iterable[BackupEntry]) -> list[list[BackupEntry]]:
    """Entries grouped by (database, tables), each group newest first."""
    groups: dict[tuple[str | None, tuple[QualifiedName, ...], str], list[BackupEntry]] = {}
    for entry in entries:  # a kind of its own: an extract never pushes out a full backup
        groups.setdefault((entry.database, entry.tables, entry.kind), []).append(entry)
    for group in groups.values():
        group.sort(key=lambda e: (e.sort_time, e.name), reverse=True)
    return list(groups.values())


def _remove(path: str) -> None:
    url = parse_url(path)
    if url is not None:
        delete_object(url)
        return
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass  # someone else removed it: the goal is reached
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        if exc.errno in (errno.EACCES, errno.EPERM):
            raise PermissionDeniedError(f'cannot remove "{path}": {reason}') from None
        raise PgsnapError(f'cannot remove "{path}": {reason}') from None
