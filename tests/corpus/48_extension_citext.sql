-- An extension type (citext) in a column, a unique key and an array.
-- table: public.citext_column
-- needs: citext
-- carries-dependencies: yes
-- requires:
CREATE EXTENSION IF NOT EXISTS citext;
-- case:
CREATE TABLE citext_column (id integer PRIMARY KEY, email citext UNIQUE, aliases citext[] DEFAULT '{}');
INSERT INTO citext_column VALUES (1, 'A@x.org', '{B,c}'), (2, NULL, NULL);
