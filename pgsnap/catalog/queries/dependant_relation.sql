-- A view or materialized view that depends on a table a --replace swaps: what re-creates it.
SELECT c.oid, n.nspname AS schema, c.relname AS name, c.relkind::text AS kind,
       COALESCE(c.reloptions, '{}') AS reloptions,
       pg_catalog.pg_get_viewdef(c.oid) AS definition,
       c.relispopulated AS populated,
       (SELECT am.amname FROM pg_catalog.pg_am am WHERE am.oid = c.relam) AS access_method,
       pg_catalog.obj_description(c.oid, 'pg_class') AS comment,
       ARRAY(SELECT ARRAY[a.attname::text, pg_catalog.col_description(c.oid, a.attnum)]
             FROM pg_catalog.pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
               AND pg_catalog.col_description(c.oid, a.attnum) IS NOT NULL
             ORDER BY a.attnum) AS column_comments,
       ARRAY(SELECT pg_catalog.pg_get_indexdef(i.indexrelid)
             FROM pg_catalog.pg_index i WHERE i.indrelid = c.oid ORDER BY i.indexrelid) AS indexes,
       ARRAY(SELECT pg_catalog.pg_get_triggerdef(t.oid)
             FROM pg_catalog.pg_trigger t WHERE t.tgrelid = c.oid AND NOT t.tgisinternal
             ORDER BY t.tgname) AS triggers,
       ARRAY(SELECT pg_catalog.regexp_replace(pg_catalog.pg_get_ruledef(r.oid), ';\s*$', '')
             FROM pg_catalog.pg_rewrite r
             WHERE r.ev_class = c.oid AND r.rulename <> '_RETURN' ORDER BY r.rulename) AS rules
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.oid = %(oid)s
