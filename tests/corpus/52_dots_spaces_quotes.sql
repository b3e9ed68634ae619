-- Names with dots, spaces and double quotes: table, columns, serial sequence, index, constraint.
-- table: public."we""ird.tbl name"
-- carries-dependencies: no
-- as: public."copy of we""ird.tbl"
-- case:
CREATE TABLE "we""ird.tbl name" (
    "id.x" serial PRIMARY KEY,
    "a""b" text,
    "c d" integer CONSTRAINT "c.d ""positive""" CHECK ("c d" > 0),
    "e.f" text UNIQUE
);
CREATE INDEX "idx.we""ird name" ON "we""ird.tbl name" ("a""b", "c d");
COMMENT ON COLUMN "we""ird.tbl name"."a""b" IS 'quote "inside"';
INSERT INTO "we""ird.tbl name" ("a""b", "c d", "e.f") VALUES ('x"y', 1, 'e.f'), (NULL, NULL, NULL);
