"""Pure SQL text: values in, statements out.  No connection, no I/O.

table.py         catalog values -> a table's pre-data and post-data
dependencies.py  CREATE statements and fingerprints of types, functions, collations
privileges.py    owners and GRANTs
rename.py        --as: the table and what it owns renamed in the stored DDL (pglast)
targets.py       --as SRC=DEST: which table of an archive becomes what
parsing.py       pglast's parser without its per-attribute checks on its own trees
statements.py    what a stored statement is (pglast): foreign key, key, grant, --where
allowlist.py     the load's allow-list: only statements pgsnap writes, on named objects
script.py        the psql script around the rows
staging.py       the staging name of a parallel or --replace load, and the swap
copy.py          the COPY statements
"""
