-- Rewrite rules on the table (a view's '_RETURN' rule is not one of them).
SELECT r.rulename, pg_catalog.pg_get_ruledef(r.oid) AS def, r.ev_enabled,
       pg_catalog.obj_description(r.oid, 'pg_rewrite') AS comment
FROM pg_catalog.pg_rewrite r
WHERE r.ev_class = %(oid)s AND r.rulename <> '_RETURN'
ORDER BY r.rulename
