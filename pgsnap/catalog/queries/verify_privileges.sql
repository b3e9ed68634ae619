-- What the current role may create, to choose where `pgsnap verify --restore-test` loads:
-- a temporary database if it may, else a temporary schema in the current database.
SELECT r.rolsuper OR r.rolcreatedb AS may_create_database,
       pg_catalog.has_database_privilege(pg_catalog.current_database(), 'CREATE')
           AS may_create_schema,
       pg_catalog.current_database() AS database,
       r.rolname::text AS role
FROM pg_catalog.pg_roles r
WHERE r.rolname = CURRENT_USER
