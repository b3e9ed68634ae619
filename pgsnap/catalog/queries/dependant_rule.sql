-- A rule of another table whose actions name a table a --replace swaps.
SELECT r.rulename AS name, r.ev_class::pg_catalog.regclass::text AS "table",
       pg_catalog.regexp_replace(pg_catalog.pg_get_ruledef(r.oid), ';\s*$', '') AS definition,
       r.ev_enabled::text AS enabled,
       pg_catalog.obj_description(r.oid, 'pg_rewrite') AS comment
FROM pg_catalog.pg_rewrite r
WHERE r.oid = %(oid)s
