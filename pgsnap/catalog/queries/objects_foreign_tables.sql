-- Foreign tables of a whole-database (or --schema) dump, not an extension's, not partitions
-- (catalog/objects.py refuses those): CREATE FOREIGN TABLE with the local columns (their
-- options, collation, default, NOT NULL), the valid local CHECK constraints, INHERITS, the
-- server and options; a NOT VALID check after it, as pg_dump writes it.  They hold no rows.
SELECT 'pg_class' AS cls, c.oid, 'foreign table' AS kind, n.nspname AS schema, c.relname AS name,
       pg_catalog.format('%%I.%%I', n.nspname, c.relname) AS identity,
       ARRAY[pg_catalog.format('CREATE FOREIGN TABLE %%I.%%I (%%s)%%s SERVER %%I%%s',
                 n.nspname, c.relname,
                 (SELECT pg_catalog.string_agg(x.e, ', ' ORDER BY x.o1, x.o2) FROM (
                      SELECT 0 AS o1, a.attnum::pg_catalog.int8 AS o2, pg_catalog.format(
                                 '%%I %%s%%s%%s%%s%%s', a.attname,
                                 pg_catalog.format_type(a.atttypid, a.atttypmod),
                                 (SELECT ' OPTIONS (' || pg_catalog.string_agg(
                                             pg_catalog.format('%%I %%L', o.k, o.v), ', '
                                             ORDER BY o.ord) || ')'
                                  FROM pg_catalog.pg_options_to_table(a.attfdwoptions)
                                       WITH ORDINALITY AS o(k, v, ord)),
                                 (SELECT pg_catalog.format(' COLLATE %%I.%%I', cn.nspname, co.collname)
                                  FROM pg_catalog.pg_collation co
                                  JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
                                  WHERE co.oid = a.attcollation AND a.attcollation <> t.typcollation),
                                 CASE a.attgenerated
                                      WHEN 's' THEN ' GENERATED ALWAYS AS ('
                                           || pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) || ') STORED'
                                      WHEN 'v' THEN ' GENERATED ALWAYS AS ('
                                           || pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) || ') VIRTUAL'
                                      ELSE ' DEFAULT ' || pg_catalog.pg_get_expr(ad.adbin, ad.adrelid)
                                 END,
                                 CASE WHEN nn.conname IS NOT NULL
                                      THEN pg_catalog.format(' CONSTRAINT %%I NOT NULL', nn.conname)
                                      WHEN a.attnotnull THEN ' NOT NULL' END) AS e
                      FROM pg_catalog.pg_attribute a
                      JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
                      LEFT JOIN pg_catalog.pg_attrdef ad
                             ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
                      LEFT JOIN pg_catalog.pg_constraint nn
                             ON nn.conrelid = a.attrelid AND nn.contype = 'n'
                            AND nn.conkey[1] = a.attnum
                      WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                        AND a.attislocal
                    UNION ALL
                      SELECT 1, pg_catalog.row_number() OVER (ORDER BY k.conname),
                             pg_catalog.format('CONSTRAINT %%I %%s', k.conname,
                                               pg_catalog.pg_get_constraintdef(k.oid))
                      FROM pg_catalog.pg_constraint k
                      WHERE k.conrelid = c.oid AND k.contype = 'c' AND k.conislocal
                        AND k.convalidated) AS x),
                 (SELECT ' INHERITS (' || pg_catalog.string_agg(
                             pg_catalog.format('%%I.%%I', pn.nspname, p.relname), ', '
                             ORDER BY i.inhseqno) || ')'
                  FROM pg_catalog.pg_inherits i
                  JOIN pg_catalog.pg_class p ON p.oid = i.inhparent
                  JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
                  WHERE i.inhrelid = c.oid),
                 s.srvname,
                 (SELECT ' OPTIONS (' || pg_catalog.string_agg(
                             pg_catalog.format('%%I %%L', o.k, o.v), ', ' ORDER BY o.ord) || ')'
                  FROM pg_catalog.pg_options_to_table(f.ftoptions) WITH ORDINALITY AS o(k, v, ord)))]
         || ARRAY(SELECT pg_catalog.format('ALTER FOREIGN TABLE %%I.%%I ADD CONSTRAINT %%I %%s',
                             n.nspname, c.relname, k.conname, pg_catalog.pg_get_constraintdef(k.oid))
                  FROM pg_catalog.pg_constraint k
                  WHERE k.conrelid = c.oid AND k.contype = 'c' AND k.conislocal
                    AND NOT k.convalidated
                  ORDER BY k.conname) AS ddl,
       ARRAY[]::pg_catalog.text[] AS post, NULL::pg_catalog.text[] AS shell
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_foreign_table f ON f.ftrelid = c.oid
JOIN pg_catalog.pg_foreign_server s ON s.oid = f.ftserver
WHERE c.relkind = 'f' AND NOT c.relispartition
  AND (%(schemas)s::pg_catalog.text[] IS NULL OR n.nspname = ANY (%(schemas)s::pg_catalog.text[]))
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                    AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY n.nspname, c.relname
