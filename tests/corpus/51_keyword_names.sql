-- SQL keywords as table, column, constraint and index names.
-- table: public."select"
-- carries-dependencies: no
-- as: public."order"
-- case:
CREATE TABLE "select" (
    "from" integer PRIMARY KEY,
    "user" text,
    "table" text DEFAULT 'where',
    "group" integer CONSTRAINT "check" CHECK ("group" > 0),
    "offset" integer,
    "values" text[]
);
CREATE INDEX "where" ON "select" ("user", "offset");
CREATE INDEX "select_group_idx" ON "select" ("group") WHERE "table" <> 'limit';
INSERT INTO "select" VALUES (1, 'u', 'having', 2, 3, '{a}'), (2, NULL, DEFAULT, NULL, NULL, NULL);
