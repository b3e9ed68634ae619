-- The user's encoding conversions (not the system's, not an extension's).
SELECT 'pg_conversion' AS cls, c.oid, 'conversion' AS kind, n.nspname AS schema,
       c.conname AS name, pg_catalog.format('%%I.%%I', n.nspname, c.conname) AS identity,
       ARRAY[pg_catalog.format('CREATE %%sCONVERSION %%I.%%I FOR %%L TO %%L FROM %%s',
           CASE WHEN c.condefault THEN 'DEFAULT ' ELSE '' END, n.nspname, c.conname,
           pg_catalog.pg_encoding_to_char(c.conforencoding),
           pg_catalog.pg_encoding_to_char(c.contoencoding),
           c.conproc::pg_catalog.regproc)] AS ddl,
       ARRAY[]::pg_catalog.text[] AS post, NULL::pg_catalog.text[] AS shell
FROM pg_catalog.pg_conversion c
JOIN pg_catalog.pg_namespace n ON n.oid = c.connamespace
WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
  AND (%(schemas)s::pg_catalog.text[] IS NULL OR n.nspname = ANY (%(schemas)s::pg_catalog.text[]))
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_conversion'::pg_catalog.regclass
                    AND d.objid = c.oid AND d.deptype IN ('e', 'i'))  -- an extension's, or made with another object
ORDER BY n.nspname, c.conname
