-- A table in a quoted, mixed-case schema, with a serial key, an index and an FK within it.
-- table: "Other Schema".things
-- carries-dependencies: no
-- requires:
CREATE SCHEMA "Other Schema";
CREATE TABLE "Other Schema".kinds (id integer PRIMARY KEY);
INSERT INTO "Other Schema".kinds VALUES (1);
-- case:
CREATE TABLE "Other Schema".things (
    id serial PRIMARY KEY,
    kind integer REFERENCES "Other Schema".kinds (id),
    name text
);
CREATE INDEX things_name_idx ON "Other Schema".things (name);
INSERT INTO "Other Schema".things (kind, name) VALUES (1, 'a'), (NULL, 'b');
