-- The oids of relations named as SQL names them ("schema"."name"), in the order given.
SELECT n.relation::pg_catalog.regclass::pg_catalog.oid AS oid
FROM pg_catalog.unnest(%(names)s::pg_catalog.text[]) WITH ORDINALITY AS n(relation, ord)
ORDER BY n.ord
