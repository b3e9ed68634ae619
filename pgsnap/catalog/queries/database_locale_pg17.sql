-- The locale a database was created with, PostgreSQL 17 and newer: libc, ICU or builtin,
-- the ICU or builtin locale in datlocale.
SELECT d.datcollate AS collate,
       d.datctype AS ctype,
       CASE d.datlocprovider WHEN 'i' THEN 'icu' WHEN 'b' THEN 'builtin' ELSE 'libc' END
         AS locale_provider,
       d.datlocale AS locale
FROM pg_catalog.pg_database d
WHERE d.datname = %(database)s
