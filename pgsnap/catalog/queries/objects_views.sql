-- Views and materialized views: CREATE (a materialized view WITH NO DATA, USING its table
-- access method when it is not heap), column defaults;
-- after the rows: a view's rules and triggers, a materialized view's indexes and REFRESH.
-- `shell` is a view with the same columns and no query, for breaking a dependency loop.
SELECT 'pg_class' AS cls, c.oid,
       CASE c.relkind WHEN 'v' THEN 'view' ELSE 'materialized view' END AS kind,
       n.nspname AS schema, c.relname AS name,
       pg_catalog.format('%%I.%%I', n.nspname, c.relname) AS identity,
       ARRAY[pg_catalog.format('CREATE %%s %%I.%%I%%s%%s AS %%s%%s',
                 CASE c.relkind WHEN 'v' THEN 'VIEW' ELSE 'MATERIALIZED VIEW' END,
                 n.nspname, c.relname,
                 (SELECT ' USING ' || pg_catalog.quote_ident(am.amname) FROM pg_catalog.pg_am am
                  WHERE am.oid = c.relam AND c.relkind = 'm' AND am.amname <> 'heap'),
                 (SELECT ' WITH (' || pg_catalog.string_agg(o.option_name || '=' ||
                                          pg_catalog.quote_literal(o.option_value), ', ') || ')'
                  FROM pg_catalog.pg_options_to_table(c.reloptions) o
                  WHERE o.option_name <> 'check_option'),
                 pg_catalog.rtrim(pg_catalog.pg_get_viewdef(c.oid), ';'),
                 CASE WHEN c.relkind = 'm' THEN ' WITH NO DATA'
                      ELSE (SELECT ' WITH ' || pg_catalog.upper(o.option_value) || ' CHECK OPTION'
                            FROM pg_catalog.pg_options_to_table(c.reloptions) o
                            WHERE o.option_name = 'check_option') END)]
         || ARRAY(SELECT pg_catalog.format('ALTER VIEW %%I.%%I ALTER COLUMN %%I SET DEFAULT %%s',
                                           n.nspname, c.relname, a.attname,
                                           pg_catalog.pg_get_expr(d.adbin, d.adrelid))
                  FROM pg_catalog.pg_attrdef d
                  JOIN pg_catalog.pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
                  WHERE d.adrelid = c.oid ORDER BY a.attnum) AS ddl,
       ARRAY(SELECT pg_catalog.pg_get_indexdef(i.indexrelid)
             FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
             WHERE i.indrelid = c.oid ORDER BY ic.relname)
         || ARRAY(SELECT pg_catalog.rtrim(pg_catalog.pg_get_ruledef(r.oid), ';')
                  FROM pg_catalog.pg_rewrite r
                  WHERE r.ev_class = c.oid AND r.rulename <> '_RETURN' ORDER BY r.rulename)
         || ARRAY(SELECT pg_catalog.pg_get_triggerdef(t.oid)
                  FROM pg_catalog.pg_trigger t
                  WHERE t.tgrelid = c.oid AND NOT t.tgisinternal ORDER BY t.tgname)
         || CASE WHEN c.relkind = 'm' AND c.relispopulated
                 THEN ARRAY[pg_catalog.format('REFRESH MATERIALIZED VIEW %%I.%%I', n.nspname,
                                              c.relname)]
                 ELSE ARRAY[]::pg_catalog.text[] END AS post,
       CASE WHEN c.relkind = 'v' THEN
         ARRAY[pg_catalog.format('CREATE VIEW %%I.%%I AS SELECT %%s', n.nspname, c.relname,
               (SELECT pg_catalog.string_agg(pg_catalog.format('NULL::%%s AS %%I',
                           pg_catalog.format_type(a.atttypid, a.atttypmod), a.attname),
                       ', ' ORDER BY a.attnum)
                FROM pg_catalog.pg_attribute a
                WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped))] END AS shell
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('v', 'm')
  AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
  AND (%(schemas)s::pg_catalog.text[] IS NULL OR n.nspname = ANY (%(schemas)s::pg_catalog.text[]))
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                    AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY n.nspname, c.relname
