-- A publication's membership of a table a --replace swaps, with its row filter and column
-- list where the server has them (PostgreSQL 15+; read through JSON, absent before).
SELECT pub.pubname AS publication,
       pg_catalog.to_jsonb(pt) ->> 'rowfilter' AS row_filter,
       CASE WHEN pg_catalog.to_jsonb(pr) ->> 'prattrs' IS NOT NULL
            THEN ARRAY(SELECT pg_catalog.jsonb_array_elements_text(pg_catalog.to_jsonb(pt) -> 'attnames'))
       END AS columns
FROM pg_catalog.pg_publication_rel pr
JOIN pg_catalog.pg_publication pub ON pub.oid = pr.prpubid
JOIN pg_catalog.pg_class c ON c.oid = pr.prrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_publication_tables pt
  ON pt.pubname = pub.pubname AND pt.schemaname = n.nspname AND pt.tablename = c.relname
WHERE pr.oid = %(oid)s
