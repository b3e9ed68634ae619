-- Triggers on columns with quoted names (UPDATE OF, WHEN), with a quoted trigger name.
-- table: public."Trigger Target"
-- carries-dependencies: yes
-- as: public."Trigger Target Copy"
-- requires:
CREATE FUNCTION "Quoted Trigger Fn"() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
-- case:
CREATE TABLE "Trigger Target" ("Id" integer PRIMARY KEY, "Value Text" text, "select" integer);
CREATE TRIGGER "Trigger Target On Update" BEFORE UPDATE OF "Value Text", "select" ON "Trigger Target"
    FOR EACH ROW WHEN (OLD."Value Text" IS DISTINCT FROM NEW."Value Text") EXECUTE FUNCTION "Quoted Trigger Fn"();
INSERT INTO "Trigger Target" VALUES (1, 'a', 2);
