-- The user's casts (not the system's, not an extension's).  A cast is in no schema: a
-- --schema dump takes one whose function or source or target type is in its schemas.
SELECT 'pg_cast' AS cls, c.oid, 'cast' AS kind, '' AS schema, x.sig AS name, x.sig AS identity,
       ARRAY[pg_catalog.format('CREATE CAST %%s %%s%%s', x.sig,
           CASE c.castmethod WHEN 'f' THEN 'WITH FUNCTION '
                                           || c.castfunc::pg_catalog.regprocedure::pg_catalog.text
                             WHEN 'i' THEN 'WITH INOUT' ELSE 'WITHOUT FUNCTION' END,
           CASE c.castcontext WHEN 'a' THEN ' AS ASSIGNMENT' WHEN 'i' THEN ' AS IMPLICIT'
                              ELSE '' END)] AS ddl,
       ARRAY[]::pg_catalog.text[] AS post, NULL::pg_catalog.text[] AS shell
FROM pg_catalog.pg_cast c
CROSS JOIN LATERAL (SELECT pg_catalog.format('(%%s AS %%s)',
                               pg_catalog.format_type(c.castsource, NULL),
                               pg_catalog.format_type(c.casttarget, NULL)) AS sig) AS x
WHERE c.oid >= 16384
  AND (%(schemas)s::pg_catalog.text[] IS NULL
       OR EXISTS (SELECT FROM pg_catalog.pg_type t
                  JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace
                  WHERE t.oid IN (c.castsource, c.casttarget)
                    AND tn.nspname = ANY (%(schemas)s::pg_catalog.text[]))
       OR EXISTS (SELECT FROM pg_catalog.pg_proc p
                  JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace
                  WHERE p.oid = c.castfunc AND pn.nspname = ANY (%(schemas)s::pg_catalog.text[])))
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_cast'::pg_catalog.regclass
                    AND d.objid = c.oid AND d.deptype IN ('e', 'i'))  -- an extension's, or made with another object
ORDER BY x.sig
