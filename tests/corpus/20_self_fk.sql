-- Self-referencing foreign keys: one plain, one deferred; the rows reference each other.
-- table: public.self_fk
-- carries-dependencies: no
-- as: public.self_fk_copy
-- case:
CREATE TABLE self_fk (
    id integer PRIMARY KEY,
    parent_id integer REFERENCES self_fk (id) ON DELETE CASCADE,
    root_id integer,
    CONSTRAINT self_fk_root FOREIGN KEY (root_id) REFERENCES self_fk (id) DEFERRABLE INITIALLY DEFERRED
);
INSERT INTO self_fk VALUES (1, NULL, 1), (2, 1, 1), (3, 2, 1);
