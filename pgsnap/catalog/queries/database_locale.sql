-- The locale a database was created with: PostgreSQL 14 and older know only libc.
SELECT d.datcollate AS collate,
       d.datctype AS ctype,
       'libc' AS locale_provider,
       NULL::pg_catalog.text AS locale
FROM pg_catalog.pg_database d
WHERE d.datname = %(database)s
