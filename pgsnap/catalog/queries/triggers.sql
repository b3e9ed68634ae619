-- User triggers (not the internal ones behind foreign keys, not clones on partitions).
SELECT t.tgrelid AS relid, t.tgname AS name, pg_catalog.pg_get_triggerdef(t.oid) AS definition,
       t.tgenabled::text AS enabled,
       pg_catalog.obj_description(t.oid, 'pg_trigger') AS comment
FROM pg_catalog.pg_trigger t
WHERE t.tgrelid = ANY (%(oids)s::pg_catalog.oid[]) AND NOT t.tgisinternal AND t.tgparentid = 0
ORDER BY t.tgname
