-- Index-backed constraints with INCLUDE columns and index storage parameters, and an
-- exclusion constraint with INCLUDE.
-- table: public.constraint_index_options
-- carries-dependencies: no
-- case:
CREATE TABLE constraint_index_options (
    id integer,
    code text,
    note text,
    during tsrange,
    CONSTRAINT constraint_index_options_pkey PRIMARY KEY (id) INCLUDE (note) WITH (fillfactor = 80),
    CONSTRAINT constraint_index_options_code UNIQUE (code) INCLUDE (id) WITH (deduplicate_items = off),
    CONSTRAINT constraint_index_options_excl EXCLUDE USING gist (during WITH &&) INCLUDE (id) WITH (fillfactor = 60)
);
INSERT INTO constraint_index_options VALUES (1, 'a', 'n', '[2024-01-01,2024-01-02)'), (2, NULL, NULL, NULL);
