-- Which of the tables %(names)s (fully quoted names; 0-based positions) exist as a table
-- (plain or partitioned): a view or a sequence of the name is a clash, not a target.
SELECT (n.ord - 1)::pg_catalog.int4 AS position
FROM pg_catalog.unnest(%(names)s::pg_catalog.text[]) WITH ORDINALITY AS n(name, ord)
JOIN pg_catalog.pg_class c ON c.oid = pg_catalog.to_regclass(n.name)
WHERE c.relkind IN ('r', 'p')
ORDER BY 1
