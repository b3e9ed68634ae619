-- The locale a database was created with, PostgreSQL 15 and 16: libc or ICU (daticulocale).
SELECT d.datcollate AS collate,
       d.datctype AS ctype,
       CASE d.datlocprovider WHEN 'i' THEN 'icu' WHEN 'b' THEN 'builtin' ELSE 'libc' END
         AS locale_provider,
       d.daticulocale AS locale
FROM pg_catalog.pg_database d
WHERE d.datname = %(database)s
