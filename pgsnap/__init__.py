"""pgsnap: dump and restore PostgreSQL tables with no client tools.

Each function is the twin of a CLI command (README.md lists them):

    pgsnap.dump("papers", output_dir="backups")        # pgsnap dump papers --output-dir backups
    pgsnap.load("papers_….sql.zst", as_name="papers_test")  # pgsnap load FILE --as papers_test
    pgsnap.verify("papers_….sql.zst", dsn=…)              # pgsnap verify FILE --dsn …

Names are imported on first use, so that `pgsnap list` in a cron job starts fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from pgsnap.errors import PgsnapError
from pgsnap.version import __version__

if TYPE_CHECKING:
    from pgsnap.dump import DumpResult, dump
    from pgsnap.export import ExportResult, export
    from pgsnap.inspect import ArchiveInfo, inspect
    from pgsnap.inventory import BackupEntry, PruneResult, count_backups, list_backups, prune
    from pgsnap.load import LoadResult, load
    from pgsnap.verify import VerifyResult, verify

_HOMES = {
    "DumpResult": "dump",
    "dump": "dump",
    "ExportResult": "export",
    "export": "export",
    "ArchiveInfo": "inspect",
    "inspect": "inspect",
    "BackupEntry": "inventory",
    "PruneResult": "inventory",
    "count_backups": "inventory",
    "list_backups": "inventory",
    "prune": "inventory",
    "LoadResult": "load",
    "load": "load",
    "VerifyResult": "verify",
    "verify": "verify",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'pgsnap' has no attribute {name!r}")
    return getattr(import_module(f"pgsnap.{home}"), name)


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
