-- Triggers of every shape, in every enabled state: row/statement, WHEN, UPDATE OF, transition
-- tables, TRUNCATE, a deferrable constraint trigger, arguments; DISABLE, ENABLE REPLICA/ALWAYS.
-- table: public.triggers
-- carries-dependencies: yes
-- as: public.triggers_copy
-- requires:
CREATE FUNCTION trg_touch() RETURNS trigger LANGUAGE plpgsql AS
$$BEGIN NEW.updated := now(); RETURN NEW; END$$;
CREATE FUNCTION trg_noop() RETURNS trigger LANGUAGE plpgsql AS
$$BEGIN RETURN NULL; END$$;
-- case:
CREATE TABLE triggers (id integer PRIMARY KEY, name text, updated timestamptz);
INSERT INTO triggers VALUES (1, 'a', NULL), (2, 'b', '2024-01-01 00:00:00+00');
CREATE TRIGGER triggers_touch BEFORE UPDATE ON triggers FOR EACH ROW
    WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION trg_touch();
CREATE TRIGGER triggers_name_only BEFORE UPDATE OF name ON triggers FOR EACH ROW EXECUTE FUNCTION trg_touch();
CREATE TRIGGER triggers_new_rows AFTER INSERT ON triggers REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION trg_noop();
CREATE TRIGGER triggers_truncate AFTER TRUNCATE ON triggers FOR EACH STATEMENT EXECUTE FUNCTION trg_noop('a', 'b''c');
CREATE CONSTRAINT TRIGGER triggers_deferred AFTER INSERT OR UPDATE ON triggers
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION trg_noop();
CREATE TRIGGER triggers_disabled AFTER DELETE ON triggers FOR EACH ROW EXECUTE FUNCTION trg_noop();
CREATE TRIGGER triggers_replica AFTER DELETE ON triggers FOR EACH ROW EXECUTE FUNCTION trg_noop();
CREATE TRIGGER triggers_always AFTER DELETE ON triggers FOR EACH ROW EXECUTE FUNCTION trg_noop();
ALTER TABLE triggers DISABLE TRIGGER triggers_disabled;
ALTER TABLE triggers ENABLE REPLICA TRIGGER triggers_replica;
ALTER TABLE triggers ENABLE ALWAYS TRIGGER triggers_always;
COMMENT ON TRIGGER triggers_touch ON triggers IS 'keeps updated current';
