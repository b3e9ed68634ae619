-- Transforms of a whole-database dump (pg_dump -n leaves them out), not an extension's.
-- Their identity is what COMMENT ON TRANSFORM names: FOR type LANGUAGE lang.
SELECT 'pg_transform' AS cls, t.oid, 'transform' AS kind, '' AS schema,
       pg_catalog.format('FOR %%s LANGUAGE %%I', pg_catalog.format_type(t.trftype, NULL),
                         l.lanname) AS name,
       pg_catalog.format('FOR %%s LANGUAGE %%I', pg_catalog.format_type(t.trftype, NULL),
                         l.lanname) AS identity,
       ARRAY[pg_catalog.format('CREATE TRANSFORM FOR %%s LANGUAGE %%I (%%s)',
                 pg_catalog.format_type(t.trftype, NULL), l.lanname,
                 pg_catalog.concat_ws(', ',
                     'FROM SQL WITH FUNCTION '
                         || NULLIF(t.trffromsql, 0)::pg_catalog.regprocedure::pg_catalog.text,
                     'TO SQL WITH FUNCTION '
                         || NULLIF(t.trftosql, 0)::pg_catalog.regprocedure::pg_catalog.text))]
         AS ddl,
       ARRAY[]::pg_catalog.text[] AS post, NULL::pg_catalog.text[] AS shell
FROM pg_catalog.pg_transform t
JOIN pg_catalog.pg_language l ON l.oid = t.trflang
WHERE %(schemas)s::pg_catalog.text[] IS NULL
  AND t.oid >= 16384
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_transform'::pg_catalog.regclass
                    AND d.objid = t.oid AND d.deptype = 'e')
ORDER BY 5
