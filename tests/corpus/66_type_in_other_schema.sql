-- Column types, a domain and a function that live in a quoted, mixed-case schema.
-- table: public.type_in_other_schema
-- carries-dependencies: yes
-- requires:
CREATE SCHEMA "Type Schema";
CREATE TYPE "Type Schema"."Color" AS ENUM ('red', 'green');
CREATE DOMAIN "Type Schema".percent AS numeric(5,2) CHECK (VALUE BETWEEN 0 AND 100);
CREATE FUNCTION "Type Schema".default_color() RETURNS "Type Schema"."Color" LANGUAGE sql AS $$SELECT 'green'::"Type Schema"."Color"$$;
-- case:
CREATE TABLE type_in_other_schema (
    id integer PRIMARY KEY,
    c "Type Schema"."Color" DEFAULT "Type Schema".default_color(),
    p "Type Schema".percent
);
INSERT INTO type_in_other_schema VALUES (1, 'red', 50), (2, DEFAULT, NULL);
