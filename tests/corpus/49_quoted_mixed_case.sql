-- Mixed-case and spaced names for the table, columns, constraints and indexes.
-- table: public."Mixed Case"
-- carries-dependencies: no
-- as: public."Mixed Case Copy"
-- case:
CREATE TABLE "Mixed Case" (
    "Id" serial PRIMARY KEY,
    "Title Text" text CHECK ("Title Text" <> ''),
    "lowerUpper" integer UNIQUE,
    "ALLCAPS" text
);
CREATE INDEX "Mixed Case_Title Text_idx" ON "Mixed Case" (lower("Title Text"));
CREATE INDEX "Index On ALLCAPS" ON "Mixed Case" ("ALLCAPS");
COMMENT ON TABLE "Mixed Case" IS 'mixed';
COMMENT ON COLUMN "Mixed Case"."Title Text" IS 'title';
INSERT INTO "Mixed Case" ("Title Text", "lowerUpper", "ALLCAPS") VALUES ('a', 1, 'X'), ('b', NULL, NULL);
