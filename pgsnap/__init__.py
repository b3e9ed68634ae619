"""pgsnap: dump and restore PostgreSQL tables with no client tools.

The public API is re-exported here; see README.md for each function's CLI twin.
"""

from __future__ import annotations

__version__ = "0.1.0"
