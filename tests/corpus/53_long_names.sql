-- Names of 63 bytes, and derived names the server truncated (pkey, sequence, index).
-- table: public.a_very_long_table_name_that_is_exactly_sixty_three_bytes_long_x
-- carries-dependencies: no
-- case:
CREATE TABLE a_very_long_table_name_that_is_exactly_sixty_three_bytes_long_x (
    identifier_column_with_a_long_name_as_well_to_make_names_overflow serial PRIMARY KEY,
    another_column_whose_name_is_long_enough_to_truncate_the_index text UNIQUE
);
CREATE INDEX ON a_very_long_table_name_that_is_exactly_sixty_three_bytes_long_x
    (lower(another_column_whose_name_is_long_enough_to_truncate_the_index));
INSERT INTO a_very_long_table_name_that_is_exactly_sixty_three_bytes_long_x
    (another_column_whose_name_is_long_enough_to_truncate_the_index) VALUES ('a'), (NULL);
