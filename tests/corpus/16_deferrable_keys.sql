-- DEFERRABLE and INITIALLY DEFERRED unique constraints and foreign key.
-- table: public.deferrable_keys
-- carries-dependencies: no
-- case:
CREATE TABLE deferrable_keys (
    id integer PRIMARY KEY,
    code text UNIQUE DEFERRABLE INITIALLY DEFERRED,
    parent integer REFERENCES deferrable_keys (id) DEFERRABLE INITIALLY DEFERRED,
    other integer,
    CONSTRAINT deferrable_keys_other_uq UNIQUE (other) DEFERRABLE INITIALLY IMMEDIATE
);
INSERT INTO deferrable_keys VALUES (1, 'a', NULL, 1), (2, 'b', 1, 2), (3, 'c', 2, NULL);
