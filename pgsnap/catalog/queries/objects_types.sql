-- Enum, composite, range and base types and domains (not arrays, not a table's row type, not
-- an extension's), and shell types never defined.  A base type and its I/O functions need
-- each other: its `shell` (CREATE TYPE with no definition) comes first, as pg_dump writes
-- it, and the definition after them.
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
         WHEN 'p' THEN ARRAY[pg_catalog.format('CREATE TYPE %%I.%%I', n.nspname, t.typname)]
         WHEN 'b' THEN ARRAY[pg_catalog.format('CREATE TYPE %%I.%%I (%%s)', n.nspname,
                 t.typname, pg_catalog.concat_ws(', ',
                     'INPUT = ' || t.typinput::pg_catalog.text,
                     'OUTPUT = ' || t.typoutput::pg_catalog.text,
                     CASE WHEN t.typreceive::pg_catalog.oid <> 0
                          THEN 'RECEIVE = ' || t.typreceive::pg_catalog.text END,
                     CASE WHEN t.typsend::pg_catalog.oid <> 0
                          THEN 'SEND = ' || t.typsend::pg_catalog.text END,
                     CASE WHEN t.typmodin::pg_catalog.oid <> 0
                          THEN 'TYPMOD_IN = ' || t.typmodin::pg_catalog.text END,
                     CASE WHEN t.typmodout::pg_catalog.oid <> 0
                          THEN 'TYPMOD_OUT = ' || t.typmodout::pg_catalog.text END,
                     CASE WHEN t.typanalyze::pg_catalog.oid <> 0
                          THEN 'ANALYZE = ' || t.typanalyze::pg_catalog.text END,
                     CASE WHEN t.typsubscript::pg_catalog.oid <> 0
                          THEN 'SUBSCRIPT = ' || t.typsubscript::pg_catalog.text END,
                     'INTERNALLENGTH = ' || CASE WHEN t.typlen < 0 THEN 'variable'
                                                 ELSE t.typlen::pg_catalog.text END,
                     CASE WHEN t.typbyval THEN 'PASSEDBYVALUE' END,
                     'ALIGNMENT = ' || CASE t.typalign WHEN 'c' THEN 'char' WHEN 's' THEN 'int2'
                                                       WHEN 'i' THEN 'int4' ELSE 'double' END,
                     'STORAGE = ' || CASE t.typstorage WHEN 'p' THEN 'plain'
                                                       WHEN 'e' THEN 'external'
                                                       WHEN 'x' THEN 'extended' ELSE 'main' END,
                     CASE WHEN t.typcategory <> 'U'
                          THEN 'CATEGORY = ' || pg_catalog.quote_literal(t.typcategory::pg_catalog.text) END,
                     CASE WHEN t.typispreferred THEN 'PREFERRED = true' END,
                     CASE WHEN t.typdefault IS NOT NULL
                          THEN 'DEFAULT = ' || pg_catalog.quote_literal(t.typdefault) END,
                     CASE WHEN t.typelem <> 0
                          THEN 'ELEMENT = ' || pg_catalog.format_type(t.typelem, NULL) END,
                     CASE WHEN t.typdelim <> ','
                          THEN 'DELIMITER = ' || pg_catalog.quote_literal(t.typdelim::pg_catalog.text) END,
                     CASE WHEN t.typcollation <> 0 THEN 'COLLATABLE = true' END))]
         ELSE ARRAY[]::pg_catalog.text[] END AS ddl,
       ARRAY[]::pg_catalog.text[] AS post,
       CASE WHEN t.typtype = 'b'
            THEN ARRAY[pg_catalog.format('CREATE TYPE %%I.%%I', n.nspname, t.typname)] END AS shell
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
WHERE (t.typtype IN ('b', 'c', 'd', 'e', 'r') OR t.typtype = 'p' AND NOT t.typisdefined)
  AND (t.typtype <> 'c' OR tc.relkind = 'c')
  AND NOT (t.typtype = 'b' AND t.typcategory = 'A')
  AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
  AND (%(schemas)s::pg_catalog.text[] IS NULL OR n.nspname = ANY (%(schemas)s::pg_catalog.text[]))
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass
                    AND d.objid = t.oid AND d.deptype IN ('e', 'i'))  -- an extension's, or made with another object
ORDER BY n.nspname, t.typname
