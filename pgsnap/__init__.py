"""pgsnap: dump and restore PostgreSQL tables with no client tools.

Each function is the twin of a CLI command (README.md lists them):

    pgsnap.dump("papers", output_dir="backups")        # pgsnap dump papers --output-dir backups
    pgsnap.load("papers_….sql.zst", as_name="papers_test")  # pgsnap load FILE --as papers_test
"""

from __future__ import annotations

from pgsnap.dump import DumpResult, dump
from pgsnap.errors import PgsnapError
from pgsnap.load import LoadResult, load
from pgsnap.version import __version__

__all__ = ["DumpResult", "LoadResult", "PgsnapError", "__version__", "dump", "load"]
