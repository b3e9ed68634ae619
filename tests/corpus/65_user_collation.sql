-- A column and an index using a user-defined collation.
-- table: public.user_collation
-- carries-dependencies: yes
-- requires:
CREATE COLLATION fidelity_c (provider = libc, locale = 'C');
-- case:
CREATE TABLE user_collation (id integer PRIMARY KEY, name text COLLATE fidelity_c, other text);
CREATE INDEX user_collation_other ON user_collation (other COLLATE fidelity_c);
INSERT INTO user_collation VALUES (1, 'b', 'a'), (2, 'A', NULL);
