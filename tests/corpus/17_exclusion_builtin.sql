-- Exclusion constraints with built-in GiST opclasses: a partial one and a deferrable one.
-- table: public.exclusion_builtin
-- carries-dependencies: no
-- case:
CREATE TABLE exclusion_builtin (
    id integer PRIMARY KEY,
    during tsrange,
    room integer,
    area circle,
    CONSTRAINT exclusion_builtin_no_overlap EXCLUDE USING gist (during WITH &&) WHERE (room IS NOT NULL),
    CONSTRAINT exclusion_builtin_area EXCLUDE USING gist (area WITH &&) DEFERRABLE INITIALLY DEFERRED
);
INSERT INTO exclusion_builtin VALUES
    (1, '[2024-01-01,2024-01-02)', 1, '<(0,0),1>'),
    (2, '[2024-01-02,2024-01-03)', 2, '<(5,5),1>'),
    (3, '[2024-01-01,2024-01-03)', NULL, NULL);
