-- Publications (PostgreSQL 15 and later: objects_publications_14.sql before), as pg_dump
-- writes them: CREATE PUBLICATION with its options, then one ALTER PUBLICATION ... ADD per
-- schema and per table (with its column list and row filter).  A whole-database dump only:
-- pg_dump -n leaves publications out.
SELECT 'pg_publication' AS cls, p.oid, 'publication' AS kind, '' AS schema, p.pubname AS name,
       pg_catalog.quote_ident(p.pubname) AS identity,
       ARRAY[pg_catalog.format('CREATE PUBLICATION %%I%%s WITH (publish = %%L%%s%%s)', p.pubname,
                 CASE WHEN p.puballtables THEN ' FOR ALL TABLES' ELSE '' END,
                 pg_catalog.concat_ws(', ', CASE WHEN p.pubinsert THEN 'insert' END,
                                      CASE WHEN p.pubupdate THEN 'update' END,
                                      CASE WHEN p.pubdelete THEN 'delete' END,
                                      CASE WHEN p.pubtruncate THEN 'truncate' END),
                 CASE WHEN p.pubviaroot THEN ', publish_via_partition_root = true' ELSE '' END,
                 CASE WHEN pg_catalog.to_jsonb(p) ->> 'pubgencols' IN ('s', 'true')
                      THEN ', publish_generated_columns = stored' ELSE '' END)]
         || ARRAY(SELECT pg_catalog.format('ALTER PUBLICATION %%I ADD TABLES IN SCHEMA %%I',
                                           p.pubname, sn.nspname)
                  FROM pg_catalog.pg_publication_namespace pn
                  JOIN pg_catalog.pg_namespace sn ON sn.oid = pn.pnnspid
                  WHERE pn.pnpubid = p.oid ORDER BY sn.nspname)
         || ARRAY(SELECT pg_catalog.format('ALTER PUBLICATION %%I ADD TABLE ONLY %%I.%%I%%s%%s',
                             p.pubname, tn.nspname, t.relname,
                             ' (' || (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname),
                                                                   ', ' ORDER BY k.o)
                                      FROM pg_catalog.unnest(pr.prattrs::pg_catalog.int2[])
                                             WITH ORDINALITY AS k(n, o)
                                      JOIN pg_catalog.pg_attribute a
                                        ON a.attrelid = pr.prrelid AND a.attnum = k.n) || ')',
                             ' WHERE (' || pg_catalog.pg_get_expr(pr.prqual, pr.prrelid) || ')')
                  FROM pg_catalog.pg_publication_rel pr
                  JOIN pg_catalog.pg_class t ON t.oid = pr.prrelid
                  JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
                  WHERE pr.prpubid = p.oid ORDER BY tn.nspname, t.relname) AS ddl,
       ARRAY[]::pg_catalog.text[] AS post, NULL::pg_catalog.text[] AS shell
FROM pg_catalog.pg_publication p
WHERE %(schemas)s::pg_catalog.text[] IS NULL
ORDER BY p.pubname
