-- The pg_stats rows of each table of the selection and of its partitions (attname), and of
-- their indexes' expression columns (attnum: an index's column names are the server's own), as
-- text, as pg_dump reads them.  The range_* columns are new in PostgreSQL 17
-- (attribute_stats_pg17.sql).  Columns in ColumnStats' order after the first five.
SELECT t.root AS root, n.nspname AS schema, c.relname AS name, ''::pg_catalog.text AS index_schema,
       ''::pg_catalog.text AS index_name, s.attname::pg_catalog.text AS attname, 0 AS attnum,
       s.inherited AS inherited, s.null_frac::pg_catalog.text, s.avg_width::pg_catalog.text,
       s.n_distinct::pg_catalog.text, s.most_common_vals::pg_catalog.text,
       s.most_common_freqs::pg_catalog.text, s.histogram_bounds::pg_catalog.text,
       s.correlation::pg_catalog.text, s.most_common_elems::pg_catalog.text,
       s.most_common_elem_freqs::pg_catalog.text, s.elem_count_histogram::pg_catalog.text,
       NULL::pg_catalog.text, NULL::pg_catalog.text, NULL::pg_catalog.text
FROM pg_catalog.unnest(%(oids)s::pg_catalog.oid[]) AS t(root)
CROSS JOIN LATERAL (SELECT t.root AS relid, 0 AS level UNION ALL
                    SELECT relid, level FROM pg_catalog.pg_partition_tree(t.root) WHERE level > 0) AS p
JOIN pg_catalog.pg_class c ON c.oid = p.relid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_stats s ON s.schemaname = n.nspname AND s.tablename = c.relname
WHERE c.relkind IN ('r', 'p')
UNION ALL
SELECT t.root, n.nspname, c.relname, xn.nspname::pg_catalog.text, x.relname::pg_catalog.text,
       ''::pg_catalog.text, a.attnum::pg_catalog.int4, s.inherited, s.null_frac::pg_catalog.text, s.avg_width::pg_catalog.text,
       s.n_distinct::pg_catalog.text, s.most_common_vals::pg_catalog.text,
       s.most_common_freqs::pg_catalog.text, s.histogram_bounds::pg_catalog.text,
       s.correlation::pg_catalog.text, s.most_common_elems::pg_catalog.text,
       s.most_common_elem_freqs::pg_catalog.text, s.elem_count_histogram::pg_catalog.text,
       NULL::pg_catalog.text, NULL::pg_catalog.text, NULL::pg_catalog.text
FROM pg_catalog.unnest(%(oids)s::pg_catalog.oid[]) AS t(root)
CROSS JOIN LATERAL (SELECT t.root AS relid, 0 AS level UNION ALL
                    SELECT relid, level FROM pg_catalog.pg_partition_tree(t.root) WHERE level > 0) AS p
JOIN pg_catalog.pg_class c ON c.oid = p.relid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_index i ON i.indrelid = c.oid
JOIN pg_catalog.pg_class x ON x.oid = i.indexrelid
JOIN pg_catalog.pg_namespace xn ON xn.oid = x.relnamespace
JOIN pg_catalog.pg_stats s ON s.schemaname = xn.nspname AND s.tablename = x.relname
JOIN pg_catalog.pg_attribute a ON a.attrelid = x.oid AND a.attname = s.attname
WHERE c.relkind IN ('r', 'p')
ORDER BY 1, 4, 5, 2, 3, 6, 7, 8
