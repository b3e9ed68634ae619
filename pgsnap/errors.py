"""One exception root for pgsnap.  Every error carries the exit code the CLI returns.

Messages are lowercase, one line, and name the object they are about.  The library
raises; only the CLI prints and exits.
"""

from __future__ import annotations

# Exit codes, documented in README.md ("Exit codes").  Stable: cron jobs branch on them.
EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_CONNECT = 3
EXIT_NOT_FOUND = 4
EXIT_BAD_ARCHIVE = 5
EXIT_TARGET_EXISTS = 6
EXIT_PERMISSION = 7
EXIT_SQL = 8
EXIT_VERIFY = 9
EXIT_IO = 10
EXIT_INTERRUPTED = 130


class PgsnapError(Exception):
    """Root of every error pgsnap raises on purpose.  A subclass names its exit code:
    ``class UsageError(PgsnapError, exit_code=EXIT_USAGE)``; without one it keeps its
    parent's."""

    exit_code = EXIT_ERROR

    def __init_subclass__(cls, *, exit_code: int | None = None, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if exit_code is not None:
            cls.exit_code = exit_code

    def extend(self, detail: str) -> None:
        """Append `detail` to the one-line message: `message; detail`."""
        self.args = (f"{self}; {detail}", *self.args[1:])

    def reword(self, message: str) -> None:
        """Say the error in other words (the user's names, Python's keywords), in place: the
        error keeps its class, its attributes and its exit code."""
        self.args = (message, *self.args[1:])


class PgsnapWarning(UserWarning):
    """Something the user should know that does not stop the command (Python's warnings
    module: the CLI prints each as one "pgsnap: warning:" line)."""


class UsageError(PgsnapError, exit_code=EXIT_USAGE):
    """Options that contradict each other or a value that cannot be used."""


class ConnectError(PgsnapError, exit_code=EXIT_CONNECT):
    """The server could not be reached or refused the login."""


class NotFoundError(PgsnapError, exit_code=EXIT_NOT_FOUND):
    """A table, schema or file that was named does not exist."""


class TableNotFoundError(NotFoundError):
    pass


class FileNotFoundError_(NotFoundError):
    pass


class ArchiveError(PgsnapError, exit_code=EXIT_BAD_ARCHIVE):
    """The file is not a pgsnap archive, or it is truncated or corrupt."""


class NotAnArchiveError(ArchiveError):
    pass


class TruncatedArchiveError(ArchiveError):
    pass


class CorruptFrameError(ArchiveError):
    """A frame fails to decompress or its checksum or row count is wrong."""

    def __init__(self, message: str, *, index: int | None = None, offset: int | None = None):
        super().__init__(message)
        self.index = index
        self.offset = offset


class UnsupportedFormatError(ArchiveError):
    """The archive was written by a newer pgsnap with a format this one cannot read."""


class TargetExistsError(PgsnapError, exit_code=EXIT_TARGET_EXISTS):
    pass


class DependantsError(TargetExistsError):
    """Objects outside the target depend on it, and the load would drop them."""


class PermissionDeniedError(PgsnapError, exit_code=EXIT_PERMISSION):
    pass


class SQLError(PgsnapError, exit_code=EXIT_SQL):
    """A statement failed on the server; the message shows the statement."""


class NameTooLongError(UsageError):
    """A name computed for a renamed object exceeds PostgreSQL's 63-byte limit."""


class MissingRoleError(UsageError):
    """A role that the archive's GRANT or OWNER statements name does not exist on the target."""


class RenameError(PgsnapError):
    """The stored DDL could not be parsed or renamed."""


class UnsafeStatementError(ArchiveError):
    """The archive holds a statement that pgsnap does not write: refused before any change."""


class VerifyError(PgsnapError, exit_code=EXIT_VERIFY):
    """Row counts or checksums after a load do not match the archive."""


class IOError_(PgsnapError, exit_code=EXIT_IO):
    """A file (or standard output) could not be written or read: a full disk, a broken pipe,
    a directory that may not be written."""

    @classmethod
    def of(cls, exc: OSError, shown: str, verb: str = "write") -> IOError_:
        """`cannot write "x.sql.zst": no space left on device`; `shown` is the quoted path, or
        words such as "to standard output"."""
        reason = (exc.strerror or str(exc)).lower()
        return cls(f"cannot {verb} {shown}: {reason}")


class InterruptedError_(PgsnapError, exit_code=EXIT_INTERRUPTED):
    pass
