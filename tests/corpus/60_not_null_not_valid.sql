-- PG18 NOT NULL … NOT VALID that an existing row violates: it must come after the data.
-- table: public.not_null_not_valid
-- min-version: 18
-- carries-dependencies: no
-- case:
CREATE TABLE not_null_not_valid (id integer PRIMARY KEY, c integer);
INSERT INTO not_null_not_valid VALUES (1, NULL), (2, 5);
ALTER TABLE not_null_not_valid ADD CONSTRAINT not_null_not_valid_c_nn NOT NULL c NOT VALID;
