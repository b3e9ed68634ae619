-- PG18 temporal keys: PRIMARY KEY … WITHOUT OVERLAPS, a self-referencing FOREIGN KEY …
-- PERIOD, and a CHECK … NOT ENFORCED that a row violates.
-- table: public.temporal_keys
-- min-version: 18
-- needs: btree_gist
-- carries-dependencies: yes
-- requires:
CREATE EXTENSION IF NOT EXISTS btree_gist;
-- case:
CREATE TABLE temporal_keys (
    id integer,
    parent integer,
    valid daterange,
    price integer,
    CONSTRAINT temporal_keys_pkey PRIMARY KEY (id, valid WITHOUT OVERLAPS),
    CONSTRAINT temporal_keys_parent_fk FOREIGN KEY (parent, PERIOD valid) REFERENCES temporal_keys (id, PERIOD valid),
    CONSTRAINT temporal_keys_price CHECK (price > 0) NOT ENFORCED
);
INSERT INTO temporal_keys VALUES (1, NULL, '[2024-01-01,2025-01-01)', -1), (2, 1, '[2024-03-01,2024-04-01)', 10);
