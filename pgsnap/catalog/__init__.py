"""The source database's catalog, read inside the dump's snapshot.

    values.py        frozen values of what is read (pure: the DDL renderer imports them)
    fetch.py         the SQL of queries/*.sql, run and turned into rows
    tables.py        which tables a dump takes, and everything that belongs to them
    dependencies.py  the types, functions, collations and extensions a table needs
    privileges.py    owners and ACLs (dump --with-privileges)

Nothing is imported here, so that importing the values does not import psycopg.
"""
