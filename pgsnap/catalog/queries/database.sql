-- Facts about the source database recorded in the manifest.
SELECT pg_catalog.current_database() AS database,
       pg_catalog.pg_encoding_to_char(d.encoding) AS encoding,
       pg_catalog.current_setting('server_version') AS server_version,
       pg_catalog.current_setting('server_version_num')::int AS server_version_num,
       pg_catalog.current_setting('block_size')::int AS block_size,
       pg_catalog.pg_database_size(d.oid) AS database_bytes
FROM pg_catalog.pg_database d
WHERE d.datname = pg_catalog.current_database()
