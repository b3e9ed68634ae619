-- Rules whose actions name the table itself (a qualified column too), in every enabled state,
-- with a comment and a quoted name; extended statistics in another schema, whose name does
-- not hold the table's.
-- table: public.rule_self
-- carries-dependencies: no
-- as: public.rule_self_copy
-- requires:
CREATE SCHEMA stats_elsewhere;
CREATE TABLE rule_self_audit (id integer, n bigint);
-- case:
CREATE TABLE rule_self (id integer PRIMARY KEY, parent integer, v text);
CREATE RULE rule_self_orphans AS ON DELETE TO rule_self
    DO ALSO UPDATE rule_self SET parent = NULL WHERE rule_self.parent = OLD.id;
CREATE RULE rule_self_count AS ON INSERT TO rule_self
    DO ALSO INSERT INTO rule_self_audit VALUES (NEW.id, (SELECT count(*) FROM rule_self));
CREATE RULE "Rule Notify" AS ON UPDATE TO rule_self DO ALSO NOTIFY rule_self_changed;
CREATE RULE rule_self_guard AS ON UPDATE TO rule_self WHERE OLD.id < 0 DO INSTEAD NOTHING;
ALTER TABLE rule_self ENABLE REPLICA RULE "Rule Notify";
ALTER TABLE rule_self ENABLE ALWAYS RULE rule_self_guard;
COMMENT ON RULE rule_self_orphans ON rule_self IS 'children lose their parent';
CREATE STATISTICS stats_elsewhere.parent_v (dependencies) ON parent, v FROM rule_self;
ALTER STATISTICS stats_elsewhere.parent_v SET STATISTICS 50;
COMMENT ON STATISTICS stats_elsewhere.parent_v IS 'kept in its schema';
INSERT INTO rule_self VALUES (1, NULL, 'a'), (2, 1, 'b');
