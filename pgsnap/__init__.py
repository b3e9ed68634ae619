"""pgsnap: dump and restore PostgreSQL tables with no client tools.

Each function is the twin of a CLI command (README.md lists them):

    pgsnap.dump("papers", output_dir="backups")        # pgsnap dump papers --output-dir backups
    pgsnap.load("papers_….sql.zst", as_name="papers_test")  # pgsnap load FILE --as papers_test
    pgsnap.verify("papers_….sql.zst", dsn=…)              # pgsnap verify FILE --dsn …

The functions share their modules' names (pgsnap.dump is the function; the module is
imported as pgsnap.dump only through `import pgsnap.dump`), so they are imported eagerly.
"""

from __future__ import annotations

from pgsnap.archive.inventory import BackupEntry, PruneResult, count_backups, list_backups, prune
from pgsnap.backup.dump import DumpResult, dump
from pgsnap.errors import PgsnapError
from pgsnap.restore.load import LoadResult, load
from pgsnap.tools.export import ExportResult, export
from pgsnap.tools.inspect import ArchiveInfo, inspect
from pgsnap.tools.verify import VerifyResult, verify
from pgsnap.version import __version__

__all__ = [
    "ArchiveInfo",
    "BackupEntry",
    "DumpResult",
    "ExportResult",
    "LoadResult",
    "PgsnapError",
    "PruneResult",
    "VerifyResult",
    "__version__",
    "count_backups",
    "dump",
    "export",
    "inspect",
    "list_backups",
    "load",
    "prune",
    "verify",
]
