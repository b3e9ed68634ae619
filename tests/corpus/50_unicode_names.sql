-- Non-ASCII names for the table, columns, indexes and a constraint.
-- table: public."données_ünï"
-- carries-dependencies: no
-- as: public."données_ünï_copie"
-- case:
CREATE TABLE "données_ünï" (
    "clé" serial PRIMARY KEY,
    "名前" text NOT NULL,
    "emoji_😀" text,
    "Größe" numeric CONSTRAINT "größe_positiv" CHECK ("Größe" > 0)
);
CREATE INDEX "données_ünï_名前_idx" ON "données_ünï" ("名前");
INSERT INTO "données_ünï" ("名前", "emoji_😀", "Größe") VALUES ('太郎', '😀', 1.5), ('花子', NULL, NULL);
