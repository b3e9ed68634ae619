-- Publications (PostgreSQL 14: no schemas, column lists or row filters), as pg_dump
-- writes them: CREATE PUBLICATION with its options, then one ALTER PUBLICATION ... ADD TABLE
-- per table.  A whole-database dump only: pg_dump -n leaves publications out.
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
         || ARRAY(SELECT pg_catalog.format('ALTER PUBLICATION %%I ADD TABLE ONLY %%I.%%I',
                             p.pubname, tn.nspname, t.relname)
                  FROM pg_catalog.pg_publication_rel pr
                  JOIN pg_catalog.pg_class t ON t.oid = pr.prrelid
                  JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
                  WHERE pr.prpubid = p.oid ORDER BY tn.nspname, t.relname) AS ddl,
       ARRAY[]::pg_catalog.text[] AS post, NULL::pg_catalog.text[] AS shell
FROM pg_catalog.pg_publication p
WHERE %(schemas)s::pg_catalog.text[] IS NULL
ORDER BY p.pubname
