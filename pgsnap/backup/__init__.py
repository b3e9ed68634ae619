"""The dump: snapshot, catalog, DDL, chunks, workers, archive.

dump.py      pgsnap.dump(): options, the leader's snapshot and catalog, the archive
chunks.py    pure: ctid page ranges for parallel workers
copyout.py   the COPY … TO STDOUT hot path (libpq, blocks of rows)
parallel.py  the worker processes that read chunks under the exported snapshot
output.py    the output file: its default name, and appearing only when complete
"""
