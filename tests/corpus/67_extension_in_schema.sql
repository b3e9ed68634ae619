-- An extension installed in its own schema (hstore), used by a column and a GIN index.
-- table: public.extension_in_schema
-- needs: hstore
-- carries-dependencies: yes
-- requires:
CREATE SCHEMA ext;
CREATE EXTENSION hstore SCHEMA ext;
-- case:
CREATE TABLE extension_in_schema (id integer PRIMARY KEY, attrs ext.hstore);
CREATE INDEX extension_in_schema_attrs ON extension_in_schema USING gin (attrs ext.gin_hstore_ops);
INSERT INTO extension_in_schema VALUES (1, 'a=>1, b=>"x y"'), (2, NULL);
