-- Triggers a partition has from its parent (clones) whose enabled state is its own: the
-- partition's DDL sets it, as pg_dump does.
SELECT t.tgrelid AS relid, t.tgname AS name, t.tgenabled::text AS enabled
FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_trigger p ON p.oid = t.tgparentid
WHERE t.tgrelid = ANY (%(oids)s::pg_catalog.oid[]) AND t.tgenabled <> p.tgenabled
ORDER BY t.tgname
