-- Which database of which running server a connection reached: two connections with the
-- same row reach the same database (pgsnap copy refuses to copy a table onto itself).
SELECT pg_catalog.pg_postmaster_start_time()::text AS started,
       pg_catalog.current_setting('port') AS port,
       d.oid::int8 AS database_oid
FROM pg_catalog.pg_database d
WHERE d.datname = pg_catalog.current_database()
