SELECT pg_catalog.pg_get_functiondef(%(oid)s) AS definition
