-- An exclusion constraint that needs the btree_gist extension (scalar = with range &&).
-- table: public.exclusion_btree_gist
-- needs: btree_gist
-- carries-dependencies: yes
-- requires:
CREATE EXTENSION IF NOT EXISTS btree_gist;
-- case:
CREATE TABLE exclusion_btree_gist (
    id integer PRIMARY KEY,
    room integer NOT NULL,
    during tstzrange NOT NULL,
    CONSTRAINT exclusion_btree_gist_no_double_booking EXCLUDE USING gist (room WITH =, during WITH &&)
);
INSERT INTO exclusion_btree_gist VALUES
    (1, 1, '[2024-01-01 10:00+00,2024-01-01 11:00+00)'),
    (2, 1, '[2024-01-01 11:00+00,2024-01-01 12:00+00)'),
    (3, 2, '[2024-01-01 10:00+00,2024-01-01 11:00+00)');
