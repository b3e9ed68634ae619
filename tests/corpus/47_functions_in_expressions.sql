-- User functions in a default, a CHECK, a generated column and an index expression.
-- table: public.functions_in_expressions
-- carries-dependencies: yes
-- requires:
CREATE FUNCTION next_code() RETURNS text LANGUAGE sql AS $$SELECT 'C-' || 42$$;
CREATE FUNCTION is_code(t text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$SELECT t LIKE 'C-%'$$;
CREATE FUNCTION norm(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$SELECT lower(btrim(t))$$;
-- case:
CREATE TABLE functions_in_expressions (
    id integer PRIMARY KEY,
    code text DEFAULT next_code() CHECK (is_code(code)),
    name text,
    name_norm text GENERATED ALWAYS AS (norm(name)) STORED
);
CREATE INDEX functions_in_expressions_norm ON functions_in_expressions (norm(name));
INSERT INTO functions_in_expressions (id, name) VALUES (1, ' Hello '), (2, NULL);
