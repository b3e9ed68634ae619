-- A rule on the table (pg_dump -t emits the table's rules), one of them disabled.
-- table: public.rules
-- carries-dependencies: no
-- as: public.rules_copy
-- requires:
CREATE TABLE rules_log (id integer, what text);
-- case:
CREATE TABLE rules (id integer PRIMARY KEY, v text);
CREATE RULE rules_log_delete AS ON DELETE TO rules DO ALSO INSERT INTO rules_log VALUES (OLD.id, 'deleted');
CREATE RULE rules_no_update AS ON UPDATE TO rules WHERE OLD.id < 0 DO INSTEAD NOTHING;
ALTER TABLE rules DISABLE RULE rules_no_update;
INSERT INTO rules VALUES (1, 'a'), (-1, 'b');
