"""`pgsnap demo` as a library call: ``pgsnap.demo.run(rows=..., keep=...)``.

A façade: the demo itself lives in pgsnap/tools/demo.py.
"""

from __future__ import annotations

from pgsnap.tools.demo import EmbeddedMissingError, run, start_embedded

__all__ = ["EmbeddedMissingError", "run", "start_embedded"]
