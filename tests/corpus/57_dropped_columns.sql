-- A table with dropped columns and columns added later with defaults (attmissingval).
-- table: public.dropped_columns
-- carries-dependencies: no
-- case:
CREATE TABLE dropped_columns (id integer PRIMARY KEY, gone1 text, keep text, gone2 integer);
INSERT INTO dropped_columns VALUES (1, 'x', 'k1', 1), (2, NULL, 'k2', NULL);
ALTER TABLE dropped_columns DROP COLUMN gone1;
ALTER TABLE dropped_columns ADD COLUMN added integer NOT NULL DEFAULT 7;
ALTER TABLE dropped_columns DROP COLUMN gone2;
ALTER TABLE dropped_columns ADD COLUMN added_text text DEFAULT 'late';
ALTER TABLE dropped_columns ADD COLUMN named integer CONSTRAINT dropped_named_nn NOT NULL DEFAULT 1;
INSERT INTO dropped_columns (id, keep) VALUES (3, 'k3');
