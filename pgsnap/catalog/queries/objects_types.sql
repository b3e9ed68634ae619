-- Enum, composite and range types and domains (not arrays, not a table's row type, not an
-- extension's).  A user base type (kind b) is listed with no DDL: its I/O functions are C
-- code, which pgsnap cannot carry; the dump refuses it by name.
SELECT 'pg_type' AS cls, t.oid,
       CASE t.typtype WHEN 'd' THEN 'domain' ELSE 'type' END AS kind,
       n.nspname AS schema, t.typname AS name,
       pg_catalog.format('%%I.%%I', n.nspname, t.typname) AS identity,
       CASE t.typtype
         WHEN 'e' THEN ARRAY[pg_catalog.format('CREATE TYPE %%I.%%I AS ENUM (%%s)', n.nspname,
                 t.typname, (SELECT pg_catalog.string_agg(pg_catalog.quote_literal(e.enumlabel),
                                                          ', ' ORDER BY e.enumsortorder)
                             FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid))]
         WHEN 'c' THEN ARRAY[pg_catalog.format('CREATE TYPE %%I.%%I AS (%%s)', n.nspname,
                 t.typname, (SELECT pg_catalog.string_agg(pg_catalog.format('%%I %%s%%s', a.attname,
                                 pg_catalog.format_type(a.atttypid, a.atttypmod),
                                 CASE WHEN a.attcollation <> at.typcollation
                                      THEN pg_catalog.format(' COLLATE %%I.%%I', acn.nspname,
                                                             aco.collname) ELSE '' END),
                                 ', ' ORDER BY a.attnum)
                             FROM pg_catalog.pg_attribute a
                             JOIN pg_catalog.pg_type at ON at.oid = a.atttypid
                             LEFT JOIN pg_catalog.pg_collation aco ON aco.oid = a.attcollation
                             LEFT JOIN pg_catalog.pg_namespace acn ON acn.oid = aco.collnamespace
                             WHERE a.attrelid = t.typrelid AND a.attnum > 0
                               AND NOT a.attisdropped))]
         WHEN 'r' THEN ARRAY[pg_catalog.format('CREATE TYPE %%I.%%I AS RANGE (%%s)', n.nspname,
                 t.typname, pg_catalog.concat_ws(', ',
                     'subtype = ' || pg_catalog.format_type(r.rngsubtype, NULL),
                     CASE WHEN NOT opc.opcdefault THEN pg_catalog.format(
                         'subtype_opclass = %%I.%%I', opcn.nspname, opc.opcname) END,
                     CASE WHEN r.rngcollation <> 0 AND r.rngcollation <> st.typcollation
                          THEN pg_catalog.format('collation = %%I.%%I', rcn.nspname,
                                                 rco.collname) END,
                     CASE WHEN r.rngcanonical <> 0
                          THEN 'canonical = ' || r.rngcanonical::pg_catalog.regproc::text END,
                     CASE WHEN r.rngsubdiff <> 0
                          THEN 'subtype_diff = ' || r.rngsubdiff::pg_catalog.regproc::text END,
                     pg_catalog.format('multirange_type_name = %%I.%%I', mn.nspname, mt.typname)))]
         WHEN 'd' THEN ARRAY[pg_catalog.concat_ws(' ',
                 pg_catalog.format('CREATE DOMAIN %%I.%%I AS %%s', n.nspname, t.typname,
                                   pg_catalog.format_type(t.typbasetype, t.typtypmod)),
                 CASE WHEN t.typcollation <> 0 AND t.typcollation <> bt.typcollation
                      THEN pg_catalog.format('COLLATE %%I.%%I', dcn.nspname, dco.collname) END,
                 'DEFAULT ' || t.typdefault,
                 (SELECT pg_catalog.string_agg(pg_catalog.format('CONSTRAINT %%I %%s', k.conname,
                                                  pg_catalog.pg_get_constraintdef(k.oid)),
                                               ' ' ORDER BY k.contype DESC, k.conname)
                  FROM pg_catalog.pg_constraint k
                  WHERE k.contypid = t.oid AND k.convalidated),
                 CASE WHEN t.typnotnull AND NOT EXISTS (
                          SELECT FROM pg_catalog.pg_constraint k
                          WHERE k.contypid = t.oid AND k.contype = 'n') THEN 'NOT NULL' END)]
               || ARRAY(SELECT pg_catalog.format('ALTER DOMAIN %%I.%%I ADD CONSTRAINT %%I %%s',
                                   n.nspname, t.typname, k.conname,
                                   pg_catalog.pg_get_constraintdef(k.oid))
                        FROM pg_catalog.pg_constraint k
                        WHERE k.contypid = t.oid AND NOT k.convalidated ORDER BY k.conname)
         ELSE ARRAY[]::pg_catalog.text[] END AS ddl,
       ARRAY[]::pg_catalog.text[] AS post, NULL::pg_catalog.text[] AS shell
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_catalog.pg_class tc ON tc.oid = t.typrelid
LEFT JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype
LEFT JOIN pg_catalog.pg_collation dco ON dco.oid = t.typcollation
LEFT JOIN pg_catalog.pg_namespace dcn ON dcn.oid = dco.collnamespace
LEFT JOIN pg_catalog.pg_range r ON r.rngtypid = t.oid
LEFT JOIN pg_catalog.pg_type st ON st.oid = r.rngsubtype
LEFT JOIN pg_catalog.pg_type mt ON mt.oid = r.rngmultitypid
LEFT JOIN pg_catalog.pg_namespace mn ON mn.oid = mt.typnamespace
LEFT JOIN pg_catalog.pg_collation rco ON rco.oid = r.rngcollation
LEFT JOIN pg_catalog.pg_namespace rcn ON rcn.oid = rco.collnamespace
LEFT JOIN pg_catalog.pg_opclass opc ON opc.oid = r.rngsubopc
LEFT JOIN pg_catalog.pg_namespace opcn ON opcn.oid = opc.opcnamespace
WHERE t.typtype IN ('b', 'c', 'd', 'e', 'r')
  AND (t.typtype <> 'c' OR tc.relkind = 'c')
  AND NOT (t.typtype = 'b' AND t.typcategory = 'A')
  AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
  AND (%(schemas)s::pg_catalog.text[] IS NULL OR n.nspname = ANY (%(schemas)s::pg_catalog.text[]))
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass
                    AND d.objid = t.oid AND d.deptype = 'e')
ORDER BY n.nspname, t.typname
