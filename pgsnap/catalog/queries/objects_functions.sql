-- Functions and procedures (aggregates have their own query), as pg_get_functiondef gives
-- them; not those of extensions or of the system schemas.
SELECT 'pg_proc' AS cls, p.oid,
       CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END AS kind,
       n.nspname AS schema, p.proname AS name,
       p.oid::pg_catalog.regprocedure::pg_catalog.text AS identity,
       ARRAY[pg_catalog.pg_get_functiondef(p.oid)] AS ddl,
       ARRAY[]::pg_catalog.text[] AS post, NULL::pg_catalog.text[] AS shell
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE p.prokind IN ('f', 'p', 'w')
  AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
  AND (%(schemas)s::pg_catalog.text[] IS NULL OR n.nspname = ANY (%(schemas)s::pg_catalog.text[]))
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
                    AND d.objid = p.oid AND d.deptype IN ('e', 'i'))  -- an extension's, or made with another object
ORDER BY n.nspname, p.proname, p.oid
