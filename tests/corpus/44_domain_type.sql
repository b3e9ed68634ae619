-- Domain columns: a domain with a CHECK and a default, a domain over a domain.
-- table: public.domain_column
-- carries-dependencies: yes
-- requires:
CREATE DOMAIN positive_int AS integer CONSTRAINT positive_int_check CHECK (VALUE > 0);
CREATE DOMAIN small_positive AS positive_int CHECK (VALUE < 1000) DEFAULT 1;
CREATE DOMAIN email AS text COLLATE "C" CHECK (VALUE LIKE '%@%');
-- case:
CREATE TABLE domain_column (id positive_int PRIMARY KEY, qty small_positive, contact email);
INSERT INTO domain_column VALUES (1, 5, 'a@b'), (2, DEFAULT, NULL);
