"""pgsnap: dump and restore PostgreSQL tables with no client tools.

Each function is the twin of a CLI command (README.md lists them):

    pgsnap.dump("papers", output_dir="backups")        # pgsnap dump papers --output-dir backups
    pgsnap.load("papers_….sql.zst", as_name="papers_test")  # pgsnap load FILE --as papers_test
    pgsnap.verify("papers_….sql.zst", dsn=…)              # pgsnap verify FILE --dsn …
    pgsnap.copy("papers", from_dsn=…, to_dsn=…)           # pgsnap copy papers --from … --to …

The names are imported when first used (PEP 562), so that `import pgsnap` and a command
that needs little (pgsnap list) do not load the whole package, psycopg and pglast.  The code
is organised by stage: archive/, catalog/, ddl/, backup/, restore/, tools/, cli/ (README:
"How the code is organised").
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from pgsnap.errors import PgsnapError
from pgsnap.version import __version__

if TYPE_CHECKING:
    from pgsnap.archive.inventory import (
        BackupEntry,
        PruneResult,
        count_backups,
        list_backups,
        prune,
    )
    from pgsnap.backup.dump import DumpResult, dump
    from pgsnap.restore.load import LoadResult, load
    from pgsnap.tools.export import ExportResult, export
    from pgsnap.tools.inspect import ArchiveInfo, inspect
    from pgsnap.tools.verify import VerifyResult, verify
    from pgsnap.transfer.copy import CopyResult, copy

# public name -> the module that defines it
_HOMES = {
    "ArchiveInfo": "pgsnap.tools.inspect",
    "BackupEntry": "pgsnap.archive.inventory",
    "CopyResult": "pgsnap.transfer.copy",
    "DumpResult": "pgsnap.backup.dump",
    "ExportResult": "pgsnap.tools.export",
    "LoadResult": "pgsnap.restore.load",
    "PruneResult": "pgsnap.archive.inventory",
    "VerifyResult": "pgsnap.tools.verify",
    "copy": "pgsnap.transfer.copy",
    "count_backups": "pgsnap.archive.inventory",
    "dump": "pgsnap.backup.dump",
    "export": "pgsnap.tools.export",
    "inspect": "pgsnap.tools.inspect",
    "list_backups": "pgsnap.archive.inventory",
    "load": "pgsnap.restore.load",
    "prune": "pgsnap.archive.inventory",
    "verify": "pgsnap.tools.verify",
}

__all__ = [
    "ArchiveInfo",
    "BackupEntry",
    "CopyResult",
    "DumpResult",
    "ExportResult",
    "LoadResult",
    "PgsnapError",
    "PruneResult",
    "VerifyResult",
    "__version__",
    "copy",
    "count_backups",
    "dump",
    "export",
    "inspect",
    "list_backups",
    "load",
    "prune",
    "verify",
]


def __getattr__(name: str) -> Any:
    if name == "demo":  # pgsnap.demo.run(): a module, as README shows it
        return importlib.import_module("pgsnap.demo")
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'pgsnap' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # once found, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
