-- Rewrite rules on the table (a view's '_RETURN' rule is not one of them), each definition
-- without its closing semicolon.
SELECT r.ev_class AS relid, r.rulename AS name,
       pg_catalog.regexp_replace(pg_catalog.pg_get_ruledef(r.oid), ';\s*$', '') AS definition,
       r.ev_enabled::text AS enabled,
       pg_catalog.obj_description(r.oid, 'pg_rewrite') AS comment
FROM pg_catalog.pg_rewrite r
WHERE r.ev_class = ANY (%(oids)s::pg_catalog.oid[]) AND r.rulename <> '_RETURN'
ORDER BY r.rulename
