-- Foreign tables that are partitions, in a whole-database (or --schema) dump: created as a
-- partition of their table (whose columns, defaults and constraints they take), then their
-- own column options, defaults and CHECK constraints.  The partitioned table's DDL, rows and
-- indexes leave them out (catalog/tables.py); they hold no rows.
SELECT 'pg_class' AS cls, c.oid, 'foreign table' AS kind, n.nspname AS schema, c.relname AS name,
       pg_catalog.format('%%I.%%I', n.nspname, c.relname) AS identity,
       ARRAY[pg_catalog.format('CREATE FOREIGN TABLE %%I.%%I PARTITION OF %%I.%%I %%s SERVER %%I%%s',
                 n.nspname, c.relname, pn.nspname, p.relname,
                 pg_catalog.pg_get_expr(c.relpartbound, c.oid), s.srvname,
                 (SELECT ' OPTIONS (' || pg_catalog.string_agg(
                             pg_catalog.format('%%I %%L', o.k, o.v), ', ' ORDER BY o.ord) || ')'
                  FROM pg_catalog.pg_options_to_table(f.ftoptions) WITH ORDINALITY AS o(k, v, ord)))]
         || ARRAY(SELECT pg_catalog.format('ALTER FOREIGN TABLE %%I.%%I ALTER COLUMN %%I OPTIONS (%%s)',
                             n.nspname, c.relname, a.attname,
                             (SELECT pg_catalog.string_agg(pg_catalog.format('%%I %%L', o.k, o.v),
                                                           ', ' ORDER BY o.ord)
                              FROM pg_catalog.pg_options_to_table(a.attfdwoptions)
                                   WITH ORDINALITY AS o(k, v, ord)))
                  FROM pg_catalog.pg_attribute a
                  WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                    AND a.attfdwoptions IS NOT NULL
                  ORDER BY a.attnum)
         || ARRAY(SELECT pg_catalog.format('ALTER FOREIGN TABLE %%I.%%I ALTER COLUMN %%I SET DEFAULT %%s',
                             n.nspname, c.relname, a.attname,
                             pg_catalog.pg_get_expr(d.adbin, d.adrelid))
                  FROM pg_catalog.pg_attribute a
                  JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                  LEFT JOIN pg_catalog.pg_attribute pa
                         ON pa.attrelid = p.oid AND pa.attname = a.attname
                  LEFT JOIN pg_catalog.pg_attrdef pd
                         ON pd.adrelid = pa.attrelid AND pd.adnum = pa.attnum
                  WHERE a.attrelid = c.oid AND a.attgenerated = ''
                    AND pg_catalog.pg_get_expr(d.adbin, d.adrelid)
                        IS DISTINCT FROM pg_catalog.pg_get_expr(pd.adbin, pd.adrelid)
                  ORDER BY a.attnum)
         || ARRAY(SELECT pg_catalog.format('ALTER FOREIGN TABLE %%I.%%I ADD CONSTRAINT %%I %%s',
                             n.nspname, c.relname, k.conname, pg_catalog.pg_get_constraintdef(k.oid))
                  FROM pg_catalog.pg_constraint k
                  WHERE k.conrelid = c.oid AND k.contype = 'c' AND k.conislocal
                    AND k.coninhcount = 0
                  ORDER BY k.conname) AS ddl,
       ARRAY[]::pg_catalog.text[] AS post, NULL::pg_catalog.text[] AS shell
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_inherits i ON i.inhrelid = c.oid
JOIN pg_catalog.pg_class p ON p.oid = i.inhparent
JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
JOIN pg_catalog.pg_foreign_table f ON f.ftrelid = c.oid
JOIN pg_catalog.pg_foreign_server s ON s.oid = f.ftserver
WHERE c.relkind = 'f' AND c.relispartition
  AND (%(schemas)s::pg_catalog.text[] IS NULL OR n.nspname = ANY (%(schemas)s::pg_catalog.text[]))
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                    AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY n.nspname, c.relname
